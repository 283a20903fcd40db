"""Findings of the audit, their severities, and the result as a table or text."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from samanalyse.errors import NotFoundError
from samanalyse.published.audit.explain import Say, render, templates

__all__ = ["SEVERITIES", "FINDING_COLUMNS", "Finding", "AuditResult", "findings_frame", "format_text", "table_name",
           "explanation_nb"]

#: Severities, most serious first.
SEVERITIES: tuple[str, ...] = ("impossible", "inconsistent", "loose wording", "note")
#: Columns of :func:`findings_frame` (and of ``samanalyse audit --format csv``).
FINDING_COLUMNS: tuple[str, ...] = (
    "severity", "check", "tables", "population", "item", "values", "explanation", "proof", "cells", "lines",
    "forklaring",
)
#: Where the bokmål explanations (group ``audit_explanation``) are.
EXPLANATIONS_FILE: tuple[str, str] = ("translations", "nb.yaml")



@dataclass(frozen=True)
class Finding:
    """One finding of the audit.

    Attributes
    ----------
    check : str
        Which check found it (granularity, row, breakdown, repeated, annex,
        index, caption, statement).
    severity : str
        One of :data:`SEVERITIES`.
    tables : tuple of str
        Table ids involved (``T16``, ...).
    values : str
        The numbers involved, as printed.
    explanation : str
        One plain-English sentence for a reader without statistics.
    proof : str
        For ``impossible``: the bound or the empty set of counts; otherwise
        the arithmetic behind the finding.
    cells : tuple of str
        ``cell_id`` s (and ``statement_id`` s) involved.
    lines : tuple of int
        Lines in the study text.
    population : str
        Population(s) concerned, ``;``-separated.
    item : str
        Item(s) concerned, ``;``-separated.
    values_parts : tuple of Say
        :attr:`values` as phrases (their connecting words in each language; :meth:`values_in`).
    parts : tuple of Say
        The explanation as sentences with their numbers (:mod:`.explain`): what
        :meth:`explanation_in` writes in each language; :attr:`explanation`
        is their English.
    """

    check: str
    severity: str
    tables: tuple[str, ...]
    values: str
    explanation: str
    proof: str = ""
    cells: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    population: str = ""
    item: str = ""
    parts: tuple[Say, ...] = ()
    values_parts: tuple[Say, ...] = ()

    def values_in(self, lang: str) -> str:
        """The numbers involved in ``lang``: :attr:`values_parts` in that language's words, else :attr:`values`."""
        return render(self.values_parts, lang, sep="; ", sentences=False) if self.values_parts else self.values

    def as_row(self) -> dict[str, str]:
        """The finding as a flat dict of strings (columns :data:`FINDING_COLUMNS`)."""
        return {
            "severity": self.severity,
            "check": self.check,
            "tables": ";".join(self.tables),
            "population": self.population,
            "item": self.item,
            "values": self.values,
            "explanation": self.explanation,
            "proof": self.proof,
            "cells": ";".join(self.cells),
            "lines": ";".join(str(x) for x in self.lines),
            "forklaring": self.forklaring,
        }

    @property
    def forklaring(self) -> str:
        """The explanation in bokmål: its sentences with their numbers, else the template for its check
        (see :func:`explanation_nb`)."""
        return self.explanation_in("nb")

    def explanation_in(self, lang: str) -> str:
        """The explanation in ``lang`` (``"nb"`` or ``"en"``), from that language's templates.

        A finding made without sentences (:attr:`parts`) has the one-sentence
        template of its check in bokmål and :attr:`explanation` in English.
        """
        if self.parts:
            return render(self.parts, lang)
        return explanation_nb(self) if lang == "nb" else self.explanation


