"""The report's words in one language: a translation table from ``data/translations/<lang>.yaml``.

Every word the report prints that is not from the round's own files (status
words, audit severities, column headers, headings, notes) comes from here;
numbers are formatted with the language's decimal mark, p-values below 0.001
as ``< 0,001``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, NotFoundError
from samanalyse.survey.disclosure import MISSING, SUPPRESSED, ZERO
from samanalyse.survey.paths import data_dir
from samanalyse.survey.yamlfile import load_text

__all__ = ["Translation", "translation", "LANGUAGES", "symbols_in", "SYMBOLS"]

#: SSB's symbols in a published cell, by their key in the translation table's group ``symbol``.
SYMBOLS: dict[str, str] = {"suppressed": SUPPRESSED, "missing": MISSING, "zero": ZERO}


def symbols_in(*frames: pd.DataFrame | None) -> list[str]:
    """The keys of :data:`SYMBOLS` whose symbol is a whole cell of one of ``frames``, or stands in brackets in a
    cell (an interval ``25,0 (:), n = 4``); in the order of SYMBOLS."""
    found: set[str] = set()
    for frame in frames:
        if frame is None or frame.empty:
            continue
        cells = {v for _, column in frame.items() if not pd.api.types.is_numeric_dtype(column.dtype)
                 for v in column.tolist() if isinstance(v, str)}
        found |= {k for k, sym in SYMBOLS.items() if sym in cells or any(f"({sym})" in c for c in cells)}
    return [k for k in SYMBOLS if k in found]

#: Languages with a translation table.
LANGUAGES: tuple[str, ...] = ("nb", "en")


@dataclass(frozen=True)
class Translation:
    """The words of one language (a ``data/translations`` file) and its number format."""

    lang: str
    table: dict[str, dict[str, str]]
    decimal: str
    thousands: str

    def t(self, group: str, key: str, default: str | None = None) -> str:
        """The word for ``key`` in ``group`` (e.g. ``t("status", "matched")``); ``default`` (or ``key``) if none."""
        words = self.table.get(group, {})
        if key in words:
            return str(words[key])
        if default is not None:
            return default
        if group in ("heading", "note", "word"):
            raise NotFoundError(f"The translation table data/translations/{self.lang}.yaml has no {group}.{key}; "
                                f"add it (and the same key in every other language).")
        return str(key)

    def number(self, v: Any, digits: int = 2) -> str:
        """A number with the language's decimal mark: integers without decimals, ``digits`` decimals else."""
        if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and math.isnan(v)):
            return ""
        if isinstance(v, (bool, np.bool_)):
            return self.t("word", "affirm") if v else self.t("word", "deny")
        if isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating)) and float(v).is_integer()
                                                 and abs(v) >= 1):
            return f"{int(v):,}".replace(",", self.thousands) if abs(int(v)) >= 10000 else f"{int(v)}"
        return f"{float(v):.{digits}f}".replace(".", self.decimal)

    def p_value(self, p: Any) -> str:
        """A p-value: ``< 0,001`` below 0.001, else three decimals."""
        if p is None or p is pd.NA or (isinstance(p, (float, np.floating)) and math.isnan(p)):
            return ""
        if float(p) < 0.001:
            return self.t("note", "p_small")
        return f"{float(p):.3f}".replace(".", self.decimal)

    def percent(self, v: Any, digits: int = 0) -> str:
        """A percentage: ``67`` or ``66,7`` (no sign)."""
        if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and math.isnan(v)):
            return ""
        return f"{float(v):.{digits}f}".replace(".", self.decimal)

    def round_note(self, notes: dict[str, Any], key: str) -> str:
        """A note of the round (``round.yaml`` ``notes``) in this language: ``<key>_<lang>`` where there is one,
        else ``<key>`` (the round's own language); empty if neither."""
        return str((notes.get(f"{key}_{self.lang}") if self.lang != "nb" else None) or notes.get(key) or "")

    def header(self, name: object) -> str:
        """The header of a column: the group ``header`` for a program's name left in a table (``p_value`` ->
        ``p-verdi``), else the name as it is."""
        return self.t("header", str(name), default=str(name))

    def legend(self, symbols: list[str]) -> str:
        """SSB's legend of the ``symbols`` that occur (keys of :data:`SYMBOLS`), e.g. ``Tegnforklaring: «:» kan
        ikke offentliggjøres.``; empty when none occurs."""
        if not symbols:
            return ""
        return f"{self.t('symbol', 'legend')}: " + "; ".join(self.t("symbol", k) for k in symbols) + "."

    def status_words(self) -> set[str]:
        """The status and severity words of this language (what a report of another language must not contain)."""
        return {str(w) for g in ("status", "severity") for w in self.table.get(g, {}).values()}


@lru_cache(maxsize=None)
def translation(lang: str = "nb") -> Translation:
    """The translation table of ``lang`` (``"nb"`` or ``"en"``).

    Raises
    ------
    ArgumentError
        For a language without a table.
    """
    if lang not in LANGUAGES:
        raise ArgumentError(f"The report has no language {lang!r}; the languages are: {', '.join(LANGUAGES)}.")
    path = data_dir() / "translations" / f"{lang}.yaml"
    raw = load_text(path.read_text(encoding="utf-8")) or {}   # package data: libyaml, a tenth of the time
    table = {k: dict(v) for k, v in raw.items() if isinstance(v, dict)}
    return Translation(lang, table, str(raw.get("decimal", ",")), str(raw.get("thousands", " ")))
