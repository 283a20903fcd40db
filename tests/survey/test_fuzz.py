"""Fuzzed readers of a round's YAML files: a clean result or one error naming the file, nothing else.

Hypothesis feeds the codebook, catalogue, plan and round readers the shipped 2010 files with random
mutations (lines deleted, duplicated or truncated, characters replaced, NUL bytes, aliases to
anchors that do not exist, tabs) and random YAML documents and bytes. Each example must either load
or raise a ProblemsError / SamanalyseError whose message names the file; the file is not modified.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samanalyse.errors import ProblemsError, SamanalyseError
from samanalyse.survey.catalogue import read_catalogue
from samanalyse.survey.codebook import read_codebook
from samanalyse.survey.plan import read_plan
from samanalyse.survey.rounds import load_round

ROUND = Path(__file__).resolve().parents[2] / "data" / "rounds" / "2010"
CODEBOOK = load_round("2010").codebook
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: How many examples this module runs (reported in the closing note).
N_EXAMPLES = 60 * 6 + 15 + 9  # the last: every reader x encoding

READERS = {
    "codebook.yaml": lambda p: read_codebook(p),
    "tables.yaml": lambda p: read_catalogue(p, CODEBOOK),
    "plan.yaml": lambda p: read_plan(p, CODEBOOK),
}

mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000)),
    st.tuples(st.just("truncate"), st.integers(0, 100_000)),
    st.tuples(st.just("replace"), st.integers(0, 100_000), st.sampled_from(["\x00", "\t", ":", "*nowhere", "&a",
                                                                          "[", "'", '"', "-", "{", "\ufeff", "é"])),
    st.tuples(st.just("alias"), st.integers(0, 10_000)),
)


def _mutate(text: str, muts: list[tuple]) -> str:
    lines = text.split("\n")
    for m in muts:
        kind = m[0]
        if kind == "delete" and lines:
            del lines[m[1] % len(lines)]
        elif kind == "duplicate" and lines:
            i = m[1] % len(lines)
            lines.insert(i, lines[i])
        elif kind == "truncate":
            joined = "\n".join(lines)
            lines = joined[: m[1] % (len(joined) + 1)].split("\n")
        elif kind == "replace":
            joined = "\n".join(lines)
            i = m[1] % (len(joined) + 1)
            lines = (joined[:i] + m[2] + joined[i + 1:]).split("\n")
        elif kind == "alias" and lines:
            i = m[1] % len(lines)
            if ":" in lines[i]:
                lines[i] = lines[i].split(":", 1)[0] + ": *nowhere"
    return "\n".join(lines)


def _check(read, path: Path) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        read(path)
    except SamanalyseError as exc:
        assert str(path) in str(exc), f"the error does not name the file: {exc}"
        if isinstance(exc, ProblemsError):
            assert exc.problems and all(p.file == str(path) for p in exc.problems)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def _fuzz_file(name: str, muts: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(_mutate((ROUND / name).read_text(encoding="utf-8"), muts), encoding="utf-8")
        _check(READERS[name], path)


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_codebook(muts: list[tuple]) -> None:
    _fuzz_file("codebook.yaml", muts)


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_catalogue(muts: list[tuple]) -> None:
    _fuzz_file("tables.yaml", muts)


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_plan(muts: list[tuple]) -> None:
    _fuzz_file("plan.yaml", muts)


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_round_yaml(muts: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "runde"
        shutil.copytree(ROUND, folder, ignore=shutil.ignore_patterns("responses_*", "constraint_*"))
        path = folder / "round.yaml"
        path.write_text(_mutate(path.read_text(encoding="utf-8"), muts), encoding="utf-8")
        _check(lambda p: load_round(p.parent), path)


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=12)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(min_size=1, max_size=10), children, max_size=4)),
    max_leaves=20,
)
#: keys the readers know, so random documents get past the first checks
KNOWN = ["round", "forms", "scales", "questions", "indices", "tables", "categories", "settings", "seed", "kind",
         "item", "label", "title", "codes", "items", "frame", "codebook", "register_year", "size_classes"]


@FUZZ
@given(st.dictionaries(st.sampled_from(KNOWN), yaml_values, max_size=6), st.sampled_from(sorted(READERS)))
def test_random_documents(doc: dict, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        _check(READERS[name], path)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(sorted(READERS)))
def test_random_bytes(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        _check(READERS[name], path)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(1, 60))
def test_anchors_and_deep_aliases(depth: int) -> None:
    # billion-laughs style: aliases that multiply; the reader must answer (load or refuse) without blowing up
    doc = "a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, depth))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.yaml"
        path.write_text(doc, encoding="utf-8")
        _check(READERS["plan.yaml"], path)


@settings(max_examples=9, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(READERS)), st.sampled_from(["utf-16", "cp1252", "latin-1"]))
def test_other_encodings(name: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes((ROUND / name).read_text(encoding="utf-8").encode(encoding, errors="replace"))
        _check(READERS[name], path)
