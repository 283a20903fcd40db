"""Audit of a round's published figures: do the printed numbers fit together?

The audit checks the numbers a study prints (transcribed in the round's
published folder, see :mod:`samanalyse.published.transcription`) against each
other and against what the respondent counts allow. It never looks at
respondent-level answers: everything follows from the printed percentages and
the group sizes (respondents per population, region and size class, from
:func:`samanalyse.survey.rounds.respondents`).

Checks
------
granularity
    A percentage printed as a whole number for a group of ``n`` respondents
    is possible only if some whole count ``k`` (0..n) rounds to it. Both
    round-half-up and round-half-even are tried; for an impossible value the
    proof gives the nearest achievable percentages ``k/n``
    (:mod:`.arithmetic`, :mod:`.rows`).
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
    possible for the same totals (:mod:`.totals`).
repeated
    The same figure printed in two tables must agree.
annex
    The response-frequency annex ("answered" vs "don't know") must agree with
    the item tables: "answered" = the table's categories, "don't know" = the
    table's missing notes, both of all respondents. When that fails, the audit
    tries the base without non-answers and says whether it explains the gap
    (:mod:`.annex`).
index
    Index cross-tables with column percentages bound the overall share of each
    row category between the smallest and largest column value; two tables of
    the same index must overlap. The item tables bound, Fréchet-style, how many
    respondents can reach an index cut (:func:`index_share_bounds`, :mod:`.tables`).
caption
    The n printed in a table caption must be the number of respondents.
statement
    Machine-readable readings of the text (``statements.csv`` column
    ``implied``, :mod:`.statements`) are evaluated against the tables they
    name: response rates, counts, shares (with or without a stated base),
    comparisons and rankings (:mod:`.text`, :mod:`.terms`).

Which printed labels are missing-answer notes, the annex's "answered", and the
statement shorthands come from the published folder's ``notation.yaml``
(:mod:`.notation`).

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
>>> from samanalyse.published.audit import percent_check
>>> percent_check(14, 7).possible, percent_check(15, 7).possible
(True, False)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from samanalyse.errors import ArgumentError
from samanalyse.io.datasets import round_respondents
from samanalyse.published.audit.annex import AnnexChecks
from samanalyse.published.audit.arithmetic import (
    RULES,
    PercentCheck,
    RowCheck,
    breakdown_totals,
    counts_for,
    index_share_bounds,
    percent_check,
    row_counts,
    row_sum_bound,
)
from samanalyse.published.audit.cells import TOTAL_GROUP
from samanalyse.published.audit.findings import (
    FINDING_COLUMNS,
    SEVERITIES,
    AuditResult,
    Finding,
    findings_frame,
    format_text,
)
from samanalyse.published.audit.notation import Notation, load_notation
from samanalyse.published.audit.rows import RowChecks
from samanalyse.published.audit.tables import TableChecks
from samanalyse.published.audit.text import StatementChecks
from samanalyse.published.audit.totals import TotalChecks
from samanalyse.published.transcription import (
    BREAKDOWN_COLUMNS,
    check_columns,
    population_forms,
)
from samanalyse.survey.rounds import Round, load_round

__all__ = [
    "SEVERITIES",
    "RULES",
    "Finding",
    "AuditResult",
    "PercentCheck",
    "RowCheck",
    "Notation",
    "counts_for",
    "percent_check",
    "row_sum_bound",
    "row_counts",
    "breakdown_totals",
    "index_share_bounds",
    "group_sizes",
    "audit",
    "audit_round",
    "load_notation",
    "findings_frame",
    "format_text",
    "FINDING_COLUMNS",
    "CELL_COLUMNS",
    "TABLE_COLUMNS",
    "STATEMENT_COLUMNS",
]

#: Columns the audit needs in the cells, tables and statements it is given.
CELL_COLUMNS: tuple[str, ...] = ("cell_id", "table", "population", "breakdown", "group", "item", "category", "value",
                                 "status", "line")
TABLE_COLUMNS: tuple[str, ...] = ("table", "line")
STATEMENT_COLUMNS: tuple[str, ...] = ("statement_id", "line", "quote", "population", "item", "implied", "tables",
                                      "wording")


class _Auditor(RowChecks, TotalChecks, AnnexChecks, TableChecks, StatementChecks):
    """Every check of the audit on one set of published figures."""


def _check_sizes(sizes: Mapping[tuple[str, str], int]) -> None:
    """Raise :class:`ArgumentError` for a group size that is not a whole number >= 0."""
    for key, n in sizes.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ArgumentError(f"Group size of {key} must be a whole number >= 0, got {n!r}.")


def group_sizes(round: Round | str | Path, populations: Iterable[str]) -> dict[tuple[str, str], int]:
    """Respondents per population and group, from the round's respondents.

    Parameters
    ----------
    round : Round, str or pathlib.Path
        The round (resolved with :func:`~samanalyse.survey.rounds.load_round`).
    populations : iterable of str
        Population labels as the tables print them; each is matched to a
        respondent form (``kommuner`` -> ``kommune``).

    Returns
    -------
    dict
        ``{(population, group): n}`` with group ``"Samlet"`` for the whole
        population and the region / size-class labels for the breakdowns.
    """
    rnd = load_round(round)
    # read and joined once per version of the files (the data step has done it already)
    resp = round_respondents(rnd) if rnd.file("respondents", "respondents.csv").is_file() else rnd.respondents()
    forms = population_forms(populations, sorted(set(resp["form"])))
    out: dict[tuple[str, str], int] = {}
    for pop, form in forms.items():
        sub = resp[resp["form"] == form]
        out[(pop, TOTAL_GROUP)] = int(len(sub))
        for col in BREAKDOWN_COLUMNS.values():
            for g, n in sub[col].value_counts(dropna=True).items():
                if int(n) > 0 and str(g):
                    out[(pop, str(g))] = int(n)
    return out


def audit(
    cells: pd.DataFrame,
    sizes: Mapping[tuple[str, str], int],
    *,
    tables: pd.DataFrame | None = None,
    statements: pd.DataFrame | None = None,
    frame: Mapping[str, int] | None = None,
    codebook: Any | None = None,
    notation: Notation | None = None,
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
    codebook : samanalyse.survey.codebook.Codebook, optional
        For the index checks (which items an index sums).
    notation : Notation, optional
        The transcription's labels and statement shorthands (default: the
        neutral notation, which knows no missing-answer labels or shorthands).
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
    ArgumentError
        If a group size is not a whole number.
    """
    check_columns(cells, CELL_COLUMNS, "the cells given to the audit")
    _check_sizes(sizes)
    tables = tables if tables is not None else pd.DataFrame(columns=list(TABLE_COLUMNS))
    statements = statements if statements is not None else pd.DataFrame(columns=list(STATEMENT_COLUMNS))
    check_columns(tables, TABLE_COLUMNS, "the tables given to the audit")
    check_columns(statements, STATEMENT_COLUMNS, "the statements given to the audit")
    cells = cells.copy()
    cells["value"] = pd.to_numeric(cells["value"].replace("", None), errors="coerce")
    a = _Auditor(cells.fillna({"population": "", "group": "", "item": "", "category": ""}), tables, statements,
                 sizes, dict(frame or {}), codebook, notation or Notation())
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


def audit_round(round: Round | str | Path) -> AuditResult:
    """Audit the published figures of a round.

    Loads the round's published folder
    (:func:`samanalyse.published.transcription.load_published`) and its
    ``notation.yaml``, the group sizes from the round's respondents, the frame
    from ``round.yaml`` and the codebook, then runs :func:`audit`.

    Parameters
    ----------
    round : Round, str or pathlib.Path
        The round (resolved once with :func:`~samanalyse.survey.rounds.load_round`).

    Returns
    -------
    AuditResult
        The findings, most serious first.
    """
    from samanalyse.published.transcription import load_published

    rnd = load_round(round)
    pub = load_published(rnd)
    pops = sorted({p for p in pub.cells["population"] if p})
    sizes = group_sizes(rnd, pops)
    forms = population_forms(pops, rnd.frame)
    frame = {p: rnd.frame[f] for p, f in forms.items()}
    return audit(pub.cells, sizes, tables=pub.tables, statements=pub.statements, frame=frame,
                 codebook=rnd.codebook, notation=load_notation(rnd), round=rnd.name)
