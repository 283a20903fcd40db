"""What reading a response file gives: problems, provenance, the responses and the validation report.

:class:`ResponseProblem` is one problem with its file, row, column and value;
:class:`Provenance` says what was read; :class:`Responses` holds the checked
answers of one form; :class:`ValidationReport` is everything
:func:`~samanalyse.io.read.validate_responses` found. :data:`PROBLEM_KINDS`
names every kind of problem the readers report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from samanalyse.errors import Problem
from samanalyse.io.text import sentence as _sentence
from samanalyse.survey.codebook import Codebook

__all__ = ["PROBLEM_KINDS", "Provenance", "ResponseProblem", "Responses", "ValidationReport"]

#: Every kind of problem the loader reports, with a title for grouped reports.
PROBLEM_KINDS: dict[str, str] = {
    # the file
    "file_type": "File type not supported",
    "file_empty": "Empty file",
    "file_unreadable": "File cannot be read",
    "csv_quote": "Unclosed quote",
    "csv_fields": "Rows with more fields than the header",
    "sheet": "Sheet not found",
    "header": "Header row unclear",
    "no_rows": "No respondents",
    # columns
    "no_respondent_column": "No respondent column",
    "unknown_column": "Unknown columns",
    "missing_column": "Missing columns",
    "other_form_column": "Questions of another form",
    "duplicate_column": "Columns that appear twice",
    "ambiguous_column": "Columns matching several items",
    "unnamed_column": "Columns without a header",
    "mapping": "Column mapping",
    # values
    "out_of_scale": "Values outside the item's scale",
    "ambiguous_value": "Values that could be a code or a label",
    "mixed_codes_labels": "Columns mixing codes and labels",
    # respondents
    "missing_respondent": "Rows without a respondent",
    "duplicate_respondent": "Respondents that appear twice",
    "bad_kommunenummer": "Kommunenummer that cannot be read",
    "unknown_kommune": "Kommunenummer not in the register",
    "kommune_name_mismatch": "Kommune name does not match the number",
    "unknown_helseforetak": "Helseforetak not in the register",
    "wrong_form": "Respondents of the other form",
    "user_missing_label": "SPSS missing values whose label is not on the scale",
    # warnings (data fixes and notes)
    "bom": "Byte order mark removed",
    "encoding": "File is not UTF-8",
    "skipped_rows": "Rows above the header skipped",
    "empty_row": "Empty rows skipped",
    "empty_column": "Empty columns without a header ignored",
    "ignored_column": "Columns ignored on request",
    "whitespace": "Surrounding whitespace removed",
    "respondent_fixed": "Respondent names normalised",
    "no_answers": "Respondents without any answer",
    "user_missing": "SPSS missing values read as no answer",
    "metadata_columns": "Survey platform columns set aside",
    "kommune_renumbered": "Kommunenummer of an earlier year placed on today's kommune",
    "empty_item": "Item columns without any answer",
    "sav_label_mismatch": "SPSS value labels that differ from the codebook",
}


@dataclass(frozen=True)
class ResponseProblem(Problem):
    """A :class:`~samanalyse.errors.Problem` in a response file, with its cell.

    Attributes
    ----------
    row : int or None
        Row as a spreadsheet shows it (1-based, header included); the first
        row where the problem occurs. For SPSS files, the case number.
    column : str or None
        The export column's header as written in the file.
    value : str or None
        The offending value as written.
    kind : str
        Short name of the kind of problem, a key of :data:`PROBLEM_KINDS`.
    rows : tuple of int
        Every row where the same problem (same column, same value) occurs.
    """

    row: int | None = None
    column: str | None = None
    value: str | None = None
    kind: str = ""
    rows: tuple[int, ...] = ()

    def describe(self, *, with_file: bool = True) -> str:
        """One readable line: where, what is wrong, what is allowed."""
        where = self.where
        if self.line is not None and self.line != self.row:
            where += f" (line {self.line} of the file)"
        text = f"{self.file}: {where}: " if with_file else f"{where}: "
        text += _sentence(self.message)
        if self.allowed:
            text += f" Allowed: {_sentence(self.allowed)}"
        return text

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Provenance:
    """Where loaded responses come from.

    Attributes
    ----------
    file : str
        File name (without folder).
    path : str
        Absolute path of the file.
    sha256 : str
        SHA-256 of the file's bytes.
    format : {"csv", "xlsx", "sav"}
        File format.
    sheet : str or None
        Excel sheet read.
    encoding : str or None
        Text encoding detected (CSV only): ``utf-8``, ``utf-8-sig`` (with BOM),
        ``utf-16``, ``cp1252`` or ``latin-1``.
    separator : str or None
        Field separator detected (CSV only).
    header_row : int
        Row of the header (0 for SPSS files, which have none).
    rows_read : int
        Data rows read below the header, empty rows included.
    """

    file: str
    path: str
    sha256: str
    format: str
    sheet: str | None
    encoding: str | None
    separator: str | None
    header_row: int
    rows_read: int


@dataclass(frozen=True, eq=False)
class Responses:
    """Respondent-level answers of one form, checked against the codebook.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per respondent: ``respondent`` first (4-digit kommunenummer or
        the helseforetak's register name, string dtype), then, on a person
        form with a ``unit``, the unit column (e.g. ``kommune``: the person's
        4-digit kommunenummer of the register year), then one column per
        item of the form in codebook order. Closed items are
        :class:`pandas.Categorical` with the scale's labels in codebook order;
        free-text items are ``string`` dtype. No answer is ``NA``.
    codebook : Codebook
        The codebook the data was checked against.
    form : str
        The form (a form of the codebook, e.g. ``"kommune"``).
    round : str
        The survey round (its register year was used for the checks).
    provenance : Provenance or None
        The file read (``None`` for responses built in memory).
    warnings : list of Problem
        Fixes and notes (whitespace removed, BOM removed, ...).
    source_rows : tuple of int
        For each row of ``data``, its row in the file (see :class:`ResponseProblem`).
    """

    data: pd.DataFrame
    codebook: Codebook
    form: str
    round: str
    provenance: Provenance | None = None
    warnings: list[Problem] = field(default_factory=list)
    source_rows: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        src = f" from {self.provenance.file}" if self.provenance else ""
        return (
            f"<Responses round {self.round}, form {self.form}: {len(self.data)} respondents x "
            f"{self.data.shape[1] - 1} items{src}>"
        )

    @property
    def unit(self) -> str | None:
        """The unit column of a person form (its codebook ``unit``, e.g. ``"kommune"``), or None."""
        return self.codebook.forms[self.form].unit

    @property
    def item_ids(self) -> list[str]:
        """Item ids of the columns after ``respondent`` (and a person form's unit column)."""
        return [c for c in self.data.columns if c not in ("respondent", self.unit)]

    def codes(self) -> pd.DataFrame:
        """The data with closed items as their numeric codes (``Int64``, ``NA`` for no answer).

        Returns
        -------
        pandas.DataFrame
            Same shape and columns as :attr:`data`; free text unchanged.
        """
        out = self.data.copy()
        for iid in self.item_ids:
            item = self.codebook.item(iid)
            if item.scale is not None:
                codes = np.asarray(item.scale.codes(), dtype="int64")
                cat = out[iid].cat.codes.to_numpy()
                values = pd.array(np.where(cat >= 0, codes[np.maximum(cat, 0)], 0), dtype="Int64")
                values[cat < 0] = pd.NA
                out[iid] = values
        return out


@dataclass(frozen=True)
class ValidationReport:
    """Everything :func:`validate_responses` found in a file.

    Attributes
    ----------
    file : str
        The file checked.
    form : str
        The form it was checked as.
    round : str
        The round whose codebook and registers were used.
    errors : list of Problem
        Problems that make the file unusable until fixed.
    warnings : list of Problem
        Fixes that were applied and notes; the file is usable.
    responses : Responses or None
        The loaded responses when there are no errors.
    provenance : Provenance or None
        What was read (``None`` if the file could not be read at all).
    """

    file: str
    form: str
    round: str
    errors: list[Problem]
    warnings: list[Problem]
    responses: Responses | None = None
    provenance: Provenance | None = None

    @property
    def ok(self) -> bool:
        """True if there are no errors."""
        return not self.errors

    def summary(self) -> str:
        """One line: valid or not, how many errors, warnings and respondents."""
        n_e, n_w = len(self.errors), len(self.warnings)
        state = "VALID" if self.ok else "INVALID"
        resp = f", {len(self.responses)} respondents" if self.responses is not None else ""
        return (
            f"{state}: {Path(self.file).name} ({self.form} form, round {self.round}): "
            f"{n_e} error{'s' if n_e != 1 else ''}, {n_w} warning{'s' if n_w != 1 else ''}{resp}."
        )

    def format(self) -> str:
        """A readable report: errors grouped by kind, then warnings, then the summary line."""
        lines: list[str] = [f"Checked {self.file} against the {self.round} codebook ({self.form} form)."]
        if self.provenance is not None:
            p = self.provenance
            bits = [f"{p.rows_read} data rows", p.format.upper()]
            if p.sheet:
                bits.append(f"sheet {p.sheet!r}")
            if p.encoding:
                bits.append(f"encoding {p.encoding}")
            if p.separator:
                bits.append(f"separator {p.separator!r}")
            lines.append("Read: " + ", ".join(bits) + ".")
        for title, problems in (("ERRORS", self.errors), ("WARNINGS", self.warnings)):
            if not problems:
                continue
            lines += ["", f"{title} ({len(problems)})"]
            groups: dict[str, list[Problem]] = {}
            for p in problems:
                groups.setdefault(getattr(p, "kind", "") or "other", []).append(p)
            for kind, group in groups.items():
                lines.append(f"  {PROBLEM_KINDS.get(kind, 'Other problems')} ({len(group)}):")
                for p in group:
                    if isinstance(p, ResponseProblem):
                        lines.append("    - " + p.describe(with_file=False))
                    else:
                        lines.append(f"    - {p.where}: {_sentence(p.message)}"
                                     + (f" Allowed: {_sentence(p.allowed)}" if p.allowed else ""))
        lines += ["", self.summary()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()

