"""The state of a report run: settings, sections, the context the steps fill, the result."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError
from samanalyse.io.atomic import atomic_file, write_table_csv
from samanalyse.report.i18n import Translation, translation
from samanalyse.survey.plan import AnalysisPlan, Priorities
from samanalyse.survey.rounds import Round

__all__ = ["ReportSettings", "Section", "Context", "ReportResult", "GROUPS", "fmt_cell", "TableHook",
           "EXCEL_CSV_DIR"]

T = TypeVar("T")

#: A step every published table passes through (e.g. disclosure control): ``(name, frame) -> frame``.
TableHook = Callable[[str, pd.DataFrame], pd.DataFrame]
#: Folder of the Norwegian-Excel CSV variants (``;``, BOM, decimal comma) beside ``tables/``.
EXCEL_CSV_DIR = "tabeller_excel"


@dataclass(frozen=True)
class ReportSettings:
    """Settings of a report run (recorded in ``manifest.json``).

    Build them from the round's analysis plan with :meth:`from_plan`; every
    field can be overridden there (e.g. fewer resamples for a quick run).
    """

    seed: int
    n_boot: int                 # bootstrap resamples for cluster stability
    n_iter: int                 # parallel-analysis iterations
    n_sim: int                  # Monte Carlo resamples for small-count chi-square tests
    correlation: str            # correlation of the priorities' factor analysis
    missing: str                # missing-data handling of that analysis
    weights: str | None = None  # nonresponse weighting (--weights; None: round.yaml's weights.method) (issue 15)

    @classmethod
    def from_plan(cls, plan: AnalysisPlan, **overrides: Any) -> ReportSettings:
        """The settings of ``plan`` (``settings`` and ``priorities`` of ``plan.yaml``), with ``overrides``."""
        s, pr = plan.settings, plan.priorities or Priorities(form="")
        values = {"seed": s.seed, "n_boot": s.n_boot, "n_iter": s.n_iter, "n_sim": s.n_sim,
                  "correlation": pr.correlation, "missing": pr.missing}
        unknown = sorted(set(overrides) - set(values))
        if unknown:
            raise ArgumentError(f"ReportSettings has no setting {', '.join(map(repr, unknown))}; "
                                f"the settings are: {', '.join(values)}.")
        return cls(**{**values, **overrides})


@dataclass
class Section:
    """A block of the report: a table with a caption, optional notes and findings."""

    key: str
    title: str
    frame: pd.DataFrame
    kind: str = "table"            # "study" (a study table with published values) or "table"
    notes: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    html_frame: pd.DataFrame | None = None   # a more compact layout for the web page
    percent_columns: tuple[str, ...] = ()    # columns holding percentages (formatted as % in the workbook)
    detail_frame: pd.DataFrame | None = None  # n and intervals, shown on demand in the web page
    finding_ids: list[str] = field(default_factory=list)   # anchors of the audit findings about its cells
    warnings: list[str] = field(default_factory=list)      # warnings about its numbers, shown beside them
    sources: list[str] = field(default_factory=list)       # "Kilde: ..." lines
    n_text: str = ""                                       # the n of the table, e.g. "kommuner n = 187"
    p_columns: tuple[str, ...] = ()                        # columns holding p-values ("< 0,001")


@dataclass
class Context:
    """What the steps of a report share: the round, the folder written to, and what each step adds."""

    round: Round
    out: Path
    settings: ReportSettings
    data: pd.DataFrame | None = None
    sections: dict[str, list[Section]] = field(default_factory=dict)
    figures: dict[str, tuple[str, Path]] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    lang: str = "nb"
    hooks: list[TableHook] = field(default_factory=list)
    compare: Round | None = None    # an earlier round to compare with (the trend section; issue 14)
    workers: int = 1                # processes a step may use (issue 17); results do not depend on it
    background: dict[str, Any] = field(default_factory=dict)  # job_key(fn) or step -> BackgroundJob

    def prepared(self, fn: Callable[[Context], T]) -> T:
        """``fn(self)``: collected from the background process that computed it ahead, else computed now.

        The background result comes with its warnings raised again here (see
        :mod:`samanalyse.report.background`); if the background process failed,
        ``fn`` runs now, so its errors are exactly those of a report without it.
        It is also computed again when a step has replaced :attr:`data`, or a
        fact, since the background process started (it would have seen the old
        one).
        """
        from samanalyse.report.background import job_key

        job = self.background.pop(job_key(fn), None)
        if job is not None:
            if job.data is not self.data or any(self.facts.get(k) is not v for k, v in job.facts.items()):
                job.stop()
            else:
                ok, value = job.result()
                if ok:
                    return value
        return fn(self)

    @property
    def tr(self) -> Translation:
        """The report's translation table (``data/translations/<lang>.yaml``)."""
        return translation(self.lang)

    def publish(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The ONE place every table the report publishes passes (CSV, XLSX, HTML, charts).

        Applies :attr:`hooks` in order (e.g. disclosure control) and returns
        the frame to publish; the hooks see the table's name.
        """
        for hook in self.hooks:
            frame = hook(name, frame)
        return frame

    def add(self, group: str, section: Section) -> None:
        """Add a section (its frames pass :meth:`publish`)."""
        section.frame = self.publish(f"{group}/{section.key}", section.frame)
        if section.html_frame is not None:
            section.html_frame = self.publish(f"{group}/{section.key}#html", section.html_frame)
        if section.detail_frame is not None:
            section.detail_frame = self.publish(f"{group}/{section.key}#detail", section.detail_frame)
        self.sections.setdefault(group, []).append(section)

    def write_csv(self, name: str, frame: pd.DataFrame) -> None:
        """A tidy CSV in ``tables/`` and its Norwegian-Excel variant in ``tabeller_excel/`` (after :meth:`publish`)."""
        frame = self.publish(name, frame)
        write_table_csv(frame, self.out / "tables" / f"{name}.csv")
        self.files.append(f"tables/{name}.csv")
        with atomic_file(self.out / EXCEL_CSV_DIR / f"{name}.csv", "w", encoding="utf-8-sig", newline="") as fh:
            frame.to_csv(fh, index=False, sep=";", decimal=",", lineterminator="\r\n")
        self.files.append(f"{EXCEL_CSV_DIR}/{name}.csv")


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` produced."""

    out: Path
    files: tuple[str, ...]
    steps: tuple[tuple[str, float], ...]
    scorecard: dict[str, int]


GROUPS = [
    ("respondenter", "Respondenter"),
    ("tabeller", "Studiens tabeller: regenerert mot publisert"),
    ("indekser", "Indekser"),
    ("tester", "Signifikanstester"),
    ("faktorer", "Faktoranalyse av prioriterte virkemidler"),
    ("trend", "Endring fra forrige runde"),
    ("revisjon", "Revisjon av de publiserte tallene"),
]


def fmt_cell(v: Any) -> str:
    """A cell as HTML text: blank for missing, integers without decimals, 3 significant digits below 1."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"
    return html.escape(str(v))
