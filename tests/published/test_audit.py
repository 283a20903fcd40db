"""The audit of published figures (samanalyse.audit) and ``samanalyse audit``.

Every expected value below comes from the hand calculation in the comment next
to it, not from running the code.
"""

from __future__ import annotations

import csv
import io
import time

import pandas as pd
import pytest

from samanalyse.cli import main
from samanalyse.errors import DataError, SamanalyseError
from samanalyse.published.audit import (
    FINDING_COLUMNS,
    SEVERITIES,
    audit_round,
    breakdown_totals,
    counts_for,
    findings_frame,
    format_text,
    index_share_bounds,
    load_notation,
    percent_check,
    row_counts,
    row_sum_bound,
)
from samanalyse.published.audit import audit as _audit

#: The hand-made tables below use the labels and statement shorthands of the 2010 transcription.
NOTATION = load_notation("2010")


def audit(*args, **kwargs):
    """:func:`samanalyse.published.audit.audit` with the 2010 transcription's notation."""
    return _audit(*args, notation=NOTATION, **kwargs)

CELL_COLS = ["cell_id", "table", "population", "breakdown", "group", "item", "category", "value", "unit",
             "status", "base", "line", "note"]


def _cells(rows: list[tuple]) -> pd.DataFrame:
    """rows: (cell_id, table, population, breakdown, group, item, category, value, line)."""
    out = []
    for cid, t, pop, bd, g, item, cat, v, line in rows:
        out.append({"cell_id": cid, "table": t, "population": pop, "breakdown": bd, "group": g, "item": item,
                    "category": cat, "value": v, "unit": "%", "status": "printed" if v is not None else "unknown",
                    "base": "all respondents", "line": line, "note": ""})
    return pd.DataFrame(out, columns=CELL_COLS)


def _statements(rows: list[tuple]) -> pd.DataFrame:
    """rows: (statement_id, line, quote, population, item, implied, tables, wording)."""
    cols = ["statement_id", "line", "quote", "population", "item", "claim", "implied", "tables", "wording"]
    return pd.DataFrame([{"statement_id": s, "line": ln, "quote": q, "population": p, "item": i, "claim": "",
                          "implied": imp, "tables": t, "wording": w} for s, ln, q, p, i, imp, t, w in rows],
                        columns=cols)


# ----------------------------------------------------------------------------- granularity


def test_n7_fourteen_possible_fifteen_impossible():
    # 1/7 = 14.29% -> 14 (both rules); 15% would need 100k/7 in [14.5, 15.5): k = 1.015..1.085, no whole k.
    assert percent_check(14, 7).possible
    assert counts_for(14, 7, "half-up") == (1,) and counts_for(14, 7, "half-even") == (1,)
    pc = percent_check(15, 7)
    assert not pc.possible
    # the neighbours of 15%: 1/7 = 14.29% and 2/7 = 28.57%
    assert pc.below[0] == 1 and pc.above[0] == 2
    assert "1/7 = 14.3%" in pc.proof() and "2/7 = 28.6%" in pc.proof()


def test_n18_seventy_seven_impossible():
    # 13/18 = 72.2%, 14/18 = 77.8%: nothing prints as 77; 4/18 = 22.2%, 5/18 = 27.8%: nothing prints as 23.
    assert counts_for(77, 18) == () and counts_for(23, 18) == ()
    # 14/18 = 77.78 -> 78
    assert counts_for(78, 18) == (14,)


def test_rounding_rule_matters_at_exact_halves():
    # 1/8 = 12.5%: half-up gives 13, half-even gives 12 (12 is even).
    assert counts_for(13, 8, "half-up") == (1,) and counts_for(13, 8, "half-even") == ()
    assert counts_for(12, 8, "half-even") == (1,) and counts_for(12, 8, "half-up") == ()
    assert percent_check(13, 8).rules == ("half-up",)


