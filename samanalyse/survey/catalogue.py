"""The table catalogue of a round (``tables.yaml``): which tables its report has, as specs.

Each table is a spec that :func:`samanalyse.analysis.tables.build_table` runs on
respondent-level data; printed categories map to codebook labels through the
catalogue's ``categories`` rules. The file is checked against
:data:`CATALOGUE_SCHEMA` and against the round's codebook (items, indices,
forms, category rules), every problem reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samanalyse.errors import CatalogueError, Problem, SamanalyseError
from samanalyse.survey.codebook import Codebook
from samanalyse.survey.yamlfile import key_path, read_yaml

__all__ = ["Catalogue", "read_catalogue", "CATALOGUE_SCHEMA", "TABLE_KINDS"]

TABLE_KINDS = ("by_group", "index_crosstab", "response_rates")

_RULE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "labels": {"type": "array", "items": {"type": ["string", "null"]}},
        "not_labels": {"type": "array", "items": {"type": ["string", "null"]}},
        "collapse": {"type": "string"},
        "group": {"type": "string"},
    },
    "oneOf": [{"required": ["labels"]}, {"required": ["not_labels"]}, {"required": ["collapse", "group"]}],
}
_COMMON = {"kind": {"enum": list(TABLE_KINDS)}, "label": {"type": "string"}, "title": {"type": "string"},
           "title_en": {"type": "string"}}  # title_en: optional English title (reports with --lang en)
_STRINGS = {"type": "array", "items": {"type": "string"}, "minItems": 1}

CATALOGUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tables"],
    "properties": {
        "categories": {"type": "object", "additionalProperties": _RULE},
        "tables": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["kind", "title"],
                "properties": {"kind": {"enum": list(TABLE_KINDS)}},
                "allOf": [
                    {"if": {"properties": {"kind": {"const": "by_group"}}},
                     "then": {"additionalProperties": False, "required": ["item", "forms", "categories"],
                              "properties": {**_COMMON, "item": {"type": "string"}, "forms": _STRINGS,
                                             "by": {"type": ["string", "null"]}, "categories": _STRINGS,
                                             "notes": {"type": "array", "items": {"type": "string"}}}}},
                    {"if": {"properties": {"kind": {"const": "index_crosstab"}}},
                     "then": {"additionalProperties": False, "required": ["rows", "columns"],
                              "properties": {**_COMMON, "rows": {"type": "string"}, "columns": {"type": "string"},
                                             "form": {"type": "string"}}}},
                    {"if": {"properties": {"kind": {"const": "response_rates"}}},
                     "then": {"additionalProperties": False, "required": ["forms", "categories"],
                              "properties": {**_COMMON, "forms": _STRINGS, "categories": _STRINGS,
                                             "variants": {"type": "object", "additionalProperties": {
                                                 "type": "object", "additionalProperties": False,
                                                 "required": ["base", "categories"],
                                                 "properties": {"note": {"type": "string"},
                                                                "base": {"enum": ["all", "answered"]},
                                                                "categories": {"type": "object",
                                                                               "additionalProperties": _RULE}}}}}}},
                ],
            },
        },
    },
}


@dataclass(frozen=True)
class Catalogue:
    """The table catalogue of a round (``tables.yaml``).

    Attributes
    ----------
    round : str
        The round's name.
    categories : dict
        Printed category -> rule (``labels``, ``not_labels`` or ``collapse`` + ``group``).
    tables : dict
        Table id -> spec, in file order.
    source : str
        The file it was read from.
    """

    round: str
    categories: dict[str, dict[str, Any]]
    tables: dict[str, dict[str, Any]]
    source: str = ""

    def spec(self, table: str) -> dict[str, Any]:
        """The spec of ``table``."""
        try:
            return self.tables[table]
        except KeyError:
            raise SamanalyseError(
                f"No table {table!r} in the {self.round} catalogue; tables: {', '.join(self.tables)}."
            ) from None

    def rule(self, category: str) -> dict[str, Any]:
        """The rule of a printed category."""
        try:
            return self.categories[category]
        except KeyError:
            raise SamanalyseError(
                f"Printed category {category!r} has no rule in the {self.round} catalogue's `categories`; "
                f"known: {', '.join(self.categories)}."
            ) from None

    def label(self, table: str) -> str:
        """How the report names ``table`` (its ``label``, e.g. "Tabell 1"; the id when it has none)."""
        return str(self.spec(table).get("label", table))


def _cross_problems(raw: dict[str, Any], codebook: Codebook, file: str, lines: dict) -> list[Problem]:
    """References to items, indices, forms and categories that the codebook or catalogue lacks."""
    out: list[Problem] = []
    rules = raw.get("categories", {}) or {}

    def bad(path: tuple[Any, ...], message: str, allowed: str) -> None:
        out.append(Problem(file, key_path(path), message, allowed, lines.get(path)))

    for tid, spec in raw["tables"].items():
        base = ("tables", tid)
        forms = spec.get("forms", [spec["form"]] if "form" in spec else [])
        for i, f in enumerate(forms):
            if f not in codebook.forms:
                bad(base + (("forms", i) if "forms" in spec else ("form",)), f"unknown form {f!r}",
                    ", ".join(codebook.forms))
        if spec["kind"] == "by_group":
            if spec["item"] not in codebook:
                bad(base + ("item",), f"item {spec['item']!r} is not in the codebook", "an item id of the codebook")
            for i, c in enumerate([*spec["categories"], *spec.get("notes", [])]):
                if c not in rules:
                    where = ("categories", i) if i < len(spec["categories"]) else ("notes", i - len(spec["categories"]))
                    bad(base + where, f"category {c!r} has no rule in `categories`", ", ".join(rules) or "none defined")
        elif spec["kind"] == "index_crosstab":
            for key in ("rows", "columns"):
                if spec[key] not in codebook.indices:
                    bad(base + (key,), f"index {spec[key]!r} is not in the codebook", ", ".join(codebook.indices))
    return out


def read_catalogue(path: str | Path, codebook: Codebook | None = None, *, round: str = "") -> Catalogue:
    """Read and check a table catalogue.

    Parameters
    ----------
    path : str or Path
        The ``tables.yaml`` file.
    codebook : Codebook, optional
        When given, item, index, form and category references are checked too.
    round : str
        The round's name (for messages).

    Raises
    ------
    CatalogueError
        Listing every problem, each with file, line, key path and what is allowed.
    """
    raw, lines = read_yaml(path, CATALOGUE_SCHEMA, CatalogueError)
    if codebook is not None:
        problems = _cross_problems(raw, codebook, str(path), lines)
        if problems:
            raise CatalogueError(problems)
    return Catalogue(round=round or (codebook.round if codebook else ""), categories=dict(raw.get("categories") or {}),
                     tables=dict(raw["tables"]), source=str(path))
