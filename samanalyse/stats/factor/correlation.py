"""Correlation matrices for factor analysis: Pearson or polychoric, pairwise or listwise.

:func:`correlations` computes the matrix the factor analysis starts from
(``stats::cor(use = "pairwise" | "complete")`` or ``psych::polychoric``), with
``psych::cor.smooth`` for a matrix that is not positive definite, and keeps the
analysed rows for the bootstrap and factor scores. How missing answers are
handled is always chosen explicitly (no default).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from samanalyse.errors import (
    ArgumentError,
    DataError,
    NotPositiveDefiniteWarning,
    SmallCellWarning,
)
from samanalyse.stats.factor.checks import (
    Missing,
    check_choice,
    check_int,
    check_missing,
    check_type,
    numeric_items,
    select_items,
)
from samanalyse.stats.polychoric import (
    check_ordinal,
    polychoric_matrix,
    polychoric_stack,
    smooth_correlation,
)

__all__ = ["CorrMethod", "CorrelationResult", "correlations", "correlation_array", "correlation_arrays",
           "pearson_matrix", "usable_rows"]

CorrMethod = Literal["pearson", "polychoric"]


@dataclass(frozen=True)
class CorrelationResult:
    """A correlation matrix with how it was computed.

    Attributes
    ----------
    matrix : pandas.DataFrame
        Items x items correlations.
    n : pandas.DataFrame
        Items x items number of respondents behind each correlation.
    n_obs : int
        Sample size used for tests: listwise = complete rows; pairwise = the
        smallest pairwise n (conservative).
    method : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
    smoothed : bool
        The matrix was not positive definite and was smoothed (psych::cor.smooth).
    thresholds : pandas.DataFrame or None
        Polychoric thresholds (item x 1..K-1), None for Pearson.
    global_thresholds : bool
        Polychoric only: psych's ``global`` as used.
    data : pandas.DataFrame or None
        The analysed rows (``respondent`` first if the input had it, then the
        item scores), kept for bootstrap and factor scores; None if built from
        a matrix.
    """

    matrix: pd.DataFrame
    n: pd.DataFrame
    n_obs: int
    method: CorrMethod
    missing: Missing
    smoothed: bool = False
    thresholds: pd.DataFrame | None = None
    global_thresholds: bool = True
    data: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def items(self) -> list[str]:
        """Item names in matrix order."""
        return list(self.matrix.index)

    def to_frame(self) -> pd.DataFrame:
        """One row per pair: fixed columns ``item_1, item_2, r, n``."""
        it = self.items
        rows = [(it[i], it[j], float(self.matrix.iat[i, j]), int(self.n.iat[i, j]))
                for i in range(len(it)) for j in range(i + 1, len(it))]
        return pd.DataFrame(rows, columns=["item_1", "item_2", "r", "n"])

    def summary(self) -> str:
        """Text summary."""
        head = (f"{self.method.capitalize()} correlations of {len(self.items)} items "
                f"({self.missing} missing, n = {self.n_obs})")
        lines = [head]
        if self.smoothed:
            lines.append("not positive definite: smoothed as psych::cor.smooth")
        lines.append(self.matrix.round(3).to_string())
        return "\n".join(lines)

    @classmethod
    def from_matrix(cls, matrix: pd.DataFrame, n_obs: int, *, method: CorrMethod = "pearson",
                    missing: Missing = "listwise") -> CorrelationResult:
        """Wrap a given correlation matrix (no data: no bootstrap, no scores)."""
        m = _check_corr_matrix(matrix)
        n_obs = check_int("n_obs", n_obs, 3)
        nmat = pd.DataFrame(np.full(m.shape, n_obs), index=m.index, columns=m.columns)
        return cls(m, nmat, n_obs, method, missing)


def _check_corr_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    check_type("The correlation matrix", matrix, pd.DataFrame, "a DataFrame")
    a = matrix.to_numpy(dtype=float)
    if a.shape[0] != a.shape[1] or list(matrix.index) != list(matrix.columns):
        raise ArgumentError(
            f"The correlation matrix must be square with equal row and column names; got {a.shape}.")
    if not np.allclose(a, a.T, atol=1e-10) or not np.allclose(np.diag(a), 1.0) or np.any(np.isnan(a)):
        raise ArgumentError("The correlation matrix must be symmetric, without NaN, with 1 on the diagonal.")
    return matrix.astype(float)


def pearson_matrix(x: np.ndarray, missing: Missing) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlations and pairwise n of an (n, p) array with NaN (``stats::cor``).

    ``missing="listwise"`` is ``use = "complete.obs"``, ``"pairwise"`` is
    ``use = "pairwise.complete.obs"`` (means and variances per pair).
    """
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
        n = x.shape[0]
        r = np.corrcoef(x, rowvar=False)
        return r, np.full(r.shape, n)
    m = (~np.isnan(x)).astype(float)
    x0 = np.where(np.isnan(x), 0.0, x)
    npair = m.T @ m
    sx = x0.T @ m          # sum of x_i over rows where j observed
    sxx = (x0 * x0).T @ m  # sum of x_i^2 over rows where j observed
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / npair
        vx = sxx - sx * sx / npair
        r = cov / np.sqrt(vx * vx.T)
    np.fill_diagonal(r, 1.0)
    return r, npair


