"""Domain estimates of many variables in one pass: sums per domain and their design-based variances.

Generic (no survey knowledge), used by :mod:`samanalyse.stats.design`. Every variable of every
domain is estimated at once, as R ``survey::svyby(~y1 + y2 + ..., ~by, design, svymean)`` does one
by one: the influence values of a domain's mean (or total) are zero outside the domain (R's
``subset``), so their sums over any grouping of the units (clusters, the cells of a weighting's
margins, strata) are linear in the sums of ``w·y`` and ``w`` over that grouping crossed with the
domain. Those sums are one sparse product each (one pass over the ``n × p`` data); the ultimate-
cluster variance (R ``svyrecvar``/``onestage``) and the adjustment for calibration (R after
``postStratify``/``rake``/``calibrate``) then work on cluster × column totals, in column chunks that
bound the memory (a design whose clusters are its units may have 10⁵ of them). No Python loop runs
over cells or variables; loops run over domains (a handful) and column chunks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from samanalyse.stats.weighting import WeightingResult, _indicator, _rake_coefficients, rake_system

__all__ = ["DomainSums", "domain_sums", "domain_variances", "domain_degf"]

#: Largest number of floats of one chunk of cluster × column totals.
CHUNK_FLOATS = 4_000_000


@dataclass(frozen=True)
class DomainSums:
    """Sums of the units of each domain (``D`` domains, ``p`` variables) and the influence scaling.

    ``kind`` ``"mean"``: the influence of unit i in domain d is ``w_i (y_i - mean_d) / psum_d``;
    ``"total"``: ``w_i y_i``. ``y`` is stored centred (``shift``) for a mean, which changes no
    influence value but keeps the sums of squares exact.
    """

    kind: str
    g: np.ndarray          # domain of each unit (-1: in none, or weight 0)
    y: np.ndarray          # n × p values (centred by ``shift`` for a mean)
    shift: np.ndarray      # p
    psum: np.ndarray       # D: sum of weights
    nobs: np.ndarray       # D: units
    centred_mean: np.ndarray   # D × p: the domain's mean of ``y`` (centred)
    sum_sq: np.ndarray     # D × p: sum of w (y - mean)^2

    @property
    def n_domains(self) -> int:
        return len(self.psum)

    @property
    def p(self) -> int:
        return self.y.shape[1]


def domain_sums(values: np.ndarray, weights: np.ndarray, g: np.ndarray, n_domains: int, kind: str, *,
                binary: bool = False) -> DomainSums:
    """Per-domain weighted sums of ``values`` (n × p); ``g`` the domain of each unit (-1 none).

    ``binary``: every value is 0 or 1 (shares), so the squares are the values themselves.
    """
    g = np.where(weights != 0, g, -1)
    inn = np.flatnonzero(g >= 0)
    dom = sparse.csr_matrix((weights[inn], (g[inn], inn)), shape=(n_domains, len(g)))
    values = np.ascontiguousarray(values)   # sparse products copy a column-major operand every time
    shift = np.zeros(values.shape[1])
    if kind == "mean" and not binary and values.size and max(values.max(), -values.min()) > 1:
        shift = values[inn].mean(axis=0)   # centred, the sums of squares lose no digits (0/1 need not)
    y = values - shift if shift.any() else values
    psum = np.asarray(dom.sum(axis=1)).ravel()
    nobs = np.bincount(g[inn], minlength=n_domains)
    sy = dom @ y
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sy / psum[:, None]
        sum_sq = (sy if binary else dom @ (y * y)) - psum[:, None] * mean ** 2
    return DomainSums(kind, g, y, shift, psum, nobs, mean, np.maximum(sum_sq, 0.0))


def _grouped(s: DomainSums, weights: np.ndarray, h: np.ndarray, k: int, scale: np.ndarray | None) -> np.ndarray:
    """Sums of the influence values over the groups ``h`` (k of them), as a k × (D·p) array (columns d·p + j)."""
    inn = np.flatnonzero(s.g >= 0)
    d_count = s.n_domains
    v = weights[inn] if scale is None else weights[inn] * scale[inn]
    m = sparse.csr_matrix((v, (h[inn] * d_count + s.g[inn], inn)), shape=(k * d_count, len(s.g)))
    sums = np.asarray(m @ s.y).reshape(k, d_count, s.p)
    if s.kind == "mean":
        w_sums = np.asarray(m.sum(axis=1)).reshape(k, d_count, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sums = (sums - w_sums * s.centred_mean[None]) / s.psum[None, :, None]
    return sums.reshape(k, d_count * s.p)


#: The parts of a calibration's adjustment that do not depend on the variables: (calibration, clusters) -> parts.
_SETUP: dict[tuple[int, int], tuple[WeightingResult, np.ndarray, tuple]] = {}


def _setup(cal: WeightingResult, clusters: np.ndarray) -> tuple:
    """Cluster x cell matrices (and the raking system) of ``cal``, built once per weighting and clustering."""
    key = (id(cal), hash(clusters.tobytes()))
    hit = _SETUP.get(key)
    if hit is not None and hit[0] is cal and np.array_equal(hit[1], clusters):
        return hit[2]
    s_c = _indicator(clusters)
    if cal._kind == "poststratify":
        (codes, _, psw), = cal._parts
        parts: tuple = (((s_c @ sparse.diags(psw)) @ _indicator(codes).T).tocsr(),)
    elif cal._kind == "rake":
        ind = [_indicator(codes) for codes, _ in cal._parts]
        parts = ([((s_c @ sparse.diags(psw)) @ m.T).tocsr() for m, (_, psw) in zip(ind, cal._parts)], ind,
                 rake_system(cal._parts, ind))
    else:
        q, w = cal._parts
        parts = (s_c @ (q * w[:, None]),)
    if len(_SETUP) > 8:
        _SETUP.clear()
    _SETUP[key] = (cal, clusters.copy(), parts)
    return parts


def _corrections(s: DomainSums, weights: np.ndarray, clusters: np.ndarray, k: int,
                 cal: WeightingResult | None) -> list[tuple[sparse.csr_matrix | np.ndarray, np.ndarray]]:
    """The calibration's adjustment of the cluster totals as pairs (C, A): subtract C @ A (k × D·p)."""
    if cal is None or cal._kind == "none":
        return []
    parts = _setup(cal, clusters)
    if cal._kind == "poststratify":
        (codes, oldw, psw), = cal._parts
        cells = int(codes.max()) + 1
        means = _grouped(s, weights, codes, cells, oldw / psw) / np.bincount(
            codes, weights=oldw, minlength=cells)[:, None]
        return [(parts[0], means)]
    if cal._kind == "rake":
        c_list, ind, system = parts
        b = [_grouped(s, weights, codes, ind_m.shape[0], 1.0 / psw)
             for ind_m, (codes, psw) in zip(ind, cal._parts)]
        return list(zip(c_list, _rake_coefficients(b, cal._parts, ind, system)))
    q, w = cal._parts
    ratio = np.zeros((q.shape[1], s.n_domains * s.p))
    for d in range(s.n_domains):   # (q / w)' x, domain by domain
        rows = np.flatnonzero(s.g == d)
        qd = q[rows] * (weights[rows] / w[rows])[:, None]   # (q / w) times the design weight in x
        part = qd.T @ s.y[rows]
        if s.kind == "mean":
            part = (part - qd.sum(axis=0)[:, None] * s.centred_mean[d][None]) / s.psum[d]
        ratio[:, d * s.p:(d + 1) * s.p] = part
    return [(parts[0], ratio)]


