"""Tests on contingency tables and grouped scores, with effect sizes.

Generic statistics on arrays (no survey knowledge): Pearson's chi-square with
an asymptotic, Monte Carlo or exact p (R ``chisq.test``, ``fisher.test``),
Fisher's exact test with the conditional odds ratio, Cramér's V with a
noncentral chi-square interval, the Kruskal–Wallis rank test and the
Cochran–Armitage / linear-by-linear trend tests. Each test returns a
:class:`HypothesisTest`; the codebook-aware wrappers in
:mod:`samanalyse.analysis.tests` turn respondent data into the tables and
scores these functions take.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats
from scipy.special import chdtr, chndtr, gammaln

from samanalyse.errors import ArgumentError
from samanalyse.stats._checks import WarningLog, check_level, check_seed, check_whole

__all__ = [
    "P_VALUES",
    "HypothesisTest",
    "PValue",
    "chi_square_test",
    "cramers_v_ci",
    "exact_p",
    "expected_counts",
    "fisher_test",
    "kruskal_wallis_test",
    "monte_carlo_p",
    "pearson_statistic",
    "trend_statistic",
]

PValue = Literal["auto", "asymptotic", "monte_carlo", "exact"]
#: Ways of computing the chi-square p-value.
P_VALUES: tuple[str, ...] = ("auto", "asymptotic", "monte_carlo", "exact")

_EXACT_LIMIT = 2_000_000  # largest number of tables enumerated for an exact p-value


@dataclass(frozen=True)
class HypothesisTest:
    """One test: statistic, degrees of freedom, p, effect with interval, and how it was computed."""

    statistic: float = math.nan
    df: float = math.nan
    p: float = math.nan
    effect: float = math.nan
    effect_name: str = ""
    ci_low: float = math.nan
    ci_high: float = math.nan
    method: str = ""
    warnings: tuple[str, ...] = ()


def expected_counts(table: np.ndarray) -> np.ndarray:
    """Expected counts under independence, ``outer(row sums, column sums) / n``."""
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()


def pearson_statistic(table: np.ndarray, correct: bool = False) -> float:
    """Pearson's X2 (with R ``chisq.test``'s Yates correction for a 2×2 table if ``correct``)."""
    E = expected_counts(table)
    d = np.abs(table - E)
    if correct and table.shape == (2, 2):
        d = d - np.minimum(0.5, d)
    return float(np.sum(d**2 / E))


def monte_carlo_p(table: np.ndarray, n_sim: int, seed: int) -> float:
    """Monte Carlo p of Pearson's X2 with both margins fixed (R ``simulate.p.value``).

    Tables are drawn by permuting the column labels against the row labels
    (uniform over arrangements, i.e. the multiple hypergeometric distribution
    R's ``r2dtable`` draws from); ``p = (1 + #{X2_sim >= X2_obs}) / (n_sim + 1)``
    with R's tolerance ``X2_sim >= (1 - 64 eps) X2_obs``.
    """
    r, c = table.shape
    rows = np.repeat(np.arange(r), table.sum(axis=1))
    cols = np.repeat(np.arange(c), table.sum(axis=0))
    E = expected_counts(table)
    obs = pearson_statistic(table)
    rng = np.random.default_rng(seed)
    hits = 0
    chunk = 1000
    done = 0
    while done < n_sim:
        m = min(chunk, n_sim - done)
        perm = np.argsort(rng.random((m, cols.size)), axis=1)
        cells = rows[None, :] * c + cols[perm]
        counts = np.zeros((m, r * c))
        np.add.at(counts, (np.repeat(np.arange(m), cols.size), cells.ravel()), 1)
        x2 = np.sum((counts - E.ravel()) ** 2 / E.ravel(), axis=1)
        hits += int(np.sum(x2 >= obs * (1 - 64 * np.finfo(float).eps)))
        done += m
    return (1 + hits) / (n_sim + 1)


def _logc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)


def exact_p(table: np.ndarray) -> float | None:
    """Fisher–Freeman–Halton exact p for an r×2 (or 2×c) table, or None if too large.

    Enumerates every table with the observed margins; p is the total
    probability of tables no more probable than the observed one (relative
    tolerance 1e-7, as R ``fisher.test``).

    The tables are the first-column vectors, built row by row: row ``i`` takes
    each count ``x`` that keeps the partial sum within reach of the column
    total (only those are generated, in the order of the full product; or the
    product is formed and filtered when most of it is reachable), and its log
    binomial coefficient is looked up in a table of the row's ``log C(m_i, x)``;
    the probabilities are exponentiated only for the tables that count. The
    values (and their order in the final sum) are those of forming every
    product and filtering it.
    """
    t = table if table.shape[1] == 2 else table.T
    if t.shape[1] != 2:
        return None
    m = t.sum(axis=1)
    c1 = int(t[:, 0].sum())
    n = int(m.sum())
    if np.prod(m[:-1] + 1.0) > _EXACT_LIMIT:
        return None
    log_total = _logc(np.array(float(n)), np.array(float(c1)))
    bound = float(np.sum(_logc(m.astype(float), t[:, 0].astype(float))) - log_total) + np.log1p(1e-7)
    lc_last = _logc(np.full(m[-1] + 1, m[-1], dtype=float), np.arange(m[-1] + 1, dtype=float))
    sums = np.zeros(1, dtype=np.int64)
    logp = np.zeros(1)
    rest = np.concatenate([np.cumsum(m[::-1])[::-1][1:], [0]])  # capacity of the rows after i
    for i in range(len(m) - 1):
        x = np.arange(m[i] + 1)
        lc = _logc(np.full_like(x, m[i], dtype=float), x.astype(float))
        lo = np.maximum(0, c1 - rest[i] - sums)          # the counts x with s + x <= c1 and s + x + rest >= c1
        hi = np.minimum(m[i], c1 - sums)
        k = np.maximum(hi - lo + 1, 0)
        dense = k.sum() * 3 > len(sums) * len(x)         # most of the product is reachable: form it and filter
        if dense and i == len(m) - 2:
            return _last_rows_grid(sums, logp, lc, lc_last, c1, log_total, bound)
        if dense:
            s = sums[:, None] + x
            ok = (s <= c1) & (s >= c1 - rest[i])
            sums, logp = s[ok], np.add(logp[:, None], lc)[ok]
        else:                                            # generate only the reachable counts, in the same order
            row = np.repeat(np.arange(len(sums)), k)
            xs = lo[row] + (np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))
            sums, logp = sums[row] + xs, logp[row] + lc[xs]
    lp = logp + lc_last[c1 - sums]
    lp -= log_total
    return min(1.0, float(np.sum(np.exp(lp[lp <= bound]))))


def _last_rows_grid(sums: np.ndarray, logp: np.ndarray, lc: np.ndarray, lc_last: np.ndarray, c1: int,
                    log_total: np.ndarray, bound: float) -> float:
    """:func:`exact_p`'s last two rows at once, as a grid (partial table × count of the next-to-last row).

    The last row's count is ``c1 - s - x`` (a table where it is within 0..m_last); the log probability
    is summed in the same order as row by row, and the tables counted are taken in the same order.
    """
    last = (c1 - sums)[:, None] - np.arange(len(lc))
    lp = np.add(logp[:, None], lc)
    lp += np.take(lc_last, last, mode="clip")
    lp -= log_total
    counted = (last >= 0) & (last < len(lc_last)) & (lp <= bound)
    return min(1.0, float(np.sum(np.exp(lp[counted]))))


def _chi2_cdf(x: float, df: float, lam: float) -> float:
    """``stats.ncx2.cdf(x, df, lam)`` (``lam > 0``), else ``stats.chi2.cdf(x, df)``, without the wrappers' checks.

    The special functions those distributions evaluate for an ``x`` inside the support
    (``chndtr(x, df, lam)``, ``chdtr(df, x)``), and 0 at and below 0 as they give; the same values.
    """
    if not x > 0:
        return 0.0
    return float(chndtr(x, df, lam)) if lam > 0 else float(chdtr(df, x))


def _ncp_bound(x2: float, df: float, target: float) -> float:
    """lambda with P(X2' <= x2; df, lambda) = target (0 if even lambda = 0 is too large)."""
    f = lambda lam: _chi2_cdf(x2, df, lam) - target
    if f(0.0) <= 0:
        return 0.0
    hi = max(10.0, 2 * x2)
    while f(hi) > 0:
        hi *= 2
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-12))


