"""Does a background variable go with preferring a cluster? The plan's expected finding, tested.

The plan (``priorities.preference``) names a background variable (``by``), a
cluster and the expected direction: with more of the variable's concept
(``plan.background_of(by).concept``, e.g. "sentral"), the cluster is preferred
more (or less) often. The variable's scale may run either way
(``higher_is_more``): effects are reported per step towards *more* of the
concept, so a register where 1 = most central gives the same verdict as one
where the highest value is most central.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from samanalyse.analysis.priorities.preferences import (
    CrossTab,
    Preferences,
    join_background,
    preference_crosstab,
    preference_model,
)
from samanalyse.errors import ArgumentError
from samanalyse.stats.factor.checks import check_choice, check_fraction, check_type

__all__ = ["PreferenceFinding", "preference_by"]


@dataclass(frozen=True)
class PreferenceFinding:
    """The test of the plan's expected finding about who prefers ``cluster``.

    Attributes
    ----------
    test : pandas.DataFrame
        One row, fixed columns ``term, coef, se, z, p_value, odds_ratio,
        or_ci_low, or_ci_high, n, n_<reference>, n_<cluster>``: logistic
        regression of preferring ``cluster`` (vs ``reference``) on ``by`` as a
        number. ``coef``, ``z`` and the odds ratio with its interval are per
        step towards **more** of the concept (sign flipped when
        ``higher_is_more`` is False).
    means : pandas.DataFrame
        Fixed columns ``preference, n, mean_<by>`` (on the variable's own scale).
    crosstab : CrossTab
        Preference by ``by`` with Pearson's chi-square.
    by, cluster, reference, concept : str
    expected : {"more", "less"}
        More of the concept goes with preferring ``cluster`` more (or less) often.
    higher_is_more : bool
        Direction of the variable's scale.
    alpha : float
        Significance level of the verdict.
    as_expected : bool
        True if the oriented odds ratio points the expected way and p < alpha.
    """

    test: pd.DataFrame
    means: pd.DataFrame
    crosstab: CrossTab
    by: str
    cluster: str
    reference: str
    concept: str
    expected: Literal["more", "less"]
    higher_is_more: bool
    alpha: float
    as_expected: bool

    def to_frame(self) -> pd.DataFrame:
        """The one-row test table (see :attr:`test`)."""
        return self.test.copy()

    def summary(self) -> str:
        """Text summary."""
        t = self.test.iloc[0]
        concept = self.concept or self.by
        verdict = "as expected" if self.as_expected else "not as expected"
        return "\n".join([
            f"Preferring {self.cluster} (vs {self.reference}) by {self.by} "
            f"(per step towards more '{concept}'):",
            self.means.round(3).to_string(index=False),
            f"logit P({self.cluster}): {self.by} coef = {t.coef:.3f} (OR {t.odds_ratio:.2f}, 95 % CI "
            f"{t.or_ci_low:.2f}-{t.or_ci_high:.2f}), p = {t.p_value:.4g}, n = {t.n}",
            self.crosstab.summary(),
            f"Expected: more '{concept}' -> {self.cluster} {self.expected} often; the result is {verdict} "
            f"(alpha = {self.alpha}).",
        ])


def _orient(row: pd.DataFrame, sign: int) -> pd.DataFrame:
    """Coefficient, z and odds ratio per step towards more of the concept (unchanged for sign +1)."""
    if sign > 0:
        return row
    out = row.copy()
    out["coef"] = -row["coef"]
    out["z"] = -row["z"]
    out["odds_ratio"] = np.exp(-row["coef"])
    out["or_ci_low"] = 1.0 / row["or_ci_high"]
    out["or_ci_high"] = 1.0 / row["or_ci_low"]
    return out


def preference_by(
    preferences: Preferences,
    background: pd.DataFrame,
    *,
    by: str,
    cluster: str,
    expected: Literal["more", "less"],
    higher_is_more: bool,
    concept: str = "",
    alpha: float,
) -> PreferenceFinding:
    """Is preferring ``cluster`` related to the background variable ``by``, in the expected direction?

    Logistic regression of ``cluster`` (1) vs the other cluster of
    ``preferences`` (0) on ``by`` as a number (``glm(family = binomial)``),
    mean of ``by`` per preference group, and the preference x ``by``
    cross-table with Pearson's chi-square. Respondents with preference
    ``"neither"`` or NA, and without a value of ``by``, are left out.

    Parameters
    ----------
    preferences : Preferences
        Must compare ``cluster`` with one other cluster.
    background : pandas.DataFrame
        With columns ``respondent`` and ``by``.
    by : str
        Background column (the plan's ``priorities.preference.by``).
    cluster : str
        The cluster whose preference is modelled.
    expected : {"more", "less"}
        Expected direction for more of the concept.
    higher_is_more : bool
        Whether a higher value of ``by`` means more of the concept
        (``plan.background_of(by).higher_is_more``).
    concept : str
        The concept's name, for the summary.
    alpha : float
        Significance level (the plan's ``settings.alpha``).

    Returns
    -------
    PreferenceFinding
    """
    check_type("preferences", preferences, Preferences, "a Preferences object")
    check_choice("expected", expected, ["more", "less"])
    alpha = check_fraction("alpha", alpha)
    if cluster not in preferences.clusters:
        raise ArgumentError(f"cluster must be one of the compared clusters {preferences.clusters}; got {cluster!r}.")
    reference = next(c for c in preferences.clusters if c != cluster)
    prefs = preferences if preferences.clusters[1] == cluster else Preferences(
        preferences.frame, preferences.band, (reference, cluster))
    model = preference_model(prefs, background, by=[by])
    row = model.coefficients[model.coefficients["term"] == by].copy()
    row = _orient(row, 1 if higher_is_more else -1)
    row["n"] = model.n
    row[f"n_{reference}"] = model.n - model.n_target
    row[f"n_{cluster}"] = model.n_target
    d = join_background(prefs, background, [by])
    d = d[d["preference"].isin([reference, cluster])].dropna(subset=[by])
    means = (d.assign(s=d[by].astype(float)).groupby(d["preference"].astype(str))["s"]
             .agg(["size", "mean"]).reset_index())
    means.columns = ["preference", "n", f"mean_{by}"]
    ct = preference_crosstab(prefs, background, by=by)
    coef, p = float(row["coef"].iloc[0]), float(row["p_value"].iloc[0])
    ok = bool((coef > 0 if expected == "more" else coef < 0) and p < alpha)
    return PreferenceFinding(row.reset_index(drop=True), means, ct, by, cluster, reference, concept, expected,
                             bool(higher_is_more), alpha, ok)
