"""Pooled rows of a response-rate table (Vedlegg 3's priorities of one virkemiddel) under the disclosure rules.

The prikking step models counts of units; a pooled row counts answers over several items, so the tables step
suppresses such a row whole when its base is under ``min_base`` or one of its counts is 1 to ``min_count`` - 1
(the 2010 round's rules: 5 and 3). Cells made by hand; a row of one item is left to the prikking step.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from samanalyse.report.context import Context, ReportSettings
from samanalyse.report.sections.tables import _masked_pooled
from samanalyse.survey.rounds import load_round


def _row(item: str, category: str, count: float, n: float) -> dict:
    return {"table": "V3", "population": "helseforetak", "breakdown": "total", "group": "Samlet", "item": item,
            "category": category, "variant": "all", "count": count, "n": n, "percent": 100 * count / n,
            "value": round(100 * count / n), "ci_low": 1.0, "ci_high": 99.0, "ci_method": "wilson", "symbol": ""}


def test_a_pooled_row_with_a_small_count_is_suppressed_whole(tmp_path: Path) -> None:
    rnd = load_round("2010")
    ctx = Context(round=rnd, out=tmp_path, settings=ReportSettings.from_plan(rnd.plan))
    pooled = ["prio_a", "prio_b"]   # Vedlegg 3's pooled rows (analysis.tables.response_rate_units)
    single = next(it.id for it in rnd.codebook.items("helseforetak", type="closed") if it.topic != "prioritet")
    cells = pd.DataFrame([_row(pooled[0], "Gjennomført", 70, 72), _row(pooled[0], "Vet ikke/ikke aktuelt", 2, 72),
                          _row(pooled[1], "Gjennomført", 50, 72), _row(pooled[1], "Vet ikke/ikke aktuelt", 22, 72),
                          _row(single, "Gjennomført", 17, 18), _row(single, "Vet ikke/ikke aktuelt", 1, 18)])
    out = _masked_pooled(ctx, cells.copy())
    # prio_a: a count of 2 < 3 -> both cells of the row lose every number but n (else 72 - 70 gives it back)
    a = out[out["item"] == pooled[0]]
    assert (a["symbol"] == ":").all() and a[["count", "percent", "value", "ci_low", "ci_high"]].isna().all().all()
    assert (a["n"] == 72).all()
    # prio_b: 50 and 22 of 72, nothing small -> as it was
    pd.testing.assert_frame_equal(out[out["item"] == pooled[1]], cells[cells["item"] == pooled[1]],
                                  check_dtype=False)
    # a single item's row is the prikking step's (its count of 1 is not handled here)
    assert (out.loc[out["item"] == single, "symbol"] == "").all()
    assert np.isclose(out.loc[out["item"] == single, "count"], [17, 1]).all()


def test_a_pooled_row_on_a_small_base_is_suppressed(tmp_path: Path) -> None:
    rnd = load_round("2010")
    ctx = Context(round=rnd, out=tmp_path, settings=ReportSettings.from_plan(rnd.plan))
    cells = pd.DataFrame([_row("prio_c", "Gjennomført", 4, 4), _row("prio_c", "Vet ikke/ikke aktuelt", 0, 4)])
    out = _masked_pooled(ctx, cells)
    assert (out["symbol"] == ":").all() and out["percent"].isna().all()
