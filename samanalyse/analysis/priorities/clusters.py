"""Clusters of priority items from a factor solution, named by the round's plan, with bootstrap stability.

The plan (``priorities.clusters``) names each expected cluster and its marker
virkemidler; :func:`item_clusters` assigns every item to the factor of its
largest absolute loading, names the factors after the plan's clusters and
measures how often a bootstrap resample puts each item in the same cluster.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats.factor.checks import (
    blas_single_thread,
    check_fraction,
    check_int,
    check_seed,
    check_type,
)
from samanalyse.stats.factor.congruence import assign_items
from samanalyse.stats.factor.correlation import correlation_arrays
from samanalyse.stats.factor.efa import EFAResult, fit_factors
from samanalyse.stats.factor.extraction import PSI_LOWER, extract_minres_many
from samanalyse.stats.factor.stack import align_stack, multiplicities, oblimin_stack, weighted_polychoric
from samanalyse.stats.factor.workers import map_chunks, resolve_workers
from samanalyse.stats.polychoric import smooth_correlation
from samanalyse.survey.codebook import Codebook
from samanalyse.survey.plan import Cluster

__all__ = ["ClusterResult", "item_clusters"]


def _check_markers(markers: object) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Cluster name -> marker virkemidler, and cluster name -> label, from a plan's clusters or a plain mapping."""
    if not isinstance(markers, Mapping):
        raise ArgumentError(
            "markers must map cluster names to their virkemidler (e.g. rnd.plan.priorities.clusters); "
            f"got {markers!r}.")
    members: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}
    for name, spec in markers.items():
        if isinstance(spec, Cluster):
            members[str(name)] = tuple(spec.virkemidler)
            labels[str(name)] = spec.label
        elif isinstance(spec, Sequence) and not isinstance(spec, str) and all(isinstance(v, str) for v in spec):
            members[str(name)] = tuple(spec)
        else:
            raise ArgumentError(f"markers[{name!r}] must be a Cluster or a list of virkemidler; got {spec!r}.")
    return members, labels


def _virkemiddel_of(col: str, codebook: Codebook | None) -> str:
    if codebook is not None and col in codebook:
        return codebook.item(col).virkemiddel or col
    return col


def _name_factors(L: np.ndarray, virk: list[str], markers: Mapping[str, Sequence[str]]) -> list[str]:
    """Cluster name per factor: Hungarian assignment maximising the loadings of each cluster's markers."""
    from scipy.optimize import linear_sum_assignment

    k = L.shape[1]
    names = [f"F{j + 1}" for j in range(k)]
    clusters = [c for c, mk in markers.items() if any(v in mk for v in virk)]
    if not clusters:
        return names
    score = np.zeros((k, len(clusters)))
    for ci, c in enumerate(clusters):
        rows = [i for i, v in enumerate(virk) if v in markers[c]]
        score[:, ci] = L[rows].sum(axis=0)
    fr, cr = linear_sum_assignment(-score)
    for f, c in zip(fr, cr):
        names[f] = clusters[c]
    return names


