"""Read a survey export and check it against the codebook and registers.

:func:`read_responses` reads a file and raises :class:`~samanalyse.errors.DataError`
listing every problem; :func:`validate_responses` does the same without raising
(for ``samanalyse validate``); :func:`load_responses` reads the response file of
a round. The steps: check the arguments (mistakes in the call raise at once),
read the file into a raw table (:mod:`samanalyse.io.formats`), match columns
(:mod:`samanalyse.io.columns`), check respondents (:mod:`samanalyse.io.respondents`)
and answers (:mod:`samanalyse.io.answers`), and report (:mod:`samanalyse.io.report`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.errors import (
    ArgumentError,
    DataError,
    DataFixWarning,
    KommuneRenumberedWarning,
    Problem,
    ResponsesNotFoundError,
    RoundNotFoundError,
)
from samanalyse.io.answers import Cells, closed_column, text_column
from samanalyse.io.columns import Columns, known_keys, match_columns
from samanalyse.io.formats import (
    SUPPORTED_SUFFIXES,
    RawTable,
    csv_lines,
    file_failed,
    file_problem,
    hash_and_detect,
    read_csv,
    read_sav,
    read_xlsx,
)
from samanalyse.io.mapping import read_mapping
from samanalyse.io.report import (
    Provenance,
    ResponseProblem,
    Responses,
    ValidationReport,
)
from samanalyse.io.respondents import (
    REGISTER_KINDS,
    report_duplicates,
    respondent_column,
)
from samanalyse.survey.codebook import Codebook, read_codebook
from samanalyse.survey.rounds import Round, load_round

__all__ = ["load_responses", "read_responses", "validate_responses"]


# --------------------------------------------------------------------------
# Argument checks (raise at once: these are mistakes in the call, not in the file)
# --------------------------------------------------------------------------


def _check_codebook(codebook: Codebook | Round | str | Path) -> tuple[Codebook, Round | None]:
    """The codebook, and the round it came from when it was given as a round."""
    if isinstance(codebook, Codebook):
        return codebook, None
    if isinstance(codebook, Round):
        return codebook.codebook, codebook
    if isinstance(codebook, (str, Path)):
        p = Path(codebook)
        if p.suffix.lower() in (".yaml", ".yml"):
            return read_codebook(p), None
        try:
            rnd = load_round(codebook)
        except FileNotFoundError as exc:
            raise ArgumentError(f"No codebook for {str(codebook)!r}: {exc}") from None
        return rnd.codebook, rnd
    raise ArgumentError(
        "codebook must be a Codebook, a Round, a round's name or folder, or a codebook .yaml file; "
        f"got {type(codebook).__name__}."
    )


def _check_form(codebook: Codebook, form: str | None) -> str:
    if form is None:
        if len(codebook.forms) != 1:
            raise ArgumentError(f"Say which form the file holds: form= one of {', '.join(codebook.forms)}.")
        return next(iter(codebook.forms))
    if not isinstance(form, str) or form not in codebook.forms:
        raise ArgumentError(
            f"Unknown form {form!r}; the {codebook.round} codebook has the forms {', '.join(codebook.forms)}."
        )
    return form


def _check_path(path: str | Path) -> Path:
    if not isinstance(path, (str, Path)):
        raise ArgumentError(f"path must be a file name (str or Path); got {type(path).__name__}.")
    p = Path(path)
    if not p.exists():
        raise ResponsesNotFoundError(f"The file {p} does not exist.")
    if p.is_dir():
        raise ResponsesNotFoundError(f"{p} is a folder, not a response file.")
    if not p.is_file():
        raise ResponsesNotFoundError(f"{p} is not a regular file (a device, pipe or socket), not a response file.")
    return p


def _check_mapping(mapping: Mapping[str, str | None] | str | Path | None,
                   codebook: Codebook) -> dict[str, str | None]:
    if mapping is None:
        return {}
    units = sorted({f.unit for f in codebook.forms.values() if f.unit})
    if isinstance(mapping, (str, Path)):
        return read_mapping(mapping, codebook.item_ids() + units)
    if not isinstance(mapping, Mapping):
        raise ArgumentError(f"mapping must be a dict {{export column: item id}}; got {type(mapping).__name__}.")
    bad = [f"{k!r}: {v!r}" for k, v in mapping.items()
           if v is not None and v != "respondent" and v not in units and v not in codebook]
    if bad:
        raise ArgumentError(
            f"mapping names items that are not in the {codebook.round} codebook: {', '.join(bad)}. "
            f"Allowed targets: 'respondent', None (ignore the column), or an item id such as "
            f"{', '.join(codebook.item_ids()[:3])}."
        )
    return {str(k): v for k, v in mapping.items()}


def _check_sheet(sheet: str | int | None) -> None:
    if sheet is not None and (not isinstance(sheet, (str, int)) or isinstance(sheet, bool)):
        raise ArgumentError(f"sheet must be a sheet name or a 0-based number; got {type(sheet).__name__}.")


# --------------------------------------------------------------------------
# The round: its name, and its register year (looked up only when a register is needed)
# --------------------------------------------------------------------------


@dataclass
class _RoundRef:
    """The round responses are checked for: a name, and the :class:`Round` once resolved."""

    name: str
    round: Round | None = None

    def register_year(self) -> int:
        if self.round is None:
            try:
                self.round = load_round(self.name)
            except RoundNotFoundError:
                m = re.match(r"^(\d{4})", self.name)
                if m:
                    return int(m.group(1))
                raise ArgumentError(
                    f"Round {self.name!r} is not shipped with samanalyse and its name is not a year, so the "
                    "register year is unknown; pass round= a Round, a round folder or '<year>'."
                ) from None
        return self.round.register_year


def _round_ref(round: Round | str | Path | None, codebook: Codebook, from_codebook: Round | None) -> _RoundRef:
    if isinstance(round, Round):
        return _RoundRef(round.name, round)
    if isinstance(round, Path) or (isinstance(round, str) and ("/" in round or "\\" in round)):
        rnd = load_round(round)  # a round folder: its name is in its round.yaml
        return _RoundRef(rnd.name, rnd)
    if round is not None:
        if not isinstance(round, str):
            raise ArgumentError(f"round must be a Round, a round's name or a folder; got {type(round).__name__}.")
        if from_codebook is not None and from_codebook.name == round:
            return _RoundRef(round, from_codebook)
        return _RoundRef(round)
    if from_codebook is not None:
        return _RoundRef(from_codebook.name, from_codebook)
    return _RoundRef(codebook.round)


# --------------------------------------------------------------------------
# The core: read + check
# --------------------------------------------------------------------------


@dataclass
class _Job:
    """One file being read: the checked arguments and what was found so far."""

    path: Path
    codebook: Codebook
    form: str
    sheet: str | int | None
    mapping: dict[str, str | None]
    round: _RoundRef
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def file(self) -> str:
        return str(self.path)

    def report(self, prov: Provenance | None = None, responses: Responses | None = None) -> ValidationReport:
        return ValidationReport(self.file, self.form, self.round.name, list(self.errors), list(self.warnings),
                                responses, prov)


def _read_raw(job: _Job, fmt: str) -> tuple[RawTable, str]:
    """The file's raw table and SHA-256; :class:`DataError` (from :func:`file_failed`) if it cannot be read at all."""
    file = job.file
    try:
        sha, encoding = hash_and_detect(job.path)
        if fmt == "csv":
            raw = read_csv(job.path, file, encoding, job.warnings, job.errors)
        elif fmt == "xlsx":
            raw = read_xlsx(job.path, file, job.sheet, known_keys(job.codebook, job.mapping), job.warnings)
        else:
            raw = read_sav(job.path, file)
    except OSError as exc:  # permission denied, the file vanished, an I/O error of the disk
        why = exc.strerror or str(exc) or type(exc).__name__
        raise file_failed([file_problem(file, "file_unreadable", f"the file cannot be read ({why})",
                                       "a file you may read")]) from None
    return raw, sha


