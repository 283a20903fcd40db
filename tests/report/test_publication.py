"""The report as a publication: its languages, its layout in a browser and on paper, its workbook and CSVs.

The layout tests render the HTML in headless Chromium (Debian's ``chromium``;
``.ci/run`` installs it) and fail on horizontal overflow of the page at
1366 px and 390 px, and on a table wider than the printed A4 page.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from samanalyse.errors import ArgumentError
from samanalyse.report.build import ReportSettings, build_report
from samanalyse.report.i18n import translation
from samanalyse.survey.rounds import load_round

sys.path.insert(0, str(Path(__file__).parent))
from chromium import A4_CSS_WIDTH, chromium, measure, print_pdf  # noqa: E402

ROUND = load_round("2010")
FAST = ReportSettings.from_plan(ROUND.plan, n_boot=50, n_iter=20, n_sim=2000)

BAD_INPUTS: list[dict[str, str]] = [
    {"id": "report-lang-unknown", "area": "Rapport",
     "input": "a report language without a translation table (build_report(..., lang='de'))",
     "message": "The report has no language 'de'; the languages are: nb, en."},
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("pub")
    return {lang: build_report(ROUND, base / lang, settings=FAST, lang=lang).out for lang in ("nb", "en")}


def _visible_text(page: str, drop_lang: str | None = None) -> str:
    """The page's text without style, script, embedded images and (optionally) elements marked ``lang=drop_lang``."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    if drop_lang:
        page = re.sub(rf"<td[^>]*lang='{drop_lang}'[^>]*>.*?</td>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def _hits(text: str, words: set[str]) -> list[str]:
    return sorted(w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, flags=re.I))


def _workbook_text(out: Path) -> str:
    from openpyxl import load_workbook

    return "\n".join(str(c.value) for ws in load_workbook(out / "rapport.xlsx").worksheets for row in ws.iter_rows()
                     for c in row if isinstance(c.value, str))


def test_nb_report_has_no_english_status_words(reports):
    english = translation("en").status_words() - translation("nb").status_words()
    for text in (_visible_text((reports["nb"] / "index.html").read_text(encoding="utf-8")),
                 _workbook_text(reports["nb"])):
        assert _hits(text, english) == []
        assert "gjengitt" in text and "umulig" in text  # the Norwegian ones are there instead


def _headers(out: Path) -> tuple[set[str], set[str]]:
    """The column headers of the page's tables and of the workbook's sheets (the row under the first empty row)."""
    from openpyxl import load_workbook

    page = (out / "index.html").read_text(encoding="utf-8")
    page_heads = {html.unescape(h).replace("\u200b", "") for h in re.findall(r"<th[^>]*>([^<]*)</th>", page)}
    sheet_heads: set[str] = set()
    for ws in load_workbook(out / "rapport.xlsx").worksheets[1:]:
        rows = list(ws.iter_rows(values_only=True))
        gap = next((i for i, r in enumerate(rows) if all(v is None for v in r)), None)
        if gap is not None and gap + 1 < len(rows):
            sheet_heads |= {str(v) for v in rows[gap + 1] if v is not None}
    return page_heads, sheet_heads


def test_no_program_names_as_column_headers(reports):
    program = set(translation("nb").table["header"])           # p_value, cramers_v, ci_low, pc_retain, ...
    for heads in _headers(reports["nb"]):
        assert heads and sorted(h for h in heads if h in program) == []
        # no snake_case name left (kommunenummer-like single words are fine)
        assert sorted(h for h in heads if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", h)) == []
    norwegian = set(translation("nb").table["header"].values()) - set(translation("en").table["header"].values())
    for heads in _headers(reports["en"]):
        assert sorted(heads & norwegian) == [] and "PC retained" in heads


#: English words of the audit's explanations ("... but no whole number of the 18 helseforetak gives these shares").
ENGLISH_PROSE = {"the", "but", "gives", "says", "cannot", "which", "does", "not", "number", "shares", "table", "text"}


def _audit_explanations(page: str) -> list[str]:
    """The explanation cells (last column) of the audit section's rows ``<tr id='funn-N'>``."""
    rows = re.findall(r"<tr id='funn-\d+'>(.*?)</tr>", page, flags=re.S)
    return [_visible_text(re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)[-1]) for r in rows]


