"""Answers as the codebook reads them: labels -> codes -> scores and collapses, in one place.

Every analysis that turns a column of answers into numbers goes through these
functions, so a label, an alias, an integer code and a blank are read the same
way everywhere. A value that is not on the item's scale is an error naming the
column, the values and the scale's labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, SamanalyseError
from samanalyse.survey.codebook import Codebook, Scale

__all__ = ["item_scale", "to_codes", "to_scores", "collapse_values"]


def item_scale(codebook: Codebook | None, item: str) -> Scale:
    """The scale of ``item`` in ``codebook``; an error if there is no codebook, no such item or no scale."""
    if codebook is None:
        raise ArgumentError(f"A codebook is needed to interpret item {item!r}; pass codebook=load_codebook(...).")
    if item not in codebook:
        raise SamanalyseError(f"Item {item!r} is not in the {codebook.round} codebook.")
    scale = codebook.item(item).scale
    if scale is None:
        raise SamanalyseError(f"Item {item!r} is free text and has no scale.")
    return scale


def to_codes(values: pd.Series, scale: Scale, item: str = "") -> pd.Series:
    """Map a column of labels (or integer codes) to the scale's codes (``Int64``, blanks stay NA).

    Labels match exactly, then ignoring case and white space, then by alias
    (:meth:`Scale.code_of`); integers that are codes of the scale are kept.
    """
    idx, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    codes = set(scale.codes())
    mapped = np.empty(len(uniques), dtype=np.int64)
    bad = []
    for k, u in enumerate(uniques):
        if isinstance(u, (int, np.integer)) and not isinstance(u, bool) and int(u) in codes:
            mapped[k] = int(u)
            continue
        try:
            mapped[k] = scale.code_of(str(u))
        except KeyError:
            bad.append(u)
    if bad:
        raise SamanalyseError(
            f"Column {item!r} has value(s) {', '.join(map(repr, bad))} that are not labels of scale "
            f"{scale.name!r}; labels are {scale.labels()}."
        )
    data = np.where(idx >= 0, mapped[np.maximum(idx, 0)] if len(mapped) else 0, 0)
    return pd.Series(pd.arrays.IntegerArray(data.astype(np.int64), idx < 0), index=values.index, name=values.name)


def to_scores(values: pd.Series, scale: Scale, item: str = "") -> np.ndarray:
    """The codebook score of each answer (float); NaN for blanks and non-substantive answers (Vet ikke).

    Raises
    ------
    SamanalyseError
        If the scale has no scores, or a value is not on the scale.
    """
    table = {c.code: float(c.score) for c in scale.categories if c.score is not None and c.substantive}
    if not table:
        raise SamanalyseError(
            f"Scale {scale.name!r} of item {item!r} has no scores; use scoring='index' with an index's score_codes."
        )
    c = to_codes(values, scale, item).to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(c), np.nan)
    for code, score in table.items():
        out[c == code] = score
    return out


def collapse_values(values: pd.Series, scale: Scale, collapse: str, item: str = "") -> pd.Series:
    """Collapse a label column with a codebook collapse rule (a Categorical of the group labels)."""
    try:
        rule = scale.collapse(collapse)
    except KeyError as e:
        raise SamanalyseError(str(e.args[0])) from None
    codes = to_codes(values, scale, item)
    mapping = rule.mapping()
    unmapped = sorted({int(c) for c in codes.dropna() if int(c) not in mapping})
    if unmapped:
        raise SamanalyseError(
            f"Collapse {collapse!r} of scale {scale.name!r} does not cover code(s) {unmapped} found in {item!r}."
        )
    labels = codes.astype(object).map(lambda c: mapping[int(c)] if pd.notna(c) else np.nan)
    return pd.Series(pd.Categorical(labels, categories=rule.labels()), index=values.index, name=values.name)
