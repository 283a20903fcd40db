"""Horn's parallel analysis as ``psych::fa.parallel(fa = "both")``, with Kaiser's rule and a scree criterion."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from samanalyse.errors import DataError, SamanalyseWarning
from samanalyse.stats.factor.checks import (
    Missing,
    blas_single_thread,
    check_choice,
    check_fraction,
    check_int,
    check_seed,
)
from samanalyse.stats.factor.correlation import (
    CorrMethod,
    correlation_array,
    correlation_arrays,
    correlations,
    usable_rows,
)
from samanalyse.stats.factor.efa import FAMethod
from samanalyse.stats.factor.extraction import Extraction, extract, extract_minres_many

__all__ = ["ParallelAnalysis", "parallel_analysis"]


def _fa_values(r: np.ndarray, method: FAMethod, ex: Extraction | None = None) -> np.ndarray:
    """psych ``fa(r, nfactors = 1, rotate = "none", fm)$values``: eigenvalues of R with communalities on the diagonal.

    ``ex`` is the 1-factor extraction of ``r`` if already made.
    """
    ex = extract(r, 1, method) if ex is None else ex
    h2 = np.sum(ex.loadings**2, axis=1)
    s = r.copy()
    np.fill_diagonal(s, h2)
    return np.sort(np.linalg.eigvalsh(s))[::-1]


def _fa_values_many(rs: list[np.ndarray], method: FAMethod) -> np.ndarray:
    """:func:`_fa_values` of many matrices (minres: the extractions advanced side by side, the same numbers)."""
    exs = extract_minres_many(rs, 1) if method == "minres" else [extract(r, 1, method) for r in rs]
    return np.stack([_fa_values(r, method, ex) for r, ex in zip(rs, exs)])


def _draw(rng: np.random.Generator, x: np.ndarray, correlation: CorrMethod, missing: Missing,
          check: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """One iteration's resample (columns drawn independently; drawn again while an item is constant) and
    its correlations when ``check`` (drawn again while they are undefined: the loop as psych runs it)."""
    n, p = x.shape
    for _tries in range(1000):
        xs = x[rng.integers(0, n, size=(n, p)), np.arange(p)[None, :]]
        if not check:
            if usable_rows(xs, missing) is not None:
                return xs, None
            continue
        c = correlation_array(xs, correlation, missing)
        if not np.any(np.isnan(c)):
            return xs, c
    raise DataError("Could not draw a resample with variance in every item in 1000 tries.")


def _resampled(x: np.ndarray, seed: int, n_iter: int, correlation: CorrMethod, missing: Missing
               ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Correlations of the ``n_iter`` resampled and simulated data sets, from one PCG64 stream.

    Each iteration draws a resample (again while its correlations are
    undefined) and then ``n x p`` standard normal values. The resamples are
    drawn first, checked for an item without variance, and their correlations
    estimated together (:func:`correlation_arrays` with ``separate``: each the
    numbers of :func:`correlation_array`, bit for bit); should one still be
    undefined (no pair overlap), the draws are made again one iteration at a
    time with the full check, which is the same stream as the loop above
    whenever the check does not fire.
    """
    def iterations(check: bool) -> tuple[list[tuple[np.ndarray, np.ndarray | None]], list[np.ndarray]]:
        rng = np.random.default_rng(seed)
        drawn, sims = [], []
        for _ in range(n_iter):
            drawn.append(_draw(rng, x, correlation, missing, check))
            sims.append(np.corrcoef(rng.standard_normal(x.shape), rowvar=False))
        return drawn, sims

    drawn, sims = iterations(False)
    res = correlation_arrays([xs for xs, _c in drawn], correlation, missing, separate=True)
    if any(np.isnan(c).any() for c in res):
        drawn, sims = iterations(True)
        res = [c for _xs, c in drawn]  # type: ignore[misc]
    return res, sims


def _scree_acceleration(values: np.ndarray) -> int:
    """Number of factors by the acceleration factor (Raiche et al. 2013): elbow - 1."""
    v = np.asarray(values, float)
    if len(v) < 3:
        return 1
    af = v[:-2] - 2 * v[1:-1] + v[2:]  # second difference at k = 2..p-1 (1-based)
    elbow = int(np.argmax(af)) + 2      # 1-based index of the elbow
    return max(elbow - 1, 1)


@dataclass(frozen=True)
class ParallelAnalysis:
    """Parallel analysis, eigenvalue > 1 rule and scree criterion side by side.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per component/factor number, fixed columns ``number,
        pc_observed, pc_simulated_mean, pc_simulated_quantile,
        pc_resampled_mean, pc_resampled_quantile, fa_observed,
        fa_simulated_mean, fa_simulated_quantile, fa_resampled_mean,
        fa_resampled_quantile, pc_retain, fa_retain, kaiser_retain,
        scree_retain``.
        ``pc_*`` are eigenvalues of the correlation matrix, ``fa_*``
        eigenvalues with the 1-factor communalities on the diagonal (psych's
        ``fa.parallel(fa = "both")``); ``*_retain`` is True for the numbers
        kept by each rule (parallel: observed > quantile of the simulated
        values, counted from the first until the first failure; Kaiser:
        observed PC eigenvalue > 1; scree: the numbers before the elbow).
    n_factors : dict
        ``{"parallel_fa", "parallel_pc", "kaiser", "scree"}`` -> suggested number.
    quantile : float
    n_iter : int
    correlation, missing, method : str
    n : int
        Respondents per simulated/resampled data set.
    seed : int
    """

    table: pd.DataFrame
    n_factors: dict[str, int]
    quantile: float
    n_iter: int
    correlation: CorrMethod
    missing: Missing
    method: FAMethod
    n: int
    seed: int

    def summary(self) -> str:
        """Text summary."""
        cols = ["number", "pc_observed", "pc_simulated_mean", "pc_simulated_quantile", "fa_observed",
                "fa_simulated_mean", "fa_simulated_quantile"]
        lines = [
            f"Parallel analysis ({self.correlation}, {self.missing}, fa = {self.method}, "
            f"{self.n_iter} iterations, quantile {self.quantile}, n = {self.n}, seed {self.seed})",
            self.table[cols].round(3).to_string(index=False),
            "Suggested number of factors: " + ", ".join(f"{k} = {v}" for k, v in self.n_factors.items()),
        ]
        return "\n".join(lines)


