"""Exports exactly as the platforms write them (issue 18, item 3): the same answers, four shapes, one result.

The exports come from ``tests/data/platform_exports.py``: one draw of answers written as Nettskjema
CSV (question-text and grid headers), Questback XLSX (a title row, ``q5a - ...`` headers), SPSS SAV
(variable labels, value labels, 99 = "Vet ikke" user-missing) and Excel's Norwegian CSV (cp1252 and
``;``), with kommune numbers from before 2020. The expected data is the draw itself
(:func:`platform_exports.expected`), not the output of any reader.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from samanalyse.errors import DataError, KommuneRenumberedWarning
from samanalyse.io.datasets import load_round_data
from samanalyse.io.read import load_responses, read_responses, validate_responses
from samanalyse.io.round_folder import add_export, init_round
from samanalyse.survey.rounds import load_round

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
import platform_exports  # noqa: E402

N_K, N_HF, SEED = 200, 15, 18


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    return platform_exports.write_exports(tmp_path_factory.mktemp("eksport"), N_K, N_HF, SEED)


@pytest.fixture(scope="module")
def runde(tmp_path_factory):
    return init_round(tmp_path_factory.mktemp("r") / "runde", "2010")


@pytest.fixture(scope="module")
def truth():
    return platform_exports.expected(N_K, N_HF, SEED)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Labels as plain objects, every missing value as None (to compare with the draw)."""
    out = df.astype(object)
    return out.where(out.notna(), None).reset_index(drop=True)


@pytest.mark.parametrize("form", ["kommune", "helseforetak"])
@pytest.mark.parametrize("platform", platform_exports.PLATFORMS)
def test_every_platform_export_reads_as_the_drawn_answers(exports, runde, truth, platform, form):
    key = platform if form == "kommune" else f"{platform}_{form}"
    report = validate_responses(exports[key], runde, form)
    assert report.ok, report.format()
    got = _plain(report.responses.data)
    assert got.columns.tolist() == truth[form].columns.tolist()
    pd.testing.assert_frame_equal(got, _plain(truth[form]))


def test_the_four_exports_give_identical_data_frames(exports, runde):
    frames = [read_responses(exports[p], runde, "kommune").data for p in platform_exports.PLATFORMS]
    for f in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], f)


def test_metadata_columns_are_set_aside_in_one_note(exports, runde):
    report = validate_responses(exports["questback_xlsx"], runde, "kommune")
    notes = [w for w in report.warnings if w.kind == "metadata_columns"]
    assert len(notes) == 1
    assert notes[0].message == ("the survey platform's own columns were set aside (not answers): 'Respondent', "
                                "'Status', 'IP-adresse'")
    assert [w.kind for w in report.warnings if w.kind == "skipped_rows"] == ["skipped_rows"]


def test_kommune_numbers_of_before_2020_are_placed_with_a_warning(exports, runde, truth):
    report = validate_responses(exports["nettskjema_csv"], runde, "kommune")
    placed = [w for w in report.warnings if w.kind == "kommune_renumbered"]
    assert len(placed) >= 5
    assert all("no longer exists; placed on" in w.message for w in placed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_responses(exports["nettskjema_csv"], runde, "kommune")
    assert sum(issubclass(c.category, KommuneRenumberedWarning) for c in caught) == len(placed)


def test_spss_vet_ikke_99_is_the_category_never_blank(exports, runde, truth):
    data = read_responses(exports["spss_sav"], runde, "kommune").data
    assert (data["q14"] == "Vet ikke/ikke aktuelt").sum() == (truth["kommune"]["q14"] == "Vet ikke/ikke aktuelt").sum() > 0


def test_round_without_respondents_list_takes_who_answered_from_the_exports(exports, tmp_path):
    """load_round_data of rounds fed by each platform's export: identical, and joined to today's registers."""
    results = []
    for p in platform_exports.PLATFORMS:
        rnd = init_round(tmp_path / p, "2010")
        for form in ("kommune", "helseforetak"):
            report = add_export(exports[p if form == "kommune" else f"{p}_{form}"], rnd, form)
            assert report.ok, report.format()
        results.append(load_round_data(load_round(tmp_path / p)))
    for r in results[1:]:
        pd.testing.assert_frame_equal(results[0], r)
    d = results[0]
    assert (d["form"] == "kommune").sum() == N_K and (d["form"] == "helseforetak").sum() == N_HF
    assert d.loc[d["form"] == "kommune", "rhf"].notna().all()
    trondheim = d[d["respondent"] == "5001"]
    assert trondheim.empty or trondheim["navn"].iloc[0].startswith("Trondheim")


def test_load_responses_uses_the_rounds_mapping_file(tmp_path):
    rnd = init_round(tmp_path / "runde", "2010")
    cb = rnd.codebook
    head = ["Kommunenummer", "Spørsmål A"] + cb.item_ids("kommune")[1:]
    csv = tmp_path / "svar.csv"
    csv.write_text(",".join(head) + "\n" + "0301,Ikke gjennomført" + "," * (len(head) - 2) + "\n", encoding="utf-8")
    mapping = tmp_path / "kolonner.csv"
    mapping.write_text("column,item\nSpørsmål A,q5a\n", encoding="utf-8")
    assert not validate_responses(csv, rnd, "kommune").ok
    assert validate_responses(csv, rnd, "kommune", mapping=mapping).ok
    report = add_export(csv, rnd, "kommune", mapping=mapping)
    assert report.ok, report.format()
    resp = load_responses(load_round(rnd.path), "kommune")
    assert resp.data.loc[0, "q5a"] == "Ikke gjennomført"
    assert resp.data.loc[0, "respondent"] == "0301"


def test_a_bad_mapping_file_names_file_and_row(tmp_path, runde):
    csv = tmp_path / "svar.csv"
    csv.write_text("Kommunenummer,q5a\n0301,Ikke gjennomført\n", encoding="utf-8")
    mapping = tmp_path / "kolonner.csv"
    mapping.write_text("column,item\nq5a,q99\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        validate_responses(csv, runde, "kommune", mapping=mapping)
    assert f"{mapping}: row 2, column 'item': 'q99' is not an item of the codebook" in str(exc.value)
