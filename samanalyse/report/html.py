"""The self-contained HTML report."""

from __future__ import annotations

import base64
import html

import numpy as np
import pandas as pd

from samanalyse import __version__
from samanalyse.report.context import GROUPS, Context, fmt_cell

__all__ = ["write_html"]


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
            cells.append(f"<td{cls}>{fmt_cell(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='wrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def _short_title(title: str, limit: int = 80) -> str:
    """Shorten a title at a word boundary for the table of contents."""
    if len(title) <= limit:
        return title
    return title[: title.rfind(" ", 0, limit)].rstrip(" ,.:;(") + " …"


def write_html(ctx: Context) -> None:
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
    for key, title in GROUPS:
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
    for key, title in GROUPS:
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
