"""A new round made with ``init`` + ``add`` takes the default disclosure rules, and its report works with them.

The exports are MADE-UP answers (tests/data/minimal_exports.py) thinned so that the round has small groups:
helseforetak per RHF 5 (Helse Sør-Øst), 3 (Helse Vest), 2 (Helse Midt) and 1 (Helse Nord), and exactly 2
kommuner in the largest size class. With the defaults (groups of fewer than 3 responding units merged) the
report merges Helse Midt and Helse Nord (2 + 1 = 3 units) into «Øvrige» and the 2 large kommuner into their
neighbour class, suppresses what the rules ask, proves every suppressed cell safe and is not refused.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from samanalyse.io.round_folder import add_export, init_round
from samanalyse.report.build import build_report
from samanalyse.survey.disclosure import DisclosureRules
from samanalyse.survey.registers import kommuner
from samanalyse.survey.rounds import load_round

DATA = Path(__file__).resolve().parents[1] / "data"
#: helseforetak kept per RHF (the first ones of each RHF in the 2024 register's order)
KEEP = {"Helse Sør-Øst": 5, "Helse Vest": 3, "Helse Midt": 2, "Helse Nord": 1}


def _exports(folder: Path) -> dict[str, Path]:
    spec = importlib.util.spec_from_file_location("minimal_exports", DATA / "minimal_exports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    files = mod.write_minimal_exports(folder, n_kommuner=80, n_hf=19)
    from samanalyse.survey.registers import helseforetak

    rhf = helseforetak(2024)["rhf"]
    hf = pd.read_csv(files["helseforetak"], dtype=str, keep_default_na=False)
    hf = pd.concat([g.head(KEEP[r]) for r, g in hf.groupby(hf["helseforetak"].map(rhf), sort=False)])
    hf.to_csv(files["helseforetak"], index=False)
    k = pd.read_csv(files["kommune"], dtype=str, keep_default_na=False)
    big = k["kommunenummer"].map(kommuner(2024)["folkemengde_2026"]) > 10000   # "Store kommuner" (round.yaml)
    k = pd.concat([k[~big], k[big].head(2)]).sort_values("kommunenummer")
    k.to_csv(files["kommune"], index=False)
    return files


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Path]]:
    tmp = tmp_path_factory.mktemp("ny_runde")
    files = _exports(tmp / "eksport")
    rnd = init_round(tmp / "runde", "2010")
    for form, f in files.items():
        assert add_export(f, rnd, form).ok
    build_report(rnd.path, tmp / "rapport")
    return rnd.path, tmp / "rapport", files


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_init_writes_the_default_rules_with_bokmal_comments(report: tuple[Path, Path, dict[str, Path]]) -> None:
    folder, _, _ = report
    assert load_round(folder).disclosure == DisclosureRules()
    text = (folder / "round.yaml").read_text(encoding="utf-8")
    block = text[text.index("disclosure:"):]
    assert "min_count: 3" in block and "# celler med færre enheter enn dette (1 eller 2) vises som «:»" in block
    # add rewrote only the responses block: the rules and their comments are as init wrote them
    assert "# Prikking (vern av dem som svarte)" in text


def test_small_groups_are_merged_and_listed(report: tuple[Path, Path, dict[str, Path]]) -> None:
    _, out, files = report
    k = pd.read_csv(files["kommune"], dtype=str)
    pop = k["kommunenummer"].map(kommuner(2024)["folkemengde_2026"])
    middle = int(((pop > 3000) & (pop <= 10000)).sum())   # hand count of the export's middle class
    assert int((pop > 10000).sum()) == 2
    got = _rows(out / "tables" / "prikking_grupper.csv")
    # in the catalogue's order of the grouping columns (RHF first)
    assert got == [
        {"form": "helseforetak", "by": "rhf", "small": "Helse Midt|Helse Nord", "members": "Helse Midt|Helse Nord",
         "label": "Øvrige", "units": "3", "k": "3"},
        {"form": "kommune", "by": "size_class", "small": "Store kommuner",
         "members": "Mellomstore kommuner|Store kommuner", "label": "Mellomstore kommuner og Store kommuner",
         "units": str(middle + 2), "k": "3"}]
    # a table by RHF of both forms: the helseforetak groups are Sør-Øst 5, Vest 3 and Øvrige 3; kommuner untouched
    t01 = _rows(out / "tables" / "T01.csv")
    hf = {r["group"]: r["n"] for r in t01 if r["population"] == "helseforetak" and r["breakdown"] == "rhf"}
    assert hf == {"Helse Sør-Øst": "5", "Helse Vest": "3", "Øvrige": "3"}
    kom = {r["group"] for r in t01 if r["population"] == "kommuner" and r["breakdown"] == "rhf"}
    assert {"Helse Midt", "Helse Nord"} <= kom and "Øvrige" not in kom
    # a table by size class: two classes, the merged one holding middle + 2 kommuner
    spec = load_round(report[0]).catalogue
    tid = next(t for t, s in spec.tables.items() if s.get("by") == "size_class" and s.get("kind") == "by_group")
    sizes = {r["group"]: r["n"] for r in _rows(out / "tables" / f"{tid}.csv") if r["breakdown"] not in ("total", "note")}
    assert list(sizes) == ["Små kommuner", "Mellomstore kommuner og Store kommuner"]
    assert sizes["Mellomstore kommuner og Store kommuner"] == str(middle + 2)


def test_every_suppressed_cell_is_proven_safe_and_blank(report: tuple[Path, Path, dict[str, Path]]) -> None:
    _, out, _ = report
    f = pd.read_csv(out / "tables" / "prikking.csv")
    assert len(f) and set(f["reason"]) == {"primary", "secondary"}
    need = f["reason"].map({"primary": 3, "secondary": 1})
    assert ((f["hi"] - f["lo"]) >= need).all()
    alle = pd.read_csv(out / "tables" / "alle_celler.csv", dtype={"symbol": str})
    gone = alle[alle["symbol"] == ":"]
    assert len(gone) and gone[["count", "percent", "value"]].isna().all().all()
    # no count of 1 or 2 of the helseforetak is printed: the by_group tables and the response-rate table
    # (Vedlegg 3, every counting variant) alike; only its pooled priority rows (several items per row,
    # counts of answers, not of units) are not covered
    cat = load_round(report[0]).catalogue
    rates = [t for t, s in cat.tables.items() if s.get("kind") == "response_rates"]
    assert rates
    shown = alle[(alle["symbol"] != ":") & (alle["population"] == "helseforetak")
                 & ~alle["item"].fillna("").str.startswith("prio_")]
    assert len(shown[shown["table"].isin(rates)]) and not shown["count"].between(1, 2).any()
    v3 = f[f["table"].str.startswith(f"{rates[0]} (")]
    assert len(v3) and set(v3["reason"]) <= {"primary", "secondary"}


def test_the_report_says_what_was_merged(report: tuple[Path, Path, dict[str, Path]]) -> None:
    _, out, _ = report
    html = (out / "index.html").read_text(encoding="utf-8")
    assert ("Helseforetak etter RHF: Helse Midt og Helse Nord har færre enn 3 enheter som svarte; Helse Midt og "
            "Helse Nord er slått sammen til «Øvrige» (3 enheter) for å verne dem som svarte.") in html
    assert "Kommuner etter størrelsesklasse: Store kommuner har færre enn 3 enheter som svarte" in html
    assert "Tegn som hos SSB: «:» = kan ikke offentliggjøres" in html



def test_a_merged_class_gets_intervals_as_the_others(report: tuple[Path, Path, dict[str, Path]]) -> None:
    # init writes no frame: (the register gives it), so every group's interval is Wilson, the merged one's too
    # (a round with frame: gets the merged frame: tests/report/test_disclosure_section.py)
    folder, out, _ = report
    cat = load_round(folder).catalogue
    tid = next(t for t, s in cat.tables.items() if s.get("by") == "size_class" and s.get("kind") == "by_group")
    rows = [r for r in _rows(out / "tables" / f"{tid}.csv") if r["breakdown"] == "size" and r["ci_low"]]
    merged = {r["ci_method"] for r in rows if r["group"] == "Mellomstore kommuner og Store kommuner"}
    assert merged == {r["ci_method"] for r in rows if r["group"] == "Små kommuner"} == {"wilson"}
