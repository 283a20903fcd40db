"""Sum indices from the codebook and the reliability of item sets.

The study builds three sum indices (avsnitt 3.1, 3.2; Tabell 56–57): one point
per item answered in one of the index's ``score_codes`` (e.g. "Gjennomført med
gode erfaringer"), cut into Dårlig/Godt. :func:`index_scores` computes them per
respondent, :func:`index_crosstab` cross-tabulates two of them as Tabell 56–57.

Reliability: :func:`cronbach_alpha` (raw and standardised alpha, Feldt and
Duhachek–Iacobucci intervals, item–rest correlations and alpha-if-dropped, as
R ``psych::alpha`` reports them), :func:`mcdonald_omega` (omega total from a
one-factor minres model, as ``psych::omega(x, nfactors = 1)``, with a
percentile bootstrap interval) and :func:`item_rest`.

Scoring is always explicit (argument ``scoring``):

``"numeric"``
    The columns already hold numbers.
``"scale"``
    Each answer label gets its category's ``score`` from the codebook
    (tilfredshet: Svært godt = 4 … Svært dårlig = 1; prioritet: Høy = 2 …
    Ikke = 0). Categories without a score (Vet ikke/ikke aktuelt) are missing.
    The erfaring scale has no scores: use ``"index"``.
``"index"``
    The index rule: 1 if the answer's code is in the index's ``score_codes``,
    else 0; a missing answer (NA or a "Vet ikke" category) counts 0 under the
    index's ``missing: zero`` rule and makes the respondent missing under
    ``missing: require_all``.

Item sets are analysed with listwise deletion (respondents with a missing score
on any of the items are left out; SPSS RELIABILITY's rule). R ``psych`` uses
pairwise covariances by default; without missing values the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from samanalyse.survey.codebook import Codebook, Index
from samanalyse.errors import ConvergenceWarning, HeywoodWarning, SamanalyseError
from samanalyse.stats.proportions import _check_columns, _check_confidence, _WarningLog
from samanalyse.survey.answers import item_scale as _item_scale
from samanalyse.survey.answers import to_codes as _codes

__all__ = [
    "Scoring",
    "item_scores",
    "index_scores",
    "index_crosstab",
    "AlphaResult",
    "OmegaResult",
    "cronbach_alpha",
    "mcdonald_omega",
    "item_rest",
    "INDEX_SCORES_COLUMNS",
    "ITEM_REST_COLUMNS",
]

Scoring = Literal["numeric", "scale", "index"]

#: Fixed columns of :func:`index_scores`.
INDEX_SCORES_COLUMNS: tuple[str, ...] = ("respondent", "score", "class", "n_points", "n_answered", "n_items")
#: Fixed columns of :func:`item_rest` (and :attr:`AlphaResult.items`).
ITEM_REST_COLUMNS: tuple[str, ...] = (
    "item", "n", "mean", "sd", "r_total", "r_rest", "alpha_if_dropped", "std_alpha_if_dropped",
)


# --------------------------------------------------------------------------
# Checks and scoring
# --------------------------------------------------------------------------


def _resolve_index(index: str | Index, codebook: Codebook | None) -> Index:
    if isinstance(index, Index):
        return index
    if codebook is None:
        raise ValueError(f"Index {index!r} is named by string, so a codebook is needed; pass codebook=...")
    if index not in codebook.indices:
        raise SamanalyseError(
            f"No index {index!r} in the {codebook.round} codebook; indices are {', '.join(codebook.indices) or 'none'}."
        )
    return codebook.indices[index]


def _check_items(items: Sequence[str] | None, index: Index | None, minimum: int = 1) -> list[str]:
    if items is None:
        if index is None:
            raise ValueError("Give items=[...] (or index=... to use the index's items).")
        items = list(index.items)
    if isinstance(items, str):
        raise ValueError(f"items must be a list of column names, not the string {items!r}.")
    items = list(items)
    dupes = sorted({i for i in items if items.count(i) > 1})
    if dupes:
        raise ValueError(f"items lists {', '.join(map(repr, dupes))} more than once.")
    if len(items) < minimum:
        raise ValueError(f"Need at least {minimum} items; got {len(items)}: {items!r}.")
    return items


def _check_scoring(scoring: str) -> None:
    if scoring not in ("numeric", "scale", "index"):
        raise ValueError(f"Unknown scoring {scoring!r}; use 'numeric', 'scale' or 'index'.")


def item_scores(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
) -> pd.DataFrame:
    """Numeric item scores, one column per item (float, NaN = missing).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    items : sequence of str or None
        Item columns; default the items of ``index``.
    codebook : Codebook or None
        Needed for ``scoring="scale"`` and ``"index"``.
    scoring : {"numeric", "scale", "index"}
        How answers become numbers (see the module docs).
    index : str or Index or None
        The index whose ``score_codes`` and ``missing`` rule ``scoring="index"`` uses.

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``, one float column per item.

    Raises
    ------
    SamanalyseError
        If a column is missing, holds labels that are not on the item's scale,
        a scale has no scores, or a numeric column holds text.
    """
    _check_scoring(scoring)
    ix = _resolve_index(index, codebook) if index is not None else None
    items = _check_items(items, ix)
    _check_columns(data, items)
    out = pd.DataFrame(index=data.index)
    if scoring == "numeric":
        for it in items:
            col = data[it]
            if isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype(object)
            num = pd.to_numeric(col, errors="coerce")
            bad = col[col.notna() & num.isna()]
            if len(bad):
                raise SamanalyseError(
                    f"Column {it!r} is not numeric (e.g. {bad.iloc[0]!r}); use scoring='scale' or 'index' with a codebook."
                )
            out[it] = num.astype(float)
        return out
    if scoring == "index" and ix is None:
        raise ValueError("scoring='index' needs index=... (a codebook index name or Index).")
    for it in items:
        scale = _item_scale(codebook, it)
        codes = _codes(data[it], scale, it)
        c = codes.to_numpy(dtype=float, na_value=np.nan)
        if scoring == "scale":
            scores = {cat.code: cat.score for cat in scale.categories if cat.score is not None}
            if not scores:
                raise SamanalyseError(
                    f"Scale {scale.name!r} of item {it!r} has no scores; use scoring='index' with an index's score_codes."
                )
            keys = np.array(list(scores), dtype=float)
            vals = np.array(list(scores.values()), dtype=float)
            res = np.full(len(c), np.nan)
            for k, v in zip(keys, vals):
                res[c == k] = v
            out[it] = res
        else:
            assert ix is not None
            substantive = np.array([cat.code for cat in scale.categories if cat.substantive], dtype=float)
            point = np.where(np.isnan(c), np.nan, np.isin(c, np.array(ix.score_codes, dtype=float)).astype(float))
            answered = np.isin(c, substantive)
            if ix.missing == "zero":
                point = np.nan_to_num(point, nan=0.0)
            else:
                point = np.where(answered, point, np.nan)
            out[it] = point
    return out


# --------------------------------------------------------------------------
# Indices
# --------------------------------------------------------------------------


def index_scores(data: pd.DataFrame, index: str | Index, *, codebook: Codebook) -> pd.DataFrame:
    """Score a codebook index for every respondent.

    One point per item answered with a code in ``score_codes``; under
    ``missing: zero`` unanswered items and "Vet ikke" count 0 points, under
    ``missing: require_all`` the score is missing unless every item has a
    substantive answer. The class is the cut (e.g. ``[0,3] = Dårlig``) the
    score falls in.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data with the index's item columns.
    index : str or Index
        Index name in ``codebook.indices`` (e.g. ``"avtaler_og_ledelse"``) or an Index.
    codebook : Codebook
        The round's codebook.

    Returns
    -------
    pandas.DataFrame
        Same row index as ``data``; columns ``respondent, score, class,
        n_points, n_answered, n_items`` (:data:`INDEX_SCORES_COLUMNS`): score
        (Int64, NA if missing), class (ordered Categorical of the cut labels),
        points before the missing rule, number of substantive answers, number
        of items. ``respondent`` is taken from data's ``respondent`` column, or
        its row index.
    """
    ix = _resolve_index(index, codebook)
    _check_columns(data, ix.items)
    points = item_scores(data, list(ix.items), codebook=codebook, scoring="index", index=ix)
    n_points = points.fillna(0).sum(axis=1).astype(int)
    n_answered = pd.Series(0, index=data.index, dtype=int)
    for it in ix.items:
        scale = _item_scale(codebook, it)
        c = _codes(data[it], scale, it).to_numpy(dtype=float, na_value=np.nan)
        n_answered += np.isin(c, np.array([k.code for k in scale.categories if k.substantive], dtype=float))
    score = pd.Series(n_points, dtype="Int64")
    if ix.missing == "require_all":
        score[points.isna().any(axis=1)] = pd.NA
    labels = ix.cut_labels()

    def classify(s: object) -> object:
        if pd.isna(s):
            return np.nan
        for label, lo, hi in ix.cuts:
            if lo <= int(s) <= hi:  # type: ignore[call-overload]
                return label
        return np.nan  # unreachable: the codebook checks that the cuts cover 0..max

    cls = pd.Categorical(score.astype(object).map(classify), categories=labels, ordered=True)
    resp = data["respondent"] if "respondent" in data.columns else pd.Series(data.index, index=data.index)
    return pd.DataFrame(
        {
            "respondent": resp,
            "score": score,
            "class": cls,
            "n_points": n_points,
            "n_answered": n_answered,
            "n_items": len(ix.items),
        },
        index=data.index,
        columns=list(INDEX_SCORES_COLUMNS),
    )


def index_crosstab(
    data: pd.DataFrame,
    row: str | Index,
    col: str | Index,
    *,
    codebook: Codebook,
    normalize: Literal["columns", "rows", "all"] | None = "columns",
) -> pd.DataFrame:
    """Cross-tabulate the classes of two indices (the study's Tabell 56–57).

    Tabell 56 is ``index_crosstab(data, "kvalitet_pasientforlop",
    "avtaler_og_ledelse", codebook=cb)``: columns are the classes of
    avtaler og ledelse, rows the classes of kvalitet i pasientforløp, and each
    column sums to 1.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    row, col : str or Index
        The indices on the rows and the columns.
    codebook : Codebook
        The round's codebook.
    normalize : {"columns", "rows", "all"} or None
        Shares within columns (the study's percentages, as fractions 0–1),
        rows, or of the total; None gives counts.

    Returns
    -------
    pandas.DataFrame
        Rows = classes of ``row`` (index named after the row index), columns =
        classes of ``col``; every class appears, also when empty. Respondents
        with a missing score on either index are left out.
        ``result.attrs["counts"]`` holds the count table and
        ``result.attrs["n"]`` the number of respondents.

    Warns
    -----
    SmallCellWarning
        If a column (row) to normalise has no respondents; its shares are NaN.
    """
    if normalize not in ("columns", "rows", "all", None):
        raise ValueError(f"normalize must be 'columns', 'rows', 'all' or None; got {normalize!r}.")
    rix, cix = _resolve_index(row, codebook), _resolve_index(col, codebook)
    r = index_scores(data, rix, codebook=codebook)["class"]
    c = index_scores(data, cix, codebook=codebook)["class"]
    ok = r.notna() & c.notna()
    counts = pd.crosstab(
        pd.Categorical(r[ok], categories=rix.cut_labels()),
        pd.Categorical(c[ok], categories=cix.cut_labels()),
        dropna=False,
    ).reindex(index=rix.cut_labels(), columns=cix.cut_labels(), fill_value=0)
    counts.index.name, counts.columns.name = rix.name, cix.name
    log = _WarningLog()
    if normalize is None:
        out = counts.copy()
    elif normalize == "all":
        total = counts.to_numpy().sum()
        if total == 0:
            log.warn(f"no respondents have both {rix.name!r} and {cix.name!r}; shares are NaN")
        out = counts / total if total else counts * np.nan
    else:
        axis_sums = counts.sum(axis=0 if normalize == "columns" else 1)
        empty = [str(k) for k, v in axis_sums.items() if v == 0]
        if empty:
            what = cix.name if normalize == "columns" else rix.name
            log.warn(f"class(es) {', '.join(map(repr, empty))} of {what!r} have no respondents; their shares are NaN")
        denom = axis_sums.replace(0, np.nan)
        out = counts.div(denom, axis=1 if normalize == "columns" else 0).astype(float)
    out.attrs["counts"] = counts
    out.attrs["n"] = int(ok.sum())
    out.attrs["warnings"] = tuple(log.messages)
    return out


# --------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------


def _complete(
    data: pd.DataFrame, items: Sequence[str] | None, codebook: Codebook | None, scoring: str, index: str | Index | None,
    minimum: int = 2,
) -> tuple[pd.DataFrame, list[str]]:
    _check_scoring(scoring)
    ix = _resolve_index(index, codebook) if index is not None else None
    items = _check_items(items, ix, minimum=minimum)
    x = item_scores(data, items, codebook=codebook, scoring=scoring, index=ix)
    return x.dropna(axis=0, how="any"), items


def _alpha_from_cov(C: np.ndarray) -> float:
    k = C.shape[0]
    total = C.sum()
    if not np.isfinite(total) or total <= 0:
        return math.nan
    return k / (k - 1) * (1 - np.trace(C) / total)


def _std_alpha(R: np.ndarray) -> tuple[float, float]:
    k = R.shape[0]
    rbar = (R.sum() - np.trace(R)) / (k * (k - 1))
    return k * rbar / (1 + (k - 1) * rbar), rbar


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of an item set.

    Attributes
    ----------
    alpha : float
        Raw alpha ``k/(k-1) (1 - sum var_i / var_total)`` from the covariance matrix
        (psych's ``raw_alpha``).
    std_alpha : float
        Standardised alpha ``k r / (1 + (k-1) r)``, r the mean inter-item correlation.
    average_r : float
        Mean inter-item (Pearson) correlation.
    ci_low, ci_high : float
        Feldt interval ``1 - (1 - alpha) F_{1-a/2, 1-a/2}(n-1, (n-1)(k-1))``
        (psych ``alpha.ci``, printed as "Feldt").
    ase : float
        Asymptotic standard error of Duhachek & Iacobucci (2004), psych's ``ase``
        (its "Duhachek" interval is ``alpha -/+ 1.96 ase``).
    n : int
        Respondents used (complete on all items).
    n_items : int
        Number of items.
    confidence : float
        Level of the Feldt interval.
    items : pandas.DataFrame
        Per item: ``item, n, mean, sd, r_total, r_rest, alpha_if_dropped,
        std_alpha_if_dropped`` (:data:`ITEM_REST_COLUMNS`).
    scoring : str
        How items were scored.
    warnings : tuple of str
        Warnings raised (also emitted).
    """

    alpha: float
    std_alpha: float
    average_r: float
    ci_low: float
    ci_high: float
    ase: float
    n: int
    n_items: int
    confidence: float
    items: pd.DataFrame = field(repr=False)
    scoring: str = "numeric"
    warnings: tuple[str, ...] = ()


def _item_table(x: pd.DataFrame) -> pd.DataFrame:
    X = x.to_numpy(dtype=float)
    n, k = X.shape
    total = X.sum(axis=1)
    rows = []
    for j, it in enumerate(x.columns):
        rest = total - X[:, j]
        others = [i for i in range(k) if i != j]
        with np.errstate(invalid="ignore", divide="ignore"):
            r_total = _corr(X[:, j], total)
            r_rest = _corr(X[:, j], rest)
            sub = X[:, others]
            a_drop = _alpha_from_cov(np.cov(sub, rowvar=False)) if len(others) >= 2 else math.nan
            sa_drop = _std_alpha(np.corrcoef(sub, rowvar=False))[0] if len(others) >= 2 else math.nan
        rows.append(
            {
                "item": it, "n": n, "mean": float(X[:, j].mean()) if n else math.nan,
                "sd": float(X[:, j].std(ddof=1)) if n > 1 else math.nan,
                "r_total": r_total, "r_rest": r_rest, "alpha_if_dropped": a_drop, "std_alpha_if_dropped": sa_drop,
            }
        )
    return pd.DataFrame(rows, columns=list(ITEM_REST_COLUMNS))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def _reliability_checks(x: pd.DataFrame, log: _WarningLog, what: str) -> bool:
    """Warn about too few respondents or constant items; False if nothing can be computed."""
    n = len(x)
    if n < 2:
        log.warn(f"{what}: only {n} respondent(s) with a score on every item; result is NaN")
        return False
    const = [c for c in x.columns if x[c].nunique() < 2]
    if const:
        log.warn(
            f"{what}: item(s) {', '.join(map(repr, const))} have the same score for every respondent "
            "(zero variance); correlations involving them are NaN"
        )
    return True


def cronbach_alpha(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
    confidence: float = 0.95,
) -> AlphaResult:
    """Cronbach's alpha with Feldt interval, item–rest correlations and alpha-if-dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    items : sequence of str or None
        At least two item columns; default the items of ``index``.
    codebook : Codebook or None
        Needed for ``scoring="scale"``/``"index"``.
    scoring : {"numeric", "scale", "index"}
        How answers become numbers (module docs).
    index : str or Index or None
        Index supplying items and scoring rule for ``scoring="index"``.
    confidence : float
        Level of the Feldt interval.

    Returns
    -------
    AlphaResult
        Matches R ``psych::alpha(x, check.keys = FALSE)`` on complete data:
        ``raw_alpha``, ``std.alpha``, ``average_r``, ``ase``, ``feldt``,
        ``item.stats$r.drop`` (``r_rest``), ``item.stats$raw.r`` (``r_total``),
        ``alpha.drop$raw_alpha``/``std.alpha``.

    Warns
    -----
    SmallCellWarning
        Fewer than two complete respondents (all NaN) or an item without variance.
    """
    _check_confidence(confidence)
    x, items = _complete(data, items, codebook, scoring, index)
    log = _WarningLog()
    n, k = x.shape
    if not _reliability_checks(x, log, "cronbach_alpha"):
        empty = pd.DataFrame({"item": list(x.columns), "n": n}, columns=list(ITEM_REST_COLUMNS))
        return AlphaResult(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, n, k, confidence, empty,
                           scoring, tuple(log.messages))
    X = x.to_numpy(dtype=float)
    C = np.cov(X, rowvar=False)
    alpha = _alpha_from_cov(C)
    if not np.isfinite(alpha):
        log.warn("cronbach_alpha: the total score has no variance; alpha is NaN")
    with np.errstate(invalid="ignore", divide="ignore"):
        R = np.corrcoef(X, rowvar=False)
    std_alpha, rbar = _std_alpha(R)
    a = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2)
    # Duhachek & Iacobucci (2004) ASE, psych::alpha's formula
    sC, tC, CC = C.sum(), np.trace(C), C @ C
    Q = (2 * k**2 / ((k - 1) ** 2 * sC**3)) * (sC * (np.trace(CC) + tC**2) - 2 * tC * CC.sum())
    ase = math.sqrt(Q / n) if Q >= 0 else math.nan
    if alpha < 0:
        log.warn(
            f"cronbach_alpha: alpha is negative ({alpha:.3f}); items may need reverse keying or do not form a scale"
        )
    return AlphaResult(
        float(alpha), float(std_alpha), float(rbar), float(lo), float(hi), float(ase), n, k, confidence,
        _item_table(x), scoring, tuple(log.messages),
    )


def item_rest(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
) -> pd.DataFrame:
    """Item statistics: item–total and item–rest correlations, alpha if the item is dropped.

    Parameters are those of :func:`cronbach_alpha`.

    Returns
    -------
    pandas.DataFrame
        One row per item with columns ``item, n, mean, sd, r_total, r_rest,
        alpha_if_dropped, std_alpha_if_dropped`` (:data:`ITEM_REST_COLUMNS`).
        ``r_rest`` is the correlation of the item with the sum of the *other*
        items (psych ``r.drop``), ``r_total`` with the sum of all items
        (psych ``raw.r``). Listwise deletion over all items.
    """
    x, _ = _complete(data, items, codebook, scoring, index)
    log = _WarningLog()
    if not _reliability_checks(x, log, "item_rest"):
        return pd.DataFrame({"item": list(x.columns), "n": len(x)}, columns=list(ITEM_REST_COLUMNS))
    return _item_table(x)


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total of an item set from a one-factor model.

    Attributes
    ----------
    omega_total : float
        ``1 - sum(u2) / sum(R)``: ``u2 = 1 - lambda^2`` the uniquenesses of a
        one-factor minres (unweighted least squares) fit to the Pearson
        correlation matrix R, ``sum(R)`` the sum of all entries of R — the
        value R ``psych::omega(x, nfactors = 1)`` prints as ``omega.tot``.
    omega_model : float
        The textbook ``(sum lambda)^2 / ((sum lambda)^2 + sum u2)`` from the same fit
        (equal to ``omega_total`` when the model fits exactly).
    loadings : pandas.Series
        One-factor loadings (signs chosen so their sum is positive).
    ci_low, ci_high : float
        Percentile bootstrap interval of ``omega_total`` (``n_boot`` resamples
        of respondents, ``numpy.random.default_rng(seed)``).
    n, n_items, n_boot, seed : int
        Respondents used (complete cases), items, bootstrap resamples, seed.
    confidence : float
        Level of the interval.
    estimator : str
        Description of the estimator.
    warnings : tuple of str
        Warnings raised (also emitted).
    """

    omega_total: float
    omega_model: float
    loadings: pd.Series = field(repr=False)
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int = 0
    n_items: int = 0
    n_boot: int = 0
    seed: int = 0
    confidence: float = 0.95
    estimator: str = ""
    warnings: tuple[str, ...] = ()


def _smc(R: np.ndarray) -> np.ndarray:
    try:
        return 1 - 1 / np.diag(np.linalg.inv(R))
    except np.linalg.LinAlgError:
        return np.full(R.shape[0], 0.5)


def _one_factor_minres(
    R: np.ndarray, h2: np.ndarray | None = None, tol: float = 1e-12, max_iter: int = 20000
) -> tuple[np.ndarray, bool]:
    """One-factor minres loadings as the fixed point of iterated principal axes.

    At a fixed point the loadings are the first principal axis of R with the
    communalities on the diagonal, which is the stationary point of the
    unweighted-least-squares (minres) criterion on the off-diagonal residuals.
    """
    h = _smc(R) if h2 is None else h2.copy()
    lam = np.zeros(R.shape[0])
    for _ in range(max_iter):
        Rr = R.copy()
        np.fill_diagonal(Rr, h)
        w, v = np.linalg.eigh(Rr)
        lam = v[:, -1] * math.sqrt(max(w[-1], 0.0))
        h_new = lam**2
        if np.max(np.abs(h_new - h)) < tol:
            h = h_new
            break
        h = h_new
    else:
        return (lam if lam.sum() >= 0 else -lam), False
    return (lam if lam.sum() >= 0 else -lam), True


def _omega_from_loadings(R: np.ndarray, lam: np.ndarray) -> tuple[float, float]:
    u2 = 1 - lam**2
    return float(1 - u2.sum() / R.sum()), float(lam.sum() ** 2 / (lam.sum() ** 2 + u2.sum()))


def mcdonald_omega(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    scoring: Scoring = "numeric",
    index: str | Index | None = None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int = 20100401,
) -> OmegaResult:
    """McDonald's omega total from a one-factor minres model, with a bootstrap interval.

    Estimator: one-factor minres (unweighted least squares) on the Pearson
    correlation matrix, solved to a fixed point (tolerance 1e-12); omega total
    ``= 1 - sum(1 - lambda^2) / sum(R)`` as ``psych::omega(x, nfactors = 1)``
    (``fm = "minres"``, Pearson correlations). Unlike psych, items with a
    negative loading are *not* reversed (a warning says so). The interval is
    a percentile bootstrap over respondents (``n_boot`` resamples, fixed
    ``seed``, each refit warm-started at the full-sample communalities);
    resamples in which an item has no variance are skipped.

    Parameters
    ----------
    data, items, codebook, scoring, index :
        As :func:`cronbach_alpha` (at least three items, so that the one-factor
        model is identified).
    confidence : float
        Level of the bootstrap interval.
    n_boot : int
        Bootstrap resamples (0: no interval).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    OmegaResult

    Warns
    -----
    HeywoodWarning
        A communality at or above 1.
    ConvergenceWarning
        The minres iteration did not converge.
    SmallCellWarning
        Too few respondents, items without variance, or many failed resamples.
    """
    _check_confidence(confidence)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0; got {n_boot!r}.")
    x, items = _complete(data, items, codebook, scoring, index, minimum=3)
    log = _WarningLog()
    n, k = x.shape
    estimator = (
        "one-factor minres (ULS) on Pearson correlations, iterated principal axes to a fixed point; "
        "omega_total = 1 - sum(u2)/sum(R) (psych::omega nfactors=1); "
        f"percentile bootstrap CI, {n_boot} resamples, numpy default_rng(seed={seed})"
    )
    nan_load = pd.Series(np.nan, index=items)
    if not _reliability_checks(x, log, "mcdonald_omega") or any(x[c].nunique() < 2 for c in x.columns):
        if n >= 2:
            log.warn("mcdonald_omega: an item without variance leaves the correlation matrix undefined; omega is NaN")
        return OmegaResult(math.nan, math.nan, nan_load, n=n, n_items=k, n_boot=n_boot, seed=seed,
                           confidence=confidence, estimator=estimator, warnings=tuple(log.messages))
    X = x.to_numpy(dtype=float)
    R = np.corrcoef(X, rowvar=False)
    lam, ok = _one_factor_minres(R)
    if not ok:
        log.warn("mcdonald_omega: the one-factor minres iteration did not converge", ConvergenceWarning)
    if np.any(lam**2 >= 1):
        bad = [items[i] for i in np.flatnonzero(lam**2 >= 1)]
        log.warn(f"mcdonald_omega: Heywood case, communality >= 1 for {', '.join(map(repr, bad))}", HeywoodWarning)
    if np.any(lam < 0):
        neg = [items[i] for i in np.flatnonzero(lam < 0)]
        log.warn(
            f"mcdonald_omega: negative loading(s) for {', '.join(map(repr, neg))}; reverse-key them before "
            "computing omega (psych would flip them)"
        )
    omega_tot, omega_model = _omega_from_loadings(R, lam)
    lo = hi = math.nan
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        vals = []
        failed = 0
        h0 = lam**2
        for _ in range(n_boot):
            Xb = X[rng.integers(0, n, n)]
            if np.any(Xb.std(axis=0) == 0):
                failed += 1
                continue
            Rb = np.corrcoef(Xb, rowvar=False)
            lb, okb = _one_factor_minres(Rb, h2=h0, tol=1e-9, max_iter=5000)
            if not okb:
                failed += 1
                continue
            vals.append(_omega_from_loadings(Rb, lb)[0])
        if failed > 0.05 * n_boot:
            log.warn(
                f"mcdonald_omega: {failed} of {n_boot} bootstrap resamples failed (constant item or no convergence); "
                "the interval rests on the others"
            )
        if vals:
            a = 1 - confidence
            lo, hi = (float(v) for v in np.quantile(vals, [a / 2, 1 - a / 2]))
    return OmegaResult(
        omega_tot, omega_model, pd.Series(lam, index=items, name="loading"), lo, hi, n, k, n_boot, seed,
        confidence, estimator, tuple(log.messages),
    )
