"""Change between two samples of one population: independent and paired comparisons of shares.

Three statistics, none with survey knowledge:

- :func:`proportion_difference`: the difference of a share between two independent simple
  random samples without replacement, each with its own finite-population correction. Each
  share's variance is the one ``survey::svymean`` gives for a design ``svydesign(ids = ~1,
  fpc = ~N)``: ``(1 - n/N) * p (1 - p) / (n - 1)``; the two are independent, so the variance
  of the difference is their sum; the interval and the test use the normal quantile (as
  ``confint`` and the Wald test of a ``svycontrast`` on the two estimates do).
  Effect size: Cohen's *h* (``2 asin sqrt(p2) - 2 asin sqrt(p1)``).
- :func:`mcnemar`: McNemar's test for a 2 x 2 table of paired answers, with R's continuity
  correction (``mcnemar.test(x, correct = TRUE)``).
- :func:`stuart_maxwell`: the Stuart–Maxwell test of marginal homogeneity for a k x k table
  (``coin::mh_test`` asymptotic statistic, equal to ``DescTools::StuartMaxwellTest``).

Examples
--------
>>> d = proportion_difference(60, 100, 80, 100, frame_size1=400, frame_size2=350)
>>> round(d.difference, 2)
0.2
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats._checks import check_level

__all__ = ["ProportionDifference", "PairedTest", "proportion_difference", "mcnemar", "stuart_maxwell",
           "cohen_h"]


@dataclass(frozen=True)
class ProportionDifference:
    """The change of a share between two independent samples (``difference = p2 - p1``).

    Attributes: ``p1, se1, n1, frame_size1, p2, se2, n2, frame_size2, difference, se, ci_low,
    ci_high, z, p, cohen_h, confidence`` (``frame_size`` ``None`` = no finite-population correction).
    """

    p1: float
    se1: float
    n1: int
    frame_size1: int | None
    p2: float
    se2: float
    n2: int
    frame_size2: int | None
    difference: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p: float
    cohen_h: float
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        """One row with the attributes as columns."""
        return pd.DataFrame([asdict(self)])


@dataclass(frozen=True)
class PairedTest:
    """A test of marginal homogeneity of paired categorical answers.

    Attributes: ``test`` (``"mcnemar"`` or ``"stuart_maxwell"``), ``n`` (pairs), ``statistic``,
    ``df``, ``p``, ``discordant`` (pairs whose answer changed), ``table`` (the k x k table, rows =
    first answer, columns = second).
    """

    test: str
    n: int
    statistic: float
    df: int
    p: float
    discordant: int
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row: ``test, n, statistic, df, p, discordant``."""
        return pd.DataFrame([{k: getattr(self, k) for k in ("test", "n", "statistic", "df", "p", "discordant")}])


def _check_sample(count: object, n: object, frame_size: object, which: str) -> tuple[int, int, int | None]:
    """Whole numbers with 0 <= count <= n <= frame_size."""
    vals = []
    for name, v in ((f"count{which}", count), (f"n{which}", n), (f"frame_size{which}", frame_size)):
        if v is None and name.startswith("frame_size"):
            vals.append(None)
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) and not (
                isinstance(v, (float, np.floating)) and float(v).is_integer()):
            raise ArgumentError(f"{name} must be a whole number; got {v!r}.")
        vals.append(int(v))  # type: ignore[arg-type]
    x, m, big = vals
    if x < 0 or m < 1 or x > m:  # type: ignore[operator]
        raise DataError(f"count{which}={x} and n{which}={m} must satisfy 0 <= count <= n and n >= 1.")
    if big is not None and big < m:  # type: ignore[operator]
        raise DataError(f"frame_size{which}={big} is smaller than n{which}={m}; the frame holds every respondent.")
    return x, m, big  # type: ignore[return-value]


def _srs_share(x: int, n: int, frame_size: int | None) -> tuple[float, float]:
    """Share and its standard error under SRS without replacement (``svymean`` with ``fpc``)."""
    p = x / n
    if n < 2:
        return p, math.nan
    f = 0.0 if frame_size is None else n / frame_size
    return p, math.sqrt((1 - f) * p * (1 - p) / (n - 1))


def cohen_h(p1: float, p2: float) -> float:
    """Cohen's *h* for the change from share ``p1`` to ``p2`` (``pwr::ES.h(p2, p1)``)."""
    return float(2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1)))