def test_nb_report_explains_the_audit_findings_in_bokmal(reports):
    page = (reports["nb"] / "index.html").read_text(encoding="utf-8")
    cells = _audit_explanations(page)
    assert len(cells) == 29                      # the 2010 audit's findings, each once
    assert "lang='en'" not in page               # nothing left marked as English
    for cell in cells:
        assert _hits(cell, ENGLISH_PROSE) == [], cell
    # granularity, Tabell 16: 77 % and 23 % of 18 helseforetak, the printed figures filled in
    assert "Tabell 16 oppgir 77 % og 23 % for helseforetak, q5b, men ikke noe helt antall av 18 helseforetak gir " \
           "disse andelene." in cells
    # the response rate of the study text: 18 of 22 helseforetak is 81,8 %, not 90 %
    assert any(c.startswith("Teksten oppgir svarprosenten for helseforetak som 90 %") and "81,8 %" in c for c in cells)
    csv = pd.read_csv(reports["nb"] / "tables" / "revisjon_funn.csv", keep_default_na=False)
    assert sorted(csv["forklaring"]) == sorted(cells)    # the CSV's forklaring is the page's explanation
    en = _audit_explanations((reports["en"] / "index.html").read_text(encoding="utf-8"))
    assert len(en) == 29 and any("no whole number of the 18 helseforetak" in c for c in en)


def test_every_share_of_the_study_tables_has_an_interval(reports):
    from samanalyse.report.intervals import _frame_sizes

    sizes = _frame_sizes(ROUND)
    rules = ROUND.disclosure
    checked = hidden = 0
    for path in sorted((reports["nb"] / "tables").glob("T*.csv")):
        t = pd.read_csv(path)
        t = t[t["n"].fillna(0).gt(0) & t["percent"].notna()]
        # the disclosure rules (round.yaml): no interval of a share with a base under min_base or a count of
        # 1 to min_count - 1; those print ':' instead; every other share has its interval
        count = (t["percent"] * t["n"] / 100).round()
        small = t["n"].lt(rules.min_base) | (count.gt(0) & count.lt(rules.min_count))
        assert (t["ci_method"].eq(":") == small).all(), path.name
        hidden += int(small.sum())
        t = t[~small]
        assert t["ci_low"].notna().all() and t["ci_high"].notna().all(), path.name
        for _, r in t[(t["ci_high"] - t["ci_low"]).abs() < 1e-12].iterrows():
            # a zero-width interval only where every unit of the group answered (the share is then known)
            assert sizes.get((r["population"], r["breakdown"], r["group"])) == r["n"], (path.name, r["cell_id"])
            checked += 1
        edge = t[t["percent"].isin([0.0, 100.0]) & (t["ci_method"] == "exact")]
        assert ((edge["ci_high"] - edge["ci_low"]) > 1.9).all(), path.name  # binom.test(0, 187): 1.95 wide
    # small groups lose the interval (the RHF where every HF answered, once the zero-width case, are all under 5)
    assert hidden > 0


def test_en_report_uses_the_english_item_texts_and_titles(reports):
    en = _visible_text((reports["en"] / "index.html").read_text(encoding="utf-8"))
    nb = _visible_text((reports["nb"] / "index.html").read_text(encoding="utf-8"))
    # q14's short_en and T01's title_en from the codebook and the catalogue (data/rounds/2010)
    assert "Home – GP – outpatient clinic" in en and "Home – GP – outpatient clinic" not in nb
    t01 = "Satisfaction with cooperation on health services for the chronically ill. Answers from municipalities"
    assert t01 in en and t01 not in nb
    assert "Tilfredshet med samhandling om helsetjenester til kronisk syke" in nb


def test_every_2010_item_and_table_has_its_english_text():
    missing = [it.id for it in ROUND.codebook.item_list if not it.text_en]
    assert missing == []
    assert [t for t, spec in ROUND.catalogue.tables.items() if not spec.get("title_en")] == []


def test_en_report_shows_english_texts_of_every_kind_of_table(reports):
    en = _visible_text((reports["en"] / "index.html").read_text(encoding="utf-8"))
    # an experience table, an index cross-table and the response-rate annex (title_en in tables.yaml)
    for title in ("Experience with ambulant teams", "What do competence and knowledge transfer mean for cooperation?",
                  "Response frequencies of the survey"):
        assert title in en, title
    nb = _visible_text((reports["nb"] / "index.html").read_text(encoding="utf-8"))
    assert "Erfaringer med ambulerende team" in nb and "Experience with ambulant teams" not in nb


def test_nonresponse_titles_come_from_the_translation_table(reports):
    en = _visible_text((reports["en"] / "index.html").read_text(encoding="utf-8"))
    nb = _visible_text((reports["nb"] / "index.html").read_text(encoding="utf-8"))
    assert translation("en").t("nonresponse", "title") in en and "Svar og bortfall mot rammen" not in en
    assert translation("nb").t("nonresponse", "title") in nb
    assert "Responses against the register's groups: chi-square test" in en


def test_en_report_has_no_norwegian_status_words(reports):
    norwegian = translation("nb").status_words() - translation("en").status_words()
    for text in (_visible_text((reports["en"] / "index.html").read_text(encoding="utf-8")),
                 _workbook_text(reports["en"])):
        assert _hits(text, norwegian) == []
        assert "matched" in text and "impossible" in text


