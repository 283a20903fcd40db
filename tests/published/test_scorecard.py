"""The reproduction scorecard."""

from __future__ import annotations

import pandas as pd

from samanalyse.published.scorecard import impossible_cells, scorecard


def test_scorecard_2010():
    card = scorecard("2010")
    c = card.counts
    assert sum(c.values()) == 426
    assert c["matched"] == 383 and c.get("unmet", 0) == 0 and card.ok
    # 30 bare "%" cells and the printed "144 %" (study text; data/published/2010/README.md)
    assert c["unknown"] == 30 and c["anomaly"] == 1
    # 77 % of 18 is not a whole count: 13/18 = 72.2 %, 14/18 = 77.8 %
    assert card.cells.set_index("cell_id").loc["T16-004", "outcome"] == "impossible"
    assert card.largest_deviation("matched") <= 0.5
    assert "RECONSTRUCTED" in card.summary()


def test_unmet_without_audit_proof_fails(monkeypatch):
    # a possible cell that the data does not meet must make the scorecard fail
    from samanalyse.io.datasets import load_round_data
    from samanalyse.published import scorecard as reproduce

    d = load_round_data("2010")
    k = (d["form"] == "kommune") & (d["rhf"] == "Helse Midt")
    d.loc[k, "q20"] = pd.Series("Svært godt", index=d.index[k]).astype(d["q20"].dtype)
    card = reproduce.scorecard("2010", d)
    assert not card.ok
    assert "T01-002" in set(card.cells.loc[card.cells["outcome"] == "unmet", "cell_id"])
    assert "T16-004" in impossible_cells("2010")


def test_outcomes_are_each_cells_outcome():
    # the scorecard's outcomes with array operations are the per-cell rule (_outcome), on every kind of cell:
    # 2010 has matched, unknown, anomaly, impossible and not regenerated cells; a made-up unmet and an excused one
    from samanalyse.published.scorecard import _outcome, _outcomes

    cells = scorecard("2010").cells
    extra = cells.head(3).assign(match=[False, False, pd.NA], status_published="printed",
                                 cell_id=["X-1", "X-2", "X-3"])
    cmp = pd.concat([cells, extra], ignore_index=True)
    excused = {"X-2": "proved impossible", **{c: "" for c in cells.loc[cells["outcome"] == "impossible", "cell_id"]}}
    assert _outcomes(cmp, excused) == [_outcome(r, excused) for _, r in cmp.iterrows()]
    assert {"matched", "unknown", "anomaly", "impossible", "not regenerated", "unmet"} <= set(_outcomes(cmp, excused))
