"""Uncertainty of shares: confidence intervals for proportions.

Three families of intervals:

``"wilson"``, ``"wilson_cc"``, ``"exact"``
    Binomial intervals that treat the respondents as independent draws from an
    infinite population: the Wilson score interval (R ``prop.test(x, n,
    correct = FALSE)``), Wilson with continuity correction (``prop.test(x, n)``)
    and the exact Clopper–Pearson interval (``binom.test``).

``"fpc"`` (= ``"fpc_logit"``), ``"fpc_wald"``, ``"fpc_beta"``
    Design-based intervals for a simple random sample *without replacement*
    from a finite population (the frame) of ``frame_size`` units (or a stratified one,
    with one population size per stratum), as R ``survey::svyciprop`` computes
    them with ``svydesign(ids = ~1, fpc = ...)``. The survey covers a large
    part of its population (e.g. 187 of 430 kommuner in one round), so the finite
    population correction ``1 - n/N`` matters: ignoring it overstates the
    uncertainty. The standard error of a share is
    ``sqrt((1 - n/N) p (1 - p) / (n - 1))`` (stratified:
    ``sqrt(sum_h W_h^2 (1 - n_h/N_h) p_h (1 - p_h) / (n_h - 1))``,
    ``W_h = N_h/N``), and the interval uses *t* quantiles with ``n - H``
    degrees of freedom (H strata):

    - ``fpc_logit``: symmetric on the logit scale (``svyciprop(method = "logit")``,
      survey's default); stays inside [0, 1].
    - ``fpc_wald``: ``p -/+ t * SE`` (``method = "mean"``).
    - ``fpc_beta``: Korn–Graubard beta interval with the effective sample size
      (``method = "beta"``).

Examples
--------
>>> from samanalyse.stats.proportions import proportion_ci
>>> ci = proportion_ci(131, 187, method="fpc", frame_size=430)
>>> round(ci.estimate, 3), round(ci.ci_low, 3), round(ci.ci_high, 3)
(0.701, 0.648, 0.748)
"""

from __future__ import annotations

import math
from functools import lru_cache
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd
from scipy import stats

from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats._checks import WarningLog, check_level

__all__ = [
    "FPC_METHODS",
    "METHODS",
    "Method",
    "ProportionCI",
    "check_frame_size",
    "check_method",
    "design_interval",
    "domain_estimate",
    "proportion_ci",
]

Method = Literal["wilson", "wilson_cc", "exact", "fpc", "fpc_logit", "fpc_wald", "fpc_beta"]

#: Interval methods accepted by :func:`proportion_ci`.
METHODS: tuple[str, ...] = ("wilson", "wilson_cc", "exact", "fpc", "fpc_logit", "fpc_wald", "fpc_beta")
#: The design-based (finite population) methods, which need ``frame_size``.
FPC_METHODS: tuple[str, ...] = ("fpc", "fpc_logit", "fpc_wald", "fpc_beta")


def check_method(method: str) -> str:
    """The interval method as reported (``"fpc"`` is ``"fpc_logit"``); ArgumentError if unknown."""
    if method not in METHODS:
        raise ArgumentError(f"Unknown method {method!r}; use one of {', '.join(map(repr, METHODS))}.")
    return "fpc_logit" if method == "fpc" else method


