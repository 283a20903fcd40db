"""Tests of samanalyse.stats.factor.efa and .rotation against psych::fa (and factor_analyzer)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

import samanalyse.stats.factor.rotation as rot
from samanalyse.analysis.priorities.clusters import item_clusters
from samanalyse.errors import ConvergenceWarning, HeywoodWarning
from samanalyse.stats.factor.correlation import CorrelationResult, correlations
from samanalyse.stats.factor.efa import efa

ROTATIONS = ["none", "oblimin", "promax", "varimax"]


def ref_matrix(m: dict) -> pd.DataFrame:
    return pd.DataFrame(m["values"], index=m["rownames"], columns=m["colnames"], dtype=float)


def align_to(L: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Permute/flip the columns of L to best match target; returns (L, permutation, signs)."""
    C = L.T @ target
    rows, cols = linear_sum_assignment(-np.abs(C))
    perm = np.empty(target.shape[1], int)
    sign = np.empty(target.shape[1])
    for r, c in zip(rows, cols):
        perm[c] = r
        sign[c] = np.sign(C[r, c]) or 1.0
    return L[:, perm] * sign, perm, sign


@pytest.mark.parametrize("method", ["minres", "ml"])
@pytest.mark.parametrize("rotation", ROTATIONS)
@pytest.mark.parametrize("engine", ["native", "factor_analyzer"])
def test_efa_matches_psych_fa(corr_cc, ref, method: str, rotation: str, engine: str) -> None:
    r = ref["fa"][f"{method}_{rotation}"]
    fit = efa(corr_cc, n_factors=2, method=method, rotation=rotation, engine=engine)  # type: ignore[arg-type]
    want = ref_matrix(r["loadings"]).to_numpy()
    got, perm, sign = align_to(fit.loadings_matrix().to_numpy(), want)
    assert np.max(np.abs(got - want)) < 1e-3
    h2 = fit.communalities.set_index("item")["communality"]
    np.testing.assert_allclose(h2.loc[list(r["h2_communality"])], list(r["h2_communality"].values()), atol=1e-3)
    vac = ref_matrix(r["Vaccounted"])
    ss = fit.variance["ss_loadings"].to_numpy()[perm]
    np.testing.assert_allclose(ss, vac.loc["SS loadings"].to_numpy(), atol=1e-3)
    if r["Phi"] is not None:
        phi = fit.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(sign, sign)
        np.testing.assert_allclose(phi, ref_matrix(r["Phi"]).to_numpy(), atol=1e-3)
    else:
        np.testing.assert_array_equal(fit.phi.to_numpy(), np.eye(2))
    # and the near-exact re-solution of the same problem
    tight = ref_matrix(ref["fa_tight"][f"{method}_{rotation}"]["loadings"]).to_numpy()
    assert np.max(np.abs(align_to(fit.loadings_matrix().to_numpy(), tight)[0] - tight)) < 1e-3


def test_efa_on_polychoric_matches_psych(priorities: pd.DataFrame, ref) -> None:
    pc = correlations(priorities, method="polychoric", missing="listwise")
    fit = efa(pc, n_factors=2, method="minres", rotation="oblimin")
    want = ref_matrix(ref["fa"]["polychoric_complete_minres_oblimin"]["loadings"]).to_numpy()
    got, _, _ = align_to(fit.loadings_matrix().to_numpy(), want)
    assert np.max(np.abs(got - want)) < 1e-3


def test_native_rotations_are_exact_to_psych_algorithm(corr_cc, ref) -> None:
    # Same unrotated input -> the step-by-step ports agree with psych to ~1e-6.
    for method in ("minres", "ml"):
        for rotation in ("oblimin", "promax", "varimax"):
            fit = efa(corr_cc, n_factors=2, method=method, rotation=rotation)  # type: ignore[arg-type]
            want = ref_matrix(ref["fa"][f"{method}_{rotation}"]["loadings"]).to_numpy()
            got, _, _ = align_to(fit.loadings_matrix().to_numpy(), want)
            assert np.max(np.abs(got - want)) < 2e-5, (method, rotation)


