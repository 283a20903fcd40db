"""The analysis plan of a round (``plan.yaml``): what the analyses use, as data.

The plan names the satisfaction items and their collapse, the background
variables (with the direction of each scale), the indices whose reliability is
reported and which are cross-tabulated, the priority items' factor analysis and
its expected clusters, and the settings (seed, resamples, iterations, alpha).
The library's analyses read everything round-specific from here, so a round
with other questions writes its own plan and gets its own analyses without code.

Sections are optional: an analysis whose section is missing is left out of the
report (with a note). The file is checked against :data:`PLAN_SCHEMA` and then
against the round's codebook and table catalogue, all problems at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from samanalyse.errors import PlanError, Problem
from samanalyse.survey.catalogue import Catalogue
from samanalyse.survey.codebook import Codebook
from samanalyse.survey.yamlfile import key_path, read_yaml

__all__ = [
    "AnalysisPlan",
    "Settings",
    "Background",
    "Reliability",
    "Satisfaction",
    "Forankring",
    "Cluster",
    "Preference",
    "Priorities",
    "read_plan",
    "PLAN_SCHEMA",
]

_NAMES = {"type": "array", "items": {"type": "string"}, "minItems": 1}
_PROB = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}

PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["settings"],
    "properties": {
        "settings": {
            "type": "object",
            "additionalProperties": False,
            "required": ["seed"],
            "properties": {
                "seed": {"type": "integer", "minimum": 0},
                "n_boot": {"type": "integer", "minimum": 0},
                "n_iter": {"type": "integer", "minimum": 1},
                "n_sim": {"type": "integer", "minimum": 1},
                "alpha": _PROB,
                "confidence": _PROB,
                "adjust": {"enum": ["holm", "bonferroni", "bh", "by", "none"]},
            },
        },
        "background": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kind", "label"],
                "properties": {
                    "kind": {"enum": ["ordinal", "numeric", "nominal"]},
                    "label": {"type": "string"},
                    "concept": {"type": "string"},
                    "higher_is_more": {"type": "boolean"},
                    "transform": {"enum": ["log", "none"]},
                },
            },
        },
        "reliability": {
            "type": "object",
            "additionalProperties": False,
            "required": ["form", "indices"],
            "properties": {"form": {"type": "string"}, "indices": _NAMES,
                           "omega_n_boot": {"type": "integer", "minimum": 0}},
        },
        "satisfaction": {
            "type": "object",
            "additionalProperties": False,
            "required": ["form", "items", "collapse", "by"],
            "properties": {"form": {"type": "string"}, "items": _NAMES, "collapse": {"type": "string"},
                           "index": {"type": ["string", "null"]}, "by": _NAMES, "not_tested": {"type": "string"}},
        },
        "forankring": {
            "type": "object",
            "additionalProperties": False,
            "required": ["form", "outcome", "by"],
            "properties": {
                "form": {"type": "string"},
                "outcome": {"type": "string"},
                "by": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": False, "required": ["index"],
                    "properties": {"index": {"type": "string"}, "table": {"type": "string"}}}},
            },
        },
        "priorities": {
            "type": "object",
            "additionalProperties": False,
            "required": ["form"],
            "properties": {
                "form": {"type": "string"},
                "figure_forms": {"type": "array", "items": {"type": "string"}},
                "correlation": {"enum": ["pearson", "polychoric"]},
                "missing": {"enum": ["pairwise", "listwise"]},
                "n_factors": {"type": "integer", "minimum": 1},
                "method": {"enum": ["minres", "ml"]},
                "rotation": {"enum": ["oblimin", "promax", "varimax", "none"]},
                "min_loading": {"type": "number", "minimum": 0, "maximum": 1},
                "clusters": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False, "required": ["label", "virkemidler"],
                    "properties": {"label": {"type": "string"}, "virkemidler": _NAMES}}},
                "preference": {
                    "type": "object", "additionalProperties": False, "required": ["by", "cluster"],
                    "properties": {"by": {"type": "string"}, "cluster": {"type": "string"},
                                   "expected": {"enum": ["more", "less"]}}},
                "figures": {"type": "object", "additionalProperties": {"type": "string"}},
                "figure_files": {"type": "object", "additionalProperties": {"type": "string"}},
                "figure_captions": {"type": "object", "additionalProperties": {"type": "string"}},
                "figure_note": {"type": "string"},
            },
        },
    },
}


@dataclass(frozen=True)
class Settings:
    """Seed, resamples, iterations and levels shared by the analyses."""

    seed: int
    n_boot: int = 1000
    n_iter: int = 100
    n_sim: int = 10000
    alpha: float = 0.05
    confidence: float = 0.95
    adjust: str = "holm"


@dataclass(frozen=True)
class Background:
    """A background variable and the direction of its scale.

    ``higher_is_more`` says whether a higher value means more of ``concept``
    (e.g. more central); analyses orient their effects by it. When the plan
    does not say, the register's declaration of the column is used
    (:attr:`samanalyse.survey.rounds.Round.plan` fills it in; ``source`` says which).
    """

    name: str
    kind: Literal["ordinal", "numeric", "nominal"]
    label: str
    concept: str = ""
    higher_is_more: bool = True
    transform: Literal["log", "none"] = "none"
    source: Literal["plan", "register", "default"] = "default"

    @property
    def sign(self) -> int:
        """+1 if higher values mean more of the concept, -1 if fewer."""
        return 1 if self.higher_is_more else -1


@dataclass(frozen=True)
class Reliability:
    form: str
    indices: tuple[str, ...]
    omega_n_boot: int = 200


@dataclass(frozen=True)
class Satisfaction:
    form: str
    items: tuple[str, ...]
    collapse: str
    by: tuple[str, ...]
    index: str | None = None
    not_tested: str = ""


@dataclass(frozen=True)
class Forankring:
    """Cross-tables of an outcome index by other indices; ``tables`` maps index -> catalogue table."""

    form: str
    outcome: str
    by: tuple[str, ...]
    tables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cluster:
    label: str
    virkemidler: tuple[str, ...]


@dataclass(frozen=True)
class Preference:
    by: str
    cluster: str
    expected: Literal["more", "less"] = "more"


@dataclass(frozen=True)
class Priorities:
    form: str
    figure_forms: tuple[str, ...] = ()
    correlation: Literal["pearson", "polychoric"] = "polychoric"
    missing: Literal["pairwise", "listwise"] = "pairwise"
    n_factors: int = 2
    method: Literal["minres", "ml"] = "minres"
    rotation: Literal["oblimin", "promax", "varimax", "none"] = "oblimin"
    min_loading: float = 0.30
    clusters: dict[str, Cluster] = field(default_factory=dict)
    preference: Preference | None = None
    figures: dict[str, str] = field(default_factory=dict)
    #: form -> file name (without suffix) of its priority figure; default ``prioriteringer_<form>``.
    figure_files: dict[str, str] = field(default_factory=dict)
    #: form -> caption of its priority figure in the report; default the title.
    figure_captions: dict[str, str] = field(default_factory=dict)
    #: Drawn on the priority figures of a reconstructed round (what the bars are and are not).
    figure_note: str = ""


@dataclass(frozen=True)
class AnalysisPlan:
    """A round's analysis plan; sections that the file leaves out are ``None`` (or empty)."""

    settings: Settings
    background: dict[str, Background] = field(default_factory=dict)
    reliability: Reliability | None = None
    satisfaction: Satisfaction | None = None
    forankring: Forankring | None = None
    priorities: Priorities | None = None
    source: str = ""

    def background_of(self, name: str) -> Background:
        """The background variable ``name``; an unplanned one is nominal with its name as label."""
        return self.background.get(name, Background(name=name, kind="nominal", label=name))


