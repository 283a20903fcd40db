"""Write the made-up round ``annen`` (tests/data/rounds/annen/): other item ids, tables and plan.

A round that shares nothing with 2010 but the registers and the answer vocabulary of the
domain: three satisfaction items, four experience items, six virkemidler asked for two
challenges, two indices, four tables, its own analysis plan, no published numbers.
Answers are random with a planted structure: two clusters of priorities (X: avtaler, kultur,
kunnskap; Y: sentra, senger, team), central kommuner preferring Y, and satisfaction that goes
with good experiences. Run ``python tests/data/make_annen.py`` to regenerate (deterministic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "rounds" / "annen"
REPO = Path(__file__).resolve().parents[2]

SAT = ["Svært fornøyd", "Ganske fornøyd", "Lite fornøyd", "Ikke fornøyd", "Vet ikke"]
EXP = ["Ikke prøvd", "Prøvd, gode erfaringer", "Prøvd, dårlige erfaringer", "Vet ikke"]
PRI = ["Høy", "Middels", "Lav", "Vet ikke"]
STATUS = ["s_hjem", "s_akutt", "s_ut"]
EXPER = ["e_avtale", "e_moter", "e_koord", "e_hosp"]
VIRK = ["avtaler", "kultur", "kunnskap", "sentra", "senger", "team"]
CHALLENGES = {"pa": "akutt", "pk": "kronisk"}


def _answers(rng: np.random.Generator, n: int, central: np.ndarray, form: str) -> pd.DataFrame:
    quality = rng.normal(size=n)
    out: dict[str, list[str]] = {}
    for it in STATUS:
        z = 0.9 * quality + rng.normal(size=n)
        cat = np.digitize(z, [-0.9, 0.0, 0.9])  # 0 = worst
        lab = np.array(SAT[3::-1], dtype=object)[cat]
        lab[rng.random(n) < 0.06] = "Vet ikke"
        out[it] = list(lab)
    for it in EXPER:
        z = 0.8 * quality + rng.normal(size=n)
        lab = np.where(z > 0.3, EXP[1], np.where(z > -0.6, EXP[2], EXP[0])).astype(object)
        lab[rng.random(n) < 0.05] = "Vet ikke"
        out[it] = list(lab)
    x = rng.normal(size=n)
    y = rng.normal(size=n) + 0.6 * central
    for prefix in CHALLENGES:
        for j, v in enumerate(VIRK):
            f = x if j < 3 else y
            z = 1.1 * f + rng.normal(size=n)
            lab = np.array(PRI[2::-1], dtype=object)[np.digitize(z, [-0.5, 0.6])]
            lab[rng.random(n) < 0.05] = "Vet ikke"
            if form == "helseforetak" and v == "senger":
                continue
            out[f"{prefix}_{v}"] = list(lab)
    frame = pd.DataFrame(out)
    blank = rng.random(frame.shape) < 0.02
    return frame.mask(blank)


def main() -> None:
    rng = np.random.default_rng(20251201)
    reg = pd.read_csv(REPO / "data" / "registers" / "kommuner_2010.csv", dtype=str, keep_default_na=False)
    reg = reg[reg["kommunenummer"] != "2111"]
    k = reg.sample(n=150, random_state=7).sort_values("kommunenummer")
    central = (k["sentralitet"].replace("", "1").astype(int).to_numpy() - 1.5) / 1.5
    kom = _answers(rng, len(k), central, "kommune")
    kom.insert(0, "respondent", k["kommunenummer"].to_numpy())
    hf = pd.read_csv(REPO / "data" / "registers" / "helseforetak_2010.csv", dtype=str, keep_default_na=False)
    hf = hf.sample(n=12, random_state=3).sort_values("helseforetak")
    h = _answers(rng, len(hf), np.zeros(len(hf)), "helseforetak")
    h.insert(0, "respondent", hf["helseforetak"].to_numpy())
    HERE.mkdir(parents=True, exist_ok=True)
    kom.to_csv(HERE / "responses_kommuner.csv", index=False, lineterminator="\n")
    h.to_csv(HERE / "responses_helseforetak.csv", index=False, lineterminator="\n")
    resp = pd.concat([
        pd.DataFrame({"form": "kommune", "respondent": k["kommunenummer"], "name_printed": k["navn"]}),
        pd.DataFrame({"form": "helseforetak", "respondent": hf["helseforetak"], "name_printed": hf["helseforetak"]}),
    ])
    resp.to_csv(HERE / "respondents.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
