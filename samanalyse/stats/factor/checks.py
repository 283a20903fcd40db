"""Argument and data checks shared by the factor-analysis statistics (one place for the layer).

Every check raises a :class:`~samanalyse.errors.SamanalyseError` subclass that
quotes the bad value: :class:`~samanalyse.errors.ArgumentError` for an argument
of the wrong kind or out of range, :class:`~samanalyse.errors.DataError` for
data that cannot be analysed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, DataError

__all__ = [
    "Missing",
    "check_choice",
    "check_int",
    "check_seed",
    "check_fraction",
    "check_missing",
    "check_type",
    "select_items",
    "numeric_items",
    "check_variance",
    "blas_single_thread",
]

Missing = Literal["pairwise", "listwise"]


def check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    """``value`` must be one of ``allowed``."""
    if value not in allowed:
        raise ArgumentError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}.")


def check_type(name: str, value: object, kind: type, what: str) -> None:
    """``value`` must be an instance of ``kind`` (``what`` names it in the message)."""
    if not isinstance(value, kind):
        raise ArgumentError(f"{name} must be {what}, got {type(value).__name__}.")


def check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    """An integer in ``[lo, hi]`` (``hi`` None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentError(f"{name} must be an integer; got {value!r}.")
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise ArgumentError(f"{name} must be {rng}; got {value!r}.")
    return int(value)


def check_seed(seed: object) -> int:
    """A non-negative integer seed (required: results are reproducible only with one)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(
            f"seed must be a non-negative integer (results are reproducible only with one); got {seed!r}.")
    return int(seed)


def check_fraction(name: str, value: object, lo: float = 0.0, hi: float = 1.0) -> float:
    """A number in ``[lo, hi]``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not (
        lo <= float(value) <= hi
    ):
        raise ArgumentError(f"{name} must be a number between {lo} and {hi}; got {value!r}.")
    return float(value)


def check_missing(missing: object) -> Missing:
    """``"pairwise"`` or ``"listwise"``; there is no default."""
    if missing not in ("pairwise", "listwise"):
        raise ArgumentError(f"missing must be 'pairwise' or 'listwise' (no default); got {missing!r}.")
    return missing  # type: ignore[return-value]


def select_items(data: pd.DataFrame, items: Sequence[str] | None) -> pd.DataFrame:
    """The item columns of ``data`` (default: every column but ``respondent``), at least two, no repeats."""
    check_type("data", data, pd.DataFrame, "a pandas DataFrame")
    if items is None:
        items = [c for c in data.columns if c != "respondent"]
    items = list(items)
    unknown = [i for i in items if i not in data.columns]
    if unknown:
        raise DataError(
            f"Item(s) {', '.join(map(repr, unknown))} are not columns of the data; columns are "
            f"{', '.join(map(str, data.columns))}."
        )
    if len(set(items)) != len(items):
        dup = sorted({i for i in items if items.count(i) > 1})
        raise DataError(f"Item(s) {', '.join(map(repr, dup))} are listed twice.")
    if len(items) < 2:
        raise DataError(f"Correlations need at least 2 items; got {items!r}.")
    return data[items]


def numeric_items(frame: pd.DataFrame) -> np.ndarray:
    """The item columns as a float array (NaN = missing); each must be numeric and vary."""
    bad = [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().all())]
    if bad:
        raise DataError(
            f"Item column(s) {', '.join(map(repr, bad))} are not numeric; compute item scores first "
            "(e.g. priority_scores(data, codebook=...))."
        )
    x = frame.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    check_variance(frame.columns, x, "all answers equal, or none")
    return x


def check_variance(names: Sequence[object], x: np.ndarray, why: str) -> None:
    """Every column of ``x`` (NaN = missing) must vary; the message names the constant ones and ``why``."""
    with np.errstate(invalid="ignore"):
        sd = np.nanstd(x, axis=0)
    novar = [c for c, s in zip(names, sd) if not s > 0]
    if novar:
        raise DataError(f"Item(s) {', '.join(map(repr, novar))} have no variance ({why}).")


def blas_single_thread() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread for the many tiny (10 x 10) problems.

    With a multi-threaded OpenBLAS on a busy machine, scipy's L-BFGS-B and
    ``eigh`` on 10 x 10 matrices were 40-50 times slower than single-threaded
    (thread start-up and contention dominate). threadpoolctl comes with
    scikit-learn (a dependency of factor_analyzer); without it nothing changes.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
