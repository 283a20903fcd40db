"""Minimal survey exports of a made-up round, written with the round's item ids as headers.

A stand-in for ``tests/data/platform_exports.py`` (the platforms' own shapes) where a test needs only a
valid export: one CSV per form, a ``kommunenummer`` column of the 2024 register (or the names of the
helseforetak with a catchment area), every closed item answered with a label of its scale drawn at
random, every free-text column present and blank. MADE-UP answers, not survey responses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from samanalyse.survey.registers import helseforetak, kommuner
from samanalyse.survey.rounds import load_round

__all__ = ["write_minimal_exports"]


def write_minimal_exports(folder: str | Path, round: str | Path = "2010", *, n_kommuner: int = 200, n_hf: int = 15,
                          seed: int = 18, year: int = 2024) -> dict[str, Path]:
    """Write ``kommune.csv`` and ``helseforetak.csv`` into ``folder``; return them by form."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    codebook = load_round(round).codebook
    rng = np.random.default_rng(seed)
    hf = helseforetak(year)
    ids = {"kommune": ("kommunenummer", sorted(rng.choice(np.array(kommuner(year).index), n_kommuner, replace=False))),
           "helseforetak": ("helseforetak", list(hf[hf["opptaksomraade"].notna()].index)[:n_hf])}
    written = {}
    for form, (column, who) in ids.items():
        frame = pd.DataFrame({column: who})
        for item in codebook.items(form):
            frame[item.id] = rng.choice(item.scale.labels(), len(who)) if item.scale else ""
        written[form] = folder / f"{form}.csv"
        frame.to_csv(written[form], index=False)
    return written
