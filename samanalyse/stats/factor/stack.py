"""Many resamples of one data set fitted at once: weighted polychoric tables, GPF oblimin, alignment.

The bootstrap of a factor solution refits the same model to resamples of the
same rows. A resample is the data with multiplicities (how often each row was
drawn), so everything is computed for a whole stack of resamples in numpy:

- :func:`weighted_polychoric`: the pairwise tables and the item margins of a
  resample are counts weighted by the multiplicities (exact integers, the same
  numbers as tabulating the drawn rows), the thresholds come from the margins
  and rho of every pair of every resample is solved in one safeguarded Newton
  iteration (:func:`samanalyse.stats.polychoric._fit_rho`, elementwise per pair);
- :func:`oblimin_stack`: ``GPArotation::GPFoblq`` (quartimin, no
  normalisation) step for step for every resample at once, with the same
  step-size and stopping rules as :func:`~samanalyse.stats.factor.rotation._gpf_oblimin`;
- :func:`align_stack`: factors permuted and flipped to a target as
  :func:`~samanalyse.stats.factor.congruence.align_factors` (largest sum of
  absolute congruences over all permutations).

The extraction of a stack is :func:`~samanalyse.stats.factor.extraction.extract_minres_many`.
A resample the stack cannot take the same way (psych's per-pair thresholds, a
missing category) is marked so the caller computes it with the scalar functions.
"""

from __future__ import annotations

import itertools

import numpy as np

from samanalyse.stats.polychoric import _cuts_from_props, _fit_rho

__all__ = ["multiplicities", "weighted_polychoric", "oblimin_stack", "align_stack"]