def test_row_possible_under_one_rule_only_is_a_note():
    # n = 8: 1/8 = 12.5% and 7/8 = 87.5%.  Half-up prints 13 and 88; half-even prints 12 and 88.
    # So 13/88 is possible only under half-up: a 'note', not an error.
    cells = _cells([("N-1", "T93", "p", "total", "Samlet", "x", "Dårlig", 13, 1),
                    ("N-2", "T93", "p", "total", "Samlet", "x", "Godt", 88, 1),
                    ("N-3", "T93", "p", "note", "Samlet", "x", "Manglende svar", 0, 2)])
    res = audit(cells, {("p", "Samlet"): 8})
    assert [(f.check, f.severity) for f in res.findings] == [("row", "note")]
    assert "half-up" in res.findings[0].explanation


def test_over_100_is_impossible():
    # k <= n, so a share of respondents is at most 100%.
    assert not percent_check(144, 18).possible


# ----------------------------------------------------------------------------- rows


def test_row_sum_bound():
    # m values each within 0.5 of its share: |sum - 100| <= m/2, a whole number: floor(m/2).
    assert [row_sum_bound(m) for m in (1, 2, 3, 4, 5)] == [0, 1, 1, 2, 2]


def test_rows_of_three():
    # 33/33/33 with n = 3: 1/3 = 33.3% -> 33 for each, 1 + 1 + 1 = 3.  Sum 99 is within the bound of 1.
    chk = row_counts([33, 33, 33], 3)
    assert chk.feasible and chk.witness == (1, 1, 1)
    # 50/50 with n = 3: 50% of 3 = 1.5; 1/3 = 33.3, 2/3 = 66.7 -> no count prints 50.
    assert not row_counts([50, 50], 3).feasible


def test_row_counts_must_add_up_to_n():
    # n = 10: 30% -> k = 3 only, 30% -> 3, 30% -> 3: 9 people, never 10 (closed row) ...
    assert not row_counts([30, 30, 30], 10).feasible
    # ... but fine when the remaining person may be an unprinted missing answer (open row).
    assert row_counts([30, 30, 30], 10, closed=False).feasible
    # an unknown value takes the rest: 30 + 30 + ? -> 3 + 3 + 4 = 10
    assert row_counts([30, 30, None], 10).witness == (3, 3, 4)


# ----------------------------------------------------------------------------- breakdowns


def test_breakdown_totals_small():
    # group of 3 printing 33 -> 1; group of 3 printing 67 -> 2; total 3.
    assert breakdown_totals([(3, [33]), (3, [67])]) == {(3,)}
    # n = 39 printing 26% -> 10 (25.6%) only; n = 26 printing 19% -> 5 (19.2%) only
    assert breakdown_totals([(39, [26]), (26, [19])]) == {(15,)}


def test_breakdown_that_cannot_sum_to_the_total():
    # Two regions of 3 respondents each print 33% "Godt": 1 of 3 in each (1/3 = 33.3%).
    # Together 2 of 6 = 33.3%, so the total must print 33%; the table prints 50% (3 of 6) -> impossible.
    # Every single number is possible on its own (33% of 3, 50% of 6), so only the breakdown check finds it.
    sizes = {("p", "Samlet"): 6, ("p", "A"): 3, ("p", "B"): 3}
    bad = _cells([
        ("X-1", "T90", "p", "rhf", "A", "x", "Godt", 33, 10),
        ("X-2", "T90", "p", "rhf", "B", "x", "Godt", 33, 11),
        ("X-3", "T90", "p", "total", "Samlet", "x", "Godt", 50, 12),
    ])
    res = audit(bad, sizes)
    found = [f for f in res.findings if f.check == "breakdown"]
    assert len(found) == 1 and found[0].severity == "impossible"
    assert "2–2" in found[0].proof  # the group counts add up to exactly 2
    # the consistent version: total 33% (2 of 6)
    good = bad.copy()
    good.loc[2, "value"] = 33
    assert audit(good, sizes).findings == []


# ----------------------------------------------------------------------------- index bounds


