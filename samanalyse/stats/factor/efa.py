"""Exploratory factor analysis reproducing ``psych::fa``, and regression factor scores.

*Extraction* is :func:`samanalyse.stats.factor.extraction.extract`:
``psych::fa`` minimises, over the uniquenesses psi (bounds 0.005 .. 1, start
``1 - SMC``), the minres criterion (squared off-diagonal residuals) or the ML
criterion; the same criteria, bounds and start are minimised with analytic
gradients and a tight tolerance (``engine="native"``), and the loadings are
built the same way (``FAout.wls`` / ``FAout``). ``engine="factor_analyzer"``
uses ``factor_analyzer.FactorAnalyzer`` for the unrotated solution instead.

*Rotation* is :mod:`samanalyse.stats.factor.rotation` (psych's oblimin,
promax and varimax step by step). Before rotating, columns are flipped so
their sums are positive (as psych does; the rotation's starting point depends
on it).

*Output order and sign* (documented convention, not psych's): factors are
sorted by variance explained (``diag(Phi L'L)``, as psych), then each factor is
flipped so that its largest absolute loading is positive (psych flips so the
column *sum* is positive; both give the same result unless a factor's
largest loading is negative while its sum is positive). Factors are named
``F1, F2, ...`` in that order.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from samanalyse.errors import ConvergenceWarning, DataError, HeywoodWarning
from samanalyse.stats.factor.checks import (
    blas_single_thread,
    check_choice,
    check_int,
    check_type,
    select_items,
)
from samanalyse.stats.factor.correlation import CorrelationResult
from samanalyse.stats.factor.extraction import PSI_LOWER, extract
from samanalyse.stats.factor.rotation import ROTATIONS, Rotation, rotate

__all__ = ["FAMethod", "Engine", "FactorFit", "fit_factors", "EFAResult", "efa", "factor_scores"]

FAMethod = Literal["minres", "ml"]
Engine = Literal["native", "factor_analyzer"]


def _order_and_sign(L: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort factors by variance explained, largest |loading| positive; returns (L, Phi, order)."""
    ev = np.diag(phi @ L.T @ L)
    order = np.argsort(-ev, kind="stable")
    L = L[:, order]
    phi = phi[np.ix_(order, order)]
    idx = np.argmax(np.abs(L), axis=0)
    s = np.sign(L[idx, np.arange(L.shape[1])])
    s[s == 0] = 1.0
    return L * s, phi * np.outer(s, s), order


@dataclass(frozen=True)
class FactorFit:
    """A fitted factor solution as arrays (see :func:`fit_factors`)."""

    loadings: np.ndarray   # rotated, ordered, signed
    phi: np.ndarray
    unrotated: np.ndarray
    h2: np.ndarray
    psi: np.ndarray
    converged: bool
    rotation_converged: bool
    iterations: int
    objective: float
    T: np.ndarray | None


def fit_factors(r: np.ndarray, k: int, method: FAMethod, rotation: Rotation, *, start: np.ndarray | None = None,
                engine: Engine = "native", order: bool = True) -> FactorFit:
    """Extract and rotate ``k`` factors of ``r`` as ``psych::fa`` (no checks; the bootstrap's inner step).

    Columns are flipped so their sums are positive before rotating (as psych);
    with ``order`` the factors are then sorted and signed (see the module notes).
    """
    ex = extract(r, k, method, start=start, engine=engine)
    L0 = ex.loadings
    s = np.sign(L0.sum(axis=0))
    s[s == 0] = 1.0
    L0 = L0 * s
    L0 = np.where(L0 == 0, 1e-15, L0)
    Lr, phi, rconv, T = rotate(L0, rotation)
    if order:
        Lr, phi, _ = _order_and_sign(Lr, phi)
    h2 = np.sum(L0**2, axis=1)
    return FactorFit(Lr, phi, L0, h2, ex.psi, ex.converged, rconv, ex.iterations, ex.objective, T)


