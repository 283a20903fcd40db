"""Which cluster of virkemidler each respondent prefers, and who prefers which.

:func:`respondent_preferences` compares each respondent's factor scores on two
clusters; :func:`preference_model` (logistic regression) and
:func:`preference_crosstab` (chi-square) relate the preference to background
variables of the respondents.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from samanalyse.analysis.priorities.clusters import ClusterResult
from samanalyse.errors import (
    ArgumentError,
    ConvergenceWarning,
    DataError,
    SmallCellWarning,
)
from samanalyse.stats.factor.checks import check_fraction, check_type
from samanalyse.stats.factor.efa import factor_scores

__all__ = [
    "Preferences",
    "respondent_preferences",
    "join_background",
    "PreferenceModel",
    "preference_model",
    "CrossTab",
    "preference_crosstab",
]


@dataclass(frozen=True)
class Preferences:
    """Each respondent's preferred cluster.

    Rule: regression factor scores (:func:`~samanalyse.stats.factor.efa.factor_scores`)
    of the two clusters' factors, ``clusters = (R, T)``;
    ``difference = score_T - score_R``; preference ``T`` if
    ``difference > band``, ``R`` if ``difference < -band``, otherwise
    ``"neither"`` (also exact ties); NA when the respondent answered fewer
    than ``min_items`` items.

    Attributes
    ----------
    frame : pandas.DataFrame
        Fixed columns ``respondent, score_<R>, score_<T>, difference,
        preference`` (preference: Categorical ``R``, ``T``, ``neither``).
    band : float
    clusters : tuple of str
        The two clusters compared (first = reference R, second = target T).
    """

    frame: pd.DataFrame
    band: float
    clusters: tuple[str, str]

    def counts(self) -> pd.Series:
        """Number of respondents per preference (NA included)."""
        return self.frame["preference"].value_counts(dropna=False).sort_index()

    def summary(self) -> str:
        """Text summary."""
        c = self.counts()
        ref, target = self.clusters
        return (f"Preferred cluster ({target} - {ref} factor score difference, band ±{self.band}):\n"
                + "\n".join(f"  {k}: {v}" for k, v in c.items()))


def respondent_preferences(
    clusters: ClusterResult,
    data: pd.DataFrame | None = None,
    *,
    compare: tuple[str, str] | None = None,
    band: float = 0.0,
    min_items: int | None = None,
) -> Preferences:
    """Preferred cluster of each respondent from regression factor scores (``psych::factor.scores``, Thurstone).

    Parameters
    ----------
    clusters : ClusterResult
        Must contain both clusters of ``compare``.
    data : pandas.DataFrame, optional
        Item scores; default the data the factor analysis used.
    compare : (str, str), optional
        (reference, target): the difference is target - reference. Default:
        the first two clusters of the plan (``clusters.names``).
    band : float
        Half-width of the "neither" band around 0 (factor-score units).
    min_items : int, optional
        See :func:`~samanalyse.stats.factor.efa.factor_scores`.

    Returns
    -------
    Preferences
    """
    check_type("clusters", clusters, ClusterResult, "a ClusterResult")
    band = check_fraction("band", band, 0.0, 10.0)
    if compare is None:
        if len(clusters.names) < 2:
            raise ArgumentError(f"compare must name two clusters; the plan names {list(clusters.names)}.")
        compare = (clusters.names[0], clusters.names[1])
    if not (isinstance(compare, tuple) and len(compare) == 2 and compare[0] != compare[1]):
        raise ArgumentError(f"compare must be two different cluster names (reference, target); got {compare!r}.")
    ref, target = compare
    f_of = {c: f for f, c in clusters.factor_clusters.items()}
    missing = [c for c in compare if c not in f_of]
    if missing:
        raise DataError(
            f"The factor solution has no cluster {' or '.join(missing)} (factors are named "
            f"{clusters.factor_clusters}); preferences compare clusters {ref} and {target}."
        )
    sc = factor_scores(clusters.fit, data, min_items=min_items)
    a = sc[f_of[ref]].to_numpy(float)
    b = sc[f_of[target]].to_numpy(float)
    d = b - a
    pref = np.where(np.isnan(d), None, np.where(d > band, target, np.where(d < -band, ref, "neither")))
    out = pd.DataFrame(index=sc.index)
    out["respondent"] = sc["respondent"].to_numpy() if "respondent" in sc.columns else sc.index.to_numpy()
    out[f"score_{ref}"] = a
    out[f"score_{target}"] = b
    out["difference"] = d
    out["preference"] = pd.Categorical(pref, categories=[ref, target, "neither"])
    return Preferences(out, band, (ref, target))


def join_background(prefs: Preferences, background: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The preferences with the ``columns`` of ``background`` joined on ``respondent`` (one row each)."""
    check_type("preferences", prefs, Preferences, "a Preferences object")
    if not isinstance(background, pd.DataFrame) or "respondent" not in background.columns:
        raise DataError("background must be a DataFrame with a 'respondent' column (samanalyse.respondents()).")
    miss = [c for c in columns if c not in background.columns]
    if miss:
        raise DataError(f"background has no column(s) {', '.join(map(repr, miss))}; it has "
                        f"{', '.join(map(str, background.columns))}.")
    bg = background[["respondent", *columns]].copy()
    bg["respondent"] = bg["respondent"].astype(str)
    if bg["respondent"].duplicated().any():
        dups = bg.loc[bg["respondent"].duplicated(), "respondent"].unique()[:5]
        raise DataError(f"background lists respondent(s) {', '.join(map(repr, dups))} more than once.")
    pf = prefs.frame.copy()
    pf["respondent"] = pf["respondent"].astype(str)
    out = pf.merge(bg, on="respondent", how="left", validate="one_to_one")
    if not pf["respondent"].isin(bg["respondent"]).any():
        raise DataError("No respondent of the preferences is in background (compare the 'respondent' columns).")
    return out


