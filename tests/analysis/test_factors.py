"""Tests of samanalyse.factors: scores, correlations, KMO/Bartlett, parallel
analysis, EFA against psych::fa, clusters, preferences and figures."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

import samanalyse.analysis.factors as fx
import samanalyse.report.figures as rf
from samanalyse.survey.rounds import load_round
from samanalyse.survey.rounds import load_codebook
from samanalyse.errors import ConvergenceWarning, DataError, HeywoodWarning, SamanalyseWarning, SmallCellWarning

REF = Path(__file__).resolve().parents[1] / "reference"
LETTERS = "abcdefghij"
QUESTIONS = ("q22", "q24", "q26", "q28")
LABELS = np.array(["Høy prioritet", "Middels prioritet", "Ikke prioritet", "Vet ikke/ikke aktuelt"])
ROTATIONS = ["none", "oblimin", "promax", "varimax"]


# ================================================================= fixtures ==


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")


@pytest.fixture(scope="module")
def ref() -> dict:
    f = REF / "factor.json"
    if not f.exists():
        pytest.skip("tests/reference/factor.json not generated yet (Rscript tests/reference/make_reference.R)")
    return json.loads(f.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def priorities() -> pd.DataFrame:
    return pd.read_csv(REF / "priorities.csv")


@pytest.fixture(scope="module")
def corr_cc(priorities: pd.DataFrame) -> fx.CorrelationResult:
    return fx.correlations(priorities, method="pearson", missing="listwise")


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


def synthetic_labels(n: int = 187, seed: int = 1, b_first: bool = False, p_dont_know: float = 0.04,
                     p_na: float = 0.02) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Answer labels q22a..q28j from two latent traits A (a-c) and B (f-h); returns (data, A, B)."""
    rng = np.random.default_rng(seed)
    fa = rng.standard_normal(n)
    fb = 0.3 * fa + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    la = np.array([0.75, 0.70, 0.65, 0.30, 0.20, 0.00, 0.05, 0.00, 0.25, 0.15])
    lb = np.array([0.00, 0.05, 0.00, 0.25, 0.30, 0.75, 0.70, 0.65, 0.20, 0.30])
    if b_first:  # make B the stronger factor (more items, higher loadings)
        lb = np.array([0.00, 0.05, 0.00, 0.60, 0.65, 0.85, 0.80, 0.80, 0.55, 0.60])
    out: dict[str, object] = {"respondent": [f"{1000 + i:04d}" for i in range(n)]}
    dtype = pd.CategoricalDtype(list(LABELS))
    for j, letter in enumerate(LETTERS):
        common = la[j] * fa + lb[j] * fb
        h2 = min(la[j] ** 2 + lb[j] ** 2 + 2 * 0.3 * la[j] * lb[j], 0.95)
        trait = common + np.sqrt(1 - h2) * 0.8 * rng.standard_normal(n)
        for q in QUESTIONS:
            ystar = trait + 0.6 * rng.standard_normal(n)
            code = np.where(ystar > 0.2, 0, np.where(ystar > -0.9, 1, 2))
            lab = LABELS[code].astype(object)
            lab[rng.random(n) < p_dont_know] = LABELS[3]
            lab[rng.random(n) < p_na] = None
            out[q + letter] = pd.Categorical(lab, dtype=dtype)
    return pd.DataFrame(out), fa, fb


@pytest.fixture(scope="module")
def synth(cb) -> dict:
    data, fa, fb = synthetic_labels()
    scores = fx.priority_scores(data, codebook=cb, aggregate="mean")
    corr = fx.correlations(scores, method="pearson", missing="pairwise")
    fit = fx.efa(corr, n_factors=2, method="minres", rotation="oblimin")
    cl = fx.item_clusters(fit, codebook=cb, n_boot=40, seed=7)
    return {"data": data, "fa": fa, "fb": fb, "scores": scores, "corr": corr, "fit": fit, "clusters": cl}


# =================================================================== scores ==


