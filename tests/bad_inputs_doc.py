"""Build docs/bad_inputs.md from the ``BAD_INPUTS`` lists of the test modules.

Every catalogued bad input is tested where it is listed (the module's parametrized test asserts the
exact message); this file only collects them into one page. Regenerate with
``python tests/bad_inputs_doc.py`` (``tests/test_bad_inputs_doc.py`` fails when the page is stale).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
DOC = TESTS.parent / "docs" / "bad_inputs.md"


def collect() -> list[tuple[str, dict[str, str]]]:
    """(test module, case) for every catalogued case, in file order."""
    out = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if "BAD_INPUTS: list" not in path.read_text(encoding="utf-8"):
            continue
        spec = importlib.util.spec_from_file_location(f"_bad_inputs_{path.stem}_{abs(hash(path))}", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        out += [(str(path.relative_to(TESTS.parent)), case) for case in module.BAD_INPUTS]
    return out


def render() -> str:
    cases = collect()
    lines = [
        "# Bad inputs and what samanalyse says",
        "",
        "Every input below is tested: the test named beside it builds the input and checks that samanalyse",
        "answers with exactly this message (`{file}` stands for the path of the file in question), changes no",
        "input file, and writes nothing half-done. Generated from the `BAD_INPUTS` lists of the tests by",
        "`python tests/bad_inputs_doc.py`; do not edit by hand.",
        "",
        f"{len(cases)} cases.",
        "",
    ]
    areas: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for where, case in cases:
        areas.setdefault(case.get("area", "Annet"), []).append((where, case))
    for area, items in areas.items():
        lines += [f"## {area}", ""]
        for where, case in items:
            message = "\n".join("    " + m for m in case["message"].split("\n"))
            lines += [f"### `{case['id']}`", "", f"{case['input']} (`{where}`)", "", message, ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