@dataclass(frozen=True)
class PreferenceModel:
    """Logistic regression of preferring one cluster (``target``) rather than the other (``reference``).

    Attributes
    ----------
    coefficients : pandas.DataFrame
        Fixed columns ``term, coef, se, z, p_value, odds_ratio, or_ci_low,
        or_ci_high`` (Wald, 95 %).
    n, n_target : int
        Respondents in the model and those preferring ``target``.
    formula : str
        Human-readable model.
    converged : bool
    llf, pseudo_r2 : float
        Log-likelihood and McFadden's pseudo R².
    reference, target : str
        The clusters compared (the model is of preferring ``target``).
    """

    coefficients: pd.DataFrame
    n: int
    n_target: int
    formula: str
    converged: bool
    llf: float
    pseudo_r2: float
    reference: str
    target: str

    def summary(self) -> str:
        """Text summary."""
        return "\n".join([
            f"Logistic regression: {self.formula} (n = {self.n}, {self.n_target} prefer {self.target}; McFadden R² = "
            f"{self.pseudo_r2:.3f}{'' if self.converged else '; DID NOT CONVERGE'})",
            self.coefficients.round(4).to_string(index=False),
        ])


def _logit(y: np.ndarray, X: pd.DataFrame, formula: str, reference: str, target: str) -> PreferenceModel:
    """``glm(y ~ X, family = binomial)`` with Wald 95 % intervals (statsmodels ``Logit``)."""
    from statsmodels.discrete.discrete_model import Logit   # not statsmodels.api: its whole import is not needed
    from statsmodels.tools.tools import add_constant

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = Logit(y, add_constant(X, has_constant="add")).fit(disp=0, maxiter=200)
    converged = bool(res.mle_retvals.get("converged", True))
    if not converged:
        warnings.warn(f"The logistic regression {formula} did not converge.", ConvergenceWarning, stacklevel=3)
    ci = np.asarray(res.conf_int(0.05))
    coef = pd.DataFrame({
        "term": list(res.params.index),
        "coef": res.params.to_numpy(), "se": res.bse.to_numpy(), "z": res.tvalues.to_numpy(),
        "p_value": res.pvalues.to_numpy(), "odds_ratio": np.exp(res.params.to_numpy()),
        "or_ci_low": np.exp(ci[:, 0]), "or_ci_high": np.exp(ci[:, 1]),
    })
    return PreferenceModel(coef, len(y), int(y.sum()), formula, converged, float(res.llf),
                           float(res.prsquared), reference, target)


def _design(d: pd.DataFrame, by: Sequence[str], log: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """Model matrix: dummies for categorical columns (against the first category present), logs, numbers."""
    X = pd.DataFrame(index=d.index)
    terms = []
    for c in by:
        col = d[c]
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object:
            cats = [v for v in (col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype)
                                else sorted(col.unique())) if (col == v).any()]
            for v in cats[1:]:
                X[f"{c}[{v}]"] = (col == v).astype(float)
            terms.append(f"{c} (ref. {cats[0]})" if cats else c)
        elif c in log:
            X[f"log_{c}"] = np.log(col.astype(float))
            terms.append(f"log({c})")
        else:
            X[c] = col.astype(float)
            terms.append(c)
    return X, terms