def test_priority_scores_by_hand(cb) -> None:
    H, M, I, V = LABELS
    d = pd.DataFrame({
        "respondent": ["r1", "r2", "r3"],
        "q22a": pd.Categorical([H, V, None], categories=list(LABELS)),
        "q24a": pd.Categorical([M, I, None], categories=list(LABELS)),
        "q26a": pd.Categorical([M, I, None], categories=list(LABELS)),
        "q28a": pd.Categorical([H, H, H], categories=list(LABELS)),
        "q22b": [I, I, M],
    })
    per_item = fx.priority_scores(d, codebook=cb, aggregate=None)
    assert list(per_item.columns) == ["respondent", "q22a", "q22b", "q24a", "q26a", "q28a"]  # codebook order
    np.testing.assert_array_equal(per_item["q22a"], [2, np.nan, np.nan])
    np.testing.assert_array_equal(per_item["q24a"], [1, 0, np.nan])
    mean = fx.priority_scores(d, codebook=cb, aggregate="mean")
    assert list(mean.columns) == ["respondent", "avtaler_og_ledelse", "kunnskap_og_kompetanse"]
    np.testing.assert_allclose(mean["avtaler_og_ledelse"], [1.5, 2 / 3, 2.0])
    np.testing.assert_allclose(mean["kunnskap_og_kompetanse"], [0.0, 0.0, 1.0])
    rnd = fx.priority_scores(d, codebook=cb, aggregate="round")
    np.testing.assert_array_equal(rnd["avtaler_og_ledelse"], [2.0, 1.0, 2.0])  # 1.5 rounds half up
    sm = fx.priority_scores(d, codebook=cb, aggregate="sum")
    np.testing.assert_array_equal(sm["avtaler_og_ledelse"], [6.0, np.nan, np.nan])  # all 4 needed
    two = fx.priority_scores(d, codebook=cb, aggregate="mean", min_answered=2)
    np.testing.assert_array_equal(two["avtaler_og_ledelse"].isna(), [False, False, True])


def test_priority_scores_errors(cb) -> None:
    d = pd.DataFrame({"q22a": ["Høy prioritet", "Veldig høy"]})
    with pytest.raises(DataError, match="'Veldig høy'"):
        fx.priority_scores(d, codebook=cb)
    with pytest.raises(DataError, match="'q99z'"):
        fx.priority_scores(d, codebook=cb, items=["q99z"])
    with pytest.raises(DataError, match="'q24a'"):
        fx.priority_scores(d, codebook=cb, items=["q24a"])
    with pytest.raises(ValueError, match="'median'"):
        fx.priority_scores(d, codebook=cb, aggregate="median")  # type: ignore[arg-type]


# ============================================================= correlations ==


def test_pearson_listwise_and_pairwise_match_r(priorities: pd.DataFrame, ref: dict) -> None:
    lw = fx.correlations(priorities, method="pearson", missing="listwise")
    np.testing.assert_allclose(lw.matrix, ref_matrix(ref["pearson"]["listwise"]["R"]), atol=1e-12)
    assert lw.n_obs == ref["pearson"]["listwise"]["n"] == 151
    pw = fx.correlations(priorities, method="pearson", missing="pairwise")
    np.testing.assert_allclose(pw.matrix, ref_matrix(ref["pearson"]["pairwise"]["R"]), atol=1e-12)
    np.testing.assert_array_equal(pw.n, ref_matrix(ref["pearson"]["pairwise"]["n_pairwise"]))
    assert list(pw.to_frame().columns) == ["item_1", "item_2", "r", "n"]


def test_polychoric_via_correlations(priorities: pd.DataFrame, ref: dict) -> None:
    pc = fx.correlations(priorities, method="polychoric", missing="listwise")
    want = ref_matrix(ref["polychoric"]["complete_cases"]["rho"])
    assert np.max(np.abs(pc.matrix.to_numpy() - want.to_numpy())) < 1e-4
    assert not pc.smoothed


def test_eigenvalues_match_r(corr_cc, priorities, ref) -> None:
    ev = np.sort(np.linalg.eigvalsh(corr_cc.matrix))[::-1]
    np.testing.assert_allclose(ev, ref["eigenvalues"]["pearson_listwise"], atol=1e-12)
    pc = fx.correlations(priorities, method="polychoric", missing="listwise")
    ev = np.sort(np.linalg.eigvalsh(pc.matrix))[::-1]
    np.testing.assert_allclose(ev, ref["eigenvalues"]["polychoric_complete_cases"], atol=1e-4)


