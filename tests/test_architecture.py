"""The shape of the library, checked: layers, no round wired into code, module and function size, errors.

- No literal of the 2010 round (item ids, table ids, index names, virkemidler, challenges, collapse
  names, category labels, its years and seed) in the library's code outside docstrings and comments:
  the round lives in data/rounds/2010/.
- Imports go one way: cli -> report -> analysis/published -> stats/io -> survey -> errors.
- Every module has ``__all__``, at most about 600 lines; no function over about 80 lines of code (its docstring
  not counted) unless the docstring says why ("Long function: ...").
- Errors: no bare ValueError/KeyError/TypeError raised, no ``assert`` for checks, every exception and
  warning class defined in errors.py.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from samanalyse.survey.rounds import load_round

PKG = Path(__file__).resolve().parents[1] / "samanalyse"
MODULES = sorted(p for p in PKG.rglob("*.py"))
MAX_MODULE_LINES = 650      # "at most about 600"
MAX_FUNCTION_LINES = 85     # "no function over about 80 lines"

#: The layer of each top-level part of the package, and which layers it may import.
LAYERS = {
    "errors": set(),
    "survey": {"errors"},
    "io": {"errors", "survey"},
    "stats": {"errors"},
    "analysis": {"errors", "survey", "io", "stats"},
    "published": {"errors", "survey", "io", "stats", "analysis"},
    "report": {"errors", "survey", "io", "stats", "analysis", "published"},
    "cli": {"errors", "survey", "io", "stats", "analysis", "published", "report"},
    "__main__": {"cli"},
    "__init__": {"errors", "survey"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _forbidden() -> tuple[set[str], set[str]]:
    """Words and numbers of the 2010 round that library code must not contain."""
    rnd = load_round("2010")
    cb = rnd.codebook
    words = {it.id for it in cb.item_list} | set(rnd.catalogue.tables) | set(cb.indices)
    words |= {it.virkemiddel for it in cb.item_list if it.virkemiddel}
    words |= {it.challenge for it in cb.item_list if it.challenge}
    for scale in cb.scales.values():
        words |= {c.name for c in scale.collapses}
        words |= {cat.label for cat in scale.categories}
    words |= {str(rnd.register_year), "2009", str(rnd.plan.settings.seed)}
    numbers = {str(rnd.register_year), "2009", str(rnd.plan.settings.seed)}
    return words, numbers


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def _literal_hits(path: Path, words: set[str], numbers: set[str]) -> list[str]:
    text = path.read_text(encoding="utf-8")
    doc = _docstring_lines(ast.parse(text))
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True))
                         + r")(?![A-Za-z0-9_])")
    hits = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING and tok.start[0] not in doc:
            for m in pattern.finditer(tok.string):
                hits.append(f"{path.relative_to(PKG.parent)}:{tok.start[0]}: {m.group(1)!r} in {tok.string[:60]!r}")
        elif tok.type == tokenize.NUMBER and tok.string in numbers:
            hits.append(f"{path.relative_to(PKG.parent)}:{tok.start[0]}: number {tok.string}")
        elif tok.type == tokenize.NAME and tok.string in words:
            hits.append(f"{path.relative_to(PKG.parent)}:{tok.start[0]}: name {tok.string}")
    return hits


def test_library_code_names_nothing_of_the_2010_round() -> None:
    words, numbers = _forbidden()
    assert {"q14", "T01", "V3", "kvalitet_pasientforlop", "2010", "20100401"} <= words  # the check is armed
    hits = [h for p in MODULES for h in _literal_hits(p, words, numbers)]
    assert hits == [], "2010 in library code:\n" + "\n".join(hits)


def test_the_literal_check_can_fail(tmp_path: Path) -> None:
    words, numbers = _forbidden()
    bad = tmp_path / "bad.py"
    bad.write_text('"""Docstring naming q14 and 2010 is fine."""\n# so is a comment on T01\n'
                   'X = "q14"\nY = 2010\nZ = f"Tabell {1}: V3"\n', encoding="utf-8")
    global PKG
    old, PKG = PKG, tmp_path
    try:
        hits = _literal_hits(bad, words, numbers)
    finally:
        PKG = old
    assert [h.split(": ", 1)[1] for h in hits] == ["'q14' in '\"q14\"'", "number 2010", "'V3' in 'f\"Tabell {1}: V3\"'"]


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("samanalyse"):
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("samanalyse")]
    return out


def test_imports_go_down_only() -> None:
    bad = []
    for path in MODULES:
        layer = _layer(path)
        for line, mod in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = mod.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if target in ("__init__",) and layer != "__init__":
                target = "__init__"  # `from samanalyse import __version__` reads the package root
                continue
            if target != layer and target not in LAYERS[layer]:
                bad.append(f"{path.relative_to(PKG.parent)}:{line}: {layer} imports {mod}")
    assert bad == [], "imports against the layers:\n" + "\n".join(bad)


def test_modules_are_small_and_declare_their_public_names() -> None:
    big, no_all = [], []
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        n = text.count("\n")
        if n > MAX_MODULE_LINES:
            big.append(f"{path.relative_to(PKG.parent)}: {n} lines")
        tree = ast.parse(text)
        public = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                  and not node.name.startswith("_")]
        has_all = any(isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets)
                      for node in tree.body)
        if public and not has_all:
            no_all.append(str(path.relative_to(PKG.parent)))
    assert big == [], "modules over ~600 lines:\n" + "\n".join(big)
    assert no_all == [], "modules without __all__:\n" + "\n".join(no_all)


def test_long_functions_say_why() -> None:
    long = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node) or ""
                body = node.body
                skip = (body[0].end_lineno - body[0].lineno + 1) if doc else 0
                n = node.end_lineno - node.lineno + 1 - skip  # code lines: the docstring does not count
                if n > MAX_FUNCTION_LINES and "Long function:" not in doc:
                    long.append(f"{path.relative_to(PKG.parent)}:{node.lineno}: {node.name} ({n} lines)")
    assert long == [], "functions over ~80 lines without a reason in the docstring:\n" + "\n".join(long)


BUILTIN_ERRORS = {"ValueError", "KeyError", "TypeError", "RuntimeError", "IndexError", "FileNotFoundError",
                  "LookupError", "Exception", "OSError"}


def test_errors_and_warnings_come_from_errors_module() -> None:
    bad = []
    for path in MODULES:
        rel = path.relative_to(PKG.parent)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                    isinstance(node.exc.func, ast.Name) and node.exc.func.id in BUILTIN_ERRORS:
                bad.append(f"{rel}:{node.lineno}: raise {node.exc.func.id}")
            if isinstance(node, ast.Assert):
                bad.append(f"{rel}:{node.lineno}: assert")
            if isinstance(node, ast.ClassDef) and path.name != "errors.py" and not node.name.startswith("_"):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if any(b.endswith(("Error", "Warning", "Exception")) for b in bases):
                    bad.append(f"{rel}:{node.lineno}: class {node.name} defined outside errors.py")
    assert bad == [], "errors outside the package's error classes:\n" + "\n".join(bad)
