"""Compatibility import path: the factor analysis of the priorities moved (kept until notebook 01 is updated).

Generic statistics are in :mod:`samanalyse.stats.factor` (correlation,
suitability, rotation, efa, parallel); the plan-driven analysis is in
:mod:`samanalyse.analysis.priorities`. New code imports from there.
"""

from __future__ import annotations

from samanalyse.analysis.priorities import *  # noqa: F403
from samanalyse.analysis.priorities import __all__ as _priorities_all
from samanalyse.stats.factor.correlation import CorrelationResult, correlations
from samanalyse.stats.factor.efa import EFAResult, efa, factor_scores
from samanalyse.stats.factor.parallel import ParallelAnalysis, parallel_analysis
from samanalyse.stats.factor.suitability import Suitability, suitability

__all__ = [*_priorities_all, "CorrelationResult", "correlations", "Suitability", "suitability",
           "ParallelAnalysis", "parallel_analysis", "EFAResult", "efa", "factor_scores"]