@dataclass(frozen=True)
class ClusterResult:
    """Items grouped into clusters by their factor loadings, with bootstrap stability.

    Rule: each item belongs to the factor on which it has its largest absolute
    pattern loading, provided that loading is at least ``min_loading``
    (default 0.30); otherwise it is ``"unassigned"``. Factors are named after
    the clusters of the round's plan (``markers``: cluster name -> virkemidler,
    by the codebook's ``virkemiddel``): the factor-to-cluster assignment
    maximises the summed loadings of each cluster's marker items (Hungarian
    algorithm), so a cluster is the factor of its marker virkemidler whatever
    its index. Unnamed factors keep ``F<j>``.

    Stability: ``n_boot`` resamples of respondents (with replacement, fixed
    seed); each is refitted with the same correlation type, missing-data rule,
    method, rotation and number of factors, its factors are aligned to the
    full-sample solution (permutation and sign maximising Tucker's congruence,
    Hungarian algorithm), the items assigned by the same rule, and
    ``stability`` is the share of successful resamples that put the item in
    the same cluster as the full sample (for unassigned items: unassigned
    again).

    Attributes
    ----------
    items : pandas.DataFrame
        Fixed columns ``item, virkemiddel, factor, cluster, loading,
        second_loading, stability`` (``loading`` = the largest-|loading| value,
        ``second_loading`` = the next largest in absolute value).
    bootstrap : pandas.DataFrame
        Fixed columns ``item, cluster, share``: for every item and cluster
        (and ``"unassigned"``) the share of resamples that put it there.
    factor_clusters : dict
        Factor name (``F1`` ...) -> cluster name (a cluster of ``markers``, or the factor).
    labels : dict
        Cluster name -> label (from the plan's clusters; empty when none were given).
    names : tuple of str
        The clusters of ``markers`` in their order (whether or not a factor got the name).
    fit : EFAResult
    min_loading : float
    n_boot, n_boot_ok : int
        Resamples drawn and resamples that could be fitted.
    seed : int
    """

    items: pd.DataFrame
    bootstrap: pd.DataFrame
    factor_clusters: dict[str, str]
    fit: EFAResult = field(repr=False)
    min_loading: float
    n_boot: int
    n_boot_ok: int
    seed: int | None
    labels: dict[str, str] = field(default_factory=dict)
    names: tuple[str, ...] = ()

    def members(self, cluster: str) -> list[str]:
        """Items of a cluster."""
        return list(self.items.loc[self.items["cluster"] == cluster, "item"])

    def summary(self) -> str:
        """Text summary."""
        lines = [f"Clusters (largest |loading| >= {self.min_loading}; stability from {self.n_boot_ok} of "
                 f"{self.n_boot} bootstrap resamples, seed {self.seed})"]
        for f, c in self.factor_clusters.items():
            label = self.labels.get(c, "")
            lines.append(f"  {c} ({f}{', ' + label if label else ''}): {', '.join(self.members(c)) or '-'}")
        un = self.members("unassigned")
        if un:
            lines.append(f"  unassigned: {', '.join(un)}")
        lines.append(self.items.round(3).to_string(index=False))
        return "\n".join(lines)


#: Resamples per job of the bootstrap: fixed, so that the split over workers never changes a number.
_CHUNK = 125
#: Resamples whose polychoric pairs are solved together (the bootstrap's chunks before issue 17; a multiple
#: divides _CHUNK): the same groups give the same correlations, bit for bit.
_POLY_GROUP = 25


@dataclass(frozen=True)
class _BootJob:
    """One fixed chunk of bootstrap resamples (the row indices drawn beforehand) and what each needs."""

    x: np.ndarray
    idx: np.ndarray          # (resamples, n) row indices
    first: int               # number of the chunk's first resample
    target: np.ndarray       # full-sample loadings the resamples are aligned to
    psi0: np.ndarray
    method: str
    missing: str
    fa_method: str
    rotation: str
    min_loading: float


def _fit_one(job: _BootJob, r: np.ndarray) -> np.ndarray | None:
    """Loadings of one resample's correlation matrix by the scalar fit (None if it fails)."""
    k = job.target.shape[1]
    try:
        bf = fit_factors(r, k, job.fa_method, job.rotation, start=job.psi0, order=False)
    except (np.linalg.LinAlgError, ValueError):
        return None
    return bf.loadings if np.all(np.isfinite(bf.loadings)) else None


