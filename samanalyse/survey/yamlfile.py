"""Reading a YAML file of a round against its JSON schema, with every problem reported at once.

One reader for every YAML file the package reads (codebook, ``round.yaml``,
table catalogue, analysis plan, reconstruction spec): unreadable files, invalid
YAML, anchors to nowhere and schema violations all become the given
:class:`~samanalyse.errors.ProblemsError` subclass, each problem with the file,
line, key path and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from samanalyse.errors import Problem, ProblemsError

__all__ = ["read_yaml", "load_text", "line_map", "key_path", "schema_problems", "MAX_VALUES"]


#: Most values a YAML file may expand to (aliases repeat what an anchor holds): a round's files
#: have a few thousand; a file of repeated aliases ("billion laughs") would take forever to check.
MAX_VALUES = 50_000


class _TooLarge(Exception):
    pass


#: PyYAML's libyaml-backed loader when PyYAML was built with it (several times faster than the pure-Python
#: parser); the same nodes, marks and values for a file that parses. Any file it refuses is parsed again by the
#: pure-Python loader, so the problems reported (message, line) are those of the pure-Python parser.
_FAST_LOADER: type | None = getattr(yaml, "CSafeLoader", None)


def _node_lines(root: yaml.Node | None) -> dict[tuple[Any, ...], int]:
    """Key paths -> 1-based lines of a composed node tree; ``_TooLarge`` past :data:`MAX_VALUES` values."""
    lines: dict[tuple[Any, ...], int] = {}
    budget = [MAX_VALUES]

    def walk(node: yaml.Node, path: tuple[Any, ...], depth: int = 0) -> None:
        budget[0] -= 1
        if budget[0] < 0 or depth > 100:
            raise _TooLarge
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                lines.setdefault(path + (key,), k.start_mark.line + 1)
                walk(v, path + (key,), depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, path + (i,), depth + 1)

    if root is not None:
        walk(root, ())
    return lines


def line_map(text: str) -> dict[tuple[Any, ...], int]:
    """Map key paths to 1-based line numbers using PyYAML's node tree.

    Raises ``_TooLarge`` (internal) when the document expands to more than :data:`MAX_VALUES` values.
    """
    try:
        root = yaml.compose(text, Loader=_FAST_LOADER or yaml.SafeLoader)
    except yaml.YAMLError:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return {}
    return _node_lines(root)


def load_text(text: str) -> Any:
    """The values of a trusted YAML text (package data) with the fastest safe loader there is.

    Raises
    ------
    yaml.YAMLError
        If the text is not YAML (the message may be libyaml's; use :func:`read_yaml` for a round's files).
    """
    return yaml.load(text, Loader=_FAST_LOADER or yaml.SafeLoader)


def _fast_load(text: str) -> tuple[Any, yaml.Node | None] | None:
    """Values and node tree of ``text`` from one libyaml parse; None when libyaml is missing or refuses the text."""
    if _FAST_LOADER is None:
        return None
    loader = _FAST_LOADER(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


def key_path(path: Iterable[Any]) -> str:
    """``("tables", "T01", "by")`` -> ``"tables.T01.by"``; list indices as ``[2]``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _problem(err: jsonschema.ValidationError, file: str, lines: dict) -> Problem:
    path = tuple(err.absolute_path)
    allowed = ""
    if err.validator == "additionalProperties":
        props = err.schema.get("properties", {})
        extra = sorted(map(str, set(err.instance) - set(props))) if isinstance(err.instance, dict) else []
        msg = f"unknown key{'s' if len(extra) != 1 else ''} {', '.join(map(repr, extra))}"
        allowed = ", ".join(props) if props else "names of your choice"
        line = lines.get(path + (extra[0],)) if extra else lines.get(path)
        return Problem(file, key_path(path), msg, allowed, line)
    if err.validator == "required":
        allowed = "required keys: " + ", ".join(err.validator_value)
    elif err.validator == "enum":
        allowed = ", ".join(map(repr, err.validator_value))
    elif err.validator == "const":
        allowed = repr(err.validator_value)
    elif err.validator == "type":
        allowed = f"a value of type {err.validator_value}"
    elif err.validator == "pattern":
        allowed = "a letter followed by letters, digits or _"
    return Problem(file, key_path(path), err.message, allowed, lines.get(path))


def schema_problems(raw: Any, schema: dict[str, Any], file: str, lines: dict) -> list[Problem]:
    """Every violation of ``schema`` in ``raw``, in key-path order."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    return [_problem(e, file, lines) for e in errors]


def _too_large(file: str) -> Problem:
    return Problem(file, "(YAML)", f"the file expands to more than {MAX_VALUES} values or nests more "
                   "than 100 levels deep (aliases that repeat anchors?)", "", None)


def _slow_load(text: str, file: str, error: type[ProblemsError]) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Values and line map from PyYAML's pure-Python loader, its refusals as problems of ``error``."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise error([Problem(file, "(YAML syntax)", f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                             "", line)]) from None
    except RecursionError:
        raise error([Problem(file, "(YAML syntax)", "the YAML nests too deeply (anchors that refer to themselves?)",
                             "", None)]) from None
    try:
        lines = line_map(text)
    except _TooLarge:
        raise error([_too_large(file)]) from None
    return raw, lines


def read_yaml(
    path: str | Path, schema: dict[str, Any], error: type[ProblemsError]
) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """Read ``path``, check it against ``schema``; return the mapping and its line map.

    Raises
    ------
    ProblemsError
        (the ``error`` subclass) for a file that is missing, unreadable, not
        UTF-8, not YAML, not a mapping, or breaks the schema — all problems at once.
    """
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error([Problem(file, "(file)", "the file does not exist", "", None)]) from None
    except IsADirectoryError:
        raise error([Problem(file, "(file)", "this is a folder, not a file", "", None)]) from None
    except PermissionError:
        raise error([Problem(file, "(file)", "the file cannot be read (permission denied)", "", None)]) from None
    except UnicodeDecodeError as exc:
        raise error([Problem(file, "(file)", f"the file is not UTF-8 text (byte {exc.start})",
                             "save the file as UTF-8", None)]) from None
    except OSError as exc:
        raise error([Problem(file, "(file)", f"the file cannot be read ({exc.strerror or exc})", "", None)]) from None
    if "\x00" in text:
        raise error([Problem(file, "(file)", "the file holds NUL bytes; it is not a YAML text file", "", None)])
    fast = _fast_load(text)
    if fast is not None:
        raw, root = fast
        try:
            lines = _node_lines(root)
        except _TooLarge:
            raise error([_too_large(file)]) from None
    else:
        raw, lines = _slow_load(text, file, error)
    if not isinstance(raw, dict):
        raise error([Problem(file, "(top level)", "the file must hold a mapping of keys", "", 1)])
    problems = schema_problems(raw, schema, file, lines)
    if problems:
        raise error(problems)
    return raw, lines
