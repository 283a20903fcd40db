"""Tests of samanalyse.stats.factor.suitability against psych::KMO and psych::cortest.bartlett."""

from __future__ import annotations


import numpy as np
import pandas as pd

from samanalyse.stats.factor.suitability import suitability



def test_kmo_and_bartlett_match_r(corr_cc, ref) -> None:
    s = suitability(corr_cc)
    assert abs(s.kmo - ref["kmo"]["MSA"]) < 1e-12
    want = pd.Series(ref["kmo"]["MSAi"])
    np.testing.assert_allclose(s.kmo_items.set_index("item")["msa"].loc[want.index], want, atol=1e-12)
    assert list(s.kmo_items.columns) == ["item", "msa"]
    assert abs(s.bartlett_chisq - ref["bartlett"]["chisq"]) < 1e-8
    assert s.bartlett_df == ref["bartlett"]["df"]
    assert abs(s.bartlett_p - ref["bartlett"]["p_value"]) < 1e-12 + 1e-9 * ref["bartlett"]["p_value"]
    assert "KMO" in s.summary()


def test_kmo_per_item_by_the_anti_image_formula(corr_cc) -> None:
    R = corr_cc.matrix.to_numpy()
    Rinv = np.linalg.inv(R)
    p = R.shape[0]
    for j in range(p):
        r2 = sum(R[i, j] ** 2 for i in range(p) if i != j)
        a2 = sum((-Rinv[i, j] / np.sqrt(Rinv[i, i] * Rinv[j, j])) ** 2 for i in range(p) if i != j)
        got = suitability(corr_cc).kmo_items["msa"].iloc[j]
        assert abs(got - r2 / (r2 + a2)) < 1e-12
