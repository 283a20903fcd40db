"""Report section: the consistency audit of the published numbers, each finding once.

Findings are numbered (``funn-1`` ...); each study table lists the findings
about its own cells (by cell id, not by table) and links to them.
"""

from __future__ import annotations

from samanalyse.report.context import Context, Section

__all__ = ["run"]


def run(ctx: Context) -> None:
    """The audit's findings in their own section; each table gets the ids of the findings about its cells."""
    from samanalyse.published.audit import findings_frame

    result = ctx.facts["audit_result"]
    tr = ctx.tr
    frame = findings_frame(result)
    ctx.write_csv("revisjon_funn", frame)
    ctx.facts["audit"] = result.counts()
    by_table: dict[str, list[str]] = {}
    rows = []
    for i, f in enumerate(result.findings, start=1):
        anchor = f"funn-{i}"
        own = {c.split("-")[0] for c in f.cells if "-" in c}  # tables whose cells the finding names
        for t in sorted(own or set(f.tables)):
            by_table.setdefault(t, []).append(anchor)
        rows.append({
            tr.t("column", "finding"): i,
            tr.t("column", "severity"): tr.t("severity", f.severity),
            tr.t("column", "check"): tr.t("check", f.check),
            tr.t("column", "tables"): ", ".join(f.tables),
            tr.t("column", "values"): f.values_in(tr.lang),
            tr.t("column", "explanation"): f.explanation_in(tr.lang),
        })
    for sec in ctx.sections.get("tabeller", []):
        sec.finding_ids = by_table.get(sec.key, [])
    import pandas as pd

    show = pd.DataFrame(rows, columns=[tr.t("column", k) for k in
                                       ("finding", "severity", "check", "tables", "values", "explanation")])
    # the workbook names the tables as printed ("Tabell 16"); the page links the ids to the tables
    col, cat = tr.t("column", "tables"), ctx.round.catalogue
    named = show.assign(**{col: [", ".join(cat.label(t) if t in cat.tables else t for t in f.tables)
                                 for f in result.findings]})
    ctx.facts["audit_findings"] = list(result.findings)
    ctx.add("revisjon", Section("revisjon", tr.t("heading", "revisjon"), named, kind="audit", html_frame=show,
                                notes=[tr.t("note", "audit_intro")]))
