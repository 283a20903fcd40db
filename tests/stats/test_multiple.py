"""Tests of samanalyse.stats.multiple (adjust_pvalues) against R p.adjust (tests/reference/padjust.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samanalyse.stats.multiple import adjust_pvalues

REF = Path(__file__).resolve().parents[1] / "reference"


def _ref(name: str) -> dict:
    path = REF / name
    if not path.exists():
        pytest.skip(f"{path} not generated yet (Rscript tests/reference/make_reference.R)")
    return json.loads(path.read_text(encoding="utf-8"))

# --------------------------------------------------------------------------
# p-value adjustment against p.adjust
# --------------------------------------------------------------------------


@pytest.mark.parametrize("ours,theirs", [("holm", "holm"), ("bh", "BH"), ("bonferroni", "bonferroni"),
                                         ("hochberg", "hochberg"), ("by", "BY"), ("BH", "BH")])
def test_adjust_pvalues_matches_p_adjust(ours, theirs):
    r = _ref("padjust.json")
    np.testing.assert_allclose(adjust_pvalues(r["p"], method=ours), r["adjusted"][theirs], atol=1e-12, rtol=0)


def test_adjust_pvalues_keeps_nan_out_of_the_family():
    # holm over the 2 finite p: sorted 0.01, 0.04 -> 2 * 0.01 = 0.02, max(0.02, 1 * 0.04) = 0.04
    out = adjust_pvalues([0.04, np.nan, 0.01], method="holm")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.04, 0.02])