def test_factor_analyzer_rotations_agree_with_psych(corr_cc, ref) -> None:
    # Documented finding: factor_analyzer 0.5.1's own promax/oblimin/varimax follow psych.
    from factor_analyzer import FactorAnalyzer

    for rotation in ("oblimin", "promax", "varimax"):
        fa = FactorAnalyzer(n_factors=2, rotation=rotation, method="minres", is_corr_matrix=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fa.fit(corr_cc.matrix.to_numpy())
        want = ref_matrix(ref["fa"][f"minres_{rotation}"]["loadings"]).to_numpy()
        assert np.max(np.abs(align_to(fa.loadings_, want)[0] - want)) < 1e-3


def test_efa_output_conventions(corr_cc) -> None:
    fit = efa(corr_cc, n_factors=2, method="minres", rotation="oblimin")
    assert list(fit.loadings.columns) == ["item", "factor", "loading"]
    assert list(fit.communalities.columns) == ["item", "communality", "uniqueness", "heywood"]
    assert list(fit.variance.columns) == ["factor", "ss_loadings", "proportion_var", "cumulative_var",
                                          "proportion_explained"]
    assert fit.factors == ["F1", "F2"]
    ss = fit.variance["ss_loadings"].to_numpy()
    assert ss[0] >= ss[1]
    L = fit.loadings_matrix().to_numpy()
    assert np.all(L[np.argmax(np.abs(L), axis=0), [0, 1]] > 0)
    np.testing.assert_allclose(fit.communalities["communality"] + fit.communalities["uniqueness"], 1.0)
    assert "Factor correlations" in fit.summary()
    np.testing.assert_allclose(fit.structure_matrix(), fit.loadings_matrix() @ fit.phi)


@pytest.mark.parametrize("method", ["minres", "ml"])
def test_perfect_two_factor_structure_is_recovered(method: str) -> None:
    # Exact model R = L Phi L' + Psi with simple structure. (A mirror-symmetric
    # structure would be a poor test: the unrotated solution is then a saddle
    # point of quartimin where GPArotation -- psych and this module alike --
    # stops at once; checked with psych 2.2.9.)
    lam = np.array([[0.8, 0], [0.7, 0], [0.6, 0], [0.5, 0], [0, 0.75], [0, 0.65], [0, 0.55], [0, 0.45],
                    [0, 0.7]])
    phi = np.array([[1.0, 0.3], [0.3, 1.0]])
    R = lam @ phi @ lam.T
    np.fill_diagonal(R, 1.0)
    names = [f"x{i}" for i in range(len(lam))]
    corr = CorrelationResult.from_matrix(pd.DataFrame(R, index=names, columns=names), 500)
    fit = efa(corr, n_factors=2, method=method, rotation="oblimin")  # type: ignore[arg-type]
    assert fit.converged and fit.rotation_converged and not fit.heywood
    got, perm, sign = align_to(fit.loadings_matrix().to_numpy(), lam)
    assert np.max(np.abs(got - lam)) < 1e-3  # oblimin's eps = 1e-5 stopping rule limits this
    np.testing.assert_allclose(fit.communalities["communality"], np.diag(lam @ phi @ lam.T), atol=1e-6)
    assert abs(fit.phi.iat[0, 1] * sign[0] * sign[1] - 0.3) < 1e-3
    cl = item_clusters(fit, n_boot=0, seed=0, markers={"A": ["x0", "x1"], "B": ["x4"]})
    assert cl.members("A") == names[:4] and cl.members("B") == names[4:]


def test_heywood_case_warns() -> None:
    # One factor with r12 = r13 = .9, r23 = .6 needs lambda_1^2 = .9 * .9 / .6 = 1.35 > 1.
    R = np.array([[1, .9, .9, .5], [.9, 1, .6, .4], [.9, .6, 1, .4], [.5, .4, .4, 1]])
    names = ["a", "b", "c", "d"]
    corr = CorrelationResult.from_matrix(pd.DataFrame(R, index=names, columns=names), 200)
    with pytest.warns(HeywoodWarning, match="'a'"):
        fit = efa(corr, n_factors=1, method="minres", rotation="none")
    assert fit.heywood == ("a",)
    assert bool(fit.communalities.set_index("item").loc["a", "heywood"])
    assert "Heywood" in fit.summary()


def test_rotation_non_convergence_warns(corr_cc, monkeypatch) -> None:
    original = rot._gpf_oblimin
    monkeypatch.setattr(rot, "_gpf_oblimin", lambda A, Tmat=None: original(A, Tmat, maxit=1))
    with pytest.warns(ConvergenceWarning, match="oblimin"):
        fit = efa(corr_cc, n_factors=2, rotation="oblimin")
    assert not fit.rotation_converged


def test_efa_input_checks(corr_cc) -> None:
    with pytest.raises(ValueError, match="n_factors.*10"):
        efa(corr_cc, n_factors=10)
    with pytest.raises(ValueError, match="'quartimax'"):
        efa(corr_cc, n_factors=2, rotation="quartimax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'pa'"):
        efa(corr_cc, n_factors=2, method="pa")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        efa(corr_cc.matrix, n_factors=2)  # type: ignore[arg-type]
