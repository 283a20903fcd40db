"""Nonresponse against the frame: who answered, by RHF, size class, centrality and fylke from the register.

Frame units come from :meth:`Round.frame_units`, respondents from :meth:`Round.respondents`.
Respondents that are not in the frame (e.g. a unit the register does not count as a kommune)
are counted apart (``outside_frame`` in :func:`response_by`'s ``attrs``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from samanalyse.analysis.weights import frame_groups
from samanalyse.errors import ArgumentError
from samanalyse.io.datasets import round_respondents
from samanalyse.survey.rounds import Round

__all__ = ["NONRESPONSE_BY", "RESPONSE_COLUMNS", "TEST_COLUMNS", "PropensityResult", "response_by",
           "response_tests", "response_propensity", "frame_response"]

#: Register columns response is compared by, per kind of respondent (those present are used).
NONRESPONSE_BY: dict[str, tuple[str, ...]] = {"kommune": ("rhf", "size_class", "sentralitet", "fylke"),
                                              "person": ("rhf", "size_class", "sentralitet", "fylke"),
                                              "helseforetak": ("rhf",)}
RESPONSE_COLUMNS = ["form", "by", "group", "frame_size", "respondents", "response_rate"]
TEST_COLUMNS = ["form", "by", "groups", "chi2", "df", "p_value", "min_expected"]


def _by(rnd: Round, form: str, by: Sequence[str] | None) -> list[str]:
    if by is not None:
        return list(by)
    units = rnd.frame_units(form)
    kind = rnd.codebook.forms[form].respondent
    return [b for b in NONRESPONSE_BY.get(kind, ("rhf",)) if b == "size_class" or b in units.columns]


def frame_response(rnd: Round, form: str, by: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per frame unit of ``form``: its groups of ``by``, ``frame_size`` and ``respondents``; index: the unit id.

    For a kommune or helseforetak form ``frame_size`` is 1 and ``respondents`` (also ``responded``) 0/1; for a
    person form the unit is the kommune, ``frame_size`` its persons in the frame and ``respondents`` the persons
    who answered there. ``attrs["outside_frame"]``: respondents (or, for persons, their kommuner) not in the frame.
    """
    units = rnd.frame_units(form)
    cols = {b: frame_groups(rnd, form, b) for b in _by(rnd, form, by)}
    out = pd.DataFrame(cols, index=units.index)
    who = round_respondents(rnd, form)
    unit_ids = pd.Index(units.index.astype(str))
    if rnd.codebook.forms[form].respondent == "person":
        counts = who["kommune"].astype(str).value_counts()
        out["frame_size"] = units["frame_size"].to_numpy(int)
        out["respondents"] = counts.reindex(unit_ids, fill_value=0).to_numpy(int)
        outside = counts.index.difference(unit_ids)
        out.attrs["outside_frame"] = [f"{k} ({int(counts[k])})" for k in sorted(outside)]
        return out
    ids = pd.Index(who["respondent"].astype(str).unique())
    out["frame_size"] = 1
    out["respondents"] = unit_ids.isin(ids).astype(int)
    out["responded"] = out["respondents"]
    out.attrs["outside_frame"] = sorted(ids.difference(unit_ids))
    return out


_COUNTS = ("frame_size", "respondents", "responded")


def _groupings(fr: pd.DataFrame) -> list[str]:
    return [c for c in fr.columns if c not in _COUNTS]


