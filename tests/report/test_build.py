"""The one-command report: what it writes, that it is whole, labelled and reproducible."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from samanalyse.report.build import ReportSettings, build_report
from samanalyse.survey.rounds import load_round

ROUND = load_round("2010")
FAST = ReportSettings.from_plan(ROUND.plan, n_boot=50, n_iter=20, n_sim=2000)
#: A made-up round without published numbers (made by the lead), if it is there yet.
OTHER = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "2010"
    lines: list[str] = []
    old = os.umask(0o027)  # modes must follow the user's umask
    try:
        result = build_report(ROUND, out, settings=FAST, progress=lines.append)
    finally:
        os.umask(old)
    return out, result, lines


def test_everything_listed_exists(report):
    out, result, lines = report
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(f for f in result.files if f != "manifest.json")
    for f in result.files:
        assert (out / f).is_file(), f
    for needed in ("index.html", "rapport.xlsx", "tables/T01.csv", "tables/V3.csv", "tables/revisjon_funn.csv",
                   "figures/figur8_kommuner.png", "figures/figur8_kommuner.svg", "figures/parallellanalyse.png"):
        assert needed in result.files
    assert len(lines) == len(manifest["steps"])  # one progress line per step
    assert manifest["reconstructed_data"] is True
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def test_html_is_labelled_and_self_contained(report):
    out, result, _ = report
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "respondentdataene er rekonstruert" in page
    assert "Tabell 1: Tilfredshet med samhandling om helsetjenester til kronisk syke" in page
    assert "Vedlegg 3" in page and "Metode" in page
    assert "http://" not in page and "https://" not in page  # opens from disk, no network
    # Figur 8 and 9, loadings, parallel analysis; satisfaction by RHF and size class; experience per topic (3)
    for fig in ("figur8_kommuner", "figur9_helseforetak", "faktorladninger", "parallellanalyse", "andel_rhf",
                "andel_size_class", "erfaringer_avtaler_og_ledelse", "erfaringer_kunnskap_og_kompetanse",
                "erfaringer_interkommunalt_samarbeid"):
        assert f"<figure id='fig-{fig}'><img alt=" in page and f"figures/{fig}.svg" in result.files


def test_tables_carry_published_value_and_difference(report):
    out, _, _ = report
    t01 = pd.read_csv(out / "tables" / "T01.csv", dtype={"cell_id": str})
    row = t01.set_index("cell_id").loc["T01-001"]  # Tabell 1, kommuner, Helse Midt, Dårlig: printed 26 %
    assert row["published"] == 26 and row["regenerated"] == 26 and row["difference"] == 0
    assert {"published", "regenerated", "difference", "match", "outcome"} <= set(t01.columns)


def test_xlsx_formatting(report):
    from openpyxl import load_workbook

    out, _, _ = report
    wb = load_workbook(out / "rapport.xlsx")
    ws = wb["T01"]
    header = next(r for r in range(1, 20) if ws.cell(row=r, column=2).value == "Kommuner: Dårlig – regenerert")
    assert ws.freeze_panes == f"B{header + 1}"
    first = ws.cell(row=header + 1, column=2)  # Helse Midt, kommuner, Dårlig: printed 26 %
    assert first.number_format == "0%" and abs(first.value - 0.26) < 1e-12
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
    assert ws.column_dimensions["A"].width >= len("Helse Sør-Øst")


def test_rerun_gives_identical_tables(report, tmp_path):
    out, _, _ = report
    again = tmp_path / "again"
    build_report(ROUND, again, settings=FAST)
    for f in sorted((out / "tables").iterdir()):
        assert f.read_bytes() == (again / "tables" / f.name).read_bytes(), f.name
    assert (out / "rapport.xlsx").read_bytes() == (again / "rapport.xlsx").read_bytes()
    for name in ("figur8_kommuner.svg", "figur8_kommuner.png"):
        assert (out / "figures" / name).read_bytes() == (again / "figures" / name).read_bytes()


def test_settings_come_from_the_plan():
    s = ReportSettings.from_plan(ROUND.plan)
    assert (s.seed, s.n_boot, s.n_iter, s.n_sim) == (ROUND.plan.settings.seed, ROUND.plan.settings.n_boot,
                                                     ROUND.plan.settings.n_iter, ROUND.plan.settings.n_sim)
    assert (s.correlation, s.missing) == (ROUND.plan.priorities.correlation, ROUND.plan.priorities.missing)
    with pytest.raises(TypeError, match="no setting 'n_boots'"):
        ReportSettings.from_plan(ROUND.plan, n_boots=5)


def test_modes_follow_the_umask(report):
    out, _, _ = report
    assert out.stat().st_mode & 0o777 == 0o750
    for p in out.rglob("*"):
        assert p.stat().st_mode & 0o777 == (0o750 if p.is_dir() else 0o640), p


def test_texts_come_from_the_round(report):
    out, _, _ = report
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f"<title>{ROUND.title} – regenerert</title>" in page
    assert ROUND.notes["respondents"].split()[0] in page
    d = ROUND.size_reference_date.split("-")
    assert f"folkemengde {int(d[2])}.{int(d[1])}.{d[0]}" in page
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = {i["file"] for i in manifest["inputs"]}
    assert f"{ROUND.path.name}/round.yaml" in names and f"{ROUND.path.name}/plan.yaml" in names
    assert manifest["settings"]["seed"] == ROUND.plan.settings.seed


def test_failure_leaves_target_untouched(tmp_path, monkeypatch):
    from samanalyse.report import build as rep

    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("old", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({"samanalyse_version": "0", "round": "2010",
                                                   "files": ["keep.txt"]}), encoding="utf-8")

    def boom(ctx):
        raise RuntimeError("step failed")

    monkeypatch.setattr(rep, "STEPS", rep.STEPS[:2] + [("boom", boom)])
    with pytest.raises(RuntimeError):
        build_report(ROUND, out, settings=FAST)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt", "manifest.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".r.")]


def test_xlsx_zip_has_fixed_times(report):
    out, _, _ = report
    with zipfile.ZipFile(out / "rapport.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.skipif(not (OTHER / "round.yaml").is_file(), reason="tests/data/rounds/annen is not there yet")
def test_round_without_published_numbers(tmp_path):
    from samanalyse.errors import DataError
    from samanalyse.io.datasets import load_round_data

    rnd = load_round(OTHER)
    assert not rnd.has_published
    try:
        load_round_data(rnd)
    except DataError as exc:
        pytest.skip(f"the made-up round's responses do not load: {str(exc).splitlines()[0]}")
    out = tmp_path / "annen"
    result = build_report(rnd, out, settings=ReportSettings.from_plan(rnd.plan, n_boot=20, n_iter=10, n_sim=500))
    assert result.scorecard == {}
    assert "tables/revisjon_funn.csv" not in result.files
    for tid in rnd.catalogue.tables:
        assert f"tables/{tid}.csv" in result.files
        cells = pd.read_csv(out / "tables" / f"{tid}.csv")
        assert {"n", "percent", "value"} <= set(cells.columns) and "published" not in cells.columns
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Publiserte tall" not in page and "ingen publiserte tall" in page
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["published_numbers"] is False and manifest["round"] == rnd.name


def test_without_published_numbers_tables_come_from_the_data(tmp_path, monkeypatch):
    from samanalyse.report import build as rep
    from samanalyse.survey.rounds import Round

    rnd = Round(ROUND.name, ROUND.path, {k: v for k, v in ROUND.meta.items() if k != "published"})
    assert not rnd.has_published
    keep = {"data", "respondenter", "tabeller", "revisjon", "html", "xlsx"}
    monkeypatch.setattr(rep, "STEPS", [(n, f) for n, f in rep.STEPS if n in keep])
    result = build_report(rnd, tmp_path / "r", settings=FAST)
    assert [n for n, _ in result.steps] == ["data", "respondenter", "tabeller", "html", "xlsx"]  # no audit
    assert result.scorecard == {} and "tables/revisjon_funn.csv" not in result.files
    t01 = pd.read_csv(tmp_path / "r" / "tables" / "T01.csv")
    assert "published" not in t01.columns and {"count", "n", "percent", "value"} <= set(t01.columns)
    # Tabell 1, kommuner, Helse Midt, Dårlig: 26 % (as printed); n = the kommuner of Helse Midt that answered
    row = t01[(t01["population"] == "kommuner") & (t01["group"] == "Helse Midt") & (t01["category"] == "Dårlig")]
    assert row["value"].tolist() == [26] and row["n"].tolist() == [39]
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "Publiserte tall" not in page and "ingen publiserte tall" in page and "regenerert / publisert" not in page
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "r" / "rapport.xlsx")["T01"]
    row = next(r for r in range(1, 30) if ws.cell(row=r, column=2).value == "Kommuner: Dårlig – prosent")
    header = [c.value for c in ws[row]]  # title, n, notes and source sit above the header
    assert "Kommuner: Dårlig – prosent" in header and "Kommuner: n" in header
    assert ws.cell(row=row + 1, column=header.index("Kommuner: Dårlig – prosent") + 1).number_format == "0%"


# ---- issue 17: the factor analysis computed ahead in a forked process -----------------------------------


def test_one_process_and_two_give_the_same_files(report, tmp_path):
    """workers=1 runs every step in this process; the default forks the factor analysis ahead: same bytes."""
    out, result, _ = report
    one = tmp_path / "one"
    single = build_report(ROUND, one, settings=FAST, workers=1)
    assert single.files == result.files
    for name in result.files:
        if name != "manifest.json":
            assert (out / name).read_bytes() == (one / name).read_bytes(), name
    m1, m2 = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (one, out))
    assert m1["warnings"] == m2["warnings"] and m1["files"] == m2["files"]
    assert set(m1["factor_timings"]) == set(m2["factor_timings"])


def _only(steps, *names):
    from samanalyse.report import build as rep

    return [s for s in rep.STEPS if s[0] in names] + list(steps)


def _report_with_job(tmp_path, monkeypatch, compute, collect, workers=2):
    """A report of the data step, ``compute`` as a background job after it, and a step ``collect``; the
    keyword arguments its manifest was built from (``facts``, ``warnings``, ...)."""
    from samanalyse.report import build as rep

    seen = {}
    monkeypatch.setattr(rep, "STEPS", _only([("samle", collect)], "data"))
    monkeypatch.setattr(rep, "BACKGROUND", [("data", compute)])
    monkeypatch.setattr(rep, "build_manifest", lambda *a, **k: seen.update(k) or {"files": []})
    build_report(ROUND, tmp_path / "r", settings=FAST, workers=workers)
    return seen


@pytest.mark.parametrize("workers", [1, 2])
def test_background_result_and_warnings_reach_the_step(tmp_path, monkeypatch, workers):
    import warnings

    from samanalyse.errors import SmallCellWarning
    from samanalyse.report.background import can_fork

    def compute(ctx):
        warnings.warn("raised while computing", SmallCellWarning)
        return os.getpid()

    def collect(ctx):
        ctx.facts["pid"] = ctx.prepared(compute)

    seen = _report_with_job(tmp_path, monkeypatch, compute, collect, workers)
    assert "samle: SmallCellWarning: raised while computing" in seen["warnings"]
    forked = workers > 1 and can_fork()
    assert (seen["facts"]["pid"] != os.getpid()) == forked


def test_a_background_failure_is_computed_again_with_the_real_error(tmp_path, monkeypatch):
    from samanalyse.errors import DataError
    from samanalyse.report import build as rep

    parent = os.getpid()
    calls = []

    def compute(ctx):
        calls.append(os.getpid())
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        raise DataError("the step's own error")

    monkeypatch.setattr(rep, "STEPS", _only([("samle", lambda ctx: ctx.prepared(compute))], "data"))
    monkeypatch.setattr(rep, "BACKGROUND", [("data", compute)])
    out = tmp_path / "r"
    with pytest.raises(DataError, match="the step's own error"):
        build_report(ROUND, out, settings=FAST, workers=2)
    assert calls == [parent]          # the child's call was in the child; here only the step's own
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".r.")]


def test_a_background_job_that_saw_replaced_data_is_computed_again(tmp_path, monkeypatch):
    """A step replacing ctx.data after the fork (disclosure control merging groups) voids the background result."""
    from samanalyse.report import build as rep

    def compute(ctx):
        return ("rows", len(ctx.data))

    def replace(ctx):
        ctx.data = ctx.data.iloc[:10].copy()

    def collect(ctx):
        ctx.facts["got"] = ctx.prepared(compute)

    seen = {}
    monkeypatch.setattr(rep, "STEPS", _only([("erstatt", replace), ("samle", collect)], "data"))
    monkeypatch.setattr(rep, "BACKGROUND", [("data", compute)])
    monkeypatch.setattr(rep, "build_manifest", lambda *a, **k: seen.update(k) or {"files": []})
    build_report(ROUND, tmp_path / "r", settings=FAST, workers=2)
    assert seen["facts"]["got"] == ("rows", 10)


@pytest.mark.parametrize("change", ["nothing more", "a hook", "a section in place"])
def test_a_whole_step_in_the_background_is_taken_over_or_run_again(tmp_path, monkeypatch, change):
    """BACKGROUND_STEPS: a step that only adds files and facts is run in the child and taken over; one that
    changes more (a hook; a note added in place to an earlier section) is run again by the report itself."""
    import warnings

    from samanalyse.errors import SmallCellWarning
    from samanalyse.report import build as rep
    from samanalyse.report.background import can_fork

    def step(ctx):
        warnings.warn("from the step", SmallCellWarning)
        (ctx.out / "egen.txt").write_text(str(os.getpid()), encoding="utf-8")
        ctx.files.append("egen.txt")
        ctx.facts["egen_pid"] = os.getpid()
        if change == "a hook":
            ctx.hooks.append(lambda name, frame: frame)
        elif change == "a section in place":
            next(iter(ctx.sections.values()))[0].notes.append("added later")

    seen = {}
    monkeypatch.setattr(rep, "STEPS", _only([("egen", step)], "data", "respondenter"))
    monkeypatch.setattr(rep, "BACKGROUND", [])
    monkeypatch.setattr(rep, "BACKGROUND_STEPS", {"egen": "data"})
    monkeypatch.setattr(rep, "build_manifest", lambda *a, **k: seen.update(k) or {"files": []})
    out = tmp_path / "r"
    result = build_report(ROUND, out, settings=FAST, workers=2)
    assert "egen.txt" in result.files and "egen: SmallCellWarning: from the step" in seen["warnings"]
    in_child = can_fork() and change == "nothing more"
    assert (seen["facts"]["egen_pid"] != os.getpid()) == in_child
    assert (out / "egen.txt").read_text(encoding="utf-8") == str(seen["facts"]["egen_pid"])


def test_a_lazy_step_imports_its_module_only_when_called(tmp_path, monkeypatch):
    """build.Lazy: naming a step's function imports nothing; calling it imports the module and runs it."""
    import sys

    from samanalyse.report.background import job_key
    from samanalyse.report.build import Lazy

    (tmp_path / "lazy_probe_mod.py").write_text("def run(ctx):\n    return ('ran', ctx)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lazy_probe_mod", raising=False)
    fn = Lazy("lazy_probe_mod", "run")
    assert "lazy_probe_mod" not in sys.modules
    assert job_key(fn) == "lazy_probe_mod.run"
    assert fn(7) == ("ran", 7)
    assert job_key(sys.modules["lazy_probe_mod"].run) == job_key(fn)   # found by the same key once imported


