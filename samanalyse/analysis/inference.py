"""Tests of satisfaction items and indices against background variables.

Every test returns the same tidy table (:data:`RESULT_COLUMNS`), one row per
test, so results of different tests can be stacked with :func:`pandas.concat`
and adjusted together with :func:`adjust_pvalues`:

``test, outcome, predictor, n, statistic, df, p, p_adjusted, effect,
effect_name, ci_low, ci_high, method, warnings``

``p_adjusted`` is NaN until :func:`adjust_pvalues` fills it. ``warnings``
holds the text of every warning raised for the row (each is also emitted as a
:class:`~samanalyse.errors.SamanalyseWarning` subclass); empty if none.

Tests
-----
:func:`chi_square`
    Pearson chi-square test of independence with Cramér's V; p-value
    asymptotic, Monte Carlo (fixed seed) or exact (Fisher–Freeman–Halton),
    chosen automatically when expected counts are small.
:func:`fisher_exact`
    Fisher's exact test; for 2×2 tables with the conditional maximum
    likelihood odds ratio and its exact interval (as R ``fisher.test``).
:func:`kruskal_wallis`
    Kruskal–Wallis rank test with epsilon-squared.
:func:`trend_test`
    Cochran–Armitage test for trend (binary outcome; R ``prop.trend.test``) or
    the linear-by-linear association test (ordinal outcome), for ordered groups.
:func:`ordinal_regression`
    Proportional-odds logistic regression on several background variables
    jointly (statsmodels ``OrderedModel``; same parameterisation as R
    ``MASS::polr``), Wald tests per term and likelihood-ratio tests per variable.

Named analyses reproducing the study's claims: :func:`satisfaction_by_background`
(avsnitt 2.4) and :func:`forankring_and_samhandling` (avsnitt 3.1–3.2, Tabell 56–57).

Outcomes and predictors are columns of the respondent-level data, or names of
codebook indices (e.g. ``"kvalitet_pasientforlop"``): categorical tests then use
the index's class (Dårlig/Godt), rank and trend tests its score.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import gammaln

from samanalyse.survey.codebook import Codebook
from samanalyse.errors import ConvergenceWarning, SamanalyseError
from samanalyse.analysis.indices import Scoring, index_crosstab, index_scores, item_scores
from samanalyse.stats.proportions import _category_order, _check_confidence, _WarningLog
from samanalyse.survey.answers import collapse_values as _collapsed
from samanalyse.survey.answers import item_scale as _item_scale

__all__ = [
    "RESULT_COLUMNS",
    "ADJUST_METHODS",
    "chi_square",
    "fisher_exact",
    "kruskal_wallis",
    "trend_test",
    "ordinal_regression",
    "cramers_v",
    "adjust_pvalues",
    "AnalysisResult",
    "satisfaction_by_background",
    "forankring_and_samhandling",
]

#: Fixed columns of every results table.
RESULT_COLUMNS: tuple[str, ...] = (
    "test", "outcome", "predictor", "n", "statistic", "df", "p", "p_adjusted",
    "effect", "effect_name", "ci_low", "ci_high", "method", "warnings",
)

#: Methods of :func:`adjust_pvalues` (R ``p.adjust`` names in brackets).
ADJUST_METHODS: tuple[str, ...] = ("holm", "bh", "bonferroni", "hochberg", "by", "none")

PValue = Literal["auto", "asymptotic", "monte_carlo", "exact"]

DEFAULT_SEED = 20100401
_EXACT_LIMIT = 2_000_000  # largest number of tables enumerated for an exact p-value


# --------------------------------------------------------------------------
# Helpers: rows, values, tables
# --------------------------------------------------------------------------


def _row(test: str, outcome: str, predictor: str, n: int, *, statistic: float = math.nan, df: float = math.nan,
         p: float = math.nan, effect: float = math.nan, effect_name: str = "", ci_low: float = math.nan,
         ci_high: float = math.nan, method: str = "", log: _WarningLog | None = None) -> dict[str, object]:
    return {
        "test": test, "outcome": outcome, "predictor": predictor, "n": int(n), "statistic": float(statistic),
        "df": float(df), "p": float(p), "p_adjusted": math.nan, "effect": float(effect), "effect_name": effect_name,
        "ci_low": float(ci_low), "ci_high": float(ci_high), "method": method,
        "warnings": log.text() if log is not None else "",
    }


def _frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=list(RESULT_COLUMNS))
    out["n"] = out["n"].astype("int64")
    for c in ("statistic", "df", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        out[c] = out[c].astype(float)
    return out


def _is_index(name: str, data: pd.DataFrame, codebook: Codebook | None) -> bool:
    return name not in data.columns and codebook is not None and name in codebook.indices


def _check_names(data: pd.DataFrame, names: Sequence[str], codebook: Codebook | None) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    bad = [n for n in names if n not in data.columns and not _is_index(n, data, codebook)]
    if bad:
        extra = f" or indices of the codebook ({', '.join(codebook.indices)})" if codebook is not None else ""
        raise SamanalyseError(
            f"{', '.join(map(repr, bad))} is neither a column of data{extra}; "
            f"data has columns {', '.join(map(str, data.columns))}."
        )


def _categorical(
    data: pd.DataFrame, name: str, codebook: Codebook | None, collapse: str | None = None, exclude: Sequence[Hashable] = ()
) -> pd.Series:
    """Values of a column (optionally collapsed) or an index's class, excluded categories set to NA."""
    if _is_index(name, data, codebook):
        assert codebook is not None
        values = index_scores(data, name, codebook=codebook)["class"]
    else:
        values = data[name]
        if collapse is not None:
            values = _collapsed(values, _item_scale(codebook, name), collapse, name)
    if exclude:
        order = _category_order(values)
        bad = [e for e in exclude if e not in order]
        if bad:
            raise SamanalyseError(
                f"Excluded categor(y/ies) {', '.join(map(repr, bad))} not found in {name!r}; it has {order!r}."
            )
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.cat.remove_categories([e for e in exclude])
        else:
            values = values.where(~values.isin(list(exclude)))
    return values


def _numeric(
    data: pd.DataFrame, name: str, codebook: Codebook | None, scoring: Scoring | None = None,
) -> pd.Series:
    """Numeric values of a column (by ``scoring``) or an index's score."""
    if _is_index(name, data, codebook):
        assert codebook is not None
        return index_scores(data, name, codebook=codebook)["score"].astype("Float64").astype(float)
    col = data[name]
    if scoring is None:
        if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
            return col.cat.codes.where(col.notna()).astype(float).where(col.notna())
        scoring = "numeric"
    return item_scores(data, [name], codebook=codebook, scoring=scoring)[name]


