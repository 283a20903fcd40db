"""Charts under disclosure control: a suppressed bar is not drawn, shows SSB's ':', and the figure says what ':' means."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.report.build import build_report
from samanalyse.report.charts import has_suppressed, plot_experience, plot_shares_by_group

ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"
LEGEND = "«:» = prikket (for få enheter til å vises)"   # data/translations/nb.yaml, disclosure.suppressed


def _cells() -> pd.DataFrame:
    """Share of "Godt" for two groups of two populations; group B of population y suppressed."""
    return pd.DataFrame({
        "population": ["x", "x", "y", "y"], "group": ["A", "B", "A", "B"], "category": "Godt",
        "percent": [40.0, 60.0, 50.0, np.nan], "ci_low": [30.0, 50.0, 40.0, np.nan],
        "ci_high": [50.0, 70.0, 60.0, np.nan], "n": [40, 50, 12, 4], "symbol": ["", "", "", ":"]})


def _texts(fig) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_a_suppressed_share_is_not_drawn_and_shows_the_symbol() -> None:
    fig = plot_shares_by_group([("Tabell", _cells())], category="Godt", xlabel="Andel", legend=LEGEND)
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    # four bar places: three drawn (40, 60, 50), the suppressed one has no width to draw
    assert sorted(w for w in widths if not np.isnan(w)) == [40.0, 50.0, 60.0] and sum(np.isnan(widths)) == 1
    assert _texts(fig).count(":") == 1 and "n=4" not in _texts(fig)
    assert fig.get_suptitle() == LEGEND
    # without a suppressed cell: no ':' and no legend of it
    clean = _cells().iloc[:3]
    fig = plot_shares_by_group([("Tabell", clean)], category="Godt", xlabel="Andel", legend=LEGEND)
    assert ":" not in _texts(fig) and fig.get_suptitle() == "" and not has_suppressed(clean)


def test_a_stacked_row_with_a_suppressed_share_is_left_out_whole() -> None:
    # the second row's "Dårlig" is suppressed: drawing the rest would show it as the gap
    rows = [("Avtaler (kommuner)", pd.Series({"Godt": 60.0, "Dårlig": 30.0, "Vet ikke": 10.0})),
            ("Avtaler (helseforetak)", pd.Series({"Godt": 50.0, "Dårlig": np.nan, "Vet ikke": np.nan}))]
    fig = plot_experience(rows, categories=["Godt", "Dårlig", "Vet ikke"], xlabel="Prosent", title="T",
                          legend=LEGEND)
    ax = fig.axes[0]
    second = [p.get_width() for p in ax.patches if abs(p.get_y() + p.get_height() / 2 - 1) < 1e-9]
    assert second and all(w == 0 for w in second)
    assert ":" in _texts(fig)
    assert LEGEND in [t.get_text() for leg in fig.legends for t in leg.get_texts()]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # the made-up round with the default rules: helseforetak per RHF 3 / 3 / 5 / 1, Vest merged with Nord
    tmp = tmp_path_factory.mktemp("figurer")
    d = tmp / "runde"
    shutil.copytree(ANNEN, d)
    with open(d / "round.yaml", "a", encoding="utf-8") as fh:
        fh.write("disclosure: {}\n")
    build_report(d, tmp / "rapport")
    return tmp / "rapport"


def test_the_report_charts_say_what_the_symbol_means(report: Path) -> None:
    assert (report / "figures" / "andel_rhf.png").is_file()
    html = (report / "index.html").read_text(encoding="utf-8")
    # table A's helseforetak shares are suppressed (n 3, 4 and 5 under the base rule, or secondary):
    # its chart by RHF shows ':' and its caption says what it means
    figures = [f for f in html.split("<figure")[1:] if "Andel «Fornøyd» per helseregion" in f]
    cap = figures[0].split("</figure>")[0] if figures else ""
    assert "Helseforetak etter RHF: Helse Vest har færre enn 3 enheter som svarte" in html
    seg = html[html.index("id='tabeller-A'"):html.index("id='tabeller-B'")]
    assert "Helse Nord og Helse Vest er slått sammen til «Øvrige» (4 enheter)" in seg   # the note under table A
    # the merged group's row comes before the total (not after it and the footnote)
    assert seg.index("<td class='txt'>Øvrige</td>") < seg.index("<td class='txt'>Samlet</td>")
    assert LEGEND in cap   # the chart's caption


def test_labels_on_the_bars_lie_inside_the_axes_left_out_of_the_layout() -> None:
    from tests.report.test_figures import _value_labels_left_out_of_layout_lie_inside_the_axes

    rows = [("Avtaler (kommuner)", pd.Series({"Godt": 60.0, "Dårlig": 30.0, "Vet ikke": 10.0})),
            ("Ledelse (kommuner)", pd.Series({"Godt": 8.0, "Dårlig": 82.0, "Vet ikke": 10.0}))]
    fig = plot_experience(rows, categories=["Godt", "Dårlig", "Vet ikke"], xlabel="Prosent", title="T")
    assert _value_labels_left_out_of_layout_lie_inside_the_axes(fig) == 6   # every share >= 8 is labelled
    clean = _cells().assign(percent=[40.0, 60.0, 50.0, 3.0], symbol="")
    fig = plot_shares_by_group([("Tabell", clean)], category="Godt", xlabel="Andel")
    assert _value_labels_left_out_of_layout_lie_inside_the_axes(fig) == 4   # "n=..." on every bar
