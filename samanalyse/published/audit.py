"""Audit of a round's published figures: do the printed numbers fit together?

The audit checks the numbers a study prints (transcribed in
``data/published/<round>/``, see :mod:`samanalyse.published`) against each
other and against what the respondent counts allow. It never looks at
respondent-level answers: everything follows from the printed percentages and
the group sizes (respondents per population, region and size class, from
:func:`samanalyse.rounds.respondents`).

Checks
------
granularity
    A percentage printed as a whole number for a group of ``n`` respondents
    is possible only if some whole count ``k`` (0..n) rounds to it. Both
    round-half-up and round-half-even are tried; for an impossible value the
    proof gives the nearest achievable percentages ``k/n``.
row
    The categories of a row plus the missing shares of the table notes
    describe the whole group, so they add up to 100 within rounding. Each
    printed value is within 0.5 of its true share, so ``m`` values add up to
    ``100 +/- m/2``; as the sum of whole numbers is whole, the printed sum can
    differ from 100 by at most ``floor(m/2)`` (:func:`row_sum_bound`). The
    stronger check asks whether whole counts exist that reproduce every value
    of the row at once and add up to ``n`` (:func:`row_counts`).
breakdown
    Counts per region (or size class) that reproduce the printed group
    percentages must add up to counts that reproduce the printed total (and the
    total's missing note); a dynamic programme over the groups decides it
    (:func:`breakdown_totals`). Two breakdowns of the same item must be
    possible for the same totals.
repeated
    The same figure printed in two tables must agree.
annex
    The response-frequency annex ("Gjennomført" vs "Vet ikke") must agree with
    the item tables: "Gjennomført" = the table's categories, "Vet ikke" = the
    table's missing notes, both of all respondents. When that fails, the audit
    tries the base without non-answers and says whether it explains the gap.
index
    Index cross-tables with column percentages bound the overall share of each
    row category between the smallest and largest column value; two tables of
    the same index must overlap. The item tables bound, Fréchet-style, how many
    respondents can reach an index cut (:func:`index_share_bounds`).
caption
    The n printed in a table caption must be the number of respondents.
statement
    Machine-readable readings of the text (``statements.csv`` column
    ``implied``) are evaluated against the tables they name: response rates,
    counts, shares (with or without a stated base), comparisons and rankings.

Severities
----------
impossible
    No whole counts can produce the printed numbers on the base the study
    states (or the numbers contradict each other outright); a proof is given.
inconsistent
    The numbers disagree beyond rounding, but an undocumented base or
    convention could explain it (the explanation names it when one does).
loose wording
    A statement of the text is looser than, or partly contradicted by, the
    table it describes.
note
    Worth knowing but not an error (e.g. possible under one rounding rule
    only).

Examples
--------
>>> from samanalyse.audit import percent_check
>>> percent_check(14, 7).possible, percent_check(15, 7).possible
(True, False)
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Iterable, Mapping, Sequence

import pandas as pd

from samanalyse.errors import DataError, SamanalyseError
from samanalyse.stats.rounding import DOUBLE_ROUNDING, RULES, round_percent

__all__ = [
    "SEVERITIES",
    "RULES",
    "Finding",
    "AuditResult",
    "PercentCheck",
    "RowCheck",
    "round_percent",
    "counts_for",
    "percent_check",
    "row_sum_bound",
    "row_counts",
    "breakdown_totals",
    "index_share_bounds",
    "group_sizes",
    "audit",
    "audit_round",
    "findings_frame",
    "format_text",
    "FINDING_COLUMNS",
]

#: Severities, most serious first.
SEVERITIES: tuple[str, ...] = ("impossible", "inconsistent", "loose wording", "note")
#: Columns of :func:`findings_frame` (and of ``samanalyse audit --format csv``).
FINDING_COLUMNS: tuple[str, ...] = (
    "severity", "check", "tables", "population", "item", "values", "explanation", "proof", "cells", "lines",
)

#: Labels of table-note categories that hold respondents without a substantive
#: answer. "no answer" shares may contain blank answers; "don't know" ones not.
_NO_ANSWER = {"na", "manglendesvar"}
_DONT_KNOW = {"vetikke/ikkeaktuelt", "vetikke"}
#: The annex's label of "gave a substantive answer".
_ANSWERED = "gjennomført"
#: Statement notation (statements.csv README): category shorthands.
_STATEMENT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "gode": ("Gjennomført med gode erfaringer",),
    "usikre/dårlige": ("Gjennomført med usikre/dårlige erfaringer",),
    "gjennomført": ("Gjennomført med gode erfaringer", "Gjennomført med usikre/dårlige erfaringer"),
    "vet ikke": ("Vet ikke/ikke aktuelt",),
}
#: Respondent columns behind the breakdowns of cells.csv.
BREAKDOWN_COLUMNS: dict[str, str] = {"rhf": "rhf", "size": "size_class"}
#: Tolerances (percentage points) for approximate statements: within CLOSE the
#: statement is fine, within LOOSE it is loose wording, beyond that inconsistent.
#: 5 points is half the step of "x av 10", the finest fraction the texts use.
CLOSE, LOOSE = 5.0, 10.0


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Finding:
    """One finding of the audit.

    Attributes
    ----------
    check : str
        Which check found it (granularity, row, breakdown, repeated, annex,
        index, caption, statement).
    severity : str
        One of :data:`SEVERITIES`.
    tables : tuple of str
        Table ids involved (``T16``, ``V3``, ...).
    values : str
        The numbers involved, as printed.
    explanation : str
        One plain-English sentence for a reader without statistics.
    proof : str
        For ``impossible``: the bound or the empty set of counts; otherwise
        the arithmetic behind the finding.
    cells : tuple of str
        ``cell_id`` s (and ``statement_id`` s) involved.
    lines : tuple of int
        Lines in the study text.
    population : str
        Population(s) concerned, ``;``-separated.
    item : str
        Item(s) concerned, ``;``-separated.
    """

    check: str
    severity: str
    tables: tuple[str, ...]
    values: str
    explanation: str
    proof: str = ""
    cells: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    population: str = ""
    item: str = ""

    def as_row(self) -> dict[str, str]:
        """The finding as a flat dict of strings (columns :data:`FINDING_COLUMNS`)."""
        return {
            "severity": self.severity,
            "check": self.check,
            "tables": ";".join(self.tables),
            "population": self.population,
            "item": self.item,
            "values": self.values,
            "explanation": self.explanation,
            "proof": self.proof,
            "cells": ";".join(self.cells),
            "lines": ";".join(str(x) for x in self.lines),
        }


@dataclass(frozen=True)
class AuditResult:
    """What :func:`audit` returns.

    Attributes
    ----------
    round : str
        The round audited (may be empty for hand-made inputs).
    findings : list of Finding
        Sorted by severity, then table and line.
    checked : dict
        How many things each check looked at (``{"granularity": 395, ...}``).
    unchecked_statements : list of str
        Statement clauses that are not machine-checkable, as ``"S013: ..."``.
    within_rounding : list of str
        Rows whose printed sum is not 100 but within the rounding bound (not
        findings), as ``"T14 kommuner q5a: 100 - 1"``.
    """

    round: str
    findings: list[Finding]
    checked: dict[str, int] = field(default_factory=dict)
    unchecked_statements: list[str] = field(default_factory=list)
    within_rounding: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of findings per severity (every severity present, possibly 0)."""
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def by_severity(self, severity: str) -> list[Finding]:
        """The findings of one severity."""
        return [f for f in self.findings if f.severity == severity]


@dataclass(frozen=True)
class PercentCheck:
    """Whether a printed percentage is possible for a group of ``n``.

    Attributes
    ----------
    value : float
        The printed percentage.
    n : int
        Group size (base).
    counts : dict
        Rule -> the whole counts ``k`` that round to ``value`` (may be empty).
    below, above : tuple or None
        The nearest achievable ``(k, percent)`` below and above ``value``.
    """

    value: float
    n: int
    counts: dict[str, tuple[int, ...]]
    below: tuple[int, float] | None
    above: tuple[int, float] | None

    @property
    def possible(self) -> bool:
        """True if some count rounds to the value under a standard rule."""
        return any(self.counts[r] for r in RULES)

    @property
    def rules(self) -> tuple[str, ...]:
        """The standard rules under which the value is possible."""
        return tuple(r for r in RULES if self.counts[r])

    def proof(self, unit: str = "respondents") -> str:
        """Plain statement of why the value is (im)possible."""
        if self.possible:
            ks = sorted(set().union(*(self.counts[r] for r in RULES)))
            return f"{self.value:g}% = " + " or ".join(f"{k}/{self.n} ({_pct(k, self.n)}%)" for k in ks)
        if self.value > 100 or self.value < 0:
            return f"a share of {self.n} {unit} lies between 0% and 100% (0 <= k <= {self.n}); {self.value:g}% is outside"
        parts = []
        if self.below:
            parts.append(f"{self.below[0]}/{self.n} = {self.below[1]:.1f}%")
        if self.above:
            parts.append(f"{self.above[0]}/{self.n} = {self.above[1]:.1f}%")
        return (f"no whole number of {self.n} {unit} gives {self.value:g}%: the neighbouring shares are "
                + " and ".join(parts))


@dataclass(frozen=True)
class RowCheck:
    """Whether whole counts reproduce a whole row (see :func:`row_counts`).

    Attributes
    ----------
    feasible : bool
        True if counts exist.
    ranges : list of tuple or None
        Per value, the range ``(lo, hi)`` of counts that round to it (``None``
        if no count does).
    total : tuple of int
        The smallest and largest sum of such counts.
    witness : tuple of int or None
        One set of counts that works (``None`` if infeasible).
    """

    feasible: bool
    ranges: list[tuple[int, int] | None]
    total: tuple[int, int]
    witness: tuple[int, ...] | None


# --------------------------------------------------------------------------- checks of input


def _check_n(n: object, what: str = "n") -> int:
    """Raise :class:`SamanalyseError` unless ``n`` is a positive whole number."""
    if isinstance(n, bool) or not isinstance(n, (int,)) or n < 1:
        raise SamanalyseError(f"{what} must be a positive whole number of respondents, got {n!r}.")
    return int(n)


def _check_rule(rule: str) -> str:
    """Raise :class:`SamanalyseError` for an unknown rounding rule."""
    if rule not in RULES + (DOUBLE_ROUNDING,):
        raise SamanalyseError(f"Unknown rounding rule {rule!r}; use one of {', '.join(RULES + (DOUBLE_ROUNDING,))}.")
    return rule


