"""Nonresponse weights: post-stratification, raking, linear and logit calibration, trimming.

Generic: arrays and DataFrames in, weights out; nothing here knows a survey round. Each
function mirrors R ``survey`` (4.1.1) and returns a frozen :class:`WeightingResult` that
also carries what :mod:`samanalyse.stats.design` needs for a linearised variance that
accounts for the weighting, exactly as R's ``svyrecvar`` does after ``postStratify``,
``rake`` and ``calibrate``:

- post-stratification: ``x - w * sum_c(x d / w) / sum_c(d)`` within cell c (d: weights before);
- raking: ten sweeps of ``x - w_m * ave(x / w_m, margin m)`` over the margins;
- calibration: the residual of ``x`` on the calibration variables in the metric of the
  starting weights (``qr.resid(qr(X sqrt(d)), x / (g sqrt(d))) * g sqrt(d)``).

Written here rather than taken from a library: ``svy`` (0.35) equals R for raking and linear
calibration, but has no bounded or logit calibration; ``ipfn`` gives raked weights only.
See ``benchmarks/eval_survey_libraries.py``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from samanalyse.errors import ArgumentError, DataError

__all__ = ["WeightingResult", "poststratify", "rake", "calibrate", "trim_weights", "margin_matrix"]

Margins = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class WeightingResult:
    """Weights made by one of this module's functions.

    Attributes
    ----------
    weights : Series
        The final weights, indexed like the input data.
    base_weights : Series
        The starting weights (``d``).
    method : str
        ``"poststratify"``, ``"rake"``, ``"linear"``, ``"logit"`` (each possibly ``+trim``).
    iterations : int
        Iterations used (1 for post-stratification and unbounded linear calibration).
    converged : bool
        Whether every margin was met within ``tol``.
    max_error : float
        Largest ``|weighted total - target| / (1 + target)`` over all margin cells.
    """

    weights: pd.Series
    base_weights: pd.Series
    method: str
    iterations: int
    converged: bool
    max_error: float
    _kind: str = field(repr=False, default="none")
    _parts: tuple = field(repr=False, default=())

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``weight``, ``base_weight``, ``g`` (= weight / base_weight)."""
        return pd.DataFrame({"weight": self.weights, "base_weight": self.base_weights,
                             "g": self.weights / self.base_weights})

    def summary(self) -> pd.DataFrame:
        """One row: method, iterations, converged, max_error, min/max weight and Kish's effective n."""
        w = self.weights.to_numpy(float)
        return pd.DataFrame([{"method": self.method, "iterations": self.iterations, "converged": self.converged,
                              "max_error": self.max_error, "min_weight": w.min(), "max_weight": w.max(),
                              "n": len(w), "n_effective": w.sum() ** 2 / (w ** 2).sum()}])

    def take(self, positions: Sequence[int] | np.ndarray) -> WeightingResult:
        """The same weighting with its units reordered (``positions`` into the units; every unit once)."""
        pos = np.asarray(positions, dtype=np.intp)
        if sorted(pos.tolist()) != list(range(len(self.weights))):
            raise ArgumentError("positions must name every unit of the weighting exactly once")
        if self._kind == "calibrate":
            # the Q of a QR decomposition permutes with its rows (an orthonormal basis of the same column space)
            parts: tuple = (self._parts[0][pos], self._parts[1][pos])
        elif self._kind == "poststratify":
            parts = (tuple(a[pos] for a in self._parts[0]),)
        else:
            parts = tuple((codes[pos], psw[pos]) for codes, psw in self._parts)
        return WeightingResult(self.weights.iloc[pos], self.base_weights.iloc[pos], self.method, self.iterations,
                               self.converged, self.max_error, self._kind, parts)

    def cluster_totals(self, x: np.ndarray, clusters: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Totals per cluster (codes ``clusters`` of every unit) of :meth:`residualise` (x), x zero off ``rows``.

        ``x`` holds the rows ``rows`` only (default: all units). The adjustments are linear in ``x``:
        every step is a product of small cell-level matrices with sparse sums of ``x``, so ``x`` is
        read a few times and no n × p temporary is made.
        """
        n = len(self.weights)
        rows = np.arange(n) if rows is None else np.asarray(rows, np.intp)
        x = np.asarray(x, float).reshape(len(rows), -1)
        k = int(clusters.max()) + 1

        def part(codes: np.ndarray, scale: np.ndarray, size: int) -> sparse.csr_matrix:
            return sparse.csr_matrix((scale, (codes[rows], np.arange(len(rows)))), shape=(size, len(rows)))

        total = part(clusters, np.ones(len(rows)), k) @ x
        s_c = _indicator(clusters)
        if self._kind == "poststratify":
            (codes, oldw, psw), = self._parts
            s = _indicator(codes)
            means = part(codes, (oldw / psw)[rows], s.shape[0]) @ x / (s @ oldw)[:, None]
            return total - ((s_c @ sparse.diags(psw)) @ s.T) @ means
        if self._kind == "rake":
            ind = [_indicator(codes) for codes, _ in self._parts]
            b = [part(codes, 1.0 / psw[rows], s.shape[0]) @ x for s, (codes, psw) in zip(ind, self._parts)]
            for (codes, psw), s, am in zip(self._parts, ind, _rake_coefficients(b, self._parts, ind)):
                total = total - ((s_c @ sparse.diags(psw)) @ s.T) @ am
            return total
        if self._kind == "calibrate":
            q, w = self._parts
            return total - (s_c @ (q * w[:, None])) @ ((q[rows] / w[rows][:, None]).T @ x)
        return total

    def residualise(self, x: np.ndarray) -> np.ndarray:
        """Influence values ``x`` (n × p) adjusted for the weighting, as R ``svyrecvar`` does."""
        x = np.asarray(x, float).reshape(len(self.weights), -1)
        if self._kind == "poststratify":
            (codes, oldw, psw), = self._parts
            return _ps_resid(x, codes, oldw, psw)
        if self._kind == "rake":
            return _rake_resid(x, self._parts)
        if self._kind == "calibrate":
            q, w = self._parts
            e = x / w[:, None]
            return (e - q @ (q.T @ e)) * w[:, None]
        return x


def _indicator(codes: np.ndarray) -> sparse.csr_matrix:
    """The k × n 0/1 matrix of cells ``codes`` (sums per cell as one sparse product)."""
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(int(codes.max()) + 1, n))


def rake_system(parts: tuple, ind: list) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """The cell counts and the small dense ``G_ml`` of :func:`_rake_coefficients` (they depend on the weights only)."""
    counts = [np.asarray(s.sum(axis=1)).ravel()[:, None] for s in ind]
    g = [[((s_m @ sparse.diags(psw_l / psw_m)) @ s_l.T).toarray() for s_l, (_, psw_l) in zip(ind, parts)]
         for s_m, (_, psw_m) in zip(ind, parts)]
    return counts, g


def _rake_coefficients(b: list[np.ndarray], parts: tuple, ind: list,
                       system: tuple[list[np.ndarray], list[list[np.ndarray]]] | None = None) -> list[np.ndarray]:
    """Cell-level coefficients ``A_m`` of R's ten raking sweeps ``x <- x - psw_m * ave(x / psw_m, margin_m)``.

    After any number of sweeps ``x = x0 - sum_m psw_m * A_m[codes_m]``; a sweep only updates the small
    ``A_m``, through ``G_ml = S_m diag(psw_l / psw_m) S_l'``; ``b_m = S_m (x0 / psw_m)``. ``system``:
    :func:`rake_system` computed once for these weights.
    """
    counts, g = system if system is not None else rake_system(parts, ind)
    a = [np.zeros_like(bm) for bm in b]
    for _ in range(10):
        for m in range(len(parts)):
            got = b[m] - sum(np.asarray(g[m][j] @ a[j]) for j in range(len(parts)))
            a[m] = a[m] + got / counts[m]
    return a


def _rake_resid(x: np.ndarray, parts: tuple) -> np.ndarray:
    """R's raking residuals of ``x`` (:func:`_rake_coefficients`)."""
    ind = [_indicator(codes) for codes, _ in parts]
    b = [(s @ sparse.diags(1.0 / psw)) @ x for s, (_, psw) in zip(ind, parts)]
    out = x.copy()
    for (codes, psw), am in zip(parts, _rake_coefficients(b, parts, ind)):
        out -= psw[:, None] * am[codes]
    return out


def _cell_mean(x: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Unweighted mean of each column of ``x`` within the cells ``codes``, given back row by row."""
    ind = _indicator(codes)
    counts = np.asarray(ind.sum(axis=1)).ravel()[:, None]
    return ((ind @ x) / counts)[codes]


def _ps_resid(x: np.ndarray, codes: np.ndarray, oldw: np.ndarray, psw: np.ndarray) -> np.ndarray:
    ind = _indicator(codes)
    sums = ind @ (x * (oldw / psw)[:, None])
    return x - (sums / (ind @ oldw)[:, None])[codes] * psw[:, None]


def _check_weights(data: pd.DataFrame, weights: str | Sequence[float] | None) -> pd.Series:
    if weights is None:
        return pd.Series(1.0, index=data.index)
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ArgumentError(f"weights={weights!r} is not a column of data; columns: {', '.join(map(str, data.columns))}")
        w = pd.to_numeric(data[weights], errors="coerce")
    else:
        w = pd.Series(np.asarray(weights, float), index=data.index)
    if w.isna().any() or (w <= 0).any():
        raise DataError(f"weights must be positive numbers; rows {list(w.index[w.isna() | (w <= 0)][:5])} are not")
    return w.astype(float)


def _check_margins(data: pd.DataFrame, margins: Margins) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
    """For each margin: codes of every row, target per level, level names (sorted)."""
    if not margins:
        raise ArgumentError("margins must name at least one column with its population totals")
    out = {}
    for col, targets in margins.items():
        if col not in data.columns:
            raise ArgumentError(f"margin {col!r} is not a column of data; columns: {', '.join(map(str, data.columns))}")
        values = data[col].astype("string")
        if values.isna().any():
            raise DataError(f"margin column {col!r} is missing in rows {list(data.index[values.isna()][:5])}")
        levels = sorted(str(k) for k in targets)
        unknown = sorted(set(pd.unique(values.to_numpy(dtype=object))) - set(levels))
        if unknown:
            raise DataError(f"margin {col!r}: values {unknown} have no population total; totals are given for "
                            f"{', '.join(levels)}")
        empty = [lv for lv in levels if not (values == lv).any() and float(targets[lv]) > 0]
        if empty:
            raise DataError(f"margin {col!r}: no respondent in {', '.join(empty)}, which has a population total; "
                            "merge it with a neighbouring group")
        codes = pd.Categorical(values, categories=levels).codes.astype(np.intp)
        out[col] = (codes, np.array([float(targets[lv]) for lv in levels]), levels)
    return out


def _max_error(w: np.ndarray, parsed: dict) -> float:
    err = 0.0
    for codes, target, _ in parsed.values():
        got = np.bincount(codes, weights=w, minlength=len(target))
        err = max(err, float(np.max(np.abs(got - target) / (1 + np.abs(target)))))
    return err


def poststratify(data: pd.DataFrame, by: str, frame_size: Mapping[str, float], *,
                 weights: str | Sequence[float] | None = None) -> WeightingResult:
    """Post-stratify to the frame's counts per group of ``by``; mirrors R ``survey::postStratify``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    by : str
        The column of post-strata.
    frame_size : mapping
        Units of the frame (population total) per group of ``by``.
    weights : str or array, optional
        Starting weights (a column of ``data`` or an array); default 1.
    """
    d = _check_weights(data, weights)
    parsed = _check_margins(data, {by: frame_size})
    codes, target, _ = parsed[by]
    have = np.bincount(codes, weights=d.to_numpy(), minlength=len(target))
    w = d.to_numpy() * (target / np.where(have > 0, have, 1))[codes]
    return WeightingResult(pd.Series(w, index=data.index, name="weight"), d, "poststratify", 1, True,
                           _max_error(w, parsed), "poststratify", ((codes, d.to_numpy(), w),))


def rake(data: pd.DataFrame, margins: Margins, *, weights: str | Sequence[float] | None = None,
         tol: float = 1e-10, max_iter: int = 1000) -> WeightingResult:
    """Rake (iterative proportional fitting) to the frame's margins; mirrors R ``survey::rake``.

    Each sweep post-stratifies to every margin in turn; it stops when the weighted
    cross-table of all margins changes by less than ``tol`` × the sum of the starting weights
    (R's ``control$epsilon < 1``) or after ``max_iter`` sweeps. R's own default
    (``maxit=10, epsilon=1``) stops much earlier; the reference values use a tight tolerance.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    margins : mapping
        ``{column: {group: frame_size}}``, e.g. RHF and size class.
    weights : str or array, optional
        Starting weights (e.g. N/n); default 1.
    tol, max_iter : float, int
        Convergence tolerance (relative to the sum of weights) and the largest number of sweeps.
    """
    d = _check_weights(data, weights)
    parsed = _check_margins(data, margins)
    w = d.to_numpy().copy()
    cross_codes = np.zeros(len(w), np.int64)
    for codes, target, _ in parsed.values():
        cross_codes = cross_codes * len(target) + codes
    cross_codes = np.unique(cross_codes, return_inverse=True)[1]
    eps = tol * w.sum() if tol < 1 else tol
    old = np.bincount(cross_codes, weights=w)
    converged, it, parts = False, 0, ()
    while it < max_iter:
        parts = []
        for codes, target, _ in parsed.values():
            have = np.bincount(codes, weights=w, minlength=len(target))
            w = w * (target / np.where(have > 0, have, 1))[codes]
            parts.append((codes, w.copy()))
        new = np.bincount(cross_codes, weights=w)
        it += 1
        if np.max(np.abs(new - old)) < eps:
            converged = True
            break
        old = new
    return WeightingResult(pd.Series(w, index=data.index, name="weight"), d, "rake", it, converged,
                           _max_error(w, parsed), "rake", tuple(parts))


def margin_matrix(data: pd.DataFrame, margins: Margins) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Model matrix of ``~ m1 + m2 + ...`` with treatment coding (R ``model.matrix``) and its population totals.

    Returns the n × p matrix, the p totals and the column names (``(Intercept)``, ``<column><level>``).
    """
    parsed = _check_margins(data, margins)
    first = next(iter(parsed.values()))
    cols, totals, names = [np.ones(len(data))], [float(first[1].sum())], ["(Intercept)"]
    for col, (codes, target, levels) in parsed.items():
        for j in range(1, len(levels)):
            cols.append((codes == j).astype(float))
            totals.append(float(target[j]))
            names.append(f"{col}{levels[j]}")
    return np.column_stack(cols), np.array(totals), names


def _calfun(kind: str, lower: float, upper: float):
    """R's ``cal.linear`` / ``cal.logit``: F(u) - 1 and its derivative."""
    if kind == "linear":
        return (lambda u: np.clip(u + 1, lower, upper) - 1,
                lambda u: ((u < upper - 1) & (u > lower - 1)).astype(float))
    a = (upper - lower) / ((upper - 1) * (1 - lower))

    def fm1(u: np.ndarray) -> np.ndarray:
        e = np.exp(a * u)
        return (lower * (upper - 1) + upper * (1 - lower) * e) / (upper - 1 + (1 - lower) * e) - 1

    def df(u: np.ndarray) -> np.ndarray:
        e = np.exp(a * u)
        den = upper - 1 + (1 - lower) * e
        return upper * (1 - lower) * e * a / den - (lower * (upper - 1) + upper * (1 - lower) * e) * ((1 - lower) * e * a) / den ** 2

    return fm1, df


def _check_bounds(calfun: str, bounds: tuple[float, float] | None) -> tuple[float, float]:
    if calfun not in ("linear", "logit"):
        raise ArgumentError(f"calfun={calfun!r} is not allowed; allowed: linear, logit")
    lower, upper = bounds if bounds is not None else (-np.inf, np.inf)
    if calfun == "logit" and not (np.isfinite(lower) and np.isfinite(upper)):
        raise ArgumentError("logit calibration needs finite bounds=(lower, upper) with lower < 1 < upper")
    if not lower < 1 < upper:
        raise ArgumentError(f"bounds={bounds!r} must satisfy lower < 1 < upper")
    return float(lower), float(upper)


def calibrate(data: pd.DataFrame, margins: Margins, *, weights: str | Sequence[float] | None = None,
              calfun: Literal["linear", "logit"] = "linear", bounds: tuple[float, float] | None = None,
              tol: float = 1e-10, max_iter: int = 200) -> WeightingResult:
    """Calibrate to the frame's margins (linear/GREG or logit, with bounds on g); mirrors R ``survey::calibrate``.

    Solves ``sum_i d_i g_i x_i = totals`` with ``g = F(x' eta)`` by R's Newton iteration (``grake``):
    ``F(u) = 1 + u`` (linear, optionally truncated to ``bounds``) or R's bounded logit.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    margins : mapping
        ``{column: {group: frame_size}}``; the calibration variables are their indicators.
    weights : str or array, optional
        Starting weights ``d``; default 1.
    calfun : {"linear", "logit"}
        Distance function.
    bounds : (float, float), optional
        Bounds on ``g = w / d`` (needed for logit).
    tol, max_iter : float, int
        Stop when every ``|misfit| / (1 + |total|) < tol``; at most ``max_iter`` Newton steps.
    """
    lower, upper = _check_bounds(calfun, bounds)
    d = _check_weights(data, weights).to_numpy()
    mm, totals, _ = margin_matrix(data, margins)
    parsed = _check_margins(data, margins)
    fm1, dfun = _calfun(calfun, lower, upper)
    scales = totals / (mm * d[:, None]).sum(axis=0)
    scale = float(np.mean(scales)) if np.min(scales) > 20 else 1.0
    ww = d * scale
    sample_total = (mm * ww[:, None]).sum(axis=0)
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    it, converged = 1, False
    while True:
        tmat = (mm * (ww * dfun(xeta))[:, None]).T @ mm
        misfit = totals - sample_total - (mm * (ww * fm1(xeta))[:, None]).sum(axis=0)
        eta = eta + np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        xeta = mm @ eta
        misfit = totals - sample_total - (mm * (ww * fm1(xeta))[:, None]).sum(axis=0)
        if np.all(np.abs(misfit) / (1 + np.abs(totals)) < tol):
            converged = True
            break
        it += 1
        if it > max_iter:
            break
    g = (1 + fm1(xeta)) * scale
    w = d * g
    q, _ = np.linalg.qr(mm * np.sqrt(d)[:, None])
    method = "linear" if calfun == "linear" else "logit"
    return WeightingResult(pd.Series(w, index=data.index, name="weight"), pd.Series(d, index=data.index), method,
                           it, converged, _max_error(w, parsed), "calibrate", (q, g * np.sqrt(d)))


def trim_weights(result: WeightingResult, *, lower: float = -np.inf, upper: float = np.inf,
                 strict: bool = False) -> WeightingResult:
    """Trim weights to ``[lower, upper]``, spreading what is cut equally over the rest; mirrors R ``survey::trimWeights``.

    The variance adjustment of the weighting is kept (as R keeps the design's ``postStrata``).
    With ``strict=True`` trimming repeats until no weight is outside the bounds.
    """
    if not lower < upper:
        raise ArgumentError(f"trim bounds must satisfy lower < upper; got lower={lower}, upper={upper}")
    w = result.weights.to_numpy(float).copy()
    for _ in range(1000):
        outside = (w < lower) | (w > upper)
        if not outside.any():
            break
        new = np.clip(w, lower, upper)
        new[~outside] += (w - new).sum() / (~outside).sum()
        w = new
        if not strict:
            break
    return WeightingResult(pd.Series(w, index=result.weights.index, name="weight"), result.base_weights,
                           result.method + "+trim", result.iterations, result.converged, result.max_error,
                           result._kind, result._parts)
