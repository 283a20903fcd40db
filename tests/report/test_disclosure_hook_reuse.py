"""The disclosure hook's cheaper paths (issue 17) give what the per-row rule and the hook's own layout give.

- :func:`suppressed_cells` matches each cell's key against the suppressed cells' keys made once; compared
  here with the rule written out cell by cell (the code it replaced), for counts and n, with and without
  the ``item``/``variant`` columns;
- the tables step provides the hook's masked layout of a table from its own layout; compared here with the
  layout the hook makes itself (the masked cells of the table laid out again).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis import _reuse
from samanalyse.analysis.disclosure import BASE
from samanalyse.analysis.tables import all_table_cells, population_label, table_cells
from samanalyse.io.datasets import load_round_data
from samanalyse.report import build
from samanalyse.report.context import Context, ReportSettings
from samanalyse.report.sections import disclosure
from samanalyse.report.sections.tables import _wide_data
from samanalyse.survey.rounds import load_round

ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"


def _context(tmp_path: Path, section: str) -> Context:
    d = tmp_path / "runde"
    shutil.copytree(ANNEN, d)
    with open(d / "round.yaml", "a", encoding="utf-8") as fh:
        fh.write(section)
    rnd = load_round(d)
    out = tmp_path / "out"
    out.mkdir()
    return Context(round=rnd, out=out, settings=ReportSettings.from_plan(rnd.plan))


def _per_row(ctx: Context, cells: pd.DataFrame, category: str | None = None) -> pd.Series:
    """The rule cell by cell, as suppressed_cells computed it before."""
    prot = ctx.facts.get("disclosure")
    origin = ctx.facts.get("disclosure_origin", {})
    if prot is None or cells.empty:
        return pd.Series(False, index=cells.index)
    hidden = prot.cells[prot.cells["status"].isin(["primary", "secondary"])]
    keys = set()
    for t, g, c in zip(hidden["table"], hidden["group"], hidden["category"]):
        tid, form, item, variant = origin[t]
        keys.add((tid, population_label(ctx.round.codebook, form), item, variant, g, c))
    group = np.where(cells["breakdown"].isin(["total", "note"]), prot.rules.total_label, cells["group"])
    cats = cells["category"] if category is None else pd.Series(category, index=cells.index)
    if category == BASE and "variant" in cells:
        answered = disclosure._answered_variants(ctx.round)
        cats = pd.Series([disclosure._ANSWERED if (t, v) in answered else BASE for t, v in
                          zip(cells["table"], cells["variant"].fillna(""))], index=cells.index)
    if "item" not in cells:
        keys = {(k[0], k[1], "", "", k[4], k[5]) for k in keys}
    items = cells["item"].fillna("") if "item" in cells else pd.Series("", index=cells.index)
    variant = cells["variant"].fillna("") if "variant" in cells else pd.Series("", index=cells.index)
    return pd.Series([k in keys for k in zip(cells["table"], cells["population"], items, variant, group, cats)],
                     index=cells.index)


@pytest.mark.parametrize("rules", ["disclosure:\n  min_range: 1\n", "disclosure: {}\n"])
def test_suppressed_cells_as_the_per_row_rule(tmp_path: Path, rules: str) -> None:
    ctx = _context(tmp_path, rules)
    ctx.data = load_round_data(ctx.round)
    disclosure.run(ctx)
    rnd = ctx.round
    cells = all_table_cells(ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue)
    frames = [cells, cells.drop(columns=["item"]), cells.drop(columns=["variant"]),
              cells.drop(columns=["item", "variant"]), cells.iloc[::-3], cells.iloc[:0]]
    some = False
    for frame in frames:
        for category in (None, BASE):
            want = _per_row(ctx, frame, category)
            got = disclosure.suppressed_cells(ctx, frame, category=category)
            pd.testing.assert_series_equal(got, want)
            some |= bool(want.any())
        with _reuse.reusing():   # the same inside the tables step, where the keys are made once
            pd.testing.assert_series_equal(disclosure.suppressed_cells(ctx, frame), _per_row(ctx, frame))
            pd.testing.assert_series_equal(disclosure.suppressed_cells(ctx, frame), _per_row(ctx, frame))
    assert some


def test_tables_step_provides_the_hooks_own_masked_layout(tmp_path: Path) -> None:
    ctx = _context(tmp_path, "disclosure:\n  min_range: 1\n")
    fns = dict(build.STEPS)
    with _reuse.reusing():
        for name in ("data", "grupper", "respondenter", "prikking", "tabeller"):
            fns[name](ctx)
        memo = _reuse._MEMO.get()
        assert memo is not None
        provided = {k[1][1]: v for k, (_, v) in memo.items() if isinstance(k[1], tuple) and k[1][0] == "masked_wide"}
    rnd = ctx.round
    assert provided
    for tid, layout in provided.items():   # as disclosure._mask_wide lays the masked cells out itself
        cells = table_cells(tid, ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue)
        first = cells["variant"].iloc[0] if len(cells) else ""
        shown = cells[cells["variant"] == first] if first else cells
        want = _wide_data(disclosure.mask_cells(ctx, shown).drop(columns="symbol"), rnd.catalogue.spec(tid),
                          rnd.codebook)
        pd.testing.assert_frame_equal(layout, want)


@pytest.mark.parametrize("weights", [None, "raking"])
def test_page_frame_is_the_frame_of_the_cells_without_intervals(tmp_path: Path, weights: str | None) -> None:
    # the web page's frame comes with the workbook's (its columns); as a frame of its own cells it was
    import dataclasses

    from samanalyse.report.design import report_designs
    from samanalyse.report.intervals import add_intervals, frame_sizes
    from samanalyse.report.sections import tables as T
    from samanalyse.analysis.weighted import WEIGHTED_COLUMNS

    ctx = _context(tmp_path, "disclosure:\n  min_range: 1\n")
    ctx.settings = dataclasses.replace(ctx.settings, weights=weights)
    fns = dict(build.STEPS)
    with _reuse.reusing():
        for name in ("data", "grupper", "respondenter", "prikking", "bortfall", "tabeller"):
            fns[name](ctx)
        rnd, tr = ctx.round, ctx.tr
        sizes = frame_sizes(rnd)
        sizes = {**sizes, **disclosure.merged_frame_sizes(ctx, sizes)}
        designs = report_designs(ctx)
        assert (designs is not None) == (weights is not None)
        for sec in ctx.sections["tabeller"]:
            tid, spec = sec.key, rnd.catalogue.spec(sec.key)
            cells = add_intervals(table_cells(tid, ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue), rnd,
                                  spec=spec, sizes=sizes)
            cells = T._masked(ctx, T._with_weighted(cells, designs, tid, ctx), spec)
            first = cells["variant"].iloc[0] if len(cells) else ""
            shown = cells[cells["variant"] == first] if first else cells
            rows, columns = T._printed(T._layout(shown, spec, rnd.codebook, tr))
            extra = [c for c in shown.columns if c in ("ci_low", "ci_high", "ci_method", *WEIGHTED_COLUMNS)]
            bare = (rows, [(pop, kol, sel.drop(columns=extra)) for pop, kol, sel in columns])
            want = T._wide_data(shown.drop(columns=extra), spec, rnd.codebook, tr, bare)
            pd.testing.assert_frame_equal(sec.html_frame, ctx.publish(f"tabeller/{tid}#html", want))
