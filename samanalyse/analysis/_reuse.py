"""Values of the tests computed once per analysis: an item's collapsed answers, an index's scores.

:mod:`samanalyse.analysis.planned` tests the same outcome against every background variable, and
each test (chi-square, trend, Kruskal–Wallis, ordinal regression) prepares its variables from the
respondent data on its own. Inside :func:`reusing` the first preparation of a value (keyed by the
data frame and the arguments) is kept and handed to the later tests of the same analysis; nothing
outlives the ``with`` block, so nothing is kept between analyses or runs. The values are the same
objects the tests would have computed (pandas' copy-on-write keeps them unchanged by the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["reusing", "reused"]

T = TypeVar("T")

_MEMO: ContextVar[dict[Hashable, tuple[object, object]] | None] = ContextVar("samanalyse_test_values", default=None)


@contextmanager
def reusing() -> Iterator[None]:
    """Within the block, :func:`reused` computes each value once (nested blocks share the outer one)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def reused(owner: object, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or inside :func:`reusing` the value computed before for ``(owner, key)``.

    Parameters
    ----------
    owner : object
        The object the value is computed from (a data frame): compared by identity, and kept alive
        with the value so that its identity is not reused within the block.
    key : hashable
        The rest of what the value depends on.
    compute : callable
        Computes the value.

    Returns
    -------
    object
        The value.
    """
    memo = _MEMO.get()
    if memo is None:
        return compute()
    k = (id(owner), key)
    if k not in memo:
        memo[k] = (owner, compute())
    return memo[k][1]  # type: ignore[return-value]
