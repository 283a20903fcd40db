"""Values computed once per analysis or report step and handed to the later users inside it.

The planned tests (:mod:`samanalyse.analysis.planned`) test one outcome against every background
variable, each test preparing its variables (an item's collapsed answers, an index's scores) on its
own; the tables step (:mod:`samanalyse.report.sections.tables`) asks for a table's cells, its index
classes and its masked layout from several places (workbook, page, detail, the disclosure hook).
Inside :func:`reusing` the first computation of a value (keyed by the data frame and the arguments)
is kept and handed to the later callers of the same block; nothing outlives the ``with`` block, so
nothing is kept between analyses, steps or runs. The values are the same objects the callers would
have computed (pandas' copy-on-write keeps them unchanged by them).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["reusing", "reused"]

T = TypeVar("T")

_MEMO: ContextVar[dict[Hashable, tuple[object, object]] | None] = ContextVar("samanalyse_reused_values", default=None)


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