def _keep_rows(raw: RawTable) -> np.ndarray:
    """True for every record with at least one non-blank cell (spaces count as blank here)."""
    empty = np.ones(len(raw.rows), dtype=bool)
    for pos in range(len(raw.columns)):
        c, u = raw.factor(pos)
        if len(u):
            empty &= np.array([not s.strip() for s in u], dtype=bool)[c]
    return ~empty


def _respondents(job: _Job, raw: RawTable, cols: Columns, cells: Cells, unneutral: bool) -> np.ndarray | None:
    """Normalised respondent ids (None where blank or bad), problems to ``cells``; None without a column."""
    if cols.respondent is None:
        return None
    kind = job.codebook.forms[job.form].respondent
    year = job.round.register_year() if kind in REGISTER_KINDS else None
    ids, blank = respondent_column(raw, cols.respondent, kind, year, cells, unneutral)
    cells.add(False, "missing_respondent", cols.respondent, blank, "this row has answers but no respondent",
              "a kommunenummer" if kind == "kommune" else f"a {kind}")
    report_duplicates(raw, cols.respondent, ids, cells.keep, cells)
    return ids


def _unit(job: _Job, raw: RawTable, cols: Columns, cells: Cells, unneutral: bool) -> np.ndarray | None:
    """A person form's unit (the kommunenummer of each person, checked as a kommune form's respondents)."""
    unit = job.codebook.forms[job.form].unit
    if unit is None or cols.unit is None:
        return None
    ids, blank = respondent_column(raw, cols.unit, unit, job.round.register_year(), cells, unneutral)
    cells.add(False, f"missing_{unit}", cols.unit, blank, f"this person has no {unit}",
              "a kommunenummer" if unit == "kommune" else f"a {unit}")
    return ids


