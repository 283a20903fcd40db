"""The standard bivariate normal distribution: Genz's ``BVND`` algorithm, vectorised (for the polychoric estimator).

Every quadrature is a matrix-vector product over the Gauss-Legendre nodes.
A BLAS matrix-vector product may round a row differently depending on where
the row sits in the matrix, so the functions take an optional ``seg`` (one
label per point, non-decreasing): the products are then taken segment by
segment, and a segment's numbers are those of a call with that segment's
points alone, bit for bit. This lets many estimation problems be solved in
one vectorised iteration with the numbers of solving them one at a time.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = ["bvn_cdf"]


def _wsum(E: np.ndarray, seg: np.ndarray | None) -> np.ndarray:
    """``E @ _W20``, per segment of rows when ``seg`` is given (see the module notes)."""
    if seg is None or E.shape[0] == 0:
        return E @ _W20
    cut = np.flatnonzero(np.diff(seg)) + 1
    if cut.size == 0:
        return E @ _W20
    out = np.empty(E.shape[0])
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, E.shape[0]]):
        out[lo:hi] = E[lo:hi] @ _W20
    return out


_GL_W = np.array(
    [
        0.01761400713915212, 0.04060142980038694, 0.06267204833410906, 0.08327674157670475,
        0.1019301198172404, 0.1181945319615184, 0.1316886384491766, 0.1420961093183821,
        0.1491729864726037, 0.1527533871307259,
    ]
)
_GL_X = np.array(
    [
        0.9931285991850949, 0.9639719272779138, 0.9122344282513259, 0.8391169718222188,
        0.7463319064601508, 0.6360536807265150, 0.5108670019508271, 0.3737060887154196,
        0.2277858511416451, 0.07652652113349733,
    ]
)
_W20 = np.concatenate([_GL_W, _GL_W])
_X20 = np.concatenate([1.0 - _GL_X, 1.0 + _GL_X])
_TWO_PI = 2.0 * np.pi


def _bvnu(h: np.ndarray, k: np.ndarray, r: np.ndarray, seg: np.ndarray | None = None) -> np.ndarray:
    """P(X > h, Y > k) for finite h, k and |r| < 1 (Genz 2004, 20-point rule); ``seg``: see the module notes."""
    hk = h * k
    out = np.empty_like(h)
    small = np.abs(r) < 0.925
    if np.any(small):
        hs = (h[small] ** 2 + k[small] ** 2) / 2.0
        asr = np.arcsin(r[small]) / 2.0
        sn = asr[:, None] * _X20[None, :]
        np.sin(sn, out=sn)
        # exp((sn hk - hs) / (1 - sn^2)), the same operations in place (no large temporaries)
        e = sn * hk[small][:, None]
        e -= hs[:, None]
        np.square(sn, out=sn)
        np.subtract(1.0, sn, out=sn)
        np.divide(e, sn, out=e)
        bvn = _wsum(np.exp(e, out=e), None if seg is None else seg[small])
        out[small] = bvn * asr / _TWO_PI + ndtr(-h[small]) * ndtr(-k[small])
    big = ~small
    if np.any(big):
        hb = h[big]
        rb = r[big]
        kb = np.where(rb < 0, -k[big], k[big])
        hkb = np.where(rb < 0, -hk[big], hk[big])
        as_ = (1.0 - rb) * (1.0 + rb)
        a = np.sqrt(as_)
        bs = (hb - kb) ** 2
        c = (4.0 - hkb) / 8.0
        d = (12.0 - hkb) / 80.0
        asr = -(bs / as_ + hkb) / 2.0
        bvn = np.where(
            asr > -100, a * np.exp(np.maximum(asr, -100)) * (1 - c * (bs - as_) * (1 - d * bs) / 3 + c * d * as_**2), 0.0
        )
        b = np.sqrt(bs)
        sp = np.sqrt(_TWO_PI) * ndtr(-b / a)
        bvn = np.where(
            hkb > -100, bvn - np.exp(-np.minimum(hkb, 100) / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3), bvn
        )
        a2 = a / 2.0
        xs = (a2[:, None] * _X20[None, :]) ** 2
        asr2 = -(bs[:, None] / xs + hkb[:, None]) / 2.0
        ok = asr2 > -100
        sp2 = 1.0 + c[:, None] * xs * (1.0 + 5.0 * d[:, None] * xs)
        rs = np.sqrt(1.0 - xs)
        ep = np.exp(-(hkb[:, None] / 2.0) * xs / (1.0 + rs) ** 2) / rs
        term = _wsum(np.where(ok, np.exp(np.where(ok, asr2, 0.0)) * (sp2 - ep), 0.0), None if seg is None else seg[big])
        bvn = (a2 * term - bvn) / _TWO_PI
        pos = rb > 0
        res = np.empty_like(hb)
        res[pos] = bvn[pos] + ndtr(-np.maximum(hb[pos], kb[pos]))
        neg = ~pos
        hn, kn, bn = hb[neg], kb[neg], bvn[neg]
        lo = np.where(hn < 0, ndtr(kn) - ndtr(hn), ndtr(-hn) - ndtr(-kn))
        res[neg] = np.where(hn >= kn, -bn, np.maximum(lo, 0.0) - bn)
        out[big] = res
    return np.clip(out, 0.0, 1.0)


def bvn_cdf(x: np.ndarray | float, y: np.ndarray | float, rho: np.ndarray | float,
            seg: np.ndarray | None = None) -> np.ndarray:
    """Standard bivariate normal CDF ``P(X <= x, Y <= y)`` with correlation ``rho``.

    Vectorised over broadcastable ``x``, ``y`` and ``rho``; infinite limits are
    allowed. Uses Genz's ``BVND`` algorithm (Drezner-Wesolowsky with Gauss-
    Legendre quadrature), accurate to about 1e-15.

    Parameters
    ----------
    x, y : array_like
        Upper integration limits (may be ``-inf`` or ``inf``).
    rho : array_like
        Correlation, ``-1 < rho < 1``.

    seg : numpy.ndarray, optional
        Segment label per point (broadcast shape, non-decreasing when raveled):
        each segment's probabilities are those of a call with its points alone.

    Returns
    -------
    numpy.ndarray
        The probabilities, broadcast shape of the inputs.
    """
    x, y, r = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float), np.asarray(rho, float))
    shape = x.shape
    x = x.ravel().copy()
    y = y.ravel().copy()
    r = r.ravel().copy()
    out = np.zeros(x.shape)
    # infinite limits
    xinf_lo = x == -np.inf
    yinf_lo = y == -np.inf
    xinf_hi = x == np.inf
    yinf_hi = y == np.inf
    zero = xinf_lo | yinf_lo
    both_hi = xinf_hi & yinf_hi & ~zero
    out[both_hi] = 1.0
    only_x_hi = xinf_hi & ~yinf_hi & ~zero
    out[only_x_hi] = ndtr(y[only_x_hi])
    only_y_hi = yinf_hi & ~xinf_hi & ~zero
    out[only_y_hi] = ndtr(x[only_y_hi])
    fin = ~(zero | xinf_hi | yinf_hi)
    if np.any(fin):
        out[fin] = _bvnu(-x[fin], -y[fin], r[fin], None if seg is None else np.broadcast_to(seg, shape).ravel()[fin])
    return out.reshape(shape)


def _bvn_pdf_and_drho(x: np.ndarray, y: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard bivariate normal density and its derivative in rho (both 0 at infinite arguments)."""
    fin = np.isfinite(x) & np.isfinite(y)
    xf = np.where(fin, x, 0.0)
    yf = np.where(fin, y, 0.0)
    om = 1.0 - r * r
    q = (xf * xf - 2.0 * r * xf * yf + yf * yf) / om
    phi = np.exp(-q / 2.0) / (_TWO_PI * np.sqrt(om))
    dlog = r / om + xf * yf / om - r * q / om
    return np.where(fin, phi, 0.0), np.where(fin, phi * dlog, 0.0)
