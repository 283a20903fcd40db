"""Sum indices from the codebook and the reliability of item sets.

The study builds three sum indices (avsnitt 3.1, 3.2; Tabell 56–57): one point
per item answered in one of the index's ``score_codes`` (e.g. "Gjennomført med
gode erfaringer"), cut into Dårlig/Godt. :func:`index_scores` computes them per
respondent, :func:`index_crosstab` cross-tabulates two of them as Tabell 56–57.

Reliability of scored items: :func:`cronbach_alpha` (as R ``psych::alpha``),
:func:`mcdonald_omega` (as ``psych::omega(x, nfactors = 1)``, with a
percentile bootstrap interval) and :func:`item_rest` score the answers and
hand the complete score matrix to :mod:`samanalyse.stats.reliability`.

Scoring is always explicit (argument ``scoring``):

``"numeric"``
    The columns already hold numbers.
``"scale"``
    Each answer label gets its category's ``score`` from the codebook
    (tilfredshet: Svært godt = 4 … Svært dårlig = 1; prioritet: Høy = 2 …
    Ikke = 0). Categories without a score (Vet ikke/ikke aktuelt) are missing.
    The erfaring scale has no scores: use ``"index"``.
``"index"``
    The index rule: 1 if the answer's code is in the index's ``score_codes``,
    else 0; a missing answer (NA or a "Vet ikke" category) counts 0 under the
    index's ``missing: zero`` rule and makes the respondent missing under
    ``missing: require_all``.

Item sets are analysed with listwise deletion (respondents with a missing score
on any of the items are left out; SPSS RELIABILITY's rule). R ``psych`` uses
pairwise covariances by default; without missing values the two agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from samanalyse.analysis._checks import check_columns
from samanalyse.analysis._reuse import reused
from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats import reliability as stats_reliability
from samanalyse.stats._checks import WarningLog, check_level
from samanalyse.stats.reliability import ITEM_REST_COLUMNS, AlphaResult, OmegaResult
from samanalyse.survey.answers import item_scale as _item_scale
from samanalyse.survey.answers import to_codes as _codes
from samanalyse.survey.codebook import Codebook, Index, Scale

__all__ = [
    "INDEX_SCORES_COLUMNS",
    "ITEM_REST_COLUMNS",
    "AlphaResult",
    "OmegaResult",
    "Scoring",
    "cronbach_alpha",
    "index_crosstab",
    "index_scores",
    "item_rest",
    "item_scores",
    "mcdonald_omega",
]

Scoring = Literal["numeric", "scale", "index"]

#: Fixed columns of :func:`index_scores`.
INDEX_SCORES_COLUMNS: tuple[str, ...] = ("respondent", "score", "class", "n_points", "n_answered", "n_items")


# --------------------------------------------------------------------------
# Checks and scoring
# --------------------------------------------------------------------------


def _resolve_index(index: str | Index, codebook: Codebook | None) -> Index:
    if isinstance(index, Index):
        return index
    if codebook is None:
        raise ArgumentError(f"Index {index!r} is named by string, so a codebook is needed; pass codebook=...")
    if index not in codebook.indices:
        raise DataError(
            f"No index {index!r} in the {codebook.round} codebook; indices are {', '.join(codebook.indices) or 'none'}."
        )
    return codebook.indices[index]


def _check_items(items: Sequence[str] | None, index: Index | None, minimum: int = 1) -> list[str]:
    if items is None:
        if index is None:
            raise ArgumentError("Give items=[...] (or index=... to use the index's items).")
        items = list(index.items)
    if isinstance(items, str):
        raise ArgumentError(f"items must be a list of column names, not the string {items!r}.")
    items = list(items)
    dupes = sorted({i for i in items if items.count(i) > 1})
    if dupes:
        raise ArgumentError(f"items lists {', '.join(map(repr, dupes))} more than once.")
    if len(items) < minimum:
        raise ArgumentError(f"Need at least {minimum} items; got {len(items)}: {items!r}.")
    return items


def _check_scoring(scoring: str) -> None:
    if scoring not in ("numeric", "scale", "index"):
        raise ArgumentError(f"Unknown scoring {scoring!r}; use 'numeric', 'scale' or 'index'.")


def item_scores(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
) -> pd.DataFrame:
    """Numeric item scores, one column per item (float, NaN = missing).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    items : sequence of str or None
        Item columns; default the items of ``index``.
    codebook : Codebook or None
        Needed for ``scoring="scale"`` and ``"index"``.
    scoring : {"numeric", "scale", "index"}
        How answers become numbers (see the module docs).
    index : str or Index or None
        The index whose ``score_codes`` and ``missing`` rule ``scoring="index"`` uses.

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``, one float column per item.

    Raises
    ------
    SamanalyseError
        If a column is missing, holds labels that are not on the item's scale,
        a scale has no scores, or a numeric column holds text.
    """
    _check_scoring(scoring)
    ix = _resolve_index(index, codebook) if index is not None else None
    items = _check_items(items, ix)
    check_columns(data, items, "item_scores")
    out = pd.DataFrame(index=data.index)
    if scoring == "numeric":
        for it in items:
            col = data[it]
            if isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype(object)
            num = pd.to_numeric(col, errors="coerce")
            bad = col[col.notna() & num.isna()]
            if len(bad):
                raise DataError(
                    f"Column {it!r} is not numeric (e.g. {bad.iloc[0]!r}); use scoring='scale' or 'index' with a codebook."
                )
            out[it] = num.astype(float)
        return out
    if scoring == "index" and ix is None:
        raise ArgumentError("scoring='index' needs index=... (a codebook index name or Index).")
    for it in items:
        scale = _item_scale(codebook, it)
        codes = _codes(data[it], scale, it)
        c = codes.to_numpy(dtype=float, na_value=np.nan)
        if scoring == "scale":
            scores = {cat.code: cat.score for cat in scale.categories if cat.score is not None}
            if not scores:
                raise DataError(
                    f"Scale {scale.name!r} of item {it!r} has no scores; use scoring='index' with an index's score_codes."
                )
            keys = np.array(list(scores), dtype=float)
            vals = np.array(list(scores.values()), dtype=float)
            res = np.full(len(c), np.nan)
            for k, v in zip(keys, vals):
                res[c == k] = v
            out[it] = res
        else:
            out[it] = _index_points(c, scale, ix)[0]
    return out


def _index_points(c: np.ndarray, scale: Scale, ix: Index) -> tuple[np.ndarray, np.ndarray]:
    """An item's points under index ``ix`` (float; NaN = missing under its rule) and whether each answer is substantive.

    ``c`` holds the answers' codes (float, NaN for a blank).
    """
    substantive = np.array([cat.code for cat in scale.categories if cat.substantive], dtype=float)
    point = np.where(np.isnan(c), np.nan, np.isin(c, np.array(ix.score_codes, dtype=float)).astype(float))
    answered = np.isin(c, substantive)
    if ix.missing == "zero":
        point = np.nan_to_num(point, nan=0.0)
    else:
        point = np.where(answered, point, np.nan)
    return point, answered


# --------------------------------------------------------------------------
# Indices
# --------------------------------------------------------------------------


def index_scores(data: pd.DataFrame, index: str | Index, *, codebook: Codebook) -> pd.DataFrame:
    """Score a codebook index for every respondent.

    One point per item answered with a code in ``score_codes``; under
    ``missing: zero`` unanswered items and "Vet ikke" count 0 points, under
    ``missing: require_all`` the score is missing unless every item has a
    substantive answer. The class is the cut (e.g. ``[0,3] = Dårlig``) the
    score falls in.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data with the index's item columns.
    index : str or Index
        Index name in ``codebook.indices`` (e.g. ``"avtaler_og_ledelse"``) or an Index.
    codebook : Codebook
        The round's codebook.

    Returns
    -------
    pandas.DataFrame
        Same row index as ``data``; columns ``respondent, score, class,
        n_points, n_answered, n_items`` (:data:`INDEX_SCORES_COLUMNS`): score
        (Int64, NA if missing), class (ordered Categorical of the cut labels),
        points before the missing rule, number of substantive answers, number
        of items. ``respondent`` is taken from data's ``respondent`` column, or
        its row index.
    """
    ix = _resolve_index(index, codebook)
    check_columns(data, ix.items, "index_scores")
    points = pd.DataFrame(index=data.index)
    n_answered = pd.Series(0, index=data.index, dtype=int)
    for it in ix.items:   # each item's codes read once, for its points and whether it was answered
        scale = _item_scale(codebook, it)
        c = _codes(data[it], scale, it).to_numpy(dtype=float, na_value=np.nan)
        points[it], answered = _index_points(c, scale, ix)
        n_answered += answered
    n_points = points.fillna(0).sum(axis=1).astype(int)
    score = pd.Series(n_points, dtype="Int64")
    if ix.missing == "require_all":
        score[points.isna().any(axis=1)] = pd.NA
    labels = ix.cut_labels()
    # the class: the first cut the score falls in (the codebook checks that the cuts cover 0..max)
    value = score.to_numpy(dtype=float, na_value=np.nan)
    names = np.full(len(value), np.nan, dtype=object)
    for label, lo, hi in reversed(ix.cuts):
        names[(value >= lo) & (value <= hi)] = label
    cls = pd.Categorical(names, categories=labels, ordered=True)
    resp = data["respondent"] if "respondent" in data.columns else pd.Series(data.index, index=data.index)
    return pd.DataFrame(
        {
            "respondent": resp,
            "score": score,
            "class": cls,
            "n_points": n_points,
            "n_answered": n_answered,
            "n_items": len(ix.items),
        },
        index=data.index,
        columns=list(INDEX_SCORES_COLUMNS),
    )


def index_crosstab(
    data: pd.DataFrame,
    row: str | Index,
    col: str | Index,
    *,
    codebook: Codebook,
    normalize: Literal["columns", "rows", "all"] | None = "columns",
) -> pd.DataFrame:
    """Cross-tabulate the classes of two indices (the study's Tabell 56–57).

    Tabell 56 is ``index_crosstab(data, "kvalitet_pasientforlop",
    "avtaler_og_ledelse", codebook=cb)``: columns are the classes of
    avtaler og ledelse, rows the classes of kvalitet i pasientforløp, and each
    column sums to 1.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    row, col : str or Index
        The indices on the rows and the columns.
    codebook : Codebook
        The round's codebook.
    normalize : {"columns", "rows", "all"} or None
        Shares within columns (the study's percentages, as fractions 0–1),
        rows, or of the total; None gives counts.

    Returns
    -------
    pandas.DataFrame
        Rows = classes of ``row`` (index named after the row index), columns =
        classes of ``col``; every class appears, also when empty. Respondents
        with a missing score on either index are left out.
        ``result.attrs["counts"]`` holds the count table and
        ``result.attrs["n"]`` the number of respondents.

    Warns
    -----
    SmallCellWarning
        If a column (row) to normalise has no respondents; its shares are NaN.
    """
    if normalize not in ("columns", "rows", "all", None):
        raise ArgumentError(f"normalize must be 'columns', 'rows', 'all' or None; got {normalize!r}.")
    rix, cix = _resolve_index(row, codebook), _resolve_index(col, codebook)
    # a codebook index named here is scored once per planned analysis (analysis._reuse; its tests score it too)
    r, c = (reused(data, ("index_scores", arg), lambda ix=ix: index_scores(data, ix, codebook=codebook))["class"]
            if isinstance(arg, str) else index_scores(data, ix, codebook=codebook)["class"]
            for arg, ix in ((row, rix), (col, cix)))
    ok = r.notna() & c.notna()
    counts = pd.crosstab(
        pd.Categorical(r[ok], categories=rix.cut_labels()),
        pd.Categorical(c[ok], categories=cix.cut_labels()),
        dropna=False,
    ).reindex(index=rix.cut_labels(), columns=cix.cut_labels(), fill_value=0)
    counts.index.name, counts.columns.name = rix.name, cix.name
    log = WarningLog()
    if normalize is None:
        out = counts.copy()
    elif normalize == "all":
        total = counts.to_numpy().sum()
        if total == 0:
            log.warn(f"no respondents have both {rix.name!r} and {cix.name!r}; shares are NaN")
        out = counts / total if total else counts * np.nan
    else:
        axis_sums = counts.sum(axis=0 if normalize == "columns" else 1)
        empty = [str(k) for k, v in axis_sums.items() if v == 0]
        if empty:
            what = cix.name if normalize == "columns" else rix.name
            log.warn(f"class(es) {', '.join(map(repr, empty))} of {what!r} have no respondents; their shares are NaN")
        denom = axis_sums.replace(0, np.nan)
        out = counts.div(denom, axis=1 if normalize == "columns" else 0).astype(float)
    out.attrs["counts"] = counts
    out.attrs["n"] = int(ok.sum())
    out.attrs["warnings"] = tuple(log.messages)
    return out


# --------------------------------------------------------------------------
# Reliability (the statistics are in samanalyse.stats.reliability)
# --------------------------------------------------------------------------


def _complete(
    data: pd.DataFrame, items: Sequence[str] | None, codebook: Codebook | None, scoring: str, index: str | Index | None,
    minimum: int = 2,
) -> pd.DataFrame:
    """Scores of the items for respondents with a score on every item (listwise deletion)."""
    _check_scoring(scoring)
    ix = _resolve_index(index, codebook) if index is not None else None
    items = _check_items(items, ix, minimum=minimum)
    x = item_scores(data, items, codebook=codebook, scoring=scoring, index=ix)
    return x.dropna(axis=0, how="any")


def cronbach_alpha(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
    confidence: float = 0.95,
) -> AlphaResult:
    """Cronbach's alpha of scored items (R ``psych::alpha``; see :func:`samanalyse.stats.reliability.cronbach_alpha`).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    items : sequence of str or None
        At least two item columns; default the items of ``index``.
    codebook : Codebook or None
        Needed for ``scoring="scale"``/``"index"``.
    scoring : {"numeric", "scale", "index"}
        How answers become numbers (module docs).
    index : str or Index or None
        Index supplying items and scoring rule for ``scoring="index"``.
    confidence : float
        Level of the Feldt interval.

    Returns
    -------
    AlphaResult
    """
    check_level(confidence)
    x = _complete(data, items, codebook, scoring, index)
    return replace(stats_reliability.cronbach_alpha(x, confidence=confidence), scoring=scoring)


def item_rest(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
) -> pd.DataFrame:
    """Item–total and item–rest correlations and alpha-if-dropped (:data:`ITEM_REST_COLUMNS`).

    Parameters are those of :func:`cronbach_alpha`; see
    :func:`samanalyse.stats.reliability.item_rest` (psych ``r.drop``, ``raw.r``).
    """
    return stats_reliability.item_rest(_complete(data, items, codebook, scoring, index))


def mcdonald_omega(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
    confidence: float = 0.95,
    n_boot: int = 0,
    seed: int | None = None,
) -> OmegaResult:
    """McDonald's omega total of scored items from a one-factor minres model (R ``psych::omega(nfactors = 1)``).

    See :func:`samanalyse.stats.reliability.mcdonald_omega` (the minres fit is
    :func:`samanalyse.stats.factor.extraction.extract`).

    Parameters
    ----------
    data, items, codebook, scoring, index :
        As :func:`cronbach_alpha` (at least three items).
    confidence : float
        Level of the bootstrap interval.
    n_boot : int
        Bootstrap resamples (0: no interval).
    seed : int or None
        Seed of the bootstrap; required when ``n_boot > 0``.

    Returns
    -------
    OmegaResult
    """
    check_level(confidence)
    x = _complete(data, items, codebook, scoring, index, minimum=3)
    return stats_reliability.mcdonald_omega(x, confidence=confidence, n_boot=n_boot, seed=seed)
