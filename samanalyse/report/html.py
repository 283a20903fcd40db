"""The self-contained HTML report: one page, figures embedded, readable from disk without a network."""

from __future__ import annotations

import base64
import html

import numpy as np
import pandas as pd

from samanalyse import __version__
from samanalyse.report.context import GROUPS, Context, Section, fmt_cell
from samanalyse.report.manifest import input_name

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


#: The banner of a report on reconstructed data, unless the round's ``notes`` has a ``reconstruction`` sentence.
_BANNER = ("De opprinnelige svarene er ikke offentlige. Tallene under er regenerert fra et rekonstruert datasett "
           "som er laget for å stemme med alle publiserte tall som lar seg forene; alt studien ikke publiserer "
           "(f.eks. fordelingen mellom «Svært» og «Nokså», prioriteringsnivåer og sammenhenger mellom spørsmål) "
           "er antakelser dokumentert i <code>reconstruction.yaml</code>. Resultater som avhenger av antakelsene "
           "sier noe om antakelsene, ikke om de opprinnelige svarene.")


def _head(ctx: Context) -> list[str]:
    rnd = ctx.round
    p = [
        "<!DOCTYPE html><html lang='nb'><head><meta charset='utf-8'>",
        f"<title>{html.escape(rnd.title)} – regenerert</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(rnd.title)}<br><small>regenerert med samanalyse {__version__}</small></h1>",
    ]
    if rnd.reconstructed:
        note = rnd.notes.get("reconstruction")
        p.append("<p class='banner'><strong>Merk: respondentdataene er rekonstruert.</strong> "
                 + (html.escape(note) if note else _BANNER) + "</p>")
    return p


def _summary(ctx: Context) -> list[str]:
    p = ["<h2 id='sammendrag'>Sammendrag</h2><ul>"]
    if ctx.round.has_published:
        sc = ctx.facts.get("scorecard", {})
        p.append(f"<li>Publiserte tall: {sum(sc.values())}; gjengitt: <strong>{sc.get('matched', 0)}</strong>; "
                 f"umulige ifølge revisjonen: {sc.get('impossible', 0)}; ikke oppfylt: {sc.get('unmet', 0)}; "
                 f"uleselige i trykk: {sc.get('unknown', 0)}; åpenbart feiltrykk: {sc.get('anomaly', 0)}; "
                 f"ikke på skjemaet: {sc.get('not regenerated', 0)}.</li>")
        p.append(f"<li>Største avvik for gjengitte tall (uavrundet mot trykt heltall): "
                 f"{ctx.facts.get('largest_deviation', 0):.2f} prosentpoeng.</li>")
    else:
        p.append("<li>Runden har ingen publiserte tall å sammenligne med; tabellene er beregnet fra dataene alene.</li>")
    respondents = ctx.data["form"].value_counts() if ctx.data is not None else {}
    p.append("<li>Respondenter: " + ", ".join(f"{html.escape(str(f))} {int(n)}" for f, n in respondents.items())
             + ".</li>")
    audit = ctx.facts.get("audit", {})
    if audit:
        p.append("<li>Revisjonen: " + ", ".join(f"{k}: {v}" for k, v in audit.items()) + ".</li>")
    p.append("</ul>")
    return p


def _contents(ctx: Context) -> list[str]:
    p = ["<nav><h2>Innhold</h2><ul>"]
    for key, _title in GROUPS:
        for sec in ctx.sections.get(key, []):
            p.append(f"<li><a href='#{key}-{sec.key}'>{html.escape(_short_title(sec.title))}</a></li>")
    for name, (title, _) in ctx.figures.items():
        p.append(f"<li><a href='#fig-{name}'>{html.escape(title)}</a></li>")
    p.append("</ul></nav>")
    return p


def _size_rule(ctx: Context) -> str:
    """The round's size classes as text: ``folkemengde 1.1.2009 (0–3000, 3001–10000, over 10000)``."""
    from samanalyse.report.sections.respondents import size_reference

    rnd = ctx.round
    bounds = rnd.size_classes.upper
    parts = [f"{lo}–{hi}" for lo, hi in zip((0, *(b + 1 for b in bounds)), bounds)]
    if bounds:
        parts.append(f"over {bounds[-1]}")
    return f"{size_reference(rnd)} ({', '.join(parts)})"