def domain_variances(s: DomainSums, weights: np.ndarray, strata: np.ndarray, clusters: np.ndarray,
                     fpc: np.ndarray | None, calibration: WeightingResult | None) -> np.ndarray:
    """Variance of every domain's estimate of every variable, D × p; R ``svyrecvar`` (ultimate clusters).

    ``strata``/``clusters``: codes 0.. of every unit (clusters nested in strata); ``fpc``: the number of
    clusters in the frame of each unit's stratum, or None; ``calibration``: the weighting whose
    adjustment the variance accounts for.
    """
    n = len(weights)
    k = int(clusters.max()) + 1
    first = np.zeros(k, np.intp)
    first[clusters[::-1]] = np.arange(n)[::-1]
    stratum_of = strata[first]
    h = int(stratum_of.max()) + 1
    by_h = sparse.csr_matrix((np.ones(k), (stratum_of, np.arange(k))), shape=(h, k))
    n_h = np.asarray(by_h.sum(axis=1)).ravel()
    f = np.ones(h)
    if fpc is not None:
        fpc_h = fpc[first][np.unique(stratum_of, return_index=True)[1]]
        f = (fpc_h - n_h) / fpc_h
    factor = f * n_h / (n_h - 1)
    corrections = _corrections(s, weights, clusters, k, calibration)
    cells, cell_sums = _cluster_cells(s, weights, clusters, k)
    cols = s.n_domains * s.p
    chunk = max(1, min(cols, CHUNK_FLOATS // max(k, 1)))
    out = np.empty(cols)
    for a in range(0, cols, chunk):
        b = min(cols, a + chunk)
        t = np.zeros((k, b - a))
        for d in range(a // s.p, (b - 1) // s.p + 1):   # the raw totals of the domains in this chunk
            lo, hi = max(a, d * s.p), min(b, (d + 1) * s.p)
            mine = cells[1] == d
            t[cells[0][mine], lo - a:hi - a] = cell_sums[mine][:, lo - d * s.p:hi - d * s.p]
        for c_m, a_m in corrections:
            t -= np.asarray(c_m @ a_m[:, a:b])
        ss = by_h @ (t * t) - (by_h @ t) ** 2 / n_h[:, None]
        out[a:b] = (factor[:, None] * ss).sum(axis=0)
    return out.reshape(s.n_domains, s.p)


def _cluster_cells(s: DomainSums, weights: np.ndarray, clusters: np.ndarray,
                   k: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The (cluster, domain) cells that hold units, and their sums of influence values (cells × p)."""
    inn = np.flatnonzero(s.g >= 0)
    key = clusters[inn].astype(np.int64) * s.n_domains + s.g[inn]
    uniq, inv = np.unique(key, return_inverse=True)
    m = sparse.csr_matrix((weights[inn], (inv, inn)), shape=(len(uniq), len(s.g)))
    sums = np.asarray(m @ s.y)
    cluster, dom = uniq // s.n_domains, uniq % s.n_domains
    if s.kind == "mean":
        w_sums = np.asarray(m.sum(axis=1)).ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            sums = (sums - w_sums[:, None] * s.centred_mean[dom]) / s.psum[dom][:, None]
    return (cluster.astype(np.intp), dom.astype(np.intp)), sums


def domain_degf(g: np.ndarray, weights: np.ndarray, strata: np.ndarray, clusters: np.ndarray,
                n_domains: int) -> np.ndarray:
    """Degrees of freedom of each domain: its clusters minus its strata (units of weight 0 left out; R ``degf``)."""
    inn = np.flatnonzero((g >= 0) & (weights != 0))
    gd = g[inn].astype(np.int64)
    n_c = np.bincount(np.unique(gd * (int(clusters.max()) + 1) + clusters[inn]) // (int(clusters.max()) + 1),
                      minlength=n_domains)
    n_s = np.bincount(np.unique(gd * (int(strata.max()) + 1) + strata[inn]) // (int(strata.max()) + 1),
                      minlength=n_domains)
    return n_c - n_s
