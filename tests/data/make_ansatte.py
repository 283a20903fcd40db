"""Write the made-up staff-level round ``ansatte`` (tests/data/rounds/ansatte/): persons within kommuner.

One form, ``ansatt`` (``respondent: person, unit: kommune``): 40 kommuner of the 2024 register
drawn across RHF and size class, a frame of persons per kommune (``ramme_ansatte.csv``, read
through ``person_frames`` in ``round.yaml``), and about 600 persons who answered, with response
rates that differ by size class (so the raking weights have something to correct) and answers
that differ by kommune (so the cluster design matters). Three satisfaction items and three
experience items, two indices, three tables, an analysis plan with background tests and
reliability, and weights by raking. The export writes some kommunenummer as ``301``, with a
name (``0301 Oslo``) and two of an earlier vintage (placed by the crosswalk).
Run ``python tests/data/make_ansatte.py`` to regenerate (deterministic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "rounds" / "ansatte"
REPO = Path(__file__).resolve().parents[2]

SAT = ["Svært fornøyd", "Ganske fornøyd", "Lite fornøyd", "Ikke fornøyd", "Vet ikke"]
EXP = ["Ikke prøvd", "Prøvd, gode erfaringer", "Prøvd, dårlige erfaringer", "Vet ikke"]
STATUS = ["s_hjem", "s_akutt", "s_ut"]
EXPER = ["e_avtale", "e_moter", "e_koord"]
RESPONSE = {0: 0.25, 1: 0.35, 2: 0.5}          # by size class: small, medium, large
#: Earlier numbers of two 2024 kommuner, written in the export for some of their persons.
OLD = {"5001": "1601", "3301": "3005"}


def _kommuner(rng: np.random.Generator) -> pd.DataFrame:
    reg = pd.read_csv(REPO / "data" / "registers" / "kommuner_2024.csv", dtype=str, keep_default_na=False)
    reg["pop"] = reg["folkemengde_2026"].astype(int)
    reg["size"] = np.digitize(reg["pop"], [3000, 10000])
    must = reg[reg["kommunenummer"].isin(["0301", *OLD])]
    rest = reg[~reg.index.isin(must.index)].assign(_u=rng.random(len(reg) - len(must)))
    rest = rest.sort_values("_u").groupby(["rhf", "size"]).head(3).drop(columns="_u")
    k = pd.concat([must, rest]).drop_duplicates("kommunenummer").sort_values("kommunenummer").head(40)
    k = k.copy()
    k["staff"] = np.maximum(6, np.round(np.sqrt(k["pop"]) * 0.35 + rng.integers(0, 8, len(k)))).astype(int)
    return k.reset_index(drop=True)


def _answers(rng: np.random.Generator, kommune_effect: np.ndarray) -> dict[str, np.ndarray]:
    n = len(kommune_effect)
    quality = kommune_effect + rng.normal(size=n)
    out = {}
    for it in STATUS:
        z = 0.9 * quality + rng.normal(size=n)
        lab = np.array(SAT[3::-1], dtype=object)[np.digitize(z, [-0.9, 0.0, 0.9])]
        lab[rng.random(n) < 0.06] = "Vet ikke"
        out[it] = lab
    for it in EXPER:
        z = 0.8 * quality + rng.normal(size=n)
        lab = np.where(z > 0.3, EXP[1], np.where(z > -0.6, EXP[2], EXP[0])).astype(object)
        lab[rng.random(n) < 0.05] = "Vet ikke"
        out[it] = lab
    for v in out.values():
        v[rng.random(n) < 0.02] = ""
    return out


def main() -> None:
    rng = np.random.default_rng(20261202)
    k = _kommuner(rng)
    answered = rng.binomial(k["staff"].to_numpy(), k["size"].map(RESPONSE).to_numpy())
    answered = np.maximum(answered, 2)
    knr = np.repeat(k["kommunenummer"].to_numpy(), answered)
    effect = np.repeat(rng.normal(scale=0.7, size=len(k)), answered)
    persons = pd.DataFrame({"respondent": [f"A{i + 1:04d}" for i in range(len(knr))], "kommune": knr})
    written = persons["kommune"].to_numpy(object).copy()
    for i in range(len(written)):                     # kommunenummer as platforms write them
        if written[i] == "0301":
            written[i] = "0301 Oslo" if i % 2 else "301"
        elif written[i] in OLD and i % 3 == 0:
            written[i] = OLD[written[i]]
    persons["kommune"] = written
    for item, lab in _answers(rng, effect).items():
        persons[item] = lab
    HERE.mkdir(parents=True, exist_ok=True)
    persons.to_csv(HERE / "responses_ansatte.csv", index=False, lineterminator="\n")
    frame = pd.DataFrame({"kommune": k["kommunenummer"], "ansatte": k["staff"]})
    frame.to_csv(HERE / "ramme_ansatte.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