def correlations(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    method: CorrMethod,
    missing: Missing,
    smooth: bool = True,
    correct: float = 0.5,
) -> CorrelationResult:
    """Pearson or polychoric correlation matrix of item scores.

    Mirrors ``stats::cor`` (Pearson) and ``psych::polychoric`` (see
    :mod:`samanalyse.stats.polychoric`), followed by ``psych::cor.smooth``.

    Parameters
    ----------
    data : pandas.DataFrame
        Item scores (numbers; NaN = missing), e.g. from
        :func:`samanalyse.analysis.priorities.priority_scores`.
    items : sequence of str, optional
        Columns to use; default all but ``respondent``.
    method : {"pearson", "polychoric"}
        Polychoric needs integer codes.
    missing : {"pairwise", "listwise"}
        Required, no default.
    smooth : bool
        Smooth a non-positive-definite matrix (psych::cor.smooth), with a
        :class:`~samanalyse.errors.NotPositiveDefiniteWarning`.
    correct : float
        Polychoric continuity correction (psych's ``correct``).

    Returns
    -------
    CorrelationResult

    Raises
    ------
    ArgumentError
        Unknown ``method`` or ``missing``.
    DataError
        Non-numeric or constant items, or too few complete rows.
    """
    check_choice("method", method, ["pearson", "polychoric"])
    missing = check_missing(missing)
    frame = select_items(data, items)
    used = frame.dropna() if missing == "listwise" else frame[frame.notna().any(axis=1)]
    if len(used) < 3:
        raise DataError(f"Only {len(used)} respondent(s) left after {missing} deletion; correlations need at least 3.")
    names = list(frame.columns)
    thresholds = None
    global_thr = True
    if method == "pearson":
        r, npair = pearson_matrix(numeric_items(used), missing)
        if np.any(np.isnan(r)):
            bad = [f"{names[i]}-{names[j]}" for i, j in zip(*np.nonzero(np.isnan(r))) if i < j]
            raise DataError(f"Correlation undefined (no overlap or no variance) for pair(s): {', '.join(bad[:10])}.")
        smoothed = False
        if smooth:
            r, smoothed = smooth_correlation(r)
    else:
        fit = polychoric_matrix(check_ordinal(used, 8), correct=correct, smooth=smooth)
        r, npair, smoothed = fit.rho, fit.n_pair, fit.smoothed
        global_thr = fit.global_thresholds
        thresholds = pd.DataFrame(fit.tau, index=names, columns=[str(k + 1) for k in range(fit.tau.shape[1])])
        if fit.corrected_pairs and correct > 0:
            warnings.warn(f"{fit.corrected_pairs} item pair(s) had empty cells corrected by {correct} "
                          "(psych's continuity correction).", SmallCellWarning, stacklevel=2)
        if np.any(np.isnan(r)):
            raise DataError("Some polychoric correlations are undefined (pairs without common answers).")
    if smoothed:
        warnings.warn(f"The {method} correlation matrix was not positive definite and was smoothed "
                      "(psych::cor.smooth).", NotPositiveDefiniteWarning, stacklevel=2)
    n_obs = len(used) if missing == "listwise" else int(npair[np.triu_indices(len(names), 1)].min())
    return CorrelationResult(
        matrix=pd.DataFrame(r, index=names, columns=names),
        n=pd.DataFrame(np.asarray(npair, int), index=names, columns=names),
        n_obs=n_obs, method=method, missing=missing, smoothed=smoothed,
        thresholds=thresholds, global_thresholds=global_thr, data=_keep_respondent(data, used),
    )


def _keep_respondent(data: pd.DataFrame, used: pd.DataFrame) -> pd.DataFrame:
    """The analysed rows, with the ``respondent`` column first when the data has one."""
    if "respondent" in data.columns and "respondent" not in used.columns:
        out = used.copy()
        out.insert(0, "respondent", data.loc[used.index, "respondent"].to_numpy())
        return out
    return used.copy()


def usable_rows(x: np.ndarray, missing: Missing) -> np.ndarray | None:
    """The rows a fast correlation uses (listwise: complete rows); None if too few or an item is constant."""
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
        if x.shape[0] < 3:
            return None
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.nanstd(x, axis=0)
    return x if np.all(sd > 0) else None


def correlation_array(x: np.ndarray, method: CorrMethod, missing: Missing, correct: float = 0.5) -> np.ndarray:
    """Fast smoothed correlation of a numeric array (bootstrap, resampling); a NaN matrix on failure.

    No checks and no warnings: for the inner loops of the parallel analysis
    and the bootstrap, where a resample with a constant item is skipped.
    """
    return correlation_arrays([x], method, missing, correct)[0]


def correlation_arrays(xs: Sequence[np.ndarray], method: CorrMethod, missing: Missing,
                       correct: float = 0.5, separate: bool = False) -> list[np.ndarray]:
    """:func:`correlation_array` of many arrays; polychoric ones are estimated together (:func:`polychoric_stack`).

    Each matrix agrees with :func:`correlation_array` of its array to about
    1e-16 (a vectorised sum over more pairs may round its last bit
    differently; with ``separate``, bit for bit) and depends only on the
    arrays passed together, so a fixed split of resamples gives the same
    numbers in any process.
    """
    p = xs[0].shape[1] if len(xs) else 0
    used = [usable_rows(x, missing) for x in xs]
    good = [u for u in used if u is not None]
    if method == "pearson":
        raw = [pearson_matrix(u, missing)[0] for u in good]
    elif len(good) == 1:  # one data set: exactly polychoric_matrix, as before
        raw = [polychoric_matrix(good[0], correct=correct, smooth=False).rho]
    else:
        raw = polychoric_stack(good, correct=correct, separate=separate)
    it = iter(raw)
    out = []
    for u in used:
        r = next(it) if u is not None else np.full((p, p), np.nan)
        out.append(r if np.any(np.isnan(r)) else smooth_correlation(r)[0])
    return out