def test_index_share_bounds():
    # All 10 answer "Godt" on all 4 items: everyone has score 4 >= 3.
    assert index_share_bounds([(10, 10)] * 4, 10, 3) == (10, 10)
    # 5 of 10 per item (20 "Godt" answers): a score >= 3 uses 3, so at most 6 (18 <= 20 < 21);
    # at least 0: 5 people with all four and 5 with none give score >= 3 to 5, and 20 answers spread
    # 2 each over 10 people give 0.
    assert index_share_bounds([(5, 5)] * 4, 10, 3) == (0, 6)
    # 9 of 10 per item (36 answers): the people below 3 hold at most 2 each; N >= 3 holders take at most 4.
    # lower bound: sum max(0, 9 - N) <= 2 (10 - N)  ->  36 - 4N <= 20 - 2N  ->  N >= 8.
    assert index_share_bounds([(9, 9)] * 4, 10, 3)[0] == 8


# ----------------------------------------------------------------------------- no false alarms


T01_KOMMUNER = [
    # Tabell 1, kommuner: n = 39/26/85/37 (Midt/Nord/Sør-Øst/Vest), 187 in all.
    # Midt 26/67: 10/39 = 25.6 -> 26, 26/39 = 66.7 -> 67 (3 missing)
    ("T01-001", "T01", "kommuner", "rhf", "Helse Midt", "q20", "Dårlig", 26, 999),
    ("T01-002", "T01", "kommuner", "rhf", "Helse Midt", "q20", "Godt", 67, 999),
    # Nord 19/69: 5/26 = 19.2 -> 19, 18/26 = 69.2 -> 69 (3 missing)
    ("T01-005", "T01", "kommuner", "rhf", "Helse Nord", "q20", "Dårlig", 19, 1000),
    ("T01-006", "T01", "kommuner", "rhf", "Helse Nord", "q20", "Godt", 69, 1000),
    # Sør-Øst 22/74: 19/85 = 22.4 -> 22, 63/85 = 74.1 -> 74 (3 missing)
    ("T01-009", "T01", "kommuner", "rhf", "Helse Sør-Øst", "q20", "Dårlig", 22, 1001),
    ("T01-010", "T01", "kommuner", "rhf", "Helse Sør-Øst", "q20", "Godt", 74, 1001),
    # Vest 24/70: 9/37 = 24.3 -> 24, 26/37 = 70.3 -> 70 (2 missing)
    ("T01-013", "T01", "kommuner", "rhf", "Helse Vest", "q20", "Dårlig", 24, 1002),
    ("T01-014", "T01", "kommuner", "rhf", "Helse Vest", "q20", "Godt", 70, 1002),
    # total: Dårlig 10+5+19+9 = 43 -> 43/187 = 23.0; Godt 26+18+63+26 = 133 -> 71.1; missing 11 -> 5.9 -> 6
    ("T01-017", "T01", "kommuner", "total", "Samlet", "q20", "Dårlig", 23, 1003),
    ("T01-018", "T01", "kommuner", "total", "Samlet", "q20", "Godt", 71, 1003),
    ("T01-021", "T01", "kommuner", "note", "Samlet", "q20", "Manglende svar", 6, 1005),
]
SIZES_2010_KOMMUNER = {("kommuner", "Samlet"): 187, ("kommuner", "Helse Midt"): 39, ("kommuner", "Helse Nord"): 26,
                       ("kommuner", "Helse Sør-Øst"): 85, ("kommuner", "Helse Vest"): 37}


def test_tabell_1_kommuner_is_consistent():
    res = audit(_cells(T01_KOMMUNER), SIZES_2010_KOMMUNER)
    assert res.findings == []
    assert res.checked["breakdown"] == 1 and res.checked["granularity"] == 11


def test_breakdown_check_catches_a_changed_total():
    # Change the total to Dårlig 22%, Godt 72%: the row still adds up (41 + 134 + 12 = 187 prints as
    # 22/72/6), but the regions' counts are pinned: Dårlig 10+5+19+9 = 43 (23.0%), Godt 26+18+63+26 = 133
    # (71.1%); 22% of 187 needs 41 or 42 and 72% needs 134 or 135 -> impossible.
    rows = [r[:7] + ({"T01-017": 22, "T01-018": 72}[r[0]], r[8]) if r[0] in ("T01-017", "T01-018") else r
            for r in T01_KOMMUNER]
    res = audit(_cells(rows), SIZES_2010_KOMMUNER)
    assert [f.check for f in res.findings] == ["breakdown"]
    assert res.findings[0].severity == "impossible"


# ----------------------------------------------------------------------------- annex, statements


