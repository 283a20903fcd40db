"""Tests of samanalyse.stats.factor.correlation against R (stats::cor, psych::polychoric)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from samanalyse.errors import DataError
from samanalyse.stats.factor.correlation import correlations



def ref_matrix(m: dict) -> pd.DataFrame:
    return pd.DataFrame(m["values"], index=m["rownames"], columns=m["colnames"], dtype=float)


def test_pearson_listwise_and_pairwise_match_r(priorities: pd.DataFrame, ref: dict) -> None:
    lw = correlations(priorities, method="pearson", missing="listwise")
    np.testing.assert_allclose(lw.matrix, ref_matrix(ref["pearson"]["listwise"]["R"]), atol=1e-12)
    assert lw.n_obs == ref["pearson"]["listwise"]["n"] == 151
    pw = correlations(priorities, method="pearson", missing="pairwise")
    np.testing.assert_allclose(pw.matrix, ref_matrix(ref["pearson"]["pairwise"]["R"]), atol=1e-12)
    np.testing.assert_array_equal(pw.n, ref_matrix(ref["pearson"]["pairwise"]["n_pairwise"]))
    assert list(pw.to_frame().columns) == ["item_1", "item_2", "r", "n"]


def test_polychoric_via_correlations(priorities: pd.DataFrame, ref: dict) -> None:
    pc = correlations(priorities, method="polychoric", missing="listwise")
    want = ref_matrix(ref["polychoric"]["complete_cases"]["rho"])
    assert np.max(np.abs(pc.matrix.to_numpy() - want.to_numpy())) < 1e-4
    assert not pc.smoothed


def test_eigenvalues_match_r(corr_cc, priorities, ref) -> None:
    ev = np.sort(np.linalg.eigvalsh(corr_cc.matrix))[::-1]
    np.testing.assert_allclose(ev, ref["eigenvalues"]["pearson_listwise"], atol=1e-12)
    pc = correlations(priorities, method="polychoric", missing="listwise")
    ev = np.sort(np.linalg.eigvalsh(pc.matrix))[::-1]
    np.testing.assert_allclose(ev, ref["eigenvalues"]["polychoric_complete_cases"], atol=1e-4)


def test_correlation_choices_are_explicit(priorities: pd.DataFrame) -> None:
    with pytest.raises(TypeError):
        correlations(priorities, method="pearson")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="'both'"):
        correlations(priorities, method="pearson", missing="both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'spearman'"):
        correlations(priorities, method="spearman", missing="pairwise")  # type: ignore[arg-type]
    mean = pd.DataFrame({"x": [0, 0.25, 1, 2, 1.5], "y": [0, 1, 1, 2, 2]})
    with pytest.raises(DataError, match="aggregate='round'"):
        correlations(mean, method="polychoric", missing="pairwise")