def _check_value(value: object) -> float:
    """Raise :class:`SamanalyseError` unless ``value`` is a finite number."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SamanalyseError(f"A printed percentage must be a number, got {value!r}.") from None
    if not math.isfinite(v):
        raise SamanalyseError(f"A printed percentage must be finite, got {value!r}.")
    return v


def _check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`DataError` if ``frame`` lacks columns the audit needs."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"The {what} given to the audit lack column(s): {', '.join(missing)}.")


def _check_sizes(sizes: Mapping[tuple[str, str], int]) -> None:
    """Raise :class:`SamanalyseError` for a group size that is not a positive whole number."""
    for key, n in sizes.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise SamanalyseError(f"Group size of {key} must be a whole number >= 0, got {n!r}.")


# --------------------------------------------------------------------------- arithmetic


def _decimals(value: float) -> int:
    """Number of decimals a printed value carries (0 for whole numbers, at most 2)."""
    for d in range(3):
        if abs(round(value, d) - value) < 1e-9:
            return d
    return 2


def counts_for(value: float, n: int, rule: str = "half-up") -> tuple[int, ...]:
    """Whole counts ``k`` in ``0..n`` whose percentage ``100 k / n`` prints as ``value``.

    Parameters
    ----------
    value : float
        The printed percentage.
    n : int
        The base (group size).
    rule : {"half-up", "half-even", "double"}
        Rounding rule.

    Returns
    -------
    tuple of int
        The counts, ascending (consecutive; empty if none).

    Examples
    --------
    >>> counts_for(14, 7), counts_for(15, 7)
    ((1,), ())
    """
    v = _check_value(value)
    n = _check_n(n)
    _check_rule(rule)
    d = _decimals(v)
    target = Fraction(round(v * 10 ** d), 10 ** d)
    centre = v * n / 100
    lo = max(0, math.floor(centre - n / 100 - 2))
    hi = min(n, math.ceil(centre + n / 100 + 2))
    return tuple(k for k in range(lo, hi + 1) if round_percent(k, n, rule, d) == target)


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}"


def percent_check(value: float, n: int) -> PercentCheck:
    """Check whether a printed percentage is possible for a group of ``n``.

    Parameters
    ----------
    value : float
        The printed percentage.
    n : int
        Group size.

    Returns
    -------
    PercentCheck
        Counts per rule (standard rules and double rounding) and the nearest
        achievable neighbours.

    Examples
    --------
    >>> percent_check(15, 7).below, percent_check(15, 7).above[0]
    ((1, 14.285714285714286), 2)
    """
    v = _check_value(value)
    n = _check_n(n)
    counts = {r: counts_for(v, n, r) for r in RULES + (DOUBLE_ROUNDING,)}
    below_k = [k for k in range(n + 1) if 100 * k / n < v]
    above_k = [k for k in range(n + 1) if 100 * k / n > v]
    below = (below_k[-1], 100 * below_k[-1] / n) if below_k else None
    above = (above_k[0], 100 * above_k[0] / n) if above_k else None
    return PercentCheck(v, n, counts, below, above)


def row_sum_bound(m: int) -> int:
    """Largest possible |sum - 100| of ``m`` rounded shares of one whole.

    Each printed value lies within 0.5 of its true share and the true shares
    add up to 100, so the printed sum lies within ``100 +/- m/2``; being a whole
    number, it differs from 100 by at most ``floor(m / 2)`` (under either rule;
    under round-half-up the bound -m/2 cannot be reached).

    Parameters
    ----------
    m : int
        Number of printed values in the row.

    Returns
    -------
    int
        ``floor(m / 2)``.
    """
    if isinstance(m, bool) or not isinstance(m, int) or m < 0:
        raise SamanalyseError(f"m must be a whole number >= 0, got {m!r}.")
    return m // 2


def _ranges(values: Sequence[float | None], n: int, rule: str) -> list[tuple[int, int] | None]:
    out: list[tuple[int, int] | None] = []
    for v in values:
        if v is None:
            out.append((0, n))
            continue
        ks = counts_for(v, n, rule)
        out.append((ks[0], ks[-1]) if ks else None)
    return out


def row_counts(values: Sequence[float | None], n: int, *, closed: bool = True, rule: str = "half-up") -> RowCheck:
    """Do whole counts exist that reproduce every value of a row at once?

    Parameters
    ----------
    values : sequence of float or None
        The printed percentages of the row (categories and missing notes);
        ``None`` for a value that is not printed (any count).
    n : int
        Group size.
    closed : bool
        True if the values describe the whole group (counts add up to ``n``);
        False if an unprinted remainder may exist (counts add up to at most ``n``).
    rule : {"half-up", "half-even", "double"}
        Rounding rule, applied to every value.

    Returns
    -------
    RowCheck
        Feasibility, per-value count ranges, the range of their sum and one
        witness. As the counts that round to a value are consecutive, the sums
        of the counts form the whole range ``[sum lo, sum hi]``.

    Examples
    --------
    >>> row_counts([33, 33, 33], 3).feasible, row_counts([50, 50], 3).feasible
    (True, False)
    """
    n = _check_n(n)
    _check_rule(rule)
    vals = [None if v is None else _check_value(v) for v in values]
    ranges = _ranges(vals, n, rule)
    if any(r is None for r in ranges):
        return RowCheck(False, ranges, (0, 0), None)
    lo = sum(r[0] for r in ranges)  # type: ignore[index]
    hi = sum(r[1] for r in ranges)  # type: ignore[index]
    feasible = lo <= n <= hi if closed else lo <= n
    witness = None
    if feasible:
        target = n if closed else lo
        ks = [r[0] for r in ranges]  # type: ignore[index]
        rest = target - lo
        for i, r in enumerate(ranges):
            add = min(rest, r[1] - r[0])  # type: ignore[index]
            ks[i] += add
            rest -= add
        witness = tuple(ks)
    return RowCheck(feasible, ranges, (lo, hi), witness)


def breakdown_totals(
    groups: Sequence[tuple[int, Sequence[float | None]]], rule: str = "half-up", *, cap: int = 200_000
) -> set[tuple[int, ...]]:
    """Totals that counts per group, reproducing the group percentages, can add up to.

    Parameters
    ----------
    groups : sequence of (n, values)
        Per group its size and the printed percentages of the categories (same
        category order in every group; ``None`` = not printed). A group's
        counts may add up to less than its ``n`` (unprinted missing answers).
    rule : {"half-up", "half-even", "double"}
        Rounding rule.
    cap : int
        Stop (raise) if the set of partial totals grows beyond this size.

    Returns
    -------
    set of tuple of int
        Every achievable tuple of total counts per category (empty if some
        group cannot reproduce its row).

    Examples
    --------
    Two groups of 3 printing 33% and 67% of one category: counts 1 and 2,
    total 3.

    >>> breakdown_totals([(3, [33]), (3, [67])])
    {(3,)}
    """
    _check_rule(rule)
    totals: set[tuple[int, ...]] = {tuple(0 for _ in groups[0][1])} if groups else set()
    for n, values in groups:
        n = _check_n(n, "group size")
        ranges = _ranges([None if v is None else _check_value(v) for v in values], n, rule)
        if any(r is None for r in ranges):
            return set()
        options = [t for t in product(*(range(r[0], r[1] + 1) for r in ranges)) if sum(t) <= n]  # type: ignore[index]
        totals = {tuple(a + b for a, b in zip(s, t)) for s in totals for t in options}
        if len(totals) > cap:
            raise SamanalyseError(f"breakdown_totals: more than {cap} partial totals; the groups are too large.")
    return totals


def index_share_bounds(item_counts: Sequence[tuple[int, int]], n: int, min_score: int) -> tuple[int, int]:
    """Fréchet-type bounds on how many respondents reach an index score.

    The index counts, per respondent, the items answered in the scoring
    category. Given only each item's count of such answers, the number ``N``
    of respondents with at least ``min_score`` scoring items satisfies

    - upper: the ``N`` respondents hold at least ``min_score * N`` scoring
      answers and item ``i`` can give each at most one:
      ``sum_i min(k_i, N) >= min_score * N``;
    - lower: the others hold the rest, at most ``min_score - 1`` each:
      ``sum_i max(0, k_i - N) <= (min_score - 1) * (n - N)``.

    Parameters
    ----------
    item_counts : sequence of (lo, hi)
        Per item, the range of counts in the scoring category (from the
        rounding of its printed percentage).
    n : int
        Number of respondents.
    min_score : int
        The index cut (e.g. 3 for "[3,4] = Godt").

    Returns
    -------
    tuple of int
        ``(N_min, N_max)``: no distribution of answers with these item
        marginals puts fewer than ``N_min`` or more than ``N_max`` respondents
        at or above the cut.

    Examples
    --------
    Four items each answered "Godt" by all 10 respondents: all 10 reach 3.

    >>> index_share_bounds([(10, 10)] * 4, 10, 3)
    (10, 10)
    """
    n = _check_n(n)
    if isinstance(min_score, bool) or not isinstance(min_score, int) or min_score < 1:
        raise SamanalyseError(f"min_score must be a whole number >= 1, got {min_score!r}.")
    for lo, hi in item_counts:
        if not 0 <= lo <= hi <= n:
            raise SamanalyseError(f"item count range ({lo}, {hi}) is not within 0..{n}.")
    his = [hi for _, hi in item_counts]
    los = [lo for lo, _ in item_counts]
    n_max = max(N for N in range(n + 1) if sum(min(k, N) for k in his) >= min_score * N)
    n_min = min((N for N in range(n + 1) if sum(max(0, k - N) for k in los) <= (min_score - 1) * (n - N)), default=n)
    return n_min, n_max


# --------------------------------------------------------------------------- helpers


def _norm(label: str) -> str:
    return re.sub(r"\s+", "", str(label)).lower()


def _is_missing_label(label: str) -> bool:
    return _norm(label) in _NO_ANSWER | _DONT_KNOW


def _table_name(tid: str) -> str:
    m = re.fullmatch(r"T(\d+)([a-z]?)", tid)
    if m:
        return f"Tabell {int(m.group(1))}{m.group(2)}"
    m = re.fullmatch(r"V(\d+)", tid)
    if m:
        return f"Vedlegg {int(m.group(1))}"
    return tid


def _fmt(v: float | None) -> str:
    return "?" if v is None else f"{v:g}"


def _short(label: str) -> str:
    return {"Gjennomført med gode erfaringer": "gode", "Gjennomført med usikre/dårlige erfaringer": "usikre/dårlige"}.get(
        label, label)


def _unit(population: str) -> str:
    return population or "respondents"


def _values_text(cells: Sequence[_Cell]) -> str:
    return ", ".join(f"{_short(c.category)} {_fmt(c.value)}%" for c in cells)


@dataclass(frozen=True)
class _Cell:
    cell_id: str
    table: str
    population: str
    breakdown: str
    group: str
    item: str
    category: str
    value: float | None
    status: str
    line: int


@dataclass
class _Row:
    table: str
    population: str
    breakdown: str
    group: str
    item: str
    cells: list[_Cell] = field(default_factory=list)
    notes: list[_Cell] = field(default_factory=list)

    @property
    def all(self) -> list[_Cell]:
        return self.cells + self.notes

    @property
    def closed(self) -> bool:
        return bool(self.notes) or self.breakdown == "index" or any(_is_missing_label(c.category) for c in self.cells)

    @property
    def label(self) -> str:
        bits = [_table_name(self.table), self.population]
        if self.breakdown in BREAKDOWN_COLUMNS or self.breakdown == "index":
            bits.append(self.group)
        if self.item:
            bits.append(self.item)
        return ", ".join(b for b in bits if b)


def _cells_of(frame: pd.DataFrame) -> list[_Cell]:
    out = []
    for r in frame.itertuples(index=False):
        v = r.value
        value = None if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v) else float(v)
        out.append(_Cell(str(r.cell_id), str(r.table), str(r.population), str(r.breakdown), str(r.group),
                         str(r.item), str(r.category), value, str(r.status), int(r.line)))
    return out


def _rows(cells: list[_Cell]) -> list[_Row]:
    rows: dict[tuple[str, str, str, str, str], _Row] = {}
    notes: dict[tuple[str, str, str], list[_Cell]] = defaultdict(list)
    for c in cells:
        if _norm(c.category) == "sum":
            continue
        if c.breakdown == "note":
            notes[(c.table, c.population, c.item)].append(c)
            continue
        key = (c.table, c.population, c.breakdown, c.group, c.item)
        rows.setdefault(key, _Row(*key)).cells.append(c)
    for (t, p, i), ns in notes.items():
        key = next((k for k in rows if k[0] == t and k[1] == p and k[4] == i and k[2] == "total"), None)
        if key is None:
            key = (t, p, "total", ns[0].group, i)
            rows[key] = _Row(*key)
        rows[key].notes.extend(ns)
    return list(rows.values())


def _union_counts(value: float, n: int) -> tuple[int, ...]:
    return tuple(sorted(set(counts_for(value, n, "half-up")) | set(counts_for(value, n, "half-even"))))


def _interval(cells: Sequence[_Cell], n: int | None) -> tuple[float, float] | None:
    """Interval of the true percentage of the sum of ``cells`` (None if a value is unknown)."""
    lo = hi = 0.0
    for c in cells:
        if c.value is None:
            return None
        ks = _union_counts(c.value, n) if n else ()
        if ks:
            lo += 100 * ks[0] / n  # type: ignore[operator]
            hi += 100 * ks[-1] / n  # type: ignore[operator]
        else:
            lo += c.value - 0.5
            hi += c.value + 0.5
    return max(lo, 0.0), min(hi, 100.0)


def _dist(x: float, iv: tuple[float, float]) -> float:
    return 0.0 if iv[0] <= x <= iv[1] else min(abs(x - iv[0]), abs(x - iv[1]))


def _fi(iv: tuple[float, float]) -> str:
    a, b = iv
    return f"{a:.1f}%" if abs(a - b) < 0.05 else f"{a:.1f}–{b:.1f}%"


# --------------------------------------------------------------------------- group sizes


def _population_forms(populations: Iterable[str], forms: Iterable[str]) -> dict[str, str]:
    """Map population labels of the tables (``kommuner``) to respondent forms (``kommune``)."""
    forms = list(forms)
    out = {}
    for p in populations:
        if p in forms:
            out[p] = p
            continue
        cands = [f for f in forms if p.startswith(f) or f.startswith(p)]
        if len(cands) == 1:
            out[p] = cands[0]
    return out


def group_sizes(round: str, populations: Iterable[str] = ("kommuner", "helseforetak")) -> dict[tuple[str, str], int]:
    """Respondents per population and group, from the round's respondents.

    Parameters
    ----------
    round : str
        Round name.
    populations : iterable of str
        Population labels as the tables print them; each is matched to a
        respondent form (``kommuner`` -> ``kommune``).

    Returns
    -------
    dict
        ``{(population, group): n}`` with group ``"Samlet"`` for the whole
        population and the region / size-class labels for the breakdowns.
    """
    from samanalyse.survey.rounds import respondents

    resp = respondents(round)
    forms = _population_forms(populations, sorted(set(resp["form"])))
    out: dict[tuple[str, str], int] = {}
    for pop, form in forms.items():
        sub = resp[resp["form"] == form]
        out[(pop, "Samlet")] = int(len(sub))
        for col in BREAKDOWN_COLUMNS.values():
            for g, n in sub[col].value_counts(dropna=True).items():
                if int(n) > 0 and str(g):
                    out[(pop, str(g))] = int(n)
    return out


# --------------------------------------------------------------------------- the checks


class _Auditor:
    def __init__(self, cells: pd.DataFrame, tables: pd.DataFrame, statements: pd.DataFrame,
                 sizes: Mapping[tuple[str, str], int], frame: Mapping[str, int], codebook: object | None) -> None:
        self.cells = _cells_of(cells)
        self.tables = tables
        self.statements = statements
        self.sizes = dict(sizes)
        self.frame = dict(frame)
        self.codebook = codebook
        self.rows = _rows(self.cells)
        self.findings: list[Finding] = []
        self.checked: dict[str, int] = defaultdict(int)
        self.unchecked: list[str] = []
        self.within: list[str] = []
        self.bad_rows: set[tuple[str, str, str, str, str]] = set()
        #: populations and items the statements may name
        self.known: tuple[set[str], set[str]] = ({c.population for c in self.cells if c.population} | {p for p, _ in sizes},
                                                 {c.item for c in self.cells if c.item})
        self.annex_tables = {r.table for r in self.rows
                             if any(_norm(c.category) == _ANSWERED for c in r.cells)
                             and all(_norm(c.category) == _ANSWERED or _is_missing_label(c.category) for c in r.cells)}

    def n_of(self, population: str, group: str = "Samlet") -> int | None:
        return self.sizes.get((population, group))

    def add(self, **kw: object) -> None:
        self.findings.append(Finding(**kw))  # type: ignore[arg-type]

    # ------------------------------------------------------------ granularity + rows
    def check_rows(self) -> None:
        for row in self.rows:
            n = self.n_of(row.population, row.group if row.breakdown in BREAKDOWN_COLUMNS else "Samlet")
            printed = [c for c in row.all if c.value is not None]
            if row.breakdown == "index" or n is None:
                self._sum_only(row, printed)
                continue
            self.checked["granularity"] += len(printed)
            bad = [(c, percent_check(c.value, n)) for c in printed]  # type: ignore[arg-type]
            bad = [(c, pc) for c, pc in bad if not pc.possible]
            if bad:
                self._granularity_finding(row, n, bad)
                continue
            self._row_finding(row, n)

    def _sum_only(self, row: _Row, printed: list[_Cell]) -> None:
        if not printed or len(printed) < len(row.all) or not row.closed:
            return
        self.checked["row"] += 1
        m, s = len(printed), sum(c.value for c in printed)  # type: ignore[misc]
        b = row_sum_bound(m)
        if abs(s - 100) > b:
            self.add(check="row", severity="impossible", tables=(row.table,), values=_values_text(printed) + f" (sum {s:g})",
                     explanation=f"The column of {row.label} should add up to 100% but adds up to {s:g}%.",
                     proof=f"{m} rounded shares of one whole add up to 100 ± {b}; {s:g} is outside.",
                     cells=tuple(c.cell_id for c in printed), lines=tuple(sorted({c.line for c in printed})),
                     population=row.population, item=row.item)
            self.bad_rows.add((row.table, row.population, row.breakdown, row.group, row.item))
        elif s != 100:
            self.within.append(f"{row.label}: sum {s:g} (bound ±{b})")

    def _granularity_finding(self, row: _Row, n: int, bad: list[tuple[_Cell, PercentCheck]]) -> None:
        self.bad_rows.add((row.table, row.population, row.breakdown, row.group, row.item))
        unit = _unit(row.population)
        proofs = [f"{_short(c.category)} {c.value:g}%: {pc.proof(unit)}" for c, pc in bad]
        printed = [c for c in row.all if c.value is not None]
        # complement: in a closed row with one impossible cell, which values would fit?
        if row.closed and len(bad) == 1 and all(c.value is not None for c in row.all):
            others = [c for c in row.all if c is not bad[0][0]]
            chk = row_counts([c.value for c in others], n, closed=False)
            if chk.feasible:
                fits = sorted({int(round_percent(n - t, n)) for t in range(chk.total[0], min(chk.total[1], n) + 1)})
                proofs.append(f"the other values of the row ({_values_text(others)}) leave room only for "
                              + " or ".join(f"{v}%" for v in fits))
        # smaller bases that would make the row possible
        alt = []
        vals = [c.value for c in row.all]
        if all(0 <= (v or 0) <= 100 for v in vals):
            for n2 in range(1, n):
                if row_counts(vals, n2, closed=row.closed).feasible:
                    alt.append(n2)
        if alt:
            proofs.append("the printed values would fit a base of " + ", ".join(map(str, alt[:5]))
                          + f" instead of {n}")
        elif all(0 <= (v or 0) <= 100 for v in vals):
            proofs.append(f"no base smaller than {n} fits the row either")
        what = " and ".join(f"{c.value:g}%" for c, _ in bad)
        self.add(check="granularity", severity="impossible", tables=(row.table,),
                 values=_values_text(row.all) + f" (n = {n})",
                 explanation=(f"{_table_name(row.table)} prints {what} for {row.label.split(', ', 1)[1]}, "
                              f"but no whole number of the {n} {unit} gives "
                              + ("that share." if len(bad) == 1 else "these shares.")),
                 proof="; ".join(proofs), cells=tuple(c.cell_id for c, _ in bad),
                 lines=tuple(sorted({c.line for c, _ in bad})), population=row.population, item=row.item)

    def _row_finding(self, row: _Row, n: int) -> None:
        vals = [c.value for c in row.all]
        printed = [c for c in row.all if c.value is not None]
        self.checked["row"] += 1
        ok = [r for r in RULES if row_counts(vals, n, closed=row.closed, rule=r).feasible]
        m, s = len(printed), sum(c.value for c in printed)  # type: ignore[misc]
        b = row_sum_bound(m)
        if ok:
            if len(ok) == 1:
                self.add(check="row", severity="note", tables=(row.table,), values=_values_text(printed) + f" (n = {n})",
                         explanation=f"The row {row.label} is possible only if the study rounded {ok[0]}.",
                         proof=f"counts exist under {ok[0]} rounding only",
                         cells=tuple(c.cell_id for c in printed), lines=tuple(sorted({c.line for c in printed})),
                         population=row.population, item=row.item)
            if row.closed and len(printed) == len(row.all) and s != 100:
                self.within.append(f"{row.label}: sum {s:g} (bound ±{b}; counts exist)")
            return
        self.bad_rows.add((row.table, row.population, row.breakdown, row.group, row.item))
        chk = row_counts(vals, n, closed=row.closed)
        if row.closed and len(printed) == len(row.all) and abs(s - 100) > b:
            proof = f"{m} rounded shares of one whole add up to 100 ± {b} (each is within 0.5 of its true share); the sum is {s:g}"
        elif row.closed:
            proof = (f"counts that print as these values add up to between {chk.total[0]} and {chk.total[1]}, "
                     f"never to n = {n}")
        else:
            proof = f"counts that print as these values add up to at least {chk.total[0]}, more than n = {n}"
        what = "add up to 100%" if row.closed else "fit within 100%"
        self.add(check="row", severity="impossible", tables=(row.table,), values=_values_text(printed) + f" (sum {s:g}; n = {n})",
                 explanation=f"The shares printed for {row.label} cannot {what.split(' ', 1)[0]} {what.split(' ', 1)[1]} "
                             f"for any whole number of the {n} {_unit(row.population)}.",
                 proof=proof, cells=tuple(c.cell_id for c in printed), lines=tuple(sorted({c.line for c in printed})),
                 population=row.population, item=row.item)

    # ------------------------------------------------------------ breakdowns
    def check_breakdowns(self) -> None:
        by_key: dict[tuple[str, str, str, str], list[_Row]] = defaultdict(list)
        totals: dict[tuple[str, str, str], _Row] = {}
        for r in self.rows:
            if r.breakdown in BREAKDOWN_COLUMNS:
                by_key[(r.population, r.item, r.table, r.breakdown)].append(r)
            elif r.breakdown == "total" and r.table not in self.annex_tables:
                totals[(r.table, r.population, r.item)] = r
        feasible_sets: dict[tuple[str, str], list[tuple[str, str, tuple[str, ...], set[tuple[int, ...]]]]] = defaultdict(list)
        for (pop, item, table, bd), groups in sorted(by_key.items()):
            total = totals.get((table, pop, item)) or next(
                (v for k, v in sorted(totals.items()) if k[1] == pop and k[2] == item), None)
            n_tot = self.n_of(pop)
            ns = [self.n_of(pop, g.group) for g in groups]
            if total is None or n_tot is None or any(x is None for x in ns):
                continue
            if any((g.table, g.population, g.breakdown, g.group, g.item) in self.bad_rows for g in groups) or \
                    (total.table, total.population, total.breakdown, total.group, total.item) in self.bad_rows:
                continue
            cats = [c.category for c in total.cells if c.value is not None
                    and all(any(x.category == c.category and x.value is not None for x in g.cells) for g in groups)]
            if not cats:
                continue
            self.checked["breakdown"] += 1
            gvals = [[next(x.value for x in g.cells if x.category == cat) for cat in cats] for g in groups]
            tvals = [next(x.value for x in total.cells if x.category == cat) for cat in cats]
            note_vals = [c.value for c in total.notes]
            closed_total = bool(total.notes) and all(v is not None for v in note_vals)
            found: set[tuple[int, ...]] = set()
            for rule in RULES:
                sums = breakdown_totals(list(zip(ns, gvals)), rule)  # type: ignore[arg-type]
                tr = _ranges(tvals, n_tot, rule)
                mr = _ranges([sum(note_vals)], n_tot, rule)[0] if closed_total and len(note_vals) == 1 else None
                for s in sums:
                    if all(r is not None and r[0] <= k <= r[1] for k, r in zip(s, tr)):
                        if closed_total and len(note_vals) == 1:
                            miss = n_tot - sum(s)
                            if mr is None or not mr[0] <= miss <= mr[1]:
                                continue
                        found.add(s)
            involved = [c for g in groups for c in g.cells if c.category in cats] + \
                       [c for c in total.cells if c.category in cats] + (list(total.notes) if closed_total else [])
            feasible_sets[(pop, item)].append((table, bd, tuple(cats), found))
            if found:
                continue
            parts = []
            for j, cat in enumerate(cats):
                sums1 = breakdown_totals([(nn, [gv[j]]) for nn, gv in zip(ns, gvals)], "half-up")  # type: ignore[misc]
                lo, hi = min(s[0] for s in sums1), max(s[0] for s in sums1)
                tk = _union_counts(tvals[j], n_tot)  # type: ignore[arg-type]
                parts.append(f"{_short(cat)}: group counts add up to {lo}–{hi} ({_pct(lo, n_tot)}–{_pct(hi, n_tot)}%), "
                             f"the total {tvals[j]:g}% needs " + (f"{tk[0]}–{tk[-1]}" if tk else "no whole count"))
            if closed_total:
                parts.append(f"and the {'/'.join(c.category for c in total.notes)} note ({sum(note_vals):g}%) "
                             "must be the rest of the total")
            gname = "region" if bd == "rhf" else "size class"
            self.add(check="breakdown", severity="impossible", tables=(table,),
                     values="; ".join(f"{g.group} (n={nn}): " + _values_text(g.cells) for g, nn in zip(groups, ns))
                            + f"; total (n={n_tot}): " + _values_text(total.cells),
                     explanation=(f"In {_table_name(table)} the figures per {gname} for {pop} ({item}) cannot add "
                                  f"up to the printed total for any whole numbers of respondents."),
                     proof="; ".join(parts), cells=tuple(c.cell_id for c in involved),
                     lines=tuple(sorted({c.line for c in involved})), population=pop, item=item)
        for (pop, item), sets in feasible_sets.items():
            usable = [s for s in sets if s[3]]
            for a_i in range(len(usable)):
                for b_i in range(a_i + 1, len(usable)):
                    a, b = usable[a_i], usable[b_i]
                    if a[2] != b[2]:
                        continue
                    self.checked["breakdown"] += 1
                    if a[3] & b[3]:
                        continue
                    self.add(check="breakdown", severity="impossible", tables=(a[0], b[0]),
                             values=f"{_table_name(a[0])} by {a[1]}, {_table_name(b[0])} by {b[1]}",
                             explanation=(f"{_table_name(a[0])} and {_table_name(b[0])} split the same {pop} answers "
                                          f"({item}) two ways, but no single set of totals fits both."),
                             proof=(f"totals possible from {_table_name(a[0])}: {sorted(a[3])[:6]}; "
                                    f"from {_table_name(b[0])}: {sorted(b[3])[:6]}; no common tuple"),
                             population=pop, item=item)

    # ------------------------------------------------------------ repeated figures
    def check_repeated(self) -> None:
        seen: dict[tuple[str, str, str, str], list[_Cell]] = defaultdict(list)
        for r in self.rows:
            if r.breakdown == "index" or r.table in self.annex_tables:
                continue
            for c in r.all:
                if c.value is not None:
                    seen[(c.population, c.breakdown if c.breakdown != "note" else "total", c.group + "|" + c.item,
                          _norm(c.category))].append(c)
        for (pop, _, gi, _), cs in seen.items():
            if len({c.table for c in cs}) < 2:
                continue
            self.checked["repeated"] += 1
            n = self.n_of(pop, gi.split("|")[0]) or self.n_of(pop)
            common = None
            if n:
                sets = [set(_union_counts(c.value, n)) for c in cs]  # type: ignore[arg-type]
                common = set.intersection(*sets)
            if len({c.value for c in cs}) > 1 and not common:
                self.add(check="repeated", severity="impossible", tables=tuple(sorted({c.table for c in cs})),
                         values=", ".join(f"{_table_name(c.table)} {c.value:g}%" for c in cs),
                         explanation=f"The same figure ({pop}, {gi.replace('|', ' ')}, {cs[0].category}) is printed "
                                     "with different values in different tables.",
                         proof="no single count rounds to all printed values",
                         cells=tuple(c.cell_id for c in cs), lines=tuple(c.line for c in cs), population=pop,
                         item=gi.split("|")[1])

    # ------------------------------------------------------------ annex
    def check_annex(self) -> None:
        totals = {}
        for r in sorted(self.rows, key=lambda r: r.table):
            if r.breakdown == "total" and r.table not in self.annex_tables and r.item:
                totals.setdefault((r.population, r.item), r)
        grouped: dict[tuple[str, tuple[str, ...]], list[tuple[_Row, _Row, _Cell, _Cell, dict[str, tuple[int, int]]]]] = \
            defaultdict(list)
        for ann in self.rows:
            if ann.table not in self.annex_tables:
                continue
            row = totals.get((ann.population, ann.item))
            n = self.n_of(ann.population)
            if row is None or n is None:
                continue
            gj = next((c for c in ann.cells if _norm(c.category) == _ANSWERED), None)
            vk = next((c for c in ann.cells if _is_missing_label(c.category)), None)
            if gj is None or vk is None or any(c.value is None for c in row.cells):
                continue
            if (row.table, row.population, row.breakdown, row.group, row.item) in self.bad_rows:
                continue
            # an impossible annex value (e.g. above 100%) is reported by the granularity check
            gj_v = gj.value if gj.value is not None and percent_check(gj.value, n).possible else None
            vk_v = vk.value if vk.value is not None and percent_check(vk.value, n).possible else None
            self.checked["annex"] += 1
            fits: dict[str, tuple[int, int]] = {}
            for reading in ("A", "B", "C"):
                for rule in RULES:
                    got = _annex_fits([c.value for c in row.cells], row.notes, n, gj_v, vk_v, rule, reading)
                    if got:
                        fits[reading] = got
                        break
            if "A" in fits:
                continue
            grouped[(ann.population, tuple(sorted(fits)))].append((row, ann, gj, vk, fits))
        for (pop, readings), members in sorted(grouped.items()):
            n = self.n_of(pop) or 0
            vals = []
            for row, ann, gj, vk, fits in members:
                ans = sum(c.value for c in row.cells)  # type: ignore[misc]
                miss = " + ".join(f"{_short(c.category)} {_fmt(c.value)}" for c in row.notes) or "not printed"
                vals.append(f"{row.item}: {_table_name(row.table)} answered {ans:g}% (notes: {miss}) vs Vedlegg 3 "
                            f"Gjennomført {_fmt(gj.value)}% / {vk.category} {_fmt(vk.value)}%")
            items = ", ".join(m[0].item for m in members)
            cs = [c for row, ann, gj, vk, _ in members for c in row.all + [gj, vk]]
            tabs = tuple(sorted({m[0].table for m in members})) + (members[0][1].table,)
            rng = lambda key: (lambda lo, hi: f"{lo}" if lo == hi else f"{lo}–{hi}")(  # noqa: E731
                min(m[4][key][0] for m in members), max(m[4][key][1] for m in members))
            if readings:
                how: list[str] = []
                if "B" in readings:
                    how.append(f"counts the {rng('B')} {pop} who skipped the question as 'Gjennomført' "
                               "(so 'Gjennomført' = 100 − 'Vet ikke')")
                if "C" in readings:
                    how.append(f"leaves the {rng('C')} {pop} who skipped the question out of its base")
                expl = (f"For {pop} on {items}, Vedlegg 3's split into 'Gjennomført' and 'Vet ikke' does not match "
                        f"the item tables, where the table notes put more {pop} without an answer; it matches if "
                        f"Vedlegg 3 " + ", or ".join(how)
                        + (" — the study says neither." if len(how) > 1 else ", which the study does not say."))
                proof = (f"on the base of all {n} {pop} with 'Vet ikke' = the table notes, no whole counts reproduce "
                         "both the item table and Vedlegg 3; counts exist under the reading(s) named")
            else:
                expl = (f"For {pop} on {items}, Vedlegg 3's split into 'Gjennomført' and 'Vet ikke' does not match "
                        "the item tables under any reading tried (table notes = 'Vet ikke'; skipped answers counted "
                        "as 'Gjennomført'; skipped answers left out of the base).")
                proof = f"no whole counts of the {n} {pop} reproduce both the item table and Vedlegg 3 under any of the three readings"
            self.add(check="annex", severity="inconsistent", tables=tabs, values="; ".join(vals), explanation=expl,
                     proof=proof, cells=tuple(c.cell_id for c in cs), lines=tuple(sorted({c.line for c in cs})),
                     population=pop, item=";".join(m[0].item for m in members))

    # ------------------------------------------------------------ index tables
    def check_index(self) -> None:
        idx_rows = [r for r in self.rows if r.breakdown == "index"]
        if not idx_rows:
            return
        pat = re.compile(r"\[\s*(\d+)\s*,\s*(\d+)\s*\]\s*=\s*(.+)")
        by_table: dict[str, dict[str, list[_Cell]]] = defaultdict(lambda: defaultdict(list))
        for r in idx_rows:
            for c in r.cells:
                by_table[r.table][c.category].append(c)
        # identify the row index of each table: via the codebook cuts, else by its labels
        ident: dict[str, tuple[str, object]] = {}
        for t, cats in by_table.items():
            parsed = []
            for lab in cats:
                m = pat.match(lab.strip())
                if m:
                    parsed.append((m.group(3).strip(), int(m.group(1)), int(m.group(2))))
            key: tuple[str, object] = ("labels", frozenset(cats))
            for name, ix in (getattr(self.codebook, "indices", {}) or {}).items():
                if parsed and set(parsed) <= set(ix.cuts):
                    key = (name, ix)
                    break
            ident[t] = key
        # overall share of each row category: between the smallest and largest column value
        marg: dict[str, dict[str, tuple[float, float, list[_Cell]]]] = {}
        for t, cats in by_table.items():
            marg[t] = {}
            for lab, cs in cats.items():
                vals = [c.value for c in cs if c.value is not None]
                if vals:
                    marg[t][lab] = (max(min(vals) - 0.5, 0), min(max(vals) + 0.5, 100), cs)
        tabs = sorted(by_table)
        for i, a in enumerate(tabs):
            for b in tabs[i + 1:]:
                if ident[a][0] != ident[b][0]:
                    continue
                self.checked["index"] += 1
                clash = [lab for lab in marg[a] if lab in marg[b]
                         and (marg[a][lab][1] < marg[b][lab][0] or marg[b][lab][1] < marg[a][lab][0])]
                if not clash:
                    continue
                name = getattr(ident[a][1], "label", "the same row index")
                cs = [c for lab in clash for c in marg[a][lab][2] + marg[b][lab][2]]
                self.add(check="index", severity="impossible", tables=(a, b),
                         values="; ".join(f"{_table_name(t)}: {lab} " + " / ".join(f"{_fmt(c.value)}%" for c in marg[t][lab][2])
                                          for lab in clash for t in (a, b)),
                         explanation=(f"{_table_name(a)} and {_table_name(b)} both tabulate '{name}' for the "
                                      f"respondents, yet {_table_name(a)} puts "
                                      + " and ".join(f"{marg[a][lab][0]:.0f}–{marg[a][lab][1]:.0f}% in '{lab}'" for lab in clash)
                                      + f" while {_table_name(b)} puts "
                                      + " and ".join(f"{marg[b][lab][0]:.0f}–{marg[b][lab][1]:.0f}%" for lab in clash)
                                      + "; the same respondents cannot give both."),
                         proof=("the tables give column percentages, so the overall share of a row lies between its "
                                "smallest and largest column value (±0.5 for rounding): "
                                + "; ".join(f"'{lab}': [{marg[a][lab][0]:.1f}, {marg[a][lab][1]:.1f}] vs "
                                            f"[{marg[b][lab][0]:.1f}, {marg[b][lab][1]:.1f}], no overlap" for lab in clash)
                                + " (assumes both tables cover the same respondents; the study names no population "
                                "for either)"),
                         cells=tuple(c.cell_id for c in cs), lines=tuple(sorted({c.line for c in cs})),
                         item=";".join(getattr(ident[a][1], "items", ())))
        # Fréchet bounds from the item tables
        for t in tabs:
            name, ix = ident[t]
            if name == "labels":
                continue
            bounds = self._index_bounds(ix)
            if not bounds:
                continue
            clash = []
            for lab, (lo, hi, cs) in marg[t].items():
                m = pat.match(lab.strip())
                if not m:
                    continue
                a_, b_ = int(m.group(1)), int(m.group(2))
                n_items = len(ix.items)  # type: ignore[attr-defined]
                if b_ != n_items and a_ != 0:
                    continue
                self.checked["index"] += 1
                res = []
                for pop, (n, ranges) in bounds.items():
                    if b_ == n_items:
                        nmin, nmax = index_share_bounds(ranges, n, a_)
                    else:
                        hmin, hmax = index_share_bounds(ranges, n, b_ + 1)
                        nmin, nmax = n - hmax, n - hmin
                    res.append((pop, n, 100 * nmin / n, 100 * nmax / n))
                if all(h < lo or l > hi for _, _, l, h in res):
                    clash.append((lab, lo, hi, cs, res, a_, b_))
            if not clash:
                continue
            cs = [c for x in clash for c in x[3]]
            self.add(check="index", severity="impossible", tables=(t,) + tuple(sorted(self._index_tables)),
                     values="; ".join(f"{_table_name(t)}: {lab} " + " / ".join(f"{_fmt(c.value)}%" for c in ccs)
                                      for lab, _, _, ccs, _, _, _ in clash),
                     explanation=(f"{_table_name(t)} puts "
                                  + " and ".join(f"{lo:.0f}–{hi:.0f}% of respondents in '{lab}'" for lab, lo, hi, *_ in clash)
                                  + f" of '{ix.label}', but the item tables allow only "  # type: ignore[attr-defined]
                                  + "; ".join(f"'{lab}' " + ", ".join(f"{l:.0f}–{h:.0f}% ({p})" for p, _, l, h in res)
                                              for lab, _, _, _, res, _, _ in clash) + "."),
                     proof=(f"the index counts how many of {', '.join(ix.items)} a respondent answers in the scoring "  # type: ignore[attr-defined]
                            "category; with k_i such answers per item (from the printed shares), the number N at or "
                            "above a cut c satisfies sum_i max(0, k_i - N) <= (c-1)(n - N) and "
                            "sum_i min(k_i, N) >= c*N; "
                            + "; ".join(f"'{lab}': " + ", ".join(f"{p} (n={nn}) {l:.1f}–{h:.1f}%" for p, nn, l, h in res)
                                        + f" vs {_table_name(t)} {lo:.1f}–{hi:.1f}%"
                                        for lab, lo, hi, _, res, _, _ in clash)
                            + " (assumes the index table covers all respondents of one of these populations and "
                            "scores a missing answer as 0)"),
                     cells=tuple(c.cell_id for c in cs), lines=tuple(sorted({c.line for c in cs})),
                     item=";".join(ix.items))  # type: ignore[attr-defined]

    _index_tables: tuple[str, ...] = ()

    def _index_bounds(self, ix: object) -> dict[str, tuple[int, list[tuple[int, int]]]]:
        """Per population (and pooled), n and the count ranges of each index item in its scoring category."""
        cb = self.codebook
        out: dict[str, tuple[int, list[tuple[int, int]]]] = {}
        tabs: set[str] = set()
        pops = sorted({r.population for r in self.rows if r.population})
        for pop in pops:
            n = self.n_of(pop)
            if not n:
                continue
            ranges = []
            for item in ix.items:  # type: ignore[attr-defined]
                label = self._score_label(cb, item, ix.score_codes)  # type: ignore[attr-defined]
                cell = next((c for r in sorted(self.rows, key=lambda r: r.table) if r.breakdown == "total"
                             and r.population == pop and r.item == item and r.table not in self.annex_tables
                             for c in r.cells if label and _norm(c.category) == _norm(label) and c.value is not None),
                            None)
                if cell is None:
                    break
                ks = _union_counts(cell.value, n)  # type: ignore[arg-type]
                if not ks:
                    break
                ranges.append((ks[0], ks[-1]))
                tabs.add(cell.table)
            else:
                out[pop] = (n, ranges)
        if len(out) > 1:
            n_all = sum(n for n, _ in out.values())
            pooled = [(sum(r[i][0] for _, r in out.values()), sum(r[i][1] for _, r in out.values()))
                      for i in range(len(ix.items))]  # type: ignore[attr-defined]
            out[" + ".join(out)] = (n_all, pooled)
        self._index_tables = tuple(sorted(tabs))
        return out

    @staticmethod
    def _score_label(cb: object, item: str, codes: Sequence[int]) -> str | None:
        try:
            scale = cb.item(item).scale  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - an unknown item just cannot be bounded
            return None
        if scale is None:
            return None
        if len(codes) == 1:
            for cat in scale.categories:
                if cat.code == codes[0]:
                    return str(cat.label)
        for col in scale.collapses:
            for label, cs in col.groups:
                if set(cs) == set(codes):
                    return str(label)
        return None

    # ------------------------------------------------------------ captions
    def check_captions(self) -> None:
        for col in self.tables.columns:
            if not col.startswith("n_"):
                continue
            pop = col[2:]
            n = self.n_of(pop)
            if n is None:
                continue
            for t, v, line in zip(self.tables["table"], self.tables[col], self.tables["line"]):
                if pd.isna(v):
                    continue
                self.checked["caption"] += 1
                if int(v) != n:
                    self.add(check="caption", severity="inconsistent", tables=(str(t),),
                             values=f"caption n = {int(v)}; respondents = {n}",
                             explanation=f"The caption of {_table_name(str(t))} gives n = {int(v)} {pop}, but {n} answered.",
                             proof=f"{int(v)} != {n}", lines=(int(line),), population=pop)

    # ------------------------------------------------------------ statements
    def check_statements(self) -> None:
        equal_claims: dict[tuple[str, ...], list[tuple[str, float, int, str]]] = defaultdict(list)
        merged: dict[tuple[str, str], dict[str, object]] = {}
        for st in self.statements.itertuples(index=False):
            sid, line = str(st.statement_id), int(st.line)
            tables = [t for t in str(st.tables).split(";") if t]
            pops = [p for p in str(st.population).split(";") if p]
            items = [i for i in str(st.item).split(";") if i]
            results: list[tuple[str, str, str, list[_Cell]]] = []  # severity, text, proof, cells
            for clause in _split_clauses(str(st.implied)):
                for sub in _expand_clause(clause):
                    try:
                        res = self._eval_clause(sub, pops, items, tables, str(st.wording), sid, line, equal_claims)
                    except _Unparsed:
                        self.unchecked.append(f"{sid}: {sub}" + ("" if tables else " (names no table)"))
                        continue
                    self.checked["statement"] += 1
                    for r in res:
                        if r[0].startswith("rate:"):
                            self._rate_finding(r, st, sid, line)
                        else:
                            results.append(r)
            if not results:
                continue
            sev = min((r[0] for r in results), key=SEVERITIES.index)
            expl = " ".join(dict.fromkeys(r[1] for r in results))
            key = (sev, expl)
            if key not in merged:
                merged[key] = {"st": st, "sids": [], "lines": [], "results": results, "tables": tables}
            merged[key]["sids"].append(sid)  # type: ignore[union-attr]
            merged[key]["lines"].append(line)  # type: ignore[union-attr]
        for (sev, expl), m in merged.items():
            st = m["st"]
            results = m["results"]  # type: ignore[assignment]
            cs = [c for r in results for c in r[3]]  # type: ignore[attr-defined]
            quote = str(st.quote)  # type: ignore[attr-defined]
            quote = quote if len(quote) <= 160 else quote[:157] + "..."
            tables = m["tables"]  # type: ignore[assignment]
            sids, lines = m["sids"], m["lines"]
            again = f" (also lines {', '.join(map(str, lines[1:]))})" if len(lines) > 1 else ""  # type: ignore[index,arg-type]
            self.add(check="statement", severity=sev,
                     tables=tuple(tables[:6]) + (("...",) if len(tables) > 6 else ()),  # type: ignore[index,arg-type]
                     values=f"text, line {lines[0]}{again}: “{quote}”; tables: "  # type: ignore[index]
                            + ", ".join(dict.fromkeys(f"{_table_name(c.table)} {c.population} {c.item}"
                                                      f"{(' ' + c.group) if c.breakdown in BREAKDOWN_COLUMNS else ''} "
                                                      f"{_short(c.category)} {_fmt(c.value)}%" for c in cs)),
                     explanation=expl, proof="; ".join(dict.fromkeys(r[2] for r in results)),  # type: ignore[attr-defined]
                     cells=tuple(sids) + tuple(dict.fromkeys(c.cell_id for c in cs)),  # type: ignore[arg-type]
                     lines=tuple(lines) + tuple(sorted({c.line for c in cs})),  # type: ignore[arg-type]
                     population=str(st.population), item=str(st.item))  # type: ignore[attr-defined]
        # the text giving two different figures for the same quantity
        for key, claims in equal_claims.items():
            vals = sorted({round(c[1], 1) for c in claims})
            if len(vals) < 2 or max(vals) - min(vals) <= CLOSE:
                continue
            self.checked["statement"] += 1
            got = self._value(_Term(key[0], key[1], [key[2]], key[3].split("+"), None), key[1], key[2], [], None)
            table_txt = f"; the table gives {_fi(got[0])}" if got else ""
            self.add(check="statement", severity="loose wording", tables=tuple(sorted({c.table for c in got[1]})) if got else (),
                     values="; ".join(f"{c[0]} (line {c[2]}): {c[3]}" for c in claims),
                     explanation=(f"The text gives different figures for the same number ({key[1]}, {key[2]}, "
                                  f"{key[3]}): " + " vs ".join(f"{v:.3g}%" for v in vals) + table_txt + "."),
                     proof=f"claimed values differ by {max(vals) - min(vals):.1f} points (more than {CLOSE:g})",
                     cells=tuple(sorted({c[0] for c in claims})), lines=tuple(sorted({c[2] for c in claims})),
                     population=key[1], item=key[2])

    def _rate_finding(self, r: tuple[str, str, str, list[_Cell]], st: object, sid: str, line: int) -> None:
        sev, pop = r[0].split(":", 2)[1:]
        self.add(check="response rate", severity=sev, tables=(), values=f"text, line {line}: “{st.quote}”",  # type: ignore[attr-defined]
                 explanation=r[1], proof=r[2], cells=(sid,), lines=(line,), population=pop)

    # term evaluation ---------------------------------------------------------
    def _term_cells(self, pop: str, item: str, cats: Sequence[str], tables: Sequence[str],
                    group: str | None) -> tuple[list[_Cell], int] | None:
        want = [_norm(c) for c in cats]
        for t in list(tables) + sorted({r.table for r in self.rows}):
            for r in self.rows:
                if r.table != t or r.population != pop or r.item != item:
                    continue
                if group is None and r.breakdown != "total":
                    continue
                if group is not None and not (r.breakdown in BREAKDOWN_COLUMNS and (r.group == group or r.group.startswith(group))):
                    continue
                if t in self.annex_tables and group is None and not any(w == _ANSWERED for w in want):
                    continue
                found = []
                for w in want:
                    c = next((c for c in r.all if _norm(c.category) == w or _norm(c.category).startswith(w)), None)
                    if c is None:
                        break
                    found.append(c)
                else:
                    n = self.n_of(pop, r.group if group is not None else "Samlet")
                    if n:
                        return found, n
        return None

    def _groups(self, pop: str, item: str, bd: str, tables: Sequence[str]) -> list[str]:
        for t in tables:
            gs = [r.group for r in self.rows if r.table == t and r.population == pop and r.item == item and r.breakdown == bd]
            if gs:
                return gs
        return []

    def _value(self, term: _Term, pop: str, item: str, tables: Sequence[str], group: str | None,
               pooled: Sequence[str] = ()) -> tuple[tuple[float, float], list[_Cell], str] | None:
        """Interval (percent) of a term, its cells and a short description."""
        pops = list(pooled) or [pop]
        ivs, cells_all = [], []
        for p in pops:
            if term.fn == "share_among_experienced":
                other = "usikre/dårlige" if term.cats[0] == "gode" else "gode"
                a = self._term_cells(p, item, _cat_labels(term.cats), tables, group)
                b = self._term_cells(p, item, _cat_labels([other]), tables, group)
                if a is None or b is None:
                    return None
                ia, ib = _interval(a[0], a[1]), _interval(b[0], b[1])
                if ia is None or ib is None:
                    return None
                lo = 100 * ia[0] / (ia[0] + ib[1]) if ia[0] + ib[1] > 0 else 0.0
                hi = 100 * ia[1] / (ia[1] + ib[0]) if ia[1] + ib[0] > 0 else 100.0
                ivs.append(((lo, hi), a[1]))
                cells_all += a[0] + b[0]
            else:
                got = self._term_cells(p, item, _cat_labels(term.cats), tables, group)
                if got is None:
                    return None
                iv = _interval(got[0], got[1])
                if iv is None:
                    return None
                ivs.append((iv, got[1]))
                cells_all += got[0]
        if len(ivs) == 1:
            iv = ivs[0][0]
        else:
            tot = sum(n for _, n in ivs)
            iv = (sum(i[0] * n for i, n in ivs) / tot, sum(i[1] * n for i, n in ivs) / tot)
        tabs = sorted({c.table for c in cells_all})
        base = " among those with experience" if term.fn == "share_among_experienced" else ""
        desc = (f"{'+'.join(pops)} {item}{(' ' + group) if group else ''} {'+'.join(term.cats)}{base}: "
                f"{_fi(iv)} ({', '.join(_table_name(t) for t in tabs)}: "
                + ", ".join(f"{_short(c.category)} {_fmt(c.value)}" for c in cells_all) + ")")
        return iv, cells_all, desc

    def _eval_clause(self, clause: str, pops: list[str], items: list[str], tables: list[str], wording: str,
                     sid: str, line: int, equal_claims: dict) -> list[tuple[str, str, str, list[_Cell]]]:
        c = clause.strip()
        out: list[tuple[str, str, str, list[_Cell]]] = []
        m = re.fullmatch(r"response_rate\((\w+)\)\s*=\s*([\d.]+)\s+with\s+n\s*=\s*(\d+)\s+of\s+(\d+)", c)
        if m:
            return self._response_rate(m.group(1), float(m.group(2)), int(m.group(3)), int(m.group(4)))
        m = re.fullmatch(r"(n|invited)\((\w+)\)\s*=\s*(\d+)", c)
        if m:
            kind, pop, val = m.group(1), m.group(2), int(m.group(3))
            truth = self.n_of(pop) if kind == "n" else self.frame.get(pop)
            if truth is None:
                raise _Unparsed(c)
            if truth != val:
                out.append(("inconsistent", f"The text says {val} {pop} ({kind}), the data give {truth}.",
                            f"{kind}({pop}) = {val} vs {truth}", []))
            return out
        m = re.fullmatch(r"count\((\w+),(\w+),([^)]+)\)\s*=\s*(\d+)\s+of\s+(\d+)", c)
        if m:
            pop, item, cat, k, n_claim = m.group(1), m.group(2), m.group(3), int(m.group(4)), int(m.group(5))
            got = self._term_cells(pop, item, _cat_labels([cat]), tables, None)
            if got is None:
                raise _Unparsed(c)
            cells, n = got
            if len(cells) == 1 and cells[0].value is not None:
                ok = n == n_claim and k in _union_counts(cells[0].value, n)
            else:
                iv = _interval(cells, n)
                ok = n == n_claim and iv is not None and _dist(100 * k / n, iv) < 1e-9
            if not ok:
                sev = "inconsistent" if wording == "exact" else "loose wording"
                out.append((sev, f"The text says {k} of {n_claim} {pop} ({item}, {cat}); the table prints "
                                 f"{_values_text(cells)} of {n}.", f"{k}/{n_claim} = {100 * k / n_claim:.1f}%", cells))
            return out
        mods = _modifiers(c)
        c = mods.text
        # lowest/highest rankings
        m = re.fullmatch(r"(.*?\))\s+(marginally\s+)?(lowest|highest|largest)(?:\s+of\s+(.+))?", c)
        if m:
            return self._ranking(_parse_term(m.group(1), self.known), m.group(3), m.group(4), pops, items, tables, wording)
        m = re.fullmatch(r"(.*\))\s*>\s*0\s+only\s+for\s+(.+)", c)
        if m:
            term = _parse_term(m.group(1), self.known)
            return self._only_for(term, m.group(2).strip(), pops, items, tables, wording)
        parts = re.split(r"\s*(>>|<=|>=|≈|==|=|<|>)\s*", c)
        if len(parts) < 3 or len(parts) % 2 == 0:
            raise _Unparsed(clause)
        operands = [_parse_operand(p, self.known) for p in parts[0::2]]
        ops = parts[1::2]
        for a, op, b in zip(operands, ops, operands[1:]):
            out.extend(self._compare(a, op, b, pops, items, tables, wording, mods.pooled, sid, line, equal_claims, clause))
        return out

    def _expand(self, term: _Term, pops: list[str], items: list[str]) -> list[tuple[str, str]]:
        ps = [term.pop] if term.pop else pops
        its = term.items or items
        if not ps or not its:
            raise _Unparsed(str(term))
        return [(p, i) for p in ps for i in its]

    def _compare(self, a: object, op: str, b: object, pops: list[str], items: list[str], tables: list[str],
                 wording: str, pooled: bool, sid: str, line: int, equal_claims: dict,
                 clause: str) -> list[tuple[str, str, str, list[_Cell]]]:
        out: list[tuple[str, str, str, list[_Cell]]] = []
        if isinstance(a, float) and isinstance(b, _Term):  # X <= term  ->  term >= X
            a, b, op = b, a, {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}.get(op, op)
        if isinstance(a, _Term) and isinstance(b, float):
            pairs = self._expand(a, pops, items)
            if pooled:
                pairs = list(dict.fromkeys((pairs[0][0], i) for _, i in pairs))
            summary = len(pairs) > 1 and (a.pop is None or not a.items)
            for (p, i), g in self._term_groups(a, pairs, tables):
                got = self._value(a, p, i, tables, g, pooled=(a.pop and [a.pop]) or pops if pooled else ())
                if got is None:
                    raise _Unparsed(str(a))
                iv, cells, desc = got
                x = 100 * b
                sev, why = _judge(iv, op, x, wording)
                if sev and op in ("≈", "=", "==") and a.fn == "share" and all(c.value is not None for c in cells) \
                        and abs(sum(c.value for c in cells) - x) <= 0.5:  # type: ignore[misc]
                    sev = None  # the text added the printed (rounded) figures
                if op in ("≈", "=", "==") and g is None and a.pop and len(a.items) == 1:
                    equal_claims[(a.fn, p, i, "+".join(a.cats))].append((sid, x, line, f"{x:.3g}% ({clause})"))
                sev = _cap(sev, wording, summary or a.group in BREAKDOWN_COLUMNS)
                if sev:
                    what = f"{'+'.join((a.pop and [a.pop]) or pops) if pooled else p} {i}{(' ' + g) if g else ''} ({'+'.join(a.cats)})"
                    out.append((sev, why.format(what=what, x=f"{x:.3g}%", iv=_fi(iv))
                                + self._alt_base(a, p, i, tables, g, op, x, iv),
                                f"claimed {op} {x:.3g}% vs {desc}", cells))
            return out
        if isinstance(a, _Term) and isinstance(b, _Term):
            if pooled:
                pa = [(pops[0], i) for i in (a.items or items)]
                pb = [(pops[0], i) for i in (b.items or items)]
            else:
                pa = self._expand(a, pops, items)
                pb = self._expand(b, pops, items)
            if len(pa) != len(pb):
                if len(pb) == 1:
                    pb = pb * len(pa)
                elif len(pa) == 1:
                    pa = pa * len(pb)
                else:
                    raise _Unparsed(f"{a} {op} {b}")
            summary = len(pa) > 1 and (a.pop is None or not a.items)
            for (p1, i1), (p2, i2) in zip(pa, pb):
                va = self._value(a, p1, i1, tables, a.group, pooled=pops if pooled else ())
                vb = self._value(b, p2, i2, tables, b.group, pooled=pops if pooled else ())
                if va is None or vb is None:
                    raise _Unparsed(f"{a} {op} {b}")
                (la, ha), (lb, hb) = va[0], vb[0]
                false = (op in (">", ">>") and ha <= lb) or (op == "<" and la >= hb) or \
                        (op == "≈" and (lb - ha > CLOSE or la - hb > CLOSE))
                if false:
                    sev = _cap("inconsistent" if wording == "exact" else "loose wording", wording, summary)
                    word = {">": "higher than", ">>": "much higher than", "<": "lower than", "≈": "about equal to"}[op]
                    out.append((sev, f"The text says {va[2].split(':')[0]} is {word} {vb[2].split(':')[0]}, "  # type: ignore[arg-type]
                                     f"but the tables give {_fi(va[0])} vs {_fi(vb[0])}."
                                + self._alt_compare(a, b, p1, i1, p2, i2, tables, op),
                                f"{va[2]} {op} {vb[2]} is false", va[1] + vb[1]))
            return out
        raise _Unparsed(f"{a} {op} {b}")

    def _term_groups(self, term: _Term, pairs: list[tuple[str, str]], tables: list[str]) -> list[tuple[tuple[str, str], str | None]]:
        if term.group in BREAKDOWN_COLUMNS:
            return [((p, i), g) for p, i in pairs for g in self._groups(p, i, term.group, tables)]
        return [((p, i), term.group) for p, i in pairs]

    def _alt_base(self, term: _Term, pop: str, item: str, tables: list[str], group: str | None, op: str, x: float,
                  iv: tuple[float, float]) -> str:
        """Say whether the claim fits the share among those with experience or among those who answered."""
        if op not in ("≈", "=", "==") or term.fn != "share" or group:
            return ""
        hints = []
        if term.cats in (["gode"], ["usikre/dårlige"]):
            alt = self._value(_Term("share_among_experienced", pop, [item], term.cats, None), pop, item, tables, None)
            if alt and _dist(x, alt[0]) <= CLOSE and _dist(x, alt[0]) < _dist(x, iv) - 1:
                hints.append(f"among those with experience it is {_fi(alt[0])}, which would fit")
        got = self._term_cells(pop, item, _cat_labels(term.cats), tables, None)
        if got:
            cells, n = got
            row = next((r for r in self.rows if r.breakdown == "total" and any(c in r.cells for c in cells)), None)
            if row is not None and row.notes and all(c.value is not None for c in row.all):
                ans = sum(c.value for c in row.cells)  # type: ignore[misc]
                share = sum(c.value for c in cells) / ans * 100 if ans else 0  # type: ignore[misc]
                if abs(x - share) <= CLOSE and abs(x - share) < _dist(x, iv) - 1:
                    hints.append(f"among those who answered (leaving out the table notes) it is about {share:.0f}%, "
                                 "which would fit")
        return (" " + "; ".join(hints).capitalize() + " — a base the text does not state.") if hints else ""

    def _alt_compare(self, a: _Term, b: _Term, p1: str, i1: str, p2: str, i2: str, tables: list[str], op: str) -> str:
        """Does the comparison hold among those who answered (leaving out the notes)?"""
        def answered(t: _Term, p: str, i: str) -> float | None:
            got = self._term_cells(p, i, _cat_labels(t.cats), tables, t.group)
            if not got:
                return None
            row = next((r for r in self.rows if any(c in r.cells for c in got[0])), None)
            if row is None or any(c.value is None for c in row.cells):
                return None
            ans = sum(c.value for c in row.cells)  # type: ignore[misc]
            return 100 * sum(c.value for c in got[0]) / ans if ans else None  # type: ignore[misc]
        if a.fn != "share" or b.fn != "share":
            return ""
        x, y = answered(a, p1, i1), answered(b, p2, i2)
        if x is None or y is None:
            return ""
        holds = (op in (">", ">>") and x > y) or (op == "<" and x < y)
        if holds:
            return (f" Among those who answered the question (leaving out 'vet ikke'), it is {x:.1f}% vs {y:.1f}%, "
                    "so the claim fits that unstated base.")
        return ""

    def _ranking(self, term: _Term, which: str, among: str | None, pops: list[str], items: list[str],
                 tables: list[str], wording: str) -> list[tuple[str, str, str, list[_Cell]]]:
        out: list[tuple[str, str, str, list[_Cell]]] = []
        lowest = which == "lowest"
        ps = [term.pop] if term.pop else pops
        if term.group and term.group not in BREAKDOWN_COLUMNS:
            # a group against the other groups of its breakdown
            for p in ps:
                for i in term.items or items:
                    for bd in BREAKDOWN_COLUMNS:
                        gs = self._groups(p, i, bd, tables)
                        if not any(g == term.group or g.startswith(term.group) for g in gs):
                            continue
                        vals = {g: self._value(term, p, i, tables, g) for g in gs}
                        if any(v is None for v in vals.values()):
                            raise _Unparsed(str(term))
                        me = next(g for g in gs if g == term.group or g.startswith(term.group))
                        lo_me, hi_me = vals[me][0]  # type: ignore[index]
                        beaten = [g for g in gs if g != me and ((lowest and vals[g][0][1] < lo_me)  # type: ignore[index]
                                                                 or (not lowest and vals[g][0][0] > hi_me))]  # type: ignore[index]
                        if beaten:
                            cells = [c for v in vals.values() for c in v[1]]  # type: ignore[index]
                            out.append(("inconsistent" if wording == "exact" else "loose wording",
                                        f"For {p} ({i}) {me} is not the {which}: "
                                        + ", ".join(f"{g} {_fi(vals[g][0])}" for g in gs) + ".",  # type: ignore[index]
                                        f"{p} {i}: " + ", ".join(f"{g} {_fi(vals[g][0])}" for g in gs),  # type: ignore[index]
                                        cells))
            if not ps:
                raise _Unparsed(str(term))
            return out
        # an item against other items
        others = [x for x in re.split(r"[/,\s]+", among or "") if x in self.known[1]] or items
        if len(others) < 2:  # "lowest of the four items": the items of the tables the statement names
            others = list(dict.fromkeys(c.item for r in self.rows if r.table in tables and r.breakdown == "total"
                                        for c in r.cells if c.item))
        others = sorted(others)
        if not term.items or not others or not ps:
            raise _Unparsed(str(term))
        me_item = term.items[0]
        for p in ps:
            vals = {i: self._value(term, p, i, tables, None) for i in others}
            if any(v is None for v in vals.values()):
                raise _Unparsed(str(term))
            lo_me, hi_me = vals[me_item][0]  # type: ignore[index]
            beaten = [i for i in others if i != me_item and ((lowest and vals[i][0][1] < lo_me)  # type: ignore[index]
                                                             or (not lowest and vals[i][0][0] > hi_me))]  # type: ignore[index]
            if beaten:
                cells = [c for v in vals.values() for c in v[1]]  # type: ignore[index]
                rank = sorted(others, key=lambda i: vals[i][0][0])  # type: ignore[index]
                out.append(("inconsistent" if wording == "exact" else "loose wording",
                            f"For {p}, {me_item} is not the {which} of {', '.join(others)}: "
                            + ", ".join(f"{i} {_fi(vals[i][0])}" for i in rank) + ".",  # type: ignore[index]
                            f"{p}: " + ", ".join(f"{i} {_fi(vals[i][0])}" for i in rank), cells))  # type: ignore[index]
        return out

    def _only_for(self, term: _Term, group: str, pops: list[str], items: list[str], tables: list[str],
                  wording: str) -> list[tuple[str, str, str, list[_Cell]]]:
        out = []
        for p, i in self._expand(term, pops, items):
            gs = self._groups(p, i, term.group or "rhf", tables)
            for g in gs:
                v = self._value(term, p, i, tables, g)
                if v is None:
                    raise _Unparsed(str(term))
                positive = v[0][1] > 0
                should = g == group or g.startswith(group)
                if positive != should and (v[0][0] > 0) != should:
                    out.append(("inconsistent" if wording == "exact" else "loose wording",
                                f"{p} {i} {g}: {_fi(v[0])}, but the text says it is above 0 only for {group}.",
                                v[2], v[1]))
        return out

    def _response_rate(self, pop: str, rate: float, n_claim: int, frame_claim: int) -> list[tuple[str, str, str, list[_Cell]]]:
        """Results tagged ``rate:<severity>:<population>`` (reported as their own findings)."""
        out: list[tuple[str, str, str, list[_Cell]]] = []
        n = self.n_of(pop)
        frame = self.frame.get(pop)
        x = 100 * rate
        tag = lambda sev: f"rate:{sev}:{pop}"  # noqa: E731
        if n is not None and n != n_claim:
            out.append((tag("inconsistent"), f"The text says n = {n_claim} {pop}, but {n} are listed as respondents.",
                        f"n = {n_claim} vs {n}", []))
        if frame is not None and frame != frame_claim:
            out.append((tag("inconsistent"), f"The text says {frame_claim} {pop} were asked; the round's frame is {frame}.",
                        f"{frame_claim} vs {frame}", []))
        F = frame or frame_claim
        k = n_claim
        actual = 100 * k / F
        d = _decimals(x)
        target = Fraction(round(x * 10 ** d), 10 ** d)
        if any(round_percent(k, F, r, d) == target for r in RULES):
            return out
        std = int(round_percent(k, F))
        needed = _union_counts(x, F)
        frames = [f for f in range(k, 2 * F + 1) if any(round_percent(k, f, r, d) == target for r in RULES)]
        if round_percent(k, F, DOUBLE_ROUNDING, d) == target:
            out.append((tag("inconsistent"),
                        f"The text gives the {pop} response rate as {x:g}%, but {k} of {F} is {actual:.2f}%, which "
                        f"rounds to {std}%; {x:g}% comes only from rounding twice "
                        f"({actual:.2f} → {actual:.1f} → {x:g}).",
                        f"{k}/{F} = {actual:.3f}%; rounded once: {std}%; rounded to one decimal first: "
                        f"{float(round_percent(k, F, 'half-up', 1)):.1f}% → {x:g}%", []))
        else:
            near = ", ".join(f"{j}/{F} = {100 * j / F:.1f}%" for j in range(max(0, k - 1), min(F, k + 3) + 1))
            out.append((tag("impossible"),
                        f"The text gives the {pop} response rate as {x:g}% with n = {k}, but {k} of the {F} asked "
                        f"is {actual:.1f}%"
                        + (f"; {x:g}% would need {'/'.join(map(str, needed))} respondents." if needed
                           else f"; no whole number of the {F} gives {x:g}%.")
                        + (f" {k} respondents are {x:g}% of {'/'.join(map(str, frames[:3]))}, not of {F}." if frames else ""),
                        f"{k}/{F} = {actual:.1f}%, which rounds to {std}%; achievable rates near {x:g}%: {near}", []))
        return out

def _annex_fits(sub: list[float | None], notes: list[_Cell], n: int, gj: float | None, vk: float | None,
                rule: str, reading: str) -> tuple[int, int] | None:
    """Whole counts reproducing an item table row and the annex's two shares under one reading.

    Readings: ``A`` base = all respondents, 'Gjennomført' = the table's categories,
    'Vet ikke' = all table notes; ``B`` base = all, 'Vet ikke' = the don't-know
    answers only, non-answers (NA, or the blank part of a lumped 'Manglende
    svar') counted as 'Gjennomført'; ``C`` as ``B`` but non-answers left out
    of the base. Returns the (min, max) number of non-answers treated
    differently from reading A, or None if no counts fit.
    """
    sr = _ranges(sub, n, rule)
    if any(r is None for r in sr):
        return None
    s_lo, s_hi = sum(r[0] for r in sr), sum(r[1] for r in sr)  # type: ignore[index]
    na = [c for c in notes if _norm(c.category) in _NO_ANSWER]
    dk = [c for c in notes if c not in na]
    na_r = _ranges([c.value for c in na], n, rule)
    dk_r = _ranges([c.value for c in dk], n, rule)
    if any(r is None for r in na_r + dk_r):
        return None
    na_lo, na_hi = sum(r[0] for r in na_r), sum(r[1] for r in na_r)  # type: ignore[index]
    dk_lo, dk_hi = sum(r[0] for r in dk_r), sum(r[1] for r in dk_r)  # type: ignore[index]
    lumped = not notes or any(_norm(c.category) == "manglendesvar" for c in na)
    if not notes:
        na_lo, na_hi = 0, n  # an unprinted remainder
    target_g = None if gj is None else Fraction(str(gj))
    target_v = None if vk is None else Fraction(str(vk))
    used: list[int] = []
    for s in range(s_lo, s_hi + 1):
        for a in range(na_lo, na_hi + 1):
            d = n - s - a
            if not dk_lo <= d <= dk_hi:
                continue
            for x in (range(a + 1) if lumped else (0,)):  # x = don't-knows inside a lumped note
                blanks = a - x
                if reading == "A":
                    base, g, v = n, s, a + d
                elif reading == "B":
                    base, g, v = n, n - d - x, d + x
                else:
                    base, g, v = n - blanks, s, d + x
                if base < 1:
                    continue
                if target_g is not None and round_percent(g, base, rule, _decimals(gj)) != target_g:  # type: ignore[arg-type]
                    continue
                if target_v is not None and round_percent(v, base, rule, _decimals(vk)) != target_v:  # type: ignore[arg-type]
                    continue
                used.append(0 if reading == "A" else blanks)
    if not used:
        return None
    return min(used), max(used)


# --------------------------------------------------------------------------- statement parsing


class _Unparsed(Exception):
    """A statement clause the audit cannot evaluate."""


@dataclass
class _Term:
    fn: str
    pop: str | None
    items: list[str]
    cats: list[str]
    group: str | None

    def __str__(self) -> str:
        return f"{self.fn}({self.pop or ''},{'/'.join(self.items)},{'+'.join(self.cats)}|{self.group or ''})"


@dataclass
class _Mods:
    text: str
    pooled: bool




def _split_clauses(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == ";" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [c.strip() for c in out if c.strip()]


def _expand_clause(clause: str) -> list[str]:
    """Split ``A and B > C`` into ``A > C; B > C`` and ``A > B, C`` into ``A > B; A > C``."""
    term = r"share(?:_among_experienced)?\([^)]*\)"
    m = re.fullmatch(rf"({term})\s+and\s+({term})\s*(>|<)\s*({term})", clause.strip())
    if m:
        return [f"{m.group(1)} {m.group(3)} {m.group(4)}", f"{m.group(2)} {m.group(3)} {m.group(4)}"]
    m = re.fullmatch(rf"({term})\s*(>|<)\s*({term}),\s*({term})", clause.strip())
    if m:
        return [f"{m.group(1)} {m.group(2)} {m.group(3)}", f"{m.group(1)} {m.group(2)} {m.group(4)}"]
    return [clause]


def _modifiers(text: str) -> _Mods:
    t = text.strip()
    pooled = False
    t = re.sub(r"\s*\((clearly|esp\.[^)]*|base not stated[^)]*|slightly below)\)\s*$", "", t)
    m = re.search(r",?\s*pooled over .*$", t)
    if m:
        pooled = True
        t = t[: m.start()]
    t = re.sub(r"\s+for (every RHF, )?kommuner and helseforetak.*$", "", t)
    t = re.sub(r"\s+for every RHF.*$", "", t)
    return _Mods(t.strip(), pooled)


def _parse_term(text: str, known: tuple[set[str], set[str]]) -> _Term:
    m = re.fullmatch(r"\s*(share|share_among_experienced)\(([^)]*)\)\s*", text)
    if not m:
        raise _Unparsed(text)
    fn, inner = m.group(1), m.group(2)
    group = None
    if "|" in inner:
        inner, g = inner.split("|", 1)
        group = g.strip()
        if group.lower() in ("rhf", "size"):
            group = group.lower()
        elif " " in group and not group.startswith("Helse"):
            raise _Unparsed(text)
    args = [a.strip() for a in inner.split(",") if a.strip()]
    pop = None
    if args and args[0] in known[0]:
        pop = args.pop(0)
    items: list[str] = []
    if args and all(x in known[1] for x in args[0].split("/")):
        items = args.pop(0).split("/")
    if len(args) != 1:
        raise _Unparsed(text)
    cats = [c.strip() for c in args[0].split("+")]
    if any(c.startswith("Kvalitet") or c.startswith("Høy") for c in cats):
        raise _Unparsed(text)
    return _Term(fn, pop, items, cats, group)


def _parse_operand(text: str, known: tuple[set[str], set[str]]) -> _Term | float:
    t = text.strip()
    m = re.fullmatch(r"(\d+)/(\d+)", t)
    if m:
        return int(m.group(1)) / int(m.group(2))
    try:
        return float(t)
    except ValueError:
        return _parse_term(t, known)


def _cat_labels(cats: Sequence[str]) -> list[str]:
    out: list[str] = []
    for c in cats:
        key = c.strip().lower()
        if key in _STATEMENT_CATEGORIES:
            out.extend(_STATEMENT_CATEGORIES[key])
        elif key.startswith("vet ikke"):
            out.extend(_STATEMENT_CATEGORIES["vet ikke"])
        else:
            out.append(c.strip())
    return out


def _cap(sev: str | None, wording: str, summary: bool) -> str | None:
    """Vague statements and summaries of several numbers are at most loose wording."""
    if sev in ("impossible", "inconsistent") and (wording == "vague" or summary):
        return "loose wording"
    return sev


def _judge(iv: tuple[float, float], op: str, x: float, wording: str) -> tuple[str | None, str]:
    """Severity (None = fine) and an explanation template for ``term op x``."""
    lo, hi = iv
    if op in ("≈", "=", "=="):
        exact = wording == "exact"
        if exact:
            if x + 0.5 >= lo and x - 0.5 <= hi:
                return None, ""
            return "inconsistent", "The text says {x} for {what}; the table gives {iv}."
        d = _dist(x, iv)
        if d <= CLOSE:
            return None, ""
        if d <= LOOSE:
            return "loose wording", "The text says about {x} for {what}; the table gives {iv}."
        return "inconsistent", "The text says about {x} for {what}; the table gives {iv}."
    false = {"<": lo >= x, "<=": lo > x, ">": hi <= x, ">=": hi < x, ">>": hi <= x}[op]
    if not false:
        return None, ""
    sev = "inconsistent" if wording in ("exact", "approximate") else "loose wording"
    word = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", ">>": "well above"}[op]
    return sev, "The text says {what} is " + word + " {x}; the table gives {iv}."


# --------------------------------------------------------------------------- driver


def audit(
    cells: pd.DataFrame,
    sizes: Mapping[tuple[str, str], int],
    *,
    tables: pd.DataFrame | None = None,
    statements: pd.DataFrame | None = None,
    frame: Mapping[str, int] | None = None,
    codebook: object | None = None,
    round: str = "",
) -> AuditResult:
    """Audit published figures given as data frames.

    Parameters
    ----------
    cells : pandas.DataFrame
        Cells in the format of ``cells.csv`` (``value`` numeric or empty).
    sizes : mapping
        ``{(population, group): n}``; group ``"Samlet"`` is the whole
        population (see :func:`group_sizes`).
    tables : pandas.DataFrame, optional
        ``tables.csv`` (for the caption n's).
    statements : pandas.DataFrame, optional
        ``statements.csv`` (for the text checks).
    frame : mapping, optional
        Units asked per population (for response rates).
    codebook : samanalyse.codebook.Codebook, optional
        For the index checks (which items an index sums).
    round : str
        Round name, for the report.

    Returns
    -------
    AuditResult
        The findings and what was checked.

    Raises
    ------
    DataError
        If a frame lacks a column the audit needs.
    SamanalyseError
        If a group size is not a whole number.
    """
    _check_columns(cells, ("cell_id", "table", "population", "breakdown", "group", "item", "category", "value",
                           "status", "line"), "cells")
    _check_sizes(sizes)
    tables = tables if tables is not None else pd.DataFrame(columns=["table", "line"])
    statements = statements if statements is not None else pd.DataFrame(
        columns=["statement_id", "line", "quote", "population", "item", "implied", "tables", "wording"])
    _check_columns(tables, ("table", "line"), "tables")
    _check_columns(statements, ("statement_id", "line", "quote", "population", "item", "implied", "tables", "wording"),
                   "statements")
    cells = cells.copy()
    cells["value"] = pd.to_numeric(cells["value"].replace("", None), errors="coerce")
    frame_by_pop = dict(frame or {})
    a = _Auditor(cells.fillna({"population": "", "group": "", "item": "", "category": ""}), tables, statements,
                 sizes, frame_by_pop, codebook)
    a.check_captions()
    a.check_rows()
    a.check_breakdowns()
    a.check_repeated()
    a.check_annex()
    a.check_index()
    a.check_statements()
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings = sorted(a.findings, key=lambda f: (order[f.severity], f.check, f.tables, f.lines))
    return AuditResult(round=round, findings=findings, checked=dict(a.checked),
                       unchecked_statements=a.unchecked, within_rounding=a.within)


def audit_round(round: str = "2010") -> AuditResult:
    """Audit the published figures of a round shipped with the package.

    Loads ``data/published/<round>/`` (:func:`samanalyse.published.load_published`),
    the group sizes from the round's respondents, the frame from ``round.yaml``
    and the codebook, then runs :func:`audit`.

    Parameters
    ----------
    round : str
        Round name, e.g. ``"2010"``.

    Returns
    -------
    AuditResult
        The findings, most serious first.
    """
    from samanalyse.published.transcription import load_published
    from samanalyse.survey.rounds import load_round

    pub = load_published(round)
    rnd = load_round(round)
    pops = sorted({p for p in pub.cells["population"] if p})
    sizes = group_sizes(round, pops)
    forms = _population_forms(pops, rnd.frame)
    frame = {p: rnd.frame[f] for p, f in forms.items()}
    return audit(pub.cells, sizes, tables=pub.tables, statements=pub.statements, frame=frame,
                 codebook=rnd.codebook, round=round)


def findings_frame(result: AuditResult | Sequence[Finding]) -> pd.DataFrame:
    """The findings as a data frame with columns :data:`FINDING_COLUMNS`."""
    findings = result.findings if isinstance(result, AuditResult) else list(result)
    return pd.DataFrame([f.as_row() for f in findings], columns=list(FINDING_COLUMNS))


def format_text(result: AuditResult, width: int = 100) -> str:
    """A readable summary: counts by severity, then the findings grouped by severity."""
    import textwrap

    def wrap(text: str, indent: str) -> str:
        return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ")

    counts = result.counts()
    lines = [f"Audit of the published figures of round {result.round}" if result.round else "Audit of published figures",
             "",
             "Findings: " + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES),
             "Checked: " + ", ".join(f"{v} {k}" for k, v in sorted(result.checked.items())),
             f"Rows whose printed sum is not 100 but within rounding (not findings): {len(result.within_rounding)}",
             f"Statement clauses not machine-checkable: {len(result.unchecked_statements)}"]
    no = 0
    for sev in SEVERITIES:
        fs = result.by_severity(sev)
        if not fs:
            continue
        lines += ["", f"== {sev.upper()} ({len(fs)}) =="]
        for f in fs:
            no += 1
            where = ", ".join(_table_name(t) for t in f.tables) or "text"
            lines.append(wrap(f"{no}. [{f.check}] {where}" + (f" — {f.population}" if f.population else "")
                              + (f" {f.item}" if f.item else ""), ""))
            lines.append(wrap("values: " + f.values, "   "))
            lines.append(wrap(f.explanation, "   "))
            if f.proof:
                lines.append(wrap("proof: " + f.proof, "   "))
            refs = []
            if f.cells:
                refs.append("cells " + ", ".join(f.cells[:12]) + (" ..." if len(f.cells) > 12 else ""))
            if f.lines:
                refs.append("lines " + ", ".join(map(str, f.lines[:12])) + (" ..." if len(f.lines) > 12 else ""))
            if refs:
                lines.append(wrap("; ".join(refs), "   "))
    return "\n".join(lines) + "\n"
