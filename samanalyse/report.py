"""The one-command report: regenerate a round's tables and figures into a folder.

:func:`build_report` runs a list of named steps; each writes files into a
temporary folder, which replaces the target folder only when every step has
succeeded (nothing half-written). Table files carry no timestamps, so a rerun
on the same input gives byte-identical tables; run times go to
``manifest.json`` only.
"""

from __future__ import annotations

import html
import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from . import __version__
from ._io import atomic_dir, sha256_file, write_table_csv
from .registers import RHF_ORDER, helseforetak, kommuner
from .rounds import Round, load_round

__all__ = ["ReportResult", "build_report", "STEPS"]


@dataclass
class _Context:
    round: Round
    out: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` produced."""

    out: Path
    files: tuple[str, ...]
    steps: tuple[tuple[str, float], ...]
    pending: tuple[str, ...]


def _step_respondents(ctx: _Context) -> list[str]:
    """Respondents and response rates per RHF and size class (frame from the registers)."""
    rnd = ctx.round
    resp = rnd.respondents()
    reg_k = kommuner(rnd.register_year)
    reg_h = helseforetak(rnd.register_year)
    rows = []
    for form, frame in (("kommune", reg_k), ("helseforetak", reg_h)):
        sub = resp[resp["form"] == form]
        for rhf in RHF_ORDER:
            n = int((sub["rhf"] == rhf).sum())
            N = int((frame["rhf"] == rhf).sum())
            rows.append({"form": form, "rhf": rhf, "respondenter": n, "utvalg": N})
        rows.append({"form": form, "rhf": "Samlet", "respondenter": len(sub), "utvalg": rnd.frame[form]})
    by_rhf = pd.DataFrame(rows)
    by_rhf["svarprosent"] = (100 * by_rhf["respondenter"] / by_rhf["utvalg"]).round(1)
    ctx.tables["respondenter_rhf"] = by_rhf

    k = resp[resp["form"] == "kommune"]
    by_size = k.groupby("size_class", observed=False).size().rename("respondenter").reset_index()
    by_size["size_class"] = by_size["size_class"].astype(str)
    ctx.tables["respondenter_storrelse"] = by_size
    ctx.inputs += [rnd.path / rnd.meta["respondents"], rnd.path / "round.yaml"]
    files = []
    for name in ("respondenter_rhf", "respondenter_storrelse"):
        write_table_csv(ctx.tables[name], ctx.out / "tables" / f"{name}.csv")
        files.append(f"tables/{name}.csv")
    return files


def _step_codebook(ctx: _Context) -> list[str]:
    """The round's items as a table (id, question, scale, forms, wording)."""
    frame = ctx.round.codebook.to_frame()
    ctx.tables["kodebok"] = frame
    ctx.inputs.append(ctx.round.path / ctx.round.meta["codebook"])
    write_table_csv(frame, ctx.out / "tables" / "kodebok.csv")
    return ["tables/kodebok.csv"]


def _step_html(ctx: _Context) -> list[str]:
    """A self-contained HTML overview of what was produced."""
    parts = [
        "<!DOCTYPE html><html lang='nb'><head><meta charset='utf-8'>",
        f"<title>samanalyse – runde {html.escape(ctx.round.name)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
        ".banner{background:#fff3cd;border:1px solid #e0c060;padding:.6em}</style></head><body>",
        f"<h1>{html.escape(ctx.round.title)}</h1>",
    ]
    if ctx.round.reconstructed:
        parts.append(
            "<p class='banner'><strong>Merk:</strong> Respondentdata for denne runden er "
            "<strong>rekonstruert</strong>, ikke de opprinnelige svarene. "
            + html.escape(ctx.round.reconstruction_note)
            + "</p>"
        )
    for name in ("respondenter_rhf", "respondenter_storrelse"):
        parts.append(f"<h2>{html.escape(name)}</h2>")
        parts.append(ctx.tables[name].to_html(index=False, escape=True))
    parts.append("</body></html>")
    (ctx.out / "index.html").write_text("\n".join(parts), encoding="utf-8")
    return ["index.html"]


#: Report steps in run order: (name, function). Later issues add steps here.
STEPS: list[tuple[str, Callable[[_Context], list[str]]]] = [
    ("respondenter", _step_respondents),
    ("kodebok", _step_codebook),
    ("html", _step_html),
]

#: Parts of the study's report not yet regenerated (shown to the user).
PENDING: tuple[str, ...] = (
    "Tabell 1-57 og Vedlegg 3 (krever rekonstruerte respondentdata)",
    "indekser og signifikanstester",
    "faktoranalyse og Figur 8-9",
    "XLSX-arbeidsbok",
)


def build_report(
    round: str = "2010",
    out: str | Path = "reports/2010",
    *,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Regenerate a round's report into ``out`` (replaced whole, or not at all).

    Parameters
    ----------
    round : str
        The survey round, e.g. ``"2010"``.
    out : str or Path
        Target folder; written via a temporary folder and swapped in at the end.
    progress : callable, optional
        Called with one line of text per finished step.

    Returns
    -------
    ReportResult
    """
    rnd = load_round(round)
    timings: list[tuple[str, float]] = []
    files: list[str] = []
    with atomic_dir(out) as tmp:
        ctx = _Context(round=rnd, out=tmp)
        for name, fn in STEPS:
            t0 = time.perf_counter()
            files += fn(ctx)
            dt = time.perf_counter() - t0
            timings.append((name, dt))
            if progress:
                progress(f"[{len(timings)}/{len(STEPS)}] {name}: {dt:.2f} s")
        manifest = {
            "samanalyse_version": __version__,
            "python": platform.python_version(),
            "round": rnd.name,
            "reconstructed_data": rnd.reconstructed,
            "inputs": [
                {"file": str(p.relative_to(rnd.path.parent.parent)), "sha256": sha256_file(p)}
                for p in sorted(set(ctx.inputs))
            ],
            "files": sorted(files),
            "steps": [{"step": n, "seconds": float(f"{t:.4f}")} for n, t in timings],
            "pending": list(PENDING),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        files.append("manifest.json")
    return ReportResult(Path(out), tuple(sorted(files)), tuple(timings), PENDING)
