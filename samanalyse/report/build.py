"""The one-command report: regenerate a round's tables and figures into a folder.

:func:`build_report` runs named steps; each writes into a temporary folder,
which replaces the target folder only when every step has succeeded (nothing
half-written). Output:

- ``index.html``: one self-contained report (Norwegian; the study's table
  numbers and titles; regenerated value, published value and difference side
  by side; audit findings where they apply; a banner when the data is
  reconstructed; a short methods section; figures embedded);
- ``rapport.xlsx``: one sheet per table, percentages formatted, frozen
  headers, fitted column widths, no formulas;
- ``tables/*.csv``: every table in tidy form, with published value and difference;
- ``figures/*.png`` and ``*.svg``;
- ``manifest.json``: package version, inputs with sha256, settings, time per step.

Table files carry no timestamps, so a rerun on the same input gives
byte-identical CSV and XLSX files; run times go to ``manifest.json`` only.
"""

from __future__ import annotations

import base64
import html
import io
import json
import platform
import re
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from samanalyse import __version__
from samanalyse.io.atomic import atomic_dir, sha256_file, write_table_csv
from samanalyse.survey.paths import data_dir, register_dir
from samanalyse.errors import SamanalyseWarning
from samanalyse.survey.rounds import Round, load_round

__all__ = ["ReportResult", "ReportSettings", "build_report", "STEPS"]


@dataclass(frozen=True)
class ReportSettings:
    """Settings of a report run (recorded in ``manifest.json``)."""

    seed: int = 20100401
    n_boot: int = 1000          # bootstrap resamples for cluster stability
    n_iter: int = 100           # parallel-analysis iterations
    n_sim: int = 10000          # Monte Carlo resamples for small-count chi-square tests
    correlation: str = "polychoric"
    missing: str = "pairwise"


@dataclass
class _Section:
    """A block of the report: a table with a caption, optional notes and findings."""

    key: str
    title: str
    frame: pd.DataFrame
    kind: str = "table"            # "study" (a study table with published values) or "table"
    notes: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    html_frame: pd.DataFrame | None = None   # a more compact layout for the web page


