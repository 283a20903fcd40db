"""Reconstruct respondent-level data consistent with a round's published numbers.

When a round's microdata is not public (the 2010 round), :func:`reconstruct`
builds respondent-level answers in two steps, driven by the round's
``reconstruction.yaml`` (:mod:`.spec`):

1. **Draft** (:mod:`.draft`). A simple latent-variable model (the spec's
   documented assumptions: one latent trait per item topic, two correlated
   priority factors, an effect of a background column on one of them) draws
   a complete answer for every respondent and item, with group margins close
   to the published ones.
2. **Projection** (:mod:`.solve`). An integer program
   (:func:`scipy.optimize.milp`, HiGHS) chooses every answer so that the
   number of published targets (:mod:`.targets`) met is maximal, then the
   number of assumption targets met, then the number of answers kept from the
   draft.

Afterwards every target is recomputed from the finished data by
:func:`evaluate_targets` (independently of the solver), giving the
constraint report (:mod:`.result`): target, achieved, status.

The result is a *reconstruction*, not the original survey responses; every file
written says so.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from samanalyse.published.reconstruction.draft import draft_responses
from samanalyse.published.reconstruction.result import (
    RECONSTRUCTION_HEADER,
    REPORT_COLUMNS,
    ReconstructionResult,
    constraint_report,
    write_reconstruction,
)
from samanalyse.published.reconstruction.solve import blocks, solve_block
from samanalyse.published.reconstruction.spec import SPEC_SCHEMA, load_spec
from samanalyse.published.reconstruction.targets import (
    NA,
    Skipped,
    Target,
    blank_priorities,
    build_targets,
    evaluate_targets,
    forms_of_populations,
)
from samanalyse.published.transcription import read_published_cells
from samanalyse.survey.rounds import Round, load_round

__all__ = [
    "Target",
    "Skipped",
    "ReconstructionResult",
    "load_spec",
    "build_targets",
    "draft_responses",
    "evaluate_targets",
    "reconstruct",
    "write_reconstruction",
    "RECONSTRUCTION_HEADER",
    "REPORT_COLUMNS",
    "SPEC_SCHEMA",
]


def reconstruct(round: Round | str | Path, *, seed: int | None = None,
                time_limit: float | None = None) -> ReconstructionResult:
    """Reconstruct respondent-level data for a round (see the package docstring).

    Parameters
    ----------
    round : Round, str or pathlib.Path
        A round with a ``reconstruction.yaml`` and published figures.
    seed : int, optional
        Overrides the spec's seed.
    time_limit : float, optional
        Seconds per integer program (overrides the spec).

    Returns
    -------
    ReconstructionResult
    """
    t0 = time.perf_counter()
    rnd = load_round(round)
    spec = load_spec(rnd)
    cb = rnd.codebook
    seed = int(spec["seed"] if seed is None else seed)
    limit = float(time_limit or spec["solver"]["time_limit_seconds"])
    published = read_published_cells(rnd)
    targets, skipped = build_targets(rnd, spec=spec, published=published)
    resp = rnd.respondents()
    background = {f: resp[resp["form"] == f].reset_index(drop=True) for f in cb.forms}
    draft = draft_responses(rnd, spec, published, background, seed)
    blanks = blank_priorities(spec)
    prio_topic = spec["draft"]["priorities"]["topic"]
    responses: dict[str, pd.DataFrame] = {}
    block_info = []
    for form in cb.forms:
        items = [it.id for it in cb.items(form, type="closed")]
        ftargets = [t for t in targets if t.form == form]
        categories = {
            it.id: [*it.scale.labels(), *([NA] if (it.topic != prio_topic or blanks) else [])]  # type: ignore[union-attr]
            for it in cb.items(form, type="closed")
        }
        solved = []
        for block in blocks(ftargets, items):
            bt = [t for t in ftargets if set(t.items) | set(t.items_other) <= set(block)]
            tb = time.perf_counter()
            solved.append(solve_block(block, categories, draft[form][block], background[form], bt, cb, limit))
            block_info.append((f"{form}:{block[0]}..{block[-1]}", len(block), time.perf_counter() - tb))
        closed = pd.concat(solved, axis=1)
        frame = pd.DataFrame({"respondent": background[form]["respondent"].astype(str)})
        for it in cb.items(form):
            frame[it.id] = closed[it.id] if it.type == "closed" else None
        responses[form] = frame
    achieved = evaluate_targets(responses, background, targets, cb).set_index("target")
    report = constraint_report(targets, skipped, achieved, forms_of_populations(published, cb))
    return ReconstructionResult(responses, report, time.perf_counter() - t0, tuple(block_info))