def multiplicities(idx: np.ndarray, n: int) -> np.ndarray:
    """How often each of ``n`` rows was drawn in each resample: (resamples, n) from row indices (resamples, n)."""
    b = idx.shape[0]
    flat = (idx + n * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


def _codes(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes shifted by the global minimum (-1 = missing) and the number of categories of the full data."""
    xi = np.where(np.isnan(x), -1, x - np.nanmin(x)).astype(int)
    return xi, int(xi.max()) + 1


def _onehot(xi: np.ndarray, ncat: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indicators of (row, item category) and of (row, pair cell) for weighted counting."""
    n, p = xi.shape
    items = np.zeros((n, p * ncat))
    r_, c_ = np.nonzero(xi >= 0)
    items[r_, c_ * ncat + xi[r_, c_]] = 1.0
    both = (xi[:, rows] >= 0) & (xi[:, cols] >= 0)
    cell = np.arange(len(rows)) * ncat * ncat + xi[:, rows] * ncat + xi[:, cols]
    pairs = np.zeros((n, len(rows) * ncat * ncat))
    rr, pp = np.nonzero(both)
    pairs[rr, cell[rr, pp]] = 1.0
    return items, pairs


def weighted_polychoric(x: np.ndarray, w: np.ndarray, listwise: bool, groups: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Unsmoothed polychoric matrices of resamples given as row multiplicities ``w`` (resamples, n).

    Returns ``(R, same)``: R (resamples, p, p) and, per resample, whether it
    was estimated here. ``same`` is False where the scalar estimator
    (:func:`~samanalyse.stats.factor.correlation.correlation_array` of the
    drawn rows) would do something else: psych's per-pair thresholds (an item
    not reaching the highest code), a lowest code no item has (another
    shift), an item without variance, or fewer than 3 complete rows
    (listwise). For the others the tables, margins and thresholds are the
    scalar estimator's numbers exactly, and rho is solved in one vectorised
    iteration with the quadrature sums taken per group of resamples
    (``groups``: a non-decreasing label per resample; default one group): the
    pairs of a group in the same order as
    :func:`~samanalyse.stats.polychoric.polychoric_stack` of the group's drawn
    rows, so its numbers, bit for bit, when the group's resamples are all
    estimated here.
    """
    n, p = x.shape
    xi, ncat = _codes(x)
    if listwise:
        w = w * (xi >= 0).all(axis=1)[None, :]
    rows, cols = np.tril_indices(p, -1)
    items, pairs = _onehot(xi, ncat, rows, cols)
    freq = (w @ items).reshape(-1, p, ncat)
    present = freq > 0
    top = np.where(present, np.arange(ncat), -1).max(axis=2)
    same = present[:, :, 0].any(axis=1) & np.all(top == ncat - 1, axis=1) & (present.sum(axis=2) >= 2).all(axis=1)
    if listwise:
        same &= w.sum(axis=1) >= 3
    b = int(same.sum())
    R = np.full((w.shape[0], p, p), np.nan)
    if b == 0:
        return R, same
    freq = freq[same]
    n_item = freq.sum(axis=2)
    cum = np.cumsum(freq, axis=2)[:, :, :-1] / n_item[:, :, None]
    cuts = _cuts_from_props(cum.reshape(b * p, ncat - 1)).reshape(b, p, ncat + 1)
    tabs = (w[same] @ pairs).reshape(b, len(rows), ncat, ncat)
    tot = tabs.sum(axis=(2, 3))
    props = np.where(tot[..., None, None] > 0, tabs / np.where(tot > 0, tot, 1)[..., None, None], 0.0)
    ok = tot > 0
    rho = np.full(ok.shape, np.nan)
    seg = None if groups is None else np.broadcast_to(np.asarray(groups)[same][:, None], ok.shape)[ok]
    rho[ok] = _fit_rho(cuts[:, rows][ok], cuts[:, cols][ok], props[ok], seg=seg)
    out = np.broadcast_to(np.eye(p), (b, p, p)).copy()
    out[:, rows, cols] = rho
    out[:, cols, rows] = rho
    R[same] = out
    return R, same


def _vgq(L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quartimin gradient and criterion (GPArotation's ``vgQ.oblimin``, gam = 0) of a stack."""
    L2 = L**2
    X = L2 @ (1.0 - np.eye(L.shape[2]))
    return L * X, np.sum(L2 * X, axis=(1, 2)) / 4.0


def _tr(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, 1, 2)


def oblimin_stack(A: np.ndarray, eps: float = 1e-5, maxit: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``GPFoblq(A, method = "oblimin", gam = 0, normalize = FALSE)`` of a stack of loadings (resamples, p, k).

    Each resample follows :func:`~samanalyse.stats.factor.rotation._gpf_oblimin`'s
    iteration (start at the identity, step doubled then halved up to 10 times
    until the criterion falls by ``0.5 s^2 al``, stop at a projected gradient
    below ``eps``). Returns ``(loadings, Phi, converged)``.
    """
    b, _, k = A.shape
    T = np.broadcast_to(np.eye(k), (b, k, k)).copy()
    al = np.ones(b)
    L = A.copy()
    Gq, f = _vgq(L)
    G = -_tr(_tr(L) @ Gq)
    s = np.full(b, np.inf)
    run = np.arange(b)
    for _ in range(maxit + 1):
        Gp = G[run] - T[run] * np.sum(T[run] * G[run], axis=1)[:, None, :]
        s[run] = np.sqrt(np.sum(Gp * Gp, axis=(1, 2)))
        keep = s[run] >= eps
        run, Gp = run[keep], Gp[keep]
        if run.size == 0:
            break
        al[run] *= 2.0
        Tt, Ti, Lt, Gt, ft = (np.empty_like(T[run]), np.empty_like(T[run]), np.empty_like(L[run]),
                              np.empty_like(L[run]), np.empty(run.size))
        todo = np.arange(run.size)
        for _i in range(11):
            r = run[todo]
            X = T[r] - al[r][:, None, None] * Gp[todo]
            Tt[todo] = X * (1.0 / np.sqrt(np.sum(X**2, axis=1)))[:, None, :]
            Ti[todo] = np.linalg.inv(Tt[todo])
            Lt[todo] = A[r] @ _tr(Ti[todo])
            Gt[todo], ft[todo] = _vgq(Lt[todo])
            ok = f[r] - ft[todo] > 0.5 * s[r] ** 2 * al[r]
            al[r[~ok]] /= 2.0
            todo = todo[~ok]
            if todo.size == 0:
                break
        T[run], f[run], L[run] = Tt, ft, Lt
        G[run] = -_tr(_tr(Lt) @ Gt @ Ti)
    return L, _tr(T) @ T, s < eps


def align_stack(L: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Columns of every L (resamples, p, k) permuted and flipped to match ``target`` (p, k).

    The permutation maximises the summed absolute Tucker congruences (what
    :func:`~samanalyse.stats.factor.congruence.align_factors` finds with the
    Hungarian algorithm), found here over all k! permutations.
    """
    k = target.shape[1]
    num = _tr(L) @ target
    den = np.sqrt(np.sum(L**2, axis=1)[:, :, None] * np.sum(target**2, axis=0)[None, None, :])
    C = num / den
    perms = np.array(list(itertools.permutations(range(k))))
    score = np.abs(C[:, np.arange(k)[None, :], perms]).sum(axis=2)  # (resamples, perms)
    best = perms[np.argmax(score, axis=1)]                            # row r of L -> column best[r]
    sign = np.where(np.take_along_axis(C, best[:, :, None], axis=2)[:, :, 0] >= 0, 1.0, -1.0)
    out = np.empty_like(L)
    bi = np.arange(L.shape[0])[:, None]
    out[bi, :, best] = _tr(L * sign[:, None, :])
    return out