def _answers(job: _Job, raw: RawTable, cols: Columns, cells: Cells, unneutral: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in job.codebook.items(job.form):
        pos = cols.items.get(item.id)
        if pos is None:
            continue
        if item.scale is not None:
            data[item.id] = closed_column(raw, pos, item, cells, unneutral)
        else:
            data[item.id] = text_column(raw, pos, unneutral)
    return data


def _report_no_answers(ids: np.ndarray, data: dict[str, Any], pos: int, cells: Cells) -> None:
    answered = np.zeros(len(ids), dtype=bool)
    for v in data.values():
        answered |= (v.codes >= 0) if isinstance(v, pd.Categorical) else ~pd.isna(np.asarray(v, dtype=object))
    has_id = np.array([x is not None for x in ids], dtype=bool)
    cells.add(True, "no_answers", pos, cells.keep & ~answered & has_id, "this respondent has no answers at all")


def _report_empty_items(data: dict[str, Any], cols: Columns, cells: Cells) -> None:
    """One warning listing every closed item's column without a single answer (in the kept rows)."""
    if not cells.keep.any():
        return
    empty = [iid for iid, v in data.items()  # free text is often left empty by everyone: only closed items
             if isinstance(v, pd.Categorical) and not ((v.codes >= 0) & cells.keep).any()]
    if empty:
        heads = [cells.raw.headers[cols.items[iid]] for iid in empty]
        shown = ", ".join(repr(h) + (f" ({i})" if h != i else "") for i, h in zip(empty[:10], heads[:10]))
        more = f" and {len(empty) - 10} more" if len(empty) > 10 else ""
        cells.warnings.append(ResponseProblem(
            cells.file, f"column {heads[0]!r}" if len(empty) == 1 else f"{len(empty)} columns",
            f"nobody answered {shown}{more} in this file (the column{'s are' if len(empty) > 1 else ' is'} empty); "
            "check that the export holds every question's answers", "", None, column=heads[0], kind="empty_item"))


def _with_line(q: Problem, lines: list[int]) -> Problem:
    row = getattr(q, "row", None)
    if row is None or q.line is not None:
        return q
    idx = row - 1  # CSV: header is row 1 = record 0
    return replace(q, line=lines[idx]) if 0 <= idx < len(lines) else q


def _add_lines(job: _Job, raw: RawTable) -> None:
    """CSV: give each problem the physical line its row starts on."""
    if raw.format == "csv" and any(getattr(q, "row", None) for q in job.errors + job.warnings):
        try:
            lines = csv_lines(job.path, job.file, raw.encoding or "utf-8", raw.separator or ",")
        except DataError:  # the fast parser read it; line numbers are a nicety
            return
        job.errors = [_with_line(q, lines) for q in job.errors]
        job.warnings = [_with_line(q, lines) for q in job.warnings]


def _check(job: _Job, raw: RawTable, sha: str) -> ValidationReport:
    """Match, check and convert a raw table; every problem into the report."""
    p = job.path
    prov = Provenance(
        file=p.name, path=str(p.resolve()), sha256=sha, format=raw.format, sheet=raw.sheet,
        encoding=raw.encoding, separator=raw.separator, header_row=raw.header_row, rows_read=len(raw.rows),
    )
    unneutral = raw.format in ("csv", "xlsx")
    cols = match_columns(raw, job.codebook, job.form, job.mapping, job.file)
    job.errors += cols.problems
    job.warnings += cols.warnings
    keep = _keep_rows(raw)
    cells = Cells(raw, job.file, keep)
    if not keep.all():
        cells.keep = np.ones(len(raw.rows), dtype=bool)
        cells.add(True, "empty_row", None, ~keep, "empty rows were skipped")
        cells.keep = keep
    if not keep.any():
        job.errors.append(file_problem(job.file, "no_rows", "the file has a header but no respondents",
                                       "one row per respondent below the header", row=raw.header_row or None))
    ids = _respondents(job, raw, cols, cells, unneutral)
    units = _unit(job, raw, cols, cells, unneutral)
    data = _answers(job, raw, cols, cells, unneutral)
    if ids is not None and data:
        _report_no_answers(ids, data, cols.respondent, cells)
        _report_empty_items(data, cols, cells)
    job.errors += cells.errors
    job.errors.sort(key=lambda q: getattr(q, "kind", "") != "wrong_form")  # the next step first
    job.warnings += cells.warnings
    _add_lines(job, raw)
    if job.errors or ids is None:
        return job.report(prov)
    frame = pd.DataFrame({"respondent": pd.array(ids[keep], dtype=pd.StringDtype("python"))})
    if units is not None:
        frame[job.codebook.forms[job.form].unit] = pd.array(units[keep], dtype=pd.StringDtype("python"))
    for iid in job.codebook.item_ids(job.form):
        frame[iid] = data[iid][keep]
    frame = frame.reset_index(drop=True)
    resp = Responses(frame, job.codebook, job.form, job.round.name, prov, list(job.warnings),
                     tuple(int(r) for r in raw.rows[keep]))
    return job.report(prov, resp)


def _load(path: str | Path, codebook: Codebook | Round | str | Path, form: str | None, sheet: str | int | None,
          mapping: Mapping[str, str | None] | str | Path | None, round: Round | str | Path | None) -> ValidationReport:
    cb, from_codebook = _check_codebook(codebook)
    p = _check_path(path)
    _check_sheet(sheet)
    job = _Job(p, cb, _check_form(cb, form), sheet, _check_mapping(mapping, cb), _round_ref(round, cb, from_codebook),
               [], [])
    fmt = SUPPORTED_SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        hint = " Save it as .xlsx (Excel 2007 or later)." if p.suffix.lower() in (".xls", ".ods") else ""
        job.errors.append(file_problem(
            job.file, "file_type", f"files ending in {p.suffix or '(nothing)'!r} cannot be read.{hint}".replace(".. ", ". "),
            ", ".join(SUPPORTED_SUFFIXES),
        ))
        return job.report()
    try:
        if p.stat().st_size == 0:
            raise file_failed([file_problem(job.file, "file_empty", "the file is empty",
                                           "a header row and one row per respondent")])
        raw, sha = _read_raw(job, fmt)
    except DataError as exc:
        job.errors = list(exc.problems)
        return job.report()
    return _check(job, raw, sha)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------

_PARAMETERS = """
    Parameters
    ----------
    path : str or Path
        The export: ``.csv``, ``.xlsx`` or ``.sav`` (see :mod:`samanalyse.io.responses`).
    codebook : Codebook, Round, str or Path
        The codebook, a :class:`~samanalyse.survey.rounds.Round`, a round's
        name or folder, or a codebook ``.yaml`` file.
    form : str, optional
        The form the file holds (a form of the codebook); may be left out only
        when the codebook has one form.
    sheet : str or int, optional
        Excel sheet name or 0-based number (default: the first sheet).
    mapping : dict, str or Path, optional
        ``{export column: item id}``; ``"respondent"`` marks the respondent
        column and ``None`` ignores a column. Or the path of a mapping file
        (CSV with the columns ``column,item``; empty item = leave the column
        out; see :mod:`samanalyse.io.mapping`).
    round : Round, str or Path, optional
        The round whose register year is used (default: the round the codebook
        was given as, else the codebook's ``round``); resolved once.
"""


def validate_responses(
    path: str | Path,
    codebook: Codebook | Round | str | Path,
    form: str | None = None,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str | None] | str | Path | None = None,
    round: Round | str | Path | None = None,
) -> ValidationReport:
    """Check a survey export against the codebook and registers without raising.
    {parameters}
    Returns
    -------
    ValidationReport
        All errors and warnings; ``report.responses`` holds the data when valid.
        A file that cannot be read (damaged, empty, permission denied, not what
        its name says) is a report with one error naming the file.

    Raises
    ------
    ResponsesNotFoundError
        If the file does not exist, or is a folder.
    ArgumentError
        If an argument is wrong (unknown form, bad mapping, ...).
    """
    return _load(path, codebook, form, sheet, mapping, round)