def _table(
    y: pd.Series, g: pd.Series, outcome: str, by: str, log: _WarningLog
) -> tuple[np.ndarray, list[Hashable], list[Hashable], int]:
    """Contingency table (rows = groups of ``by``, columns = outcome categories).

    Rows without both values are dropped; empty groups and empty outcome
    categories are dropped with a warning. Returns (table, row labels, column
    labels, n).
    """
    ok = y.notna() & g.notna()
    rows = _category_order(g)
    cols = _category_order(y)
    yy, gg = y[ok], g[ok]
    table = np.array([[int(((gg == r) & (yy == c)).sum()) for c in cols] for r in rows], dtype=np.int64).reshape(
        len(rows), len(cols)
    )
    n = int(table.sum())
    if n == 0:
        log.warn(f"no respondents have both {outcome!r} and {by!r}; the test is NaN")
        return table, rows, cols, 0
    empty_r = [r for r, s in zip(rows, table.sum(axis=1)) if s == 0]
    empty_c = [c for c, s in zip(cols, table.sum(axis=0)) if s == 0]
    if empty_r:
        log.warn(f"group(s) {', '.join(map(repr, empty_r))} of {by!r} have no respondents and are left out")
    if empty_c:
        log.warn(f"nobody answered {', '.join(map(repr, empty_c))} on {outcome!r}; the category is left out")
    keep_r = table.sum(axis=1) > 0
    keep_c = table.sum(axis=0) > 0
    table = table[keep_r][:, keep_c]
    rows = [r for r, k in zip(rows, keep_r) if k]
    cols = [c for c, k in zip(cols, keep_c) if k]
    return table, rows, cols, n


def _degenerate(table: np.ndarray, outcome: str, by: str, n: int, log: _WarningLog) -> bool:
    """True (with a warning) if a table has fewer than two non-empty rows or columns."""
    if n == 0:
        return True
    if n == 1:
        log.warn(f"a single respondent has both {outcome!r} and {by!r}; no test is possible (NaN)")
        return True
    if table.shape[1] < 2:
        log.warn(f"all {n} answers to {outcome!r} are in one category; no association can be tested (NaN)")
        return True
    if table.shape[0] < 2:
        log.warn(f"all {n} respondents are in one group of {by!r}; no association can be tested (NaN)")
        return True
    return False


def _expected(table: np.ndarray) -> np.ndarray:
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()


def _pearson(table: np.ndarray, correct: bool = False) -> float:
    E = _expected(table)
    d = np.abs(table - E)
    if correct and table.shape == (2, 2):
        d = d - np.minimum(0.5, d)  # R chisq.test's Yates correction
    return float(np.sum(d**2 / E))


def _check_seed(seed: int, n_sim: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer; got {seed!r}.")
    if isinstance(n_sim, bool) or not isinstance(n_sim, (int, np.integer)) or n_sim < 1:
        raise ValueError(f"n_sim must be a whole number >= 1; got {n_sim!r}.")


# --------------------------------------------------------------------------
# p-values: Monte Carlo and exact
# --------------------------------------------------------------------------


def _monte_carlo_p(table: np.ndarray, n_sim: int, seed: int) -> float:
    """Monte Carlo p of Pearson's X2 with both margins fixed (R ``simulate.p.value``).

    Tables are drawn by permuting the outcome against the groups (uniform over
    arrangements, i.e. the multiple hypergeometric distribution R's
    ``r2dtable`` draws from); ``p = (1 + #{X2_sim >= X2_obs}) / (n_sim + 1)``
    with R's tolerance ``X2_sim >= (1 - 64 eps) X2_obs``.
    """
    r, c = table.shape
    rows = np.repeat(np.arange(r), table.sum(axis=1))
    cols = np.repeat(np.arange(c), table.sum(axis=0))
    E = _expected(table)
    obs = _pearson(table)
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


def _exact_p(table: np.ndarray) -> float | None:
    """Fisher–Freeman–Halton exact p for an r×2 (or 2×c) table, or None if too large.

    Enumerates every table with the observed margins; p is the total
    probability of tables no more probable than the observed one (relative
    tolerance 1e-7, as R ``fisher.test``).
    """
    t = table if table.shape[1] == 2 else table.T
    if t.shape[1] != 2:
        return None
    m = t.sum(axis=1)
    c1 = int(t[:, 0].sum())
    n = int(m.sum())
    if np.prod(m[:-1] + 1.0) > _EXACT_LIMIT:
        return None

    def logc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    # Build all first-column vectors row by row, pruning impossible partial sums.
    sums = np.zeros(1)
    logp = np.zeros(1)
    rest = np.concatenate([np.cumsum(m[::-1])[::-1][1:], [0]])  # capacity of the rows after i
    for i in range(len(m) - 1):
        x = np.arange(m[i] + 1)
        s = (sums[:, None] + x[None, :]).ravel()
        lp = (logp[:, None] + logc(np.full_like(x, m[i], dtype=float), x.astype(float))[None, :]).ravel()
        ok = (s <= c1) & (s + rest[i] >= c1)
        sums, logp = s[ok], lp[ok]
    last = c1 - sums
    lp = logp + logc(np.full_like(last, m[-1], dtype=float), last)
    lp -= logc(np.array(float(n)), np.array(float(c1)))
    obs = float(np.sum(logc(m.astype(float), t[:, 0].astype(float))) - logc(np.array(float(n)), np.array(float(c1))))
    probs = np.exp(lp)
    p = float(np.sum(probs[lp <= obs + np.log1p(1e-7)]))
    return min(1.0, p)


# --------------------------------------------------------------------------
# Effect sizes
# --------------------------------------------------------------------------


def _ncp_bound(x2: float, df: float, target: float) -> float:
    """lambda with P(X2' <= x2; df, lambda) = target (0 if even lambda = 0 is too large)."""
    f = lambda lam: stats.ncx2.cdf(x2, df, lam) - target if lam > 0 else stats.chi2.cdf(x2, df) - target  # noqa: E731
    if f(0.0) <= 0:
        return 0.0
    hi = max(10.0, 2 * x2)
    while f(hi) > 0:
        hi *= 2
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-12))


def _cramers_v(x2: float, n: int, shape: tuple[int, int], confidence: float) -> tuple[float, float, float]:
    k = min(shape) - 1
    v = math.sqrt(x2 / (n * k))
    a = 1 - confidence
    df = (shape[0] - 1) * (shape[1] - 1)
    lo = _ncp_bound(x2, df, 1 - a / 2)
    hi = _ncp_bound(x2, df, a / 2)
    return v, min(1.0, math.sqrt(lo / (n * k))), min(1.0, math.sqrt(hi / (n * k)))


