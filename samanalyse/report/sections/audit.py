"""Report section: the consistency audit of the published numbers."""

from __future__ import annotations


from samanalyse.report.context import Context, Section

__all__ = ["run"]


def run(ctx: Context) -> None:
    """The consistency audit of the published numbers; findings attached to their tables."""
    from samanalyse.published.audit import findings_frame

    result = ctx.facts["audit_result"]
    frame = findings_frame(result)
    ctx.write_csv("revisjon_funn", frame)
    ctx.facts["audit"] = result.counts()
    by_table: dict[str, list[str]] = {}
    for f in result.findings:
        for t in f.tables:
            by_table.setdefault(t, []).append(f"[{f.severity}] {f.explanation}")
    for sec in ctx.sections.get("tabeller", []):
        sec.findings = by_table.get(sec.key, [])
    show = frame[["severity", "tables", "values", "explanation"]].rename(
        columns={"severity": "Alvorlighet", "tables": "Tabeller", "values": "Tall", "explanation": "Forklaring"})
    ctx.add("revisjon", Section("revisjon", "Funn i revisjonen av de publiserte tallene", show))
