"""Uncertainty of shares: confidence intervals for proportions.

Three families of intervals:

``"wilson"``, ``"wilson_cc"``, ``"exact"``
    Binomial intervals that treat the respondents as independent draws from an
    infinite population: the Wilson score interval (R ``prop.test(x, n,
    correct = FALSE)``), Wilson with continuity correction (``prop.test(x, n)``)
    and the exact Clopper–Pearson interval (``binom.test``).

``"fpc"`` (= ``"fpc_logit"``), ``"fpc_wald"``, ``"fpc_beta"``
    Design-based intervals for a simple random sample *without replacement*
    from a finite population of ``population`` units (or a stratified one,
    with one population size per stratum), as R ``survey::svyciprop`` computes
    them with ``svydesign(ids = ~1, fpc = ...)``. The survey covers a large
    part of its population (2010: 187 of 430 kommuner), so the finite
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
>>> from samanalyse.uncertainty import proportion_ci
>>> ci = proportion_ci(131, 187, method="fpc", population=430)
>>> round(ci.estimate, 3), round(ci.ci_low, 3), round(ci.ci_high, 3)
(0.701, 0.648, 0.748)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from samanalyse.survey.codebook import Codebook
from samanalyse.survey.answers import collapse_values as _collapsed
from samanalyse.survey.answers import item_scale as _item_scale
from samanalyse.errors import SamanalyseError, SamanalyseWarning, SmallCellWarning

__all__ = [
    "METHODS",
    "ProportionCI",
    "proportion_ci",
    "proportions",
    "PROPORTIONS_COLUMNS",
]

Method = Literal["wilson", "wilson_cc", "exact", "fpc", "fpc_logit", "fpc_wald", "fpc_beta"]

#: Interval methods accepted by :func:`proportion_ci` and :func:`proportions`.
METHODS: tuple[str, ...] = ("wilson", "wilson_cc", "exact", "fpc", "fpc_logit", "fpc_wald", "fpc_beta")
_FPC_METHODS = ("fpc", "fpc_logit", "fpc_wald", "fpc_beta")

#: Fixed columns of the :func:`proportions` table.
PROPORTIONS_COLUMNS: tuple[str, ...] = (
    "group", "category", "count", "n", "share", "se", "ci_low", "ci_high", "method", "confidence", "warnings",
)

#: Label of the single group when ``by`` is None.
ALL_GROUP = "Alle"


# --------------------------------------------------------------------------
# Shared private helpers (also used by samanalyse.indices and .inference)
# --------------------------------------------------------------------------


class _WarningLog:
    """Collect warning messages for a results row *and* emit them as warnings."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def warn(self, message: str, category: type[SamanalyseWarning] = SmallCellWarning, stacklevel: int = 3) -> None:
        if message not in self.messages:
            self.messages.append(message)
            warnings.warn(message, category, stacklevel=stacklevel)

    def extend(self, messages: Iterable[str]) -> None:
        for m in messages:
            if m not in self.messages:
                self.messages.append(m)

    def text(self) -> str:
        return "; ".join(self.messages)


def _check_confidence(confidence: float) -> None:
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number strictly between 0 and 1; got {confidence!r}.")


def _check_method(method: str, allowed: Sequence[str] = METHODS) -> None:
    if method not in allowed:
        raise ValueError(f"Unknown method {method!r}; use one of {', '.join(map(repr, allowed))}.")


def _check_columns(data: pd.DataFrame, columns: Iterable[str | None]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise SamanalyseError(
            f"Column(s) {', '.join(map(repr, missing))} not in data; data has columns {', '.join(map(str, data.columns))}."
        )


def _category_order(values: pd.Series) -> list[Hashable]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(pd.unique(values.dropna()).tolist(), key=lambda v: (str(type(v)), v))


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
    population : int or None
        Population size N (stratified: summed over strata); None for binomial methods.
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
    population: int | None = None
    df: float | None = None
    warnings: tuple[str, ...] = ()


def _check_count_n(count: object, n: object, where: str = "") -> tuple[int, int]:
    for name, v in (("count", count), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float, np.floating)) or not float(v).is_integer():
            raise ValueError(f"{name}{where} must be a whole number; got {v!r}.")
        if v < 0:
            raise ValueError(f"{name}{where} must be >= 0; got {v!r}.")
    c, m = int(count), int(n)  # type: ignore[call-overload]
    if c > m:
        raise ValueError(f"count{where} ({c}) is larger than n{where} ({m}).")
    return c, m


