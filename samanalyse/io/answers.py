"""Cells to answers: closed items to the codebook's labels, free text kept as written.

Closed items accept the category label (case and surrounding whitespace
ignored, aliases accepted, see :meth:`Scale.code_of`) or the category code.
Blank is no answer (``NA``). A column that mixes codes and labels is accepted
with a warning unless a label itself looks like a number. SPSS value labels
win over codes: a value label matching a category's label or alias (case and
whitespace ignored) or, failing that, the start of exactly one category's label
(``99 = "Vet ikke"`` is "Vet ikke/ikke aktuelt") is that category, also for
user-missing codes, never a blank. A user-missing code whose label matches no
category is an error; one without a label that is not on the scale is read as
no answer (with a warning). Every check works per distinct value of a column, so a
repeated mistake is one problem listing its rows (:class:`Cells`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, Problem
from samanalyse.io.formats import RawTable
from samanalyse.io.report import ResponseProblem
from samanalyse.io.text import col_letter, fmt_rows, norm, unneutralise
from samanalyse.survey.codebook import Item, Scale

__all__ = ["Cells", "closed_column", "scale_allowed", "text_column"]

_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]0+)?$")
_CODE_RE = re.compile(r"^([+-]?)0*(\d{1,15})(?:[.,]0+)?$")  # at most 15 digits: beyond, no scale has the code


class Cells:
    """Problems about cells, grouped by (kind, column, value) so a repeated mistake is one line."""

    def __init__(self, raw: RawTable, file: str, keep: np.ndarray) -> None:
        self.raw = raw
        self.file = file
        self.keep = keep
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def where(self, pos: int | None, rows: list[int]) -> str:
        text = fmt_rows(rows, "case" if self.raw.format == "sav" else "row")
        if pos is not None:
            text += f", column {self.raw.headers[pos]!r}"
            if self.raw.format != "sav":
                text += f" ({col_letter(pos)})"
        return text

    def add(self, warning: bool, kind: str, pos: int | None, mask: np.ndarray, message: str,
            allowed: str = "", value: str | None = None) -> None:
        """Report the rows of ``mask`` (kept rows only) as one problem; nothing if there are none."""
        rows = self.raw.rows[mask & self.keep]
        if len(rows) == 0:
            return
        p = ResponseProblem(
            self.file, self.where(pos, list(rows)), message, allowed, None, row=int(rows[0]),
            column=self.raw.headers[pos] if pos is not None else None, value=value, kind=kind,
            rows=tuple(int(r) for r in rows),
        )
        (self.warnings if warning else self.errors).append(p)


def scale_allowed(scale: Scale) -> str:
    """The allowed answers of a scale, for a problem's ``allowed``."""
    cats = ", ".join(f"{c.label!r} (code {c.code})" for c in scale.categories)
    return f"{cats}, or blank for no answer"


def _in_ranges(value: str, ranges: list[tuple[float, float]]) -> bool:
    try:
        x = float(value)
    except ValueError:
        return False
    return any(lo <= x <= hi for lo, hi in ranges)


def _as_code(s: str) -> int | None:
    """The integer a cell that looks like a code holds (``3``, ``3.0``, ``3,0``), else None."""
    m = _CODE_RE.match(s)
    return int(m.group(1) + m.group(2)) if m else None


