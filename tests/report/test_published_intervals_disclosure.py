"""The intervals samanalyse adds to a published reproduction follow the disclosure rules (issue 16, item 5).

The study's own shares are public and printed as published; the 95 % intervals are samanalyse's, so a
share whose base is under the round's ``min_base`` (5) or whose count is 1-2 (``min_count`` 3) gets
``:`` instead of an interval. The groups are the study's: its list of the 18 participating helseforetak
("Deltagende helseforetak") has 3 in Helse Nord (Finnmark, Helgeland, Nordland), 4 in Helse Midt-Norge,
4 in Helse Vest and 7 in Helse Sør-Øst.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from samanalyse.report import build
from samanalyse.report.context import Context, ReportSettings
from samanalyse.survey.rounds import load_round

matplotlib.use("Agg")
STEPS = ["data", "respondenter", "prikking", "tabeller"]


def _tables(tmp: Path, rnd) -> Context:
    ctx = Context(round=rnd, out=tmp, settings=ReportSettings.from_plan(rnd.plan, n_sim=200))
    fns = dict(build.STEPS)
    for name in STEPS:
        fns[name](ctx)
    return ctx


@pytest.fixture(scope="module")
def ruled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Context]:
    tmp = tmp_path_factory.mktemp("prikket")
    return tmp, _tables(tmp, load_round("2010"))


def test_helseforetak_per_rhf_have_no_interval(ruled: tuple[Path, Context]) -> None:
    tmp, _ = ruled
    t = pd.read_csv(tmp / "tables" / "T04.csv", keep_default_na=False, dtype=str)
    hf = t[(t["population"] == "helseforetak") & (t["breakdown"] == "rhf")]
    n = dict(zip(hf["group"], hf["n"].astype(float).astype(int)))
    assert n == {"Helse Midt": 4, "Helse Nord": 3, "Helse Sør-Øst": 7, "Helse Vest": 4}
    small = hf["n"].astype(float) < 5
    assert (hf.loc[small, "ci_method"] == ":").all()
    assert (hf.loc[small, ["ci_low", "ci_high"]] == "").all().all()
    # the published shares themselves are printed as they are
    assert (hf.loc[small, "published"] != "").all()


def test_a_count_of_one_or_two_has_no_interval_others_keep_theirs(ruled: tuple[Path, Context]) -> None:
    tmp, _ = ruled
    for tid in ("T01", "T07", "T10"):
        t = pd.read_csv(tmp / "tables" / f"{tid}.csv")
        t = t[t["percent"].notna() & t["n"].notna()]
        count = (t["percent"] * t["n"] / 100).round()         # hand: share x base
        hidden = (t["n"] < 5) | ((count > 0) & (count < 3))
        assert hidden.any() and (~hidden).any(), tid
        assert (t.loc[hidden, "ci_method"] == ":").all(), tid
        assert t.loc[hidden, "ci_low"].isna().all(), tid
        kept = t.loc[~hidden]
        assert (kept["ci_method"] != ":").all() and kept["ci_low"].notna().all(), tid
        assert ((kept["ci_low"] <= kept["percent"] + 1e-9) & (kept["percent"] <= kept["ci_high"] + 1e-9)).all()


def test_the_sheet_detail_and_note_show_the_symbol(ruled: tuple[Path, Context]) -> None:
    _, ctx = ruled
    sec = next(s for s in ctx.sections["tabeller"] if s.key == "T04")
    assert any("samanalyse legger til" in note and "«:»" in note for note in sec.notes)
    assert (sec.frame.astype(str) == ":").any().any()
    assert sec.detail_frame.astype(str).apply(lambda c: c.str.contains(r"\(:\)", regex=True)).any().any()


def test_without_rules_every_share_keeps_its_interval(tmp_path: Path) -> None:
    rnd = load_round("2010")
    rnd = dataclasses.replace(rnd, meta={k: v for k, v in rnd.meta.items() if k != "disclosure"})
    assert rnd.disclosure is None
    _tables(tmp_path, rnd)
    t = pd.read_csv(tmp_path / "tables" / "T04.csv")
    assert (t["ci_method"].fillna("") != ":").all()
    hf = t[(t["population"] == "helseforetak") & (t["breakdown"] == "rhf") & t["percent"].notna()]
    assert hf["ci_low"].notna().all()


def test_pooled_rows_are_named_by_their_virkemiddel(ruled: tuple[Path, Context]) -> None:
    """Vedlegg 3's pooled priority rows read with the virkemiddel's text (codebook), not the program id."""
    _, ctx = ruled
    sec = next(s for s in ctx.sections["tabeller"] if s.key == "V3")
    rows = [str(r) for r in sec.frame.iloc[:, 0]]
    assert not any(r.startswith("prio_") for r in rows)
    assert "Prioritering: Avtaler og ledelse (samlet over 4 spørsmål): Gjennomført" in rows
    assert len(rows) == len(set(rows))