def proportion_difference(
    count1: int, n1: int, count2: int, n2: int, *,
    frame_size1: int | None = None, frame_size2: int | None = None, confidence: float = 0.95,
) -> ProportionDifference:
    """Difference ``p2 - p1`` of a share between two independent samples, each with its own fpc.

    Mirrors R: ``svymean(~y, svydesign(ids = ~1, fpc = ~N, data = d))`` for each sample, the
    difference of the two means with variance ``se1^2 + se2^2``, a normal-quantile interval and a
    two-sided Wald *z* test.

    Parameters
    ----------
    count1, n1 : int
        Respondents with the property, and respondents, in the first (earlier) sample.
    count2, n2 : int
        The same in the second (later) sample.
    frame_size1, frame_size2 : int or None
        Frame size N of each sample (``None``: no finite-population correction).
    confidence : float
        Level of the interval.

    Returns
    -------
    ProportionDifference

    Raises
    ------
    ArgumentError
        For counts that are not whole numbers or a confidence outside (0, 1).
    DataError
        For ``count > n``, ``n < 1`` or ``frame_size < n``.
    """
    check_level(confidence)
    x1, m1, big1 = _check_sample(count1, n1, frame_size1, "1")
    x2, m2, big2 = _check_sample(count2, n2, frame_size2, "2")
    p1, se1 = _srs_share(x1, m1, big1)
    p2, se2 = _srs_share(x2, m2, big2)
    diff = p2 - p1
    se = math.sqrt(se1**2 + se2**2)
    q = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    if se > 0:
        z = diff / se
        p = float(2 * stats.norm.sf(abs(z)))
    else:
        z, p = math.nan, math.nan
    return ProportionDifference(p1, se1, m1, big1, p2, se2, m2, big2, diff, se, diff - q * se, diff + q * se,
                                z, p, cohen_h(p1, p2), confidence)


def _check_square(table: object) -> pd.DataFrame:
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(np.asarray(table))
    arr = frame.to_numpy(dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 2:
        raise ArgumentError(f"A paired table must be square with at least 2 categories; got shape {arr.shape}.")
    if np.any(arr < 0) or not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise DataError("A paired table holds counts: whole numbers >= 0.")
    return frame


def mcnemar(table: object) -> PairedTest:
    """McNemar's test with continuity correction for a 2 x 2 table of paired answers.

    Exactly R ``mcnemar.test(x, correct = TRUE)``: ``(|b - c| - 1)^2 / (b + c)``, 1 df (no correction
    when ``b == c``, as in R, so the statistic is then 0).
    ``statistic`` and ``p`` are NaN when no pair changed (R gives NaN too).

    Parameters
    ----------
    table : array-like or DataFrame
        2 x 2 counts, rows = first answer, columns = second.

    Raises
    ------
    ArgumentError
        If the table is not 2 x 2.
    DataError
        If it holds anything but whole non-negative counts.
    """
    frame = _check_square(table)
    arr = frame.to_numpy(dtype=float)
    if arr.shape != (2, 2):
        raise ArgumentError(f"McNemar's test needs a 2 x 2 table; got {arr.shape[0]} x {arr.shape[1]} "
                            "(use stuart_maxwell for more categories).")
    b, c = arr[0, 1], arr[1, 0]
    yates = 1.0 if b != c else 0.0   # R corrects only when the table is not symmetric
    stat = (abs(b - c) - yates) ** 2 / (b + c) if b + c > 0 else math.nan
    p = float(stats.chi2.sf(stat, 1)) if np.isfinite(stat) else math.nan
    return PairedTest("mcnemar", int(arr.sum()), float(stat), 1, p, int(b + c), frame)


def stuart_maxwell(table: object) -> PairedTest:
    """Stuart–Maxwell test of marginal homogeneity for a k x k table of paired answers.

    ``d' S^-1 d`` over the first k - 1 differences of row and column margins, with
    ``S_ii = n_i. + n_.i - 2 n_ii`` and ``S_ij = -(n_ij + n_ji)``; chi-square with k - 1 df.
    Equals ``coin::mh_test(x)`` (asymptotic) and ``DescTools::StuartMaxwellTest(x)``. Categories
    nobody chose in either answer are dropped first (they add nothing and make S singular).

    Raises
    ------
    ArgumentError
        If the table is not square with at least 2 used categories.
    DataError
        If it holds anything but whole non-negative counts.
    """
    frame = _check_square(table)
    arr = frame.to_numpy(dtype=float)
    used = (arr.sum(axis=0) + arr.sum(axis=1)) > 0
    arr = arr[np.ix_(used, used)]
    k = arr.shape[0]
    if k < 2:
        raise ArgumentError("The paired table has fewer than 2 categories in use; there is nothing to test.")
    rows, cols = arr.sum(axis=1), arr.sum(axis=0)
    d = (rows - cols)[: k - 1]
    s = -(arr + arr.T)
    np.fill_diagonal(s, rows + cols - 2 * np.diag(arr))
    s = s[: k - 1, : k - 1]
    discordant = int(arr.sum() - np.trace(arr))
    try:
        stat = float(d @ np.linalg.solve(s, d))
    except np.linalg.LinAlgError:
        stat = math.nan
    p = float(stats.chi2.sf(stat, k - 1)) if np.isfinite(stat) else math.nan
    return PairedTest("stuart_maxwell", int(arr.sum()), stat, k - 1, p, discordant, frame)