@dataclass
class _Column:
    """One closed column being read: per distinct value its category and how it was read."""

    raw: RawTable
    pos: int
    item: Item
    scale: Scale
    cells: Cells
    codes: np.ndarray
    uniques: list[str]

    def __post_init__(self) -> None:
        n_u = len(self.uniques)
        self.code_index = {c.code: i for i, c in enumerate(self.scale.categories)}
        self.vlabels = self.raw.value_labels.get(self.pos, {})
        self.mranges = self.raw.missing_ranges.get(self.pos, [])
        self.result = np.full(n_u, -1, dtype=np.int64)  # category index, -1 = NA
        self.kind = np.full(n_u, "", dtype=object)  # "", "L", "C", "AMB", "X", "MISS", "SAV"
        self.alt = np.full(n_u, -1, dtype=np.int64)  # for AMB: the code reading (result holds the label reading)
        self.whitespace = np.zeros(n_u, dtype=bool)

    def add(self, warning: bool, kind: str, k: int, message: str, value: str, allowed: str | None = None) -> None:
        self.cells.add(warning, kind, self.pos, self.codes == k, message,
                       scale_allowed(self.scale) if allowed is None else allowed, value)

    def label_index(self, text: str) -> int | None:
        try:
            return self.code_index[self.scale.code_of(text)]
        except KeyError:
            return None

    def prefix_index(self, text: str) -> int | None:
        """The one category whose label (or alias) starts with ``text`` or is the start of it."""
        key = norm(text)
        if not key:
            return None
        hits = {i for i, c in enumerate(self.scale.categories) for n in (c.label, *c.aliases)
                if norm(n).startswith(key) or key.startswith(norm(n))}
        return next(iter(hits)) if len(hits) == 1 else None

    def classify(self, k: int, u: str) -> None:
        """Read distinct value ``k`` (text ``u``, already un-neutralised)."""
        s = u.strip()
        if not s:
            self.whitespace[k] = u != ""
            return
        self.whitespace[k] = s != u
        if u in self.vlabels:
            self.sav_value(k, s, self.vlabels[u])
            return
        li = self.label_index(s)
        code = _as_code(s)
        ci = self.code_index.get(code) if code is not None else None
        if li is not None and ci is not None and li != ci:
            self.kind[k], self.result[k], self.alt[k] = "AMB", li, ci
        elif li is not None:
            self.kind[k], self.result[k] = "L", li
        elif ci is not None:
            self.kind[k], self.result[k] = "C", ci
        elif self.pos in self.raw.missing_ranges and _in_ranges(s, self.mranges):
            self.kind[k] = "MISS"
            self.add(True, "user_missing", k, f"{s} is a missing value in the SPSS file and is not on the codebook's "
                     "scale; read as no answer", s)
        else:
            self.kind[k] = "X"
            self.add(False, "out_of_scale", k, f"{u!r} is not an answer to {self.item.id} (scale {self.scale.name!r})", u)

    def sav_value(self, k: int, s: str, file_label: str) -> None:
        """An SPSS value with a value label: trust the label, else the code."""
        by_label = self.label_index(file_label)
        if by_label is None:
            by_label = self.prefix_index(file_label)
        code = _as_code(s)
        by_code = self.code_index.get(code) if code is not None else None
        chosen = by_label if by_label is not None else by_code
        if chosen is not None:
            self.result[k], self.kind[k] = chosen, "SAV"
            cat = self.scale.categories[chosen]
            if by_label is None or code != cat.code:
                self.add(True, "sav_label_mismatch", k,
                         f"code {s} is labelled {file_label!r} in the SPSS file; read as {cat.label!r} "
                         f"(code {cat.code} in the codebook, matched by {'label' if by_label is not None else 'code'})", s)
        elif _in_ranges(s, self.mranges):
            self.kind[k] = "X"
            self.add(False, "user_missing_label", k, f"code {s} is a missing value labelled {file_label!r} in the SPSS "
                     f"file, and no category of {self.item.id} (scale {self.scale.name!r}) has that label", s,
                     scale_allowed(self.scale) + "; give the category's label to the code in the SPSS file, or add "
                     f"{file_label!r} to the category's aliases in the codebook")
        else:
            self.kind[k] = "X"
            self.add(False, "out_of_scale", k, f"code {s} ({file_label!r} in the SPSS file) is not an answer to "
                     f"{self.item.id}", s)

    def settle(self) -> None:
        """Decide ambiguous values and mixed columns from what the rest of the column holds."""
        n_u = len(self.uniques)
        counts = np.bincount(self.codes[self.cells.keep], minlength=n_u) if n_u else np.zeros(0, dtype=int)
        has_l = bool(counts[self.kind == "L"].sum()) if n_u else False
        has_c = bool(counts[self.kind == "C"].sum()) if n_u else False
        only = "only codes or only labels in a column: " + scale_allowed(self.scale)
        for k in np.flatnonzero(self.kind == "AMB"):
            lab, code = self.scale.categories[self.result[k]], self.scale.categories[self.alt[k]]
            if has_c and not has_l:
                self.result[k] = self.alt[k]
            elif not (has_l and not has_c):
                self.result[k] = -1
                self.add(False, "ambiguous_value", k,
                         f"{self.uniques[k]!r} is the label of code {lab.code} and also the code of {code.label!r}; "
                         "the rest of the column does not say which is meant", self.uniques[k], only)
        if has_l and has_c:
            self.mixed()
        if self.whitespace.any():
            blank_only = any(not self.uniques[k].strip() for k in np.flatnonzero(self.whitespace))
            self.cells.add(True, "whitespace", self.pos, np.isin(self.codes, np.flatnonzero(self.whitespace)),
                           "spaces around the answer were removed"
                           + (" (cells of only spaces read as no answer)" if blank_only else ""))

    def mixed(self) -> None:
        """A column holding both codes and labels: an error if labels look like numbers, else a warning."""
        c_mask = np.isin(self.codes, np.flatnonzero(self.kind == "C"))
        allowed = scale_allowed(self.scale)
        if any(_NUMBER_RE.match(lbl.strip()) for lbl in self.scale.labels()):
            l_rows = self.raw.rows[np.isin(self.codes, np.flatnonzero(self.kind == "L")) & self.cells.keep]
            self.cells.add(False, "mixed_codes_labels", self.pos, c_mask,
                           "this column mixes codes and labels, and some labels of the scale look like numbers, so the "
                           f"codes cannot be told from labels (labels in {fmt_rows(list(l_rows))})",
                           "only codes or only labels in a column: " + allowed)
            self.result[self.kind == "C"] = -1
        else:
            self.cells.add(True, "mixed_codes_labels", self.pos, c_mask,
                           "these cells hold codes while the rest of the column holds labels; the codes were read as "
                           "the codebook's categories", allowed)