# --------------------------------------------------------------------------
# proportion_ci
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProportionCI:
    """A share with its confidence interval.

    Attributes
    ----------
    estimate : float
        The share (stratified: the population-weighted share ``sum_h W_h p_h``).
    ci_low, ci_high : float
        Interval limits.
    se : float
        Standard error: ``sqrt(p(1-p)/n)`` for the binomial methods, the
        design-based standard error (with fpc) for the ``fpc*`` methods.
    count : int
        Number with the property (stratified: summed over strata).
    n : int
        Number of respondents (stratified: summed over strata).
    method : str
        Interval method (``"fpc"`` is reported as ``"fpc_logit"``).
    confidence : float
        Confidence level.
    frame_size : int or None
        Size N of the frame (stratified: summed over strata); None for binomial methods.
    df : float or None
        Degrees of freedom of the *t* quantile (design-based methods), else None.
    warnings : tuple of str
        Warnings raised while computing (also emitted as :class:`SmallCellWarning`).
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    count: int
    n: int
    method: str
    confidence: float
    frame_size: int | None = None
    df: float | None = None
    warnings: tuple[str, ...] = ()


def _check_count_n(count: object, n: object, where: str = "") -> tuple[int, int]:
    for name, v in (("count", count), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float, np.floating)) or not float(v).is_integer():
            raise ArgumentError(f"{name}{where} must be a whole number; got {v!r}.")
        if v < 0:
            raise ArgumentError(f"{name}{where} must be >= 0; got {v!r}.")
    c, m = int(count), int(n)  # type: ignore[call-overload]
    if c > m:
        raise DataError(f"count{where} ({c}) is larger than n{where} ({m}).")
    return c, m


def check_frame_size(frame_size: object, n: int, where: str = "") -> int:
    """The frame size N as an int; ArgumentError unless a whole number >= 1, DataError if below ``n``."""
    if isinstance(frame_size, bool) or not isinstance(frame_size, (int, np.integer, float, np.floating)) or not float(
        frame_size
    ).is_integer():
        raise ArgumentError(f"frame_size{where} must be a whole number of units; got {frame_size!r}.")
    N = int(frame_size)  # type: ignore[call-overload]
    if N < 1:
        raise ArgumentError(f"frame_size{where} must be >= 1; got {frame_size!r}.")
    if N < n:
        raise DataError(f"the frame's population{where} ({N}) is smaller than the number of respondents "
                        f"n{where} ({n}); frame_size must be at least n.")
    return N


@lru_cache(maxsize=4096)
def _ppf(dist: str, q: float, *args: float) -> float:
    """``scipy.stats.<dist>.ppf(q, *args)``, computed once per arguments (a report asks for the same quantile per cell)."""
    return getattr(stats, dist).ppf(q, *args)


def _binomial_interval(x: int, n: int, method: str, confidence: float) -> tuple[float, float]:
    alpha = 1 - confidence
    p = x / n
    z = _ppf("norm", 1 - alpha / 2)
    if method == "exact":
        lo = 0.0 if x == 0 else float(_ppf("beta", alpha / 2, x, n - x + 1))
        hi = 1.0 if x == n else float(_ppf("beta", 1 - alpha / 2, x + 1, n - x))
        return lo, hi
    # Wilson score interval written as R's prop.test does (correct = FALSE: yates = 0).
    yates = min(0.5, abs(x - n * 0.5)) if method == "wilson_cc" else 0.0
    z22n = z**2 / (2 * n)
    pc = p + yates / n
    hi = 1.0 if pc >= 1 else (pc + z22n + z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n)
    pc = p - yates / n
    lo = 0.0 if pc <= 0 else (pc + z22n - z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n)
    return float(max(0.0, lo)), float(min(1.0, hi))


def design_interval(
    p: float, se: float, df: float, n: int, method: str, confidence: float, log: WarningLog
) -> tuple[float, float]:
    """Interval from a design-based estimate ``p`` with standard error ``se``, as ``survey::svyciprop`` computes it.

    ``method`` is ``fpc_logit``, ``fpc_wald`` or ``fpc_beta``; warnings go to ``log``.
    """
    alpha = 1 - confidence
    if not (np.isfinite(p) and np.isfinite(se)) or df < 1:
        if np.isfinite(p) and df < 1:
            log.warn(f"no degrees of freedom left for a design-based interval (df = {df:g}); interval is NaN")
        return math.nan, math.nan
    if se == 0:
        log.warn(
            f"the design-based standard error is 0 (share {p:g}); the interval collapses to the estimate -- "
            "use method='exact' for a share of 0 or 1"
        )
        return p, p
    t = _ppf("t", 1 - alpha / 2, df)
    if method == "fpc_wald":
        return float(p - t * se), float(p + t * se)
    if method == "fpc_logit":
        eta = math.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        return 1 / (1 + math.exp(-(eta - half))), 1 / (1 + math.exp(-(eta + half)))
    # fpc_beta: Korn & Graubard (1998) with survey's degrees-of-freedom adjustment
    n_eff = p * (1 - p) / se**2
    if n > 1:
        n_eff *= (_ppf("t", alpha / 2, n - 1) / _ppf("t", alpha / 2, df)) ** 2
    lo = float(stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1))
    hi = float(stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))
    return lo, hi


def domain_estimate(
    y: np.ndarray, z: np.ndarray, strata: np.ndarray, sizes: Mapping[Hashable, int], log: WarningLog
) -> tuple[float, float, float]:
    """Share of y in the domain z under stratified SRS without replacement.

    Returns ``(p, se, df)``. Linearisation of the ratio ``sum w z y / sum w z``
    with weights ``w = N_h / n_h``; variance
    ``sum_h (1 - n_h/N_h) n_h/(n_h - 1) sum_i (w_i u_i - mean_h(w u))^2``,
    ``u_i = z_i (y_i - p) / N_d``. Without a domain restriction this is exactly
    survey's stratified (or SRS) variance of a mean.
    """
    keys = list(pd.unique(strata))
    nh = {h: int(np.sum(strata == h)) for h in keys}
    w = np.array([sizes[h] / nh[h] for h in strata], dtype=float)
    Nd = float(np.sum(w * z))
    n_dom = int(np.sum(z))
    if n_dom == 0 or Nd == 0:
        return math.nan, math.nan, math.nan
    p = float(np.sum(w * z * y) / Nd)
    u = z * (y - p) / Nd
    var = 0.0
    h_dom = 0
    for h in keys:
        m = strata == h
        if np.any(z[m]):
            h_dom += 1
        n_h, N_h = nh[h], sizes[h]
        f = n_h / N_h
        if f >= 1:
            continue
        wu = w[m] * u[m]
        if n_h < 2:
            if np.any(wu != 0):
                log.warn(
                    f"stratum {h!r} has a single respondent (of {N_h}); its variance cannot be estimated, "
                    "so the standard error is NaN"
                )
                var = math.nan
            continue
        var += (1 - f) * n_h / (n_h - 1) * float(np.sum((wu - wu.mean()) ** 2))
    df = float(n_dom - h_dom)
    return p, math.sqrt(var) if np.isfinite(var) else math.nan, df


def proportion_ci(
    count: int | Mapping[Hashable, int],
    n: int | Mapping[Hashable, int],
    *,
    method: Method = "wilson",
    confidence: float = 0.95,
    frame_size: int | Mapping[Hashable, int] | None = None,
) -> ProportionCI:
    """Confidence interval for a share.

    Parameters
    ----------
    count : int or mapping
        Number of respondents with the property. A mapping ``{stratum: count}``
        asks for the stratified design-based estimate (only with the ``fpc``
        methods; ``n`` and ``frame_size`` must then be mappings with the same keys).
    n : int or mapping
        Number of respondents (the denominator); mapping ``{stratum: n_h}`` when stratified.
    method : {"wilson", "wilson_cc", "exact", "fpc", "fpc_logit", "fpc_wald", "fpc_beta"}
        ``"wilson"``: Wilson score interval, as R ``prop.test(count, n, correct = FALSE)``
        and statsmodels ``proportion_confint(method="wilson")``.
        ``"wilson_cc"``: Wilson with continuity correction, as R ``prop.test(count, n)``
        (the correction is ``min(0.5, |count - n/2|)``, R's rule).
        ``"exact"``: Clopper–Pearson, as R ``binom.test``.
        ``"fpc"`` / ``"fpc_logit"``, ``"fpc_wald"``, ``"fpc_beta"``: design-based
        intervals for sampling without replacement from ``frame_size`` units, as
        ``survey::svyciprop(method = "logit" | "mean" | "beta")``; see the module docs.
    confidence : float
        Confidence level, strictly between 0 and 1.
    frame_size : int or mapping or None
        Size N of the frame (required for, and only used by, the ``fpc`` methods);
        ``{stratum: N_h}`` when stratified (e.g. units per region).

    Returns
    -------
    ProportionCI

    Raises
    ------
    ArgumentError
        For counts that are not whole numbers, an unknown method, or a
        ``frame_size`` given to a binomial method.
    DataError
        For ``count > n`` or ``frame_size < n``.

    Warns
    -----
    SmallCellWarning
        If ``n`` is 0 (all fields NaN), a stratum has one respondent, or the
        design-based standard error is 0.

    Examples
    --------
    >>> round(proportion_ci(131, 187).ci_low, 4)
    0.6314
    """
    label = check_method(method)
    check_level(confidence)
    log = WarningLog()
    stratified = isinstance(count, Mapping) or isinstance(n, Mapping) or isinstance(frame_size, Mapping)
    fpc = method in FPC_METHODS
    if not fpc and frame_size is not None:
        raise ArgumentError(
            f"frame_size={frame_size!r} is only used by the design-based methods {', '.join(FPC_METHODS)}; "
            f"method {method!r} ignores it. Drop frame_size or choose method='fpc'."
        )
    if fpc and frame_size is None:
        raise ArgumentError(f"method {method!r} needs the population size of the frame: pass frame_size=N.")

    if stratified:
        if not fpc:
            raise ArgumentError(f"Stratified counts need a design-based method ({', '.join(FPC_METHODS)}); got {method!r}.")
        if not (isinstance(count, Mapping) and isinstance(n, Mapping) and isinstance(frame_size, Mapping)):
            raise ArgumentError("For a stratified interval count, n and frame_size must all be mappings {stratum: value}.")
        keys = list(frame_size)
        for name, m in (("count", count), ("n", n)):
            if set(m) != set(keys):
                raise ArgumentError(
                    f"{name} has strata {sorted(map(str, m))} but frame_size has strata {sorted(map(str, keys))}."
                )
        xs, ns, Ns = {}, {}, {}
        for h in keys:
            xs[h], ns[h] = _check_count_n(count[h], n[h], f"[{h!r}]")
            Ns[h] = check_frame_size(frame_size[h], ns[h], f"[{h!r}]")
        empty = [h for h in keys if ns[h] == 0]
        x_tot, n_tot, N_tot = sum(xs.values()), sum(ns.values()), sum(Ns.values())
        if empty:
            log.warn(
                f"stratum/strata {', '.join(map(repr, empty))} have no respondents; the population share cannot be "
                "estimated (all fields NaN)"
            )
            return ProportionCI(math.nan, math.nan, math.nan, math.nan, x_tot, n_tot, label, confidence, N_tot, None,
                                tuple(log.messages))
        p = sum(Ns[h] / N_tot * xs[h] / ns[h] for h in keys)
        var = 0.0
        for h in keys:
            f = ns[h] / Ns[h]
            if f >= 1:
                continue
            if ns[h] < 2:
                log.warn(f"stratum {h!r} has a single respondent (of {Ns[h]}); its variance cannot be estimated")
                var = math.nan
                continue
            ph = xs[h] / ns[h]
            var += (Ns[h] / N_tot) ** 2 * (1 - f) * ph * (1 - ph) / (ns[h] - 1)
        se = math.sqrt(var) if np.isfinite(var) else math.nan
        df = float(n_tot - len(keys))
        lo, hi = design_interval(p, se, df, n_tot, label, confidence, log)
        return ProportionCI(p, lo, hi, se, x_tot, n_tot, label, confidence, N_tot, df, tuple(log.messages))

    x, m = _check_count_n(count, n)
    N = check_frame_size(frame_size, m) if fpc else None
    if m == 0:
        log.warn("no respondents (n = 0): the share and its interval are NaN")
        return ProportionCI(math.nan, math.nan, math.nan, math.nan, x, m, label, confidence, N,
                            None, tuple(log.messages))
    p = x / m
    if not fpc:
        lo, hi = _binomial_interval(x, m, method, confidence)
        return ProportionCI(p, lo, hi, math.sqrt(p * (1 - p) / m), x, m, label, confidence, None, None,
                            tuple(log.messages))
    N = cast(int, N)  # fpc: checked above
    if m < 2:
        se = 0.0 if m == N else math.nan
        if m < N:
            log.warn(f"a single respondent (of {N}) gives no design-based standard error; interval is NaN")
    else:
        se = math.sqrt((1 - m / N) * p * (1 - p) / (m - 1))
    df = float(m - 1)
    lo, hi = design_interval(p, se, df, m, label, confidence, log) if np.isfinite(se) else (math.nan, math.nan)
    return ProportionCI(p, lo, hi, se, x, m, label, confidence, N, df, tuple(log.messages))
