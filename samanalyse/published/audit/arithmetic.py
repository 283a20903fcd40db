"""Arithmetic of printed percentages: which whole counts can produce them.

Everything here works on numbers only (a printed value and its base), no
table or survey: the granularity of a percentage (:func:`counts_for`,
:func:`percent_check`), the rounding bound of a row sum (:func:`row_sum_bound`),
whole counts for a whole row (:func:`row_counts`), the totals a breakdown can
add up to (:func:`breakdown_totals`) and Fréchet bounds on an index cut
(:func:`index_share_bounds`). Rounding comes from :mod:`samanalyse.stats.rounding`.

Examples
--------
>>> percent_check(14, 7).possible, percent_check(15, 7).possible
(True, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Sequence

from samanalyse.errors import ArgumentError, SamanalyseError
from samanalyse.stats.rounding import DOUBLE_ROUNDING, RULES

__all__ = [
    "RULES",
    "PercentCheck",
    "RowCheck",
    "counts_for",
    "percent_check",
    "row_sum_bound",
    "row_counts",
    "breakdown_totals",
    "index_share_bounds",
    "union_counts",
    "count_ranges",
    "decimals",
    "pct",
]


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
            return f"{self.value:g}% = " + " or ".join(f"{k}/{self.n} ({pct(k, self.n)}%)" for k in ks)
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



def _check_n(n: object, what: str = "n") -> int:
    """Raise :class:`SamanalyseError` unless ``n`` is a positive whole number."""
    if isinstance(n, bool) or not isinstance(n, (int,)) or n < 1:
        raise ArgumentError(f"{what} must be a positive whole number of respondents, got {n!r}.")
    return int(n)


def _check_rule(rule: str) -> str:
    """Raise :class:`SamanalyseError` for an unknown rounding rule."""
    if rule not in RULES + (DOUBLE_ROUNDING,):
        raise ArgumentError(f"Unknown rounding rule {rule!r}; use one of {', '.join(RULES + (DOUBLE_ROUNDING,))}.")
    return rule


def _check_value(value: object) -> float:
    """Raise :class:`SamanalyseError` unless ``value`` is a finite number."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError(f"A printed percentage must be a number, got {value!r}.") from None
    if not math.isfinite(v):
        raise ArgumentError(f"A printed percentage must be finite, got {value!r}.")
    return v



def decimals(value: float) -> int:
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
    d = decimals(v)
    centre = v * n / 100
    lo = max(0, math.floor(centre - n / 100 - 2))
    hi = min(n, math.ceil(centre + n / 100 + 2))
    first, last = _printing_counts(round(v * 10 ** d), 10 ** d, n, rule)
    return tuple(range(max(lo, first), min(hi, last) + 1))


def _printing_counts(t: int, scale: int, n: int, rule: str) -> tuple[int, int]:
    """First and last ``k`` with ``round_percent(k, n, rule, d) == t / scale`` (``scale = 10**d``), in integers.

    ``100 k scale / n`` rounds half-up to ``t`` exactly when ``(2t-1) n <= 200 k scale < (2t+1) n``; half-even
    the same with each end included only for an even ``t``; ``"double"`` (half-up to one more decimal, then
    half-up) exactly when ``(20t-11) n <= 2000 k scale < (20t+9) n``. The percentage grows with ``k``, so the
    counts are the whole numbers between (first > last: none).
    """
    if rule == DOUBLE_ROUNDING:
        a, low, high = 2000 * scale, (20 * t - 11) * n, (20 * t + 9) * n
    else:
        a, low, high = 200 * scale, (2 * t - 1) * n, (2 * t + 1) * n
    if rule == "half-even" and t % 2:   # a half-way value goes to the even neighbour: both ends excluded
        return low // a + 1, -(-high // a) - 1
    if rule == "half-even":             # both ends included
        return -(-low // a), high // a
    return -(-low // a), -(-high // a) - 1


def pct(k: int, n: int) -> str:
    """``100 k / n`` with one decimal."""
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
        raise ArgumentError(f"m must be a whole number >= 0, got {m!r}.")
    return m // 2


def count_ranges(values: Sequence[float | None], n: int, rule: str) -> list[tuple[int, int] | None]:
    """Per value the range of counts that print as it (``(0, n)`` for an unprinted one, None if none does)."""
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
    ranges = count_ranges(vals, n, rule)
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
        ranges = count_ranges([None if v is None else _check_value(v) for v in values], n, rule)
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
        raise ArgumentError(f"min_score must be a whole number >= 1, got {min_score!r}.")
    for lo, hi in item_counts:
        if not 0 <= lo <= hi <= n:
            raise ArgumentError(f"item count range ({lo}, {hi}) is not within 0..{n}.")
    his = [hi for _, hi in item_counts]
    los = [lo for lo, _ in item_counts]
    n_max = max(N for N in range(n + 1) if sum(min(k, N) for k in his) >= min_score * N)
    n_min = min((N for N in range(n + 1) if sum(max(0, k - N) for k in los) <= (min_score - 1) * (n - N)), default=n)
    return n_min, n_max



def union_counts(value: float, n: int) -> tuple[int, ...]:
    """Counts that print as ``value`` under half-up or half-even rounding, ascending."""
    return tuple(sorted(set(counts_for(value, n, "half-up")) | set(counts_for(value, n, "half-even"))))