def test_annex_convention_is_inconsistent_not_impossible():
    # Item table: Godt 90% of 100, note "Manglende svar" 10%.  Annex: Gjennomført 95%, Vet ikke 5%.
    # On all 100 with 'Vet ikke' = the note: 10 vs 5 -> no.  If the 10 without an answer are 5 "vet ikke"
    # and 5 blanks counted as 'Gjennomført': 95 / 5 -> fits, so the finding is 'inconsistent'.
    cells = _cells([
        ("A-1", "T91", "p", "total", "Samlet", "x", "Godt", 90, 1),
        ("A-2", "T91", "p", "note", "Samlet", "x", "Manglende svar", 10, 2),
        ("A-3", "V9", "p", "total", "Samlet", "x", "Gjennomført", 95, 3),
        ("A-4", "V9", "p", "total", "Samlet", "x", "Vet ikke/ikke aktuelt", 5, 3),
    ])
    res = audit(cells, {("p", "Samlet"): 100})
    assert [(f.check, f.severity) for f in res.findings] == [("annex", "inconsistent")]


def test_response_rates():
    # 18/22 = 81.8%; 90% of 22 needs 19.7..20.1 -> none (19/22 = 86.4, 20/22 = 90.9): impossible.
    # 187/430 = 43.488% -> 43; only rounding twice (43.488 -> 43.5 -> 44) gives 44: inconsistent.
    st = _statements([("S1", 5, "Svarprosenten ...", "helseforetak;kommuner", "",
                       "response_rate(helseforetak)=0.90 with n=18 of 22; response_rate(kommuner)=0.44 with n=187 of 430",
                       "", "exact")])
    sizes = {("helseforetak", "Samlet"): 18, ("kommuner", "Samlet"): 187}
    res = audit(_cells([]), sizes, statements=st, frame={"helseforetak": 22, "kommuner": 430})
    got = {(f.population, f.severity) for f in res.findings}
    assert got == {("helseforetak", "impossible"), ("kommuner", "inconsistent")}


def test_statement_share_checks():
    # Table: gode 56%, usikre 21%, ikke 10%, notes 12 + 2 (n = 187).
    # "hele 70%" (approximate) vs 55.6-56.1%: 14 points off -> inconsistent;
    # among those with experience 56/(56+21) = 72.7% -> the explanation names that base.
    cells = _cells([
        ("B-1", "T92", "p", "total", "Samlet", "q", "Ikke gjennomført", 10, 1),
        ("B-2", "T92", "p", "total", "Samlet", "q", "Gjennomført med gode erfaringer", 56, 1),
        ("B-3", "T92", "p", "total", "Samlet", "q", "Gjennomført med usikre/dårlige erfaringer", 21, 1),
        ("B-4", "T92", "p", "note", "Samlet", "q", "Vet ikke/ikke aktuelt", 12, 2),
        ("B-5", "T92", "p", "note", "Samlet", "q", "NA", 2, 3),
    ])
    st = _statements([
        ("S1", 9, "hele 70%", "p", "q", "share(p,q,gode)≈0.70", "T92", "approximate"),
        ("S2", 10, "21%", "p", "q", "share(p,q,usikre/dårlige)=0.21", "T92", "exact"),  # fine
        ("S3", 11, "flertallet", "p", "q", "share(p,q,gode)>0.5", "T92", "vague"),  # fine
    ])
    res = audit(cells, {("p", "Samlet"): 187}, statements=st)
    assert [(f.check, f.severity) for f in res.findings] == [("statement", "inconsistent")]
    assert "among those with experience" in res.findings[0].explanation.lower()


def test_input_checks():
    with pytest.raises(SamanalyseError):
        counts_for(14, 0)
    with pytest.raises(SamanalyseError):
        counts_for("abc", 7)  # type: ignore[arg-type]
    with pytest.raises(SamanalyseError):
        row_counts([50], 3, rule="banker")
    with pytest.raises(DataError):
        audit(pd.DataFrame({"cell_id": ["x"]}), {})
    with pytest.raises(SamanalyseError):
        audit(_cells([]), {("p", "Samlet"): -1})


# ----------------------------------------------------------------------------- the 2010 audit


