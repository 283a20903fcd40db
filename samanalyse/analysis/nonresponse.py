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
    """One row per frame unit of ``form``: its groups of ``by`` and ``responded`` (0/1); index: the unit id."""
    units = rnd.frame_units(form)
    cols = {b: frame_groups(rnd, form, b) for b in _by(rnd, form, by)}
    out = pd.DataFrame(cols, index=units.index)
    ids = set(round_respondents(rnd, form)["respondent"].astype(str))
    out["responded"] = [int(str(i) in ids) for i in units.index]
    out.attrs["outside_frame"] = sorted(ids - {str(i) for i in units.index})
    return out


def response_by(rnd: Round, form: str, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Response per group of each ``by`` (default :data:`NONRESPONSE_BY`): frame size, respondents, rate (%).

    Returns
    -------
    DataFrame
        :data:`RESPONSE_COLUMNS`; the respondents counted are those in the frame.
    """
    fr = frame_response(rnd, form, by)
    rows = []
    for b in [c for c in fr.columns if c != "responded"]:
        g = fr.groupby(b, sort=True)["responded"].agg(["size", "sum"])
        for group, r in g.iterrows():
            rows.append({"form": form, "by": b, "group": str(group), "frame_size": int(r["size"]),
                         "respondents": int(r["sum"]), "response_rate": 100.0 * r["sum"] / r["size"]})
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    out.attrs["outside_frame"] = fr.attrs["outside_frame"]
    return out


def response_tests(rnd: Round, form: str, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Pearson chi-square test of response against each ``by`` over the frame (R ``chisq.test(correct=FALSE)``).

    Returns
    -------
    DataFrame
        :data:`TEST_COLUMNS`; ``min_expected`` warns of small expected counts (< 5).
    """
    fr = frame_response(rnd, form, by)
    rows = []
    for b in [c for c in fr.columns if c != "responded"]:
        tab = pd.crosstab(fr[b], fr["responded"]).reindex(columns=[0, 1], fill_value=0)
        if len(tab) < 2 or (tab.sum(axis=0) == 0).any():
            continue
        chi2, p, dof, exp = sps.chi2_contingency(tab.to_numpy(), correction=False)
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


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    ranks = sps.rankdata(p)
    n1 = y.sum()
    n0 = len(y) - n1
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else np.nan


def response_propensity(rnd: Round, form: str, by: Sequence[str] | None = None) -> PropensityResult:
    """Fit ``logit P(responded) ~ by`` over the frame units of ``form`` (R ``glm(family=binomial)``).

    Categorical predictors use treatment coding with the first group (sorted) as reference, as R. Default ``by``:
    RHF, size class and centrality (fylke is left out of the model: it nests in RHF).
    """
    import statsmodels.api as sm

    if by is None:
        by = [b for b in _by(rnd, form, None) if b != "fylke"]
    fr = frame_response(rnd, form, by)
    if fr["responded"].nunique() < 2:
        raise ArgumentError(f"form {form!r}: every frame unit answered (or none did); there is no model to fit")
    parts = []
    for b in by:
        levels = sorted(fr[b].unique(), key=str)[1:]
        parts += [pd.Series((fr[b] == lv).astype(float), index=fr.index, name=f"{b}={lv}") for lv in levels]
    x = sm.add_constant(pd.concat(parts, axis=1) if parts else pd.DataFrame(index=fr.index), has_constant="add")
    y = fr["responded"].astype(float)
    fit = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    coef = pd.DataFrame({"term": x.columns, "coef": fit.params.to_numpy(), "se": fit.bse.to_numpy(),
                         "z": fit.tvalues.to_numpy(), "p_value": fit.pvalues.to_numpy()})
    coef["odds_ratio"] = np.exp(coef["coef"])
    null = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial()).fit()
    prop = pd.Series(fit.fittedvalues.to_numpy(), index=fr.index, name="propensity")
    return PropensityResult(coef, prop, len(fr), int(y.sum()), float(1 - fit.llf / null.llf),
                            _auc(y.to_numpy(), prop.to_numpy()))