def cramers_v_ci(x2: float, n: int, shape: tuple[int, int], confidence: float = 0.95) -> tuple[float, float, float]:
    """Cramér's V from an uncorrected X2 with a noncentral chi-square interval.

    ``V = sqrt(X2 / (n (min(r, c) - 1)))``. Interval: the noncentrality
    parameters ``lambda_low``, ``lambda_high`` with ``P(X2'_df(lambda_low) <= X2) = 1 - a/2``
    and ``P(X2'_df(lambda_high) <= X2) = a/2`` (bounded below by 0), converted as
    ``sqrt(lambda / (n (min(r, c) - 1)))`` (Smithson 2003; R
    ``effectsize::cramers_v`` with a two-sided interval).

    Returns
    -------
    tuple of float
        ``(v, ci_low, ci_high)``.
    """
    check_level(confidence)
    k = min(shape) - 1
    v = math.sqrt(x2 / (n * k))
    a = 1 - confidence
    df = (shape[0] - 1) * (shape[1] - 1)
    lo = _ncp_bound(x2, df, 1 - a / 2)
    hi = _ncp_bound(x2, df, a / 2)
    return v, min(1.0, math.sqrt(lo / (n * k))), min(1.0, math.sqrt(hi / (n * k)))


def _check_table(table: np.ndarray) -> np.ndarray:
    t = np.asarray(table)
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 2:
        raise ArgumentError(f"A contingency table needs at least 2 rows and 2 columns; got shape {t.shape}.")
    if np.any(t < 0) or np.any(t.sum(axis=0) == 0) or np.any(t.sum(axis=1) == 0):
        raise ArgumentError("A contingency table needs non-negative counts and no empty row or column.")
    return t.astype(np.int64)


