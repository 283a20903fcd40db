"""Bad inputs of the published layer: each gives a SamanalyseError with an exact message.

Transcription CSV files (cells, tables, statements), the reconstruction spec,
the transcription's notation, a round without published figures, and bad
arguments of the audit and the comparison.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from samanalyse.errors import SamanalyseError
from samanalyse.published.audit import audit, percent_check
from samanalyse.published.audit.notation import read_notation
from samanalyse.published.comparison import compare_with_published
from samanalyse.published.reconstruction import load_spec
from samanalyse.published.transcription import (
    load_published,
    read_cells,
    read_published,
    read_statements,
    read_tables,
)
from samanalyse.survey.rounds import load_round

ROUND = load_round("2010")
PUBLISHED = ROUND.published_dir

#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "published-cells-missing-column", "area": "Publiserte tall",
     "input": "A cells.csv whose header lacks the status column",
     "message": "{file}: missing column(s): status.\n  - {file}, line 1: header: missing column(s): status. "
                "Allowed: cell_id, table, population, breakdown, group, item, category, value, unit, status, base, "
                "line, note."},
    {"id": "published-cells-value-not-a-number", "area": "Publiserte tall",
     "input": "A cells.csv with the value 7x in row 3",
     "message": "{file} has 1 bad value(s).\n  - {file}, line 3: row 3, column value: '7x' is not a number. "
                "Allowed: a number."},
    {"id": "published-csv-stray-quote", "area": "Publiserte tall",
     "input": "A cells.csv with an unmatched quote in row 2",
     "message": "{file} is malformed.\n  - {file}: (file): not a readable CSV file (Error tokenizing data. C error: "
                "EOF inside string starting at row 1). Allowed: comma-separated values with a header row."},
    {"id": "published-file-missing", "area": "Publiserte tall",
     "input": "A published folder without cells.csv",
     "message": "Missing published-figures file {file}."},
    {"id": "published-tables-n-not-whole", "area": "Publiserte tall",
     "input": "A tables.csv whose n_kommuner in row 2 is 18x",
     "message": "{file} has 1 bad value(s) in column n_kommuner.\n  - {file}, line 2: row 2, column n_kommuner: "
                "'18x' is not a whole number. Allowed: a whole number."},
    {"id": "published-statements-bad-wording", "area": "Publiserte tall",
     "input": "A statements.csv with the wording 'roughly' in row 2",
     "message": "{file} has 1 bad value(s) in column wording.\n  - {file}, line 2: row 2, column wording: "
                "'roughly' is not allowed. Allowed: exact, approximate, vague."},
    {"id": "published-unknown-table", "area": "Publiserte tall",
     "input": "A cells.csv naming table T99, which tables.csv does not list",
     "message": "The published figures in {file} refer to unknown tables.\n  - {file}/cells.csv, line 2: row 2, "
                "column table: table 'T99' is not in tables.csv. Allowed: a table id of tables.csv."},
    {"id": "published-round-without-figures", "area": "Publiserte tall",
     "input": "A round whose round.yaml has no published: key",
     "message": "No published figures for round 'annen': {file} names no published figures (key 'published')."},
    {"id": "reconstruction-spec-schema", "area": "Rekonstruksjon",
     "input": "A reconstruction.yaml whose seed is text",
     "message": "The reconstruction spec has 1 problem:\n  - {file}, line 19: seed: 'x' is not of type 'integer'. "
                "Allowed: a value of type integer."},
    {"id": "reconstruction-spec-unknown-table", "area": "Rekonstruksjon",
     "input": "A reconstruction.yaml excluding a table the catalogue does not have",
     "message": "The reconstruction spec has 1 problem:\n  - {file}, line 31: published.excluded.T99: table 'T99' is "
                "not in the table catalogue. Allowed: T01, T02, T04, T05, T06, T07, T10, T11, T14, T16, T19, T22, "
                "T25, T27, T31, T34, T37, T40, T43, T45, T47, T49, T50, T53, T56, T57, V3."},
    {"id": "reconstruction-spec-unknown-topic", "area": "Rekonstruksjon",
     "input": "A reconstruction.yaml whose draft trait names a topic no item has",
     "message": "The reconstruction spec has 1 problem:\n  - {file}, line 184: draft.traits[3].topic: no item has "
                "topic 'vaer'. Allowed: avtaler_og_ledelse, fritekst, interkommunalt_samarbeid, "
                "kunnskap_og_kompetanse, prioritet, status."},
    {"id": "notation-unknown-shorthand", "area": "Publiserte tall",
     "input": "A notation.yaml whose prefixes name a shorthand that categories does not define",
     "message": "The transcription of the published figures has 1 problem:\n  - {file}, line 23: prefixes[0]: 'ikke vet' is not a shorthand of "
                "'categories'. Allowed: gjennomført, gode, usikre/dårlige, vet ikke."},
    {"id": "audit-bad-group-size", "area": "Revisjon",
     "input": "audit() with a group size of -1",
     "message": "Group size of ('p', 'Samlet') must be a whole number >= 0, got -1."},
    {"id": "audit-bad-base", "area": "Revisjon",
     "input": "percent_check() with a base of 0 respondents",
     "message": "n must be a positive whole number of respondents, got 0."},
    {"id": "comparison-without-round", "area": "Reproduksjon",
     "input": "compare_with_published() with neither the published cells nor the round",
     "message": "compare_with_published needs the published cells or the round to read them from."},
]


def _edit_csv(src: Path, dst: Path, edit: Callable[[list[list[str]]], None]) -> Path:
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"))))[:4]
    edit(rows)
    with open(dst, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return dst


def _set(rows: list[list[str]], row: int, column: str, value: str) -> None:
    rows[row][rows[0].index(column)] = value


def _round_copy(tmp: Path, edit: Callable[[str], str]) -> Path:
    folder = tmp / "r"
    shutil.copytree(ROUND.path, folder)
    spec = folder / "reconstruction.yaml"
    spec.write_text(edit(spec.read_text(encoding="utf-8")), encoding="utf-8")
    return spec


def _trigger(case: str, tmp: Path) -> tuple[Callable[[], object], Path | str]:
    """The call that fails for ``case`` and the file its message names."""
    if case == "published-cells-missing-column":
        f = _edit_csv(PUBLISHED / "cells.csv", tmp / "cells.csv", lambda r: r[0].__setitem__(r[0].index("status"), "stat"))
        return (lambda: read_cells(f)), f
    if case == "published-cells-value-not-a-number":
        f = _edit_csv(PUBLISHED / "cells.csv", tmp / "cells.csv", lambda r: _set(r, 2, "value", "7x"))
        return (lambda: read_cells(f)), f
    if case == "published-csv-stray-quote":
        f = tmp / "cells.csv"
        f.write_bytes(b'cell_id,table\n"T01-001,T01\n')
        return (lambda: read_cells(f)), f
    if case == "published-file-missing":
        return (lambda: read_published(tmp)), tmp / "cells.csv"
    if case == "published-tables-n-not-whole":
        f = _edit_csv(PUBLISHED / "tables.csv", tmp / "tables.csv", lambda r: _set(r, 1, "n_kommuner", "18x"))
        return (lambda: read_tables(f)), f
    if case == "published-statements-bad-wording":
        f = _edit_csv(PUBLISHED / "statements.csv", tmp / "statements.csv", lambda r: _set(r, 1, "wording", "roughly"))
        return (lambda: read_statements(f)), f
    if case == "published-unknown-table":
        for name in ("tables.csv", "statements.csv"):
            shutil.copy(PUBLISHED / name, tmp / name)
        _edit_csv(PUBLISHED / "cells.csv", tmp / "cells.csv", lambda r: _set(r, 1, "table", "T99"))
        return (lambda: read_published(tmp)), tmp
    if case == "published-round-without-figures":
        rnd = load_round(Path(__file__).parents[1] / "data" / "rounds" / "annen")
        return (lambda: load_published(rnd)), rnd.path / "round.yaml"
    if case == "reconstruction-spec-schema":
        f = _round_copy(tmp, lambda t: t.replace("seed: 20100401", "seed: x"))
        return (lambda: load_spec(f.parent)), f
    if case == "reconstruction-spec-unknown-table":
        f = _round_copy(tmp, lambda t: t.replace("    T57: >-", "    T99: >-"))
        return (lambda: load_spec(f.parent)), f
    if case == "reconstruction-spec-unknown-topic":
        f = _round_copy(tmp, lambda t: t.replace("- {topic: interkommunalt_samarbeid}", "- {topic: vaer}"))
        return (lambda: load_spec(f.parent)), f
    if case == "notation-unknown-shorthand":
        f = tmp / "notation.yaml"
        f.write_text((PUBLISHED / "notation.yaml").read_text(encoding="utf-8")
                     .replace("prefixes: [vet ikke]", "prefixes: [ikke vet]"), encoding="utf-8")
        return (lambda: read_notation(f)), f
    if case == "audit-bad-group-size":
        return (lambda: audit(pd.DataFrame(columns=["cell_id", "table", "population", "breakdown", "group", "item",
                                                     "category", "value", "status", "line"]),
                              {("p", "Samlet"): -1})), ""
    if case == "audit-bad-base":
        return (lambda: percent_check(10, 0)), ""
    if case == "comparison-without-round":
        return (lambda: compare_with_published(pd.DataFrame())), ""
    raise AssertionError(case)


def test_ids_are_unique_and_well_formed():
    ids = [b["id"] for b in BAD_INPUTS]
    assert len(ids) == len(set(ids))
    assert all(i == i.lower() and " " not in i and "_" not in i for i in ids)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[b["id"] for b in BAD_INPUTS])
def test_bad_input_gives_its_message(case, tmp_path):
    call, file = _trigger(case["id"], tmp_path)
    with pytest.raises(SamanalyseError) as exc:
        call()
    assert str(exc.value) == case["message"].replace("{file}", str(file))