def _first_run(flags: np.ndarray) -> np.ndarray:
    """True for the leading run of True values."""
    out = np.zeros(len(flags), bool)
    for i, f in enumerate(flags):
        if not f:
            break
        out[i] = True
    return out


def parallel_analysis(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    correlation: CorrMethod,
    missing: Missing,
    method: FAMethod = "minres",
    n_iter: int = 100,
    quantile: float = 0.95,
    seed: int,
) -> ParallelAnalysis:
    """Horn's parallel analysis as ``psych::fa.parallel(fa = "both")``.

    Observed: eigenvalues of the correlation matrix (PC) and of the matrix
    with the communalities of a 1-factor solution (``method``) on the diagonal
    (FA). Each of ``n_iter`` iterations

    - *simulates* ``n x p`` standard normal data and takes its Pearson
      correlations (psych does this also when ``cor = "poly"``), and
    - *resamples* each item's column independently with replacement (which
      keeps the marginals and destroys the correlations), and takes the same
      kind of correlations as the observed (Pearson or polychoric, same
      ``missing``); draws with a constant item are redrawn, as psych does.

    The retained number is the count of leading observed eigenvalues above
    the ``quantile`` (default 95th percentile) of the simulated ones (psych's
    ``nfact``/``ncomp``). Kaiser's rule counts PC eigenvalues > 1; the scree
    criterion is the acceleration factor (elbow of the PC eigenvalues by the
    largest second difference, minus one).

    Parameters
    ----------
    data : pandas.DataFrame
        Item scores.
    items : sequence of str, optional
        Columns; default all but ``respondent``.
    correlation : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
    method : {"minres", "ml"}
        Factor method for the FA eigenvalues.
    n_iter : int
        Iterations (psych's default is 20; this function's is 100).
    quantile : float
        Quantile of the simulated eigenvalues used as the threshold.
    seed : int
        Seed of the random generator (numpy PCG64); required.

    Returns
    -------
    ParallelAnalysis
    """
    corr = correlations(data, items, method=correlation, missing=missing)
    check_choice("method", method, ["minres", "ml"])
    n_iter = check_int("n_iter", n_iter, 1)
    quantile = check_fraction("quantile", quantile)
    seed = check_seed(seed)
    r = corr.matrix.to_numpy(float)
    p = r.shape[0]
    x = corr.data[corr.items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)  # type: ignore[index]
    n = x.shape[0]
    pc_obs = np.sort(np.linalg.eigvalsh(r))[::-1]
    with warnings.catch_warnings(), blas_single_thread():
        warnings.simplefilter("ignore", SamanalyseWarning)
        fa_obs = _fa_values(r, method)
        res_c, sim_c = _resampled(x, seed, n_iter, correlation, missing)
        res_pc = np.stack([np.sort(np.linalg.eigvalsh(c))[::-1] for c in res_c])
        sim_pc = np.stack([np.sort(np.linalg.eigvalsh(c))[::-1] for c in sim_c])
        fa_all = _fa_values_many(res_c + sim_c, method)
        res_fa, sim_fa = fa_all[:n_iter], fa_all[n_iter:]

    def q(a: np.ndarray) -> np.ndarray:
        return np.quantile(a, quantile, axis=0)  # type 7, as R's quantile()

    table = pd.DataFrame({
        "number": np.arange(1, p + 1),
        "pc_observed": pc_obs,
        "pc_simulated_mean": sim_pc.mean(axis=0),
        "pc_simulated_quantile": q(sim_pc),
        "pc_resampled_mean": res_pc.mean(axis=0),
        "pc_resampled_quantile": q(res_pc),
        "fa_observed": fa_obs,
        "fa_simulated_mean": sim_fa.mean(axis=0),
        "fa_simulated_quantile": q(sim_fa),
        "fa_resampled_mean": res_fa.mean(axis=0),
        "fa_resampled_quantile": q(res_fa),
    })
    table["pc_retain"] = _first_run(pc_obs > table["pc_simulated_quantile"].to_numpy())
    table["fa_retain"] = _first_run(fa_obs > table["fa_simulated_quantile"].to_numpy())
    table["kaiser_retain"] = pc_obs > 1.0
    n_scree = _scree_acceleration(pc_obs)
    table["scree_retain"] = table["number"] <= n_scree
    nf = {
        "parallel_fa": int(table["fa_retain"].sum()),
        "parallel_pc": int(table["pc_retain"].sum()),
        "kaiser": int(table["kaiser_retain"].sum()),
        "scree": n_scree,
    }
    return ParallelAnalysis(table, nf, quantile, n_iter, correlation, missing, method, n, seed)
