"""Comparing factor solutions: Tucker's congruence, aligning factors, assigning items.

Used by the bootstrap of a factor solution: each resample's factors are
permuted and flipped to match the full-sample solution (Hungarian algorithm on
the absolute congruences, ``psych::factor.congruence``), and items are assigned
to the factor of their largest absolute loading.
"""

from __future__ import annotations

import numpy as np

__all__ = ["assign_items", "congruence", "align_factors"]


def assign_items(L: np.ndarray, min_loading: float) -> np.ndarray:
    """Factor index with the largest |loading| per item, -1 if below min_loading."""
    a = np.abs(L)
    best = np.argmax(a, axis=1)
    best[a[np.arange(L.shape[0]), best] < min_loading] = -1
    return best


def congruence(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Tucker's congruence coefficients between the columns of A and B."""
    num = A.T @ B
    den = np.sqrt(np.outer(np.sum(A**2, axis=0), np.sum(B**2, axis=0)))
    return num / den


def align_factors(L: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Permute and flip the columns of L to match target (Hungarian on |congruence|)."""
    from scipy.optimize import linear_sum_assignment

    C = congruence(L, target)
    rows, cols = linear_sum_assignment(-np.abs(C))
    out = np.empty_like(target)
    for rr, cc in zip(rows, cols):
        out[:, cc] = L[:, rr] * (1.0 if C[rr, cc] >= 0 else -1.0)
    return out