def test_correlation_choices_are_explicit(priorities: pd.DataFrame, cb) -> None:
    with pytest.raises(TypeError):
        fx.correlations(priorities, method="pearson")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="'both'"):
        fx.correlations(priorities, method="pearson", missing="both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'spearman'"):
        fx.correlations(priorities, method="spearman", missing="pairwise")  # type: ignore[arg-type]
    mean = pd.DataFrame({"x": [0, 0.25, 1, 2, 1.5], "y": [0, 1, 1, 2, 2]})
    with pytest.raises(DataError, match="aggregate='round'"):
        fx.correlations(mean, method="polychoric", missing="pairwise")


# ============================================================== suitability ==


def test_kmo_and_bartlett_match_r(corr_cc, ref) -> None:
    s = fx.suitability(corr_cc)
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
        got = fx.suitability(corr_cc).kmo_items["msa"].iloc[j]
        assert abs(got - r2 / (r2 + a2)) < 1e-12


# ====================================================================== EFA ==


@pytest.mark.parametrize("method", ["minres", "ml"])
@pytest.mark.parametrize("rotation", ROTATIONS)
@pytest.mark.parametrize("engine", ["native", "factor_analyzer"])
def test_efa_matches_psych_fa(corr_cc, ref, method: str, rotation: str, engine: str) -> None:
    r = ref["fa"][f"{method}_{rotation}"]
    fit = fx.efa(corr_cc, n_factors=2, method=method, rotation=rotation, engine=engine)  # type: ignore[arg-type]
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
    pc = fx.correlations(priorities, method="polychoric", missing="listwise")
    fit = fx.efa(pc, n_factors=2, method="minres", rotation="oblimin")
    want = ref_matrix(ref["fa"]["polychoric_complete_minres_oblimin"]["loadings"]).to_numpy()
    got, _, _ = align_to(fit.loadings_matrix().to_numpy(), want)
    assert np.max(np.abs(got - want)) < 1e-3


def test_native_rotations_are_exact_to_psych_algorithm(corr_cc, ref) -> None:
    # Same unrotated input -> the step-by-step ports agree with psych to ~1e-6.
    for method in ("minres", "ml"):
        for rotation in ("oblimin", "promax", "varimax"):
            fit = fx.efa(corr_cc, n_factors=2, method=method, rotation=rotation)  # type: ignore[arg-type]
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
    fit = fx.efa(corr_cc, n_factors=2, method="minres", rotation="oblimin")
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
    corr = fx.CorrelationResult.from_matrix(pd.DataFrame(R, index=names, columns=names), 500)
    fit = fx.efa(corr, n_factors=2, method=method, rotation="oblimin")  # type: ignore[arg-type]
    assert fit.converged and fit.rotation_converged and not fit.heywood
    got, perm, sign = align_to(fit.loadings_matrix().to_numpy(), lam)
    assert np.max(np.abs(got - lam)) < 1e-3  # oblimin's eps = 1e-5 stopping rule limits this
    np.testing.assert_allclose(fit.communalities["communality"], np.diag(lam @ phi @ lam.T), atol=1e-6)
    assert abs(fit.phi.iat[0, 1] * sign[0] * sign[1] - 0.3) < 1e-3
    cl = fx.item_clusters(fit, n_boot=0, seed=0, markers={"A": ["x0", "x1"], "B": ["x4"]})
    assert cl.members("A") == names[:4] and cl.members("B") == names[4:]


def test_heywood_case_warns() -> None:
    # One factor with r12 = r13 = .9, r23 = .6 needs lambda_1^2 = .9 * .9 / .6 = 1.35 > 1.
    R = np.array([[1, .9, .9, .5], [.9, 1, .6, .4], [.9, .6, 1, .4], [.5, .4, .4, 1]])
    names = ["a", "b", "c", "d"]
    corr = fx.CorrelationResult.from_matrix(pd.DataFrame(R, index=names, columns=names), 200)
    with pytest.warns(HeywoodWarning, match="'a'"):
        fit = fx.efa(corr, n_factors=1, method="minres", rotation="none")
    assert fit.heywood == ("a",)
    assert bool(fit.communalities.set_index("item").loc["a", "heywood"])
    assert "Heywood" in fit.summary()


def test_rotation_non_convergence_warns(corr_cc, monkeypatch) -> None:
    original = fx._gpf_oblimin
    monkeypatch.setattr(fx, "_gpf_oblimin", lambda A, Tmat=None: original(A, Tmat, maxit=1))
    with pytest.warns(ConvergenceWarning, match="oblimin"):
        fit = fx.efa(corr_cc, n_factors=2, rotation="oblimin")
    assert not fit.rotation_converged