@dataclass(frozen=True)
class AuditResult:
    """What :func:`audit` returns.

    Attributes
    ----------
    round : str
        The round audited (may be empty for hand-made inputs).
    findings : list of Finding
        Sorted by severity, then table and line.
    checked : dict
        How many things each check looked at (``{"granularity": 395, ...}``).
    unchecked_statements : list of str
        Statement clauses that are not machine-checkable, as ``"S013: ..."``.
    within_rounding : list of str
        Rows whose printed sum is not 100 but within the rounding bound (not
        findings), as ``"T14 kommuner q5a: 100 - 1"``.
    """

    round: str
    findings: list[Finding]
    checked: dict[str, int] = field(default_factory=dict)
    unchecked_statements: list[str] = field(default_factory=list)
    within_rounding: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of findings per severity (every severity present, possibly 0)."""
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def by_severity(self, severity: str) -> list[Finding]:
        """The findings of one severity."""
        return [f for f in self.findings if f.severity == severity]



def table_name(tid: str) -> str:
    """The name a table id is printed with: ``T16`` -> ``Tabell 16``, ``V3`` -> ``Vedlegg 3``."""
    m = re.fullmatch(r"T(\d+)([a-z]?)", tid)
    if m:
        return f"Tabell {int(m.group(1))}{m.group(2)}"
    m = re.fullmatch(r"V(\d+)", tid)
    if m:
        return f"Vedlegg {int(m.group(1))}"
    return tid



def _join(parts: Sequence[str], word: str) -> str:
    parts = [p for p in parts if p]
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1] if len(parts) > 1 else "".join(parts)


def explanation_nb(finding: Finding) -> str:
    """The bokmål explanation of ``finding``: the template for its check (and severity), its fields filled in.

    The templates are data (group ``audit_explanation`` of
    ``data/translations/nb.yaml``), keyed by check, then by severity or
    ``default``; the fields are ``{tabeller}``, ``{populasjon}``, ``{spm}``,
    ``{verdier}`` and ``{linje}``.

    Raises
    ------
    NotFoundError
        When the file has no template for the finding's check.
    """
    entry = templates("nb").get(finding.check)
    if isinstance(entry, dict):
        entry = entry.get(finding.severity, entry.get("default"))
    if not isinstance(entry, str):
        raise NotFoundError(f"The file data/{'/'.join(EXPLANATIONS_FILE)} has no audit_explanation for the check "
                            f"{finding.check!r} (severity {finding.severity!r}); add one under audit_explanation.")
    og = str(templates("nb").get("_and", "+"))
    fields = {
        "tabeller": _join([table_name(t) for t in finding.tables], og),
        "populasjon": _join(finding.population.split(";"), og),
        "spm": _join(finding.item.split(";"), og),
        "verdier": finding.values,
        "linje": str(finding.lines[0]) if finding.lines else "",
    }
    return entry.format(**fields)


def findings_frame(result: AuditResult | Sequence[Finding]) -> pd.DataFrame:
    """The findings as a data frame with columns :data:`FINDING_COLUMNS`."""
    findings = result.findings if isinstance(result, AuditResult) else list(result)
    return pd.DataFrame([f.as_row() for f in findings], columns=list(FINDING_COLUMNS))


def format_text(result: AuditResult, width: int = 100) -> str:
    """A readable summary: counts by severity, then the findings grouped by severity."""
    def wrap(text: str, indent: str) -> str:
        return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ")

    counts = result.counts()
    lines = [f"Audit of the published figures of round {result.round}" if result.round else "Audit of published figures",
             "",
             "Findings: " + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES),
             "Checked: " + ", ".join(f"{v} {k}" for k, v in sorted(result.checked.items())),
             f"Rows whose printed sum is not 100 but within rounding (not findings): {len(result.within_rounding)}",
             f"Statement clauses not machine-checkable: {len(result.unchecked_statements)}"]
    no = 0
    for sev in SEVERITIES:
        fs = result.by_severity(sev)
        if not fs:
            continue
        lines += ["", f"== {sev.upper()} ({len(fs)}) =="]
        for f in fs:
            no += 1
            where = ", ".join(table_name(t) for t in f.tables) or "text"
            lines.append(wrap(f"{no}. [{f.check}] {where}" + (f" — {f.population}" if f.population else "")
                              + (f" {f.item}" if f.item else ""), ""))
            lines.append(wrap("values: " + f.values, "   "))
            lines.append(wrap(f.explanation, "   "))
            if f.proof:
                lines.append(wrap("proof: " + f.proof, "   "))
            refs = []
            if f.cells:
                refs.append("cells " + ", ".join(f.cells[:12]) + (" ..." if len(f.cells) > 12 else ""))
            if f.lines:
                refs.append("lines " + ", ".join(map(str, f.lines[:12])) + (" ..." if len(f.lines) > 12 else ""))
            if refs:
                lines.append(wrap("; ".join(refs), "   "))
    return "\n".join(lines) + "\n"
