"""The trend section of a report (``samanalyse report --round DIR --compare ROUND``)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pandas as pd
import pytest

from samanalyse.analysis.trends import ASSUMED, PUBLISHED, TREND_COLUMNS, compare_rounds
from samanalyse.cli import main
from samanalyse.errors import ChangedItemWarning
from samanalyse.report.build import build_report

TESTS = Path(__file__).resolve().parents[1]
NEW = TESTS / "data" / "rounds" / "trend_ny"
OLD = TESTS / "data" / "rounds" / "trend_gammel"


@pytest.fixture(scope="module")
def against_2010(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "trend_ny"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_report(NEW, out, compare="2010")
    return out


def _sums(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in [folder / "tables" / "trend.csv", *sorted((folder / "figures").glob("trend_*.png"))]}


def test_trend_csv_is_the_api_frame(against_2010: Path) -> None:
    csv = pd.read_csv(against_2010 / "tables" / "trend.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == TREND_COLUMNS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChangedItemWarning)
        api = compare_rounds(NEW, "2010")
    assert len(csv) == len(api) == 3 * 3 * (1 + 4 + 3)        # q14, q16, q18 x 3 categories x groups
    for col in ("share_old", "share_new", "difference", "ci_low", "ci_high", "p", "p_adjusted", "p_bh"):
        assert csv[col].to_numpy() == pytest.approx(api[col].to_numpy(), abs=1e-12), col
    assert set(csv["rests_on"]) == {PUBLISHED, ASSUMED}


def test_trend_page_has_tables_charts_and_the_refusal(against_2010: Path) -> None:
    page = (against_2010 / "trend.html").read_text(encoding="utf-8")
    assert "Endring fra 2010 til trend_ny" in page
    assert page.count("data:image/png;base64,") == 2           # one item group, by RHF and by size class
    assert "Runde 2010 er rekonstruert" in page
    assert "Parret analyse (kommune): ikke gjort" in page and "allow_reconstructed=True" in page
    assert "wording" in page                                   # the changed item is marked
    assert not (against_2010 / "tables" / "trend_parret.csv").exists()
    for by in ("rhf", "size_class"):
        assert (against_2010 / "figures" / f"trend_kommune_status_{by}.png").is_file()


def test_rerun_is_byte_identical(against_2010: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_report(NEW, out, compare="2010")
    assert _sums(out) == _sums(against_2010)


def test_cli_compare_between_two_collected_rounds_runs_the_paired_analysis(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["report", "--round", str(NEW), "--compare", str(OLD), "--out", str(out), "--quiet"]) == 0
    paired = pd.read_csv(out / "tables" / "trend_parret.csv")
    assert paired.set_index("item").loc["q14", "p_adjusted"] < 0.001
    trend = pd.read_csv(out / "tables" / "trend.csv", keep_default_na=False)
    assert set(trend["item"]) == {"q14", "q16", "q18", "q22"}   # q30 has no earlier item


def test_without_compare_there_is_no_trend(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = build_report(NEW, out)
    assert "trend" not in dict(res.steps)
    assert not (out / "trend.html").exists() and not (out / "tables" / "trend.csv").exists()


def test_english_trend_page_has_no_norwegian_words_of_the_section(tmp_path: Path) -> None:
    """--lang en: every word of the section comes from the translation table (group trend_section)."""
    import yaml

    root = Path(__file__).resolve().parents[2] / "data" / "translations"
    nb = yaml.safe_load((root / "nb.yaml").read_text(encoding="utf-8"))["trend_section"]
    en = yaml.safe_load((root / "en.yaml").read_text(encoding="utf-8"))["trend_section"]
    out = tmp_path / "en"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_report(NEW, out, compare=OLD, lang="en")
    page = (out / "trend.html").read_text(encoding="utf-8")
    assert "Change from trend_gammel to trend_ny" in page and "Paired analysis: kommuner" in page
    for key, word in nb.items():
        fixed = str(word).split("{")[0].strip()          # the text before any filled-in value
        if len(fixed) > 4 and word != en[key]:
            assert fixed not in page, key


def test_paired_counts_follow_the_disclosure_rules(tmp_path: Path) -> None:
    """An item with 2 kommuner that changed answer (< min_count 3) or 4 pairs (< min_base 5) loses its count,
    statistic and p; 10 changes in 40 pairs stay (2010's rules, round.yaml: 3 and 5)."""
    from samanalyse.report.context import Context, ReportSettings
    from samanalyse.report.sections.trend import _paired_under_rules
    from samanalyse.survey.rounds import load_round

    rnd = load_round("2010")
    ctx = Context(round=rnd, out=tmp_path, settings=ReportSettings.from_plan(rnd.plan))
    p = pd.DataFrame({"item": ["a", "b", "c"], "n_pairs": [40, 40, 4], "discordant": [10, 2, 1],
                      "statistic": [4.0, 0.5, 1.0], "p": [0.04, 0.5, 0.3], "p_adjusted": [0.1, 0.9, 0.9],
                      "p_bh": [0.1, 0.6, 0.6]})
    out, hidden = _paired_under_rules(ctx, p)
    assert hidden
    assert list(out["symbol"]) == ["", ":", ":"]
    assert out.loc[0, "discordant"] == 10 and out.loc[0, "p"] == 0.04
    assert out.loc[1:, ["discordant", "statistic", "p", "p_adjusted", "p_bh"]].isna().all().all()
    assert list(out["n_pairs"]) == [40, 40, 4]          # the pairs are published: respondents of both rounds