def test_efa_input_checks(corr_cc) -> None:
    with pytest.raises(ValueError, match="n_factors.*10"):
        fx.efa(corr_cc, n_factors=10)
    with pytest.raises(ValueError, match="'quartimax'"):
        fx.efa(corr_cc, n_factors=2, rotation="quartimax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'pa'"):
        fx.efa(corr_cc, n_factors=2, method="pa")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fx.efa(corr_cc.matrix, n_factors=2)  # type: ignore[arg-type]


# ========================================================= parallel analysis ==


def test_parallel_analysis(priorities: pd.DataFrame, corr_cc, ref) -> None:
    pa = fx.parallel_analysis(priorities, correlation="pearson", missing="listwise", n_iter=30, seed=11)
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
    again = fx.parallel_analysis(priorities, correlation="pearson", missing="listwise", n_iter=30, seed=11)
    pd.testing.assert_frame_equal(t, again.table)
    other = fx.parallel_analysis(priorities, correlation="pearson", missing="listwise", n_iter=30, seed=12)
    assert not np.allclose(t["pc_simulated_mean"], other.table["pc_simulated_mean"])
    assert "Suggested number of factors" in pa.summary()


def test_parallel_analysis_polychoric_and_seed_required(priorities: pd.DataFrame) -> None:
    pa = fx.parallel_analysis(priorities, correlation="polychoric", missing="pairwise", n_iter=10, seed=3)
    assert pa.correlation == "polychoric"
    assert pa.n_factors["parallel_pc"] >= 1
    with pytest.raises(TypeError):
        fx.parallel_analysis(priorities, correlation="pearson", missing="pairwise")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="seed"):
        fx.parallel_analysis(priorities, correlation="pearson", missing="pairwise", seed=-1)


# ================================================================= clusters ==


def test_clusters_named_by_virkemiddel(synth: dict) -> None:
    cl = synth["clusters"]
    items = cl.items.set_index("item")
    assert list(cl.items.columns) == ["item", "virkemiddel", "factor", "cluster", "loading", "second_loading",
                                      "stability"]
    for v in fx.STUDY_CLUSTERS["A"]:
        assert items.loc[v, "cluster"] == "A"
    for v in fx.STUDY_CLUSTERS["B"]:
        assert items.loc[v, "cluster"] == "B"
    assert sorted(cl.factor_clusters.values()) == ["A", "B"]
    assert cl.n_boot == 40 and cl.n_boot_ok == 40
    clear = [*fx.STUDY_CLUSTERS["A"], *fx.STUDY_CLUSTERS["B"]]
    assert (items.loc[clear, "stability"] >= 0.9).all()
    boot = cl.bootstrap
    assert list(boot.columns) == ["item", "cluster", "share"]
    np.testing.assert_allclose(boot.groupby("item")["share"].sum(), 1.0)
    assert "A (" in cl.summary()


def test_cluster_names_do_not_depend_on_factor_order(cb) -> None:
    data, _, _ = synthetic_labels(seed=5, b_first=True)
    scores = fx.priority_scores(data, codebook=cb)
    fit = fx.efa(fx.correlations(scores, method="pearson", missing="pairwise"), n_factors=2)
    cl = fx.item_clusters(fit, codebook=cb, n_boot=0, seed=1)
    assert cl.factor_clusters == {"F1": "B", "F2": "A"}  # B explains most variance here
    assert cl.items.set_index("item").loc["avtaler_og_ledelse", "cluster"] == "A"
    assert cl.items["stability"].isna().all()


def test_clusters_from_per_challenge_items_use_the_codebook(cb) -> None:
    data, _, _ = synthetic_labels(seed=2)
    per = fx.priority_scores(data, codebook=cb, aggregate=None)
    sub = ["q22a", "q24a", "q22b", "q24b", "q22c", "q22f", "q24f", "q22g", "q24g", "q22h"]
    corr = fx.correlations(per, sub, method="polychoric", missing="pairwise")
    cl = fx.item_clusters(fx.efa(corr, n_factors=2), codebook=cb, n_boot=0, seed=1)
    items = cl.items.set_index("item")
    assert items.loc["q22a", "virkemiddel"] == "avtaler_og_ledelse"
    assert (items.loc[["q22a", "q24a", "q22b", "q24b", "q22c"], "cluster"] == "A").all()
    assert (items.loc[["q22f", "q24f", "q22g", "q24g", "q22h"], "cluster"] == "B").all()