def read_responses(
    path: str | Path,
    codebook: Codebook | Round | str | Path,
    form: str | None = None,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str | None] | str | Path | None = None,
    round: Round | str | Path | None = None,
) -> Responses:
    """Read a survey export and check it against the codebook and registers.
    {parameters}
    Returns
    -------
    Responses
        The checked data. Each fix applied is in ``.warnings`` and emitted as a
        :class:`~samanalyse.errors.DataFixWarning`.

    Raises
    ------
    DataError
        Listing every problem found, each with file, row, column, value and
        what is allowed (``.problems``).
    ResponsesNotFoundError
        If the file does not exist, or is a folder.
    ArgumentError
        If an argument is wrong (unknown form, bad mapping, ...).

    Examples
    --------
    >>> resp = read_responses("eksport.csv", rnd, "kommune")  # doctest: +SKIP
    >>> resp.data.iloc[:, 1].value_counts()  # doctest: +SKIP
    """
    report = _load(path, codebook, form, sheet, mapping, round)
    if not report.ok:
        n, w = len(report.errors), len(report.warnings)
        raise DataError(
            f"{report.file} cannot be used as {report.form} responses of round {report.round}: "
            f"{n} problem{'s' if n != 1 else ''} (and {w} warning{'s' if w != 1 else ''}):",
            report.errors,
        )
    for warning in report.warnings:
        kind = KommuneRenumberedWarning if getattr(warning, "kind", "") == "kommune_renumbered" else DataFixWarning
        warnings.warn(kind(str(warning)), stacklevel=2)
    if report.responses is None:  # ok without responses cannot happen: no respondent column is an error
        raise DataError(f"{report.file}: no responses were read.")
    return report.responses