def _stack_loadings(job: _BootJob, R: np.ndarray) -> list[np.ndarray | None]:
    """Loadings of a stack of correlation matrices, as :func:`_fit_one` of each.

    The minres extractions are advanced side by side
    (:func:`extract_minres_many`: the same optimiser, the same numbers), the
    oblimin rotations run on the whole stack (:func:`oblimin_stack`, the same
    iteration); other methods and rotations, or a stack that fails, are
    fitted one at a time.
    """
    k = job.target.shape[1]
    if job.fa_method != "minres" or job.rotation not in ("oblimin", "none") or R.shape[0] == 0:
        return [_fit_one(job, r) for r in R]
    try:
        exs = extract_minres_many(R, k, job.psi0)
        L0 = np.stack([ex.loadings for ex in exs])
        L0 = L0 * np.where(L0.sum(axis=1) < 0, -1.0, 1.0)[:, None, :]   # column sums positive, as fit_factors
        L0 = np.where(L0 == 0, 1e-15, L0)
        Lr = oblimin_stack(L0)[0] if k >= 2 and job.rotation == "oblimin" else L0
    except (np.linalg.LinAlgError, ValueError):
        return [_fit_one(job, r) for r in R]
    return [L if np.all(np.isfinite(L)) else None for L in Lr]


def _chunk_correlations(job: _BootJob) -> np.ndarray:
    """Smoothed correlation matrices of the chunk's resamples (NaN where undefined), polychoric ones weighted.

    The same matrices as :func:`correlation_arrays` of the drawn rows in
    groups of :data:`_POLY_GROUP` resamples (the pairs of a group solved
    together): a resample :func:`weighted_polychoric` cannot take is computed
    from its rows.
    """
    p = job.x.shape[1]
    if job.method == "polychoric":
        groups = (job.first + np.arange(len(job.idx))) // _POLY_GROUP
        R, same = weighted_polychoric(job.x, multiplicities(job.idx, job.x.shape[0]), job.missing == "listwise",
                                      groups)
    else:
        R, same = np.full((len(job.idx), p, p), np.nan), np.zeros(len(job.idx), bool)
    for i in np.flatnonzero(~same):
        R[i] = correlation_arrays([job.x[job.idx[i]]], job.method, job.missing)[0]
    fine = np.flatnonzero(same & ~np.isnan(R).any(axis=(1, 2)))
    if fine.size:
        low = np.linalg.eigh(R[fine])[0][:, 0]   # the eigenvalues smooth_correlation checks, bit for bit
        for i in fine[low < np.finfo(float).eps]:
            R[i] = smooth_correlation(R[i])[0]
    return R


