"""Tests of samanalyse.stats.factor.parallel (psych::fa.parallel)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from samanalyse.stats.factor.parallel import parallel_analysis



def test_parallel_analysis(priorities: pd.DataFrame, corr_cc, ref) -> None:
    pa = parallel_analysis(priorities, correlation="pearson", missing="listwise", n_iter=30, seed=11)
    t = pa.table
    assert list(t.columns) == [
        "number", "pc_observed", "pc_simulated_mean", "pc_simulated_quantile", "pc_resampled_mean",
        "pc_resampled_quantile", "fa_observed", "fa_simulated_mean", "fa_simulated_quantile",
        "fa_resampled_mean", "fa_resampled_quantile", "pc_retain", "fa_retain", "kaiser_retain",
        "scree_retain"]
    assert int(t["scree_retain"].sum()) == pa.n_factors["scree"]
    np.testing.assert_allclose(t["pc_observed"], ref["eigenvalues"]["pearson_listwise"], atol=1e-12)
    # FA eigenvalues: R with the 1-factor minres communalities on the diagonal (psych's fa()$values)
    from factor_analyzer import FactorAnalyzer

    fa1 = FactorAnalyzer(n_factors=1, rotation=None, method="minres", is_corr_matrix=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa1.fit(corr_cc.matrix.to_numpy())
    Rr = corr_cc.matrix.to_numpy().copy()
    np.fill_diagonal(Rr, np.sum(fa1.loadings_**2, axis=1))
    np.testing.assert_allclose(t["fa_observed"], np.sort(np.linalg.eigvalsh(Rr))[::-1], atol=1e-5)
    assert pa.n_factors["parallel_fa"] == 2  # two latent factors generated the data
    assert pa.n_factors["kaiser"] == int((t["pc_observed"] > 1).sum())
    assert t["pc_simulated_quantile"].ge(t["pc_simulated_mean"] - 1e-12).all()
    again = parallel_analysis(priorities, correlation="pearson", missing="listwise", n_iter=30, seed=11)
    pd.testing.assert_frame_equal(t, again.table)
    other = parallel_analysis(priorities, correlation="pearson", missing="listwise", n_iter=30, seed=12)
    assert not np.allclose(t["pc_simulated_mean"], other.table["pc_simulated_mean"])
    assert "Suggested number of factors" in pa.summary()


def test_parallel_analysis_polychoric_and_seed_required(priorities: pd.DataFrame) -> None:
    pa = parallel_analysis(priorities, correlation="polychoric", missing="pairwise", n_iter=10, seed=3)
    assert pa.correlation == "polychoric"
    assert pa.n_factors["parallel_pc"] >= 1
    with pytest.raises(TypeError):
        parallel_analysis(priorities, correlation="pearson", missing="pairwise")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="seed"):
        parallel_analysis(priorities, correlation="pearson", missing="pairwise", seed=-1)
