"""Shares of an item's answer categories from respondent data, with confidence intervals.

The codebook-aware side of :mod:`samanalyse.stats.proportions`: answers are
optionally collapsed through the item's scale
(:func:`samanalyse.survey.answers.collapse_values`), counted per group and
given an interval by :func:`~samanalyse.stats.proportions.proportion_ci`, or
for the design-based methods by domain estimation under (stratified) simple
random sampling from a frame of ``frame_size`` units.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from samanalyse.analysis._checks import check_columns
from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats._checks import WarningLog, category_order, check_level
from samanalyse.stats.proportions import (
    FPC_METHODS,
    Method,
    check_frame_size,
    check_method,
    design_interval,
    domain_estimate,
    proportion_ci,
)
from samanalyse.survey.answers import collapse_values, item_scale
from samanalyse.survey.codebook import Codebook

__all__ = ["ALL_GROUP", "PROPORTIONS_COLUMNS", "proportions"]

#: Fixed columns of the :func:`proportions` table.
PROPORTIONS_COLUMNS: tuple[str, ...] = (
    "group", "category", "count", "n", "share", "se", "ci_low", "ci_high", "method", "confidence", "warnings",
)

#: Label of the single group when ``by`` is None.
ALL_GROUP = "Alle"


def _check_labels(requested: Sequence[Hashable], available: Sequence[Hashable], what: str, column: str) -> None:
    bad = [c for c in requested if c not in available]
    if bad:
        raise DataError(
            f"{what} {', '.join(map(repr, bad))} not found in {column!r}; available: {', '.join(map(repr, available))}."
        )


def _design(data: pd.DataFrame, strata: str | None, frame_size: object
            ) -> tuple[np.ndarray, dict[Hashable, int]]:
    """Stratum of every respondent and the frame size of each stratum (one stratum without ``strata``)."""
    if isinstance(frame_size, Mapping) and strata is not None:
        st = data[strata]
        if st.isna().any():
            raise DataError(
                f"{int(st.isna().sum())} respondent(s) have no stratum in column {strata!r}; "
                "every respondent of a stratified design needs one."
            )
        st_keys = pd.unique(st)
        missing = [h for h in st_keys if h not in frame_size]
        if missing:
            raise DataError(
                f"No population size for stratum/strata {', '.join(map(repr, missing))} of "
                f"{strata!r}; frame_size has {', '.join(map(repr, frame_size))}."
            )
        for h in st_keys:
            check_frame_size(frame_size[h], int((st == h).sum()), f"[{h!r}]")
        return st.to_numpy(dtype=object), {h: int(frame_size[h]) for h in st_keys}
    return np.zeros(len(data), dtype=object), {0: check_frame_size(frame_size, len(data))}


def proportions(
    data: pd.DataFrame,
    item: str,
    *,
    by: str | None = None,
    frame_size: int | Mapping[Hashable, int] | None = None,
    strata: str | None = None,
    categories: Sequence[Hashable] | None = None,
    exclude: Sequence[Hashable] = (),
    collapse: str | None = None,
    codebook: Codebook | None = None,
    method: Method = "wilson",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Shares of an item's answer categories, overall or by group, with intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data, one row per respondent.
    item : str
        Column to tabulate .
    by : str or None
        Grouping column (e.g. ``"size_class"``, ``"rhf"``). Respondents with a
        missing group are left out. Every category of a Categorical ``by``
        gets rows, also one with no respondents (NaN shares, with a warning).
    frame_size : int or mapping or None
        For the ``fpc`` methods: N (SRS without replacement from N units) or
        ``{stratum: N_h}`` (stratified SRS; strata are the ``strata`` column,
        or the ``by`` column if ``strata`` is None). With ``by``, each group is
        a *domain* of the design and its share and standard error are estimated
        by linearisation of the domain ratio (as ``survey::svyby``); the degrees
        of freedom are respondents in the group minus strata represented in it.
    strata : str or None
        Column with the stratum of each respondent (e.g. ``"rhf"``).
    categories : sequence or None
        Categories to report (default: all categories of the item, after ``collapse``,
        in the codebook's order, without those in ``exclude``).
    exclude : sequence
        Answer categories left out of both numerator and denominator, e.g.
        ``["Vet ikke/ikke aktuelt"]`` for shares of substantive answers. By
        default the denominator is every respondent who answered the item.
    collapse : str or None
        Name of a collapse rule of the item's scale (e.g. ``"godt_darlig"``);
        needs ``codebook``.
    codebook : Codebook or None
        Needed for ``collapse``.
    method : str
        See :func:`proportion_ci`.
    confidence : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per group and category, columns ``group, category, count, n,
        share, se, ci_low, ci_high, method, confidence, warnings``
        (:data:`PROPORTIONS_COLUMNS`). ``group`` is ``"Alle"`` when ``by`` is
        None. ``count`` and ``n`` are unweighted respondent counts; ``share``
        is the design-weighted share for stratified designs.

    Raises
    ------
    DataError
        If a column is missing, a category in ``categories``/``exclude`` does
        not occur, or a stratum has no frame size.
    ArgumentError
        For a bad ``method``/``confidence``/``frame_size`` combination.
    """
    label = check_method(method)
    check_level(confidence)
    check_columns(data, [item, by, strata], "proportions")
    fpc = method in FPC_METHODS
    if not fpc and frame_size is not None:
        raise ArgumentError(f"frame_size (the population of the frame) is only used by the design-based methods "
                            f"{', '.join(FPC_METHODS)}; got method {method!r}.")
    if fpc and frame_size is None:
        raise ArgumentError(f"method {method!r} needs frame_size=N or frame_size={{stratum: N_h}}.")
    if strata is not None and not isinstance(frame_size, Mapping):
        raise ArgumentError(f"strata={strata!r} needs frame_size as a mapping {{stratum: N_h}}; got {frame_size!r}.")
    if isinstance(frame_size, Mapping) and strata is None:
        if by is None:
            raise ArgumentError("frame_size given per stratum, but neither strata nor by names the stratum column.")
        strata = by

    values = data[item]
    if collapse is not None:
        values = collapse_values(values, item_scale(codebook, item), collapse, item)
    order = category_order(values)
    _check_labels(list(exclude), order, "Excluded categor(y/ies)", item)
    order = [c for c in order if c not in set(exclude)]
    if categories is not None:
        _check_labels(list(categories), order, "Categor(y/ies)", item)
        order = list(categories)
    valid = values.notna() & ~values.isin(list(exclude))

    if by is None:
        group_col = pd.Series(ALL_GROUP, index=data.index)
        groups: list[Hashable] = [ALL_GROUP]
    else:
        group_col = data[by]
        groups = category_order(group_col)
    in_design = group_col.notna() if (by is not None and not fpc) else pd.Series(True, index=data.index)

    if fpc:
        strata_arr, sizes = _design(data, strata, frame_size)

    rows = []
    for g in groups:
        in_g = (group_col == g).fillna(False).to_numpy(dtype=bool) & in_design.to_numpy(dtype=bool)
        dom = in_g & valid.to_numpy(dtype=bool)
        n_g = int(dom.sum())
        for cat in order:
            log = WarningLog()
            y = (values == cat).fillna(False).to_numpy(dtype=bool)
            cnt = int((y & dom).sum())
            if n_g == 0:
                what = f"group {g!r} of {by!r}" if by is not None else f"item {item!r}"
                log.warn(f"{what} has no respondents with an answer to {item!r}; shares are NaN")
                share = se = lo = hi = math.nan
            elif not fpc:
                ci = proportion_ci(cnt, n_g, method=method, confidence=confidence)
                share, se, lo, hi = ci.estimate, ci.se, ci.ci_low, ci.ci_high
                log.extend(ci.warnings)
            else:
                share, se, df = domain_estimate(y.astype(float), dom.astype(float), strata_arr, sizes, log)
                lo, hi = design_interval(share, se, df, n_g, label, confidence, log)
            rows.append(
                {
                    "group": g, "category": cat, "count": cnt, "n": n_g, "share": share, "se": se,
                    "ci_low": lo, "ci_high": hi, "method": label, "confidence": confidence, "warnings": log.text(),
                }
            )
    out = pd.DataFrame(rows, columns=list(PROPORTIONS_COLUMNS))
    out["count"] = out["count"].astype("int64")
    out["n"] = out["n"].astype("int64")
    return out
