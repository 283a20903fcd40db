"""Priority scores per respondent: the codebook's scores of the items with a ``virkemiddel``.

A round asks respondents to prioritise a set of *virkemidler* (measures), each
for one or more *challenges* (one question per challenge; the codebook gives
every item its ``virkemiddel`` and its question's ``challenge``). The answers
are scored by the codebook (e.g. Høy = 2, Middels = 1, Ikke = 0; a
non-substantive answer such as *Vet ikke* is missing) through
:func:`samanalyse.survey.answers.to_scores`.

Aggregating over the challenges
-------------------------------
The 2010 study "summed" the four challenges without saying what entered its
factor analysis. :func:`priority_scores` offers:

- ``aggregate="mean"``: per virkemiddel, the mean score over the challenges
  the respondent answered; use Pearson correlations.
- ``aggregate="round"``: that mean rounded half up, i.e. back to the ordered
  categories -- the variant for polychoric correlations.
- ``aggregate="sum"``: the sum over the challenges, only for respondents who
  answered all of them (NA otherwise); Pearson only.
- ``aggregate=None``: one column per challenge item, ordinal.

Polychoric correlations are refused for non-integer scores (the mean), so the
mean is analysed with Pearson correlations and the rounded mean or the
per-challenge items with polychoric ones. The round's plan
(``priorities.correlation``) picks the variant.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from samanalyse.errors import DataError, SamanalyseError
from samanalyse.stats.factor.checks import check_choice, check_int, check_type
from samanalyse.survey.answers import item_scale, to_scores
from samanalyse.survey.codebook import Codebook

__all__ = ["Aggregate", "priority_items", "priority_scores"]

Aggregate = Literal["mean", "round", "sum"]


def priority_items(data: pd.DataFrame, codebook: Codebook, items: Sequence[str] | None) -> list[str]:
    """The scored priority items to analyse: ``items`` checked, or every scored item with a virkemiddel in ``data``."""
    if items is None:
        items = [it.id for it in codebook.item_list if it.scale is not None and it.scale.scores() and
                 it.virkemiddel and it.id in data.columns]
        if not items:
            raise DataError(
                "The data has no columns for scored items with a virkemiddel in the codebook "
                f"(e.g. {', '.join(i.id for i in codebook.item_list if i.virkemiddel)[:60]}...)."
            )
        return items
    items = list(items)
    unknown = [i for i in items if i not in codebook]
    if unknown:
        raise DataError(f"Item(s) {', '.join(map(repr, unknown))} are not in the {codebook.round} codebook.")
    missing_cols = [i for i in items if i not in data.columns]
    if missing_cols:
        raise DataError(f"Item(s) {', '.join(map(repr, missing_cols))} are not columns of the data.")
    unscored = [i for i in items if codebook.item(i).scale is None or not codebook.item(i).scale.scores()]
    if unscored:
        raise DataError(f"Item(s) {', '.join(map(repr, unscored))} have no scale with scores in the codebook.")
    return items


def _item_scores(col: pd.Series, item_id: str, codebook: Codebook) -> np.ndarray:
    """The codebook scores of one item's answers (NaN: no answer or a non-substantive one)."""
    try:
        return to_scores(col, item_scale(codebook, item_id), item_id)
    except SamanalyseError as exc:
        raise DataError(str(exc)) from None


def priority_scores(
    data: pd.DataFrame,
    *,
    codebook: Codebook,
    items: Sequence[str] | None = None,
    aggregate: Aggregate | None = "mean",
    min_answered: int = 1,
) -> pd.DataFrame:
    """Priority scores per respondent from the codebook's scale scores.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent: column ``respondent`` (kept if present) and one
        column per item id holding the answer labels (Categorical or str; codes
        are accepted too). NA = no answer.
    codebook : Codebook
        Gives each item's scale (scores: Høy prioritet = 2, Middels = 1,
        Ikke = 0; *Vet ikke/ikke aktuelt* has no score and counts as missing)
        and its ``virkemiddel``.
    items : sequence of str, optional
        Item ids to score; default every scored item with a ``virkemiddel``
        that is a column of ``data`` (one per virkemiddel and challenge).
    aggregate : {"mean", "round", "sum"} or None
        ``None``: one column per item (0/1/2). Otherwise one column per
        virkemiddel, named by the codebook's ``virkemiddel``:
        ``"mean"`` = mean over the challenges the respondent answered;
        ``"round"`` = that mean rounded half up to 0/1/2;
        ``"sum"`` = sum over the challenges, NA unless all were answered.
    min_answered : int
        ``"mean"``/``"round"``: fewest answered challenges for a score (else NA).

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``; ``respondent`` first (if in ``data``), then the
        score columns (float, NaN = missing), in codebook order.

    Raises
    ------
    DataError
        If an item is not in the codebook or the data, or a column holds a
        label that is not on the item's scale.
    """
    check_type("data", data, pd.DataFrame, "a pandas DataFrame")
    check_type("codebook", codebook, Codebook, "a samanalyse Codebook")
    check_choice("aggregate", aggregate, ["mean", "round", "sum", None])
    min_answered = check_int("min_answered", min_answered, 1)
    ids = priority_items(data, codebook, items)
    scores = {i: _item_scores(data[i], i, codebook) for i in ids}
    out = pd.DataFrame(index=data.index)
    if "respondent" in data.columns:
        out["respondent"] = data["respondent"].to_numpy()
    if aggregate is None:
        for i in ids:
            out[i] = scores[i]
        return out
    groups: dict[str, list[str]] = {}
    for i in ids:
        v = codebook.item(i).virkemiddel
        if not v:
            raise DataError(f"Item {i!r} has no virkemiddel in the codebook, so it cannot be aggregated.")
        groups.setdefault(v, []).append(i)
    for v, members in groups.items():
        m = np.column_stack([scores[i] for i in members])
        answered = np.sum(~np.isnan(m), axis=1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(m, axis=1)
        if aggregate == "sum":
            val = np.where(answered == len(members), np.nansum(m, axis=1), np.nan)
        else:
            val = np.where(answered >= min_answered, mean, np.nan)
            if aggregate == "round":
                val = np.floor(val + 0.5 + 1e-9)
        out[v] = val
    return out
