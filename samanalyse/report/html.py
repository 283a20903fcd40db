"""The self-contained HTML report: one page, figures embedded, readable from disk (or an e-mail) without a network.

Every word comes from the round's files or the translation table
(:mod:`samanalyse.report.i18n`); numbers use the language's decimal mark.
The page is readable from 390 px wide up (tables scroll inside their own
box, never the page), and prints on A4 with every column (a print
stylesheet: smaller type, wrapped cells, tables not split across pages where
they fit on one). Links point only inside the page.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import numpy as np
import pandas as pd

from samanalyse import __version__
from samanalyse.analysis.tables import population_label
from samanalyse.report.context import GROUPS, Context, Section
from samanalyse.report.findings import key_findings
from samanalyse.report.i18n import SYMBOLS, Translation, symbols_in
from samanalyse.survey.disclosure import SUPPRESSED

__all__ = ["write_html", "CSS"]

#: The page's stylesheet (screen from 390 px, and A4 print).
CSS = """
*{box-sizing:border-box}
body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:78em;margin:0 auto;padding:.5em 1em 2em;color:#222;
 line-height:1.4;overflow-wrap:break-word}
h1{font-size:1.5em;line-height:1.25} h1 small{font-size:.6em;font-weight:normal;color:#555}
h2{border-bottom:2px solid #446;padding-bottom:.2em;margin-top:2em;font-size:1.3em}
h3{font-size:1.05em;margin-top:1.6em}
.banner{background:#fff3cd;border:2px solid #d4a72c;padding:.8em 1em}
.cite{background:#f4f6fa;border-left:4px solid #446;padding:.5em 1em;font-size:.92em}
.wrap{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
td,th{border:1px solid #bbb;padding:.2em .45em;text-align:right;vertical-align:top}
th{background:#eef;font-weight:bold}
td:first-child,th:first-child{text-align:left}
td.diff{color:#a00;font-weight:bold} td.txt{text-align:left}
.note,.src,.warn,.refs{font-size:.85em;color:#444;margin:.3em 0}
.warn{background:#fdecea;border-left:4px solid #c0392b;padding:.3em .6em;color:#222}
.src{font-style:italic}
.key li{margin:.35em 0} .basis{color:#555;font-size:.9em}
nav ol{padding-left:1.4em} nav li{margin:.15em 0} nav .lab{font-weight:bold;white-space:nowrap}
input.vis{position:absolute;opacity:0;width:1px;height:1px} .detail{display:none}
label.vis{display:inline-block;margin:.4em 0;cursor:pointer;color:#1b4f72;text-decoration:underline}
label.vis::before{content:'▸';text-decoration:none;display:inline-block;margin-right:.35em}
input.vis:checked+label.vis::before{content:'▾'} input.vis:focus-visible+label.vis{outline:2px solid #1b4f72}
input.vis:checked+label.vis+.detail{display:block}
figure{margin:1em 0} figure img{max-width:100%;height:auto} figcaption{font-size:.9em}
tr:target,li:target{background:#fff3cd}
@media (min-width:60em){nav ol{columns:2;column-gap:2.5em} nav li{break-inside:avoid}}
@media (max-width:40em){body{padding:.3em .6em} table{font-size:.78em} h1{font-size:1.25em}
 .wrap{background:linear-gradient(to left,#fff 30%,rgba(255,255,255,0)) right/40px 100% no-repeat local,
  radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.25),transparent) right/12px 100% no-repeat scroll}}
@page{size:A4;margin:14mm 12mm}
@media print{
 body{max-width:none;padding:0;font-size:9pt}
 .wrap{overflow:visible}
 table{font-size:6.5pt;width:100%;table-layout:auto;page-break-inside:auto}
 td,th{padding:1px 3px;overflow-wrap:break-word;hyphens:auto}
 tr{page-break-inside:avoid} thead{display:table-header-group}
 h2,h3{page-break-after:avoid} figure{page-break-inside:avoid}
 .detail{display:block} label.vis{display:none}
 a{color:inherit;text-decoration:none}
}
"""


def _cell(v: Any, tr: Translation, p: bool = False) -> str:
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
        return ""
    if p:
        return html.escape(tr.p_value(v))
    if isinstance(v, (float, np.floating)):
        digits = 0 if float(v).is_integer() else (3 if abs(v) < 1 else 2)
        text = tr.number(v, digits)
        if tr.decimal in text:
            text = text.rstrip("0").rstrip(tr.decimal)
        return html.escape(text)
    if isinstance(v, (int, np.integer, bool, np.bool_)):
        return html.escape(tr.number(v))
    return html.escape(str(v))


def _breakable(name: object) -> str:
    """A column name that may wrap after ``_`` and ``/`` (a zero-width space there), escaped."""
    return html.escape(str(name)).replace("_", "_\u200b").replace("/", "/\u200b")


#: Columns holding p-values by their program name, wherever they are (printed "< 0,001", never "0").
_P_NAMES = ("p_value", "p_adjusted")


def _html_table(frame: pd.DataFrame, tr: Translation, p_columns: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th scope='col'>{_breakable(tr.header(c))}</th>" for c in frame.columns)
    p_columns = tuple(p_columns) + _P_NAMES
    diff_word = tr.t("column", "difference")
    body = []
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(frame.columns, row):
            cls = ""
            if (str(col).endswith(diff_word) and isinstance(v, (int, float, np.floating)) and not pd.isna(v)
                    and v != 0) or (isinstance(v, str) and v.endswith("≠")):
                cls = " class='diff'"
            elif isinstance(v, str) and v != SUPPRESSED and (len(v) > 30 or not any(ch.isdigit() for ch in v)):
                cls = " class='txt'"
            cells.append(f"<td{cls}>{_cell(v, tr, col in p_columns)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='wrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def _head(ctx: Context) -> list[str]:
    rnd, tr = ctx.round, ctx.tr
    p = [
        f"<!DOCTYPE html><html lang='{tr.lang}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(rnd.title)} – {html.escape(tr.t('column', 'regenerated'))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(rnd.title)}<br><small>{html.escape(tr.t('heading', 'regenerated_with'))} "
        f"{__version__}</small></h1>",
    ]
    if rnd.reconstructed:
        note = tr.round_note(rnd.notes, "reconstruction")
        p.append(f"<p class='banner'><strong>{html.escape(tr.t('note', 'reconstructed_banner'))}</strong> "
                 f"{html.escape(note)}</p>")
    cite = rnd.notes.get("citation")
    if cite:
        p.append(f"<p class='cite'><strong>{html.escape(tr.t('heading', 'citation'))}:</strong> "
                 f"{html.escape(str(cite))}</p>")
    return p


def _key_findings(ctx: Context) -> list[str]:
    items = key_findings(ctx)
    if not items:
        return []
    p = [f"<h2 id='hovedfunn'>{html.escape(ctx.tr.t('heading', 'key_findings'))}</h2><ul class='key'>"]
    for f in items:
        p.append(f"<li>{html.escape(f.text)} <a href='#{f.anchor}'>{html.escape(f.link_text)}</a>"
                 f" <span class='basis'>({html.escape(f.basis)})</span></li>")
    p.append("</ul>")
    return p


def _summary(ctx: Context) -> list[str]:
    tr = ctx.tr
    p = [f"<h2 id='sammendrag'>{html.escape(tr.t('heading', 'summary'))}</h2><ul>"]
    if ctx.round.has_published:
        sc = ctx.facts.get("scorecard", {})
        parts = [f"{tr.t('status', k)}: {v}" for k, v in sc.items()]
        p.append(f"<li>{html.escape(tr.t('note', 'published_cells'))}: {sum(sc.values())}; "
                 + html.escape("; ".join(parts)) + ".</li>")
        p.append(f"<li>{html.escape(tr.t('note', 'largest_deviation'))}: "
                 f"{tr.number(ctx.facts.get('largest_deviation', 0), 2)}.</li>")
    else:
        p.append(f"<li>{html.escape(tr.t('note', 'no_published'))}</li>")
    respondents = ctx.data["form"].value_counts() if ctx.data is not None else {}
    p.append(f"<li>{html.escape(tr.t('column', 'respondents'))}: "
             + ", ".join(f"{html.escape(population_label(ctx.round.codebook, str(f)))} {int(n)}"
                         for f, n in respondents.items()) + ".</li>")
    audit = ctx.facts.get("audit", {})
    if audit:
        p.append(f"<li><a href='#revisjon'>{html.escape(tr.t('heading', 'revisjon'))}</a>: "
                 + html.escape(", ".join(f"{tr.t('severity', k)}: {v}" for k, v in audit.items())) + ".</li>")
    p.append("</ul>")
    return p


def _contents(ctx: Context) -> list[str]:
    tr = ctx.tr
    p = [f"<nav aria-label='{html.escape(tr.t('heading', 'contents'))}'><h2>{html.escape(tr.t('heading', 'contents'))}"
         "</h2><ol>"]
    for key, _title in GROUPS:
        secs = ctx.sections.get(key, [])
        if not secs:
            continue
        p.append(f"<li><a href='#{key}'>{html.escape(_group_title(ctx, key))}</a><ol>")
        for sec in secs:
            label, _, rest = sec.title.partition(": ")
            if rest and len(label) <= 14 and label[-1:].isdigit():  # a table's label ("Tabell 1") in bold
                p.append(f"<li><a href='#{key}-{sec.key}'><span class='lab'>{html.escape(label)}</span> "
                         f"{html.escape(rest)}</a></li>")
            else:
                p.append(f"<li><a href='#{key}-{sec.key}'>{html.escape(sec.title)}</a></li>")
        p.append("</ol></li>")
    figs = {**ctx.facts.get("charts", {}), **ctx.figures}
    if figs:
        p.append(f"<li><a href='#figurer'>{html.escape(tr.t('heading', 'figurer'))}</a><ol>")
        p += [f"<li><a href='#fig-{n}'>{html.escape(t)}</a></li>" for n, (t, _) in figs.items()]
        p.append("</ol></li>")
    p.append("</ol></nav>")
    return p


def _group_title(ctx: Context, key: str) -> str:
    if key == "tabeller" and not ctx.round.has_published:
        return ctx.tr.t("heading", "tabeller_data")
    return ctx.tr.t("heading", key, default=dict(GROUPS).get(key, key))


def _methods(ctx: Context) -> list[str]:
    rnd, tr = ctx.round, ctx.tr
    frame = ", ".join(f"{n} {tr.t('word', f, default=f)}" for f, n in rnd.frame.items())
    text = tr.round_note(rnd.notes, "methods") or tr.t("note", "methods")
    return [f"<h2 id='metode'>{html.escape(tr.t('heading', 'methods'))}</h2>",
            f"<p>{html.escape(tr.t('note', 'frame'))}: {html.escape(frame)} "
            f"({html.escape(str(rnd.meta.get('fielded', '')))}). {html.escape(text)}</p>",
            f"<p class='note'>{html.escape(tr.t('note', 'interval_fpc' if rnd.meta.get('frame') else 'interval_wilson'))}"
            "</p>",
            f"<p class='src'>{html.escape(tr.t('word', 'source_ssb'))}. {html.escape(tr.t('note', 'ssb_note'))}</p>"
            ] + _methods_legend(ctx)


def _methods_legend(ctx: Context) -> list[str]:
    """SSB's legend of the symbols that occur anywhere in the report's tables (none: nothing)."""
    found = {k for secs in ctx.sections.values() for sec in secs
             for k in symbols_in(sec.html_frame if sec.html_frame is not None else sec.frame, sec.detail_frame)}
    legend = ctx.tr.legend([k for k in SYMBOLS if k in found])
    return [f"<p class='note legend'>{html.escape(legend)}</p>"] if legend else []


def _section(ctx: Context, key: str, sec: Section) -> list[str]:
    tr = ctx.tr
    p = [f"<h3 id='{key}-{sec.key}'>{html.escape(sec.title)}</h3>"]
    if sec.n_text:
        p.append(f"<p class='note'>{html.escape(sec.n_text)}</p>")
    if sec.kind == "study":
        p.append(f"<p class='note'>{html.escape(tr.t('note', 'study_cell'))}</p>")
    if sec.kind == "audit":
        p += [f"<p class='note'>{html.escape(n)}</p>" for n in sec.notes]
        p.append(_audit_table(ctx, sec))
        return p
    shown = sec.html_frame if sec.html_frame is not None else sec.frame
    if len(shown.columns):  # a section of notes only (e.g. disclosure rules without merges) has no table
        p.append(_html_table(shown, tr, sec.p_columns))
    if sec.detail_frame is not None:  # on demand on screen (a checkbox, no script), always on paper
        box = f"vis-{key}-{sec.key}"
        p.append(f"<input type='checkbox' class='vis' id='{box}'><label class='vis' for='{box}'>"
                 f"{html.escape(tr.t('word', 'show_n_ci'))}</label><div class='detail'>"
                 + _html_table(sec.detail_frame, tr) + "</div>")
    legend = tr.legend(symbols_in(shown, sec.detail_frame))
    if legend:
        p.append(f"<p class='note legend'>{html.escape(legend)}</p>")
    p += [f"<p class='warn'><strong>{html.escape(tr.t('word', 'warning'))} ({i}):</strong> {html.escape(w)}</p>"
          for i, w in enumerate(sec.warnings, start=1)]
    p += [f"<p class='note'>{html.escape(n)}</p>" for n in sec.notes]
    if sec.finding_ids:
        links = ", ".join(f"<a href='#{a}'>{html.escape(tr.t('word', 'finding_of'))} {a.split('-')[-1]}</a>"
                          for a in sec.finding_ids)
        p.append(f"<p class='refs'>{html.escape(tr.t('word', 'see_findings'))}: {links}</p>")
    p += [f"<p class='src'>{html.escape(s)}</p>" for s in sec.sources]
    return p


def _audit_table(ctx: Context, sec: Section) -> str:
    """The audit's findings, one row each with an anchor; table ids link to the tables; explanations in the report's
    language."""
    tr = ctx.tr
    frame = sec.html_frame if sec.html_frame is not None else sec.frame   # table ids, linked to the tables
    known = {s.key for s in ctx.sections.get("tabeller", [])}
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    tab_col = tr.t("column", "tables")
    for _, r in frame.iterrows():
        nr = int(r.iloc[0])
        cells = []
        for col, v in r.items():
            if col == tab_col:
                ids = [t.strip() for t in str(v).split(",") if t.strip()]
                cells.append("<td class='txt'>" + ", ".join(
                    f"<a href='#tabeller-{t}'>{html.escape(ctx.round.catalogue.label(t) if t in known else t)}</a>"
                    if t in known else html.escape(t) for t in ids) + "</td>")
            else:
                cells.append(f"<td class='txt'>{_cell(v, tr)}</td>")
        rows.append(f"<tr id='funn-{nr}'>" + "".join(cells) + "</tr>")
    return f"<div class='wrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


def _figure_html(name: str, title: str, path: Any) -> str:
    b64 = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f"<figure id='fig-{name}'><img alt='{html.escape(title)}' src='data:image/png;base64,{b64}'>"
            f"<figcaption>{html.escape(title)}</figcaption></figure>")


def _body(ctx: Context) -> list[str]:
    p = []
    for key, _title in GROUPS:
        secs = ctx.sections.get(key, [])
        if not secs:
            continue
        p.append(f"<h2 id='{key}'>{html.escape(_group_title(ctx, key))}</h2>")
        for sec in secs:
            p += _section(ctx, key, sec)
    figs = {**ctx.facts.get("charts", {}), **ctx.figures}
    if figs:
        p.append(f"<h2 id='figurer'>{html.escape(ctx.tr.t('heading', 'figurer'))}</h2>")
        p += [_figure_html(n, t, path) for n, (t, path) in figs.items()]
    return p


def write_html(ctx: Context) -> None:
    """The self-contained HTML report (figures embedded, no network, links inside the page only)."""
    p = (_head(ctx) + _key_findings(ctx) + _summary(ctx) + _contents(ctx) + _methods(ctx) + _body(ctx)
         + ["</body></html>"])
    (ctx.out / "index.html").write_text("\n".join(p), encoding="utf-8")
    ctx.files.append("index.html")
