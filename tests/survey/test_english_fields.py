"""Optional English fields: short_en/text_en per codebook item, title_en per catalogue table (for --lang en)."""

from __future__ import annotations

from pathlib import Path

from samanalyse.survey.rounds import load_round

ROUND = load_round("2010")


def test_satisfaction_items_have_english_texts():
    cb = ROUND.codebook
    assert cb.item("q14").short_en == "Home – GP – outpatient clinic"
    assert cb.item("q20").short_en == "Chronically ill"
    for item in ("q14", "q16", "q18", "q20"):
        it = cb.item(item)
        assert it.text_en.startswith("How well do you think the health trust") and it.short_en
    assert cb.item("q5a").short_en == "Agreements at strategic level"      # every 2010 item has them now
    other = load_round(Path(__file__).parents[1] / "data" / "rounds" / "annen").codebook
    assert all(it.text_en == "" and it.short_en == "" for it in other.item_list)  # optional: empty when not given


def test_tables_t01_to_t07_have_english_titles():
    for tid in ("T01", "T02", "T04", "T05", "T06", "T07"):
        assert ROUND.catalogue.spec(tid)["title_en"].startswith("Satisfaction with cooperation on "), tid
    assert ROUND.catalogue.spec("T02")["title_en"].endswith("Answers from municipalities by municipality size")
