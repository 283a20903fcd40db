"""Tests of items and indices against background variables, on respondent data.

The codebook-aware wrappers of :mod:`samanalyse.stats.contingency` and
:mod:`samanalyse.stats.ordinal`: outcomes and predictors are columns of the
respondent data or names of codebook indices (categorical tests then use the
index's class, rank and trend tests its score); answers are collapsed and
scored through :mod:`samanalyse.survey.answers`. Every test returns the same
tidy table (:data:`RESULT_COLUMNS`), one row per test, so results can be
stacked with :func:`pandas.concat` and adjusted together with
:func:`samanalyse.stats.multiple.adjust_pvalues`:

``test, outcome, predictor, n, statistic, df, p, p_adjusted, effect,
effect_name, ci_low, ci_high, method, warnings``

``p_adjusted`` is NaN until adjusted. ``warnings`` holds the text of every
warning raised for the row (each is also emitted as a
:class:`~samanalyse.errors.SamanalyseWarning` subclass); empty if none.

:func:`chi_square` (Pearson, asymptotic / Monte Carlo / exact p, Cramér's V),
:func:`fisher_exact`, :func:`kruskal_wallis`, :func:`trend_test`
(Cochran–Armitage or linear-by-linear), :func:`ordinal_regression`
(proportional odds, as R ``MASS::polr``) and :func:`cramers_v`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from samanalyse.analysis._variables import (
    _categorical,
    _check_names,
    _is_index,
    _numeric,
    _two_way,
)
from samanalyse.analysis.indices import Scoring
from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats._checks import (
    WarningLog,
    category_order,
    check_level,
    check_seed,
    check_whole,
)
from samanalyse.stats.contingency import (
    P_VALUES,
    HypothesisTest,
    PValue,
    chi_square_test,
    cramers_v_ci,
    fisher_test,
    kruskal_wallis_test,
    pearson_statistic,
    trend_statistic,
)
from samanalyse.stats.ordinal import proportional_odds
from samanalyse.survey.codebook import Codebook

__all__ = [
    "RESULT_COLUMNS",
    "chi_square",
    "cramers_v",
    "fisher_exact",
    "kruskal_wallis",
    "ordinal_regression",
    "results_frame",
    "trend_test",
]

#: Fixed columns of every results table.
RESULT_COLUMNS: tuple[str, ...] = (
    "test", "outcome", "predictor", "n", "statistic", "df", "p", "p_adjusted",
    "effect", "effect_name", "ci_low", "ci_high", "method", "warnings",
)


# --------------------------------------------------------------------------
# Rows, values, tables
# --------------------------------------------------------------------------


def _row(test: str, outcome: str, predictor: str, n: int, res: HypothesisTest | None = None, *,
         effect_name: str = "", method: str = "", log: WarningLog | None = None) -> dict[str, object]:
    r = res or HypothesisTest(effect_name=effect_name, method=method)
    return {
        "test": test, "outcome": outcome, "predictor": predictor, "n": int(n), "statistic": float(r.statistic),
        "df": float(r.df), "p": float(r.p), "p_adjusted": math.nan, "effect": float(r.effect),
        "effect_name": r.effect_name, "ci_low": float(r.ci_low), "ci_high": float(r.ci_high), "method": r.method,
        "warnings": log.text() if log is not None else "",
    }


_DTYPES = {"n": np.int64, **{c: np.float64 for c in ("statistic", "df", "p", "p_adjusted", "effect", "ci_low",
                                                      "ci_high")}}


def results_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Rows of a results table as a DataFrame with :data:`RESULT_COLUMNS` and their dtypes."""
    rows = list(rows)
    if rows:  # column by column: the frame the records would give, without pandas' per-record inference
        return pd.DataFrame({c: np.array([r[c] for r in rows], dtype=_DTYPES[c]) if c in _DTYPES
                             else [r[c] for r in rows] for c in RESULT_COLUMNS}, columns=list(RESULT_COLUMNS))
    out = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    out["n"] = out["n"].astype("int64")
    for c in ("statistic", "df", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        out[c] = out[c].astype(float)
    return out




# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def cramers_v(
    data: pd.DataFrame, outcome: str, by: str, *, codebook: Codebook | None = None, collapse: str | None = None,
    exclude: Sequence[Hashable] = (), confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Cramér's V of ``outcome`` by ``by`` with a noncentral chi-square interval.

    See :func:`samanalyse.stats.contingency.cramers_v_ci` (R ``effectsize::cramers_v``).

    Returns
    -------
    tuple of float
        ``(v, ci_low, ci_high)``; NaN (with a warning) for a degenerate table.
    """
    check_level(confidence)
    table, _, _, n, degenerate = _two_way(data, outcome, by, codebook, collapse, exclude, WarningLog(), "cramers_v")
    if degenerate:
        return math.nan, math.nan, math.nan
    return cramers_v_ci(pearson_statistic(table), n, table.shape, confidence)


def chi_square(
    data: pd.DataFrame, outcome: str, by: str, *, seed: int, codebook: Codebook | None = None,
    collapse: str | None = None, exclude: Sequence[Hashable] = (), p_value: PValue = "auto", correct: bool = False,
    n_sim: int = 10000, confidence: float = 0.95,
) -> pd.DataFrame:
    """Pearson chi-square test of independence of ``outcome`` and ``by``, with Cramér's V.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    outcome : str
        Column or codebook index name (its class is used).
    by : str
        Background column or index name.
    seed : int
        Seed of ``numpy.random.default_rng`` for Monte Carlo p-values.
    codebook : Codebook or None
        Needed for ``collapse`` and index names.
    collapse : str or None
        Collapse rule of the outcome's scale.
    exclude : sequence
        Outcome categories left out (e.g. a "don't know" category).
    p_value : {"auto", "asymptotic", "monte_carlo", "exact"}
        See :func:`samanalyse.stats.contingency.chi_square_test` (R ``chisq.test``, ``fisher.test``).
    correct : bool
        Yates continuity correction for 2×2 tables (R's ``correct = TRUE``).
    n_sim : int
        Monte Carlo tables.
    confidence : float
        Level of the Cramér's V interval.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`; ``test = "chi_square"``,
        ``effect_name = "cramers_v"``. ``method`` says how p was computed.
    """
    check_level(confidence)
    check_seed(seed)
    check_whole(n_sim, "n_sim", 1)
    if p_value not in P_VALUES:
        raise ArgumentError(f"p_value must be 'auto', 'asymptotic', 'monte_carlo' or 'exact'; got {p_value!r}.")
    log = WarningLog()
    table, _, _, n, degenerate = _two_way(data, outcome, by, codebook, collapse, exclude, log, "chi_square")
    if degenerate:
        return results_frame([_row("chi_square", outcome, by, n, effect_name="cramers_v",
                                   method="Pearson chi-square", log=log)])
    res = chi_square_test(table, p_value=p_value, correct=correct, n_sim=n_sim, seed=seed, confidence=confidence,
                          where=f" for {outcome!r} by {by!r}")
    log.extend(res.warnings)
    return results_frame([_row("chi_square", outcome, by, n, res, log=log)])


def fisher_exact(
    data: pd.DataFrame, outcome: str, by: str, *, seed: int, codebook: Codebook | None = None,
    collapse: str | None = None, exclude: Sequence[Hashable] = (), n_sim: int = 10000, confidence: float = 0.95,
) -> pd.DataFrame:
    """Fisher's exact test of ``outcome`` by ``by`` (R ``fisher.test``).

    2×2: conditional MLE odds ratio of the *first* outcome category in the
    first vs the second group, with its exact interval; larger tables:
    Fisher–Freeman–Halton p with Cramér's V (see
    :func:`samanalyse.stats.contingency.fisher_test`). Parameters are those of
    :func:`chi_square`.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`, ``test = "fisher_exact"``.
    """
    check_level(confidence)
    check_seed(seed)
    check_whole(n_sim, "n_sim", 1)
    log = WarningLog()
    table, rows, cols, n, degenerate = _two_way(data, outcome, by, codebook, collapse, exclude, log, "fisher_exact")
    if degenerate:
        return results_frame([_row("fisher_exact", outcome, by, n, method="Fisher's exact test", log=log)])
    res = fisher_test(table, n_sim=n_sim, seed=seed, confidence=confidence, rows=rows, cols=cols)
    log.extend(res.warnings)
    return results_frame([_row("fisher_exact", outcome, by, n, res, log=log)])


def kruskal_wallis(
    data: pd.DataFrame, outcome: str, by: str, *, codebook: Codebook | None = None, scoring: Scoring | None = None,
) -> pd.DataFrame:
    """Kruskal–Wallis rank test of ``outcome`` across the groups of ``by`` (R ``kruskal.test``).

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
        How the outcome becomes numbers (see :mod:`samanalyse.analysis.indices`);
        None: numeric columns as they are, ordered Categoricals by category order.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`, ``test = "kruskal_wallis"``,
        effect epsilon-squared.
    """
    _check_names(data, [outcome, by], codebook, "kruskal_wallis")
    log = WarningLog()
    y = _numeric(data, outcome, codebook, scoring)
    g = _categorical(data, by, codebook)
    ok = y.notna() & g.notna()
    groups = category_order(g)
    samples = [y[ok & (g == lvl)].to_numpy(dtype=float) for lvl in groups]
    empty = [lvl for lvl, s in zip(groups, samples) if len(s) == 0]
    if empty:
        log.warn(f"group(s) {', '.join(map(repr, empty))} of {by!r} have no respondents and are left out")
    samples = [s for s in samples if len(s)]
    n = int(sum(len(s) for s in samples))
    method = "Kruskal-Wallis rank sum test (tie-corrected); effect epsilon-squared H/(n-1)"
    if n < 2 or len(samples) < 2:
        log.warn(f"{outcome!r} by {by!r}: {n} respondent(s) in {len(samples)} group(s); need two groups; NaN")
        return results_frame([_row("kruskal_wallis", outcome, by, n, effect_name="epsilon_squared", method=method,
                                   log=log)])
    allv = np.concatenate(samples)
    if np.all(allv == allv[0]):
        log.warn(f"all {n} values of {outcome!r} are equal; the Kruskal-Wallis test is undefined (NaN)")
        return results_frame([_row("kruskal_wallis", outcome, by, n, effect_name="epsilon_squared", method=method,
                                   log=log)])
    return results_frame([_row("kruskal_wallis", outcome, by, n, kruskal_wallis_test(samples), log=log)])


def _group_scores(data: pd.DataFrame, by: str, codebook: Codebook | None,
                  scores: Mapping[Hashable, float] | Sequence[float] | None) -> pd.Series:
    """Numeric scores of the groups of ``by`` for a trend test."""
    if codebook is not None and _is_index(by, data, codebook):
        return _numeric(data, by, codebook)
    gcol = data[by]
    if scores is not None:
        levels = category_order(gcol)
        if isinstance(scores, Mapping):
            smap = dict(scores)
        else:
            scores = list(scores)
            if len(scores) != len(levels):
                raise ArgumentError(f"scores has {len(scores)} values but {by!r} has {len(levels)} groups {levels!r}.")
            smap = dict(zip(levels, scores))
        missing = [lvl for lvl in pd.unique(gcol.dropna()) if lvl not in smap]
        if missing:
            raise DataError(f"scores give no score for group(s) {', '.join(map(repr, missing))} of {by!r}.")
        return gcol.astype(object).map(lambda v: smap.get(v, np.nan) if pd.notna(v) else np.nan).astype(float)
    if isinstance(gcol.dtype, pd.CategoricalDtype):
        if not gcol.cat.ordered:
            raise DataError(
                f"{by!r} is an unordered categorical ({list(gcol.cat.categories)!r}); a trend test needs ordered "
                "groups: make it ordered or pass scores=..."
            )
        return (gcol.cat.codes + 1).where(gcol.notna()).astype(float)
    if pd.api.types.is_numeric_dtype(gcol):
        return gcol.astype("Float64").astype(float)
    if pd.to_numeric(gcol.dropna().astype(object), errors="coerce").notna().all():
        return pd.to_numeric(gcol.astype(object), errors="coerce").astype(float)
    raise DataError(f"{by!r} has text values; a trend test needs ordered groups or scores=...")


def _outcome_scores(data: pd.DataFrame, outcome: str, codebook: Codebook | None, collapse: str | None,
                    exclude: Sequence[Hashable], scoring: Scoring | None) -> tuple[pd.Series, bool]:
    """Numeric outcome of a trend test and whether it is binary (0/1)."""
    col = data[outcome] if outcome in data.columns else None
    categorical = col is not None and (
        collapse is not None or isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object
        or pd.api.types.is_string_dtype(col))
    if categorical and scoring is None:
        yc = _categorical(data, outcome, codebook, collapse, exclude)
        used = [c for c in category_order(yc) if (yc == c).any()]
        if len(used) <= 2:
            return ((yc == used[-1]).astype(float).where(yc.notna()) if used else yc.astype(float)), True
        yc = yc.astype(pd.CategoricalDtype(category_order(yc), ordered=True)) if not isinstance(
            yc.dtype, pd.CategoricalDtype) else yc.cat.as_ordered()
        return yc.cat.codes.where(yc.notna()).astype(float), False
    y = _numeric(data, outcome, codebook, scoring)
    if exclude:
        raise ArgumentError("exclude only applies to categorical outcomes; set scoring=None.")
    return y, bool(y.dropna().nunique() == 2 and set(y.dropna().unique()) <= {0.0, 1.0})


def trend_test(
    data: pd.DataFrame, outcome: str, by: str, *, scores: Mapping[Hashable, float] | Sequence[float] | None = None,
    codebook: Codebook | None = None, collapse: str | None = None, exclude: Sequence[Hashable] = (),
    scoring: Scoring | None = None, confidence: float = 0.95, sign: int = 1,
) -> pd.DataFrame:
    """Test for a linear trend of ``outcome`` over the ordered groups of ``by``.

    Binary outcome (two categories after ``collapse``/``exclude``): the
    Cochran–Armitage test (R ``prop.trend.test``); otherwise the
    linear-by-linear association test; effect the Pearson r of the scores
    (see :func:`samanalyse.stats.contingency.trend_statistic`). Positive r:
    higher outcome scores (binary: the *second* category) in higher groups.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    outcome : str
        Column or index name. Categorical with two categories: binary;
        otherwise scored by ``scoring`` (index names: the index score).
    by : str
        Ordered groups: an ordered Categorical (scores 1, 2, … by default, R's
        default), a numeric column (its values are the scores) or an index.
    scores : mapping or sequence or None
        Scores of the groups of ``by`` (mapping group → score, or one score per
        category in order).
    codebook, collapse, exclude :
        As :func:`chi_square`.
    scoring : {"numeric", "scale", "index"} or None
        Scoring of an ordinal outcome (as :func:`kruskal_wallis`).
    confidence : float
        Level of the interval for r.
    sign : {1, -1}
        Orientation of the group scores: -1 when a higher value of ``by``
        means *less* of its concept (the plan's ``higher_is_more: false``), so
        that r is per step towards more of the concept.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`RESULT_COLUMNS`; ``test`` is ``"cochran_armitage"``
        or ``"linear_by_linear"``.
    """
    check_level(confidence)
    if sign not in (1, -1):
        raise ArgumentError(f"sign must be 1 or -1; got {sign!r}.")
    _check_names(data, [outcome, by], codebook, "trend_test")
    log = WarningLog()
    s = _group_scores(data, by, codebook, scores) * sign
    y, binary = _outcome_scores(data, outcome, codebook, collapse, exclude, scoring)
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
        return results_frame([_row(test, outcome, by, n, effect_name="r", method=method, log=log)])
    if np.all(yy == yy[0]) or np.all(ss == ss[0]):
        what = outcome if np.all(yy == yy[0]) else by
        log.warn(f"all {n} respondents have the same value of {what!r}; the trend test is undefined (NaN)")
        return results_frame([_row(test, outcome, by, n, effect_name="r", method=method, log=log)])
    res = trend_statistic(yy, ss, binary=binary, confidence=confidence)
    return results_frame([_row(test, outcome, by, n, res, log=log)])


def _design(data: pd.DataFrame, y: pd.Series, by: list[str], signs: Mapping[str, int], log: WarningLog
            ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """Complete cases and the dummy/numeric design matrix of an ordinal regression."""
    frame = pd.DataFrame({"__y": y}, index=data.index)
    categorical = {b: isinstance(data[b].dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(data[b])
                   for b in by}
    for b in by:
        col = data[b]
        frame[b] = col.astype(object).where(col.notna(), None) if categorical[b] else col.astype("Float64").astype(float)
    frame = frame.dropna()
    cols: dict[str, pd.Series] = {}
    terms: dict[str, list[str]] = {}
    for b in by:
        if categorical[b]:
            levels = category_order(data[b])
            present = [lvl for lvl in levels if (frame[b] == lvl).any()]
            empty = [lvl for lvl in levels if lvl not in present]
            if empty:
                log.warn(f"group(s) {', '.join(map(repr, empty))} of {b!r} have no respondents in the model and are "
                         "left out")
            terms[b] = []
            for lvl in present[1:]:
                cols[f"{b}[{lvl}]"] = (frame[b] == lvl).astype(float)
                terms[b].append(f"{b}[{lvl}]")
        else:
            cols[b] = frame[b].astype(float) * signs.get(b, 1)
            terms[b] = [b]
    names = [t for b in by for t in terms[b]]
    X = pd.DataFrame(cols, index=frame.index)[names] if names else pd.DataFrame(index=frame.index)
    return frame, X, terms


def ordinal_regression(
    data: pd.DataFrame, outcome: str, by: Sequence[str], *, codebook: Codebook | None = None,
    scoring: Scoring | None = None, confidence: float = 0.95, maxiter: int = 2000,
    signs: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Proportional-odds (ordinal logistic) regression of ``outcome`` on ``by`` jointly (R ``MASS::polr``).

    Categorical predictors enter as dummies against their first category
    (empty categories dropped with a warning); numeric ones as they are,
    multiplied by ``signs[name]`` (-1 for a scale where higher means less of
    its concept). Respondents with a missing value are left out. The model
    is :func:`samanalyse.stats.ordinal.proportional_odds`.

    Rows: one Wald test per term (``test = "ordinal_regression"``:
    ``statistic`` = z, ``effect`` = odds ratio), one likelihood-ratio test per
    predictor variable (``"ordinal_regression_lr"``), then the LR test of the
    whole model (``predictor = "(all)"``). The thresholds are in
    ``result.attrs["thresholds"]`` and the log-likelihood in ``result.attrs["loglik"]``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    outcome : str
        Ordinal outcome: column (scored as in :func:`kruskal_wallis`) or index name (its score).
    by : sequence of str
        Predictor columns.
    codebook, scoring :
        As :func:`kruskal_wallis`.
    confidence : float
        Level of the odds-ratio intervals.
    maxiter : int
        Maximum BFGS iterations.
    signs : mapping or None
        Orientation (+1/-1) of numeric predictors; default +1.

    Returns
    -------
    pandas.DataFrame
        :data:`RESULT_COLUMNS` rows as described above.
    """
    check_level(confidence)
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise ArgumentError("ordinal_regression needs at least one predictor in by=[...].")
    _check_names(data, [outcome, *by], codebook, "ordinal_regression")
    log = WarningLog()
    frame, X, terms = _design(data, _numeric(data, outcome, codebook, scoring), by, dict(signs or {}), log)
    n = len(frame)
    names = list(X.columns)
    yv = frame["__y"].to_numpy(dtype=float)
    levels_y = np.unique(yv)
    method = "proportional-odds logistic regression (statsmodels OrderedModel, logit, BFGS; as MASS::polr)"
    n_par = X.shape[1] + len(levels_y) - 1
    const = [c for c in X.columns if X[c].nunique() < 2]
    if len(levels_y) < 2 or n <= n_par or not names or const:
        if len(levels_y) < 2:
            log.warn(f"{outcome!r} has {len(levels_y)} distinct value(s) among {n} respondents; no ordinal model (NaN)")
        elif const:
            log.warn(f"term(s) {', '.join(map(repr, const))} are constant among the {n} respondents; no ordinal model "
                     "(NaN)")
        else:
            log.warn(f"{n} respondent(s) are too few for {n_par} parameters; no ordinal model (NaN)")
        return results_frame([_row("ordinal_regression", outcome, t, n, effect_name="odds_ratio", method=method,
                                   log=log) for t in (names or by)])
    fit = proportional_odds(yv, X, terms=terms, confidence=confidence, maxiter=maxiter, what=repr(outcome))
    log.extend(fit.warnings)
    rows = []
    for r in fit.tests.itertuples(index=False):
        if r.kind == "wald":
            res = HypothesisTest(r.statistic, r.df, r.p, r.effect, "odds_ratio", r.ci_low, r.ci_high, method + "; Wald z")
            rows.append(_row("ordinal_regression", outcome, r.term, n, res))
        else:
            how = ("; likelihood-ratio test of all predictors jointly" if r.term == "(all)"
                   else f"; likelihood-ratio test dropping {r.term!r}")
            rows.append(_row("ordinal_regression_lr", outcome, r.term, n,
                             HypothesisTest(r.statistic, r.df, r.p, method=method + how)))
    out = results_frame(rows)
    out["warnings"] = log.text()
    out.attrs["thresholds"] = fit.thresholds
    out.attrs["loglik"] = fit.loglik
    return out
