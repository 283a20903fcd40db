"""``manifest.json``: what a report was made from and of, and how to recognise a report folder.

The manifest records the package version, the round, the settings, every
input file with its sha256 (paths relative to the round folder's parent, or
absolute for files outside it), every file written, and the time of each
step. A folder whose ``manifest.json`` has the keys below, and whose files
are all listed in it, is a report samanalyse wrote; only such a folder may be
replaced by a new report (:mod:`samanalyse.report.output`).
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from samanalyse import __version__
from samanalyse.io.atomic import sha256_file
from samanalyse.survey.registers import register_files
from samanalyse.survey.rounds import Round

__all__ = ["MANIFEST", "input_name", "round_inputs", "build_manifest", "write_manifest", "read_manifest",
           "unlisted_files"]

#: File name of the manifest in a report folder.
MANIFEST = "manifest.json"
#: Keys by which a manifest is recognised as samanalyse's.
_KEYS = ("samanalyse_version", "round", "files")


def input_name(path: Path, rnd: Round) -> str:
    """How the manifest names an input: relative to the round folder's parent, else absolute."""
    path = Path(os.path.abspath(path))
    base = Path(os.path.abspath(rnd.path)).parent
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else path.as_posix()


def round_inputs(rnd: Round) -> list[Path]:
    """The files a report of ``rnd`` reads: the round's own, its published numbers, the registers of its year."""
    files = [rnd.path / "round.yaml", rnd.file("codebook", "codebook.yaml"), rnd.file("respondents", "respondents.csv"),
             rnd.file("tables", "tables.yaml"), rnd.file("plan", "plan.yaml")]
    files += [rnd.responses_path(f) for f in rnd.meta.get("responses", {})]
    if rnd.has_published:
        files += [rnd.published_dir / "cells.csv", rnd.published_dir / "tables.csv"]
    files += register_files(rnd.register_year)
    return [p for p in files if p.is_file()]


def build_manifest(rnd: Round, *, settings: dict[str, Any], inputs: Iterable[Path], files: Iterable[str],
                   steps: Iterable[tuple[str, float]], facts: dict[str, Any], warnings: Iterable[str]) -> dict[str, Any]:
    """The manifest of one report run (a JSON-ready dict)."""
    return {
        "samanalyse_version": __version__,
        "python": platform.python_version(),
        "round": rnd.name,
        "reconstructed_data": rnd.reconstructed,
        "published_numbers": rnd.has_published,
        "settings": settings,
        "inputs": [{"file": input_name(p, rnd), "sha256": sha256_file(p)}
                   for p in sorted({Path(os.path.abspath(p)) for p in inputs})],
        "files": sorted(files),
        "scorecard": facts.get("scorecard", {}),
        "audit": facts.get("audit", {}),
        "steps": [{"step": n, "seconds": float(f"{t:.3f}")} for n, t in steps],
        "factor_timings": facts.get("factor_timings", {}),
        "warnings": sorted(set(warnings)),
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` into ``folder``."""
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a report folder, or None if there is none samanalyse wrote."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not all(k in data for k in _KEYS) or not isinstance(data["files"], list):
        return None
    return data


def unlisted_files(folder: Path) -> list[str] | None:
    """Files in ``folder`` that its manifest does not list (sorted); None if it has no samanalyse manifest."""
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    listed = {str(f) for f in manifest["files"]} | {MANIFEST}
    extra = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        rel = Path(root).relative_to(folder)
        extra += [(rel / n).as_posix() for n in sorted(names) if (rel / n).as_posix() not in listed]
    return extra