def test_while_waiting_for_a_child_the_report_imports_its_later_steps(tmp_path, monkeypatch):
    """A step that must wait for a background result lets the report import the modules of the steps after it
    meanwhile (not those a child is running); the later step then finds its module imported."""
    import sys

    from samanalyse.report import build as rep
    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")
    (tmp_path / "later_probe_mod.py").write_text(
        "import time\nIMPORTED = time.monotonic()\n\ndef run(ctx):\n    ctx.facts['ran'] = time.monotonic()\n",
        encoding="utf-8")
    (tmp_path / "drawn_probe_mod.py").write_text("def run(ctx):\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    for m in ("later_probe_mod", "drawn_probe_mod"):
        monkeypatch.delitem(sys.modules, m, raising=False)

    def slow(ctx):
        import time

        time.sleep(1.0)
        return "done"

    def collect(ctx):
        ctx.facts["got"] = ctx.prepared(slow)
        ctx.facts["collected"] = __import__("time").monotonic()

    seen = {}
    monkeypatch.setattr(rep, "STEPS", _only([("samle", collect), ("tegnet", rep.Lazy("drawn_probe_mod", "run")),
                                             ("senere", rep.Lazy("later_probe_mod", "run"))], "data"))
    monkeypatch.setattr(rep, "BACKGROUND", [("data", slow)])
    monkeypatch.setattr(rep, "BACKGROUND_STEPS", {"tegnet": "data"})
    monkeypatch.setattr(rep, "build_manifest", lambda *a, **k: seen.update(k) or {"files": []})
    build_report(ROUND, tmp_path / "r", settings=FAST, workers=2)
    facts = seen["facts"]
    assert facts["got"] == "done"
    assert sys.modules["later_probe_mod"].IMPORTED < facts["collected"] < facts["ran"]
    assert "drawn_probe_mod" not in sys.modules      # run (and imported) in the child only


def test_background_processes_inherit_the_shared_libraries(tmp_path):
    """The libraries the report and its children both use are imported once, before the first fork: a
    background job finds them imported when it starts (checked in a fresh interpreter, where nothing else
    imported them); a report in one process forks nothing and imports them only when a step needs them."""
    import subprocess
    import sys

    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")
    probe = """
import json, sys
from samanalyse.report import build as rep
def seen(ctx):
    return [m for m in rep.SHARED_LIBRARIES if m not in sys.modules]
def collect(ctx):
    ctx.facts["missing_in_child"] = ctx.prepared(seen)
got = {}
rep.STEPS = [s for s in rep.STEPS if s[0] in ("data", "grupper")] + [("samle", collect)]
rep.BACKGROUND = [("grupper", seen)]
rep.build_manifest = lambda *a, **k: got.update(k) or {"files": []}
rep.build_report("2010", sys.argv[1], workers=int(sys.argv[2]))
print(json.dumps(got["facts"]["missing_in_child"]))
"""
    runs = {w: json.loads(subprocess.run([sys.executable, "-c", probe, str(tmp_path / f"r{w}"), w], capture_output=True,
                                         text=True, check=True).stdout.splitlines()[-1]) for w in ("2", "1")}
    assert runs["2"] == []
    assert "matplotlib.figure" in runs["1"]     # in one process nothing is imported ahead


# ---- issue 17: the first steps run in a child while the report's process imports ----------------------


def test_head_steps_end_at_the_first_step_a_background_job_starts_after(monkeypatch):
    from samanalyse.report import build as rep

    steps = [("a", None), ("b", None), ("c", None), ("d", None)]
    monkeypatch.setattr(rep, "BACKGROUND", [("c", len), ("d", len)])
    monkeypatch.setattr(rep, "BACKGROUND_STEPS", {"d": "c"})
    assert [n for n, _ in rep.head_steps(steps)] == ["a", "b", "c"]
    monkeypatch.setattr(rep, "BACKGROUND", [])
    monkeypatch.setattr(rep, "BACKGROUND_STEPS", {"d": "b"})
    assert [n for n, _ in rep.head_steps(steps)] == ["a", "b"]
    monkeypatch.setattr(rep, "BACKGROUND_STEPS", {})
    assert rep.head_steps(steps) == []      # no background job: nothing to import ahead for


def test_the_first_steps_run_in_a_child_and_the_report_takes_over_what_they_left(tmp_path, monkeypatch):
    """With two workers the data is loaded in a forked child while this process imports; the report goes
    on with the context the child left (data, facts, warnings, time per step) and the respondents it read,
    so a later step does not read them again; one worker loads them here."""
    import warnings

    from samanalyse.errors import SmallCellWarning
    from samanalyse.io import datasets
    from samanalyse.report import build as rep
    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")
    parent = os.getpid()

    def data(ctx):
        rep._step_data(ctx)
        ctx.facts["data_pid"] = os.getpid()
        warnings.warn("while loading", SmallCellWarning)

    def later(ctx):   # what a later step finds here
        ctx.facts["rows"] = len(ctx.data)
        ctx.facts["respondents"] = len(datasets.round_respondents(ctx.round))

    reads = []
    read = datasets.respondents
    monkeypatch.setattr(datasets, "respondents", lambda *a, **k: reads.append(os.getpid()) or read(*a, **k))
    seen, lines = {}, []
    for workers in (2, 1):
        monkeypatch.setattr(datasets, "_CACHE", {})   # nothing read before, in this process
        monkeypatch.setattr(rep, "STEPS", [("data", data), ("samle", later)])
        monkeypatch.setattr(rep, "BACKGROUND", [("data", lambda ctx: None)])
        monkeypatch.setattr(rep, "build_manifest", lambda *a, **k: seen.update({workers: k}) or {"files": []})
        reads.clear()
        build_report(ROUND, tmp_path / f"r{workers}", settings=FAST, workers=workers, progress=lines.append)
        facts = seen[workers]["facts"]
        assert (facts["data_pid"] != parent) == (workers == 2)
        assert facts["rows"] == 205 and facts["respondents"] == 205   # 187 kommuner and 18 helseforetak
        assert reads == ([] if workers == 2 else [parent])   # read once: in the child, or here
        assert "data: SmallCellWarning: while loading" in seen[workers]["warnings"]
        assert [n for n, _ in seen[workers]["steps"]] == ["data", "samle"]
    assert lines[:2] == [f"[1/2] data ({seen[2]['steps'][0][1]:.1f} s)", f"[2/2] samle ({seen[2]['steps'][1][1]:.1f} s)"]


def test_a_failed_head_child_leaves_the_steps_to_the_report_with_their_own_error(tmp_path, monkeypatch):
    from samanalyse.errors import DataError
    from samanalyse.report import build as rep

    parent = os.getpid()
    calls = []

    def data(ctx):
        calls.append(os.getpid())
        raise DataError("the data step's own error" if os.getpid() == parent else "only in the child")

    monkeypatch.setattr(rep, "STEPS", [("data", data), ("samle", lambda ctx: None)])
    monkeypatch.setattr(rep, "BACKGROUND", [("data", lambda ctx: None)])
    out = tmp_path / "r"
    with pytest.raises(DataError, match="the data step's own error"):
        build_report(ROUND, out, settings=FAST, workers=2)
    assert calls == [parent]          # the child's call was in the child; here only the step's own
    assert not out.exists()


def test_a_background_job_computes_in_its_one_process(tmp_path, monkeypatch):
    """A job forked by the report runs with ctx.workers = 1 (its bootstrap and figures fork no workers of
    their own); the report's process keeps its number."""
    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")

    def compute(ctx):
        return os.getpid(), ctx.workers

    def collect(ctx):
        ctx.facts["job"] = ctx.prepared(compute)
        ctx.facts["here"] = ctx.workers

    seen = _report_with_job(tmp_path, monkeypatch, compute, collect)
    pid, workers = seen["facts"]["job"]
    assert pid != os.getpid() and workers == 1 and seen["facts"]["here"] == 2


def test_charts_a_background_process_claimed_but_did_not_deliver_are_drawn_by_the_step(report, tmp_path,
                                                                                          monkeypatch):
    """The charts' background process claims every chart and fails: the figurer step draws them all itself,
    and the files are those of a report whose charts were all delivered."""
    from samanalyse.report import charts
    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")
    parent = os.getpid()
    real = charts.draw_claimed

    def claim_all_then_fail(plans, folder, claims):
        if os.getpid() == parent:
            return real(plans, folder, claims)
        for p in plans:
            Path(claims).mkdir(parents=True, exist_ok=True)
            (Path(claims) / p.name).touch()
        raise RuntimeError("the charts' child fails after claiming them")

    monkeypatch.setattr(charts, "draw_claimed", claim_all_then_fail)
    out, result, _ = report
    again = build_report(ROUND, tmp_path / "r", settings=FAST, workers=2)
    drawn = [f for f in result.files if f.startswith("figures/")]
    assert again.files == result.files and drawn
    for name in drawn:
        assert (tmp_path / "r" / name).read_bytes() == (out / name).read_bytes(), name
    assert not (tmp_path / "r" / ".figurer_krav").exists()


_HEAD_PROBE = '''
import os, warnings
from samanalyse.errors import DataError, SmallCellWarning

PARENT = int(os.environ["HEAD_PROBE_PARENT"])


def prepare(ctx):
    warnings.warn("while preparing", SmallCellWarning)
    if os.environ.get("HEAD_PROBE_FAIL"):
        raise DataError("the step's own error") if os.getpid() == PARENT else RuntimeError("only in the child")
    return os.getpid(), len(ctx.data)


def run(ctx):
    ctx.facts["probe"] = ctx.prepared(prepare)
'''


@pytest.mark.parametrize("fail", [False, True])
def test_the_head_child_goes_on_with_a_later_steps_computation(tmp_path, monkeypatch, fail):
    """HEAD_PREPARED: after sending the context back, the head's child computes a later step's prepare
    (the cell suppression in a report); the step collects it with its warnings, or, if it failed in the
    child, computes it itself and meets its own error."""
    import sys

    from samanalyse.errors import DataError
    from samanalyse.report import build as rep
    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")
    (tmp_path / "head_probe_mod.py").write_text(_HEAD_PROBE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "head_probe_mod", raising=False)
    monkeypatch.setenv("HEAD_PROBE_PARENT", str(os.getpid()))
    if fail:
        monkeypatch.setenv("HEAD_PROBE_FAIL", "1")
    seen = {}
    monkeypatch.setattr(rep, "STEPS", [("data", rep._step_data), ("probe", rep.Lazy("head_probe_mod", "run"))])
    monkeypatch.setattr(rep, "BACKGROUND", [("data", lambda ctx: None)])
    monkeypatch.setattr(rep, "HEAD_PREPARED", [rep.Lazy("head_probe_mod", "prepare")])
    monkeypatch.setattr(rep, "build_manifest", lambda *a, **k: seen.update(k) or {"files": []})
    if fail:
        with pytest.raises(DataError, match="the step's own error"):
            build_report(ROUND, tmp_path / "r", settings=FAST, workers=2)
        return
    build_report(ROUND, tmp_path / "r", settings=FAST, workers=2)
    pid, rows = seen["facts"]["probe"]
    assert pid != os.getpid() and rows == 205
    assert seen["warnings"].count("probe: SmallCellWarning: while preparing") == 1


_HEAD_PAIR = '''
import os, time
from pathlib import Path

FLAG = Path(os.environ["HEAD_PAIR_FLAG"])


def first(ctx):
    return os.getpid()


def second(ctx):   # waits (up to 20 s) until the report has collected the first value
    deadline = time.monotonic() + 20
    while not FLAG.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid(), FLAG.exists()


def run_first(ctx):
    ctx.facts["first"] = ctx.prepared(first)
    FLAG.touch()


def run_second(ctx):
    ctx.facts["second"] = ctx.prepared(second)
'''


def test_each_head_computation_reaches_its_step_as_soon_as_it_is_made(tmp_path, monkeypatch):
    """The head's child sends each HEAD_PREPARED value when it has it: the first step collects the first
    value while the child still computes the second (which waits until the first was collected)."""
    import sys

    from samanalyse.report import build as rep
    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")
    (tmp_path / "head_pair_mod.py").write_text(_HEAD_PAIR, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "head_pair_mod", raising=False)
    monkeypatch.setenv("HEAD_PAIR_FLAG", str(tmp_path / "collected"))
    seen = {}
    monkeypatch.setattr(rep, "STEPS", [("data", rep._step_data), ("en", rep.Lazy("head_pair_mod", "run_first")),
                                       ("to", rep.Lazy("head_pair_mod", "run_second"))])
    monkeypatch.setattr(rep, "BACKGROUND", [("data", lambda ctx: None)])
    monkeypatch.setattr(rep, "HEAD_PREPARED", [rep.Lazy("head_pair_mod", "first"), rep.Lazy("head_pair_mod", "second")])
    monkeypatch.setattr(rep, "build_manifest", lambda *a, **k: seen.update(k) or {"files": []})
    build_report(ROUND, tmp_path / "r", settings=FAST, workers=2)
    pid, flag_seen = seen["facts"]["second"]
    assert seen["facts"]["first"] == pid != os.getpid()
    assert flag_seen is True


def test_objects_are_frozen_for_the_children_and_thawed_after(tmp_path, monkeypatch):
    """Before it forks, the report freezes the objects it has (gc.freeze, issue 17): a background job sees
    them frozen; when the report ends, nothing is left frozen (a notebook's collector works as before)."""
    import gc

    from samanalyse.report.background import can_fork

    if not can_fork():
        pytest.skip("needs fork")

    def compute(ctx):
        return gc.get_freeze_count()

    def collect(ctx):
        ctx.facts["job"] = ctx.prepared(compute)

    assert gc.get_freeze_count() == 0
    seen = _report_with_job(tmp_path, monkeypatch, compute, collect)
    assert seen["facts"]["job"] > 10_000     # the libraries' objects, at least
    assert gc.get_freeze_count() == 0