def test_the_language_check_can_fail():
    assert _hits("celle T16-004: impossible.", {"impossible"}) == ["impossible"]
    assert _hits("umuligheter", {"umulig"}) == []  # whole words only


def test_numbers_use_decimal_comma_and_small_p(reports):
    page = (reports["nb"] / "index.html").read_text(encoding="utf-8")
    assert "&lt; 0,001" in page                 # p below 0.001 (the forankring tests), never "0"
    assert "81,8" in page                       # 18 of 22 helseforetak answered (respondents table)
    en = (reports["en"] / "index.html").read_text(encoding="utf-8")
    assert "&lt; 0.001" in en and "81.8" in en


def test_page_has_viewport_citation_and_register_source(reports):
    page = (reports["nb"] / "index.html").read_text(encoding="utf-8")
    assert "name='viewport'" in page
    assert "I gode og onde dager. Status og virkemidler for samhandling mellom kommuner og helseforetak" in page
    assert page.count("Kilde: Statistisk sentralbyrå") >= 3   # methods, respondents, size-class tables
    assert "Støtter studiens funn" not in page
    # SSB's legend of the symbols only when a table shows one (tests/report/test_symbol_legend.py has a round that does)
    legend = translation("nb").legend(["suppressed"])
    assert (legend in page) == ("<td>:</td>" in page or "(:)" in page)
    # 2010: the intervals of groups under 5 helseforetak are ':' ("25,0 (:), n = 4"), so each such table has it
    t01 = page[page.index("<h3 id='tabeller-T01'"):page.index("<h3 id='tabeller-T02'")]
    assert "(:)" in t01 and legend in t01
    # links stay inside the page: every href is a fragment that exists
    ids = set(re.findall(r"id='([^']+)'", page))
    hrefs = re.findall(r"href='([^']*)'", page)
    assert hrefs and all(h.startswith("#") and h[1:] in ids for h in hrefs), \
        [h for h in hrefs if not h.startswith("#") or h[1:] not in ids][:5]


def test_audit_section_shows_each_finding_once_and_tables_link_to_their_own(reports):
    page = (reports["nb"] / "index.html").read_text(encoding="utf-8")
    findings = pd.read_csv(reports["nb"] / "tables" / "revisjon_funn.csv", keep_default_na=False)
    rows = re.findall(r"<tr id='funn-(\d+)'>", page)
    assert len(rows) == len(findings) == len(set(rows))
    # Tabell 16: the audit finds 77 % and 23 % of 18 helseforetak impossible (cells T16-004, T16-006)
    t16 = page[page.index("id='tabeller-T16'"):page.index("id='tabeller-T19'")]
    linked = set(re.findall(r"href='#funn-(\d+)'", t16))
    own = {str(i + 1) for i, cells in enumerate(findings["cells"]) if any(c.startswith("T16-") for c in cells.split(";"))}
    assert linked == own and own
    # every study table: it links exactly the findings that name one of its own cells
    parts = re.split(r"(?=<h3 id=')", page)
    checked = 0
    for part in parts:
        m = re.match(r"<h3 id='tabeller-(\w+)'", part)
        if not m:
            continue
        tid = m.group(1)
        # (a finding naming no cell at all concerns the tables it lists)
        mine = {str(i + 1) for i, (cells, tabs) in enumerate(zip(findings["cells"], findings["tables"]))
                if any(c.startswith(f"{tid}-") for c in cells.split(";"))
                or ("-" not in cells and tid in tabs.split(";"))}
        assert set(re.findall(r"href='#funn-(\d+)'", part)) == mine, tid
        checked += bool(mine)
    assert checked >= 10


def test_study_tables_carry_n_and_interval(reports):
    t01 = pd.read_csv(reports["nb"] / "tables" / "T01.csv", dtype={"cell_id": str}).set_index("cell_id")
    # Tabell 1, helseforetak in Helse Nord: 3 of the 4 helseforetak of the region answered, a base under the
    # disclosure rules' min_base (5): n is shown, the interval is ':'
    row = t01.loc["T01-007"]
    assert row["population"] == "helseforetak" and row["group"] == "Helse Nord" and row["n"] == 3
    assert row["ci_method"] == ":" and pd.isna(row["ci_low"]) and pd.isna(row["ci_high"])
    # Helse Sør-Øst: 6 of the 7 helseforetak that answered say Godt; the interval is finite-population
    row = t01.loc["T01-012"]
    assert row["group"] == "Helse Sør-Øst" and row["n"] == 7 and round(row["percent"], 6) == round(600 / 7, 6)
    assert row["ci_method"] == "fpc_logit" and row["ci_low"] < row["percent"] < row["ci_high"]
    # kommuner in Helse Midt, Dårlig: 10 of 39 (26 %); the frame is 85 kommuner. Wilson (no fpc) would be wider.
    r = t01.loc["T01-001"]
    assert r["n"] == 39 and round(r["percent"], 6) == round(100 * 10 / 39, 6)
    from samanalyse.stats.proportions import proportion_ci
    wilson = proportion_ci(10, 39, method="wilson")
    assert r["ci_high"] - r["ci_low"] < 100 * (wilson.ci_high - wilson.ci_low)


