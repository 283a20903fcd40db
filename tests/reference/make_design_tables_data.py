"""Write the 2010 inputs of ``make_design_tables_reference.R`` (run once, from the repository root).

The 2010 respondent data is a *reconstruction* (see data/rounds/2010/round.yaml): these files test
arithmetic against R ``survey``, they say nothing about 2010.

``design_tables_2010.csv``: every respondent (kommuner and helseforetak) with ``form``, ``rhf``,
``size_class`` and, for the checks of the weighted tables, tests and indices:

- ``q20_darlig`` / ``q20_godt`` / ``q20_mangler``: 1 when q20 is in Tabell 1's category Dårlig / Godt /
  Manglende svar (blanks count as not in the category; the base is every respondent);
- ``q14c``: q14 collapsed to Godt/Dårlig, blank when "Vet ikke" or not answered (the plan's test);
- ``<index>_score`` and ``<index>_class`` of the three indices (blank when missing);
- ``prio_a_y`` / ``prio_a_x``: answers "Gjennomført" (Vedlegg 3's ``answered`` variant) to the pooled
  priority items ``prio_a`` and answered items (its base).

``design_tables_2010_hf_frame.csv``: the helseforetak of the frame per RHF (the kommune frame is
``weighting_2010_frame.csv``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from samanalyse.analysis.indices import index_scores
from samanalyse.analysis.tables import _members, _values, category_labels, response_rate_units, variants
from samanalyse.analysis.weights import frame_groups
from samanalyse.io.datasets import load_round_data
from samanalyse.survey.answers import collapse_values, item_scale
from samanalyse.survey.rounds import load_round

HERE = Path(__file__).parent
INDICES = ("avtaler_og_ledelse", "kompetanse", "kvalitet_pasientforlop")


def main() -> None:
    rnd = load_round("2010")
    cb, cat = rnd.codebook, rnd.catalogue
    data = load_round_data(rnd).reset_index(drop=True)
    out = data[["form", "respondent", "rhf", "size_class"]].astype(object).copy()
    q20 = cb.item("q20")
    values = _values(data, ["q20"])[:, 0]
    for name, c in (("darlig", "Dårlig"), ("godt", "Godt"), ("mangler", "Manglende svar")):
        out[f"q20_{name}"] = np.isin(values, _members(category_labels(q20, cat.rule(c)))).astype(int)
    q14 = collapse_values(data["q14"], item_scale(cb, "q14"), "godt_darlig", "q14").astype(object)
    out["q14c"] = q14.where(q14.isin(["Godt", "Dårlig"]))
    for ix in INDICES:
        sc = index_scores(data, ix, codebook=cb)
        out[f"{ix}_score"] = sc["score"].astype("Float64")
        out[f"{ix}_class"] = sc["class"].astype(object)
    spec = cat.spec("V3")
    rules = {name: r for name, _, r in variants(spec, cat)}["answered"]
    for form in ("kommune", "helseforetak"):
        units = dict(response_rate_units(cb, form))
        its = units["prio_a"]
        rows = (data["form"] == form).to_numpy()
        v = _values(data[rows], [it.id for it in its])
        out.loc[rows, "prio_a_y"] = np.isin(v, _members(category_labels(its[0], rules["Gjennomført"]))).sum(axis=1)
        out.loc[rows, "prio_a_x"] = (v != "").sum(axis=1)
    out.sort_values(["form", "respondent"]).to_csv(HERE / "design_tables_2010.csv", index=False, lineterminator="\n")
    hf = frame_groups(rnd, "helseforetak", "rhf").value_counts().sort_index()
    pd.DataFrame({"rhf": hf.index, "frame_size": hf.to_numpy()}).to_csv(
        HERE / "design_tables_2010_hf_frame.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
