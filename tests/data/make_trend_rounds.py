"""Write two made-up rounds for the trend tests (tests/data/rounds/trend_gammel, trend_ny).

``trend_gammel`` is asked on the 2010 kommuner, ``trend_ny`` on the 2024 kommuner (register_year
2024, sentralitet_2024, size classes by folkemengde_2026). Both use the satisfaction scale of the
2010 codebook (same labels), kommune form only. Planted (share «Godt» = Svært + Nokså godt):

- q14: clearly up, 0.45 -> 0.80 (same id);
- q16: unchanged, 0.60 -> 0.60 (same id);
- q18: unchanged 0.55, but the newer round marks a changed wording (``changed``);
- q22 in the newer round is ``same_as: "trend_gammel:q20"`` (unchanged 0.60);
- q30 is new (no earlier item: not compared).

Kommuner merged between the rounds answer in both: 0104 Moss and 0136 Rygge (2010) -> 3103 Moss
(2024), and 1613 Snillfjord, split in 2020, answers in 2010. Run
``python tests/data/make_trend_rounds.py`` to regenerate (deterministic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent / "rounds"
REPO = Path(__file__).resolve().parents[2]
SAT = ["Svært godt", "Nokså godt", "Nokså dårlig", "Svært dårlig", "Vet ikke/ikke aktuelt"]

CODEBOOK = '''# Made-up round for the trend tests (see tests/data/make_trend_rounds.py).
codebook_version: 1
round: "{name}"
title: "Oppdiktet runde for trendtestene"
language: nb
forms:
  kommune: {{label: Kommuner, respondent: kommune}}
scales:
  tilfredshet:
    label: "Hvor godt samhandler ... alt i alt"
    categories:
      - {{code: 1, label: "Svært godt", score: 4}}
      - {{code: 2, label: "Nokså godt", score: 3}}
      - {{code: 3, label: "Nokså dårlig", score: 2}}
      - {{code: 4, label: "Svært dårlig", score: 1}}
      - {{code: 9, label: "Vet ikke/ikke aktuelt", missing: dont_know}}
    collapses:
      godt_darlig:
        label: "Godt/Dårlig"
        groups:
          - {{label: "Dårlig", codes: [3, 4]}}
          - {{label: "Godt", codes: [1, 2]}}
          - {{label: "Vet ikke/ikke aktuelt", codes: [9]}}
      godt_ikke:
        label: "Godt / ikke godt"
        groups:
          - {{label: "Godt", codes: [1, 2]}}
          - {{label: "Ikke godt", codes: [3, 4, 9]}}
questions:
{questions}'''

QUESTION = '''  - number: "{number}"
    scale: tilfredshet
    topic: status
    items:
      - id: {id}
        text: "{text}"
        short: "{short}"
{extra}'''

TABLES = '''# Tables of a made-up trend round (test data).
categories:
  "Dårlig": {collapse: godt_darlig, group: "Dårlig"}
  "Godt": {collapse: godt_darlig, group: "Godt"}
  "Manglende svar": {labels: ["Vet ikke/ikke aktuelt", null]}
tables:
  A:
    kind: by_group
    label: "Tabell A"
    title: "Samhandling om pasientforløpet hjem – fastlege – poliklinikk, etter RHF"
    item: q14
    forms: [kommune]
    by: rhf
    categories: ["Dårlig", "Godt"]
    notes: ["Manglende svar"]
'''

PLAN = '''# Analysis plan of a made-up trend round (test data).
settings: {seed: 20261201, n_boot: 50, n_iter: 10, n_sim: 500, alpha: 0.05, confidence: 0.95, adjust: holm}
'''

ROUND = '''# A made-up round for the trend tests (see tests/data/make_trend_rounds.py). No published numbers.
round: "{name}"
title: "{title}"
fielded: "testdata"
codebook: codebook.yaml
respondents: respondents.csv
tables: tables.yaml
plan: plan.yaml
register_year: {year}
{columns}size_classes:
  population_column: {population}
  reference_date: "{population_year}-01-01"
  classes:
    - {{label: "Små kommuner", max: 3000}}
    - {{label: "Mellomstore kommuner", max: 10000}}
    - {{label: "Store kommuner"}}
responses:
  kommune: responses_kommuner.csv
reconstructed: false
'''

ITEMS = {
    "q14": ("14", "Hvor godt samhandler dere alt i alt om pasientforløpet fra hjem til fastlege til poliklinikk?",
            "Hjem – fastlege – poliklinikk"),
    "q16": ("16", "Hvor godt samhandler dere alt i alt om pasientforløpet fra hjem til legevakt til innleggelse?",
            "Hjem – legevakt – innleggelse"),
    "q18": ("18", "Hvor godt samhandler dere alt i alt om pasientforløpet ut fra spesialisthelsetjenesten?",
            "Ut fra spesialisthelsetjenesten"),
    "q20": ("20", "Hvor godt samhandler dere alt i alt om helsetjenester til kronisk syke?", "Kronisk syke"),
}


def _answers(rng: np.random.Generator, n: int, good: float) -> np.ndarray:
    """Answers with share ``good`` of Svært/Nokså godt among all (8 % Vet ikke, 2 % blank)."""
    u = rng.random(n)
    out = np.empty(n, dtype=object)
    out[u < good] = np.where(rng.random(n) < 0.3, SAT[0], SAT[1])[u < good]
    bad = (u >= good) & (u < 0.90)
    out[bad] = np.where(rng.random(n) < 0.7, SAT[2], SAT[3])[bad]
    out[(u >= 0.90) & (u < 0.98)] = SAT[4]
    out[u >= 0.98] = ""
    return out


def _write(name: str, title: str, year: int, population: str, columns: str, questions: str,
           ids: pd.DataFrame, answers: dict[str, np.ndarray]) -> None:
    d = ROOT / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "codebook.yaml").write_text(CODEBOOK.format(name=name, questions=questions), encoding="utf-8")
    (d / "tables.yaml").write_text(TABLES, encoding="utf-8")
    (d / "plan.yaml").write_text(PLAN, encoding="utf-8")
    (d / "round.yaml").write_text(ROUND.format(name=name, title=title, year=year, columns=columns,
                                               population=population, population_year=population[-4:]),
                                  encoding="utf-8")
    resp = pd.DataFrame({"respondent": ids["kommunenummer"].to_numpy(), **answers})
    resp.to_csv(d / "responses_kommuner.csv", index=False, lineterminator="\n")
    pd.DataFrame({"form": "kommune", "respondent": ids["kommunenummer"].to_numpy(),
                  "name_printed": ids["navn"].to_numpy()}).to_csv(d / "respondents.csv", index=False,
                                                                  lineterminator="\n")


def _sample(reg: pd.DataFrame, n: int, forced: list[str], seed: int) -> pd.DataFrame:
    rest = reg[~reg["kommunenummer"].isin(forced)].sample(n=n - len(forced), random_state=seed)
    return pd.concat([reg[reg["kommunenummer"].isin(forced)], rest]).sort_values("kommunenummer")


def main() -> None:
    rng = np.random.default_rng(20261201)
    reg10 = pd.read_csv(REPO / "data" / "registers" / "kommuner_2010.csv", dtype=str, keep_default_na=False)
    reg10 = reg10[reg10["kommunenummer"] != "2111"]
    reg24 = pd.read_csv(REPO / "data" / "registers" / "kommuner_2024.csv", dtype=str, keep_default_na=False)
    old = _sample(reg10, 200, ["0104", "0136", "1613"], 11)
    new = _sample(reg24, 180, ["3103"], 12)
    q_old = "".join(QUESTION.format(number=n, id=i, text=t, short=s, extra="") for i, (n, t, s) in ITEMS.items())
    _write("trend_gammel", "Oppdiktet tidligere runde (2010-kart)", 2010, "folkemengde_2009", "", q_old, old,
           {"q14": _answers(rng, len(old), 0.45), "q16": _answers(rng, len(old), 0.60),
            "q18": _answers(rng, len(old), 0.55), "q20": _answers(rng, len(old), 0.60)})
    changed = ("        changed:\n          what: [wording]\n"
               "          note: \"Spørsmålet sier nå «utskriving» i stedet for «ut fra spesialisthelsetjenesten».\"\n")
    q_new = (QUESTION.format(number="14", id="q14", text=ITEMS["q14"][1], short=ITEMS["q14"][2], extra="")
             + QUESTION.format(number="16", id="q16", text=ITEMS["q16"][1], short=ITEMS["q16"][2], extra="")
             + QUESTION.format(number="18", id="q18", text="Hvor godt samhandler dere alt i alt ved utskriving?",
                               short="Utskriving", extra=changed)
             + QUESTION.format(number="22", id="q22", text=ITEMS["q20"][1], short=ITEMS["q20"][2],
                               extra="        same_as: \"trend_gammel:q20\"\n")
             + QUESTION.format(number="30", id="q30", text="Hvor godt samhandler dere alt i alt om rus og psykisk helse?",
                               short="Rus og psykisk helse", extra=""))
    _write("trend_ny", "Oppdiktet ny runde (2024-kart)", 2024, "folkemengde_2026",
           "register_columns:\n  sentralitet: sentralitet_2024\n", q_new, new,
           {"q14": _answers(rng, len(new), 0.80), "q16": _answers(rng, len(new), 0.60),
            "q18": _answers(rng, len(new), 0.55), "q22": _answers(rng, len(new), 0.60),
            "q30": _answers(rng, len(new), 0.50)})


if __name__ == "__main__":
    main()
