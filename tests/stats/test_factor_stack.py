"""The stacked fits of the bootstrap and the parallel analysis (issue 17) against the scalar functions.

Every vectorised step is compared with the scalar function it replaces, on
resamples of the reconstructed 2010 kommune priorities (the data the report's
bootstrap runs on): the weighted polychoric tables give the matrices of
``correlation_arrays`` of the drawn rows (bit for bit in the same groups), the
L-BFGS-B runs advanced side by side give ``extract``'s results bit for bit, the batched GPF oblimin follows
``_gpf_oblimin``, the alignment is ``align_factors``'s, and the whole chunk
gives, resample by resample, the loadings (to 1e-6) and the item assignments
(identical) of fitting one resample at a time with ``fit_factors``; the parallel
analysis' resamples, estimated together, are those of its loop one iteration
at a time, bit for bit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from samanalyse.analysis.priorities import priority_scores
from samanalyse.analysis.priorities.clusters import _BootJob, _chunk_correlations, _fit_chunk, _stack_loadings
from samanalyse.io.datasets import load_round_data
from samanalyse.stats.factor.checks import blas_single_thread
from samanalyse.stats.factor.congruence import align_factors, assign_items
from samanalyse.stats.factor.correlation import correlation_array, correlation_arrays, correlations
from samanalyse.stats.factor.efa import efa, fit_factors
from samanalyse.stats.factor.extraction import PSI_LOWER, extract, extract_minres_many
from samanalyse.stats.factor.parallel import _fa_values, _fa_values_many, _resampled
from samanalyse.stats.factor.rotation import _gpf_oblimin
from samanalyse.stats.factor.stack import align_stack, multiplicities, oblimin_stack, weighted_polychoric
from samanalyse.stats.polychoric import polychoric_matrix, polychoric_stack, smooth_correlation
from samanalyse.survey.rounds import load_round

N_RESAMPLES = 200


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """Small matrices, many calls: one BLAS thread, as the bootstrap runs them."""
    with blas_single_thread():
        yield


@pytest.fixture(scope="module")
def fit2010():
    """The report's polychoric minres/oblimin fit of the 2010 kommune priorities (the plan's settings)."""
    rnd = load_round("2010")
    plan = rnd.plan.priorities
    data = load_round_data(rnd, forms=(plan.form,))
    data = data[data["form"] == plan.form].reset_index(drop=True)
    scores = priority_scores(data, codebook=rnd.codebook, aggregate="round")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corr = correlations(scores, method=plan.correlation, missing=plan.missing)
        return efa(corr, n_factors=plan.n_factors, method=plan.method, rotation=plan.rotation)


@pytest.fixture(scope="module")
def job(fit2010):
    x = fit2010.corr.data[fit2010.items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    idx = np.random.default_rng(20).integers(0, x.shape[0], size=(N_RESAMPLES, x.shape[0]))
    psi0 = np.clip(1.0 - fit2010.communalities["communality"].to_numpy(float), PSI_LOWER, 1.0)
    L = fit2010.loadings_matrix().to_numpy(float)
    return _BootJob(x, idx, 0, L, psi0, fit2010.corr.method, fit2010.corr.missing, fit2010.method,
                    fit2010.rotation, 0.30)


@pytest.fixture(scope="module")
def scalar_R(job):
    """The matrices of the bootstrap before issue 17: correlation_arrays of the drawn rows, 25 resamples at a time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.stack([r for g in range(0, N_RESAMPLES, 25)
                         for r in correlation_arrays([job.x[i] for i in job.idx[g:g + 25]], job.method, job.missing)])


def test_multiplicities_count_the_draws() -> None:
    idx = np.array([[0, 0, 2], [1, 2, 2]])
    np.testing.assert_array_equal(multiplicities(idx, 4), [[2, 0, 1, 0], [0, 1, 2, 0]])


