"""The round's design in a report: the weighted forms' designs, built once and shared by the steps.

A round declares weights in ``round.yaml`` (``weights:`` with a method other than ``none``) or the
report is asked for them (``samanalyse report --weights raking``); the tables, tests and indices
steps then add design-based estimates beside the unweighted ones
(:mod:`samanalyse.analysis.weighted`). Without weights :func:`report_designs` is None and nothing
changes.
"""
from __future__ import annotations

from samanalyse.analysis.weighted import FormDesigns
from samanalyse.analysis.weights import round_weights
from samanalyse.report.context import Context

__all__ = ["report_designs", "FACT"]

#: Key of :attr:`Context.facts` holding the designs (None when the round has no weights).
FACT = "design_forms"


def report_designs(ctx: Context) -> FormDesigns | None:
    """The designs of the round's weighted forms (None without weights); computed on first use.

    The weights are :func:`samanalyse.analysis.weights.round_weights` of the round with the report's
    ``--weights`` setting (``ctx.settings.weights``) put first.
    """
    if FACT not in ctx.facts:
        weights = round_weights(ctx.round, getattr(ctx.settings, "weights", None))
        ctx.facts[FACT] = None if weights is None or ctx.data is None else FormDesigns(ctx.data, weights)
    return ctx.facts[FACT]
