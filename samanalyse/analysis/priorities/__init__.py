"""Factor analysis of the prioritised virkemidler, driven by the codebook and the round's plan.

- :mod:`.scores` -- :func:`priority_scores` from the codebook's ``virkemiddel`` items;
- :mod:`.clusters` -- :func:`item_clusters`, named after the plan's clusters, with bootstrap stability;
- :mod:`.preferences` -- :func:`respondent_preferences`, :func:`preference_model`, :func:`preference_crosstab`;
- :mod:`.finding` -- :func:`preference_by`: does a background variable go with preferring a cluster?
- :mod:`.pipeline` -- :func:`factor_analysis` (explicit arguments) and :func:`analyse_priorities` (the plan).

The statistics themselves (correlations, KMO/Bartlett, rotations, EFA,
parallel analysis) are generic and live in :mod:`samanalyse.stats.factor`.
"""

from __future__ import annotations

from samanalyse.analysis.priorities.clusters import ClusterResult, item_clusters
from samanalyse.analysis.priorities.finding import PreferenceFinding, preference_by
from samanalyse.analysis.priorities.pipeline import (
    FactorAnalysis,
    PrioritiesResult,
    analyse_priorities,
    factor_analysis,
)
from samanalyse.analysis.priorities.preferences import (
    CrossTab,
    PreferenceModel,
    Preferences,
    preference_crosstab,
    preference_model,
    respondent_preferences,
)
from samanalyse.analysis.priorities.scores import priority_items, priority_scores

__all__ = [
    "priority_items",
    "priority_scores",
    "ClusterResult",
    "item_clusters",
    "Preferences",
    "respondent_preferences",
    "PreferenceModel",
    "preference_model",
    "CrossTab",
    "preference_crosstab",
    "PreferenceFinding",
    "preference_by",
    "FactorAnalysis",
    "factor_analysis",
    "PrioritiesResult",
    "analyse_priorities",
]