def test_weighted_tables_give_the_matrices_of_the_drawn_rows(job, scalar_R) -> None:
    R, same = weighted_polychoric(job.x, multiplicities(job.idx, job.x.shape[0]), False)
    assert same.all()
    raw = np.stack([smooth_correlation(r)[0] for r in R])
    np.testing.assert_allclose(raw, scalar_R, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(_chunk_correlations(job), scalar_R)   # in the same groups: bit for bit


def test_weighted_polychoric_hands_back_what_it_cannot_take(job) -> None:
    x = job.x.copy()
    x[:, 0] = np.where(x[:, 0] == np.nanmin(x), np.nanmin(x) + 1, x[:, 0])  # item 0 never takes the lowest code
    w = multiplicities(job.idx[:5], x.shape[0])
    w_const = w.copy()
    w_const[0] = 0.0
    w_const[0, 0] = float(x.shape[0])            # resample 0: one row drawn n times, no variance
    R, same = weighted_polychoric(x, w_const, False)
    assert not same[0] and np.isnan(R[0]).all()
    top = x.copy()
    top[:, 1] = np.where(top[:, 1] == np.nanmax(top), np.nanmax(top) - 1, top[:, 1])  # item 1 below the top code
    assert not weighted_polychoric(top, w, False)[1].any()
    # listwise: only complete rows count
    Rl, same_l = weighted_polychoric(job.x, w, True)
    complete = ~np.isnan(job.x).any(axis=1)
    for b in np.flatnonzero(same_l):
        rows = job.x[job.idx[b]]
        ref = correlation_arrays([rows[complete[job.idx[b]]]], "polychoric", "pairwise")[0]
        np.testing.assert_allclose(smooth_correlation(Rl[b])[0], ref, rtol=0, atol=1e-14)


def test_weighted_polychoric_in_groups_of_25_is_correlation_arrays_bit_for_bit(job) -> None:
    w = multiplicities(job.idx[:75], job.x.shape[0])
    R, same = weighted_polychoric(job.x, w, False, np.arange(75) // 25)
    for g in range(3):
        ref = correlation_arrays([job.x[i] for i in job.idx[25 * g:25 * (g + 1)]], job.method, job.missing)
        for b in range(25):
            assert np.array_equal(smooth_correlation(R[25 * g + b])[0], ref[b])


def test_lockstep_lbfgsb_is_extract_bit_for_bit(scalar_R, job) -> None:
    sim = [np.corrcoef(np.random.default_rng(i).standard_normal((187, 10)), rowvar=False) for i in range(20)]
    for rs, k, start in ((scalar_R[:60], 2, job.psi0), (scalar_R[:40], 1, None), (np.stack(sim), 1, None)):
        many = extract_minres_many(rs, k, start)
        for r, ex in zip(rs, many):
            one = extract(r, k, "minres", start=start)
            assert np.array_equal(ex.psi, one.psi) and np.array_equal(ex.loadings, one.loadings)
            assert (ex.objective, ex.iterations, ex.converged, ex.message) == (
                one.objective, one.iterations, one.converged, one.message)


def test_parallel_analysis_fa_values_side_by_side_are_the_same_numbers(scalar_R) -> None:
    sim = [np.corrcoef(np.random.default_rng(i).standard_normal((187, 10)), rowvar=False) for i in range(10)]
    rs = list(scalar_R[:10]) + sim
    np.testing.assert_array_equal(_fa_values_many(rs, "minres"), np.stack([_fa_values(r, "minres") for r in rs]))
    assert extract_minres_many([], 1) == []


def test_oblimin_stack_follows_gpfoblq(scalar_R, job) -> None:
    A = np.stack([fit_factors(r, 2, "minres", "none", start=job.psi0, order=False).loadings
                  for r in scalar_R[:40]])
    Ls, phis, conv = oblimin_stack(A)
    for b in range(A.shape[0]):
        L1, phi1, _T, c1 = _gpf_oblimin(A[b])
        np.testing.assert_allclose(Ls[b], L1, rtol=0, atol=1e-12)
        np.testing.assert_allclose(phis[b], phi1, rtol=0, atol=1e-12)
        assert conv[b] == c1


def test_align_stack_is_align_factors(scalar_R, job) -> None:
    Ls = np.stack([fit_factors(r, 2, "minres", "oblimin", start=job.psi0, order=False).loadings
                   for r in scalar_R[:40]])
    Ls[::3] = Ls[::3, :, ::-1] * np.array([1.0, -1.0])  # other orders and signs
    al = align_stack(Ls, job.target)
    for b in range(Ls.shape[0]):
        np.testing.assert_array_equal(al[b], align_factors(Ls[b], job.target))


def test_batched_chunk_equals_one_resample_at_a_time(job, scalar_R) -> None:
    """Per resample of the 2010 data: loadings to 1e-12 (the same bits on the machine it was written on) and
    identical assignments, so identical counts."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stacked = _stack_loadings(job, scalar_R)
        p, k = job.target.shape
        counts = np.zeros((p, k + 1))
        for b, r in enumerate(scalar_R):
            one = fit_factors(r, k, job.fa_method, job.rotation, start=job.psi0, order=False).loadings
            a1 = align_factors(one, job.target)
            a2 = align_factors(stacked[b], job.target)
            np.testing.assert_allclose(stacked[b], one, rtol=0, atol=1e-12)
            np.testing.assert_allclose(a2, a1, rtol=0, atol=1e-12)
            np.testing.assert_array_equal(assign_items(a2, job.min_loading), assign_items(a1, job.min_loading))
            a = assign_items(a1, job.min_loading)
            counts[np.arange(p), np.where(a >= 0, a, k)] += 1
        got, n_ok = _fit_chunk(job)
    assert n_ok == N_RESAMPLES
    np.testing.assert_array_equal(got, counts)


def _old_parallel_draws(x, seed, n_iter, correlation, missing):
    """The parallel analysis' draws before issue 17: one iteration at a time, redrawn while undefined."""
    rng = np.random.default_rng(seed)
    n, p = x.shape
    res, sims = [], []
    for _ in range(n_iter):
        while True:
            c = correlation_array(x[rng.integers(0, n, size=(n, p)), np.arange(p)[None, :]], correlation, missing)
            if not np.any(np.isnan(c)):
                break
        res.append(c)
        sims.append(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))
    return res, sims


def test_polychoric_stack_separate_is_polychoric_matrix_bit_for_bit(job) -> None:
    rng = np.random.default_rng(8)
    n, p = job.x.shape
    sets = [job.x[rng.integers(0, n, size=(n, p)), np.arange(p)[None, :]] for _ in range(40)]
    sets += [job.x[i] for i in job.idx[:20]]
    for codes, rho in zip(sets, polychoric_stack(sets, separate=True)):
        assert np.array_equal(rho, polychoric_matrix(codes, smooth=False).rho)


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_parallel_analysis_draws_equal_one_iteration_at_a_time(job, missing) -> None:
    res, sims = _resampled(job.x, 5, 30, "polychoric", missing)
    old_res, old_sims = _old_parallel_draws(job.x, 5, 30, "polychoric", missing)
    assert all(np.array_equal(a, b) for a, b in zip(res, old_res))
    assert all(np.array_equal(a, b) for a, b in zip(sims, old_sims))


def test_parallel_analysis_draws_again_when_a_pair_has_no_overlap() -> None:
    """Items answered by few respondents: some resamples have a pair without common answers (undefined)."""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(40, 4)).astype(float)
    x[:, 0] = np.nan
    x[:6, 0] = [0, 1, 2, 0, 1, 2]
    x[:, 1] = np.nan
    x[30:36, 1] = [2, 1, 0, 2, 1, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = correlation_arrays([x[rng.integers(0, 40, size=(40, 4)), np.arange(4)[None, :]] for _ in range(20)],
                                  "polychoric", "pairwise")
        assert any(np.isnan(c).any() for c in fast)      # the case the fallback is for
        res, sims = _resampled(x, 2, 15, "polychoric", "pairwise")
        old_res, old_sims = _old_parallel_draws(x, 2, 15, "polychoric", "pairwise")
    assert all(np.array_equal(a, b) for a, b in zip(res, old_res)) and len(res) == 15
    assert all(np.array_equal(a, b) for a, b in zip(sims, old_sims))
