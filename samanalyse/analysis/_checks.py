"""The one column check of :mod:`samanalyse.analysis` (every analysis module uses it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from samanalyse.errors import ArgumentError, DataError

__all__ = ["check_columns"]


def check_columns(data: object, columns: Iterable[str | None], what: str = "",
                  indices: Sequence[str] = ()) -> pd.DataFrame:
    """Raise unless ``data`` is a DataFrame holding every (non-None) name in ``columns``.

    Parameters
    ----------
    data : object
        Should be a :class:`pandas.DataFrame` (else :class:`ArgumentError`).
    columns : iterable of str or None
        Names that must be columns (None entries are skipped).
    what : str
        The analysis, put before the message (e.g. ``"frequencies"``).
    indices : sequence of str
        Codebook index names that may stand in for a column (tests take an
        index's score or class by name).

    Returns
    -------
    pandas.DataFrame
        ``data``, for chaining.

    Raises
    ------
    ArgumentError
        ``data`` is not a DataFrame.
    DataError
        A name is neither a column nor one of ``indices``; the message lists the columns.
    """
    if not isinstance(data, pd.DataFrame):
        raise ArgumentError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    missing = [c for c in columns if c is not None and c not in data.columns and c not in indices]
    if missing:
        extra = f" (nor an index of the codebook: {', '.join(indices)})" if indices else ""
        shown = ", ".join(map(str, data.columns[:12])) + (" ..." if len(data.columns) > 12 else "")
        head = f"{what}: the data" if what else "The data"
        raise DataError(f"{head} has no column(s) {', '.join(map(repr, missing))}{extra}; columns are {shown}.")
    return data