def _fit_chunk(job: _BootJob) -> tuple[np.ndarray, int]:
    """Counts (items x factors + unassigned) and fitted resamples of one chunk (runs in a worker)."""
    p, k = job.target.shape
    counts = np.zeros((p, k + 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R = _chunk_correlations(job)
        fits = _stack_loadings(job, R[~np.isnan(R).any(axis=(1, 2))])
    ok = [L for L in fits if L is not None]
    if not ok:
        return counts, 0
    A = np.abs(align_stack(np.stack(ok), job.target))
    best = np.argmax(A, axis=2)
    best[np.take_along_axis(A, best[:, :, None], axis=2)[:, :, 0] < job.min_loading] = k
    np.add.at(counts, (np.broadcast_to(np.arange(p), best.shape), best), 1)
    return counts, len(ok)


def _bootstrap_counts(fit: EFAResult, L: np.ndarray, min_loading: float, n_boot: int,
                      seed: int, workers: int) -> tuple[np.ndarray, int]:
    """Per item, how many resamples put it on each factor (last column: unassigned), and the resamples fitted.

    The resamples' rows are drawn first, all from one PCG64 stream seeded with
    ``seed`` (the same draws as one resample at a time), then fitted in fixed
    chunks of :data:`_CHUNK` over ``workers`` processes: the counts do not
    depend on the number of workers. A chunk is fitted as a stack
    (:func:`_chunk_correlations`, :func:`_stack_loadings`): the same
    correlation matrices, extractions and rotations as one resample at a
    time, computed together.
    """
    items, k, corr = fit.items, fit.n_factors, fit.corr
    if n_boot == 0:
        return np.zeros((len(items), k + 1)), 0
    if corr.data is None:
        raise DataError("The bootstrap needs respondent data; this fit was made from a bare correlation matrix.")
    x = corr.data[items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    n = x.shape[0]
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    psi0 = np.clip(1.0 - fit.communalities["communality"].to_numpy(float), PSI_LOWER, 1.0)
    jobs = [_BootJob(x, idx[i:i + _CHUNK], i, L, psi0, corr.method, corr.missing, fit.method, fit.rotation,
                     min_loading) for i in range(0, n_boot, _CHUNK)]
    with blas_single_thread():  # set before the workers are forked: they inherit it
        done = map_chunks(_fit_chunk, jobs, workers)
    return sum(c for c, _ in done), sum(m for _, m in done)


def item_clusters(
    fit: EFAResult,
    *,
    codebook: Codebook | None = None,
    min_loading: float = 0.30,
    n_boot: int = 1000,
    seed: int,
    markers: Mapping[str, Cluster | Sequence[str]],
    workers: int | None = None,
) -> ClusterResult:
    """Assign items to clusters and measure the stability by bootstrap.

    Parameters
    ----------
    fit : EFAResult
        From :func:`~samanalyse.stats.factor.efa.efa` on correlations of respondent data.
    codebook : Codebook, optional
        Maps per-challenge item ids to their ``virkemiddel``; aggregated
        columns are already named by virkemiddel.
    min_loading : float
        Smallest absolute loading for an assignment.
    n_boot : int
        Bootstrap resamples (0 = none; stability NaN).
    seed : int
        Seed of the resampling (numpy PCG64); required.
    markers : mapping
        Cluster name -> marker virkemidler, or -> :class:`~samanalyse.survey.plan.Cluster`
        (``rnd.plan.priorities.clusters``; its labels name the clusters in summaries). Required.
    workers : int, optional
        Processes the resamples are fitted in (default: the CPUs available, at
        most 2); the result is the same, bit for bit, whatever the number.

    Returns
    -------
    ClusterResult

    Notes
    -----
    Resamples are fitted with the native engine, starting the optimiser at the
    full-sample uniquenesses (same optimum, faster), a chunk of resamples at a
    time (weighted polychoric tables, the L-BFGS-B runs side by side, the
    rotations on the stack; the same numbers as one by one); a resample whose
    correlation matrix is undefined (an item without variance) or whose fit
    fails is skipped and not counted in ``n_boot_ok``.
    """
    check_type("fit", fit, EFAResult, "an EFAResult")
    min_loading = check_fraction("min_loading", min_loading)
    n_boot = check_int("n_boot", n_boot, 0)
    seed = check_seed(seed)
    workers = resolve_workers(workers)
    members, labels = _check_markers(markers)
    items = fit.items
    virk = [_virkemiddel_of(c, codebook) for c in items]
    L = fit.loadings_matrix().to_numpy(float)
    names = _name_factors(L, virk, members)
    assign = assign_items(L, min_loading)
    cluster = [names[a] if a >= 0 else "unassigned" for a in assign]
    absL = np.sort(np.abs(L), axis=1)
    top = L[np.arange(len(items)), np.argmax(np.abs(L), axis=1)]
    second = absL[:, -2] if L.shape[1] > 1 else np.full(len(items), np.nan)

    k = fit.n_factors
    counts, n_ok = _bootstrap_counts(fit, L, min_loading, n_boot, seed, workers)
    if n_ok:
        shares = counts / n_ok
        stab = shares[np.arange(len(items)), np.where(assign >= 0, assign, k)]
    else:
        shares = np.full_like(counts, np.nan)
        stab = np.full(len(items), np.nan)
    fnames = fit.factors
    tab = pd.DataFrame({
        "item": items, "virkemiddel": virk,
        "factor": [fnames[a] if a >= 0 else "" for a in assign],
        "cluster": cluster, "loading": top, "second_loading": second, "stability": stab,
    })
    cl_names = names + ["unassigned"]
    boot = pd.DataFrame({
        "item": np.repeat(items, k + 1), "cluster": np.tile(cl_names, len(items)), "share": shares.ravel(),
    })
    return ClusterResult(tab, boot, dict(zip(fnames, names)), fit, min_loading, n_boot, n_ok, seed, labels,
                         tuple(members))