def _build(raw: dict[str, Any], source: str) -> AnalysisPlan:
    bg = {name: Background(name=name, **spec, source="plan" if "higher_is_more" in spec else "default")
          for name, spec in (raw.get("background") or {}).items()}
    rel = raw.get("reliability")
    sat = raw.get("satisfaction")
    fo = raw.get("forankring")
    pr = raw.get("priorities")
    priorities = None
    if pr is not None:
        pref = pr.get("preference")
        priorities = Priorities(
            **{k: (tuple(v) if isinstance(v, list) else v) for k, v in pr.items()
               if k not in ("clusters", "preference", "figures")},
            clusters={k: Cluster(v["label"], tuple(v["virkemidler"])) for k, v in (pr.get("clusters") or {}).items()},
            preference=Preference(**pref) if pref else None,
            figures=dict(pr.get("figures") or {}),
        )
    return AnalysisPlan(
        settings=Settings(**raw["settings"]),
        background=bg,
        reliability=Reliability(rel["form"], tuple(rel["indices"]), rel.get("omega_n_boot", 200)) if rel else None,
        satisfaction=Satisfaction(sat["form"], tuple(sat["items"]), sat["collapse"], tuple(sat["by"]),
                                  sat.get("index"), sat.get("not_tested", "")) if sat else None,
        forankring=Forankring(fo["form"], fo["outcome"], tuple(b["index"] for b in fo["by"]),
                              {b["index"]: b["table"] for b in fo["by"] if "table" in b}) if fo else None,
        priorities=priorities,
        source=source,
    )


