"""n and a 95 % interval for every share a report table prints.

A round whose ``round.yaml`` gives the frame (every unit of each form was
asked: a census) gets finite-population intervals with the group's frame
size (:meth:`~samanalyse.survey.rounds.Round.frame_by`); other groups, and
rounds without a frame, get Wilson intervals
(:func:`samanalyse.stats.proportions.proportion_ci`).

A share of 0 % or 100 % in a group only partly asked has no finite-population
interval (its standard error is 0: R ``survey::svyciprop`` collapses to the
estimate); such shares get the exact Clopper–Pearson interval (R ``binom.test``)
instead, without the finite-population correction, so a little wider than need
be (``ci_method`` says ``exact``; the table's note says so). A group whose every
unit answered keeps its zero-width interval: its share is known.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.analysis.tables import population_label
from samanalyse.errors import SamanalyseError, SamanalyseWarning
from samanalyse.stats.proportions import proportion_ci
from samanalyse.survey.rounds import Round

__all__ = ["add_intervals", "frame_sizes", "INTERVAL_COLUMNS"]

#: Columns :func:`add_intervals` adds: interval bounds in percent and the method.
INTERVAL_COLUMNS: tuple[str, ...] = ("ci_low", "ci_high", "ci_method")

_BREAKDOWN_BY = {"rhf": "rhf", "size": "size_class", "size_class": "size_class"}


def frame_sizes(rnd: Round) -> dict[tuple[str, str, str], int]:
    """(population label, breakdown, group) -> frame size, for a census round; empty otherwise.

    Reading the frame's registers is the slow part of :func:`add_intervals`: compute this once per
    report and pass it as ``sizes=`` to every table.
    """
    if not rnd.meta.get("frame"):
        return {}
    out: dict[tuple[str, str, str], int] = {}
    for form, total in rnd.frame.items():
        label = population_label(rnd.codebook, form)
        for bd in ("total", "note"):
            out[(label, bd, "Samlet")] = int(total)
        for bd, by in _BREAKDOWN_BY.items():
            try:
                sizes = rnd.frame_by(form, by)
            except SamanalyseError:
                continue
            out.update({(label, bd, str(g)): int(n) for g, n in sizes.items()})
    return out


_frame_sizes = frame_sizes  # the earlier private name


def add_intervals(cells: pd.DataFrame, rnd: Round, *, spec: dict[str, Any] | None = None,
                  percent: str = "percent", confidence: float = 0.95,
                  sizes: dict[tuple[str, str, str], int] | None = None) -> pd.DataFrame:
    """``cells`` with ``ci_low``, ``ci_high`` (percent) and ``ci_method`` for each share.

    Parameters
    ----------
    cells : pandas.DataFrame
        Table cells with ``population``, ``breakdown``, ``group``, ``n`` and the unrounded share in
        ``percent`` (0-100).
    rnd : Round
        The round (its frame sizes decide between finite-population and Wilson intervals).
    spec : dict, optional
        The table's catalogue entry (its ``form`` names the population of cells without one).
    confidence : float
        Confidence level.
    sizes : dict, optional
        :func:`frame_sizes` of ``rnd``, when the caller has it already (default: computed here).

    Returns
    -------
    pandas.DataFrame
        A copy with the three :data:`INTERVAL_COLUMNS`; blank where the share or n is missing.
    """
    sizes = frame_sizes(rnd) if sizes is None else sizes
    own = population_label(rnd.codebook, (spec or {}).get("form", "")) if spec and spec.get("form") else ""
    lows, highs, methods = [], [], []
    for pop, bd, grp, n, pct in zip(cells["population"].fillna(""), cells["breakdown"].fillna(""),
                                    cells["group"].fillna(""), cells["n"], cells[percent]):
        if pd.isna(n) or pd.isna(pct) or int(n) == 0:
            lows.append(np.nan), highs.append(np.nan), methods.append("")
            continue
        n = int(n)
        count = int(round(float(pct) * n / 100))
        size = sizes.get((pop or own, bd, str(grp)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamanalyseWarning)  # a group asked whole has a zero-width interval
            if size is not None and size > n and count in (0, n):  # fpc undefined at 0 % and 100 %
                ci = proportion_ci(count, n, method="exact", confidence=confidence)
            elif size is not None and size >= n:
                ci = proportion_ci(count, n, method="fpc", confidence=confidence, frame_size=size)
            else:
                ci = proportion_ci(count, n, method="wilson", confidence=confidence)
        lo, hi = ci.ci_low, ci.ci_high
        lows.append(100 * lo if not math.isnan(lo) else np.nan)
        highs.append(100 * hi if not math.isnan(hi) else np.nan)
        methods.append(ci.method)
    return cells.assign(ci_low=lows, ci_high=highs, ci_method=methods)