validate_responses.__doc__ = (validate_responses.__doc__ or "").replace("{parameters}", _PARAMETERS)
read_responses.__doc__ = (read_responses.__doc__ or "").replace("{parameters}", _PARAMETERS)


def load_responses(round: Round | str | Path, form: str) -> Responses:
    """Read the response file of ``form`` named in a round's ``round.yaml``.

    The form's mapping file in ``round.yaml``'s ``mappings: {form: file}``
    (relative to the round's folder) is used when there is one.

    Parameters
    ----------
    round : Round, str or Path
        The round (a :class:`~samanalyse.survey.rounds.Round`, a shipped
        round's name or a round folder); resolved once.
    form : str
        A form of the round's codebook.

    Returns
    -------
    Responses

    Raises
    ------
    ResponsesNotFoundError
        If the round's response file does not exist (yet).
    DataError
        If the file does not fit the codebook.
    """
    rnd = load_round(round)
    cb = rnd.codebook
    _check_form(cb, form)
    path = rnd.responses_path(form)
    if not path.exists():
        note = (f" The {rnd.name} files are a reconstruction made by 'samanalyse reconstruct'."
                if rnd.reconstructed else "")
        raise ResponsesNotFoundError(
            f"The {form} responses of round {rnd.name} are not there yet: {path} does not exist.{note} "
            f"Put the file there (columns respondent + item ids, answers as labels) or read another file "
            f"with read_responses(path, '{rnd.name}', '{form}')."
        )
    mapping = (rnd.meta.get("mappings") or {}).get(form)
    return read_responses(path, cb, form, round=rnd, mapping=rnd.path / mapping if mapping else None)
