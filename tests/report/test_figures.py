"""Tests of samanalyse.report.figures: the priority, loadings and parallel-analysis figures, deterministic saves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import samanalyse.report.figures as rf
from samanalyse.analysis.priorities import item_clusters, priority_scores
from samanalyse.errors import SamanalyseWarning
from samanalyse.stats.factor.correlation import correlations
from samanalyse.stats.factor.efa import efa
from samanalyse.stats.factor.parallel import parallel_analysis
from samanalyse.survey.rounds import load_codebook, load_round

LABELS = np.array(["Høy prioritet", "Middels prioritet", "Ikke prioritet", "Vet ikke/ikke aktuelt"])


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")


@pytest.fixture(scope="module")
def synth(cb, synthetic_labels) -> dict:
    data, _, _ = synthetic_labels()
    scores = priority_scores(data, codebook=cb, aggregate="mean")
    fit = efa(correlations(scores, method="pearson", missing="pairwise"), n_factors=2, method="minres",
              rotation="oblimin")
    cl = item_clusters(fit, codebook=cb, n_boot=40, seed=7, markers=load_round("2010").plan.priorities.clusters)
    return {"data": data, "scores": scores, "fit": fit, "clusters": cl}


def _overlaps(boxes: list) -> bool:
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if boxes[i].overlaps(boxes[j]):
                return True
    return False


TITLES = load_round("2010").plan.priorities.figures


@pytest.mark.parametrize("form, nbars", [("kommune", 10), ("helseforetak", 7)])
def test_plot_priorities(synth: dict, cb, form: str, nbars: int) -> None:
    data = synth["data"].iloc[: (187 if form == "kommune" else 18)]
    fig = rf.plot_priorities(data, codebook=cb, form=form, title=TITLES[form])
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert len(labels) == nbars
    assert _overlaps([t.get_window_extent(renderer) for t in labels]) is False
    assert all(max(len(line) for line in t.get_text().split("\n")) <= 48 for t in labels)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(LABELS)
    assert legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0 + 1  # below the bars
    title = fig._suptitle.get_text().replace("\n", " ")
    assert (f"svar fra {len(data)} kommuner" if form == "kommune" else f"svar fra {len(data)} helseforetak") in title
    # sorted: share of Høy prioritet decreases upwards (highest at the bottom, as the study)
    high = [p.get_width() for p in ax.containers[0]]
    assert high == sorted(high, reverse=True)


def test_plot_priorities_uses_form_column(synth: dict, cb) -> None:
    data = synth["data"].copy()
    data["form"] = ["helseforetak"] * 18 + ["kommune"] * (len(data) - 18)
    fig = rf.plot_priorities(data, codebook=cb, form="helseforetak", title=TITLES["helseforetak"])
    assert "svar fra 18 helseforetak" in fig._suptitle.get_text().replace("\n", " ")
    with pytest.raises(ValueError, match="'sykehus'"):
        rf.plot_priorities(data, codebook=cb, form="sykehus")


def test_other_figures_and_deterministic_save(synth: dict, cb, tmp_path: Path) -> None:
    figs = {
        "loadings": rf.plot_loadings(synth["fit"], codebook=cb, clusters=synth["clusters"]),
        "parallel": rf.plot_parallel(parallel_analysis(synth["scores"], correlation="pearson",
                                                       missing="pairwise", n_iter=5, seed=1)),
        "fig8": rf.plot_priorities(synth["data"], codebook=cb, form="kommune"),
    }
    for name, fig in figs.items():
        a = rf.save_figure(fig, tmp_path / "a" / name)
        b = rf.save_figure(fig, tmp_path / "b" / f"{name}.png")
        assert [p.suffix for p in a] == [".png", ".svg"]
        for pa, pb in zip(a, b):
            assert pa.read_bytes() == pb.read_bytes(), name
    svg = (tmp_path / "a" / "fig8.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    with pytest.raises(ValueError, match="'pdf'"):
        rf.save_figure(figs["fig8"], tmp_path / "x", formats=("pdf",))


def test_all_warnings_are_samanalyse_warnings() -> None:
    from samanalyse.stats.polychoric import NotPositiveDefiniteWarning

    assert issubclass(NotPositiveDefiniteWarning, SamanalyseWarning)
    import samanalyse.analysis.priorities as fx

    assert set(fx.__all__) <= set(dir(fx))


NOTE = load_round("2010").plan.priorities.figure_note


@pytest.mark.parametrize("form", ["kommune", "helseforetak"])
def test_reconstruction_note_stands_clear_of_bars_legend_and_ticks(synth: dict, cb, form: str) -> None:
    data = synth["data"].iloc[: (187 if form == "kommune" else 18)]
    fig = rf.plot_priorities(data, codebook=cb, form=form, title=TITLES[form], note=NOTE)
    ax = fig.axes[0]
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    note = next(t for t in fig.texts if t.get_text().replace("\n", " ") == NOTE)
    box = note.get_window_extent(r)
    others = [ax.get_window_extent(r), ax.get_legend().get_window_extent(r)]
    others += [t.get_window_extent(r) for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    assert not any(box.overlaps(o) for o in others)
    assert box.y1 <= ax.get_legend().get_window_extent(r).y0          # under the legend
    fig_box = fig.bbox
    assert box.x0 >= fig_box.x0 and box.x1 <= fig_box.x1 and box.y0 >= fig_box.y0  # on the figure, not cut


def test_priorities_in_english_use_the_codebooks_english_texts(synth: dict, cb) -> None:
    data = synth["data"].iloc[:18]
    fig = rf.plot_priorities(data, codebook=cb, form="helseforetak", lang="en")
    labels = {t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()}
    assert "Better information technology" in labels and "Bedre informasjonsteknologi" not in labels
    nb = {t.get_text().replace("\n", " ") for t in rf.plot_priorities(data, codebook=cb, form="helseforetak")
          .axes[0].get_yticklabels()}
    assert "Bedre informasjonsteknologi" in nb


def test_factor_figures_speak_the_reports_language(synth: dict, cb) -> None:
    fig = rf.plot_loadings(synth["fit"], codebook=cb)
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert "Bedre informasjonsteknologi" in labels and not any("_" in lab for lab in labels)  # not the ids
    values = [t.get_text() for t in fig.axes[0].texts]
    assert values and all("," in v and "." not in v for v in values)       # 0,67: decimal comma
    assert fig.axes[0].get_title().startswith("Ladninger")
    en = rf.plot_loadings(synth["fit"], codebook=cb, lang="en")
    assert all("." in t.get_text() for t in en.axes[0].texts) and en.axes[0].get_title().startswith("Loadings")
    assert "Better information technology" in [t.get_text().replace("\n", " ") for t in en.axes[0].get_yticklabels()]
    pa = parallel_analysis(synth["scores"], correlation="pearson", missing="pairwise", n_iter=5, seed=1)
    nb, en = rf.plot_parallel(pa), rf.plot_parallel(pa, lang="en")
    assert nb.axes[0].get_ylabel() == "Egenverdi" and en.axes[0].get_ylabel() == "Eigenvalue"
    assert "95 %-persentil" in " ".join(t.get_text() for t in nb.axes[0].get_legend().get_texts())
    nb.canvas.draw()
    ticks = [t.get_text() for t in nb.axes[0].get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks) and not any("." in t for t in ticks)


def _value_labels_left_out_of_layout_lie_inside_the_axes(fig) -> int:  # type: ignore[no-untyped-def]
    """The labels on bars and cells are not measured by the layout, which is harmless only if each lies
    inside its axes (the layout makes room for what sticks out); the number of such labels."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    n = 0
    for ax in fig.axes:
        box = ax.get_window_extent(renderer)
        for t in ax.texts:
            if t.get_in_layout():
                continue
            e = t.get_window_extent(renderer)
            assert box.x0 - 0.5 <= e.x0 and e.x1 <= box.x1 + 0.5 and box.y0 - 0.5 <= e.y0 and e.y1 <= box.y1 + 0.5, \
                t.get_text()
            n += 1
    return n


def test_value_labels_are_inside_the_axes_and_left_out_of_the_layout(synth: dict, cb) -> None:
    fig8 = rf.plot_priorities(synth["data"], codebook=cb, form="kommune", title=TITLES["kommune"])
    loadings = rf.plot_loadings(synth["fit"], codebook=cb, clusters=synth["clusters"])
    assert _value_labels_left_out_of_layout_lie_inside_the_axes(fig8) >= 10   # the "xx %" on the bars
    assert _value_labels_left_out_of_layout_lie_inside_the_axes(loadings) == len(synth["fit"].loadings)  # one per cell
