"""Check the transcription of the published 2010 study against the study text.

data/published/2010/{cells,tables,statements}.csv transcribe every number of
PwC/KS (2010) "I gode og onde dager" (Tabell 1-57, Vedlegg 3 and quantitative
statements in the running text). This test re-reads the extracted study text
and checks, row by row, that what the CSVs claim is printed really stands on
the cited line. Standard library only (csv, re, pathlib) plus pytest.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = REPO / "data" / "published" / "2010"
STUDY = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "004_c35e321e74706501.txt"

CELL_COLS = ["cell_id", "table", "population", "breakdown", "group", "item", "category",
             "value", "unit", "status", "base", "line", "note"]
TABLE_COLS = ["table", "title", "kind", "items", "populations", "n_kommuner",
              "n_helseforetak", "breakdowns", "line", "note"]
STATEMENT_COLS = ["statement_id", "line", "quote", "population", "item", "claim", "implied",
                  "tables", "wording"]

# a printed percentage token: optional number, optional single space, "%"
PCT_TOKEN = re.compile(r"(?<![\d,.])(\d+)?\s?%")
# a bare "%": the nearest non-blank character before it is not a digit
BARE_PCT = re.compile(r"(?:^|[^\d\s])\s*%")


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    path = PUBLISHED / name
    assert path.exists(), f"missing {path}"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def study_lines() -> list[str]:
    if not STUDY.exists():
        pytest.skip(f"study text not available at {STUDY} (the shared seeds folder is not part of "
                    "the repository); cannot verify the transcription against it")
    return STUDY.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def cells() -> list[dict[str, str]]:
    cols, rows = _read("cells.csv")
    assert cols == CELL_COLS
    return rows


@pytest.fixture(scope="module")
def tables() -> list[dict[str, str]]:
    cols, rows = _read("tables.csv")
    assert cols == TABLE_COLS
    return rows


@pytest.fixture(scope="module")
def statements() -> list[dict[str, str]]:
    cols, rows = _read("statements.csv")
    assert cols == STATEMENT_COLS
    return rows


def _line(lines: list[str], n: str) -> str:
    i = int(n)
    assert 1 <= i <= len(lines), f"line {n} out of range"
    return lines[i - 1]


# ------------------------------------------------------------------ cells.csv
def test_cells_schema(cells):
    ids = [c["cell_id"] for c in cells]
    assert len(ids) == len(set(ids)), "cell_id not unique"
    assert ids == sorted(ids), "cells.csv not sorted by cell_id"
    for c in cells:
        assert re.fullmatch(r"(T\d\d|V3)-\d{3}", c["cell_id"]), c["cell_id"]
        assert c["cell_id"].startswith(c["table"] + "-"), c["cell_id"]
        assert c["population"] in {"kommuner", "helseforetak", ""}, c
        assert c["breakdown"] in {"total", "rhf", "size", "index", "note"}, c
        assert c["unit"] in {"%", "n"}, c
        assert c["status"] in {"printed", "unknown", "anomaly"}, c
        if c["breakdown"] == "rhf":
            assert c["group"] in {"Helse Midt", "Helse Nord", "Helse Sør-Øst", "Helse Vest"}, c
        if c["breakdown"] == "size":
            assert c["group"] in {"Små kommuner", "Mellomstore kommuner", "Store kommuner"}, c
        if c["breakdown"] == "total":
            assert c["group"] == "Samlet", c
        if c["status"] == "unknown":
            assert c["value"] == "", c
        else:
            assert re.fullmatch(r"\d+", c["value"]), c
        if c["population"] == "":
            assert c["breakdown"] == "index", c  # only the index tables leave it unstated


def test_every_value_stands_on_its_line(cells, study_lines):
    bad = []
    for c in cells:
        if c["value"] == "":
            continue
        text = _line(study_lines, c["line"])
        if not re.search(r"(?<![\d,.])" + re.escape(c["value"]) + r"\s?%", text):
            bad.append((c["cell_id"], c["value"], c["line"], text))
    assert not bad, f"{len(bad)} values not found on their line: {bad[:10]}"


def test_unknown_cells_are_bare_percent(cells, study_lines):
    bad = []
    for c in cells:
        if c["status"] != "unknown":
            continue
        text = _line(study_lines, c["line"])
        if "no % sign" in c["note"]:
            # a row label printed with no values at all (Tabell 50 'Sum')
            ok = text.strip() == c["category"] and not re.search(r"\d", text)
        else:
            ok = bool(BARE_PCT.search(text))
        if not ok:
            bad.append((c["cell_id"], c["line"], text))
    assert not bad, bad


def test_every_percent_on_a_cited_line_is_transcribed(cells, study_lines):
    """Completeness per line: each % token on a cited line has exactly one cell row."""
    per_line = Counter(c["line"] for c in cells if "no % sign" not in c["note"])
    bad = []
    for ln, n in per_line.items():
        found = len(PCT_TOKEN.findall(_line(study_lines, ln)))
        if found != n:
            bad.append((ln, found, n))
    assert not bad, f"(line, % tokens in text, cell rows): {bad}"


def test_anomalies_are_impossible_values(cells):
    for c in cells:
        if c["status"] == "anomaly":
            assert c["unit"] == "%" and int(c["value"]) > 100, c


# ------------------------------------------------------------------ tables.csv
def test_tables_cover_cells(tables, cells, study_lines):
    ids = [t["table"] for t in tables]
    assert len(ids) == len(set(ids))
    expected = {f"T{i:02d}" for i in range(1, 58)} | {"V3"}
    assert expected <= set(ids), expected - set(ids)
    numeric = {t["table"] for t in tables if t["kind"] == "numeric"}
    assert {c["table"] for c in cells} == numeric
    for t in tables:
        assert t["kind"] in {"numeric", "free-text", "list"}, t
        text = _line(study_lines, t["line"])
        if t["table"] == "V3":
            assert "Vedlegg 3" in text
        else:
            num = int(t["table"][1:3])
            assert re.search(rf"Tabell {num}\b", text), (t["table"], text)


# ------------------------------------------------------------------ statements.csv
def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def test_statement_quotes_are_verbatim(statements, study_lines):
    ids = [s["statement_id"] for s in statements]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    bad = []
    for s in statements:
        ln = int(s["line"])
        lo, hi = max(1, ln - 12), min(len(study_lines), ln + 12)
        window = " ".join(_norm(x) for x in study_lines[lo - 1:hi] if x.strip())
        if _norm(s["quote"]) not in window:
            bad.append((s["statement_id"], ln))
        assert s["wording"] in {"exact", "approximate", "vague"}, s
    assert not bad, bad
