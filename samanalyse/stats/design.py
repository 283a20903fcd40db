"""Design-based estimation: shares, means and totals with standard errors, design effects and intervals.

Generic (no survey knowledge). A :class:`Design` holds the weights, strata, clusters (first-stage
units, e.g. kommuner with persons inside), the finite-population correction and, optionally,
the :class:`~samanalyse.stats.weighting.WeightingResult` the weights came from. Variances are
linearised (Taylor) with the ultimate-cluster estimator of R ``survey::svyrecvar`` and account
for post-stratification, raking and calibration as R does after ``postStratify``/``rake``/
``calibrate``. Every function names the R function it mirrors (``survey`` 4.1.1); the test
values are in ``tests/reference/weighting.json``.

Domains (``by=``) are estimated as R does with ``subset(design, ...)``: units outside the domain
keep their place in the design with influence 0; the domain's degrees of freedom are its
clusters minus its strata (R ``degf``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse, special
from scipy import stats as sps

from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats.domains import domain_degf, domain_sums, domain_variances
from samanalyse.stats.weighting import WeightingResult

__all__ = ["Design", "RaoScottResult", "survey_design", "design_mean", "design_total", "design_share",
           "rao_scott_chisq", "SHARE_METHODS", "ESTIMATE_COLUMNS"]

SHARE_METHODS = ("logit", "beta", "wilson", "mean", "asin", "xlogit")
ESTIMATE_COLUMNS = ["variable", "domain", "estimate", "se", "deff", "df", "n", "ci_lower", "ci_upper", "method"]


@dataclass(frozen=True)
class Design:
    """A survey design over ``data`` (build it with :func:`survey_design`)."""

    data: pd.DataFrame = field(repr=False)
    weights: np.ndarray = field(repr=False)
    strata: np.ndarray = field(repr=False)
    clusters: np.ndarray = field(repr=False)
    fpc: np.ndarray | None = field(repr=False)
    calibration: WeightingResult | None = field(repr=False, default=None)

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def df(self) -> int:
        """Degrees of freedom: clusters minus strata (R ``degf``)."""
        return _degf(self, np.ones(self.n, bool))


def _codes(data: pd.DataFrame, col: str | None, what: str) -> np.ndarray:
    if col is None:
        return np.arange(len(data)) if what == "clusters" else np.zeros(len(data), np.intp)
    if col not in data.columns:
        raise ArgumentError(f"{what}={col!r} is not a column of data; columns: {', '.join(map(str, data.columns))}")
    if data[col].isna().any():
        raise DataError(f"{what} column {col!r} is missing in rows {list(data.index[data[col].isna()][:5])}")
    return pd.factorize(data[col].astype(str), sort=True)[0].astype(np.intp)


def survey_design(data: pd.DataFrame, *, weights: str | Sequence[float] | WeightingResult | None = None,
                  strata: str | None = None, clusters: str | None = None,
                  frame_size: str | float | None = None) -> Design:
    """A stratified one-stage cluster design; mirrors R ``survey::svydesign(ids, strata, weights, fpc)``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent (person or unit).
    weights : str, array or WeightingResult, optional
        A column, an array, or calibrated weights (whose variance adjustment is then used; their units
        are the rows of ``data`` in order, see :meth:`WeightingResult.take`); default 1.
    strata : str, optional
        Column of strata.
    clusters : str, optional
        Column of first-stage clusters (e.g. the kommune of each person); default: each row.
    frame_size : str or float, optional
        Number of first-stage units in the frame: a column (per stratum, as R's ``fpc``) or a number
        (unstratified). Without it there is no finite-population correction.
    """
    calibration = weights if isinstance(weights, WeightingResult) else None
    if calibration is not None:
        w = calibration.weights.to_numpy(float)   # row by row, as the weighting's units
    elif isinstance(weights, str):
        if weights not in data.columns:
            raise ArgumentError(f"weights={weights!r} is not a column of data; columns: {', '.join(map(str, data.columns))}")
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(float)
    elif weights is None:
        w = np.ones(len(data))
    else:
        w = np.asarray(weights, float)
    if len(w) != len(data) or np.isnan(w).any() or (w < 0).any():
        raise DataError("weights must be one non-negative number per row of data")
    fpc = None
    if isinstance(frame_size, str):
        if frame_size not in data.columns:
            raise ArgumentError(f"frame_size={frame_size!r} is not a column of data")
        fpc = pd.to_numeric(data[frame_size], errors="coerce").to_numpy(float)
    elif frame_size is not None:
        fpc = np.full(len(data), float(frame_size))
    d = Design(data, w, _codes(data, strata, "strata"), _codes(data, clusters, "clusters"), fpc, calibration)
    _check_design(d)
    return d


def _check_design(d: Design) -> None:
    nested = pd.DataFrame({"s": d.strata, "c": d.clusters}).drop_duplicates()
    if nested["c"].duplicated().any():
        raise DataError("clusters are not nested in strata: a cluster appears in more than one stratum")
    per = nested.groupby("s").size()
    if (per < 2).any():
        raise DataError(f"{int((per < 2).sum())} strata have only one cluster; a variance needs at least two")
    if d.fpc is not None:
        n_h = per.reindex(d.strata).to_numpy()
        if np.isnan(d.fpc).any() or (d.fpc < n_h).any():
            raise DataError("frame_size is smaller than the number of sampled clusters in a stratum")


def _variance(d: Design, x: np.ndarray) -> np.ndarray:
    """Ultimate-cluster covariance of the totals of influence values ``x`` (n × p); R ``svyrecvar``/``onestage``.

    The full p × p matrix (for :func:`rao_scott_chisq`); the variances of many estimates are
    :func:`samanalyse.stats.domains.domain_variances`.
    """
    if d.calibration is not None:
        x = d.calibration.residualise(x)
    p = x.shape[1]
    v = np.zeros((p, p))
    for h in np.unique(d.strata):
        rows = d.strata == h
        cl = d.clusters[rows]
        ids, inv = np.unique(cl, return_inverse=True)
        n_h = len(ids)
        t = np.zeros((n_h, p))
        np.add.at(t, inv, x[rows])
        f = 1.0 if d.fpc is None else (d.fpc[rows][0] - n_h) / d.fpc[rows][0]
        t = t - t.mean(axis=0)
        v += f * n_h / (n_h - 1) * (t.T @ t)
    return v


def _degf(d: Design, inset: np.ndarray) -> int:
    inset = inset & (d.weights != 0)
    return int(len(np.unique(d.clusters[inset])) - len(np.unique(d.strata[inset])))


def _numeric(d: Design, y: str) -> np.ndarray:
    if y not in d.data.columns:
        raise ArgumentError(f"{y!r} is not a column of data; columns: {', '.join(map(str, d.data.columns))}")
    v = pd.to_numeric(d.data[y], errors="coerce")
    if v.isna().any():
        raise DataError(f"column {y!r} has missing or non-numeric values in rows {list(d.data.index[v.isna()][:5])}; "
                        "drop them (or choose the respondents) before estimating")
    return v.to_numpy(float)


def _values(d: Design, names: list[str]) -> np.ndarray:
    """The n × p matrix of the numeric columns ``names`` (one block copy when they are all float)."""
    missing = [v for v in names if v not in d.data.columns]
    if missing:
        raise ArgumentError(f"{missing[0]!r} is not a column of data; columns: {', '.join(map(str, d.data.columns))}")
    if not names:
        return np.zeros((d.n, 0))
    dtypes = d.data.dtypes
    if all(pd.api.types.is_float_dtype(dtypes[v]) for v in names):
        values = np.empty((d.n, len(names)))   # row-major (sparse products would copy a column-major one)
        for j, v in enumerate(names):
            values[:, j] = d.data[v].to_numpy(float)
        bad = np.isnan(values).any(axis=0)
        if bad.any():
            _numeric(d, names[int(np.flatnonzero(bad)[0])])   # raises, naming the rows
        return values
    return np.column_stack([_numeric(d, v) for v in names])


def _domain_codes(d: Design, by: str | None) -> tuple[list[object], np.ndarray]:
    """The domains of ``by`` (sorted as text) and each row's domain (-1: none, e.g. a missing ``by``)."""
    if by is None:
        return [None], np.zeros(d.n, np.intp)
    if by not in d.data.columns:
        raise ArgumentError(f"by={by!r} is not a column of data; columns: {', '.join(map(str, d.data.columns))}")
    codes, uniques = pd.factorize(d.data[by], sort=False)   # missing: -1
    order = sorted(range(len(uniques)), key=lambda i: str(uniques[i]))
    rank = np.empty(len(order) + 1, np.intp)
    rank[order] = np.arange(len(order))
    rank[-1] = -1
    return [uniques[i] for i in order], rank[codes]


def _estimate(d: Design, y: str | Sequence[str], by: str | None, kind: str,
              values: np.ndarray | None = None, binary: bool = False) -> list[dict]:
    """Estimates of every ``y`` in every domain of ``by``: all sums and variances in one pass (:mod:`.domains`)."""
    names = [y] if isinstance(y, str) else list(y)
    values = _values(d, names) if values is None else values
    levels, g = _domain_codes(d, by)
    sums = domain_sums(values, d.weights, g, len(levels), kind, binary=binary)
    var = domain_variances(sums, d.weights, d.strata, d.clusters, d.fpc, d.calibration)
    df = domain_degf(g, d.weights, d.strata, d.clusters, len(levels))
    psum, nobs = sums.psum, sums.nobs
    est = sums.centred_mean + sums.shift if kind == "mean" else _domain_totals(values, d.weights, sums.g, len(levels))
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = np.where((nobs > 1)[:, None], (nobs / (nobs - 1))[:, None] * sums.sum_sq / psum[:, None], np.nan)
        vsrs = s2 * ((psum - nobs) / (psum * nobs))[:, None] * ((psum ** 2)[:, None] if kind == "total" else 1.0)
        deff = np.where((psum > nobs)[:, None] & (vsrs > 0), var / vsrs, np.nan)   # no deff of a constant
    n_rows = nobs if d.calibration is None else np.full(len(levels), d.n)
    rows = []
    for i, lv in enumerate(levels):
        for j, name in enumerate(names):
            rows.append({"variable": name, "domain": lv, "estimate": float(est[i, j]), "df": int(df[i]),
                         "n": int(nobs[i]), "n_rows": int(n_rows[i]), "se": float(np.sqrt(max(var[i, j], 0.0))),
                         "deff": float(deff[i, j])})
    return rows


def _domain_totals(values: np.ndarray, weights: np.ndarray, g: np.ndarray, n_domains: int) -> np.ndarray:
    inn = np.flatnonzero(g >= 0)
    dom = sparse.csr_matrix((weights[inn], (g[inn], inn)), shape=(n_domains, len(g)))
    return np.asarray(dom @ values)


def _interval(est: float, se: float, df: int, alpha: float) -> tuple[float, float]:
    t = sps.t.ppf(1 - alpha / 2, df)
    return est - t * se, est + t * se


def design_mean(design: Design, y: str | Sequence[str], *, by: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Mean of ``y`` (overall or per domain of ``by``) with SE, design effect, df and t interval; R ``svymean``.

    ``y`` may be a list of columns: one row per column and domain, all variances in one pass.

    Returns
    -------
    DataFrame
        :data:`ESTIMATE_COLUMNS`; ``deff`` as R's ``deff=TRUE`` (against simple random sampling without
        replacement from the weighted total); ``ci_*`` = estimate ± t(df)·SE (R ``confint(..., df=degf)``).
    """
    rows = _estimate(design, y, by, "mean")
    for r in rows:
        r["ci_lower"], r["ci_upper"] = _interval(r["estimate"], r["se"], r["df"], alpha)
        r["method"] = "mean"
    return pd.DataFrame(rows)[ESTIMATE_COLUMNS]


def design_total(design: Design, y: str | Sequence[str], *, by: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Total of ``y`` (overall or per domain) with SE, design effect, df and t interval; R ``svytotal``."""
    rows = _estimate(design, y, by, "total")
    for r in rows:
        r["ci_lower"], r["ci_upper"] = _interval(r["estimate"], r["se"], r["df"], alpha)
        r["method"] = "total"
    return pd.DataFrame(rows)[ESTIMATE_COLUMNS]


def _share_ci(p: np.ndarray, se: np.ndarray, df: np.ndarray, n_rows: np.ndarray, method: str,
              alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The intervals of shares ``p`` with standard errors ``se`` (arrays, one per estimate); see :func:`design_share`."""
    t = sps.t.ppf(1 - alpha / 2, df)
    if method == "mean":
        return p - t * se, p + t * se
    ok = (p > 0) & (p < 1) & (se != 0)
    q = np.where(ok, p, 0.5)
    sd = np.where(ok, se, 1.0)
    if method in ("logit", "xlogit"):
        h = t * sd / (q * (1 - q))
        lo, hi = special.expit(special.logit(q) - h), special.expit(special.logit(q) + h)
    elif method == "asin":
        a, h = np.arcsin(np.sqrt(q)), t * sd / (2 * np.sqrt(q * (1 - q)))
        lo, hi = np.sin(a - h) ** 2, np.sin(a + h) ** 2
    elif method == "wilson":
        n_eff = q * (1 - q) / sd ** 2
        c = (q + t ** 2 / (2 * n_eff)) / (1 + t ** 2 / n_eff)
        h = t / (1 + t ** 2 / n_eff) * np.sqrt(q * (1 - q) / n_eff + t ** 2 / (4 * n_eff ** 2))
        lo, hi = c - h, c + h
    else:   # beta: Korn-Graubard
        n_eff = q * (1 - q) / sd ** 2 * (sps.t.ppf(alpha / 2, n_rows - 1) / sps.t.ppf(alpha / 2, df)) ** 2
        lo = sps.beta.ppf(alpha / 2, n_eff * q, n_eff * (1 - q) + 1)
        hi = sps.beta.ppf(1 - alpha / 2, n_eff * q + 1, n_eff * (1 - q))
        return (np.where(ok, lo, np.where(p <= 0, 0.0, np.nan)), np.where(ok, hi, np.where(p >= 1, 1.0, np.nan)))
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def design_share(design: Design, y: str | Sequence[str], *, by: str | None = None, method: str = "logit",
                 alpha: float = 0.05) -> pd.DataFrame:
    """Share of ``y`` = 1 (a 0/1 column) with SE, design effect and interval; R ``svyciprop``.

    Parameters
    ----------
    method : {"logit", "beta", "wilson", "mean", "asin", "xlogit"}
        ``logit`` (R's default), ``beta`` = Korn–Graubard (R ``method="beta"``, effective n with
        the t(n-1)/t(df) adjustment), ``wilson`` = Wilson score interval with Kish's effective
        n = p(1-p)/SE² and t(df) quantiles (R survey 4.1.1 has no Wilson method; the reference is a
        hand formula in R), ``mean``/``asin``/``xlogit`` as R.
    """
    if method not in SHARE_METHODS:
        raise ArgumentError(f"method={method!r} is not allowed; allowed: {', '.join(SHARE_METHODS)}")
    names = [y] if isinstance(y, str) else list(y)
    values = _values(design, names)
    other = ((values != 0.0) & (values != 1.0)).any(axis=0)
    if other.any():
        raise DataError(f"column {names[int(np.flatnonzero(other)[0])]!r} must be 0/1 for a share; it has other values")
    rows = _estimate(design, names, by, "mean", values, binary=True)
    out = pd.DataFrame(rows)
    if len(out):
        lo, hi = _share_ci(out["estimate"].to_numpy(float), out["se"].to_numpy(float), out["df"].to_numpy(float),
                           out["n_rows"].to_numpy(float), method, alpha)
        out["ci_lower"], out["ci_upper"] = lo.astype(float), hi.astype(float)
    else:
        out = pd.DataFrame(columns=ESTIMATE_COLUMNS)
    out["method"] = method
    return out[ESTIMATE_COLUMNS]


@dataclass(frozen=True)
class RaoScottResult:
    """Rao–Scott adjusted Pearson test of a two-way table (R ``svychisq``).

    ``statistic``: F (``"F"``) or Pearson X² (``"Chisq"``, tested as X²/mean(δ) ~ χ²(df_num));
    ``df_num``/``df_den``: R's ``ndf``/``ddf`` (``df_den`` NaN for ``"Chisq"``); ``pearson``: the
    X² of the weighted table rescaled to n; ``deltas_mean``: the mean generalised design effect.
    """

    statistic: float
    df_num: float
    df_den: float
    p_value: float
    pearson: float
    deltas_mean: float
    kind: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"kind": self.kind, "statistic": self.statistic, "df_num": self.df_num,
                              "df_den": self.df_den, "p_value": self.p_value, "pearson": self.pearson,
                              "deltas_mean": self.deltas_mean}])


def rao_scott_chisq(design: Design, rows: str, cols: str, *, statistic: str = "F") -> RaoScottResult:
    """Rao–Scott second-order (``"F"``) or first-order (``"Chisq"``) test of independence; R ``svychisq``.

    Rows with a missing ``rows`` or ``cols`` value are left out of the table (R's ``na.rm=TRUE``).
    """
    if statistic not in ("F", "Chisq"):
        raise ArgumentError(f"statistic={statistic!r} is not allowed; allowed: F, Chisq")
    for c in (rows, cols):
        if c not in design.data.columns:
            raise ArgumentError(f"{c!r} is not a column of data; columns: {', '.join(map(str, design.data.columns))}")
    r = design.data[rows]
    c = design.data[cols]
    ok = (r.notna() & c.notna()).to_numpy()
    rl = sorted(r[ok].unique(), key=str)
    cl = sorted(c[ok].unique(), key=str)
    nr, nc = len(rl), len(cl)
    if nr < 2 or nc < 2:
        raise DataError(f"a test of {rows} by {cols} needs at least two values of each")
    ri = pd.Categorical(r, categories=rl).codes
    ci = pd.Categorical(c, categories=cl).codes
    cell = np.where(ok, ri + nr * ci, -1)
    n = len(cell)
    mm = np.zeros((n, nr * nc))
    mm[np.arange(n)[ok], cell[ok]] = 1.0
    w = np.where(ok, design.weights, 0.0)
    psum = w.sum()
    mean2 = (w[:, None] * mm).sum(axis=0) / psum
    v = _variance(design, w[:, None] * (mm - mean2) / psum)
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack([np.ones(nr * nc)] + [(grid_r == i).astype(float) for i in range(1, nr)]
                         + [(grid_c == j).astype(float) for j in range(1, nc)])
    inter = np.column_stack([((grid_r == i) & (grid_c == j)).astype(float) for j in range(1, nc) for i in range(1, nr)])
    cmat = inter - x1 @ np.linalg.lstsq(x1, inter, rcond=None)[0]
    idm = np.diag(np.where(mean2 == 0, 0, 1 / np.where(mean2 == 0, 1, mean2)))
    denom = cmat.T @ (idm / n) @ cmat
    numr = cmat.T @ idm @ v @ idm @ cmat
    delta = np.linalg.solve(denom, numr)
    tr = np.trace(delta)
    d0 = tr ** 2 / np.trace(delta @ delta)
    nu = design.df
    table = (mean2 * n).reshape(nc, nr).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    pearson = float(((table - expected) ** 2 / expected).sum())
    if statistic == "F":
        f = pearson / tr
        return RaoScottResult(f, d0, d0 * nu, float(sps.f.sf(f, d0, d0 * nu)), pearson, tr / delta.shape[0], "F")
    k = delta.shape[0]
    return RaoScottResult(pearson, float(k), np.nan, float(sps.chi2.sf(pearson / (tr / k), k)), pearson, tr / k,
                          "Chisq")