@dataclass(frozen=True)
class EFAResult:
    """An exploratory factor analysis.

    Attributes
    ----------
    loadings : pandas.DataFrame
        Tidy pattern loadings, fixed columns ``item, factor, loading`` (items
        in input order, factors ``F1 .. Fk`` sorted by variance explained;
        each factor's largest absolute loading is positive).
    communalities : pandas.DataFrame
        Fixed columns ``item, communality, uniqueness, heywood``
        (``communality`` = row sum of squared unrotated loadings, psych's
        ``communality``; ``uniqueness = 1 - communality``).
    phi : pandas.DataFrame
        Factor correlations (identity for orthogonal rotations).
    variance : pandas.DataFrame
        Fixed columns ``factor, ss_loadings, proportion_var, cumulative_var,
        proportion_explained`` (``ss_loadings = diag(Phi L'L)``, psych's
        ``Vaccounted``).
    corr : CorrelationResult
        The analysed correlations.
    method, rotation, engine : str
    n_factors : int
    converged : bool
        Extraction converged (optimizer success).
    rotation_converged : bool
    heywood : tuple of str
        Items with communality >= 1 or a uniqueness at the lower bound 0.005.
    objective : float
        Final value of the fitting criterion.
    """

    loadings: pd.DataFrame
    communalities: pd.DataFrame
    phi: pd.DataFrame
    variance: pd.DataFrame
    corr: CorrelationResult = field(repr=False)
    method: FAMethod
    rotation: Rotation
    engine: Engine
    n_factors: int
    converged: bool
    rotation_converged: bool
    heywood: tuple[str, ...]
    objective: float

    @property
    def items(self) -> list[str]:
        return self.corr.items

    @property
    def factors(self) -> list[str]:
        return list(self.phi.index)

    def loadings_matrix(self) -> pd.DataFrame:
        """Pattern loadings as an items x factors table."""
        return self.loadings.pivot(index="item", columns="factor", values="loading").loc[self.items, self.factors]

    def structure_matrix(self) -> pd.DataFrame:
        """Structure matrix ``L Phi`` (item-factor correlations)."""
        return self.loadings_matrix() @ self.phi

    def summary(self) -> str:
        """Text summary: loadings, communalities, variance, Phi, warnings."""
        m = self.loadings_matrix().copy()
        c = self.communalities.set_index("item")
        m["h2"] = c["communality"]
        m["u2"] = c["uniqueness"]
        lines = [
            f"EFA: {self.n_factors} factor(s), {self.method}, rotation {self.rotation} "
            f"({self.corr.method} correlations, {self.corr.missing} missing, n = {self.corr.n_obs})",
            m.round(3).to_string(),
            "",
            self.variance.set_index("factor").round(3).to_string(),
        ]
        if self.n_factors > 1 and self.rotation in ("oblimin", "promax"):
            lines += ["", "Factor correlations (Phi):", self.phi.round(3).to_string()]
        if self.heywood:
            lines.append(f"Heywood case(s): {', '.join(self.heywood)}")
        if not self.converged:
            lines.append("WARNING: the extraction did not converge")
        if not self.rotation_converged:
            lines.append("WARNING: the rotation did not converge")
        return "\n".join(lines)


def _check_n_factors(n_factors: object, p: int) -> int:
    return check_int("n_factors", n_factors, 1, p - 1)