def test_norwegian_excel_csv_variant(reports):
    raw = (reports["nb"] / "tabeller_excel" / "respondenter_rhf.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")          # BOM: Excel reads UTF-8
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("form;rhf;")
    assert "81,8" in text                            # decimal comma
    tidy = pd.read_csv(reports["nb"] / "tables" / "respondenter_rhf.csv")
    back = pd.read_csv(reports["nb"] / "tabeller_excel" / "respondenter_rhf.csv", sep=";", decimal=",",
                       encoding="utf-8-sig")
    pd.testing.assert_frame_equal(tidy, back)


def test_workbook_ready_for_word(reports):
    from openpyxl import load_workbook

    wb = load_workbook(reports["nb"] / "rapport.xlsx")
    assert wb.sheetnames[0] == "Innhold"
    index = wb["Innhold"]
    links = [c.hyperlink.location if c.hyperlink.location else c.hyperlink.target
             for row in index.iter_rows() for c in row if c.hyperlink]
    assert "'T01'!A1" in " ".join(str(x) for x in links)
    ws = wb["T01"]
    assert ws["A1"].value.startswith("Tabell 1:")
    assert ws["A2"].value == "n: kommuner 187, helseforetak 18"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_bad_language_gives_its_message(tmp_path):
    with pytest.raises(ArgumentError) as exc:
        translation("de")
    assert str(exc.value) == BAD_INPUTS[0]["message"]


needs_chromium = pytest.mark.skipif(chromium() is None and not os.environ.get("CI"),
                                    reason="chromium is not installed (.ci/run installs it)")


@needs_chromium
@pytest.mark.parametrize("width", [1366, 390])
def test_page_does_not_overflow(reports, width):
    m = measure(reports["nb"] / "index.html", width)
    assert m["width"] == width
    assert m["page"] <= width, f"the page is {m['page']} px wide at {width} px"


@needs_chromium
def test_no_table_is_cut_in_print(reports, tmp_path):
    page = reports["nb"] / "index.html"
    m = measure(page, A4_CSS_WIDTH, print_css=True)
    assert m["cut"] == [], m["cut"]
    # on paper every table is laid out, the n-and-interval tables folded away on screen too (27 study tables)
    n_detail = page.read_text(encoding="utf-8").count("<div class='detail'>")
    assert n_detail == 27 and m["shown"] == m["tables"]
    assert measure(page, 1366)["shown"] == m["tables"] - n_detail
    # the check can fail: the screen layout at the same width has tables wider than the page
    assert measure(page, A4_CSS_WIDTH)["cut"]
    pdf = print_pdf(page, tmp_path / "rapport.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0:
        printed = set(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                                     text=True).stdout.replace("\u200b", " ").split())
        # every piece of the last column's header of every table (the n-and-interval tables too) is printed
        shown = page.read_text(encoding="utf-8")
        pieces = [w for head in re.findall(r"<thead><tr>(.*?)</tr></thead>", shown)
                  for w in html.unescape(re.findall(r"<th[^>]*>([^<]*)</th>", head)[-1]).replace("\u200b", " ").split()]
        assert pieces and [w for w in pieces if w not in printed] == []


def test_workbook_names_the_audited_tables_as_printed(reports):
    from openpyxl import load_workbook

    ws = load_workbook(reports["nb"] / "rapport.xlsx")["revisjon"]
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r[0] == translation("nb").t("column", "finding"))
    tables = rows[head].index(translation("nb").t("column", "tables"))
    first = rows[head + 1]
    assert first[tables] == "Tabell 16"      # finding 1: Tabell 16's 77 % and 23 % of 18 helseforetak
    assert all(not re.search(r"\bT\d+\b", str(r[tables])) for r in rows[head + 1:] if r[tables])


def test_round_notes_in_the_report_language(reports: dict[str, Path]) -> None:
    """The banner and the respondents note come from round.yaml's notes, ``<key>_en`` for --lang en."""
    import yaml

    notes = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "rounds" / "2010" / "round.yaml")
                           .read_text(encoding="utf-8"))["notes"]
    pages = {lang: (reports[lang] / "index.html").read_text(encoding="utf-8") for lang in ("nb", "en")}
    for key in ("reconstruction", "respondents"):
        nb_start, en_start = notes[key][:40], notes[f"{key}_en"][:40]
        assert nb_start in pages["nb"] and en_start not in pages["nb"], key
        assert en_start in pages["en"] and nb_start not in pages["en"], key
