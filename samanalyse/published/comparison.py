"""Regenerated table cells against the published ones: one row per printed number.

:func:`compare_with_published` joins the cells that
:func:`samanalyse.analysis.tables.all_table_cells` regenerates from
respondent-level data to a round's transcribed cells (``cells.csv`` of its
``published:`` folder) and says, per published number, whether the
regenerated percentage rounds to the printed one. The scorecard
(:mod:`samanalyse.published.scorecard`) classifies the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from samanalyse.errors import ArgumentError
from samanalyse.published.transcription import check_columns

if TYPE_CHECKING:
    from samanalyse.survey.rounds import Round

__all__ = ["compare_with_published", "COMPARISON_COLUMNS", "REGENERATED_COLUMNS"]

#: Columns of :func:`compare_with_published`'s result, in order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "cell_id", "table", "population", "breakdown", "group", "item", "category", "published", "status_published",
    "variant", "regenerated", "percent", "n", "difference", "match",
)
#: Columns the regenerated cells must have.
REGENERATED_COLUMNS: tuple[str, ...] = (
    "table", "population", "breakdown", "group", "item", "category", "variant", "value", "percent", "n",
)
_KEYS = ["table", "population", "breakdown", "group", "item", "category"]


def _norm(s: pd.Series) -> pd.Series:
    """Normalise printed labels for joining: 'Vet ikke / ikke aktuelt', '[4,6 ] = Godt'."""
    return (s.astype(str).str.replace(r"\s*([/\[\],])\s*", r"\1", regex=True)
            .str.replace(r"\s+", " ", regex=True).str.strip())


def compare_with_published(regenerated: pd.DataFrame, published: pd.DataFrame | None = None, *,
                           round: Round | str | Path | None = None) -> pd.DataFrame:
    """Join regenerated cells to the published ones.

    Parameters
    ----------
    regenerated : DataFrame
        Output of :func:`samanalyse.analysis.tables.table_cells` /
        :func:`~samanalyse.analysis.tables.all_table_cells`.
    published : DataFrame, optional
        The round's ``cells.csv`` as text (default: read with
        :func:`samanalyse.published.transcription.read_published_cells`).
    round : Round, str or pathlib.Path, optional
        The round whose published cells to read; required without ``published``.

    Returns
    -------
    DataFrame
        One row per published cell with columns :data:`COMPARISON_COLUMNS`
        (``match`` is True when the regenerated percentage rounds to the
        printed one under either rounding rule - for tables with counting
        variants, under the first variant that does, named in ``variant`` -
        and NA when the published value is unknown or not regenerated).

    Raises
    ------
    ArgumentError
        If neither ``published`` nor ``round`` is given.
    DataError
        If a frame lacks a column the comparison needs.
    """
    if published is None:
        if round is None:
            raise ArgumentError("compare_with_published needs the published cells or the round to read them from.")
        from samanalyse.published.transcription import read_published_cells

        published = read_published_cells(round)
    check_columns(regenerated, REGENERATED_COLUMNS, "the regenerated cells")
    check_columns(published, ("cell_id", *_KEYS, "value", "status"), "the published cells")
    pub = published.copy()
    reg = regenerated.copy()
    for k in ("group", "category"):
        pub[f"_{k}"] = _norm(pub[k])
        reg[f"_{k}"] = _norm(reg[k])
    # the transcription leaves population blank for the index tables
    reg.loc[reg["breakdown"] == "index", "population"] = ""
    jk = ["table", "population", "breakdown", "_group", "item", "_category"]
    merged = pub.merge(reg[jk + ["variant", "value", "percent", "n"]], on=jk, how="left")
    merged["published"] = pd.to_numeric(merged["value_x"], errors="coerce")
    ok = (merged["percent"] - merged["published"]).abs() <= 0.5 + 1e-9
    merged["match"] = ok.where(merged["published"].notna() & merged["percent"].notna() & (merged["status"] == "printed"))
    # one row per published cell: the first counting variant that matches, else the first variant
    merged["_rank"] = (~merged["match"].fillna(False).astype(bool)).astype(int)
    merged["_order"] = range(len(merged))
    merged = (merged.sort_values(["cell_id", "_rank", "_order"], kind="stable")
              .drop_duplicates("cell_id").sort_values("_order", kind="stable"))
    merged["regenerated"] = merged["value_y"]
    merged["difference"] = merged["regenerated"] - merged["published"]
    out = merged.rename(columns={"status": "status_published"}).reset_index(drop=True)
    return out[list(COMPARISON_COLUMNS)]
