"""The report's disclosure step on the made-up round (tests/data/rounds/annen) with and without rules.

The made-up round's helseforetak are few per RHF (Helse Vest: 1 answered, the others 3 to 5), and the
respondents step publishes the respondents per RHF, so each RHF's n is known to the attacker.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from samanalyse.analysis.tables import all_table_cells
from samanalyse.errors import DisclosureError
from samanalyse.io.datasets import load_round_data
from samanalyse.report.context import Context, ReportSettings
from samanalyse.report.sections import disclosure
from samanalyse.survey.rounds import load_round

ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"


def _context(tmp_path: Path, section: str | None) -> Context:
    d = tmp_path / "runde"
    shutil.copytree(ANNEN, d)
    if section is not None:
        with open(d / "round.yaml", "a", encoding="utf-8") as fh:
            fh.write(section)
    rnd = load_round(d)
    out = tmp_path / "out"
    out.mkdir()
    ctx = Context(round=rnd, out=out, settings=ReportSettings.from_plan(rnd.plan))
    ctx.data = load_round_data(rnd)
    return ctx


def test_no_rules_no_op(tmp_path: Path) -> None:
    ctx = _context(tmp_path, None)
    disclosure.run(ctx)
    assert ctx.files == [] and "disclosure" not in ctx.facts


def test_kept_groups_of_one_are_refused(tmp_path: Path) -> None:
    # Helse Vest: 1 helseforetak answered (n = 1, published by the respondents step). Kept as a group
    # (min_units_per_group: 1), each of its cells is in [0, 1] whatever else is hidden: no range of 3 is
    # possible, so the report is refused.
    ctx = _context(tmp_path, "disclosure:\n  min_units_per_group: 1\n")
    with pytest.raises(DisclosureError, match=r"A \(helseforetak\) Helse Vest / .* cannot be protected"):
        disclosure.run(ctx)
    assert not (ctx.out / "tables").exists()


def test_default_rules_merge_the_group_of_one(tmp_path: Path) -> None:
    # Helseforetak per RHF (hand count of responses_helseforetak.csv): Midt 3, Nord 3, Sør-Øst 5, Vest 1.
    # Vest (1) is pooled; 1 < 3, so the smallest other group joins it: Midt and Nord tie at 3, the later
    # one in the register's order (Nord) goes. Kommuner (23 to 62 per RHF) are not merged.
    ctx = _context(tmp_path, "disclosure: {}\n")
    disclosure.run(ctx)
    (m,) = ctx.facts["disclosure_merges"]
    assert (m.form, m.by, m.small, m.members, m.label, m.units) == (
        "helseforetak", "rhf", ("Helse Vest",), ("Helse Nord", "Helse Vest"), "Øvrige", 4)
    n = ctx.data.groupby(["form", "rhf"]).size().to_dict()
    assert {g: v for (f, g), v in n.items() if f == "helseforetak"} == {"Helse Midt": 3, "Helse Sør-Øst": 5,
                                                                         "Øvrige": 4}
    assert {g: v for (f, g), v in n.items() if f == "kommune"} == {"Helse Midt": 30, "Helse Nord": 35,
                                                                    "Helse Sør-Øst": 62, "Helse Vest": 23}
    assert len(ctx.facts["data_unmerged"]) == len(ctx.data)
    # every suppressed cell proven safe at the default range 3; the merged group's cells are all ":"
    f = pd.read_csv(ctx.out / "tables" / "prikking.csv")
    assert (f["hi"] - f["lo"] >= 3).all() and {"Øvrige"} <= set(f["group"])
    assert "Helse Vest" not in set(f.loc[f["table"] == "A (helseforetak)", "group"])
    # the note in the report says which groups were merged and why
    sec = next(s for s in ctx.sections["respondenter"] if s.key == "prikking")
    assert ("Helseforetak etter RHF: Helse Vest har færre enn 3 enheter som svarte; Helse Nord og Helse Vest er "
            "slått sammen til «Øvrige» (4 enheter) for å verne dem som svarte.") in sec.notes
    assert disclosure.merge_notes(ctx, by="size_class") == []
    groups = pd.read_csv(ctx.out / "tables" / "prikking_grupper.csv")
    assert groups.to_dict("records") == [{"form": "helseforetak", "by": "rhf", "small": "Helse Vest",
                                          "members": "Helse Nord|Helse Vest", "label": "Øvrige", "units": 4, "k": 3}]


def test_merged_group_gets_its_members_frame(tmp_path: Path) -> None:
    # annen's frame (round.yaml frame:, register 2010): helseforetak Helse Nord 4, Helse Vest 4 -> Øvrige 8
    from samanalyse.report.intervals import add_intervals, frame_sizes
    from samanalyse.stats.proportions import proportion_ci

    ctx = _context(tmp_path, "disclosure: {}\n")
    disclosure.run(ctx)
    sizes = frame_sizes(ctx.round)
    assert (sizes[("helseforetak", "rhf", "Helse Nord")], sizes[("helseforetak", "rhf", "Helse Vest")]) == (4, 4)
    assert disclosure.merged_frame_sizes(ctx, sizes) == {("helseforetak", "rhf", "Øvrige"): 8}
    # a share of 1 of the merged group's 4 respondents: finite-population with N = 8 (Wilson without it)
    cell = pd.DataFrame({"population": ["helseforetak"], "breakdown": ["rhf"], "group": ["Øvrige"], "n": [4],
                         "percent": [25.0]})
    got = add_intervals(cell, ctx.round, sizes={**sizes, **disclosure.merged_frame_sizes(ctx, sizes)})
    method = got["ci_method"].iloc[0]
    assert method.startswith("fpc")   # the finite-population interval add_intervals uses (fpc / fpc_logit)
    want = proportion_ci(1, 4, method=method, frame_size=8)
    assert got["ci_low"].iloc[0] == pytest.approx(100 * want.ci_low)
    assert add_intervals(cell, ctx.round, sizes=sizes)["ci_method"].iloc[0] == "wilson"


def test_mask_cells_removes_the_intervals_of_a_suppressed_cell(tmp_path: Path) -> None:
    from samanalyse.report.intervals import add_intervals

    ctx = _context(tmp_path, "disclosure: {}\n")
    disclosure.run(ctx)
    rnd = ctx.round
    cells = add_intervals(all_table_cells(ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue), rnd)
    masked = disclosure.mask_cells(ctx, cells)
    gone = masked["symbol"] == ":"
    assert gone.any() and cells.loc[gone, "ci_low"].notna().any()
    assert masked.loc[gone, ["ci_low", "ci_high"]].isna().all().all()
    assert (masked.loc[~gone, "ci_low"].fillna(-1) == cells.loc[~gone, "ci_low"].fillna(-1)).all()


def test_published_reproduction_groups_are_not_merged(tmp_path: Path) -> None:
    # The tables by RHF are public (published_reproduction): their groups are public already, not merged.
    ctx = _context(tmp_path, "disclosure:\n  published_reproduction: [tabeller]\n")
    disclosure.run(ctx)
    assert ctx.facts["disclosure_merges"] == [] and "Helse Vest" in set(ctx.data["rhf"])


def test_published_reproduction_prints_everything(tmp_path: Path) -> None:
    ctx = _context(tmp_path, "disclosure:\n  published_reproduction: [tabeller]\n")
    disclosure.run(ctx)
    assert (ctx.out / "tables" / "prikking.csv").read_text(encoding="utf-8") == \
        "table,item,group,category,reason,rule,lo,hi\n"


def test_prikking_written_and_cells_marked(tmp_path: Path) -> None:
    # A looser rule (ranges of at least 1, i.e. never exact) that a group of one can meet.
    ctx = _context(tmp_path, "disclosure:\n  min_range: 1\n")
    disclosure.run(ctx)
    f = pd.read_csv(ctx.out / "tables" / "prikking.csv")
    assert "tables/prikking.csv" in ctx.files
    assert set(f["reason"]) == {"primary", "secondary"}
    assert (f["hi"] - f["lo"] >= 1).all()
    # Every helseforetak count of 1 or 2 per RHF is listed (min_count 3).
    rnd = ctx.round
    cells = all_table_cells(ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue)
    hidden = disclosure.suppressed_cells(ctx, cells)
    small = cells[(cells["table"] == "A") & (cells["population"] == "helseforetak") & (cells["breakdown"] == "rhf")
                  & cells["count"].between(1, 2)]
    assert len(small) and hidden[small.index].all()
    # Nothing of the kommune table by size class (every count >= 26) is hidden.
    assert not hidden[cells["table"] == "B"].any()
    # A rerun gives the same bytes.
    first = (ctx.out / "tables" / "prikking.csv").read_bytes()
    ctx2 = _context(tmp_path / "again", "disclosure:\n  min_range: 1\n")
    disclosure.run(ctx2)
    assert (ctx2.out / "tables" / "prikking.csv").read_bytes() == first


def test_mask_cells_removes_every_suppressed_number(tmp_path: Path) -> None:
    ctx = _context(tmp_path, "disclosure:\n  min_range: 1\n")
    disclosure.run(ctx)
    rnd = ctx.round
    cells = all_table_cells(ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue)
    masked = disclosure.mask_cells(ctx, cells)
    gone = masked["symbol"] == ":"
    assert gone.any() and masked.loc[gone, ["count", "percent", "value"]].isna().all().all()
    # the published cells keep their numbers
    kept = ~gone
    assert (masked.loc[kept, "count"] == cells.loc[kept, "count"]).all()
    # Helse Vest helseforetak: n = 1 is published (respondents step), its counts 1 and 0 are not.
    vest = masked[(masked["table"] == "A") & (masked["population"] == "helseforetak")
                  & (masked["group"] == "Helse Vest")]
    assert (vest["symbol"] == ":").all() and (vest["n"] == 1).all()


def test_mask_cells_without_rules_changes_nothing(tmp_path: Path) -> None:
    ctx = _context(tmp_path, None)
    disclosure.run(ctx)
    cells = all_table_cells(ctx.data, codebook=ctx.round.codebook, catalogue=ctx.round.catalogue)
    masked = disclosure.mask_cells(ctx, cells)
    pd.testing.assert_frame_equal(masked.drop(columns="symbol"), cells, check_dtype=False)
    assert (masked["symbol"] == "").all()


@pytest.mark.slow
def test_build_report_refuses_and_writes_nothing(tmp_path: Path) -> None:
    from samanalyse.report.build import build_report

    d = tmp_path / "runde"
    shutil.copytree(ANNEN, d)
    with open(d / "round.yaml", "a", encoding="utf-8") as fh:
        fh.write("disclosure:\n  min_units_per_group: 1\n")
    out = tmp_path / "rapport"
    with pytest.raises(DisclosureError):
        build_report(d, out)
    assert not out.exists()