def test_align_undoes_permutation_and_sign() -> None:
    rng = np.random.default_rng(0)
    L = rng.normal(size=(10, 3))
    shuffled = L[:, [2, 0, 1]] * np.array([-1, 1, -1])
    np.testing.assert_allclose(fx._align(shuffled, L), L)


def test_min_loading_leaves_items_unassigned(synth: dict, cb) -> None:
    cl = fx.item_clusters(synth["fit"], codebook=cb, min_loading=0.95, n_boot=5, seed=1)
    assert (cl.items["cluster"] == "unassigned").all()
    assert cl.members("unassigned") == synth["fit"].items


# ============================================================== preferences ==


def test_preferences_follow_the_latent_traits(synth: dict) -> None:
    prefs = fx.respondent_preferences(synth["clusters"])
    f = prefs.frame
    assert list(f.columns) == ["respondent", "score_A", "score_B", "difference", "preference"]
    ok = f["preference"].isin(["A", "B"])
    truth = np.where(synth["fb"] - synth["fa"] > 0, "B", "A")
    agree = (f.loc[ok, "preference"].astype(str).to_numpy() == truth[ok.to_numpy()]).mean()
    assert agree > 0.75
    assert np.corrcoef(f["score_A"], synth["fa"])[0, 1] > 0.8
    wide = fx.respondent_preferences(synth["clusters"], band=0.5)
    assert (wide.frame["preference"] == "neither").sum() > (f["preference"] == "neither").sum()
    assert "band" in prefs.summary()


def _background(prefs: fx.Preferences, seed: int = 3) -> pd.DataFrame:
    """sentralitet that rises with the B-preference, as the study found."""
    rng = np.random.default_rng(seed)
    d = prefs.frame["difference"].to_numpy()
    sentr = np.clip(np.round(1.5 + 1.2 * d + rng.normal(scale=0.8, size=len(d))), 0, 3).astype(int)
    pop = np.exp(8 + 0.6 * sentr + rng.normal(scale=0.5, size=len(d))).round().astype(int)
    size = pd.Categorical(np.where(pop < 5000, "Små", np.where(pop < 20000, "Mellomstore", "Store")),
                          categories=["Små", "Mellomstore", "Store"], ordered=True)
    return pd.DataFrame({"respondent": prefs.frame["respondent"], "sentralitet": pd.array(sentr, "Int64"),
                         "population": pd.array(pop, "Int64"), "size_class": size})