def preference_model(
    preferences: Preferences,
    background: pd.DataFrame,
    *,
    by: Sequence[str],
    log: Sequence[str] = (),
) -> PreferenceModel:
    """Logistic regression of preferring the second cluster (1) rather than the first (0), as ``glm(binomial)``.

    ``"neither"`` and missing preferences are left out, as are respondents
    without the background values. A column in ``log`` enters as its
    logarithm (the plan's ``transform: log``); a Categorical or text column
    enters as dummies against its first category present; other columns as
    numbers.

    Parameters
    ----------
    preferences : Preferences
    background : pandas.DataFrame
        :func:`samanalyse.survey.rounds.respondents` (columns ``respondent`` and ``by``).
    by : sequence of str
        Background columns.
    log : sequence of str
        Columns of ``by`` that enter as ``log(column)`` (must be positive).

    Returns
    -------
    PreferenceModel
    """
    by = list(by)
    if not by:
        raise ArgumentError("by must name at least one background column.")
    d = join_background(preferences, background, by)
    ref, target = preferences.clusters
    d = d[d["preference"].isin([ref, target])].copy()
    d = d.dropna(subset=by)
    for c in by:
        if c in log:
            v = d[c].astype(float)
            if (v <= 0).any():
                raise DataError(f"{c} must be positive for the log; got {v[v <= 0].tolist()[:5]}.")
    X, terms = _design(d, by, log)
    y = (d["preference"] == target).astype(float).to_numpy()
    if len(y) < len(X.columns) + 2 or y.sum() == 0 or y.sum() == len(y):
        raise DataError(f"Too few respondents to fit the model: n = {len(y)}, {int(y.sum())} prefer {target}.")
    return _logit(y, X, f"P(prefer {target}) ~ " + " + ".join(terms), ref, target)


@dataclass(frozen=True)
class CrossTab:
    """Preferences by a background variable with Pearson's chi-square test.

    Attributes
    ----------
    counts : pandas.DataFrame
        Rows: values of ``by``; columns: preferences.
    chisq, df, p_value : float
        Pearson's chi-square test of independence (no continuity correction), ``chisq.test(correct = FALSE)``.
    min_expected : float
        Smallest expected count (a :class:`SmallCellWarning` is emitted below 5).
    by : str
    """

    counts: pd.DataFrame
    chisq: float
    df: int
    p_value: float
    min_expected: float
    by: str

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, fixed columns ``<by>, preference, n, share`` (share within the row)."""
        long = self.counts.stack().rename("n").reset_index()
        long.columns = [self.by, "preference", "n"]
        tot = long.groupby(self.by, observed=True)["n"].transform("sum")
        long["share"] = long["n"] / tot
        return long

    def summary(self) -> str:
        """Text summary."""
        return "\n".join([
            f"Preference by {self.by}: chi2({self.df}) = {self.chisq:.3f}, p = {self.p_value:.4g} "
            f"(smallest expected count {self.min_expected:.2f})",
            self.counts.to_string(),
        ])


def preference_crosstab(
    preferences: Preferences,
    background: pd.DataFrame,
    *,
    by: str,
    include_neither: bool = False,
) -> CrossTab:
    """Cross-tabulate preferences by a background column with a chi-square test.

    Parameters
    ----------
    preferences : Preferences
    background : pandas.DataFrame
        With columns ``respondent`` and ``by``.
    by : str
        Background column (e.g. a size class or a centrality class).
    include_neither : bool
        Keep the ``"neither"`` column (default: the two clusters only).

    Returns
    -------
    CrossTab

    Warns
    -----
    SmallCellWarning
        If an expected count is below 5.
    """
    d = join_background(preferences, background, [by]).dropna(subset=[by, "preference"])
    keep = [*preferences.clusters, "neither"] if include_neither else list(preferences.clusters)
    d = d[d["preference"].isin(keep)]
    counts = pd.crosstab(d[by], d["preference"].astype(str)).reindex(columns=keep, fill_value=0)
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        raise DataError(f"The cross-table of preference by {by!r} has fewer than 2 rows or columns:\n{counts}")
    chi2, p, df, expected = stats.chi2_contingency(counts.to_numpy(), correction=False)
    if expected.min() < 5:
        warnings.warn(f"Preference by {by}: smallest expected count {expected.min():.2f} < 5; the chi-square "
                      "test may be unreliable.", SmallCellWarning, stacklevel=2)
    counts.columns.name = "preference"
    return CrossTab(counts, float(chi2), int(df), float(p), float(expected.min()), by)
