"""The fuzzed front door: read_responses and validate_responses on mutated and random files.

Every example must give either a clean result (a ValidationReport; responses or
a DataError) or a SamanalyseError whose message names the file (and, in each
problem, the row and column where there is one) - never another exception,
never a hang - and the input file's bytes must be unchanged afterwards.

Hypothesis runs derandomized with fixed ``max_examples`` so CI sees the same
examples every time; :data:`TOTAL_EXAMPLES` is how many the module runs.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import re
import signal
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samanalyse.errors import DataError, SamanalyseError, SamanalyseWarning
from samanalyse.io.report import ResponseProblem, Responses, ValidationReport
from samanalyse.io.responses import read_responses, validate_responses, write_responses
from samanalyse.survey.rounds import load_codebook

CB = load_codebook("2010")
FORM = "kommune"
HANG_SECONDS = 30  # one example taking longer than this counts as a hang

#: max_examples of each property below (derandomized: the same examples every run).
EXAMPLES = {
    "xlsx_truncated": 40,
    "xlsx_flipped": 60,
    "xlsx_member": 80,
    "xlsx_cells": 30,
    "sav_random": 60,
    "sav_mutated": 60,
    "csv_chunks": 90,
    "csv_mutated": 70,
}
STRUCTURAL = ["10000-columns", "one-column", "duplicate-headers", "empty-file", "header-only", "bare-cr-lines",
              "utf16-broken", "mixed-encodings", "nul-late", "huge-code", "only-quotes", "xlsx-10000-columns",
              "xlsx-header-only", "xlsx-empty-sheet"]
#: Every example the module runs (properties plus the structural cases, each read twice).
TOTAL_EXAMPLES = sum(EXAMPLES.values()) + len(STRUCTURAL)


def _settings(name: str) -> settings:
    return settings(max_examples=EXAMPLES[name], deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])


# --------------------------------------------------------------------------
# Valid exports to mutate
# --------------------------------------------------------------------------


def _valid_frame() -> pd.DataFrame:
    rows = []
    for i, rid in enumerate(["0301", "1201", "1820"]):
        row = {"respondent": rid}
        for it in CB.items(FORM):
            row[it.id] = it.scale.labels()[i % len(it.scale.labels())] if it.scale else f"Tekst {i} æøå \"sitat\"; ja"
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def valid(folder) -> dict[str, bytes]:
    """The same valid export as CSV, XLSX and SAV bytes."""
    src = folder / "valid.csv"
    _valid_frame().to_csv(src, sep=";", index=False, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamanalyseWarning)
        resp = read_responses(src, CB, FORM)
    out = {"csv": src.read_bytes()}
    for fmt in ("xlsx", "sav"):
        out[fmt] = write_responses(resp, folder / f"valid.{fmt}").read_bytes()
    # the same bytes every run (derandomized mutations of them): fix the SAV header's creation date and time
    sav = bytearray(out["sav"])
    sav[92:109] = b"01 Jan 2600:00:00"
    out["sav"] = bytes(sav)
    xlsx = io.BytesIO()  # and the workbook's timestamps (docProps/core.xml, zip entry dates)
    with zipfile.ZipFile(io.BytesIO(out["xlsx"])) as zin, zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            content = zin.read(name)
            if name == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", content)
            zout.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content,
                          compress_type=zipfile.ZIP_DEFLATED)
    out["xlsx"] = xlsx.getvalue()
    return out


_counter = itertools.count()


@pytest.fixture(scope="module")
def front_door(folder) -> Callable[[bytes, str], object]:
    """Write ``data`` to a new file ending in ``suffix`` and check both entry points on it."""

    def check(data: bytes, suffix: str) -> object:
        path = folder / f"input-{next(_counter)}{suffix}"
        path.write_bytes(data)
        return _check_file(path)

    return check


# --------------------------------------------------------------------------
# The check every example must pass
# --------------------------------------------------------------------------


class _Hang(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise _Hang(f"no answer within {HANG_SECONDS} s")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_names_its_place(p: object, path: Path) -> None:
    assert isinstance(p, ResponseProblem), p
    text = str(p)
    assert p.file == str(path) and str(path) in text, text
    if p.row is not None:  # "row 3", or 3 among "rows 2, 3 (2 rows)" (a repeat is reported at its second row)
        assert re.search(rf"\b(row|case)s? (\d+, )*{p.row}\b", p.where), text
    if p.column is not None:
        assert repr(p.column) in text or p.kind in ("missing_column", "mapping"), text


def _check_file(path: Path) -> object:
    """validate_responses, then read_responses: a clean result or a SamanalyseError naming the file."""
    before = _sha(path)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamanalyseWarning)
            try:
                report = validate_responses(path, CB, FORM)
            except SamanalyseError as exc:
                assert str(path) in str(exc), str(exc)
                report = exc
            if isinstance(report, ValidationReport):
                for p in report.errors + report.warnings:
                    _assert_names_its_place(p, path)
                assert report.ok == (report.responses is not None)
                assert str(path) in report.format() or path.name in report.format()
            try:
                got = read_responses(path, CB, FORM)
            except SamanalyseError as exc:
                assert str(path) in str(exc), str(exc)
                assert not isinstance(report, ValidationReport) or not report.ok
                if isinstance(exc, DataError) and isinstance(report, ValidationReport):
                    assert exc.problems == report.errors
                got = exc
            else:
                assert isinstance(got, Responses)
                assert isinstance(report, ValidationReport) and report.ok
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert _sha(path) == before, "the input file was modified"
    return got


# --------------------------------------------------------------------------
# XLSX: truncated, flipped bytes, a damaged member inside an intact zip, odd cells
# --------------------------------------------------------------------------


_FLIPS = st.lists(st.tuples(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=255)),
                  min_size=1, max_size=24)


def _flip(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    b = bytearray(data)
    for pos, xor in flips:
        b[pos % len(b)] ^= xor
    return bytes(b)


@_settings("xlsx_truncated")
@given(cut=st.integers(min_value=0, max_value=10**9))
def test_truncated_xlsx(front_door, valid, cut):
    data = valid["xlsx"]
    front_door(data[: cut % len(data)], ".xlsx")


@_settings("xlsx_flipped")
@given(flips=_FLIPS)
def test_xlsx_with_flipped_bytes(front_door, valid, flips):
    front_door(_flip(valid["xlsx"], flips), ".xlsx")


@_settings("xlsx_member")
@given(member=st.integers(min_value=0, max_value=100), how=st.sampled_from(["cut", "flip", "garbage", "drop"]),
       arg=st.integers(min_value=0, max_value=10**9), flips=_FLIPS, junk=st.binary(max_size=200))
def test_xlsx_with_a_damaged_member(front_door, valid, member, how, arg, flips, junk):
    """A well-formed zip whose sheet, shared strings or workbook XML is damaged (openpyxl parses deeper)."""
    with zipfile.ZipFile(io.BytesIO(valid["xlsx"])) as zin:
        names = zin.namelist()
        target = names[member % len(names)]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for name in names:
                content = zin.read(name)
                if name == target:
                    if how == "drop":
                        continue
                    content = {"cut": lambda c: c[: arg % (len(c) + 1)], "flip": lambda c: _flip(c, flips) if c else c,
                               "garbage": lambda c: junk}[how](content)
                zout.writestr(name, content)
    front_door(out.getvalue(), ".xlsx")


_CELL = st.one_of(
    st.none(), st.integers(min_value=-10**20, max_value=10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.text(max_size=20),
    st.sampled_from(["_xD800_", "_x0000_", "_x005F_xD83D_", "=1+1", "'=x", "Svært godt", "0301", "301.0", " 9 "]),
)


@_settings("xlsx_cells")
@given(cells=st.lists(st.lists(_CELL, min_size=0, max_size=8), min_size=0, max_size=6), keep_header=st.booleans())
def test_xlsx_with_odd_cells(front_door, folder, cells, keep_header):
    """Workbooks openpyxl writes itself, holding numbers, booleans, escapes and text of every kind."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    if keep_header:
        ws.append(["respondent", *CB.item_ids(FORM)])
    for row in cells:
        ws.append([_safe_xl(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    front_door(buf.getvalue(), ".xlsx")


def _safe_xl(v: object) -> object:
    """What openpyxl can store (it refuses control characters and lone surrogates in text)."""
    if isinstance(v, str):
        return "".join(c for c in v if c >= " " and not 0xD800 <= ord(c) <= 0xDFFF) or None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return str(v)
    return v


# --------------------------------------------------------------------------
# SAV: random bytes, with and without the SPSS magic; mutated valid files
# --------------------------------------------------------------------------


@_settings("sav_random")
@given(data=st.binary(max_size=4096), magic=st.sampled_from([b"", b"$FL2", b"$FL3", b"$FL2@(#) SPSS DATA FILE"]),
       suffix=st.sampled_from([".sav", ".zsav"]))
def test_random_bytes_as_sav(front_door, data, magic, suffix):
    front_door(magic + data, suffix)


@_settings("sav_mutated")
@given(flips=_FLIPS, cut=st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)))
def test_mutated_sav(front_door, valid, flips, cut):
    data = _flip(valid["sav"], flips)
    if cut is not None:
        data = data[: cut % len(data)]
    front_door(data, ".sav")


# --------------------------------------------------------------------------
# CSV: pieces of a valid export glued with stray quotes, NULs, mixed encodings
# --------------------------------------------------------------------------


_TEXT_PIECES = ["respondent", "knr", "q5a", "q14", "0301", "1201", "Svært godt", "Nokså godt", "Vet ikke/ikke aktuelt",
                "Ikke gjennomført", "9", "1", "æøå ÆØÅ", "😀", "=SUM(A1)", "'=x", " ", "  "]
_CHUNK = st.one_of(
    st.sampled_from([b'"', b'""', b"\x00", b";", b",", b"\t", b"|", b"\n", b"\r\n", b"\r", b"\xef\xbb\xbf",
                     b"\xff\xfe", b"\x81", b"\xe6\xf8\xe5"]),
    st.sampled_from(_TEXT_PIECES).flatmap(
        lambda t: st.sampled_from(["utf-8", "cp1252", "latin-1"]).map(lambda e: t.encode(e, errors="replace"))),
    st.binary(max_size=8),
)


@_settings("csv_chunks")
@given(chunks=st.lists(_CHUNK, max_size=60), header=st.booleans(), suffix=st.sampled_from([".csv", ".txt", ".tsv"]))
def test_csv_glued_from_pieces(front_door, valid, chunks, header, suffix):
    head = valid["csv"].split(b"\n", 1)[0] + b"\n" if header else b""
    front_door(head + b"".join(chunks), suffix)


@_settings("csv_mutated")
@given(edits=st.lists(st.tuples(st.integers(min_value=0, max_value=10**9), _CHUNK), min_size=1, max_size=12),
       cut=st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)))
