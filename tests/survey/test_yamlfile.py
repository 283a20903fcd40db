"""The libyaml fast path of :func:`samanalyse.survey.yamlfile.read_yaml` against PyYAML's pure-Python loader.

``read_yaml`` parses with ``yaml.CSafeLoader`` (one parse for values and line map) and falls back to
the pure-Python ``yaml.SafeLoader`` for anything libyaml refuses. The independent reference is the
pure-Python loader itself (``_FAST_LOADER`` set to None): every YAML file of the repository, and the
same files mutated at random (the mutations of ``test_fuzz``), must give the same values and line
map, or the same problems (message, key path, line), whichever loader is used.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samanalyse.errors import CodebookError
from samanalyse.survey import yamlfile
from samanalyse.survey.yamlfile import read_yaml

from tests.survey.test_fuzz import _mutate, mutation

REPO = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(p for p in REPO.rglob("*.yaml") if ".venv" not in p.parts and ".git" not in p.parts)
ANY = {"type": "object"}
CODEBOOK = REPO / "data" / "rounds" / "2010" / "codebook.yaml"

pytestmark = pytest.mark.skipif(yamlfile._FAST_LOADER is None, reason="PyYAML built without libyaml")


def _outcome(path: Path) -> tuple:
    try:
        raw, lines = read_yaml(path, ANY, CodebookError)
        return "ok", raw, lines
    except CodebookError as exc:
        return "problems", [(p.file, p.where, p.message, p.allowed, p.line) for p in exc.problems]


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, tuple]:
    fast = _outcome(path)
    with monkeypatch.context() as m:
        m.setattr(yamlfile, "_FAST_LOADER", None)
        slow = _outcome(path)
    return fast, slow


def test_repository_files_found() -> None:
    assert len(YAML_FILES) >= 10


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_same_values_and_lines(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(path, monkeypatch)
    assert fast == slow


def test_pure_python_line_map_is_the_reference() -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    assert yamlfile.line_map(text) == yamlfile._node_lines(yaml.compose(text, Loader=yaml.SafeLoader))


@pytest.mark.parametrize("text", ["a: [1, 2\n", "a: *nowhere\n", "a: 1\n---\nb: 2\n", "a:\n\t- 1\n", "- 1\n",
                                  "a: b: c\n", "a: 'x\n", "\ufeffa: 1\n", "a: \x07\n", "&a [*a]\n"])
def test_broken_texts_give_the_same_problems(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    fast, slow = _both(path, monkeypatch)
    assert fast == slow


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(muts=st.lists(mutation, min_size=1, max_size=4),
       name=st.sampled_from(["codebook.yaml", "tables.yaml", "plan.yaml", "round.yaml"]))
def test_mutated_files_give_the_same_outcome(muts: list[tuple], name: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / name
    path.write_text(_mutate((REPO / "data" / "rounds" / "2010" / name).read_text(encoding="utf-8"), muts),
                    encoding="utf-8")
    fast, slow = _both(path, monkeypatch)
    assert fast == slow
