"""Change between two rounds (samanalyse.analysis.trends) on two made-up rounds with planted changes.

The rounds are written by tests/data/make_trend_rounds.py: q14 planted clearly up (0.45 -> 0.80 «Godt»),
q16 and q22 (= q20 of the older round, by ``same_as``) unchanged, q18 unchanged with a changed
wording, q30 new; 0104 Moss and 0136 Rygge (older round) merged into 3103 Moss (newer round) and both
answer; 1613 Snillfjord and 1850 Tysfjord (split in 2020) answer in the older round. Expected values
come from R (tests/reference/make_trend_reference.R, which joins, collapses and maps on its own).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.trends import (
    ASSUMED,
    COLLECTED,
    PAIRED_COLUMNS,
    PUBLISHED,
    TREND_COLUMNS,
    compare_rounds,
    matched_items,
    paired_changes,
)
from samanalyse.errors import ChangedItemWarning, SamanalyseError

TESTS = Path(__file__).resolve().parents[1]
NEW = TESTS / "data" / "rounds" / "trend_ny"
OLD = TESTS / "data" / "rounds" / "trend_gammel"
REF = json.loads((TESTS / "reference" / "trend.json").read_text(encoding="utf-8"))
TOL = 1e-8

#: Catalogued bad inputs of the round comparison.
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "trend-paired-reconstructed", "area": "Endring mellom runder",
     "input": "a paired analysis against a reconstructed round without allow_reconstructed=True",
     "message": "Round 2010 is a reconstruction: which kommune answered what rests on the reconstruction's "
                "assumptions, not on its published numbers, so a paired analysis against it describes the "
                "assumptions, not the round. Pass allow_reconstructed=True to run it anyway (its rows then say "
                "rests_on='rekonstruksjonens antakelser')."},
    {"id": "trend-unknown-form", "area": "Endring mellom runder",
     "input": "compare_rounds on a form a round does not have",
     "message": "Round trend_ny has no form 'helseforetak'; its forms are kommune."},
    {"id": "trend-unknown-grouping", "area": "Endring mellom runder",
     "input": "compare_rounds grouped by something else than RHF and size class",
     "message": "by=['fylke']: groups are 'rhf' and 'size_class' (the total is always included)."},
    {"id": "trend-unknown-map", "area": "Endring mellom runder",
     "input": "compare_rounds with an unknown map",
     "message": "map='2020': allowed are 'own' (each round's register) and 'newer' (the newer map)."},
]

_CALLS = {
    "trend-paired-reconstructed": lambda: paired_changes(NEW, "2010"),
    "trend-unknown-form": lambda: compare_rounds(NEW, OLD, form="helseforetak"),
    "trend-unknown-grouping": lambda: compare_rounds(NEW, OLD, by=("fylke",)),
    "trend-unknown-map": lambda: compare_rounds(NEW, OLD, map="2020"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c["id"])
def test_bad_input_message(case: dict[str, str]) -> None:
    with pytest.raises(SamanalyseError) as exc:
        _CALLS[case["id"]]()
    assert str(exc.value) == case["message"]


@pytest.fixture(scope="module")
def own() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChangedItemWarning)
        return compare_rounds(NEW, OLD)


def _row(t: pd.DataFrame, item: str, category: str, by: str = "total", group: str = "total") -> pd.Series:
    hit = t[(t["item"] == item) & (t["category"] == category) & (t["by"] == by) & (t["group"] == group)]
    assert len(hit) == 1, (item, category, by, group)
    return hit.iloc[0]


def test_columns_are_fixed(own: pd.DataFrame) -> None:
    assert list(own.columns) == TREND_COLUMNS


def test_only_matched_items_are_compared() -> None:
    with pytest.warns(ChangedItemWarning, match=r"q18 .* wording changed: Spørsmålet sier nå «utskriving»"):
        m = matched_items(NEW, OLD)
    assert [(x.item, x.item_old, x.how) for x in m] == [("q14", "q14", "id"), ("q16", "q16", "id"),
                                                        ("q18", "q18", "id"), ("q22", "q20", "same_as")]
    assert m[2].changed == ("wording",)


@pytest.mark.parametrize("row", REF["independent"], ids=lambda r: f"{r['item']}-{r['category']}-{r['by']}-{r['group']}")
def test_rows_equal_r_survey(own: pd.DataFrame, row: dict) -> None:
    ours = _row(own, row["item"], row["category"], row["by"], row["group"])
    assert ours["item_old"] == row["item_old"]
    for col in ("n_old", "frame_old", "n_new", "frame_new"):
        assert ours[col] == row[col], col
    for col in ("share_old", "share_new", "difference", "ci_low", "ci_high", "p_adjusted", "p_bh"):
        assert ours[col] == pytest.approx(row[col], abs=TOL), col
    assert ours["p"] == pytest.approx(row["p"], rel=1e-8, abs=1e-300)
    for col in ("ci_low_old", "ci_high_old", "ci_low_new", "ci_high_new"):
        if row[col] is None:   # a share of 0: svyciprop's logit interval is undefined
            continue
        assert ours[col] == pytest.approx(row[col], abs=TOL), col


def test_every_r_row_and_no_other(own: pd.DataFrame) -> None:
    assert len(own) == len(REF["independent"]) == 4 * 3 * (1 + 4 + 3)


def test_planted_rise_is_found(own: pd.DataFrame) -> None:
    r = _row(own, "q14", "Godt")
    assert r["difference"] > 0.3 and r["ci_low"] > 0.25 and r["p_adjusted"] < 1e-10
    assert r["cohen_h"] > 0.8           # a large effect (Cohen: 0.8)


def test_no_change_is_found_where_there_is_none(own: pd.DataFrame) -> None:
    for item in ("q16", "q18", "q22"):
        for cat in ("Godt", "Dårlig", "Vet ikke/ikke aktuelt"):
            r = _row(own, item, cat)
            assert r["ci_low"] < 0 < r["ci_high"] and r["p_adjusted"] > 0.05, (item, cat)


def test_changed_wording_is_carried_on_its_rows(own: pd.DataFrame) -> None:
    assert set(own.loc[own["item"] == "q18", "changed"]) == {"wording"}
    assert set(own.loc[own["item"] != "q18", "changed"]) == {""}
    assert set(own["rests_on"]) == {COLLECTED}


def test_newer_map_places_merged_kommuner_and_flags_splits() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChangedItemWarning)
        t = compare_rounds(NEW, OLD, map="newer")
    assert t.attrs["split_excluded"] == 2          # 1613 Snillfjord and 1850 Tysfjord
    total = _row(t, "q14", "Godt")
    assert (total["n_old"], total["frame_old"]) == (198, 428)
    # 1444 Hornindal (Helse Vest in 2010) is part of 1577 Volda (Helse Midt) in 2024
    frames = t[(t["item"] == "q14") & (t["category"] == "Godt") & (t["by"] == "rhf")].set_index("group")["frame_old"]
    assert frames.to_dict() == {"Helse Midt": 85, "Helse Nord": 87, "Helse Sør-Øst": 172, "Helse Vest": 84}


@pytest.mark.parametrize("collapse,key", [(None, "three"), ("godt_ikke", "two")])
def test_paired_analysis_equals_r(collapse: str | None, key: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChangedItemWarning)
        p = paired_changes(NEW, OLD, collapse=collapse)
    assert list(p.columns) == PAIRED_COLUMNS
    ref = {r["item"]: r for r in REF["paired"] if r["collapse"] == key}
    for _, row in p.iterrows():
        r = ref[row["item"]]
        assert row["test"] == r["test"] and row["n_pairs"] == r["n_pairs"] and row["df"] == r["df"]
        assert row["statistic"] == pytest.approx(r["statistic"], abs=TOL)
        assert row["p"] == pytest.approx(r["p"], abs=TOL)
    assert (p["merged_units"] > 0).all() and (p["split_excluded"] == 2).all()
    sig = p.set_index("item")["p_adjusted"]
    assert sig["q14"] < 0.001 and (sig.drop("q14") > 0.05).all()


def test_merged_kommune_takes_the_answer_of_the_larger_population() -> None:
    # 3103 Moss (2024) = 0104 Moss (about 30 000 inhabitants in 2009) + 0136 Rygge (about 14 500)
    from samanalyse.analysis.trends import _old_answer_per_unit
    from samanalyse.io.datasets import load_round_data
    from samanalyse.survey.rounds import load_round

    old, new = load_round(OLD), load_round(NEW)
    data = load_round_data(old)
    moss = data.set_index("respondent").loc[["0104", "0136"]]
    assert moss.loc["0104", "population"] > moss.loc["0136", "population"]
    item = old.codebook.item("q20")
    best, parts, _ = _old_answer_per_unit(old, data, item, "godt_darlig", new, "kommune")
    expect = dict(item.scale.collapse("godt_darlig").mapping())[item.scale.code_of(moss.loc["0104", "q20"])]
    assert parts["3103"] == 2 and best["3103"] == expect


def test_against_the_reconstruction_only_printed_shares_are_facts() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChangedItemWarning)
        t = compare_rounds(NEW, "2010")
        newer = compare_rounds(NEW, "2010", map="newer")
    printed = t["category"].isin(["Godt", "Dårlig"])     # the study prints Godt/Dårlig by RHF, size class, total
    assert set(t.loc[printed, "rests_on"]) == {PUBLISHED}
    assert set(t.loc[~printed, "rests_on"]) == {ASSUMED}  # «Vet ikke» alone is not printed (only with blanks)
    assert set(newer["rests_on"]) == {ASSUMED}
    assert "q22" not in set(t["item"])                     # same_as names the made-up round, not 2010


def test_paired_analysis_against_the_reconstruction_when_asked() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChangedItemWarning)
        p = paired_changes(NEW, "2010", allow_reconstructed=True)
    assert set(p["rests_on"]) == {ASSUMED} and np.isfinite(p["statistic"]).all()


def test_same_as_naming_a_missing_item_is_warned_and_not_compared(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "trend_ny"
    shutil.copytree(NEW, folder)
    cb = folder / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8").replace('same_as: "trend_gammel:q20"', 'same_as: "trend_gammel:q99"'),
                  encoding="utf-8")
    with pytest.warns(ChangedItemWarning, match=r"q22 .* same_as: 'trend_gammel:q99', but round trend_gammel has no "
                                                r"item 'q99' on form 'kommune'"):
        m = matched_items(folder, OLD)
    assert "q22" not in [x.item for x in m]


def test_same_as_that_is_not_round_colon_item_is_a_codebook_error(tmp_path: Path) -> None:
    import shutil

    from samanalyse.errors import CodebookError
    from samanalyse.survey.rounds import load_round

    folder = tmp_path / "trend_ny"
    shutil.copytree(NEW, folder)
    cb = folder / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8").replace('same_as: "trend_gammel:q20"', 'same_as: "q20"'),
                  encoding="utf-8")
    with pytest.raises(CodebookError, match=r"same_as .q20. does not name a round and an item. Allowed: .<round>:<item id>. of an earlier round"):
        load_round(folder).codebook