def chi_square_test(
    table: np.ndarray, *, p_value: PValue = "auto", correct: bool = False, n_sim: int = 10000, seed: int,
    confidence: float = 0.95, where: str = "",
) -> HypothesisTest:
    """Pearson chi-square test of independence on a contingency table, with Cramér's V.

    Parameters
    ----------
    table : numpy.ndarray
        Counts, at least 2×2, no empty row or column.
    p_value : {"auto", "asymptotic", "monte_carlo", "exact"}
        ``"asymptotic"``: chi-square distribution (R ``chisq.test``).
        ``"monte_carlo"``: ``n_sim`` tables with fixed margins, ``seed``
        (R ``chisq.test(simulate.p.value = TRUE)``).
        ``"exact"``: Fisher–Freeman–Halton exact p (R ``fisher.test``), by
        enumeration for 2×c and r×2 tables; Monte Carlo (with a warning) for larger ones.
        ``"auto"``: asymptotic if every expected count is at least 5, else exact
        (or Monte Carlo), with a :class:`~samanalyse.errors.SmallCellWarning`.
    correct : bool
        Yates continuity correction for 2×2 tables (R's ``correct = TRUE``);
        Cramér's V always uses the uncorrected statistic.
    n_sim, seed : int
        Monte Carlo tables and the seed of ``numpy.random.default_rng``.
    confidence : float
        Level of the Cramér's V interval (:func:`cramers_v_ci`).
    where : str
        Text naming the variables in warnings (e.g. ``" for 'x' by 'g'"``).

    Returns
    -------
    HypothesisTest
        ``effect_name = "cramers_v"``; ``method`` says how p was computed.
    """
    check_level(confidence)
    check_seed(seed)
    check_whole(n_sim, "n_sim", 1)
    if p_value not in P_VALUES:
        raise ArgumentError(f"p_value must be 'auto', 'asymptotic', 'monte_carlo' or 'exact'; got {p_value!r}.")
    table = _check_table(table)
    log = WarningLog()
    is22 = table.shape == (2, 2)
    x2 = pearson_statistic(table, correct=correct and is22)
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    E = expected_counts(table)
    small = int(np.sum(E < 5))
    how = p_value
    if p_value == "auto":
        how = "asymptotic"
        if small:
            how = "exact"
            log.warn(f"{small} of {E.size} expected counts are below 5 (smallest {E.min():.2f}){where}; "
                     "the p-value is exact (or Monte Carlo) instead of asymptotic", stacklevel=4)
    name = "Pearson chi-square" + (" with Yates correction" if correct and is22 else "")
    if how == "asymptotic":
        p = float(stats.chi2.sf(x2, df))
        method = f"{name}; asymptotic p (chi-square, df {df})"
        if small and p_value == "asymptotic":
            log.warn(f"{small} of {E.size} expected counts are below 5 (smallest {E.min():.2f}); "
                     "the asymptotic p may be inaccurate", stacklevel=4)
    elif how == "exact":
        pe = exact_p(table)
        if pe is None:
            p = monte_carlo_p(table, n_sim, seed)
            method = (f"{name}; Monte Carlo p ({n_sim} tables with fixed margins, seed {seed}) -- "
                      "table too large for exact enumeration")
            if p_value == "exact":
                log.warn(f"a {table.shape[0]}x{table.shape[1]} table is too large for exact enumeration; "
                         "Monte Carlo p used", stacklevel=4)
        else:
            p = pe
            method = f"{name}; exact conditional p (Fisher-Freeman-Halton, tables ordered by probability)"
    else:
        p = monte_carlo_p(table, n_sim, seed)
        method = f"{name}; Monte Carlo p ({n_sim} tables with fixed margins, seed {seed})"
    v, lo, hi = cramers_v_ci(pearson_statistic(table), int(table.sum()), table.shape, confidence)
    method += f"; Cramer's V with {confidence:.0%} noncentral chi-square interval"
    return HypothesisTest(x2, df, p, v, "cramers_v", lo, hi, method, tuple(log.messages))