def response_by(rnd: Round, form: str, by: Sequence[str] | None = None,
                frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Response per group of each ``by`` (default :data:`NONRESPONSE_BY`): frame size, respondents, rate (%).

    ``frame``: :func:`frame_response` already computed (it is then not read again). For a person form the
    frame size and respondents are persons.

    Returns
    -------
    DataFrame
        :data:`RESPONSE_COLUMNS`; the respondents counted are those in the frame.
    """
    fr = frame_response(rnd, form, by) if frame is None else frame
    rows = []
    for b in _groupings(fr):
        g = fr.groupby(b, sort=True)[["frame_size", "respondents"]].sum()
        for group, r in g.iterrows():
            rows.append({"form": form, "by": b, "group": str(group), "frame_size": int(r["frame_size"]),
                         "respondents": int(r["respondents"]),
                         "response_rate": 100.0 * r["respondents"] / r["frame_size"]})
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    out.attrs["outside_frame"] = fr.attrs["outside_frame"]
    return out


def response_tests(rnd: Round, form: str, by: Sequence[str] | None = None,
                   frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pearson chi-square test of response against each ``by`` over the frame (R ``chisq.test(correct=FALSE)``).

    The table is respondents and nonrespondents (units, or persons of a person form) per group.

    Returns
    -------
    DataFrame
        :data:`TEST_COLUMNS`; ``min_expected`` warns of small expected counts (< 5).
    """
    fr = frame_response(rnd, form, by) if frame is None else frame
    rows = []
    for b in _groupings(fr):
        g = fr.groupby(b, sort=True)[["frame_size", "respondents"]].sum()
        tab = np.column_stack([g["frame_size"] - g["respondents"], g["respondents"]]).astype(float)
        if len(tab) < 2 or (tab.sum(axis=0) == 0).any():
            continue
        chi2, p, dof, exp = sps.chi2_contingency(tab, correction=False)
        rows.append({"form": form, "by": b, "groups": len(tab), "chi2": float(chi2), "df": int(dof),
                     "p_value": float(p), "min_expected": float(exp.min())})
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


@dataclass(frozen=True)
class PropensityResult:
    """A logistic response-propensity model over the frame (statsmodels GLM, binomial, logit link).

    Attributes
    ----------
    coefficients : DataFrame
        ``term, coef, se, z, p_value, odds_ratio``.
    propensity : Series
        Fitted response probability of every frame unit.
    n, respondents : int
        Frame units and respondents among them.
    pseudo_r2 : float
        McFadden's pseudo R².
    auc : float
        Area under the ROC curve of the fitted propensities (0.5 = no information).
    """

    coefficients: pd.DataFrame
    propensity: pd.Series
    n: int
    respondents: int
    pseudo_r2: float
    auc: float

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()


def response_propensity(rnd: Round, form: str, by: Sequence[str] | None = None,
                        frame: pd.DataFrame | None = None) -> PropensityResult:
    """Fit ``logit P(responded) ~ by`` over the frame units of ``form`` (R ``glm(family=binomial)``).

    Categorical predictors use treatment coding with the first group (sorted) as reference, as R. Default ``by``:
    RHF, size class and centrality (fylke is left out of the model: it nests in RHF). For a person form the model
    is over the persons of the frame, fitted on counts per kommune (respondents and nonrespondents with frequency
    weights: the same estimates as one row per person); ``propensity`` is then per kommune.
    """
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM   # not statsmodels.api: 0.7 s less to import

    if by is None:
        by = [b for b in _by(rnd, form, None) if b != "fylke"]
    fr = frame_response(rnd, form, by) if frame is None else frame[[*by, "frame_size", "respondents"]]
    total, yes = int(fr["frame_size"].sum()), int(fr["respondents"].sum())
    if yes in (0, total):
        raise ArgumentError(f"form {form!r}: every frame unit answered (or none did); there is no model to fit")
    parts = []
    for b in by:
        levels = sorted(fr[b].unique(), key=str)[1:]
        parts += [pd.Series((fr[b] == lv).astype(float), index=fr.index, name=f"{b}={lv}") for lv in levels]
    x = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=fr.index)
    x.insert(0, "const", 1.0)
    no = (fr["frame_size"] - fr["respondents"]).to_numpy(float)
    if (fr["frame_size"] == 1).all():   # one row per unit, 0/1
        y, xx, freq = fr["respondents"].to_numpy(float), x, None
    else:                               # persons: respondents and nonrespondents of each kommune
        xx = pd.concat([x, x], ignore_index=True)
        y = np.r_[np.ones(len(fr)), np.zeros(len(fr))]
        freq = np.r_[fr["respondents"].to_numpy(float), no]
        xx, y, freq = xx[freq > 0].reset_index(drop=True), y[freq > 0], freq[freq > 0]
    fit = GLM(y, xx, family=families.Binomial(), freq_weights=freq).fit()
    coef = pd.DataFrame({"term": x.columns, "coef": np.asarray(fit.params), "se": np.asarray(fit.bse),
                         "z": np.asarray(fit.tvalues), "p_value": np.asarray(fit.pvalues)})
    coef["odds_ratio"] = np.exp(coef["coef"])
    null = GLM(y, np.ones((len(y), 1)), family=families.Binomial(), freq_weights=freq).fit()
    prop = pd.Series(np.asarray(fit.predict(x)), index=fr.index, name="propensity")
    auc = _auc(y, prop.to_numpy()) if freq is None else _auc_grouped(prop.to_numpy(), fr["respondents"].to_numpy(float), no)
    return PropensityResult(coef, prop, total, yes, float(1 - fit.llf / null.llf), auc)


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    ranks = sps.rankdata(p)
    n1 = y.sum()
    n0 = len(y) - n1
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else np.nan


def _auc_grouped(p: np.ndarray, yes: np.ndarray, no: np.ndarray) -> float:
    """AUC of propensities ``p`` with ``yes`` respondents and ``no`` nonrespondents at each (ties count half)."""
    order = np.argsort(p, kind="stable")
    p, yes, no = p[order], yes[order], no[order]
    _, start = np.unique(p, return_index=True)
    y_t, n_t = np.add.reduceat(yes, start), np.add.reduceat(no, start)
    n1, n0 = yes.sum(), no.sum()
    if not n1 or not n0:
        return np.nan
    below = np.cumsum(n_t) - n_t
    return float((y_t * (below + 0.5 * n_t)).sum() / (n1 * n0))