def test_cluster_preference_by_sentralitet(synth: dict) -> None:
    prefs = fx.respondent_preferences(synth["clusters"])
    bg = _background(prefs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = fx.cluster_preference_by_sentralitet(prefs, bg)
    t = res.test
    assert list(t.columns) == ["term", "coef", "se", "z", "p_value", "odds_ratio", "or_ci_low", "or_ci_high",
                               "n", "n_A", "n_B"]
    row = t.iloc[0]
    assert row.term == "sentralitet" and row.coef > 0 and row.p_value < 0.05
    assert row.odds_ratio == pytest.approx(np.exp(row.coef))
    assert row.or_ci_low < row.odds_ratio < row.or_ci_high
    assert row.n == row.n_A + row.n_B == int(prefs.frame["preference"].isin(["A", "B"]).sum())
    assert res.supports_study
    m = res.means.set_index("preference")["mean_sentralitet"]
    assert m["B"] > m["A"]
    assert res.crosstab.counts.to_numpy().sum() == row.n
    assert "supports the study" in res.summary()


def test_preference_model_and_crosstab(synth: dict) -> None:
    prefs = fx.respondent_preferences(synth["clusters"])
    bg = _background(prefs)
    m = fx.preference_model(prefs, bg)
    assert list(m.coefficients["term"]) == ["const", "size_class[Mellomstore]", "size_class[Store]",
                                            "log_population", "sentralitet"]
    assert "log(population)" in m.formula and m.converged
    ct = fx.preference_crosstab(prefs, bg, by="size_class")
    assert list(ct.counts.columns) == ["A", "B"]
    tidy = ct.to_frame()
    assert list(tidy.columns) == ["size_class", "preference", "n", "share"]
    assert ct.df == (ct.counts.shape[0] - 1)
    small = bg.iloc[:12]
    with pytest.warns(SmallCellWarning):
        fx.preference_crosstab(prefs, small, by="sentralitet")
    with pytest.raises(DataError, match="'kommunetype'"):
        fx.preference_model(prefs, bg, by=["kommunetype"])


# ================================================================= pipeline ==


def test_factor_analysis_pipeline(synth: dict, cb) -> None:
    res = fx.factor_analysis(synth["scores"], codebook=cb, correlation="pearson", missing="pairwise",
                             n_iter=10, n_boot=10, seed=4)
    assert set(res.timings) == {"correlations", "suitability", "parallel_analysis", "efa", "bootstrap",
                                "preferences"}
    assert res.preferences is not None
    # preferences carry the respondents' ids, so they join to samanalyse.respondents()
    assert list(res.preferences.frame["respondent"]) == list(synth["scores"]["respondent"])
    assert "Parallel analysis" in res.summary()
    res2 = fx.factor_analysis(synth["scores"], codebook=cb, correlation="pearson", missing="pairwise",
                              n_iter=10, n_boot=10, seed=4)
    pd.testing.assert_frame_equal(res.clusters.items, res2.clusters.items)


# ================================================================== figures ==


def _overlaps(boxes: list) -> bool:
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if boxes[i].overlaps(boxes[j]):
                return True
    return False


TITLES = load_round("2010").plan.priorities.figures


@pytest.mark.parametrize("form, nbars", [("kommune", 10), ("helseforetak", 7)])
def test_plot_priorities(synth: dict, cb, form: str, nbars: int) -> None:
    data = synth["data"].iloc[: (187 if form == "kommune" else 18)]
    fig = rf.plot_priorities(data, codebook=cb, form=form, title=TITLES[form])
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert len(labels) == nbars
    assert _overlaps([t.get_window_extent(renderer) for t in labels]) is False
    assert all(max(len(line) for line in t.get_text().split("\n")) <= 48 for t in labels)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(LABELS)
    assert legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0 + 1  # below the bars
    title = fig._suptitle.get_text().replace("\n", " ")
    assert (f"svar fra {len(data)} kommuner" if form == "kommune" else f"svar fra {len(data)} helseforetak") in title
    # sorted: share of Høy prioritet decreases upwards (highest at the bottom, as the study)
    high = [p.get_width() for p in ax.containers[0]]
    assert high == sorted(high, reverse=True)


def test_plot_priorities_uses_form_column(synth: dict, cb) -> None:
    data = synth["data"].copy()
    data["form"] = ["helseforetak"] * 18 + ["kommune"] * (len(data) - 18)
    fig = rf.plot_priorities(data, codebook=cb, form="helseforetak", title=TITLES["helseforetak"])
    assert "svar fra 18 helseforetak" in fig._suptitle.get_text().replace("\n", " ")
    with pytest.raises(ValueError, match="'sykehus'"):
        rf.plot_priorities(data, codebook=cb, form="sykehus")


def test_other_figures_and_deterministic_save(synth: dict, cb, tmp_path: Path) -> None:
    figs = {
        "loadings": rf.plot_loadings(synth["fit"], codebook=cb, clusters=synth["clusters"]),
        "parallel": rf.plot_parallel(fx.parallel_analysis(synth["scores"], correlation="pearson",
                                                          missing="pairwise", n_iter=5, seed=1)),
        "fig8": rf.plot_priorities(synth["data"], codebook=cb, form="kommune"),
    }
    for name, fig in figs.items():
        a = rf.save_figure(fig, tmp_path / "a" / name)
        b = rf.save_figure(fig, tmp_path / "b" / f"{name}.png")
        assert [p.suffix for p in a] == [".png", ".svg"]
        for pa, pb in zip(a, b):
            assert pa.read_bytes() == pb.read_bytes(), name
    svg = (tmp_path / "a" / "fig8.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    with pytest.raises(ValueError, match="'pdf'"):
        rf.save_figure(figs["fig8"], tmp_path / "x", formats=("pdf",))


def test_all_warnings_are_samanalyse_warnings() -> None:
    from samanalyse.stats.polychoric import NotPositiveDefiniteWarning

    assert issubclass(NotPositiveDefiniteWarning, SamanalyseWarning)
    assert set(fx.__all__) <= set(dir(fx))