def fisher_test(
    table: np.ndarray, *, n_sim: int = 10000, seed: int, confidence: float = 0.95,
    rows: Sequence[Hashable] | None = None, cols: Sequence[Hashable] | None = None,
) -> HypothesisTest:
    """Fisher's exact test on a contingency table.

    For a 2×2 table (scipy ``fisher_exact``, two-sided, as R ``fisher.test``):
    ``effect`` is the conditional maximum likelihood odds ratio with its exact
    conditional interval (R ``fisher.test``'s estimate and ``conf.int``;
    scipy ``contingency.odds_ratio(kind="conditional")``): the odds of the
    first column in the first vs the second row. Larger tables:
    Fisher–Freeman–Halton p by enumeration (r×2, 2×c) or Monte Carlo, with
    Cramér's V as effect. ``rows``/``cols`` label the table in ``method``.
    """
    check_level(confidence)
    check_seed(seed)
    check_whole(n_sim, "n_sim", 1)
    table = _check_table(table)
    rows = list(rows) if rows is not None else list(range(table.shape[0]))
    cols = list(cols) if cols is not None else list(range(table.shape[1]))
    log = WarningLog()
    if table.shape == (2, 2):
        p = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
        orr = stats.contingency.odds_ratio(table, kind="conditional")
        ci = orr.confidence_interval(confidence_level=confidence)
        method = (
            f"Fisher's exact test (two-sided); conditional MLE odds ratio of {cols[0]!r} for {rows[0]!r} vs "
            f"{rows[1]!r} with exact {confidence:.0%} interval"
        )
        return HypothesisTest(math.nan, math.nan, p, float(orr.statistic), "odds_ratio", float(ci.low),
                             float(ci.high), method)
    pe = exact_p(table)
    if pe is None:
        p = monte_carlo_p(table, n_sim, seed)  # X2-ordered; see method text
        method = ("Fisher-Freeman-Halton test: table too large to enumerate, Monte Carlo chi-square p "
                  f"({n_sim} tables, seed {seed})")
        log.warn(f"a {table.shape[0]}x{table.shape[1]} table is too large for exact enumeration; Monte Carlo p used",
                 stacklevel=4)
    else:
        p = pe
        method = "Fisher-Freeman-Halton exact test (tables ordered by probability)"
    v, lo, hi = cramers_v_ci(pearson_statistic(table), int(table.sum()), table.shape, confidence)
    return HypothesisTest(math.nan, math.nan, p, v, "cramers_v", lo, hi,
                         method + "; Cramer's V with noncentral chi-square interval", tuple(log.messages))


