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
    assert len(texts) == 29 and all(texts) and len(set(texts)) == 29
    g = next(f for f in result.findings if f.check == "granularity" and f.tables == ("T16",))
    # by hand: Tabell 16 prints 77 % and 23 % for 18 helseforetak; 13/18 = 72,2 %, 14/18 = 77,8 %: no k gives 77 %
    assert g.forklaring == ("Tabell 16 oppgir 77 % og 23 % for helseforetak, q5b, men ikke noe helt antall av "
                            "18 helseforetak gir disse andelene.")
    assert g.explanation_in("nb") == g.forklaring and g.explanation_in("en") == g.explanation
    assert g.explanation == ("Tabell 16 prints 77% and 23% for helseforetak, q5b, but no whole number of the 18 "
                             "helseforetak gives these shares.")
    rates = sorted(f.forklaring for f in result.findings if f.check == "response rate")
    # 187/430 = 43,488 % (rounds to 43 %, or via 43,5 to 44 %); 18/22 = 81,8 %, 18/20 = 90 %
    assert rates == [
        "Teksten oppgir svarprosenten for helseforetak som 90 % med n = 18, men 18 av de 22 som ble spurt, er 81,8 %; "
        "ikke noe helt antall av de 22 gir 90 %. 18 respondenter er 90 % av 20, ikke av 22.",
        "Teksten oppgir svarprosenten for kommuner som 44 %, men 187 av 430 er 43,49 %, som avrundes til 43 %; "
        "44 % får en bare ved å avrunde to ganger (43,49 → 43,5 → 44)."]
    # a statement with its base hint: line 3069, kommuner q5d, Tabell 22 prints usikre/dårlige 21 of 187
    many = next(f for f in result.findings if f.check == "statement" and f.lines[0] == 3069)
    assert many.forklaring.startswith("Teksten sier om lag 30 % for kommuner q5d (usikre/dårlige); tabellen gir "
                                      "20,9–21,4 %. Blant dem med erfaring er andelen")


def test_no_english_left_in_the_bokmal_explanations(result):
    english = {"the", "but", "gives", "says", "which", "does", "not", "number", "shares", "table", "text", "among"}
    for f in result.findings:
        words = set(re.findall(r"[A-Za-zæøåÆØÅ]+", f.forklaring.lower()))
        assert words & english == set(), f.forklaring
        assert not re.search(r"\d\.\d", f.forklaring), f.forklaring   # decimal comma
        assert not re.search(r"(?<!\[)\d,\d", f.explanation), f.explanation  # decimal point in English ("[0,2]" is a label)


def test_every_sentence_has_a_template_in_both_languages():
    from samanalyse.published.audit.explain import templates

    nb, en = templates("nb")["sentence"], templates("en")["sentence"]
    assert set(nb) == set(en)
    code = "".join(f.read_text(encoding="utf-8") for f in SOURCE.glob("*.py"))
    used = set(re.findall(r'say\("([a-z0-9_-]+)"', code))
    assert len(used) > 30 and used - set(nb) == set()
    prefixes = set(re.findall(r'say\(f"([a-z_]+)\{', code))  # keys made in code: "rule_{rule}", "not_{which}_group"
    assert prefixes and all(any(k.startswith(p) for k in nb) for p in prefixes)
    for key in nb:  # the same fields in both languages
        assert set(re.findall(r"{(\w+)", nb[key])) == set(re.findall(r"{(\w+)", en[key])), key


def test_a_sentence_without_a_template_is_named():
    from samanalyse.published.audit.explain import render, say

    with pytest.raises(NotFoundError, match=r"data/translations/nb.yaml has no audit_explanation.sentence.nope"):
        render([say("nope")], "nb")


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


def test_the_values_of_a_finding_in_each_language(result):
    rate = next(f for f in result.findings if f.check == "response rate")
    # the study's own words stay; the connecting words are the language's
    assert rate.values == "text, line 531: “Svarprosenten for helseforetakene var 90 (n=18) og for kommunene 44 (n=187).”"
    assert rate.values_in("nb") == ("teksten, linje 531: «Svarprosenten for helseforetakene var 90 (n=18) og for "
                                    "kommunene 44 (n=187).»")
    annex = next(f for f in result.findings if f.check == "annex" and f.population == "helseforetak"
                 and f.item == "q5e")
    assert annex.values_in("nb") == ("q5e: Tabell 25 besvart 84 % (noter: Vet ikke/ikke aktuelt 11 + NA 6) mot "
                                     "Vedlegg 3 Gjennomført 89 % / Vet ikke/ikke aktuelt 11 %")
    for f in result.findings:
        words = set(re.findall(r"[a-z]+", f.values_in("nb")))
        assert not words & {"text", "line", "tables", "answered", "notes", "vs", "caption", "by"}, f.values_in("nb")