def _check_population(population: object, n: int, where: str = "") -> int:
    if isinstance(population, bool) or not isinstance(population, (int, np.integer, float, np.floating)) or not float(
        population
    ).is_integer():
        raise ValueError(f"population{where} must be a whole number of units; got {population!r}.")
    N = int(population)  # type: ignore[call-overload]
    if N < 1:
        raise ValueError(f"population{where} must be >= 1; got {population!r}.")
    if N < n:
        raise ValueError(f"population{where} ({N}) is smaller than the number of respondents n{where} ({n}).")
    return N


def _binomial_interval(x: int, n: int, method: str, confidence: float) -> tuple[float, float]:
    alpha = 1 - confidence
    p = x / n
    z = stats.norm.ppf(1 - alpha / 2)
    if method == "exact":
        lo = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
        hi = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
        return lo, hi
    # Wilson score interval written as R's prop.test does (correct = FALSE: yates = 0).
    yates = min(0.5, abs(x - n * 0.5)) if method == "wilson_cc" else 0.0
    z22n = z**2 / (2 * n)
    pc = p + yates / n
    hi = 1.0 if pc >= 1 else (pc + z22n + z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n)
    pc = p - yates / n
    lo = 0.0 if pc <= 0 else (pc + z22n - z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (1 + 2 * z22n)
    return float(max(0.0, lo)), float(min(1.0, hi))


def _design_interval(
    p: float, se: float, df: float, n: int, method: str, confidence: float, log: _WarningLog
) -> tuple[float, float]:
    """Interval from a design-based estimate, as survey::svyciprop computes it."""
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
    t = stats.t.ppf(1 - alpha / 2, df)
    if method == "fpc_wald":
        return float(p - t * se), float(p + t * se)
    if method == "fpc_logit":
        eta = math.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        return 1 / (1 + math.exp(-(eta - half))), 1 / (1 + math.exp(-(eta + half)))
    # fpc_beta: Korn & Graubard (1998) with survey's degrees-of-freedom adjustment
    n_eff = p * (1 - p) / se**2
    if n > 1:
        n_eff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    lo = float(stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1))
    hi = float(stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))
    return lo, hi


