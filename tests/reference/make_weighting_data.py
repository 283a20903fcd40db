"""Write the 2010 inputs of ``make_weighting_reference.R`` (run once, from the repository root).

The 2010 respondent data is a *reconstruction* (see data/rounds/2010/round.yaml): these
files test arithmetic against R ``survey``, they say nothing about 2010.

``weighting_2010_frame.csv``: the 430 kommuner of the 2010 register with RHF, size class,
fylke, sentralitet and whether they answered. ``weighting_2010_sample.csv``: the 187
respondents with ``y`` = 1 when q5a is "Gjennomført med gode erfaringer" (else 0, missing
answers counted as 0), ``x`` = population (0 for 2111 Spitsbergen,
which is a respondent but has no register population and is not in the frame of 430), and ``ok`` = 1 when q14 is "Nokså godt" or
"Svært godt".
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from samanalyse.analysis.weights import frame_groups
from samanalyse.io.datasets import load_round_data
from samanalyse.survey.rounds import load_round

HERE = Path(__file__).parent


def main() -> None:
    rnd = load_round("2010")
    units = rnd.frame_units("kommune")
    frame = pd.DataFrame({"kommune": units.index.astype(str),
                          "rhf": frame_groups(rnd, "kommune", "rhf").to_numpy(),
                          "size_class": frame_groups(rnd, "kommune", "size_class").to_numpy(),
                          "fylke": units["fylke"].astype(str).to_numpy(),
                          "sentralitet": units["sentralitet"].astype(str).to_numpy()})
    data = load_round_data(rnd, ("kommune",))
    frame["responded"] = frame["kommune"].isin(set(data["respondent"].astype(str))).astype(int)
    sample = pd.DataFrame({"kommune": data["respondent"].astype(str), "rhf": data["rhf"].astype(str),
                           "size_class": data["size_class"].astype(str),
                           "y": (data["q5a"].astype(str) == "Gjennomført med gode erfaringer").astype(int),
                           "x": data["population"].astype(float).fillna(0.0),
                           "ok": data["q14"].astype(str).isin(["Nokså godt", "Svært godt"]).astype(int)})
    frame.to_csv(HERE / "weighting_2010_frame.csv", index=False, lineterminator="\n")
    sample.sort_values("kommune").to_csv(HERE / "weighting_2010_sample.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
