"""Disclosure control of a made-up round's tables: groups of 1, 2 and 3 units and totals that give them away.

The made-up round (built here, 14 units): RHF "Nord" with 1 unit, "Midt" 2, "Vest" 3, "Sør-Øst" 8,
two size classes, one item with answers "God"/"Dårlig". Three tables are published together: the
item by RHF, by size class, and in total. Expected patterns and ranges are worked out by hand in
the comments.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.disclosure import (PRIKKING_COLUMNS, CountTable, apply_merges, merge_small_groups,
                                           plan_merges, protect_tables)
from samanalyse.errors import SamanalyseError
from samanalyse.survey.disclosure import DisclosureRules
from samanalyse.survey.rounds import load_round

ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"

BAD_INPUTS: list[dict[str, str]] = [
    {"id": "disclosure-unknown-key", "area": "Prikking",
     "input": "round.yaml's disclosure: section with a misspelt key (min_cout)",
     "message": "The round has 1 problem:\n  - {file}, line 24: disclosure: unknown key 'min_cout'. Allowed: "
                "min_count, min_base, min_range, protect_zeros, min_units_per_group, small_groups, merged_label, "
                "total_label, group_note, omit_note, published_reproduction, published_note."},
    {"id": "disclosure-small-groups-value", "area": "Prikking",
     "input": "round.yaml's disclosure.small_groups neither merge nor omit",
     "message": "The round has 1 problem:\n  - {file}, line 24: disclosure.small_groups: 'drop' is not one of "
                "['merge', 'omit']. Allowed: 'merge', 'omit'."},
    {"id": "disclosure-duplicate-table", "area": "Prikking",
     "input": "two count tables with the same id",
     "message": "Table id(s) 'A' given more than once; each table needs its own id."},
    {"id": "disclosure-refused", "area": "Prikking",
     "input": "tables whose suppressed cells can be worked out (secondary suppression left out)",
     "message": "4 suppressed cell(s) can be worked out from the published ones to a range narrower than the "
                "round's rule (min_range 3): A Midt / Dårlig: 0..2; A Midt / God: 0..2; A Nord / Dårlig: 0..1; "
                "A Nord / God: 0..1. Nothing was written; suppress more cells (secondary suppression) or publish "
                "fewer tables."},
]

TABLES = [CountTable("A", "svar", "rhf"), CountTable("B", "svar", "storrelse"), CountTable("C", "svar")]


def _units() -> pd.DataFrame:
    """14 units: Nord 1 (Dårlig), Midt 2 (God, Dårlig), Vest 3 (God, God, Dårlig), Sør-Øst 8 (5 God, 3 Dårlig).

    Size classes alternate Små, Store down the rows.
    """
    answers = {"Nord": ["Dårlig"], "Midt": ["God", "Dårlig"], "Vest": ["God", "God", "Dårlig"],
               "Sør-Øst": ["God"] * 5 + ["Dårlig"] * 3}
    rows = [{"rhf": g, "svar": a} for g, ans in answers.items() for a in ans]
    d = pd.DataFrame(rows)
    d["storrelse"] = np.where(np.arange(len(d)) % 2 == 0, "Små", "Store")
    return d


def _cell(p: pd.DataFrame, table: str, group: str, category: str) -> pd.Series:
    c = p[(p["table"] == table) & (p["group"] == group) & (p["category"] == category)]
    assert len(c) == 1
    return c.iloc[0]


def test_small_groups_are_suppressed_and_proven_safe() -> None:
    rules = DisclosureRules(min_units_per_group=1)   # keep the groups of 1 and 2 to test suppression
    p = protect_tables(_units(), TABLES, rules)
    cells = p.cells
    # Every count of 1 or 2 is primary (min_count 3); Nord/God = 0 is primary because its base n = 1 < 5,
    # and so are Midt's and Vest's (bases 2 and 3).
    small = cells[(cells["count"].between(1, 2)) & (cells["category"] != "n")]
    assert (small["status"] == "primary").all() and len(small) == 5
    assert _cell(cells, "A", "Nord", "God")[["status", "rule"]].tolist() == ["primary", "min_base"]
    p.check()  # the attacker's check: every suppressed cell safe
    hidden = cells[cells["status"].isin(["primary", "secondary"])]
    assert ((hidden["lo"] <= hidden["count"]) & (hidden["count"] <= hidden["hi"])).all()
    prim = hidden[hidden["status"] == "primary"]
    assert (prim["hi"] - prim["lo"] >= 3).all()
    # Nord n = 1 published would give Nord/Dårlig <= 1: the bases of the small groups are hidden.
    assert _cell(cells, "A", "Nord", "n")["status"] == "secondary"
    # By hand for the pattern found: hidden are Midt and Nord (Dårlig, God, n) and Vest (Dårlig, God);
    # published Vest n = 3, Sør-Øst 3 / 5 / 8 and the totals 6 / 8 / 14. Then Midt n + Nord n =
    # 14 - 8 - 3 = 3, the hidden Dårlig cells add up to 6 - 3 = 3 and the hidden God cells to 8 - 5 = 3:
    # every hidden cell is in [0, 3] (e.g. Vest Dårlig = 3 with Midt and Nord Dårlig = 0), width 3.
    # (Hiding Sør-Øst instead, or Vest n, would cost more: 1 + count per cell.)
    assert set(zip(hidden["group"], hidden["category"])) == {
        ("Midt", "Dårlig"), ("Midt", "God"), ("Midt", "n"), ("Nord", "Dårlig"), ("Nord", "God"), ("Nord", "n"),
        ("Vest", "Dårlig"), ("Vest", "God")}
    assert (hidden["lo"] == 0).all() and (hidden["hi"] == 3).all()
    # The same total in tables A, B and C is one cell, published everywhere.
    totals = cells[cells["group"] == "I alt"]
    assert (totals["status"] == "published").all() and len(totals) == 9


def test_without_secondary_suppression_the_check_fails() -> None:
    # Primary cells only. Published: Midt n = 2, Nord n = 1, Vest n = 3, Sør-Øst 3/5/8, totals 6/8/14.
    # Midt: Dårlig + God = 2, so each in [0, 2] (width 2 < 3); Nord: Dårlig + God = 1: [0, 1];
    # Vest: Dårlig + God = 3 and Midt + Nord + Vest Dårlig = 6 - 3 = 3: Vest Dårlig in [0, 3] (width 3, ok).
    p = protect_tables(_units(), TABLES, DisclosureRules(min_units_per_group=1), secondary=False)
    bad = p.violations()
    got = sorted(zip(bad["group"], bad["category"], bad["lo"], bad["hi"]))
    assert got == [("Midt", "Dårlig", 0, 2), ("Midt", "God", 0, 2), ("Nord", "Dårlig", 0, 1), ("Nord", "God", 0, 1)]
    with pytest.raises(SamanalyseError):
        p.check()


def test_prikking_lists_every_suppressed_cell_without_its_value() -> None:
    p = protect_tables(_units(), TABLES, DisclosureRules(min_units_per_group=1))
    f = p.prikking()
    assert list(f.columns) == PRIKKING_COLUMNS and "count" not in f.columns
    assert len(f) == int(p.cells["status"].isin(["primary", "secondary"]).sum()) == 8
    assert set(f["reason"]) == {"primary", "secondary"}


def test_display_uses_ssb_symbols() -> None:
    p = protect_tables(_units(), TABLES, DisclosureRules(min_units_per_group=1))
    shown = p.display("A")
    assert shown.loc["Nord"].tolist() == [":", ":", ":"]
    assert shown.loc["Vest"].tolist() == [":", ":", "3"] and shown.loc["Sør-Øst"].tolist() == ["3", "5", "8"]
    assert shown.loc["I alt"].tolist() == ["6", "8", "14"]
    # A zero that may be published is '-' (Sør-Øst has no "Vet ikke"); shares of the total row: 6/14, 8/14.
    q = protect_tables(_units(), [CountTable("C", "svar", categories=("Dårlig", "God", "Vet ikke"))],
                       DisclosureRules())
    assert q.display("C").loc["I alt"].tolist() == ["6", "8", "-", "14"]
    assert q.display("C", share=True).loc["I alt"].tolist() == ["43", "57", "-", "14"]


def test_groups_below_the_minimum_are_merged_with_a_note() -> None:
    # Nord (1) and Midt (2) have fewer than 3 units: pooled into "Øvrige" (1 + 2 = 3 units, enough).
    d, notes = merge_small_groups(_units(), "rhf", DisclosureRules())
    assert d["rhf"].value_counts().to_dict() == {"Sør-Øst": 8, "Vest": 3, "Øvrige": 3}
    assert notes == ["Midt og Nord har færre enn 3 enheter som svarte; Midt og Nord er slått sammen til «Øvrige» "
                     "(3 enheter) for å verne dem som svarte."]
    # omit: their 3 units are left out of every table, totals too (else total - others gives them away)
    d, notes = merge_small_groups(_units(), "rhf", DisclosureRules(small_groups="omit"))
    assert len(d) == 11 and set(d["rhf"]) == {"Sør-Øst", "Vest"}
    assert notes == ["Midt og Nord har færre enn 3 enheter som svarte og er utelatt fra tabellene (også fra "
                     "totalene) for å verne dem som svarte."]
    p = protect_tables(_units(), TABLES, DisclosureRules())
    assert "Øvrige" in set(p.cells["group"]) and p.notes == {"A": [notes[0].replace(
        " og er utelatt fra tabellene (også fra totalene)", "; Midt og Nord er slått sammen til «Øvrige» (3 enheter)")]}
    p.check()


def _sized(sizes: dict[str, int], *, ordered: bool = False, form: str = "f") -> pd.DataFrame:
    """Units of one form per group (in the dict's order); ``ordered`` makes the column an ordered categorical."""
    groups = [g for g, n in sizes.items() for _ in range(n)]
    col = pd.Categorical(groups, categories=list(sizes), ordered=True) if ordered else groups
    return pd.DataFrame({"form": form, "g": col})


def test_a_pool_too_small_takes_the_smallest_other_group() -> None:
    # Groups of 1, 2 and 3 and two big ones, nominal: 1 + 2 = 3 reaches k = 3 (no top-up); with k = 4
    # the pool {A, B} (3 units) takes the smallest other, C (3 units): pool 6.
    d = _sized({"A": 1, "B": 2, "C": 3, "D": 10, "E": 12})
    (m,) = plan_merges(d, "g", DisclosureRules())
    assert (m.small, m.members, m.label, m.units) == (("A", "B"), ("A", "B"), "Øvrige", 3)
    (m,) = plan_merges(d, "g", DisclosureRules(min_units_per_group=4))
    assert (m.small, m.members, m.units) == (("A", "B", "C"), ("A", "B", "C"), 6)
    # one group of 1 alone: the smallest other (C, 3 units) joins it; a tie goes to the later group
    (m,) = plan_merges(_sized({"A": 1, "C": 3, "D": 3, "E": 12}), "g", DisclosureRules())
    assert (m.small, m.members, m.units) == (("A",), ("A", "D"), 4)
    merged = apply_merges(_sized({"A": 1, "C": 3, "D": 3, "E": 12}), [m])
    assert merged["g"].value_counts().to_dict() == {"E": 12, "Øvrige": 4, "C": 3}


def test_ordered_classes_merge_with_their_smaller_neighbour() -> None:
    # Size classes 1, 2, 3, 10 (in order): the class of 1 merges with its smaller neighbour (2) -> 3 units;
    # then every class has 3 or more. Labels name the classes; the order of the scale is kept.
    d = _sized({"<1k": 1, "1-5k": 2, "5-20k": 3, ">20k": 10}, ordered=True)
    (m,) = plan_merges(d, "g", DisclosureRules())
    assert (m.members, m.label, m.units) == (("<1k", "1-5k"), "<1k og 1-5k", 3)
    merged = apply_merges(d, [m])
    assert list(merged["g"].cat.categories) == ["<1k og 1-5k", "5-20k", ">20k"] and merged["g"].cat.ordered
    assert merged["g"].value_counts(sort=False).tolist() == [3, 3, 10]
    # k = 4: <1k+1-5k (3) is still small; its only neighbour 5-20k (3) joins: 6; the last class stays.
    ms = plan_merges(d, "g", DisclosureRules(min_units_per_group=4))
    assert [x.members for x in ms] == [("<1k", "1-5k", "5-20k")]


def test_groups_are_counted_per_form() -> None:
    # Form h has 1 unit in A (merged), form k has 30 there (kept): only h's A is relabelled.
    d = pd.concat([_sized({"A": 1, "B": 3, "C": 5}, form="h"), _sized({"A": 30, "B": 20, "C": 40}, form="k")],
                  ignore_index=True)
    ms = plan_merges(d, "g", DisclosureRules())
    assert [(x.form, x.members) for x in ms] == [("h", ("A", "B"))]
    merged = apply_merges(d, ms)
    assert merged.groupby(["form", "g"]).size().to_dict() == {("h", "C"): 5, ("h", "Øvrige"): 4, ("k", "A"): 30,
                                                             ("k", "B"): 20, ("k", "C"): 40}


def test_published_reproduction_is_printed_and_known_to_the_attacker() -> None:
    # Table A is a study's own (public) table: printed as it is, never suppressed; a derived table of
    # the same item by size class is protected given A. Here nothing by size is small, so nothing is hidden.
    rules = DisclosureRules(min_units_per_group=1, published_reproduction=("A",))
    p = protect_tables(_units(), TABLES, rules)
    assert (p.cells.loc[p.cells["table"] == "A", "status"] == "public").all()
    assert p.prikking().empty
    p.check()


def test_round_yaml_rules(tmp_path: Path) -> None:
    d = tmp_path / "r"
    shutil.copytree(ANNEN, d)
    assert load_round(d).disclosure is None     # no section: no disclosure control
    with open(d / "round.yaml", "a", encoding="utf-8") as fh:
        fh.write("disclosure: {}\n")
    assert load_round(d).disclosure == DisclosureRules()   # the defaults of a new round
    text = (d / "round.yaml").read_text(encoding="utf-8").replace(
        "disclosure: {}\n", "disclosure:\n  min_count: 4\n  published_reproduction: [tabeller]\n")
    (d / "round.yaml").write_text(text, encoding="utf-8")
    rules = load_round(d).disclosure
    assert rules is not None and rules.min_count == 4 and rules.published_reproduction == ("tabeller",)
    assert rules.is_published_reproduction("tabeller") and rules.symbols == {"suppressed": ":", "missing": "..",
                                                                             "zero": "-"}


def _bad(case_id: str, tmp_path: Path) -> tuple[object, dict[str, str]]:
    if case_id.startswith("disclosure-") and case_id in ("disclosure-unknown-key", "disclosure-small-groups-value"):
        d = tmp_path / "r"
        shutil.copytree(ANNEN, d)
        extra = "  min_cout: 2\n" if case_id == "disclosure-unknown-key" else "  small_groups: drop\n"
        with open(d / "round.yaml", "a", encoding="utf-8") as fh:
            fh.write("disclosure:\n" + extra)
        return lambda: load_round(d), {"file": str(d / "round.yaml")}
    if case_id == "disclosure-duplicate-table":
        return lambda: protect_tables(_units(), [CountTable("A", "svar"), CountTable("A", "svar", "rhf")],
                                      DisclosureRules()), {}
    if case_id == "disclosure-refused":
        return lambda: protect_tables(_units(), TABLES, DisclosureRules(min_units_per_group=1),
                                      secondary=False).check(), {}
    raise AssertionError(case_id)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_input_gives_its_message(case: dict[str, str], tmp_path: Path) -> None:
    call, fill = _bad(case["id"], tmp_path)
    with pytest.raises(SamanalyseError) as exc:
        call()  # type: ignore[operator]
    assert str(exc.value) == case["message"].format(**fill)
