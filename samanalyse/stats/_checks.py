"""Argument checks and the warning log shared by the modules of :mod:`samanalyse.stats`.

One place for the checks every statistic repeats (a level strictly between 0
and 1, a whole number, a seed) and for :class:`WarningLog`, which both emits
a warning and keeps its text for the ``warnings`` field of a result.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, SamanalyseWarning, SmallCellWarning

__all__ = ["WarningLog", "category_order", "check_level", "check_seed", "check_whole"]


class WarningLog:
    """Collect warning messages for a results row *and* emit them as warnings."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def warn(self, message: str, category: type[SamanalyseWarning] = SmallCellWarning, stacklevel: int = 3) -> None:
        """Emit ``message`` as ``category`` once and remember it."""
        if message not in self.messages:
            self.messages.append(message)
            warnings.warn(message, category, stacklevel=stacklevel)

    def extend(self, messages: Iterable[str]) -> None:
        """Remember messages already emitted elsewhere (not emitted again)."""
        for m in messages:
            if m not in self.messages:
                self.messages.append(m)

    def text(self) -> str:
        """All messages joined by ``"; "`` (empty if none)."""
        return "; ".join(self.messages)


def check_level(value: object, name: str = "confidence") -> None:
    """Raise :class:`ArgumentError` unless ``value`` is a number strictly between 0 and 1."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < 1:
        raise ArgumentError(f"{name} must be a number strictly between 0 and 1; got {value!r}.")


def check_whole(value: object, name: str, minimum: int = 0) -> int:
    """Raise :class:`ArgumentError` unless ``value`` is a whole number ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ArgumentError(f"{name} must be a whole number >= {minimum}; got {value!r}.")
    return int(value)


def check_seed(seed: object) -> int:
    """Raise :class:`ArgumentError` unless ``seed`` is an integer."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ArgumentError(f"seed must be an integer; got {seed!r}.")
    return int(seed)


def category_order(values: pd.Series) -> list[Hashable]:
    """Categories of a Categorical in their order, else the sorted distinct values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(pd.unique(values.dropna()).tolist(), key=lambda v: (str(type(v)), v))