def test_valid_csv_with_insertions(front_door, valid, edits, cut):
    """The valid export with stray quotes, NULs, cp1252 bytes and separators inserted anywhere."""
    data = bytearray(valid["csv"])
    for pos, chunk in edits:
        at = pos % (len(data) + 1)
        data[at:at] = chunk
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    front_door(bytes(data), ".csv")


# --------------------------------------------------------------------------
# Structural extremes
# --------------------------------------------------------------------------


def _structural(name: str, valid: dict[str, bytes]) -> tuple[bytes, str]:
    head = valid["csv"].split(b"\n", 1)[0]
    if name == "10000-columns":
        return (";".join(["respondent", *(f"kolonne {i}" for i in range(10000))]) + "\n"
                + ";".join(["0301", *(["x"] * 10000)]) + "\n").encode(), ".csv"
    if name == "xlsx-10000-columns":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Svar")
        ws.append(["respondent", *(f"kolonne {i}" for i in range(10000))])
        ws.append(["0301", *(["x"] * 10000)])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), ".xlsx"
    if name in ("xlsx-header-only", "xlsx-empty-sheet"):
        import openpyxl

        wb = openpyxl.Workbook()
        if name == "xlsx-header-only":
            wb.active.append(["respondent", *CB.item_ids(FORM)])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), ".xlsx"
    return {
        "one-column": b"respondent\n0301\n1201\n",
        "duplicate-headers": head + b";" + head + b"\n" + b"0301;" * 143 + b"\n",
        "empty-file": b"",
        "header-only": head + b"\n",
        "bare-cr-lines": valid["csv"].replace(b"\n", b"\r"),
        "utf16-broken": b"\xff\xfe" + "respondent;q5a\n".encode("utf-16-le") + b"\x00\xd8",
        "mixed-encodings": valid["csv"] + "0101;Svært godt æøå\n".encode("cp1252"),
        "nul-late": valid["csv"] + b"x" * 9000 + b"\x00\n",
        "huge-code": valid["csv"].replace("Svært godt".encode(), b"1" * 5000, 1),
        "only-quotes": b'"' * 1000,
    }[name], ".csv"


@pytest.mark.parametrize("name", STRUCTURAL)
def test_structural_extremes(front_door, valid, name):
    data, suffix = _structural(name, valid)
    front_door(data, suffix)


def test_total_examples_is_what_the_report_says():
    assert TOTAL_EXAMPLES == 490 + len(STRUCTURAL)


@pytest.fixture(autouse=True, scope="module")
def _count() -> Iterator[None]:
    yield
    print(f"\ntest_fuzz: {next(_counter)} files fuzzed (planned {TOTAL_EXAMPLES})")
