"""A design-based ratio of two totals with its linearised standard error (R ``survey::svyratio``).

Generic (no survey knowledge), on a :class:`~samanalyse.stats.design.Design`. Used for shares whose
base is not one unit per respondent, e.g. answers pooled over several items per respondent
(``R = sum(w * y) / sum(w * x)`` with ``y`` the respondent's answers in a category and ``x`` the
answers in the base). The variance is that of the total of the influence values
``z = (y - R x) / sum(w * x)`` (Taylor linearisation, as R ``svyratio``), computed by
:func:`~samanalyse.stats.design.design_total`, so strata, clusters, the finite-population
correction and calibrated weights are accounted for exactly as there.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError
from samanalyse.stats.design import Design, _share_ci, design_total

__all__ = ["RatioEstimate", "design_ratio", "design_ratios", "logit_interval"]


@dataclass(frozen=True)
class RatioEstimate:
    """A ratio ``estimate`` with its ``se``, degrees of freedom ``df`` and logit interval ``ci_lower``–``ci_upper``."""

    estimate: float
    se: float
    df: int
    ci_lower: float
    ci_upper: float


def logit_interval(p: float, se: float, df: int, alpha: float = 0.05) -> tuple[float, float]:
    """Interval symmetric on the logit scale, ``logit(p) -/+ t(df) se / (p (1 - p))``; R ``svyciprop(method="logit")``.

    NaN at ``p`` = 0 or 1 or ``se`` = 0 (R collapses such an interval to the estimate). The shares'
    interval of :func:`~samanalyse.stats.design.design_share`, for one estimate.
    """
    lo, hi = _share_ci(np.array([p], float), np.array([se], float), np.array([df]), np.array([0]), "logit", alpha)
    return float(lo[0]), float(hi[0])


def design_ratio(design: Design, numerator: np.ndarray, denominator: np.ndarray, *,
                 alpha: float = 0.05) -> RatioEstimate:
    """``sum(w y) / sum(w x)`` over the design's rows with linearised SE and logit interval; R ``svyratio``.

    Parameters
    ----------
    design : Design
        The survey design (its rows are the respondents).
    numerator, denominator : numpy.ndarray
        ``y`` and ``x``, one number per row of the design.
    alpha : float
        1 - confidence level of the interval (t quantile with the design's degrees of freedom).

    Returns
    -------
    RatioEstimate
        NaN throughout when the weighted denominator is 0.
    """
    y = np.asarray(numerator, float)
    x = np.asarray(denominator, float)
    if y.shape != (design.n,) or x.shape != (design.n,):
        raise ArgumentError(f"numerator and denominator need one value per row of the design ({design.n}); "
                            f"got {y.shape} and {x.shape}")
    return design_ratios(design, y[:, None], x[:, None], alpha=alpha)[0]


def design_ratios(design: Design, numerators: np.ndarray, denominators: np.ndarray, *,
                  alpha: float = 0.05) -> list[RatioEstimate]:
    """:func:`design_ratio` of each column pair of ``numerators`` and ``denominators`` (n × k), in one pass."""
    y = np.asarray(numerators, float)
    x = np.asarray(denominators, float)
    if y.ndim != 2 or y.shape != x.shape or y.shape[0] != design.n:
        raise ArgumentError(f"numerators and denominators need shape (rows of the design = {design.n}, k); "
                            f"got {y.shape} and {x.shape}")
    den = design.weights @ x
    ok = den > 0
    r = np.where(ok, design.weights @ y / np.where(ok, den, 1.0), np.nan)
    z = (y - np.nan_to_num(r) * x) / np.where(ok, den, 1.0)
    names = [f"_z{j}" for j in range(y.shape[1])]
    se = design_total(replace(design, data=pd.DataFrame(z, columns=names)), names)["se"].to_numpy(float)
    out = []
    for j in range(y.shape[1]):
        if not ok[j]:
            out.append(RatioEstimate(float("nan"), float("nan"), design.df, float("nan"), float("nan")))
            continue
        lo, hi = logit_interval(float(r[j]), float(se[j]), design.df, alpha)
        out.append(RatioEstimate(float(r[j]), float(se[j]), design.df, lo, hi))
    return out
