"""Factor rotations as psych::fa does them: varimax, psych's promax, GPArotation's oblimin.

psych's rotations are reproduced step by step (so that the bootstrap can
warm-start and skip factor_analyzer's overhead):

- ``"oblimin"``: psych calls ``GPArotation::oblimin(L)`` -- gamma = 0
  (quartimin), **no** Kaiser normalisation (``normalize = FALSE``),
  ``eps = 1e-5``, ``maxit = 1000``, started at the identity; reproduced by
  :func:`_gpf_oblimin` (``GPFoblq``, same step-size rule and stopping rule).
- ``"promax"``: psych's ``kaiser(L, "Promax")``, which is *not*
  ``stats::promax``: rows scaled to unit length, ``stats::varimax`` (itself
  Kaiser-normalised, ``eps = 1e-5``), target ``x |x|^(m-1)`` with ``m = 4``,
  least-squares transformation ``U`` with columns rescaled by
  ``sqrt(diag((U'U)^-1))``, ``Phi = U^-1 U^-T``, rows scaled back.
- ``"varimax"``: ``stats::varimax(L)`` (Kaiser-normalised, ``eps = 1e-5``).

factor_analyzer 0.5.1's ``Rotator`` turned out to follow psych for these three
(its promax does the ``kaiser`` pre/post-normalisation, its oblimin is GPA
without normalisation); on the reference data its rotated loadings agree with
psych and with this module to about 1e-6 (the tests check this). It does not
sort or sign factors like psych, so only the rotation step is comparable.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

__all__ = ["Rotation", "ROTATIONS", "varimax", "promax", "rotate"]

Rotation = Literal["oblimin", "promax", "varimax", "none"]
#: The rotations :func:`rotate` knows.
ROTATIONS: tuple[str, ...] = ("oblimin", "promax", "varimax", "none")


def varimax(x: np.ndarray, normalize: bool = True, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """``stats::varimax``, step for step: returns (rotated loadings, rotation matrix)."""
    nc = x.shape[1]
    if nc < 2:
        return x.copy(), np.eye(nc)
    sc = np.sqrt(np.sum(x**2, axis=1)) if normalize else np.ones(x.shape[0])
    x = x / sc[:, None]
    p = x.shape[0]
    TT = np.eye(nc)
    d = 0.0
    for _ in range(1000):
        z = x @ TT
        B = x.T @ (z**3 - z @ np.diag(np.sum(z**2, axis=0)) / p)
        u, s, vt = np.linalg.svd(B)
        TT = u @ vt
        dpast = d
        d = float(np.sum(s))
        if d < dpast * (1 + eps):
            break
    z = (x @ TT) * sc[:, None]
    return z, TT


def promax(L: np.ndarray, m: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """psych::kaiser(L, rotate = "Promax"): Kaiser-normalised psych::Promax(m = 4)."""
    h2 = np.sum(L**2, axis=1)
    x = L / np.sqrt(h2)[:, None]
    xv, rotmat = varimax(x)
    Q = xv * np.abs(xv) ** (m - 1)
    U = np.linalg.lstsq(xv, Q, rcond=None)[0]
    try:
        d = np.diag(np.linalg.inv(U.T @ U))
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(U.T @ U)
        vals = np.where(vals < np.finfo(float).eps, 100 * np.finfo(float).eps, vals)
        UU = (vecs * vals) @ vecs.T
        np.fill_diagonal(UU, 1.0)
        d = np.diag(np.linalg.inv(UU))
    U = U @ np.diag(np.sqrt(d))
    z = xv @ U
    U = rotmat @ U
    ui = np.linalg.inv(U)
    phi = ui @ ui.T
    return z * np.sqrt(h2)[:, None], phi, U


def _oblimin_vgq(L: np.ndarray) -> tuple[np.ndarray, float]:
    L2 = L**2
    X = L2 @ (1.0 - np.eye(L.shape[1]))
    return L * X, float(np.sum(L2 * X) / 4.0)


def _gpf_oblimin(A: np.ndarray, Tmat: np.ndarray | None = None, eps: float = 1e-5,
                 maxit: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """GPArotation::GPFoblq(A, method = "oblimin", gam = 0, normalize = FALSE), step for step."""
    k = A.shape[1]
    T = np.eye(k) if Tmat is None else Tmat.copy()
    al = 1.0
    Tinv = np.linalg.inv(T)
    L = A @ Tinv.T
    Gq, f = _oblimin_vgq(L)
    G = -(L.T @ Gq @ Tinv).T
    s = np.inf
    for _ in range(maxit + 1):
        Gp = G - T * np.sum(T * G, axis=0)[None, :]
        s = math.sqrt(float(np.sum(Gp * Gp)))
        if s < eps:
            break
        al *= 2.0
        for _i in range(11):
            X = T - al * Gp
            v = 1.0 / np.sqrt(np.sum(X**2, axis=0))
            Tt = X * v[None, :]
            Ttinv = np.linalg.inv(Tt)
            L = A @ Ttinv.T
            Gq_t, f_t = _oblimin_vgq(L)
            if f - f_t > 0.5 * s * s * al:
                break
            al /= 2.0
        T = Tt
        f = f_t
        G = -(L.T @ Gq_t @ Ttinv).T
    converged = s < eps
    return L, T.T @ T, T, converged


def rotate(L: np.ndarray, rotation: Rotation, start: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray | None]:
    """Rotate loadings as ``psych::fa(rotate = ...)``.

    Parameters
    ----------
    L : numpy.ndarray
        Unrotated loadings (items x factors).
    rotation : {"oblimin", "promax", "varimax", "none"}
    start : numpy.ndarray, optional
        Starting transformation for oblimin (default the identity).

    Returns
    -------
    tuple
        (rotated loadings, factor correlations Phi, converged, transformation ``T`` for oblimin or None).
    """
    k = L.shape[1]
    if k < 2 or rotation == "none":
        return L.copy(), np.eye(k), True, None
    if rotation == "varimax":
        z, _ = varimax(L)
        return z, np.eye(k), True, None
    if rotation == "promax":
        z, phi, _ = promax(L)
        return z, phi, True, None
    Lr, phi, T, conv = _gpf_oblimin(L, start)
    return Lr, phi, conv, T

