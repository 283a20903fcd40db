"""The bootstrap of the clusters over worker processes (issue 17): the same numbers whatever the number of
workers, and the same counts as fitting one resample at a time (the algorithm before the work was split)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import samanalyse.analysis.priorities as fx
from samanalyse.errors import ArgumentError
from samanalyse.stats.factor.congruence import align_factors, assign_items
from samanalyse.stats.factor.correlation import correlation_array, correlation_arrays, correlations
from samanalyse.stats.factor.efa import efa, fit_factors
from samanalyse.stats.factor.extraction import PSI_LOWER
from samanalyse.stats.polychoric import polychoric_matrix, polychoric_stack
from samanalyse.survey.rounds import load_round

RND = load_round("2010")
CLUSTERS = RND.plan.priorities.clusters
N_BOOT = 60   # more than two fixed chunks of 25, the last one short


@pytest.fixture(scope="module")
def poly_fit(synthetic_labels):
    """A polychoric minres/oblimin fit of rounded synthetic priority scores (the 2010 plan's settings)."""
    data, _, _ = synthetic_labels(n=150, seed=3)
    scores = fx.priority_scores(data, codebook=RND.codebook, aggregate="round")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corr = correlations(scores, method="polychoric", missing="pairwise")
    return efa(corr, n_factors=2, method="minres", rotation="oblimin")


def _one_at_a_time(fit, n_boot: int, seed: int, min_loading: float) -> tuple[np.ndarray, int]:
    """The bootstrap as it was written before issue 17: draw, correlate and fit one resample after another."""
    items, k = fit.items, fit.n_factors
    x = fit.corr.data[items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    L = fit.loadings_matrix().to_numpy(float)
    psi0 = np.clip(1.0 - fit.communalities["communality"].to_numpy(float), PSI_LOWER, 1.0)
    rng = np.random.default_rng(seed)
    counts, n_ok = np.zeros((len(items), k + 1)), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n_boot):
            r = correlation_array(x[rng.integers(0, x.shape[0], size=x.shape[0])], fit.corr.method, fit.corr.missing)
            if np.any(np.isnan(r)):
                continue
            bf = fit_factors(r, k, fit.method, fit.rotation, start=psi0, order=False)
            a = assign_items(align_factors(bf.loadings, L), min_loading)
            counts[np.arange(len(items)), np.where(a >= 0, a, k)] += 1
            n_ok += 1
    return counts, n_ok


def test_one_and_two_workers_give_identical_clusters(poly_fit) -> None:
    runs = [fx.item_clusters(poly_fit, codebook=RND.codebook, n_boot=N_BOOT, seed=11, markers=CLUSTERS, workers=w)
            for w in (1, 2)]
    assert runs[0].n_boot_ok == runs[1].n_boot_ok > 0
    pd.testing.assert_frame_equal(runs[0].items, runs[1].items, check_exact=True)
    pd.testing.assert_frame_equal(runs[0].bootstrap, runs[1].bootstrap, check_exact=True)


def test_split_bootstrap_counts_equal_one_resample_at_a_time(poly_fit) -> None:
    cl = fx.item_clusters(poly_fit, codebook=RND.codebook, n_boot=N_BOOT, seed=11, markers=CLUSTERS, workers=2)
    counts, n_ok = _one_at_a_time(poly_fit, N_BOOT, 11, cl.min_loading)
    assert cl.n_boot_ok == n_ok
    shares = cl.bootstrap["share"].to_numpy().reshape(counts.shape)
    np.testing.assert_array_equal(shares, counts / n_ok)


def test_polychoric_stack_agrees_with_one_matrix_at_a_time(poly_fit) -> None:
    x = poly_fit.corr.data[poly_fit.items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    rng = np.random.default_rng(5)
    sets = [x[rng.integers(0, x.shape[0], size=x.shape[0])] for _ in range(12)]
    sets.append(sets[0][:, ::-1])          # another order of items in the same stack
    stacked = polychoric_stack(sets)
    for codes, rho in zip(sets, stacked):
        np.testing.assert_allclose(rho, polychoric_matrix(codes, smooth=False).rho, rtol=0, atol=1e-13)
    # a stack's result for a data set depends only on the stack: the same stack, the same bits
    again = polychoric_stack(sets)
    assert all(np.array_equal(a, b) for a, b in zip(stacked, again))


def test_correlation_arrays_marks_unusable_resamples(poly_fit) -> None:
    x = poly_fit.corr.data[poly_fit.items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    constant = x.copy()
    constant[:, 0] = 1.0          # an item without variance: no correlation matrix
    out = correlation_arrays([x, constant, x], "polychoric", "pairwise")
    assert np.isnan(out[1]).all() and not np.isnan(out[0]).any()
    np.testing.assert_array_equal(out[0], out[2])


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2"])
def test_workers_must_be_a_positive_integer(poly_fit, workers) -> None:
    with pytest.raises(ArgumentError, match="workers"):
        fx.item_clusters(poly_fit, n_boot=2, seed=1, markers=CLUSTERS, workers=workers)