def efa(
    corr: CorrelationResult,
    *,
    n_factors: int,
    method: FAMethod = "minres",
    rotation: Rotation = "oblimin",
    engine: Engine = "native",
) -> EFAResult:
    """Exploratory factor analysis reproducing ``psych::fa``.

    Parameters
    ----------
    corr : CorrelationResult
        From :func:`~samanalyse.stats.factor.correlation.correlations` (or :meth:`CorrelationResult.from_matrix`).
    n_factors : int
        Number of factors (1 .. items - 1).
    method : {"minres", "ml"}
        Extraction (psych's ``fm``).
    rotation : {"oblimin", "promax", "varimax", "none"}
        psych-compatible rotations (see the module notes).
    engine : {"native", "factor_analyzer"}
        Unrotated solution from this module's optimiser (default, fast) or
        from ``factor_analyzer.FactorAnalyzer``.

    Returns
    -------
    EFAResult

    Warns
    -----
    HeywoodWarning
        An item's communality is >= 1, or its uniqueness sits at the lower
        bound 0.005 (communality 0.995: a boundary Heywood case).
    ConvergenceWarning
        The extraction or the rotation did not converge.
    """
    check_type("corr", corr, CorrelationResult, "a CorrelationResult")
    check_choice("method", method, ["minres", "ml"])
    check_choice("rotation", rotation, list(ROTATIONS))
    check_choice("engine", engine, ["native", "factor_analyzer"])
    r = corr.matrix.to_numpy(float)
    k = check_int("n_factors", n_factors, 1, r.shape[0] - 1)
    with blas_single_thread():
        fit = fit_factors(r, k, method, rotation, engine=engine)
    items = corr.items
    fnames = [f"F{i + 1}" for i in range(k)]
    heywood = tuple(it for it, h, ps in zip(items, fit.h2, fit.psi) if h >= 1.0 or ps <= PSI_LOWER + 1e-8)
    if heywood:
        warnings.warn(
            f"Heywood case: item(s) {', '.join(map(repr, heywood))} have communality >= 1 or a uniqueness at "
            f"the bound {PSI_LOWER} (communalities {', '.join(f'{h:.3f}' for h, it in zip(fit.h2, items) if it in heywood)}). "
            "Interpret the solution with care (too many factors, or too few respondents?).",
            HeywoodWarning, stacklevel=2,
        )
    if not fit.converged:
        warnings.warn(f"The {method} extraction did not converge.", ConvergenceWarning, stacklevel=2)
    if not fit.rotation_converged:
        warnings.warn(f"The {rotation} rotation did not converge in 1000 iterations.", ConvergenceWarning,
                      stacklevel=2)
    L = fit.loadings
    tidy = pd.DataFrame(
        {"item": np.repeat(items, k), "factor": np.tile(fnames, len(items)), "loading": L.ravel()}
    )
    comm = pd.DataFrame({"item": items, "communality": fit.h2, "uniqueness": 1.0 - fit.h2,
                         "heywood": [it in heywood for it in items]})
    ss = np.diag(fit.phi @ L.T @ L)
    p = len(items)
    var = pd.DataFrame({"factor": fnames, "ss_loadings": ss, "proportion_var": ss / p,
                        "cumulative_var": np.cumsum(ss) / p, "proportion_explained": ss / ss.sum()})
    return EFAResult(
        loadings=tidy, communalities=comm, phi=pd.DataFrame(fit.phi, index=fnames, columns=fnames),
        variance=var, corr=corr, method=method, rotation=rotation, engine=engine, n_factors=k,
        converged=fit.converged, rotation_converged=fit.rotation_converged, heywood=heywood,
        objective=fit.objective,
    )


def _score_weights(r: np.ndarray, L: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Thurstone regression weights ``R^-1 L Phi``."""
    return np.linalg.solve(r, L @ phi)


def factor_scores(fit: EFAResult, data: pd.DataFrame | None = None, *, min_items: int | None = None) -> pd.DataFrame:
    """Regression (Thurstone) factor scores per respondent.

    Item scores are standardised with the analysed data's mean and standard
    deviation (n - 1); a missing item counts as the item mean (z = 0); the
    weights are ``R^-1 L Phi`` (``R`` the analysed correlation matrix, which
    for polychoric correlations is an approximation, as in psych).

    Parameters
    ----------
    fit : EFAResult
    data : pandas.DataFrame, optional
        Item scores (same columns); default the data behind ``fit.corr``.
    min_items : int, optional
        Fewest answered items for a score (else NA); default half the items,
        rounded up.

    Returns
    -------
    pandas.DataFrame
        Same index as the data; ``respondent`` (if present) and one column per
        factor.
    """
    base = fit.corr.data
    if base is None:
        raise DataError("This factor analysis was run on a bare correlation matrix; factor scores need the data.")
    data = base if data is None else data
    items = fit.items
    frame = select_items(data, items)
    p = len(items)
    min_items = math.ceil(p / 2) if min_items is None else check_int("min_items", min_items, 1, p)
    x = frame.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    b = base[items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    mu = np.nanmean(b, axis=0)
    sd = np.nanstd(b, axis=0, ddof=1)
    z = (x - mu) / sd
    answered = np.sum(~np.isnan(z), axis=1)
    z = np.where(np.isnan(z), 0.0, z)
    W = _score_weights(fit.corr.matrix.to_numpy(float), fit.loadings_matrix().to_numpy(float),
                       fit.phi.to_numpy(float))
    sc = z @ W
    sc[answered < min_items] = np.nan
    out = pd.DataFrame(index=data.index)
    if "respondent" in data.columns:
        out["respondent"] = data["respondent"].to_numpy()
    for j, f in enumerate(fit.factors):
        out[f] = sc[:, j]
    return out