def _methods(ctx: Context) -> list[str]:
    rnd = ctx.round
    plan = rnd.plan
    frame = ", ".join(f"{n} {'kommuner' if f == 'kommune' else f}" for f, n in rnd.frame.items())
    readme = rnd.path / "README.md"
    see = f" (se banneret og <code>{html.escape(input_name(readme, rnd))}</code>)" if readme.is_file() else ""
    p = ["<h2 id='metode'>Metode</h2>",
         f"<p>Utvalg: {html.escape(frame)} ({html.escape(str(rnd.meta.get('fielded', '')))}). Respondenter: "
         f"<code>{html.escape(rnd.file('respondents', 'respondents.csv').name)}</code>, koblet til SSBs registre "
         f"for {rnd.register_year}." + (f" Svarene er rekonstruert{see}." if rnd.reconstructed else "") + "</p>"]
    compare = ("Et publisert heltall <em>p</em> regnes som gjengitt når den uavrundede prosenten ligger i "
               "[<em>p</em> − 0,5; <em>p</em> + 0,5]. " if rnd.has_published else "")
    adjust = plan.settings.adjust.capitalize()
    pr = plan.priorities
    factor = (f"Faktoranalyse: {'polykoriske' if pr.correlation == 'polychoric' else 'Pearson-'} korrelasjoner, "
              f"{pr.method}, {pr.rotation}, parallellanalyse, bootstrap-stabilitet. " if pr else "")
    audit = ("Revisjonen sjekker om publiserte prosenter er mulige for gruppestørrelsene og forenlige med "
             "hverandre." if rnd.has_published else "")
    p.append(
        "<p>Hver tabell er definert i <code>tables.yaml</code> og beregnet fra respondentdata: prosent av alle "
        "respondenter i gruppen, ubesvart og «Vet ikke» som egne rader, svarene slått sammen slik katalogen sier. "
        f"{compare}Kommunestørrelse: {html.escape(_size_rule(ctx))}. Indekser: ett poeng per ledd (gode erfaringer "
        "/ godt), med skillepunktene i kodeboken. Tester: kji-kvadrat (eksakt eller Monte Carlo ved små forventede "
        f"tall), Fisher, Kruskal–Wallis, trendtest, ordinal regresjon; {html.escape(adjust)}-justering innen hver "
        f"familie. {factor}{audit}</p>")
    return p


def _section(key: str, sec: Section) -> list[str]:
    p = [f"<h3 id='{key}-{sec.key}'>{html.escape(sec.title)}</h3>"]
    if sec.kind == "study":
        p.append("<p class='note'>Hver celle: regenerert / publisert prosent; ≠ = avvik, ? = uleselig i "
                 "trykk, ! = åpenbart feiltrykk.</p>")
    p.append(_html_table(sec.html_frame if sec.html_frame is not None else sec.frame))
    p += [f"<p class='note'>{html.escape(n)}</p>" for n in sec.notes]
    p += [f"<p class='funn'>Revisjon: {html.escape(f)}</p>" for f in sec.findings]
    return p


def _figures(ctx: Context) -> list[str]:
    p = []
    for name, (title, path) in ctx.figures.items():
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        p.append(f"<figure id='fig-{name}'><img alt='{html.escape(title)}' src='data:image/png;base64,{b64}'>"
                 f"<figcaption>{html.escape(title)}</figcaption></figure>")
    return p


def _body(ctx: Context) -> list[str]:
    p = []
    for key, title in GROUPS:
        secs = ctx.sections.get(key, [])
        if not secs:
            continue
        if key == "tabeller" and not ctx.round.has_published:
            title = "Tabellene i katalogen"
        p.append(f"<h2 id='{key}'>{html.escape(title)}</h2>")
        for sec in secs:
            p += _section(key, sec)
        if key == "faktorer":
            p += _figures(ctx)
    return p


def write_html(ctx: Context) -> None:
    """The self-contained HTML report (figures embedded, no network)."""
    p = _head(ctx) + _summary(ctx) + _contents(ctx) + _methods(ctx) + _body(ctx) + ["</body></html>"]
    (ctx.out / "index.html").write_text("\n".join(p), encoding="utf-8")
    ctx.files.append("index.html")
