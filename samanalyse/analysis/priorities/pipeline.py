"""The factor analysis of the priorities in one call, driven by the round's plan.

:func:`factor_analysis` runs correlations, suitability, parallel analysis, EFA,
clusters and preferences on item scores with explicit arguments;
:func:`analyse_priorities` takes everything from a round's plan
(``priorities:`` and ``settings:``) and also tests the plan's expected finding
about who prefers which cluster (:func:`~samanalyse.analysis.priorities.finding.preference_by`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samanalyse.analysis.priorities.clusters import ClusterResult, item_clusters
from samanalyse.analysis.priorities.finding import PreferenceFinding, preference_by
from samanalyse.analysis.priorities.preferences import (
    Preferences,
    respondent_preferences,
)
from samanalyse.analysis.priorities.scores import priority_scores
from samanalyse.errors import ArgumentError, DataError, PlanError, Problem
from samanalyse.io.datasets import load_round_data
from samanalyse.stats.factor.checks import Missing
from samanalyse.stats.factor.correlation import (
    CorrelationResult,
    CorrMethod,
    correlations,
)
from samanalyse.stats.factor.efa import EFAResult, FAMethod, efa
from samanalyse.stats.factor.parallel import ParallelAnalysis, parallel_analysis
from samanalyse.stats.factor.rotation import Rotation
from samanalyse.stats.factor.suitability import Suitability, suitability
from samanalyse.survey.codebook import Codebook
from samanalyse.survey.plan import Cluster, Priorities
from samanalyse.survey.rounds import Round, load_round

__all__ = ["FactorAnalysis", "factor_analysis", "PrioritiesResult", "analyse_priorities"]


@dataclass(frozen=True)
class FactorAnalysis:
    """Everything :func:`factor_analysis` computes, with timings per step (seconds)."""

    corr: CorrelationResult
    suitability: Suitability
    parallel: ParallelAnalysis
    efa: EFAResult
    clusters: ClusterResult
    preferences: Preferences | None
    timings: dict[str, float]

    def summary(self) -> str:
        """All summaries in order."""
        parts = [self.corr.summary(), self.suitability.summary(), self.parallel.summary(), self.efa.summary(),
                 self.clusters.summary()]
        if self.preferences is not None:
            parts.append(self.preferences.summary())
        return "\n\n".join(parts)


def factor_analysis(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    markers: Mapping[str, Cluster | Sequence[str]] | None = None,
    compare: tuple[str, str] | None = None,
    correlation: CorrMethod,
    missing: Missing,
    n_factors: int | None,
    method: FAMethod = "minres",
    rotation: Rotation = "oblimin",
    n_iter: int = 100,
    n_boot: int = 1000,
    min_loading: float = 0.30,
    band: float = 0.0,
    seed: int,
    workers: int | None = None,
) -> FactorAnalysis:
    """Correlations, suitability, parallel analysis, EFA, clusters and preferences in one call.

    Parameters
    ----------
    data : pandas.DataFrame
        Item scores from :func:`priority_scores`.
    items : sequence of str, optional
        Columns; default all but ``respondent``.
    codebook : Codebook, optional
        For naming clusters from per-challenge item ids.
    markers : mapping, optional
        The plan's clusters (``rnd.plan.priorities.clusters``): cluster name ->
        marker virkemidler. Without them factors keep their names ``F1 ...``
        and there are no preferences.
    compare : (str, str), optional
        (reference, target) clusters for the preferences; default the first two of ``markers``.
    correlation : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
    n_factors : int or None
        Number of factors (the plan's ``n_factors``); None = parallel analysis' FA suggestion.
    method, rotation
        See :func:`efa`.
    n_iter : int
        Parallel-analysis iterations.
    n_boot : int
        Bootstrap resamples for cluster stability.
    min_loading, band
        See :func:`item_clusters` and :func:`respondent_preferences`.
    seed : int
        Seed for parallel analysis and bootstrap (required).
    workers : int, optional
        Processes for the bootstrap (see :func:`item_clusters`); the results do not depend on it.

    Returns
    -------
    FactorAnalysis
        ``preferences`` is None if the solution does not have both compared clusters.
    """
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    corr = correlations(data, items, method=correlation, missing=missing)
    t["correlations"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    suit = suitability(corr)
    t["suitability"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pa = parallel_analysis(data, items, correlation=correlation, missing=missing, method=method, n_iter=n_iter,
                           seed=seed)
    t["parallel_analysis"] = time.perf_counter() - t0
    k = max(pa.n_factors["parallel_fa"], 1) if n_factors is None else n_factors
    t0 = time.perf_counter()
    fit = efa(corr, n_factors=k, method=method, rotation=rotation)
    t["efa"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cl = item_clusters(fit, codebook=codebook, min_loading=min_loading, n_boot=n_boot, seed=seed,
                       markers=markers or {}, workers=workers)
    t["bootstrap"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pair = compare or (cl.names[:2] if len(cl.names) >= 2 else None)
    named = set(cl.factor_clusters.values())
    prefs = (respondent_preferences(cl, compare=(pair[0], pair[1]), band=band)
             if pair is not None and set(pair) <= named else None)
    t["preferences"] = time.perf_counter() - t0
    return FactorAnalysis(corr, suit, pa, fit, cl, prefs, t)


@dataclass(frozen=True)
class PrioritiesResult:
    """What :func:`analyse_priorities` computes for a round.

    Attributes
    ----------
    round : str
        The round's name.
    plan : Priorities
        The plan's ``priorities`` section that was run.
    scores : pandas.DataFrame
        Priority scores of the plan's form (:func:`priority_scores`).
    analysis : FactorAnalysis
    finding : PreferenceFinding or None
        The plan's expected finding tested; None when the plan has no
        ``preference`` or the solution lacks the compared clusters.
    seed, n_boot, n_iter : int
        The settings used.
    """

    round: str
    plan: Priorities
    scores: pd.DataFrame
    analysis: FactorAnalysis
    finding: PreferenceFinding | None
    seed: int
    n_boot: int
    n_iter: int

    def summary(self) -> str:
        """The factor analysis' summaries, then the finding's."""
        parts = [self.analysis.summary()]
        if self.finding is not None:
            parts.append(self.finding.summary())
        return "\n\n".join(parts)


def _compare(plan: Priorities) -> tuple[str, str] | None:
    """(reference, target) clusters: the preference's cluster against the other; else the first two."""
    names = list(plan.clusters)
    if plan.preference is not None:
        others = [c for c in names if c != plan.preference.cluster]
        if not others:
            raise PlanError([Problem("plan.yaml", "priorities.preference.cluster",
                                     f"cluster {plan.preference.cluster!r} needs another cluster to be compared with",
                                     ", ".join(names))])
        return others[0], plan.preference.cluster
    return (names[0], names[1]) if len(names) >= 2 else None


def analyse_priorities(
    data: pd.DataFrame | None = None,
    *,
    round: Round | str | Path,
    seed: int | None = None,
    n_boot: int | None = None,
    n_iter: int | None = None,
    correlation: CorrMethod | None = None,
    missing: Missing | None = None,
    workers: int | None = None,
) -> PrioritiesResult:
    """Run the plan's factor analysis of the priorities and test its expected finding.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Respondents with answer labels and background columns (as
        :func:`samanalyse.io.datasets.load_round_data`); rows of other forms
        (column ``form``) are left out. Default: the round's respondents of the plan's form.
    round : Round, str or Path
        The round; its plan's ``priorities`` section says what to run.
    seed, n_boot, n_iter : int, optional
        Override the plan's ``settings`` (a report passes its settings).
    correlation, missing : str, optional
        Override the plan's ``priorities.correlation`` / ``priorities.missing``.
    workers : int, optional
        Processes for the bootstrap (default: the CPUs available, at most 2); the results do not depend on it.

    Returns
    -------
    PrioritiesResult

    Raises
    ------
    PlanError
        If the round's plan has no ``priorities`` section.
    """
    rnd = load_round(round)
    plan = rnd.plan.priorities
    if plan is None:
        raise PlanError([Problem(rnd.plan.source or "plan.yaml", "priorities",
                                 "the plan has no 'priorities' section, so there is no factor analysis to run",
                                 "a 'priorities' section with form and clusters, as in a shipped round's plan.yaml")])
    st = rnd.plan.settings
    seed = st.seed if seed is None else seed
    n_boot = st.n_boot if n_boot is None else n_boot
    n_iter = st.n_iter if n_iter is None else n_iter
    correlation = plan.correlation if correlation is None else correlation
    missing = plan.missing if missing is None else missing
    if data is None:
        data = load_round_data(rnd, forms=(plan.form,))
    if not isinstance(data, pd.DataFrame):
        raise ArgumentError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if "form" in data.columns:
        data = data[data["form"] == plan.form]
    data = data.reset_index(drop=True)
    if data.empty:
        raise DataError(f"No respondents of form {plan.form!r} (the plan's priorities.form) in the data.")
    # polychoric correlations need ordinal codes: the mean over the challenges, rounded
    scores = priority_scores(data, codebook=rnd.codebook, aggregate="round" if correlation == "polychoric"
                             else "mean")
    fa = factor_analysis(scores, codebook=rnd.codebook, markers=plan.clusters, compare=_compare(plan),
                         correlation=correlation, missing=missing, n_factors=plan.n_factors,
                         method=plan.method, rotation=plan.rotation, n_iter=n_iter, n_boot=n_boot,
                         min_loading=plan.min_loading, seed=seed, workers=workers)
    finding = None
    pref = plan.preference
    if pref is not None and fa.preferences is not None:
        bg = rnd.plan.background_of(pref.by)
        finding = preference_by(fa.preferences, data, by=pref.by, cluster=pref.cluster, expected=pref.expected,
                                higher_is_more=bg.higher_is_more, concept=bg.concept, alpha=st.alpha)
    return PrioritiesResult(rnd.name, plan, scores, fa, finding, seed, n_boot, n_iter)
