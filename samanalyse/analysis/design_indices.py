"""Index means and class shares, unweighted beside weighted (design-based), overall and by group.

For each codebook index (:func:`samanalyse.analysis.indices.index_scores`) and each grouping: the
unweighted mean score and share of each class among the respondents with a score, and, when the
round is weighted, the weighted mean (R ``svymean``) and weighted class shares (R ``svyciprop``,
logit) with design-based SE, design effect and 95 % interval, each group a domain of the form's
design (as R ``svyby(~score, ~group, subset(design, !is.na(score)), svymean, deff = TRUE)``).

Columns: :data:`INDEX_ESTIMATE_COLUMNS`; shares in percent, means on the index's score scale.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from samanalyse.analysis.indices import index_scores
from samanalyse.analysis.tables import TOTAL, _levels
from samanalyse.analysis.weighted import METHOD, FormDesigns
from samanalyse.stats.design import Design, design_mean, design_share
from samanalyse.survey.codebook import Codebook

__all__ = ["INDEX_ESTIMATE_COLUMNS", "index_estimates"]

#: Columns of :func:`index_estimates`.
INDEX_ESTIMATE_COLUMNS = ["index", "by", "group", "statistic", "n", "unweighted", "weighted", "weighted_se", "deff",
                          "weighted_ci_low", "weighted_ci_high"]


def _weighted(design: Design, score: np.ndarray, classes: dict[str, np.ndarray], inset: np.ndarray
              ) -> dict[str, dict[str, float]]:
    """Weighted mean of ``score`` and share of each class in the domain ``inset``; keyed by statistic."""
    frame = pd.DataFrame({"_score": np.nan_to_num(score), **{f"_c{i}": v.astype(float) for i, v in
                                                            enumerate(classes.values())},
                          "_in": np.where(inset, "1", "0")})
    d = replace(design, data=frame)
    mean = design_mean(d, "_score", by="_in")
    out = {"mean": mean[mean["domain"] == "1"].iloc[0].to_dict()}
    shares = design_share(d, [f"_c{i}" for i in range(len(classes))], by="_in", method=METHOD)
    shares = shares[shares["domain"] == "1"].set_index("variable")
    for i, label in enumerate(classes):
        r = shares.loc[f"_c{i}"].to_dict()
        out[label] = {k: (100 * v if k in ("estimate", "se", "ci_lower", "ci_upper") else v) for k, v in r.items()}
    return out


def index_estimates(data: pd.DataFrame, indices: Sequence[str], *, codebook: Codebook, form: str,
                    by: Sequence[str] = (), designs: FormDesigns | None = None) -> pd.DataFrame:
    """Mean score and class shares of each index, overall and by each column of ``by``; weighted when given.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data (``form``, ``respondent``, the indices' items, the ``by`` columns).
    indices : sequence of str
        Index names in ``codebook.indices``.
    codebook : Codebook
        The round's codebook.
    form : str
        The form whose respondents are described.
    by : sequence of str
        Grouping columns (e.g. ``rhf``, ``size_class``); the total (``Samlet``) always comes first.
    designs : FormDesigns, optional
        The round's weighted designs; without them (or for a form without weights) the weighted
        columns are NaN.

    Returns
    -------
    pandas.DataFrame
        :data:`INDEX_ESTIMATE_COLUMNS`, one row per index, grouping, group and statistic (``mean`` or
        a class label). ``n``: respondents of the group with a score.
    """
    weighted = designs is not None and form in designs.forms()
    d = designs.data(form) if weighted else data[data["form"] == form].reset_index(drop=True)
    design = designs.design(form, pd.DataFrame(index=d.index)) if weighted else None
    rows = []
    for name in indices:
        sc = index_scores(d, name, codebook=codebook)
        score = sc["score"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        cls = sc["class"].astype(object).to_numpy()
        has = ~np.isnan(score)
        classes = {str(c): (cls == c) for c in codebook.indices[name].cut_labels()}
        groups = [("", TOTAL, np.ones(len(d), bool))]
        groups += [(b, str(g), (d[b] == g).to_numpy()) for b in by if b in d and d[b].notna().any()
                   for g in _levels(d[b])]
        for b, g, mask in groups:
            inset = mask & has
            n = int(inset.sum())
            est = _weighted(design, score, classes, inset) if design is not None and n > 0 else {}
            stats = [("mean", float(score[inset].mean()) if n else np.nan)]
            stats += [(label, 100 * float(v[inset].mean()) if n else np.nan) for label, v in classes.items()]
            for stat, unweighted in stats:
                e = est.get(stat, {})
                rows.append({"index": name, "by": b, "group": g, "statistic": stat, "n": n, "unweighted": unweighted,
                             "weighted": e.get("estimate", np.nan), "weighted_se": e.get("se", np.nan),
                             "deff": e.get("deff", np.nan), "weighted_ci_low": e.get("ci_lower", np.nan),
                             "weighted_ci_high": e.get("ci_upper", np.nan)})
    out = pd.DataFrame(rows, columns=INDEX_ESTIMATE_COLUMNS)
    return out.replace([np.inf, -np.inf], np.nan)
