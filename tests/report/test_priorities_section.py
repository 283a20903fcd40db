"""The factor-analysis section shows virkemidler by their codebook texts (issue 13: labels instead of ids)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from samanalyse.report.context import Context, ReportSettings
from samanalyse.report.sections.priorities import _named
from samanalyse.survey.rounds import load_round


def test_virkemiddel_ids_become_the_codebook_texts(tmp_path: Path) -> None:
    rnd = load_round("2010")
    frame = pd.DataFrame({"item": ["avtaler_og_ledelse", "informasjonsteknologi"],
                          "virkemiddel": ["avtaler_og_ledelse", "informasjonsteknologi"], "F1": [0.1, 0.7]})
    nb = _named(Context(round=rnd, out=tmp_path, settings=ReportSettings.from_plan(rnd.plan)), frame)
    # q22a and q22d of the questionnaire (data/rounds/2010/codebook.yaml)
    assert list(nb["item"]) == ["Avtaler og ledelse", "Bedre informasjonsteknologi"]
    assert "virkemiddel" not in nb and list(nb["F1"]) == [0.1, 0.7]
    en = _named(Context(round=rnd, out=tmp_path, settings=ReportSettings.from_plan(rnd.plan), lang="en"), frame)
    assert en.loc[0, "item"] == "Agreements and management"
    assert list(frame["item"]) == ["avtaler_og_ledelse", "informasjonsteknologi"]   # the input is not changed