@pytest.fixture(scope="module")
def audit_2010():
    t0 = time.perf_counter()
    res = audit_round("2010")
    return res, time.perf_counter() - t0


def test_2010_runs_fast(audit_2010):
    assert audit_2010[1] < 5


def test_2010_tabell_16_hf_is_impossible(audit_2010):
    res, _ = audit_2010
    # 77% and 23% of 18 helseforetak: no whole count (see test_n18_seventy_seven_impossible)
    f = [f for f in res.findings if f.tables == ("T16",) and f.population == "helseforetak"]
    assert len(f) == 1 and f[0].severity == "impossible" and f[0].check == "granularity"
    assert "77" in f[0].values and "23" in f[0].values and "14/18 = 77.8%" in f[0].proof


def test_2010_response_rate_90_is_impossible(audit_2010):
    res, _ = audit_2010
    f = [f for f in res.findings if f.check == "response rate" and f.population == "helseforetak"]
    assert len(f) == 1 and f[0].severity == "impossible" and 531 in f[0].lines
    assert "18/22 = 81.8%" in f[0].proof


def test_2010_t56_t57_contradiction(audit_2010):
    res, _ = audit_2010
    # T56: "Godt" 61% and 85% -> overall between 60.5 and 85.5; T57: 10% and 30% -> 9.5..30.5; disjoint.
    f = [f for f in res.findings if f.check == "index" and f.tables == ("T56", "T57")]
    assert len(f) == 1 and f[0].severity == "impossible"


def test_2010_no_false_alarm_on_tabell_1_kommuner(audit_2010):
    res, _ = audit_2010
    bad = [f for f in res.findings if "T01" in f.tables and f.population == "kommuner"
           and f.check in ("granularity", "row", "breakdown")]
    assert bad == []


def test_2010_severities_and_columns(audit_2010):
    res, _ = audit_2010
    assert set(res.counts()) == set(SEVERITIES)
    for f in res.findings:
        assert f.severity in SEVERITIES and f.explanation and f.values
        if f.severity == "impossible":
            assert f.proof
    frame = findings_frame(res)
    assert list(frame.columns) == list(FINDING_COLUMNS)
    assert len(frame) == len(res.findings)
    text = format_text(res)
    assert text.index("IMPOSSIBLE") < text.index("INCONSISTENT") < text.index("LOOSE WORDING")


# ----------------------------------------------------------------------------- CLI


def test_cli_audit_text(capsys):
    assert main(["audit", "--round", "2010"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Audit of the published figures of round 2010")
    assert "Findings:" in out and "impossible" in out and "Tabell 16" in out


def test_cli_audit_csv(capsys):
    assert main(["audit", "--round", "2010", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, "no findings written"
    for col in ("severity", "tables", "values", "explanation", "check", "cells", "proof", "lines",
                "population", "item"):
        assert col in rows[0]
    assert {r["severity"] for r in rows} <= set(SEVERITIES)
    assert any(r["severity"] == "impossible" and r["tables"] == "T16" for r in rows)


def test_cli_audit_unknown_round(capsys):
    assert main(["audit", "--round", "1999"]) == 1
    assert "1999" in capsys.readouterr().err


def test_published_figures_come_from_round_yaml(tmp_path):
    # a copy of the round elsewhere, under another name, whose round.yaml points to a copy of the figures:
    # the audit reads what round.yaml names, not data/published/<name>
    import shutil

    from samanalyse.survey.rounds import load_round

    src = load_round("2010")
    shutil.copytree(src.path, tmp_path / "kopi")
    shutil.copytree(src.published_dir, tmp_path / "tall")
    meta = (tmp_path / "kopi" / "round.yaml").read_text(encoding="utf-8")
    meta = meta.replace('round: "2010"', 'round: "kopi"').replace("published: ../../published/2010", "published: ../tall")
    (tmp_path / "kopi" / "round.yaml").write_text(meta, encoding="utf-8")
    rnd = load_round(tmp_path / "kopi")
    assert rnd.published_dir == (tmp_path / "tall").resolve()
    res = audit_round(rnd)
    assert res.round == "kopi"
    assert res.counts() == audit_round(src).counts()
