"""docs/bad_inputs.md lists every catalogued bad input of the tests, and ids are unique across them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bad_inputs_doc", Path(__file__).with_name("bad_inputs_doc.py"))
doc = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(doc)  # type: ignore[union-attr]


def test_every_case_has_an_id_an_input_and_a_message() -> None:
    cases = doc.collect()
    assert len(cases) >= 16
    ids = [c["id"] for _, c in cases]
    assert len(ids) == len(set(ids)), "duplicate ids: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1}))
    for _, c in cases:
        assert c["id"] and c["input"] and c["message"], c


def test_doc_is_up_to_date() -> None:
    assert doc.DOC.read_text(encoding="utf-8") == doc.render(), "run: python tests/bad_inputs_doc.py"