def kruskal_wallis_test(samples: Sequence[np.ndarray]) -> HypothesisTest:
    """Kruskal–Wallis rank test of two or more samples (R ``kruskal.test``, scipy ``kruskal``).

    Midranks for ties and the tie-corrected statistic, chi-square p with
    ``k - 1`` df. Effect: epsilon-squared ``E2 = H / (n - 1)`` (Tomczak &
    Tomczak 2014; no interval). The samples must not all be equal.
    """
    samples = [np.asarray(s, dtype=float) for s in samples if len(s)]
    if len(samples) < 2:
        raise ArgumentError(f"The Kruskal-Wallis test needs at least two non-empty samples; got {len(samples)}.")
    n = int(sum(len(s) for s in samples))
    res = stats.kruskal(*samples)
    h = float(res.statistic)
    return HypothesisTest(h, len(samples) - 1, float(res.pvalue), h / (n - 1), "epsilon_squared", method=(
        "Kruskal-Wallis rank sum test (tie-corrected); effect epsilon-squared H/(n-1)"))


def trend_statistic(y: np.ndarray, s: np.ndarray, *, binary: bool, confidence: float = 0.95) -> HypothesisTest:
    """Test for a linear trend of outcome scores ``y`` over group scores ``s``.

    ``binary`` (y in {0, 1}): the Cochran–Armitage chi-square test for trend
    exactly as R ``prop.trend.test(x, n, score)`` computes it,
    ``X2 = [sum x_i s_i - p sum n_i s_i]^2 / (p (1 - p) [sum n_i s_i^2 - (sum n_i s_i)^2 / N])``
    (no ``N/(N-1)`` factor), df 1. Otherwise the linear-by-linear association
    test ``M2 = (N - 1) r^2``, df 1 (Agresti 2013, §3.4), r the Pearson
    correlation of ``y`` and ``s``. Effect: r with a Fisher-z interval
    ``tanh(atanh r -/+ z / sqrt(N - 3))``. Neither ``y`` nor ``s`` may be constant.
    """
    check_level(confidence)
    yy, ss = np.asarray(y, dtype=float), np.asarray(s, dtype=float)
    n = yy.size
    method = (
        "Cochran-Armitage chi-square test for trend (R prop.trend.test)" if binary
        else "linear-by-linear association test M2 = (N-1) r^2"
    ) + "; effect Pearson r of scores with Fisher-z interval"
    r = float(np.corrcoef(yy, ss)[0, 1])
    if binary:
        p_bar = yy.mean()
        num = (np.sum(yy * ss) - p_bar * np.sum(ss)) ** 2
        den = p_bar * (1 - p_bar) * (np.sum(ss**2) - np.sum(ss) ** 2 / n)
        stat = float(num / den)
    else:
        stat = (n - 1) * r**2
    p = float(stats.chi2.sf(stat, 1))
    if n > 3 and abs(r) < 1:
        z = stats.norm.ppf(1 - (1 - confidence) / 2)
        lo, hi = math.tanh(math.atanh(r) - z / math.sqrt(n - 3)), math.tanh(math.atanh(r) + z / math.sqrt(n - 3))
    else:
        lo = hi = math.nan
    return HypothesisTest(stat, 1, p, r, "r", lo, hi, method)