@dataclass
class _Context:
    round: Round
    out: Path
    settings: ReportSettings
    data: pd.DataFrame | None = None
    sections: dict[str, list[_Section]] = field(default_factory=dict)
    figures: dict[str, tuple[str, Path]] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, group: str, section: _Section) -> None:
        self.sections.setdefault(group, []).append(section)

    def write_csv(self, name: str, frame: pd.DataFrame) -> None:
        write_table_csv(frame, self.out / "tables" / f"{name}.csv")
        self.files.append(f"tables/{name}.csv")


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` produced."""

    out: Path
    files: tuple[str, ...]
    steps: tuple[tuple[str, float], ...]
    scorecard: dict[str, int]


# ----------------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------------


def _step_data(ctx: _Context) -> None:
    """Load the round's data (through the validating loaders) and audit the published numbers."""
    from samanalyse.published.audit import audit_round
    from samanalyse.io.datasets import load_round_data

    rnd = ctx.round
    ctx.data = load_round_data(rnd.name)
    ctx.facts["audit_result"] = audit_round(rnd.name)
    for f in ("codebook.yaml", "round.yaml", "respondents.csv", "tables.yaml"):
        ctx.inputs.append(rnd.path / f)
    ctx.inputs += [rnd.responses_path(f) for f in rnd.meta.get("responses", {})]
    ctx.inputs += [data_dir() / "published" / rnd.name / "cells.csv", register_dir() / f"kommuner_{rnd.register_year}.csv",
                   register_dir() / f"helseforetak_{rnd.register_year}.csv"]


def _step_respondents(ctx: _Context) -> None:
    """Respondents and response rates per RHF (frame from the registers) and size class."""
    from samanalyse.survey.registers import RHF_ORDER, helseforetak, kommuner

    rnd = ctx.round
    resp = rnd.respondents()
    frames = {"kommune": kommuner(rnd.register_year), "helseforetak": helseforetak(rnd.register_year)}
    rows = []
    for form, frame in frames.items():
        sub = resp[resp["form"] == form]
        for rhf in RHF_ORDER:
            rows.append({"form": form, "rhf": rhf, "respondenter": int((sub["rhf"] == rhf).sum()),
                         "utvalg": int((frame["rhf"] == rhf).sum())})
        rows.append({"form": form, "rhf": "Samlet", "respondenter": len(sub), "utvalg": rnd.frame[form]})
    by_rhf = pd.DataFrame(rows)
    by_rhf["svarprosent"] = (100 * by_rhf["respondenter"] / by_rhf["utvalg"]).round(1)
    ctx.write_csv("respondenter_rhf", by_rhf)
    k = resp[resp["form"] == "kommune"]
    by_size = k.groupby("size_class", observed=False).size().rename("respondenter").reset_index()
    by_size["size_class"] = by_size["size_class"].astype(str)
    ctx.write_csv("respondenter_storrelse", by_size)
    ctx.add("respondenter", _Section("rhf", "Respondenter og svarprosent per RHF (utvalg fra registrene)", by_rhf,
                                     notes=["Studien oppgir svarprosent 44 for kommunene (n=187) og 90 for "
                                            "helseforetakene (n=18); 18 av 22 er 81,8 % (se revisjonen)."]))
    ctx.add("respondenter", _Section("storrelse", "Kommuner per størrelsesklasse (folkemengde 1.1.2009)", by_size))


def _layout(cmp: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """Row and column labels that lay a table's cells out as the study prints them."""
    d = cmp.copy()
    d["Populasjon"] = d["population"].map({"kommuner": "Kommuner", "helseforetak": "Helseforetak", "": "Kommuner"})
    kind = spec["kind"]
    note = d["breakdown"] == "note"
    if kind == "by_group" and spec.get("by"):
        d["rad"] = np.where(note, d["category"] + " (note)", d["group"])
        d["kol"] = np.where(note, spec["categories"][0], d["category"])  # notes sit under the first category
    elif kind == "by_group":
        d["rad"] = np.where(note, d["category"] + " (note)", d["category"])
        d["kol"] = ""
    elif kind == "index_crosstab":
        d["rad"], d["kol"], d["Populasjon"] = d["category"], d["group"], "Kommuner"
    else:
        d["rad"] = d["item"] + ": " + d["category"]
        d["kol"] = ""
    return d


def _wide(cmp: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """regenerated | published | difference, three numeric columns per printed column (XLSX, CSV)."""
    d = _layout(cmp, spec)
    rows = list(dict.fromkeys(d["rad"]))
    out = pd.DataFrame(index=rows)
    for pop, kol in dict.fromkeys(zip(d["Populasjon"], d["kol"])):
        sel = d[(d["Populasjon"] == pop) & (d["kol"] == kol)].set_index("rad")
        head = f"{pop}: {kol}" if kol else pop
        out[f"{head} – regenerert"] = sel["regenerated"]
        out[f"{head} – publisert"] = sel["published"]
        out[f"{head} – differanse"] = sel["difference"]
    out.index.name = ""
    return out.reset_index()


def _compact(cmp: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """One text cell per printed cell, "regenerated / published", for the HTML page."""
    d = _layout(cmp, spec)
    rows = list(dict.fromkeys(d["rad"]))
    out = pd.DataFrame(index=rows)
    for pop, kol in dict.fromkeys(zip(d["Populasjon"], d["kol"])):
        sel = d[(d["Populasjon"] == pop) & (d["kol"] == kol)].set_index("rad")
        head = f"{pop}: {kol}" if kol else pop
        text = []
        for rad in rows:
            if rad not in sel.index:
                text.append("")
                continue
            r = sel.loc[rad]
            reg = "–" if pd.isna(r["regenerated"]) else f"{r['regenerated']:.0f}"
            pub = {"unknown": "?", "anomaly": f"{r['published']:.0f}!"}.get(r["status_published"],
                                                                           "–" if pd.isna(r["published"]) else f"{r['published']:.0f}")
            mark = "" if r["outcome"] in ("matched", "unknown", "not regenerated") else " ≠"
            text.append(f"{reg} / {pub}{mark}")
        out[head] = text
    out.index.name = ""
    return out.reset_index()


def _step_tables(ctx: _Context) -> None:
    """Every table of the study's catalogue, regenerated and compared with the published numbers."""
    from samanalyse.published.scorecard import scorecard

    rnd = ctx.round
    card = scorecard(rnd.name, ctx.data, audit=ctx.facts["audit_result"])
    ctx.facts["scorecard"] = card.counts
    ctx.facts["largest_deviation"] = card.largest_deviation("matched")
    catalogue = rnd.catalogue
    meta = pd.read_csv(data_dir() / "published" / rnd.name / "tables.csv", dtype=str, keep_default_na=False)
    titles = dict(zip(meta["table"], meta["title"]))
    cells = card.cells
    cells = cells.assign(regenerated=cells["regenerated"].astype("Float64"))
    ctx.write_csv("sammenligning_alle_celler", cells)
    for tid, spec in catalogue.tables.items():
        cmp = cells[cells["table"] == tid].copy()
        ctx.write_csv(tid, cmp)
        number = "Vedlegg 3" if tid == "V3" else f"Tabell {int(tid[1:])}"
        sec = _Section(key=tid, title=f"{number}: {titles.get(tid, spec.get('title', ''))}", frame=_wide(cmp, spec),
                       kind="study", html_frame=_compact(cmp, spec))
        bad = cmp[cmp["outcome"].isin(["impossible", "unmet", "anomaly"])]
        for _, r in bad.iterrows():
            why = r["audit"] or ("Trykket verdi er umulig (f.eks. over 100 %)." if r["outcome"] == "anomaly" else "")
            sec.notes.append(f"{r['cell_id']}: publisert {r['published']:.0f} %, {r['outcome']}. {why}".strip())
        if (cmp["variant"].fillna("") != "").any() and tid == "V3":
            used = cmp.groupby("variant").size().to_dict()
            sec.notes.append("Vedlegg 3 bruker ulike prosentgrunnlag; celler telt som gjengitt under grunnlaget "
                             + ", ".join(f"{k} ({v})" for k, v in used.items()) + " (se tables.yaml).")
        ctx.add("tabeller", sec)


def _step_audit(ctx: _Context) -> None:
    """The consistency audit of the published numbers; findings attached to their tables."""
    from samanalyse.published.audit import findings_frame

    result = ctx.facts["audit_result"]
    frame = findings_frame(result)
    ctx.write_csv("revisjon_funn", frame)
    ctx.facts["audit"] = result.counts()
    by_table: dict[str, list[str]] = {}
    for f in result.findings:
        for t in f.tables:
            by_table.setdefault(t, []).append(f"[{f.severity}] {f.explanation}")
    for sec in ctx.sections.get("tabeller", []):
        sec.findings = by_table.get(sec.key, [])
    show = frame[["severity", "tables", "values", "explanation"]].rename(
        columns={"severity": "Alvorlighet", "tables": "Tabeller", "values": "Tall", "explanation": "Forklaring"})
    ctx.add("revisjon", _Section("revisjon", "Funn i revisjonen av de publiserte tallene", show))


def _step_indices(ctx: _Context) -> None:
    """Reliability of the three indices (alpha, omega) on the kommuner."""
    from samanalyse.analysis.indices import cronbach_alpha, mcdonald_omega

    cb = ctx.round.codebook
    k = ctx.data[ctx.data["form"] == "kommune"]
    rows = []
    for name, ix in cb.indices.items():
        a = cronbach_alpha(k, codebook=cb, index=name, scoring="index")
        o = mcdonald_omega(k, codebook=cb, index=name, scoring="index", n_boot=200, seed=ctx.settings.seed)
        rows.append({
            "indeks": ix.label, "ledd": len(ix.items), "n": a.n, "alpha": a.alpha, "alpha_ci_lav": a.ci_low,
            "alpha_ci_høy": a.ci_high, "omega": o.omega_total, "omega_ci_lav": o.ci_low, "omega_ci_høy": o.ci_high,
        })
    frame = pd.DataFrame(rows)
    ctx.write_csv("indekser_reliabilitet", frame)
    ctx.add("indekser", _Section("reliabilitet", "Reliabilitet for indeksene (kommuner; 1 poeng per ledd som i Tabell 56–57)",
                                 frame.round(3), notes=["Omega: én-faktor minres, bootstrap-intervall (200 trekk, fast frø)."]))


def _step_tests(ctx: _Context) -> None:
    """The study's two claims as named analyses, with all tests in one tidy table each."""
    from samanalyse.analysis.inference import forankring_and_samhandling, satisfaction_by_background

    cb = ctx.round.codebook
    s = ctx.settings
    sat = satisfaction_by_background(ctx.data, codebook=cb, n_sim=s.n_sim, seed=s.seed)
    ctx.write_csv("tester_tilfredshet_bakgrunn", sat.table)
    ctx.add("tester", _Section("tilfredshet", "Tilfredshet og bakgrunnsvariabler (avsnitt 2.4)",
                               _tidy_tests(sat.table), notes=list(sat.notes)))
    fs = forankring_and_samhandling(ctx.data, codebook=cb, form="kommune", n_sim=s.n_sim, seed=s.seed)
    ctx.write_csv("tester_forankring_samhandling", fs.table)
    ctx.add("tester", _Section("forankring", "Forankring, kompetanse og samhandling (avsnitt 3.1–3.2, Tabell 56–57)",
                               _tidy_tests(fs.table), notes=list(fs.notes)))


def _tidy_tests(t: pd.DataFrame) -> pd.DataFrame:
    cols = ["test", "outcome", "predictor", "n", "statistic", "df", "p", "p_adjusted", "effect_name", "effect",
            "ci_low", "ci_high", "warnings"]
    out = t[[c for c in cols if c in t.columns]].copy()
    for c in ("statistic", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    return out


def _step_factors(ctx: _Context) -> None:
    """Factor analysis of the priorities (avsnitt 3.6): clusters, stability, who prefers which."""
    from samanalyse.analysis.factors import cluster_preference_by_sentralitet, factor_analysis, priority_scores
    from samanalyse.report.figures import plot_loadings, plot_parallel, plot_priorities, save_figure

    cb = ctx.round.codebook
    s = ctx.settings
    k = ctx.data[ctx.data["form"] == "kommune"].reset_index(drop=True)
    # polychoric correlations need ordinal codes: the mean over the four challenges, rounded (0/1/2)
    scores = priority_scores(k, codebook=cb, aggregate="round" if s.correlation == "polychoric" else "mean")
    fa = factor_analysis(scores, codebook=cb, correlation=s.correlation, missing=s.missing, n_factors=2,
                         n_iter=s.n_iter, n_boot=s.n_boot, seed=s.seed)
    ctx.facts["factor_timings"] = {k2: round(v, 3) for k2, v in fa.timings.items()}
    load = fa.efa.loadings_matrix().round(3).reset_index()
    ctx.write_csv("faktor_ladninger", load)
    ctx.write_csv("faktor_parallellanalyse", fa.parallel.table)
    ctx.write_csv("faktor_klynger", fa.clusters.items)
    secs = [
        _Section("ladninger", "Faktorladninger (mønster), " + f"{fa.efa.method}, {fa.efa.rotation}", load),
        _Section("parallell", "Antall faktorer: parallellanalyse, Kaiser og scree", fa.parallel.table.round(3)),
        _Section("klynger", f"Klynger og bootstrap-stabilitet ({fa.clusters.n_boot_ok} av {fa.clusters.n_boot} trekk)",
                 fa.clusters.items.round(3)),
    ]
    if fa.preferences is not None:
        bg = k[["respondent", "sentralitet", "size_class", "population"]]
        finding = cluster_preference_by_sentralitet(fa.preferences, bg)
        ctx.write_csv("faktor_sentralitet", finding.test)
        secs.append(_Section("sentralitet", "Foretrekker sentrale kommuner institusjonelle virkemidler (B)?",
                             finding.test.round(4),
                             notes=[f"Støtter studiens funn: {'ja' if finding.supports_study else 'nei'}."]))
    for sec in secs:
        ctx.add("faktorer", sec)
    figs = {
        "figur8_kommuner": ("Figur 8: Kommunenes syn på hvilke tiltak som bør prioriteres",
                            plot_priorities(ctx.data, codebook=cb, form="kommune",
                                            title=ctx.round.plan.priorities.figures.get("kommune"))),
        "figur9_helseforetak": ("Figur 9: Helseforetakenes syn på hvilke tiltak som bør prioriteres",
                                plot_priorities(ctx.data, codebook=cb, form="helseforetak",
                                                title=ctx.round.plan.priorities.figures.get("helseforetak"))),
        "faktorladninger": ("Faktorladninger", plot_loadings(fa.efa)),
        "parallellanalyse": ("Parallellanalyse", plot_parallel(fa.parallel)),
    }
    import matplotlib.pyplot as plt

    if ctx.round.reconstructed:
        for name in ("figur8_kommuner", "figur9_helseforetak"):
            title, fig = figs[name]
            fig.text(0.005, 0.003, "Rekonstruerte data: søylene viser antakelsene i reconstruction.yaml, "
                     "ikke studiens tall (Figur 8-9 er tapt i teksten).", fontsize=8, color="#a00")
            figs[name] = (title + " – rekonstruerte data, ikke studiens tall", fig)
    for name, (title, fig) in figs.items():
        paths = save_figure(fig, ctx.out / "figures" / name, formats=("png", "svg"))
        plt.close(fig)
        ctx.files += [f"figures/{p.name}" for p in paths]
        ctx.figures[name] = (title, next(p for p in paths if p.suffix == ".png"))


# ----------------------------------------------------------------------------
# HTML and XLSX
# ----------------------------------------------------------------------------

_CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:78em;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.6em} h2{border-bottom:2px solid #446;padding-bottom:.2em;margin-top:2em} h3{font-size:1.05em;margin-top:1.6em}
.banner{background:#fff3cd;border:2px solid #d4a72c;padding:.8em 1em;font-size:1.05em}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
td,th{border:1px solid #bbb;padding:.2em .5em;text-align:right} th{background:#eef}
td:first-child,th:first-child{text-align:left}
td.diff{color:#a00;font-weight:bold} .note{font-size:.85em;color:#444} .funn{font-size:.85em;background:#fdecea;padding:.3em .6em}
nav ul{columns:3;font-size:.9em} figure{margin:1em 0} figure img{max-width:100%} .ok{color:#060}
.wrap{overflow-x:auto;max-width:100%}
"""


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"
    return html.escape(str(v))


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, row):
            cls = ""
            if str(col).endswith("differanse") and isinstance(v, (int, float, np.floating)) and not pd.isna(v) and v != 0:
                cls = " class='diff'"
            if isinstance(v, str) and v.endswith("≠"):
                cls = " class='diff'"
            cells.append(f"<td{cls}>{_fmt(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='wrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def _short_title(title: str, limit: int = 80) -> str:
    """Shorten a title at a word boundary for the table of contents."""
    if len(title) <= limit:
        return title
    return title[: title.rfind(" ", 0, limit)].rstrip(" ,.:;(") + " …"


_GROUPS = [
    ("respondenter", "Respondenter"),
    ("tabeller", "Studiens tabeller: regenerert mot publisert"),
    ("indekser", "Indekser"),
    ("tester", "Signifikanstester"),
    ("faktorer", "Faktoranalyse av prioriterte virkemidler"),
    ("revisjon", "Revisjon av de publiserte tallene"),
]


def _step_html(ctx: _Context) -> None:
    """The self-contained HTML report (figures embedded, no network)."""
    rnd = ctx.round
    sc = ctx.facts.get("scorecard", {})
    p = [
        "<!DOCTYPE html><html lang='nb'><head><meta charset='utf-8'>",
        f"<title>I gode og onde dager – regenerert, runde {html.escape(rnd.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(rnd.title)}<br><small>regenerert med samanalyse {__version__}</small></h1>",
    ]
    if rnd.reconstructed:
        p.append("<p class='banner'><strong>Merk: respondentdataene er rekonstruert.</strong> De opprinnelige "
                 "svarene fra 2010 er ikke offentlige. Tallene under er regenerert fra et rekonstruert datasett som "
                 "er laget for å stemme med alle publiserte tall som lar seg forene; alt studien ikke publiserer "
                 "(f.eks. fordelingen mellom «Svært» og «Nokså», prioriteringsnivåer og sammenhenger mellom spørsmål) "
                 "er antakelser dokumentert i <code>reconstruction.yaml</code>. Resultater som avhenger av "
                 "antakelsene sier noe om antakelsene, ikke om 2010.</p>")
    p.append("<h2 id='sammendrag'>Sammendrag</h2><ul>")
    p.append(f"<li>Publiserte tall: {sum(sc.values())}; gjengitt: <strong>{sc.get('matched', 0)}</strong>; "
             f"umulige ifølge revisjonen: {sc.get('impossible', 0)}; ikke oppfylt: {sc.get('unmet', 0)}; "
             f"uleselige i trykk: {sc.get('unknown', 0)}; åpenbart feiltrykk: {sc.get('anomaly', 0)}; "
             f"ikke på skjemaet: {sc.get('not regenerated', 0)}.</li>")
    p.append(f"<li>Største avvik for gjengitte tall (uavrundet mot trykt heltall): "
             f"{ctx.facts.get('largest_deviation', 0):.2f} prosentpoeng.</li>")
    audit = ctx.facts.get("audit", {})
    if audit:
        p.append("<li>Revisjonen: " + ", ".join(f"{k}: {v}" for k, v in audit.items()) + ".</li>")
    p.append("</ul>")
    p.append("<nav><h2>Innhold</h2><ul>")
    for key, title in _GROUPS:
        for sec in ctx.sections.get(key, []):
            p.append(f"<li><a href='#{key}-{sec.key}'>{html.escape(_short_title(sec.title))}</a></li>")
    for name, (title, _) in ctx.figures.items():
        p.append(f"<li><a href='#fig-{name}'>{html.escape(title)}</a></li>")
    p.append("</ul></nav>")
    p.append("<h2 id='metode'>Metode</h2>")
    frame = ", ".join(f"{n} {'kommuner' if f == 'kommune' else f}" for f, n in rnd.frame.items())
    p.append(f"<p>Utvalg: {html.escape(frame)} ({html.escape(str(rnd.meta.get('fielded', '')))}). Respondenter: "
             f"Vedlegg 2, koblet til SSBs registre for {rnd.register_year}."
             + (" Svarene er rekonstruert (se banneret og <code>data/rounds/2010/README.md</code>)."
                if rnd.reconstructed else "") + "</p>")
    p.append(
        "<p>Hver tabell er definert i <code>tables.yaml</code> og beregnet fra respondentdata: prosent av alle "
        "respondenter i gruppen, «Manglende svar», «Vet ikke» og «NA» som egne rader, «Godt» = Svært + Nokså godt. "
        "Et publisert heltall <em>p</em> regnes som gjengitt når den uavrundede prosenten ligger i "
        "[<em>p</em> − 0,5; <em>p</em> + 0,5]. Kommunestørrelse: folkemengde 1.1.2009 (0–3000, 3001–10000, "
        "over 10000). Indekser: ett poeng per ledd (gode erfaringer / godt), med studiens skillepunkter. "
        "Tester: kji-kvadrat (eksakt eller Monte Carlo ved små forventede tall), Fisher, Kruskal–Wallis, trendtest, "
        "ordinal regresjon; Holm-justering innen hver familie. Faktoranalyse: polykoriske korrelasjoner, minres, "
        "oblimin, parallellanalyse, bootstrap-stabilitet. Revisjonen sjekker om publiserte prosenter er mulige "
        "for gruppestørrelsene og forenlige med hverandre.</p>")
    for key, title in _GROUPS:
        secs = ctx.sections.get(key, [])
        if not secs:
            continue
        p.append(f"<h2 id='{key}'>{html.escape(title)}</h2>")
        for sec in secs:
            p.append(f"<h3 id='{key}-{sec.key}'>{html.escape(sec.title)}</h3>")
            if sec.kind == "study":
                p.append("<p class='note'>Hver celle: regenerert / publisert prosent; ≠ = avvik, ? = uleselig i "
                         "trykk, ! = åpenbart feiltrykk.</p>")
            p.append(_html_table(sec.html_frame if sec.html_frame is not None else sec.frame))
            for n in sec.notes:
                p.append(f"<p class='note'>{html.escape(n)}</p>")
            for f in sec.findings:
                p.append(f"<p class='funn'>Revisjon: {html.escape(f)}</p>")
        if key == "faktorer":
            for name, (ftitle, path) in ctx.figures.items():
                b64 = base64.b64encode(path.read_bytes()).decode("ascii")
                p.append(f"<figure id='fig-{name}'><img alt='{html.escape(ftitle)}' src='data:image/png;base64,{b64}'>"
                         f"<figcaption>{html.escape(ftitle)}</figcaption></figure>")
    p.append("</body></html>")
    (ctx.out / "index.html").write_text("\n".join(p), encoding="utf-8")
    ctx.files.append("index.html")


_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sheet_name(key: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    name = "".join("_" if c in bad else c for c in key)[:31]
    base, i = name, 2
    while name in used:
        name = f"{base[:28]}_{i}"
        i += 1
    used.add(name)
    return name


def _step_xlsx(ctx: _Context) -> None:
    """One workbook, one sheet per table; percentages as %, frozen header, fitted widths, no formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws0 = wb.active
    ws0.title = "Oversikt"
    notice = ("Respondentdataene er REKONSTRUERT, ikke de opprinnelige svarene." if ctx.round.reconstructed else "")
    ws0.append([ctx.round.title])
    if notice:
        ws0.append([notice])
    for k, v in ctx.facts.get("scorecard", {}).items():
        ws0.append([k, v])
    ws0.column_dimensions["A"].width = 40
    used = {"Oversikt"}
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDEE")
    for key, _title in _GROUPS:
        for sec in ctx.sections.get(key, []):
            ws = wb.create_sheet(_sheet_name(sec.key, used))
            ws.append([sec.title])
            ws["A1"].font = bold
            header = [str(c) for c in sec.frame.columns]
            ws.append(header)
            for c in ws[2]:
                c.font, c.fill = bold, fill
            pct_cols = {i for i, c in enumerate(header) if sec.kind == "study" and ("regenerert" in c or "publisert" in c)}
            for row in sec.frame.itertuples(index=False):
                values = []
                for i, v in enumerate(row):
                    if v is pd.NA or v is None or (isinstance(v, float) and np.isnan(v)):
                        values.append(None)
                    elif isinstance(v, (np.integer, np.floating, int, float)) and not isinstance(v, bool):
                        values.append(float(v) / 100 if i in pct_cols else float(v))
                    else:
                        values.append(str(v))
                ws.append(values)
                r = ws.max_row
                for i, v in enumerate(values):
                    cell = ws.cell(row=r, column=i + 1)
                    if isinstance(v, str):
                        cell.data_type = "s"  # literal text, never a formula
                    elif i in pct_cols and v is not None:
                        cell.number_format = "0%"
            for n in sec.notes + [f"Revisjon: {f}" for f in sec.findings]:
                ws.append([n])
                ws.cell(row=ws.max_row, column=1).data_type = "s"
            ws.freeze_panes = "B3"
            for i, col in enumerate(header, start=1):
                width = max([len(col)] + [len(_fmt(v)) for v in sec.frame.iloc[:, i - 1]])
                ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    from datetime import datetime

    wb.properties.created = wb.properties.modified = datetime(2010, 4, 30)
    wb.properties.creator = f"samanalyse {__version__}"
    buf = io.BytesIO()
    wb.save(buf)
    # rewrite the zip with fixed entry times so reruns give identical bytes
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = ctx.out / "rapport.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock on save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2010-04-30T00:00:00Z\2",
                              data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    ctx.files.append("rapport.xlsx")


#: Report steps in run order: (name, function).
STEPS: list[tuple[str, Callable[[_Context], None]]] = [
    ("data", _step_data),
    ("respondenter", _step_respondents),
    ("tabeller", _step_tables),
    ("revisjon", _step_audit),
    ("indekser", _step_indices),
    ("tester", _step_tests),
    ("faktoranalyse", _step_factors),
    ("html", _step_html),
    ("xlsx", _step_xlsx),
]


def build_report(
    round: str = "2010",
    out: str | Path = "reports/2010",
    *,
    settings: ReportSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Regenerate a round's report into ``out`` (replaced whole, or not at all).

    Parameters
    ----------
    round : str
        The survey round, e.g. ``"2010"``.
    out : str or Path
        Target folder; written via a temporary folder and swapped in at the end.
    settings : ReportSettings, optional
        Seeds and iteration counts (recorded in the manifest).
    progress : callable, optional
        Called with one line of text per finished step.

    Returns
    -------
    ReportResult
    """
    import matplotlib

    matplotlib.use("Agg")
    rnd = load_round(round)
    settings = settings or ReportSettings()
    timings: list[tuple[str, float]] = []
    with atomic_dir(out) as tmp:
        ctx = _Context(round=rnd, out=tmp, settings=settings)
        caught: list[str] = []
        for name, fn in STEPS:
            t0 = time.perf_counter()
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always", SamanalyseWarning)
                fn(ctx)
            caught += [f"{name}: {w.category.__name__}: {w.message}" for w in seen
                       if issubclass(w.category, SamanalyseWarning)]
            for w in seen:  # anything else is shown as usual
                if not issubclass(w.category, SamanalyseWarning):
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            dt = time.perf_counter() - t0
            timings.append((name, dt))
            if progress:
                progress(f"[{len(timings)}/{len(STEPS)}] {name} ({dt:.1f} s)")
        manifest = {
            "samanalyse_version": __version__,
            "python": platform.python_version(),
            "round": rnd.name,
            "reconstructed_data": rnd.reconstructed,
            "settings": settings.__dict__,
            "inputs": [
                {"file": str(p.relative_to(data_dir())), "sha256": sha256_file(p)}
                for p in sorted(set(ctx.inputs))
            ],
            "files": sorted(ctx.files),
            "scorecard": ctx.facts.get("scorecard", {}),
            "audit": ctx.facts.get("audit", {}),
            "steps": [{"step": n, "seconds": float(f"{t:.3f}")} for n, t in timings],
            "factor_timings": ctx.facts.get("factor_timings", {}),
            "warnings": sorted(set(caught)),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        ctx.files.append("manifest.json")
    return ReportResult(Path(out), tuple(sorted(ctx.files)), tuple(timings), ctx.facts.get("scorecard", {}))
