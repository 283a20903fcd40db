"""The audit's findings explained in bokmål, from the templates in data/translations/nb.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from samanalyse.errors import NotFoundError
from samanalyse.published.audit import audit_round, findings_frame
from samanalyse.published.audit.findings import Finding, explanation_nb

SOURCE = Path(__file__).parents[2] / "samanalyse" / "published" / "audit"


@pytest.fixture(scope="module")
def result():
    return audit_round("2010")


def test_every_check_the_audit_can_make_has_a_bokmal_template():
    checks = {m for f in SOURCE.glob("*.py") for m in re.findall(r'check="([a-z ]+)"', f.read_text(encoding="utf-8"))}
    assert {"granularity", "row", "statement", "response rate"} <= checks
    for check in sorted(checks):
        for severity in ("impossible", "inconsistent", "loose wording", "note"):
            text = explanation_nb(Finding(check=check, severity=severity, tables=("T16",), values="gode 77%", explanation="x",
                                          population="helseforetak", item="q5b", lines=(531,)))
            assert text and "{" not in text, (check, severity)


def test_the_2010_findings_in_bokmal(result):
    texts = [f.forklaring for f in result.findings]
    assert len(texts) == 29 and all(texts)
    g = next(f for f in result.findings if f.check == "granularity" and f.tables == ("T16",))
    # by hand from the template: tables, population, item and the printed figures filled in
    assert g.forklaring == ("Tabell 16 oppgir andeler for helseforetak, q5b, som ikke kan komme fra et helt antall "
                            "av dem som svarte: " + g.values + ".")
    assert g.explanation_in("nb") == g.forklaring and g.explanation_in("en") == g.explanation
    two = [f.forklaring for f in result.findings if f.check == "response rate"]
    assert sorted(two) == sorted([
        "Teksten (linje 531) oppgir en svarprosent for helseforetak som ikke kan komme fra et helt antall av dem "
        "som ble spurt.",
        "Teksten (linje 531) oppgir en svarprosent for kommuner som bare fås ved å avrunde to ganger."])
    many = next(f for f in result.findings if f.check == "statement" and f.lines[0] == 1035)
    assert "kommuner og helseforetak, q20" in many.forklaring and "Tabell 1 " in many.forklaring


def test_the_findings_table_keeps_its_columns_and_adds_forklaring(result):
    frame = findings_frame(result)
    assert list(frame.columns)[:10] == ["severity", "check", "tables", "population", "item", "values",
                                        "explanation", "proof", "cells", "lines"]
    assert list(frame.columns)[10:] == ["forklaring"]
    assert frame["forklaring"].str.len().gt(0).all()


def test_a_check_without_a_template_is_named():
    with pytest.raises(NotFoundError, match=r"data/translations/nb.yaml has no audit_explanation for the check "
                                            r"'nope' \(severity 'note'\)"):
        explanation_nb(Finding(check="nope", severity="note", tables=(), values="", explanation="x"))
