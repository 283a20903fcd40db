"""Is a correlation matrix suitable for factor analysis? KMO and Bartlett's test of sphericity.

The Kaiser-Meyer-Olkin measure of sampling adequacy (overall and per item) as
``psych::KMO`` and Bartlett's test as ``psych::cortest.bartlett``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from samanalyse.errors import DataError
from samanalyse.stats.factor.checks import check_int, check_type
from samanalyse.stats.factor.correlation import CorrelationResult

__all__ = ["Suitability", "suitability"]


def _kaiser_label(msa: float) -> str:
    for cut, label in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
                       (0.5, "miserable")):
        if msa >= cut:
            return label
    return "unacceptable"


@dataclass(frozen=True)
class Suitability:
    """Is the correlation matrix suitable for factor analysis?

    Attributes
    ----------
    kmo : float
        Overall Kaiser-Meyer-Olkin measure of sampling adequacy.
    kmo_items : pandas.DataFrame
        Fixed columns ``item, msa`` (per-item MSA).
    bartlett_chisq, bartlett_df, bartlett_p : float
        Bartlett's test of sphericity (H0: the correlation matrix is the identity).
    n : int
        Sample size used in Bartlett's test.
    """

    kmo: float
    kmo_items: pd.DataFrame
    bartlett_chisq: float
    bartlett_df: float
    bartlett_p: float
    n: int

    def summary(self) -> str:
        """Text summary with Kaiser's (1974) labels."""
        lines = [
            f"KMO = {self.kmo:.3f} ({_kaiser_label(self.kmo)})",
            f"Bartlett's test of sphericity: chi2({self.bartlett_df:.0f}) = {self.bartlett_chisq:.2f}, "
            f"p = {self.bartlett_p:.3g}, n = {self.n}",
            "MSA per item:",
        ]
        lines += [f"  {r.item:<30} {r.msa:.3f} ({_kaiser_label(r.msa)})" for r in self.kmo_items.itertuples()]
        return "\n".join(lines)


def suitability(corr: CorrelationResult, *, n: int | None = None) -> Suitability:
    """KMO (overall and per item) and Bartlett's test of sphericity.

    Formulas as ``psych::KMO`` and ``psych::cortest.bartlett``: with
    ``Q = R^-1`` and the anti-image (partial) correlations
    ``q_ij = Q_ij / sqrt(Q_ii Q_jj)``,
    ``MSA = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2)`` over i != j (per item: over
    j != i); Bartlett ``chi2 = -log det R * (n - 1 - (2p + 5)/6)``,
    ``df = p(p-1)/2``.

    Parameters
    ----------
    corr : CorrelationResult
        From :func:`~samanalyse.stats.factor.correlation.correlations` (or :meth:`CorrelationResult.from_matrix`).
    n : int, optional
        Sample size for Bartlett's test; default ``corr.n_obs``.

    Returns
    -------
    Suitability

    Raises
    ------
    DataError
        If the correlation matrix is singular.
    """
    check_type("corr", corr, CorrelationResult, "a CorrelationResult")
    n = corr.n_obs if n is None else check_int("n", n, 3)
    r = corr.matrix.to_numpy(float)
    p = r.shape[0]
    try:
        Q = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        raise DataError("The correlation matrix is singular; KMO and Bartlett's test are undefined.") from None
    d = np.sqrt(np.diag(Q))
    q = Q / np.outer(d, d)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    np.fill_diagonal(q, 0.0)
    sr, sq = (r0**2).sum(), (q**2).sum()
    kmo = sr / (sr + sq)
    msai = (r0**2).sum(axis=0) / ((r0**2).sum(axis=0) + (q**2).sum(axis=0))
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise DataError("The correlation matrix is not positive definite; Bartlett's test is undefined.")
    chisq = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) / 2
    return Suitability(
        kmo=float(kmo),
        kmo_items=pd.DataFrame({"item": corr.items, "msa": msai}),
        bartlett_chisq=float(chisq), bartlett_df=float(df), bartlett_p=float(stats.chi2.sf(chisq, df)), n=int(n),
    )