def cramers_v(
    data: pd.DataFrame,
    outcome: str,
    by: str,
    *,
    codebook: Codebook | None = None,
    collapse: str | None = None,
    exclude: Sequence[Hashable] = (),
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Cramér's V of ``outcome`` by ``by`` with a noncentral chi-square interval.

    ``V = sqrt(X2 / (n (min(r, c) - 1)))`` with the uncorrected Pearson X2.
    Interval: the noncentrality parameters ``lambda_low``, ``lambda_high`` with
    ``P(X2'_df(lambda_low) <= X2) = 1 - a/2`` and ``P(X2'_df(lambda_high) <= X2) = a/2``
    (bounded below by 0), converted as ``sqrt(lambda / (n (min(r, c) - 1)))``
    (Smithson 2003; R ``effectsize::cramers_v`` with a two-sided interval).

    Returns
    -------
    tuple of float
        ``(v, ci_low, ci_high)``; NaN (with a warning) for a degenerate table.
    """
    _check_confidence(confidence)
    _check_names(data, [outcome, by], codebook)
    log = _WarningLog()
    y = _categorical(data, outcome, codebook, collapse, exclude)
    g = _categorical(data, by, codebook)
    table, _, _, n = _table(y, g, outcome, by, log)
    if _degenerate(table, outcome, by, n, log):
        return math.nan, math.nan, math.nan
    return _cramers_v(_pearson(table), n, table.shape, confidence)


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def chi_square(
    data: pd.DataFrame,
    outcome: str,
    by: str,
    *,
    codebook: Codebook | None = None,
    collapse: str | None = None,
    exclude: Sequence[Hashable] = (),
    p_value: PValue = "auto",
    correct: bool = False,
    n_sim: int = 10000,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Pearson chi-square test of independence of ``outcome`` and ``by``, with Cramér's V.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    outcome : str
        Column (e.g. ``"q14"``) or codebook index name (its class is used).
    by : str
        Background column (e.g. ``"size_class"``) or index name.
    codebook : Codebook or None
        Needed for ``collapse`` and index names.
    collapse : str or None
        Collapse rule of the outcome's scale, e.g. ``"godt_darlig"``.
    exclude : sequence
        Outcome categories left out (e.g. ``["Vet ikke/ikke aktuelt"]``).
    p_value : {"auto", "asymptotic", "monte_carlo", "exact"}
        ``"asymptotic"``: chi-square distribution (R ``chisq.test``).
        ``"monte_carlo"``: ``n_sim`` tables with fixed margins, ``seed``
        (R ``chisq.test(simulate.p.value = TRUE)``).
        ``"exact"``: Fisher–Freeman–Halton exact p (R ``fisher.test``), by
        enumeration for 2×c and r×2 tables; falls back to Monte Carlo (with a
        warning) for larger tables.
        ``"auto"``: asymptotic if every expected count is at least 5, else exact
        (or Monte Carlo), with a :class:`SmallCellWarning`.
    correct : bool
        Yates continuity correction for 2×2 tables (R's ``correct = TRUE``).
        Cramér's V always uses the uncorrected statistic.
    n_sim : int
        Monte Carlo tables.
    seed : int
        Seed of ``numpy.random.default_rng`` for Monte Carlo.
    confidence : float
        Level of the Cramér's V interval (see :func:`cramers_v`).

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`; ``test = "chi_square"``,
        ``effect_name = "cramers_v"``. ``method`` says how p was computed.
    """
    _check_confidence(confidence)
    _check_seed(seed, n_sim)
    if p_value not in ("auto", "asymptotic", "monte_carlo", "exact"):
        raise ValueError(f"p_value must be 'auto', 'asymptotic', 'monte_carlo' or 'exact'; got {p_value!r}.")
    _check_names(data, [outcome, by], codebook)
    log = _WarningLog()
    y = _categorical(data, outcome, codebook, collapse, exclude)
    g = _categorical(data, by, codebook)
    table, _, _, n = _table(y, g, outcome, by, log)
    if _degenerate(table, outcome, by, n, log):
        return _frame([_row("chi_square", outcome, by, n, effect_name="cramers_v", method="Pearson chi-square", log=log)])
    x2_raw = _pearson(table)
    is22 = table.shape == (2, 2)
    x2 = _pearson(table, correct=correct and is22)
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    E = _expected(table)
    small = int(np.sum(E < 5))
    how = p_value
    if p_value == "auto":
        how = "asymptotic"
        if small:
            how = "exact"
            log.warn(
                f"{small} of {E.size} expected counts are below 5 (smallest {E.min():.2f}) for {outcome!r} by {by!r}; "
                "the p-value is exact (or Monte Carlo) instead of asymptotic"
            )
    name = "Pearson chi-square" + (" with Yates correction" if correct and is22 else "")
    if how == "asymptotic":
        p = float(stats.chi2.sf(x2, df))
        method = f"{name}; asymptotic p (chi-square, df {df})"
        if small and p_value == "asymptotic":
            log.warn(f"{small} of {E.size} expected counts are below 5 (smallest {E.min():.2f}); the asymptotic p may be inaccurate")
    elif how == "exact":
        pe = _exact_p(table)
        if pe is None:
            p = _monte_carlo_p(table, n_sim, seed)
            method = f"{name}; Monte Carlo p ({n_sim} tables with fixed margins, seed {seed}) -- table too large for exact enumeration"
            if p_value == "exact":
                log.warn(f"a {table.shape[0]}x{table.shape[1]} table is too large for exact enumeration; Monte Carlo p used")
        else:
            p = pe
            method = f"{name}; exact conditional p (Fisher-Freeman-Halton, tables ordered by probability)"
    else:
        p = _monte_carlo_p(table, n_sim, seed)
        method = f"{name}; Monte Carlo p ({n_sim} tables with fixed margins, seed {seed})"
    v, lo, hi = _cramers_v(x2_raw, n, table.shape, confidence)
    method += f"; Cramer's V with {confidence:.0%} noncentral chi-square interval"
    return _frame([_row("chi_square", outcome, by, n, statistic=x2, df=df, p=p, effect=v, effect_name="cramers_v",
                        ci_low=lo, ci_high=hi, method=method, log=log)])


def fisher_exact(
    data: pd.DataFrame,
    outcome: str,
    by: str,
    *,
    codebook: Codebook | None = None,
    collapse: str | None = None,
    exclude: Sequence[Hashable] = (),
    n_sim: int = 10000,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Fisher's exact test of ``outcome`` by ``by``.

    For a 2×2 table (scipy ``fisher_exact``, two-sided, as R ``fisher.test``):
    ``effect`` is the conditional maximum likelihood odds ratio with its exact
    conditional interval (R ``fisher.test``'s estimate and ``conf.int``;
    scipy ``contingency.odds_ratio(kind="conditional")``). The odds ratio
    compares the odds of the *first* outcome category in the first vs the
    second group. Larger tables: Fisher–Freeman–Halton p by enumeration (r×2,
    2×c) or Monte Carlo, with Cramér's V as effect.

    Parameters are those of :func:`chi_square`.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`, ``test = "fisher_exact"``.
    """
    _check_confidence(confidence)
    _check_seed(seed, n_sim)
    _check_names(data, [outcome, by], codebook)
    log = _WarningLog()
    y = _categorical(data, outcome, codebook, collapse, exclude)
    g = _categorical(data, by, codebook)
    table, rows, cols, n = _table(y, g, outcome, by, log)
    if _degenerate(table, outcome, by, n, log):
        return _frame([_row("fisher_exact", outcome, by, n, method="Fisher's exact test", log=log)])
    if table.shape == (2, 2):
        p = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
        orr = stats.contingency.odds_ratio(table, kind="conditional")
        ci = orr.confidence_interval(confidence_level=confidence)
        method = (
            f"Fisher's exact test (two-sided); conditional MLE odds ratio of {cols[0]!r} for {rows[0]!r} vs "
            f"{rows[1]!r} with exact {confidence:.0%} interval"
        )
        return _frame([_row("fisher_exact", outcome, by, n, p=p, effect=float(orr.statistic), effect_name="odds_ratio",
                            ci_low=float(ci.low), ci_high=float(ci.high), method=method, log=log)])
    pe = _exact_p(table)
    if pe is None:
        p = _monte_carlo_p(table, n_sim, seed)  # X2-ordered; see method text
        method = f"Fisher-Freeman-Halton test: table too large to enumerate, Monte Carlo chi-square p ({n_sim} tables, seed {seed})"
        log.warn(f"a {table.shape[0]}x{table.shape[1]} table is too large for exact enumeration; Monte Carlo p used")
    else:
        p = pe
        method = "Fisher-Freeman-Halton exact test (tables ordered by probability)"
    v, lo, hi = _cramers_v(_pearson(table), n, table.shape, confidence)
    return _frame([_row("fisher_exact", outcome, by, n, p=p, effect=v, effect_name="cramers_v", ci_low=lo, ci_high=hi,
                        method=method + "; Cramer's V with noncentral chi-square interval", log=log)])


def kruskal_wallis(
    data: pd.DataFrame,
    outcome: str,
    by: str,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring | None = None,
) -> pd.DataFrame:
    """Kruskal–Wallis rank test of ``outcome`` across the groups of ``by``.

    Midranks for ties and the tie-corrected statistic, chi-square p with
    ``k - 1`` df (R ``kruskal.test``, scipy ``kruskal``). Effect:
    epsilon-squared ``E2 = H / (n - 1)`` (Tomczak & Tomczak 2014; no interval).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    outcome : str
        Column or index name (an index's score is used).
    by : str
        Grouping column.
    codebook : Codebook or None
        Needed for ``scoring="scale"`` and index names.
    scoring : {"numeric", "scale", "index"} or None
        How the outcome becomes numbers (see :mod:`samanalyse.indices`); None:
        numeric columns as they are, ordered Categoricals by category order.
        For tilfredshet items use ``"scale"`` (Vet ikke becomes missing).

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`, ``test = "kruskal_wallis"``.
    """
    _check_names(data, [outcome, by], codebook)
    log = _WarningLog()
    y = _numeric(data, outcome, codebook, scoring)
    g = _categorical(data, by, codebook)
    ok = y.notna() & g.notna()
    groups = [lvl for lvl in _category_order(g)]
    samples = [y[ok & (g == lvl)].to_numpy(dtype=float) for lvl in groups]
    empty = [lvl for lvl, s in zip(groups, samples) if len(s) == 0]
    if empty:
        log.warn(f"group(s) {', '.join(map(repr, empty))} of {by!r} have no respondents and are left out")
    samples = [s for s in samples if len(s)]
    n = int(sum(len(s) for s in samples))
    method = "Kruskal-Wallis rank sum test (tie-corrected); effect epsilon-squared H/(n-1)"
    if n < 2 or len(samples) < 2:
        log.warn(f"{outcome!r} by {by!r}: {n} respondent(s) in {len(samples)} group(s); need two groups; NaN")
        return _frame([_row("kruskal_wallis", outcome, by, n, effect_name="epsilon_squared", method=method, log=log)])
    allv = np.concatenate(samples)
    if np.all(allv == allv[0]):
        log.warn(f"all {n} values of {outcome!r} are equal; the Kruskal-Wallis test is undefined (NaN)")
        return _frame([_row("kruskal_wallis", outcome, by, n, effect_name="epsilon_squared", method=method, log=log)])
    res = stats.kruskal(*samples)
    h = float(res.statistic)
    return _frame([_row("kruskal_wallis", outcome, by, n, statistic=h, df=len(samples) - 1, p=float(res.pvalue),
                        effect=h / (n - 1), effect_name="epsilon_squared", method=method, log=log)])


def trend_test(
    data: pd.DataFrame,
    outcome: str,
    by: str,
    *,
    scores: Mapping[Hashable, float] | Sequence[float] | None = None,
    codebook: Codebook | None = None,
    collapse: str | None = None,
    exclude: Sequence[Hashable] = (),
    scoring: Scoring | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Test for a linear trend of ``outcome`` over the ordered groups of ``by``.

    Binary outcome (two categories after ``collapse``/``exclude``): the
    Cochran–Armitage chi-square test for trend exactly as R
    ``prop.trend.test(x, n, score)`` computes it,
    ``X2 = [sum x_i s_i - p sum n_i s_i]^2 / (p (1 - p) [sum n_i s_i^2 - (sum n_i s_i)^2 / N])``
    (no ``N/(N-1)`` factor), df 1. Ordinal outcome: the linear-by-linear
    association test ``M2 = (N - 1) r^2``, df 1 (Agresti 2013, §3.4), r the
    Pearson correlation of group scores and outcome scores.

    Effect: that correlation r (positive: higher outcome scores — for a binary
    outcome, the *second* category — in higher groups) with a Fisher-z interval
    ``tanh(atanh r -/+ z / sqrt(N - 3))``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    outcome : str
        Column or index name. Categorical with two categories: binary;
        otherwise scored by ``scoring`` (index names: the index score).
    by : str
        Ordered groups: an ordered Categorical (scores 1, 2, … by default, R's
        default) or a numeric column (its values are the scores).
    scores : mapping or sequence or None
        Scores of the groups of ``by`` (mapping group → score, or one score per
        category in order).
    codebook, collapse, exclude :
        As :func:`chi_square`.
    scoring : {"numeric", "scale", "index"} or None
        Scoring of an ordinal outcome (as :func:`kruskal_wallis`).
    confidence : float
        Level of the interval for r.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`; ``test`` is ``"cochran_armitage"``
        or ``"linear_by_linear"``.

    Raises
    ------
    SamanalyseError
        If ``by`` is an unordered categorical and no ``scores`` are given.
    """
    _check_confidence(confidence)
    _check_names(data, [outcome, by], codebook)
    log = _WarningLog()
    # group scores
    if _is_index(by, data, codebook):
        s = _numeric(data, by, codebook)
    else:
        gcol = data[by]
        if scores is not None:
            levels = _category_order(gcol)
            if isinstance(scores, Mapping):
                smap = dict(scores)
            else:
                scores = list(scores)
                if len(scores) != len(levels):
                    raise ValueError(f"scores has {len(scores)} values but {by!r} has {len(levels)} groups {levels!r}.")
                smap = dict(zip(levels, scores))
            missing = [lvl for lvl in pd.unique(gcol.dropna()) if lvl not in smap]
            if missing:
                raise SamanalyseError(f"scores give no score for group(s) {', '.join(map(repr, missing))} of {by!r}.")
            s = gcol.astype(object).map(lambda v: smap.get(v, np.nan) if pd.notna(v) else np.nan).astype(float)
        elif isinstance(gcol.dtype, pd.CategoricalDtype):
            if not gcol.cat.ordered:
                raise SamanalyseError(
                    f"{by!r} is an unordered categorical ({list(gcol.cat.categories)!r}); a trend test needs ordered "
                    "groups: make it ordered or pass scores=..."
                )
            s = (gcol.cat.codes + 1).where(gcol.notna()).astype(float)
        elif pd.api.types.is_numeric_dtype(gcol):
            s = gcol.astype("Float64").astype(float)
        elif pd.to_numeric(gcol.dropna().astype(object), errors="coerce").notna().all():
            s = pd.to_numeric(gcol.astype(object), errors="coerce").astype(float)
        else:
            raise SamanalyseError(f"{by!r} has text values; a trend test needs ordered groups or scores=...")
    # outcome
    binary = False
    if not _is_index(outcome, data, codebook) and (
        collapse is not None or isinstance(data[outcome].dtype, pd.CategoricalDtype) or data[outcome].dtype == object
        or pd.api.types.is_string_dtype(data[outcome])
    ) and scoring is None:
        yc = _categorical(data, outcome, codebook, collapse, exclude)
        used = [c for c in _category_order(yc) if (yc == c).any()]
        if len(used) <= 2:
            binary = True
            y = (yc == used[-1]).astype(float).where(yc.notna()) if used else yc.astype(float)
        else:
            yc = yc.astype(pd.CategoricalDtype(_category_order(yc), ordered=True)) if not isinstance(
                yc.dtype, pd.CategoricalDtype) else yc.cat.as_ordered()
            y = yc.cat.codes.where(yc.notna()).astype(float)
    else:
        y = _numeric(data, outcome, codebook, scoring)
        if exclude:
            raise ValueError("exclude only applies to categorical outcomes; set scoring=None.")
        binary = y.dropna().nunique() == 2 and set(y.dropna().unique()) <= {0.0, 1.0}
    ok = y.notna() & s.notna()
    yy, ss = y[ok].to_numpy(dtype=float), s[ok].to_numpy(dtype=float)
    n = int(ok.sum())
    test = "cochran_armitage" if binary else "linear_by_linear"
    method = (
        "Cochran-Armitage chi-square test for trend (R prop.trend.test)" if binary
        else "linear-by-linear association test M2 = (N-1) r^2"
    ) + "; effect Pearson r of scores with Fisher-z interval"
    if n < 2:
        log.warn(f"{outcome!r} by {by!r}: only {n} respondent(s); the trend test is NaN")
        return _frame([_row(test, outcome, by, n, effect_name="r", method=method, log=log)])
    if np.all(yy == yy[0]) or np.all(ss == ss[0]):
        what = outcome if np.all(yy == yy[0]) else by
        log.warn(f"all {n} respondents have the same value of {what!r}; the trend test is undefined (NaN)")
        return _frame([_row(test, outcome, by, n, effect_name="r", method=method, log=log)])
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
    return _frame([_row(test, outcome, by, n, statistic=stat, df=1, p=p, effect=r, effect_name="r", ci_low=lo,
                        ci_high=hi, method=method, log=log)])


def ordinal_regression(
    data: pd.DataFrame,
    outcome: str,
    by: Sequence[str],
    *,
    codebook: Codebook | None = None,
    scoring: Scoring | None = None,
    confidence: float = 0.95,
    maxiter: int = 2000,
) -> pd.DataFrame:
    """Proportional-odds (ordinal logistic) regression of ``outcome`` on ``by`` jointly.

    Model ``logit P(Y <= k | x) = zeta_k - x'beta`` (R ``MASS::polr``,
    statsmodels ``OrderedModel(distr="logit")``), fitted by maximum
    likelihood (BFGS). Categorical predictors enter as dummies against their
    first category (empty categories dropped with a warning); numeric ones as
    they are (transform beforehand, e.g. log population). Respondents with a
    missing value on the outcome or any predictor are left out.

    Rows: one Wald test per term (``test = "ordinal_regression"``:
    ``statistic`` = z, ``effect`` = odds ratio ``exp(beta)``, interval
    ``exp(beta -/+ z se)``), then one likelihood-ratio test per predictor
    variable (``"ordinal_regression_lr"``: all its terms dropped; df = number of
    terms), then the LR test of the whole model against the thresholds-only
    model (``predictor = "(all)"``). The thresholds are in
    ``result.attrs["thresholds"]`` and the log-likelihood in ``result.attrs["loglik"]``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    outcome : str
        Ordinal outcome: column (scored as in :func:`kruskal_wallis`) or index
        name (its score). The distinct values are the ordered categories.
    by : sequence of str
        Predictor columns.
    codebook, scoring :
        As :func:`kruskal_wallis`.
    confidence : float
        Level of the odds-ratio intervals.
    maxiter : int
        Maximum BFGS iterations.

    Returns
    -------
    pandas.DataFrame
        :data:`RESULT_COLUMNS` rows as described above.

    Warns
    -----
    ConvergenceWarning
        If a fit does not converge.
    SmallCellWarning
        Too few respondents or outcome categories (rows NaN).
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    _check_confidence(confidence)
    if isinstance(by, str):
        by = [by]
    by = list(by)
    if not by:
        raise ValueError("ordinal_regression needs at least one predictor in by=[...].")
    _check_names(data, [outcome, *by], codebook)
    log = _WarningLog()
    y = _numeric(data, outcome, codebook, scoring)
    cols: dict[str, pd.Series] = {}
    terms: dict[str, list[str]] = {}
    frame = pd.DataFrame({"__y": y}, index=data.index)
    for b in by:
        col = data[b]
        if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col):
            frame[b] = col.astype(object).where(col.notna(), None)
        else:
            frame[b] = col.astype("Float64").astype(float)
    frame = frame.dropna()
    n = len(frame)
    X_parts = []
    for b in by:
        col = data[b]
        if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col):
            levels = [lvl for lvl in _category_order(col)]
            present = [lvl for lvl in levels if (frame[b] == lvl).any()]
            empty = [lvl for lvl in levels if lvl not in present]
            if empty:
                log.warn(f"group(s) {', '.join(map(repr, empty))} of {b!r} have no respondents in the model and are left out")
            names = []
            for lvl in present[1:]:
                name = f"{b}[{lvl}]"
                cols[name] = (frame[b] == lvl).astype(float)
                names.append(name)
            terms[b] = names
        else:
            cols[b] = frame[b].astype(float)
            terms[b] = [b]
        X_parts.extend(terms[b])
    X = pd.DataFrame(cols, index=frame.index)[X_parts] if X_parts else pd.DataFrame(index=frame.index)
    yv = frame["__y"].to_numpy(dtype=float)
    levels_y = np.unique(yv)
    method = "proportional-odds logistic regression (statsmodels OrderedModel, logit, BFGS; as MASS::polr)"
    n_par = X.shape[1] + len(levels_y) - 1
    const = [c for c in X.columns if X[c].nunique() < 2]
    if len(levels_y) < 2 or n <= n_par or not X_parts or const:
        if len(levels_y) < 2:
            log.warn(f"{outcome!r} has {len(levels_y)} distinct value(s) among {n} respondents; no ordinal model (NaN)")
        elif const:
            log.warn(f"term(s) {', '.join(map(repr, const))} are constant among the {n} respondents; no ordinal model (NaN)")
        else:
            log.warn(f"{n} respondent(s) are too few for {n_par} parameters; no ordinal model (NaN)")
        rows = [_row("ordinal_regression", outcome, t, n, effect_name="odds_ratio", method=method, log=log)
                for t in (X_parts or by)]
        return _frame(rows)
    ycat = pd.Series(pd.Categorical(yv, categories=levels_y, ordered=True))
    counts = ycat.value_counts(sort=False).to_numpy(dtype=float)
    ll_null = float(np.sum(counts * np.log(counts / n)))

    def fit(cols_: list[str]) -> tuple[object, bool]:
        mod = OrderedModel(ycat, X[cols_].reset_index(drop=True), distr="logit")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = mod.fit(method="bfgs", maxiter=maxiter, disp=False, gtol=1e-8)
        return res, bool(res.mle_retvals.get("converged", False))

    res, ok = fit(X_parts)
    if not ok:
        log.warn(f"the ordinal regression of {outcome!r} did not converge within {maxiter} iterations", ConvergenceWarning)
    params = res.params
    bse = res.bse
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    rows = []
    for t in X_parts:
        b, se = float(params[t]), float(bse[t])
        if not np.isfinite(se) or abs(b) > 15:
            log.warn(f"term {t!r} has an extreme or undefined estimate (beta {b:.3g}, se {se:.3g}); likely separation")
        rows.append(_row("ordinal_regression", outcome, t, n, statistic=b / se, df=1, p=float(2 * stats.norm.sf(abs(b / se))),
                         effect=math.exp(b), effect_name="odds_ratio", ci_low=math.exp(b - z * se),
                         ci_high=math.exp(b + z * se), method=method + "; Wald z", log=log))
    ll_full = float(res.llf)
    for b in by:
        keep = [t for t in X_parts if t not in terms[b]]
        if keep:
            r_res, r_ok = fit(keep)
            if not r_ok:
                log.warn(f"the reduced ordinal regression without {b!r} did not converge", ConvergenceWarning)
            ll_red = float(r_res.llf)
        else:
            ll_red = ll_null
        lr = max(0.0, 2 * (ll_full - ll_red))
        dfb = len(terms[b])
        rows.append(_row("ordinal_regression_lr", outcome, b, n, statistic=lr, df=dfb, p=float(stats.chi2.sf(lr, dfb)),
                         method=method + f"; likelihood-ratio test dropping {b!r}", log=log))
    lr_all = max(0.0, 2 * (ll_full - ll_null))
    rows.append(_row("ordinal_regression_lr", outcome, "(all)", n, statistic=lr_all, df=len(X_parts),
                     p=float(stats.chi2.sf(lr_all, len(X_parts))),
                     method=method + "; likelihood-ratio test of all predictors jointly", log=log))
    out = _frame(rows)
    # rows built before later warnings: give every row the complete warning text
    out["warnings"] = log.text()
    k = len(levels_y) - 1
    th = np.asarray(params[-k:], dtype=float)
    out.attrs["thresholds"] = pd.Series(
        np.concatenate([[th[0]], th[0] + np.cumsum(np.exp(th[1:]))]),
        index=[f"{levels_y[i]:g}|{levels_y[i + 1]:g}" for i in range(k)],
    )
    out.attrs["loglik"] = ll_full
    return out


# --------------------------------------------------------------------------
# Multiple testing
# --------------------------------------------------------------------------


def _check_adjust(method: str) -> str:
    m = {"fdr_bh": "bh", "BH": "bh", "fdr": "bh", "BY": "by", "fdr_by": "by"}.get(method, method)
    if m not in ADJUST_METHODS:
        raise ValueError(f"Unknown adjustment {method!r}; use one of {', '.join(ADJUST_METHODS)}.")
    return m


def adjust_pvalues(
    p: Sequence[float] | np.ndarray | pd.Series | pd.DataFrame, *, method: str = "holm"
) -> np.ndarray | pd.Series | pd.DataFrame:
    """Adjust p-values for multiple testing across a family of tests.

    Exactly R ``p.adjust(p, method)``: ``"holm"`` (Holm 1979, step-down
    family-wise error), ``"bh"`` (Benjamini–Hochberg false discovery rate;
    R ``"BH"``), ``"bonferroni"``, ``"hochberg"``, ``"by"`` (Benjamini–Yekutieli),
    ``"none"``. NaN p-values stay NaN and do not count in the family size.

    Parameters
    ----------
    p : array-like, Series or DataFrame
        p-values, or a results table (:data:`RESULT_COLUMNS`) whose ``p``
        column forms the family.
    method : str
        Adjustment method.

    Returns
    -------
    numpy.ndarray, Series or DataFrame
        Adjusted p-values in the input order; for a results table a copy with
        ``p_adjusted`` filled and the adjustment appended to ``method``.
    """
    m = _check_adjust(method)
    if isinstance(p, pd.DataFrame):
        if "p" not in p.columns:
            raise SamanalyseError(f"The table has no 'p' column; columns are {', '.join(map(str, p.columns))}.")
        out = p.copy()
        adj = adjust_pvalues(out["p"].to_numpy(dtype=float), method=m)
        out["p_adjusted"] = adj
        k = int(np.isfinite(out["p"].to_numpy(dtype=float)).sum())
        label = {"holm": "Holm", "bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni", "hochberg": "Hochberg",
                 "by": "Benjamini-Yekutieli", "none": "no"}[m]
        out["method"] = out["method"].astype(str) + f"; {label} adjustment over {k} tests"
        return out
    if isinstance(p, pd.Series):
        return pd.Series(adjust_pvalues(p.to_numpy(dtype=float), method=m), index=p.index, name=p.name)
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"p must be one-dimensional; got shape {arr.shape}.")
    bad = arr[np.isfinite(arr) & ((arr < 0) | (arr > 1))]
    if bad.size:
        raise ValueError(f"p-values must lie in [0, 1]; got {bad.tolist()!r}.")
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    q = arr[ok]
    n = q.size
    if n == 0:
        return out
    if m == "none":
        res = q.copy()
    elif m == "bonferroni":
        res = np.minimum(1, n * q)
    elif m == "holm":
        o = np.argsort(q, kind="stable")
        i = np.arange(1, n + 1)
        res = np.empty(n)
        res[o] = np.minimum(1, np.maximum.accumulate((n - i + 1) * q[o]))
    else:
        o = np.argsort(-q, kind="stable")
        i = np.arange(n, 0, -1)
        if m == "hochberg":
            f = (n - i + 1) * q[o]
        elif m == "bh":
            f = n / i * q[o]
        else:  # by
            f = np.sum(1 / np.arange(1, n + 1)) * n / i * q[o]
        res = np.empty(n)
        res[o] = np.minimum(1, np.minimum.accumulate(f))
    out[ok] = res
    return out


# --------------------------------------------------------------------------
# Named analyses (the study's claims)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisResult:
    """Result of a named analysis.

    Attributes
    ----------
    table : pandas.DataFrame
        All tests (:data:`RESULT_COLUMNS`), ``p_adjusted`` over the whole family.
    notes : tuple of str
        What was tested and how, and what could not be tested (and why).
    crosstabs : dict of str to DataFrame
        Cross-tables behind the tests (e.g. ``"Tabell 56"``), column shares.
    alpha : float
        Significance level used by :attr:`significant`.
    """

    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    crosstabs: dict[str, pd.DataFrame] = field(default_factory=dict)
    alpha: float = 0.05

    @property
    def significant(self) -> pd.DataFrame:
        """Rows whose adjusted p-value is below ``alpha``."""
        return self.table[self.table["p_adjusted"] < self.alpha]


def _only_form(data: pd.DataFrame, form: str | None) -> pd.DataFrame:
    if form is None:
        return data
    if "form" not in data.columns:
        return data
    forms = list(pd.unique(data["form"].dropna()))
    if form not in forms:
        raise SamanalyseError(f"No respondents with form {form!r}; data has forms {forms!r}.")
    return data[data["form"] == form]


def _dont_know(codebook: Codebook, item: str, collapse: str) -> list[str]:
    scale = _item_scale(codebook, item)
    rule = scale.collapse(collapse)
    dk = {c.code for c in scale.categories if not c.substantive}
    return [label for label, codes in rule.groups if set(codes) <= dk]


def satisfaction_by_background(
    data: pd.DataFrame,
    *,
    codebook: Codebook,
    items: Sequence[str] = ("q14", "q16", "q18", "q20"),
    index: str | None = "kvalitet_pasientforlop",
    by: Sequence[str] = ("size_class", "sentralitet", "population"),
    collapse: str = "godt_darlig",
    form: str | None = "kommune",
    adjust: str = "holm",
    alpha: float = 0.05,
    confidence: float = 0.95,
    n_sim: int = 10000,
    seed: int = DEFAULT_SEED,
) -> AnalysisResult:
    """Is the kommuner's satisfaction with samhandling associated with background? (avsnitt 2.4)

    The study: "Ingen av disse bakgrunnsfaktorene [kommunestørrelse,
    helseutgifter, sentralitet] har statistisk signifikant innvirkning på målene
    på kommunenes erfaringer med samhandling." Tests, for kommuner only:

    - each satisfaction item collapsed to Godt/Dårlig (``collapse``, Vet ikke
      left out) against each categorical background variable (``size_class``,
      ``sentralitet`` as groups): :func:`chi_square` (``p_value="auto"``) and
      :func:`trend_test` (Cochran–Armitage; sentralitet scored 0–3, size
      classes 1–3); against ``population``: Cochran–Armitage with
      ``log(population)`` as score;
    - the index ``index`` (score 0–4) against the categorical variables:
      :func:`kruskal_wallis` and :func:`trend_test` (linear-by-linear); against
      ``log(population)``: linear-by-linear;
    - :func:`ordinal_regression` of the index score on all background
      variables jointly (``population`` as ``log_population``), LR tests.

    All p-values are adjusted together (``adjust``, default Holm).

    Kommunenes helseutgifter (the study's third background factor) are not in
    samanalyse's registers, so they are not tested; the result's notes say so.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data with the background columns of
        :func:`samanalyse.rounds.respondents`.
    codebook : Codebook
        The round's codebook.
    items : sequence of str
        Satisfaction items.
    index : str or None
        Satisfaction index (None: no index tests).
    by : sequence of str
        Background columns. ``"population"`` is log-transformed; other numeric
        columns (sentralitet 0–3) are groups in the chi-square and
        Kruskal–Wallis tests and numeric scores in the trend tests and the
        regression.
    collapse : str
        Collapse rule for the items.
    form : str or None
        Only respondents of this form (None: all). Data without a ``form``
        column is used as it is (assumed to hold kommuner only).
    adjust : str
        Multiple-testing adjustment (see :func:`adjust_pvalues`).
    alpha : float
        Significance level for :attr:`AnalysisResult.significant`.
    confidence, n_sim, seed :
        Passed to the tests.

    Returns
    -------
    AnalysisResult
    """
    _check_confidence(confidence)
    _check_confidence(alpha)
    data = _only_form(data, form)
    _check_names(data, [*items, *by] + ([index] if index else []), codebook)
    d = data.copy()
    rows: list[pd.DataFrame] = []
    notes = [
        "Background variables tested: " + ", ".join(by) + ". Kommunenes helseutgifter (health expenditure), the "
        "study's third background factor, is not in samanalyse's registers and is NOT tested.",
    ]
    cat_by, num_by = [], []
    for b in by:
        if b == "population":
            pop = d[b].astype("Float64")
            if (pop.dropna() <= 0).any():
                raise SamanalyseError("population has values <= 0; cannot take the logarithm.")
            d["log_population"] = np.log(pop.astype(float))
            num_by.append("log_population")
            notes.append("population enters as log(population) (a numeric score / covariate).")
        else:
            cat_by.append(b)
    for item in items:
        dk = _dont_know(codebook, item, collapse)
        for b in cat_by:
            rows.append(chi_square(d, item, b, codebook=codebook, collapse=collapse, exclude=dk, n_sim=n_sim,
                                   seed=seed, confidence=confidence))
            rows.append(trend_test(d, item, b, codebook=codebook, collapse=collapse, exclude=dk,
                                   confidence=confidence))
        for b in num_by:
            rows.append(trend_test(d, item, b, codebook=codebook, collapse=collapse, exclude=dk, confidence=confidence))
    notes.append(
        f"Items {', '.join(items)} collapsed with {collapse!r}; 'Vet ikke/ikke aktuelt' left out. Chi-square p is "
        "exact (or Monte Carlo) where expected counts are below 5."
    )
    if index:
        for b in cat_by:
            rows.append(kruskal_wallis(d, index, b, codebook=codebook))
            rows.append(trend_test(d, index, b, codebook=codebook, confidence=confidence))
        for b in num_by:
            rows.append(trend_test(d, index, b, codebook=codebook, confidence=confidence))
        rows.append(ordinal_regression(d, index, [*cat_by, *num_by], codebook=codebook, confidence=confidence))
        notes.append(f"Index {index!r} (score) tested with Kruskal-Wallis, linear-by-linear trend and a joint "
                     "proportional-odds regression.")
    table = adjust_pvalues(pd.concat(rows, ignore_index=True), method=adjust)
    assert isinstance(table, pd.DataFrame)
    notes.append(f"p_adjusted: {adjust} adjustment over all {int(table['p'].notna().sum())} tests of this analysis.")
    return AnalysisResult(table=table, notes=tuple(notes), alpha=alpha)


def forankring_and_samhandling(
    data: pd.DataFrame,
    *,
    codebook: Codebook,
    outcome: str = "kvalitet_pasientforlop",
    by: Sequence[str] = ("avtaler_og_ledelse", "kompetanse"),
    form: str | None = "kommune",
    adjust: str = "holm",
    alpha: float = 0.05,
    confidence: float = 0.95,
    n_sim: int = 10000,
    seed: int = DEFAULT_SEED,
) -> AnalysisResult:
    """Do better avtaler og ledelse / kompetanse go with better kvalitet i pasientforløp? (Tabell 56–57)

    The study (avsnitt 3.1, 3.2): "god forankring i avtaler og ledelse gir
    bedre samhandling" and likewise for kompetanse- og kunnskapsoverføring,
    from cross-tables of the dichotomised indices (Tabell 56–57). For each
    index in ``by``:

    - the cross-table (rows: classes of ``outcome``, columns: classes of the
      index, column shares) in ``crosstabs["Tabell 56"]`` / ``["Tabell 57"]``
      (other indices under their name);
    - :func:`chi_square` of the 2×2 class table (``p_value="auto"``: exact
      when expected counts are small), with Cramér's V (phi);
    - :func:`fisher_exact`: two-sided p and the conditional odds ratio of a
      *Dårlig* ``outcome`` for Dårlig vs Godt on the index (>1: worse
      forankring goes with worse kvalitet);
    - :func:`trend_test` on the full scores (linear-by-linear), r > 0 meaning
      higher index score goes with higher kvalitet score.

    p-values are adjusted over all tests (``adjust``). The kommuner are used by
    default, as in the table catalogue and the reconstruction (Tabell 56 prints
    no population; its 39 %/61 % split fits the 187 kommuner, see
    ``data/rounds/2010/tables.yaml``); ``form=None`` pools both forms.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data with the indices' items.
    codebook : Codebook
        The round's codebook (defines the indices).
    outcome : str
        Index on the rows.
    by : sequence of str
        Indices on the columns.
    form : str or None
        Only this form (None: all respondents).
    adjust, alpha, confidence, n_sim, seed :
        As :func:`satisfaction_by_background`.

    Returns
    -------
    AnalysisResult
    """
    _check_confidence(confidence)
    _check_confidence(alpha)
    data = _only_form(data, form)
    for name in [outcome, *by]:
        if name not in codebook.indices:
            raise SamanalyseError(f"{name!r} is not an index of the {codebook.round} codebook; indices are "
                                  f"{', '.join(codebook.indices)}.")
    tabell = {"avtaler_og_ledelse": "Tabell 56", "kompetanse": "Tabell 57"}
    crosstabs: dict[str, pd.DataFrame] = {}
    rows = []
    for b in by:
        crosstabs[tabell.get(b, b)] = index_crosstab(data, outcome, b, codebook=codebook, normalize="columns")
        rows.append(chi_square(data, outcome, b, codebook=codebook, n_sim=n_sim, seed=seed, confidence=confidence))
        rows.append(fisher_exact(data, outcome, b, codebook=codebook, n_sim=n_sim, seed=seed, confidence=confidence))
        rows.append(trend_test(data, outcome, b, codebook=codebook, confidence=confidence))
    table = adjust_pvalues(pd.concat(rows, ignore_index=True), method=adjust)
    assert isinstance(table, pd.DataFrame)
    notes = (
        f"Rows of the cross-tables: classes of {outcome!r}; columns: classes of each index; shares within columns "
        "(the study prints them as percentages).",
        "chi_square and fisher_exact use the Dårlig/Godt classes; trend_test (linear-by-linear) the full index scores.",
        f"fisher_exact's odds ratio: odds of {outcome!r} = {codebook.indices[outcome].cut_labels()[0]!r} for the first "
        "vs the second class of the other index (> 1: the lower class on the index goes with lower kvalitet).",
        f"p_adjusted: {adjust} adjustment over all {int(table['p'].notna().sum())} tests of this analysis.",
        "Respondents: " + ("all forms" if form is None else f"form {form!r}") + ".",
    )
    return AnalysisResult(table=table, notes=notes, crosstabs=crosstabs, alpha=alpha)
