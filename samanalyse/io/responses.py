"""Loading survey exports (CSV, Excel, SPSS) and checking them against the codebook.

This module is the public face of the io layer: it re-exports the readers,
the writer and the result objects from the modules that implement them
(:mod:`~samanalyse.io.formats` reading files, :mod:`~samanalyse.io.columns`
matching headers, :mod:`~samanalyse.io.answers` cells to labels,
:mod:`~samanalyse.io.respondents` ids against the registers,
:mod:`~samanalyse.io.report` result objects, :mod:`~samanalyse.io.read` and
:mod:`~samanalyse.io.write`), and documents the rules they follow.

A survey export is a table with one row per respondent: a respondent column
(kommunenummer or helseforetak) and one column per item of a form of the
codebook. :func:`read_responses` reads such a file, matches its columns to the
codebook, turns answers into the codebook's labels and checks everything it
can, reporting *all* problems at once (file, spreadsheet row, column, value and
what is allowed). :func:`validate_responses` does the same without raising, for
the ``samanalyse validate`` command. :func:`write_responses` writes responses
back as CSV, XLSX or SAV without losing anything, and :func:`load_responses`
reads the response file of a round shipped with the package.

Rules, in the order they are applied
------------------------------------
Files
    ``.csv``/``.txt``/``.tsv``: UTF-8 with or without BOM, UTF-16 with BOM,
    else Windows-1252 (else Latin-1); separator ``;``, ``,``, tab or ``|``,
    chosen as the one that gives the same number of fields in the first rows;
    quoted line breaks are kept. ``.xlsx``/``.xlsm``: the named or first sheet;
    title rows above the header are skipped (with a warning) when exactly one
    row in the first 30 looks like a header. ``.sav``/``.zsav``: value labels
    and user-defined missing values are read with pyreadstat. Input files are
    never modified.
Rows
    ``row`` in every problem is the row number a spreadsheet shows (the header
    row is row 1 in a CSV file; title rows count in Excel). For SPSS files it
    is the case number (SPSS *Data View*). For CSV files ``line`` is the
    physical line in the file where the row starts (they differ when free text
    holds line breaks). Completely empty rows are skipped with a warning.
Columns
    An export column is matched to a codebook item, in this order, by the
    ``mapping`` argument (``{export column: item id}``; ``None`` ignores the
    column), by item id, by one of the item's ``aliases``, or by the item's
    text; then platform metadata columns (ids, timestamps, status, IP, user
    agent; :func:`is_metadata`) are set aside with one note; then headers as
    platforms write them: starting with the item id (``q5a - ...``,
    ``q5a. ...``, ``Q5a_...``) or a matrix row (``Question [row]``,
    ``Question - row``, ``Question: row``; :mod:`samanalyse.io.headers`), and
    for SPSS files the variable label. Ambiguity is an error naming the
    candidates; a mapping file (:func:`read_mapping`, CSV ``column,item``) is
    the escape hatch. All but the mapping ignore case and repeated whitespace.
    The respondent column is ``respondent`` or one of
    :data:`RESPONDENT_ALIASES`; a column named for the form's respondents
    (``Kommunenummer``, ``Kommunenr``, ``knr``, ``Kommune``) wins over
    ``respondent`` and over a platform's respondent id.
Answers
    Closed items accept the category label (case and surrounding whitespace
    ignored, aliases accepted, see :meth:`Scale.code_of`) or the category code.
    Blank is no answer (``NA``); *Vet ikke/ikke aktuelt* is a category, not
    ``NA``. A column that mixes codes and labels is accepted with a warning,
    because codes and labels of a scale cannot be confused unless a label
    itself looks like a number; if one does, mixing is an error, and so is any
    cell that is the label of one category and the code of another unless the
    rest of its column says whether it holds codes or labels. Free-text items
    are kept exactly as written (a cell of spaces is text, not blank).
Respondents
    Kommunenummer are accepted as printed anywhere (``301``, ``0301``,
    ``0301 Oslo``, ``301.0``) and normalised to four digits; they must be in
    the register of the round's year (Spitsbergen, 2111, included), or be an
    earlier number placed on today's kommune through the crosswalk (with a
    :class:`~samanalyse.errors.KommuneRenumberedWarning`; a split or
    never-existing number is an error). Helseforetak must be in the register
    of the year (case and whitespace ignored, ``kjent_som`` names accepted)
    and are normalised to the register's spelling.
Formula neutralisation
    Spreadsheet programs execute a cell that starts with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return (OWASP, "CSV injection"). When writing CSV
    or XLSX, every cell that starts with one of those characters - or with one
    or more ``'`` followed by one of them - gets one extra leading ``'``. When
    reading CSV or XLSX, a cell that starts with ``'`` followed by such a cell
    loses exactly one ``'``. Writing adds the quote exactly when reading
    removes it, so the round trip is lossless for every text, including texts
    that really start with ``'=``. SPSS files are neither neutralised nor
    un-neutralised.
Limits of the formats
    SPSS pads strings with spaces, so trailing spaces of free text cannot be
    stored in a SAV file (:func:`write_responses` warns when it drops them).
    XLSX cannot hold control characters or a bare carriage return; they are
    written with Excel's own ``_xHHHH_`` escapes and read back.
"""

from __future__ import annotations

from samanalyse.errors import ResponsesNotFoundError
from samanalyse.io.columns import RESPONDENT_ALIASES
from samanalyse.io.formats import SUPPORTED_SUFFIXES
from samanalyse.io.headers import is_metadata
from samanalyse.io.mapping import read_mapping
from samanalyse.io.read import load_responses, read_responses, validate_responses
from samanalyse.io.report import (
    PROBLEM_KINDS,
    Provenance,
    ResponseProblem,
    Responses,
    ValidationReport,
)
from samanalyse.io.text import FORMULA_CHARS
from samanalyse.io.write import write_responses

__all__ = [
    "FORMULA_CHARS",
    "PROBLEM_KINDS",
    "RESPONDENT_ALIASES",
    "SUPPORTED_SUFFIXES",
    "Provenance",
    "ResponseProblem",
    "Responses",
    "ResponsesNotFoundError",
    "ValidationReport",
    "is_metadata",
    "load_responses",
    "read_mapping",
    "read_responses",
    "validate_responses",
    "write_responses",
]