def _cross_problems(raw: dict[str, Any], codebook: Codebook, catalogue: Catalogue | None, file: str,
                    lines: dict) -> list[Problem]:
    """Names in the plan that the codebook or catalogue does not know."""
    out: list[Problem] = []

    def check(path: tuple[Any, ...], value: Any, known: Any, what: str) -> None:
        if value not in known:
            out.append(Problem(file, key_path(path), f"{what} {value!r} is not in the round", ", ".join(map(str, known)),
                               lines.get(path)))

    forms, indices = list(codebook.forms), list(codebook.indices)
    items = [it.id for it in codebook.item_list]
    virk = sorted({it.virkemiddel for it in codebook.item_list if it.virkemiddel})
    for sec in ("reliability", "satisfaction", "forankring", "priorities"):
        if raw.get(sec):
            check((sec, "form"), raw[sec]["form"], forms, "form")
    if raw.get("reliability"):
        for i, ix in enumerate(raw["reliability"]["indices"]):
            check(("reliability", "indices", i), ix, indices, "index")
    sat = raw.get("satisfaction")
    if sat:
        for i, it in enumerate(sat["items"]):
            check(("satisfaction", "items", i), it, items, "item")
        if sat.get("index"):
            check(("satisfaction", "index"), sat["index"], indices, "index")
    fo = raw.get("forankring")
    if fo:
        check(("forankring", "outcome"), fo["outcome"], indices, "index")
        for i, b in enumerate(fo["by"]):
            check(("forankring", "by", i, "index"), b["index"], indices, "index")
            if catalogue is not None and "table" in b:
                check(("forankring", "by", i, "table"), b["table"], list(catalogue.tables), "table")
    pr = raw.get("priorities")
    if pr:
        for i, f in enumerate(pr.get("figure_forms") or []):
            check(("priorities", "figure_forms", i), f, forms, "form")
        for name, cl in (pr.get("clusters") or {}).items():
            for i, v in enumerate(cl["virkemidler"]):
                check(("priorities", "clusters", name, "virkemidler", i), v, virk, "virkemiddel")
        if pr.get("preference"):
            check(("priorities", "preference", "cluster"), pr["preference"]["cluster"], list(pr.get("clusters") or {}),
                  "cluster")
    return out


def read_plan(path: str | Path, codebook: Codebook | None = None, catalogue: Catalogue | None = None) -> AnalysisPlan:
    """Read and check an analysis plan.

    Parameters
    ----------
    path : str or Path
        The ``plan.yaml`` file.
    codebook, catalogue : optional
        When given, the plan's forms, items, indices, virkemidler and tables are checked against them.

    Raises
    ------
    PlanError
        Listing every problem, each with file, line, key path and what is allowed.
    """
    raw, lines = read_yaml(path, PLAN_SCHEMA, PlanError)
    if codebook is not None:
        problems = _cross_problems(raw, codebook, catalogue, str(path), lines)
        if problems:
            raise PlanError(problems)
    return _build(raw, str(path))