def closed_column(raw: RawTable, pos: int, item: Item, cells: Cells, unneutral: bool) -> pd.Categorical:
    """One closed item's column as a Categorical of labels, reporting bad cells (vectorised by unique value).

    Parameters
    ----------
    raw : RawTable
    pos : int
        The column's position in ``raw``.
    item : Item
        A closed item (with a scale).
    cells : Cells
        Collects the problems.
    unneutral : bool
        Undo formula neutralisation (CSV and XLSX).

    Returns
    -------
    pandas.Categorical
        With the scale's dtype; ``NA`` for blanks and bad cells.
    """
    scale = item.scale
    if scale is None:  # read_codebook gives every closed item a scale
        raise ArgumentError(f"closed_column needs a closed item; {item.id} has no scale")
    codes, uniques = raw.factor(pos)
    col = _Column(raw, pos, item, scale, cells, codes, uniques)
    for k, u in enumerate(uniques):
        col.classify(k, unneutralise(u) if unneutral else u)
    col.settle()
    cat_codes = col.result[codes] if len(uniques) else np.zeros(0, dtype=np.int64)
    return pd.Categorical.from_codes(cat_codes, dtype=scale.dtype())


def text_column(raw: RawTable, pos: int, unneutral: bool) -> pd.arrays.StringArray:
    """A free-text column exactly as written (``NA`` for an empty cell; spaces are text)."""
    values = raw.strings(pos)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        if v == "":
            out[i] = pd.NA
        else:
            out[i] = unneutralise(v) if unneutral and v[:1] == "'" else v
    return pd.array(out, dtype=pd.StringDtype("python"))