def _domain_estimate(
    y: np.ndarray, z: np.ndarray, strata: np.ndarray, sizes: Mapping[Hashable, int], log: _WarningLog
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
    population: int | Mapping[Hashable, int] | None = None,
) -> ProportionCI:
    """Confidence interval for a share.

    Parameters
    ----------
    count : int or mapping
        Number of respondents with the property. A mapping ``{stratum: count}``
        asks for the stratified design-based estimate (only with the ``fpc``
        methods; ``n`` and ``population`` must then be mappings with the same keys).
    n : int or mapping
        Number of respondents (the denominator); mapping ``{stratum: n_h}`` when stratified.
    method : {"wilson", "wilson_cc", "exact", "fpc", "fpc_logit", "fpc_wald", "fpc_beta"}
        ``"wilson"``: Wilson score interval, as R ``prop.test(count, n, correct = FALSE)``
        and statsmodels ``proportion_confint(method="wilson")``.
        ``"wilson_cc"``: Wilson with continuity correction, as R ``prop.test(count, n)``
        (the correction is ``min(0.5, |count - n/2|)``, R's rule).
        ``"exact"``: Clopper–Pearson, as R ``binom.test``.
        ``"fpc"`` / ``"fpc_logit"``, ``"fpc_wald"``, ``"fpc_beta"``: design-based
        intervals for sampling without replacement from ``population`` units, as
        ``survey::svyciprop(method = "logit" | "mean" | "beta")``; see the module docs.
    confidence : float
        Confidence level, strictly between 0 and 1.
    population : int or mapping or None
        Population size N (required for, and only used by, the ``fpc`` methods);
        ``{stratum: N_h}`` when stratified (e.g. kommuner per RHF).

    Returns
    -------
    ProportionCI

    Raises
    ------
    ValueError
        For counts that are not whole numbers, ``count > n``, ``population < n``,
        an unknown method, or a population given to a binomial method.

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
    _check_method(method)
    _check_confidence(confidence)
    log = _WarningLog()
    stratified = isinstance(count, Mapping) or isinstance(n, Mapping) or isinstance(population, Mapping)
    fpc = method in _FPC_METHODS
    label = "fpc_logit" if method == "fpc" else method
    if not fpc and population is not None:
        raise ValueError(
            f"population={population!r} is only used by the design-based methods {', '.join(_FPC_METHODS)}; "
            f"method {method!r} ignores it. Drop population or choose method='fpc'."
        )
    if fpc and population is None:
        raise ValueError(f"method {method!r} needs the population size: pass population=N (e.g. 430 kommuner).")

    if stratified:
        if not fpc:
            raise ValueError(f"Stratified counts need a design-based method ({', '.join(_FPC_METHODS)}); got {method!r}.")
        if not (isinstance(count, Mapping) and isinstance(n, Mapping) and isinstance(population, Mapping)):
            raise ValueError("For a stratified interval count, n and population must all be mappings {stratum: value}.")
        keys = list(population)
        for name, m in (("count", count), ("n", n)):
            if set(m) != set(keys):
                raise ValueError(
                    f"{name} has strata {sorted(map(str, m))} but population has strata {sorted(map(str, keys))}."
                )
        xs, ns, Ns = {}, {}, {}
        for h in keys:
            xs[h], ns[h] = _check_count_n(count[h], n[h], f"[{h!r}]")
            Ns[h] = _check_population(population[h], ns[h], f"[{h!r}]")
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
        lo, hi = _design_interval(p, se, df, n_tot, label, confidence, log)
        return ProportionCI(p, lo, hi, se, x_tot, n_tot, label, confidence, N_tot, df, tuple(log.messages))

    x, m = _check_count_n(count, n)
    N = _check_population(population, m) if fpc else None
    if m == 0:
        log.warn("no respondents (n = 0): the share and its interval are NaN")
        return ProportionCI(math.nan, math.nan, math.nan, math.nan, x, m, label, confidence, N,
                            None, tuple(log.messages))
    p = x / m
    if not fpc:
        lo, hi = _binomial_interval(x, m, method, confidence)
        return ProportionCI(p, lo, hi, math.sqrt(p * (1 - p) / m), x, m, label, confidence, None, None,
                            tuple(log.messages))
    assert N is not None  # for type checkers; guaranteed above
    if m < 2:
        se = 0.0 if m == N else math.nan
        if m < N:
            log.warn(f"a single respondent (of {N}) gives no design-based standard error; interval is NaN")
    else:
        se = math.sqrt((1 - m / N) * p * (1 - p) / (m - 1))
    df = float(m - 1)
    lo, hi = _design_interval(p, se, df, m, label, confidence, log) if np.isfinite(se) else (math.nan, math.nan)
    return ProportionCI(p, lo, hi, se, x, m, label, confidence, N, df, tuple(log.messages))


# --------------------------------------------------------------------------
# proportions (tidy table from respondent-level data)
# --------------------------------------------------------------------------


def _check_labels(requested: Sequence[Hashable], available: Sequence[Hashable], what: str, column: str) -> None:
    bad = [c for c in requested if c not in available]
    if bad:
        raise SamanalyseError(
            f"{what} {', '.join(map(repr, bad))} not found in {column!r}; available: {', '.join(map(repr, available))}."
        )


def proportions(
    data: pd.DataFrame,
    item: str,
    *,
    by: str | None = None,
    population: int | Mapping[Hashable, int] | None = None,
    strata: str | None = None,
    categories: Sequence[Hashable] | None = None,
    exclude: Sequence[Hashable] = (),
    collapse: str | None = None,
    codebook: Codebook | None = None,
    method: Method = "wilson",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Shares of an item's answer categories, overall or by group, with intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data, one row per respondent.
    item : str
        Column to tabulate (e.g. ``"q14"``).
    by : str or None
        Grouping column (e.g. ``"size_class"``, ``"rhf"``). Respondents with a
        missing group are left out. Every category of a Categorical ``by``
        gets rows, also one with no respondents (NaN shares, with a warning).
    population : int or mapping or None
        For the ``fpc`` methods: N (SRS without replacement from N units) or
        ``{stratum: N_h}`` (stratified SRS; strata are the ``strata`` column,
        or the ``by`` column if ``strata`` is None). With ``by``, each group is
        a *domain* of the design and its share and standard error are estimated
        by linearisation of the domain ratio (as ``survey::svyby``); the degrees
        of freedom are respondents in the group minus strata represented in it.
    strata : str or None
        Column with the stratum of each respondent (e.g. ``"rhf"``).
    categories : sequence or None
        Categories to report (default: all categories of the item, after ``collapse``,
        in the codebook's order, without those in ``exclude``).
    exclude : sequence
        Answer categories left out of both numerator and denominator, e.g.
        ``["Vet ikke/ikke aktuelt"]`` for shares of substantive answers. By
        default the denominator is every respondent who answered the item.
    collapse : str or None
        Name of a collapse rule of the item's scale (e.g. ``"godt_darlig"``);
        needs ``codebook``.
    codebook : Codebook or None
        Needed for ``collapse``.
    method : str
        See :func:`proportion_ci`.
    confidence : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per group and category, columns ``group, category, count, n,
        share, se, ci_low, ci_high, method, confidence, warnings``
        (:data:`PROPORTIONS_COLUMNS`). ``group`` is ``"Alle"`` when ``by`` is
        None. ``count`` and ``n`` are unweighted respondent counts; ``share``
        is the design-weighted share for stratified designs.

    Raises
    ------
    SamanalyseError
        If a column is missing, a category in ``categories``/``exclude`` does
        not occur, or a stratum has no population size.
    ValueError
        For a bad ``method``/``confidence``/``population`` combination.
    """
    _check_method(method)
    _check_confidence(confidence)
    _check_columns(data, [item, by, strata])
    fpc = method in _FPC_METHODS
    if not fpc and population is not None:
        raise ValueError(f"population is only used by the design-based methods {', '.join(_FPC_METHODS)}; got method {method!r}.")
    if fpc and population is None:
        raise ValueError(f"method {method!r} needs population=N or population={{stratum: N_h}}.")
    if strata is not None and not isinstance(population, Mapping):
        raise ValueError(f"strata={strata!r} needs population as a mapping {{stratum: N_h}}; got {population!r}.")
    if isinstance(population, Mapping) and strata is None:
        if by is None:
            raise ValueError("population given per stratum, but neither strata nor by names the stratum column.")
        strata = by

    values = data[item]
    if collapse is not None:
        values = _collapsed(values, _item_scale(codebook, item), collapse, item)
    order = _category_order(values)
    _check_labels(list(exclude), order, "Excluded categor(y/ies)", item)
    order = [c for c in order if c not in set(exclude)]
    if categories is not None:
        _check_labels(list(categories), order, "Categor(y/ies)", item)
        order = list(categories)
    valid = values.notna() & ~values.isin(list(exclude))

    label = "fpc_logit" if method == "fpc" else method
    if by is None:
        group_col = pd.Series(ALL_GROUP, index=data.index)
        groups: list[Hashable] = [ALL_GROUP]
    else:
        group_col = data[by]
        groups = _category_order(group_col)
    in_design = group_col.notna() if (by is not None and not fpc) else pd.Series(True, index=data.index)

    # Design set-up (fpc): strata and their population sizes.
    if fpc:
        if isinstance(population, Mapping):
            assert strata is not None
            st = data[strata]
            if st.isna().any():
                raise SamanalyseError(
                    f"{int(st.isna().sum())} respondent(s) have no stratum in column {strata!r}; "
                    "every respondent of a stratified design needs one."
                )
            st_keys = pd.unique(st)
            missing = [h for h in st_keys if h not in population]
            if missing:
                raise SamanalyseError(
                    f"No population size for stratum/strata {', '.join(map(repr, missing))} of {strata!r}; "
                    f"population has {', '.join(map(repr, population))}."
                )
            sizes = {h: int(population[h]) for h in st_keys}
            for h in st_keys:
                _check_population(population[h], int((st == h).sum()), f"[{h!r}]")
            strata_arr = st.to_numpy(dtype=object)
        else:
            N = _check_population(population, len(data))
            sizes = {0: N}
            strata_arr = np.zeros(len(data), dtype=object)

    rows = []
    for g in groups:
        in_g = (group_col == g).fillna(False).to_numpy(dtype=bool) & in_design.to_numpy(dtype=bool)
        dom = in_g & valid.to_numpy(dtype=bool)
        n_g = int(dom.sum())
        for cat in order:
            log = _WarningLog()
            y = (values == cat).fillna(False).to_numpy(dtype=bool)
            cnt = int((y & dom).sum())
            if n_g == 0:
                what = f"group {g!r} of {by!r}" if by is not None else f"item {item!r}"
                log.warn(f"{what} has no respondents with an answer to {item!r}; shares are NaN")
                share = se = lo = hi = math.nan
            elif not fpc:
                ci = proportion_ci(cnt, n_g, method=method, confidence=confidence)
                share, se, lo, hi = ci.estimate, ci.se, ci.ci_low, ci.ci_high
                log.extend(ci.warnings)
            else:
                share, se, df = _domain_estimate(y.astype(float), dom.astype(float), strata_arr, sizes, log)
                lo, hi = _design_interval(share, se, df, n_g, label, confidence, log)
            rows.append(
                {
                    "group": g, "category": cat, "count": cnt, "n": n_g, "share": share, "se": se,
                    "ci_low": lo, "ci_high": hi, "method": label, "confidence": confidence, "warnings": log.text(),
                }
            )
    out = pd.DataFrame(rows, columns=list(PROPORTIONS_COLUMNS))
    out["count"] = out["count"].astype("int64")
    out["n"] = out["n"].astype("int64")
    return out
