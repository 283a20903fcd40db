"""The reconstruction spec of a round (``reconstruction.yaml``): schema and loading.

The spec holds the seed, the solver settings, the published tables the
integer program leaves out (with the reason), the assumptions (each citing
the study) and the draft model (latent traits per item topic, the labels of
each scale in latent order). :func:`load_spec` checks it against
:data:`SPEC_SCHEMA` and against the round's codebook and catalogue, every
problem at once with file, line and key path (:class:`SpecError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from samanalyse.errors import Problem, SpecError
from samanalyse.survey.rounds import Round, load_round
from samanalyse.survey.yamlfile import key_path, read_yaml

__all__ = ["SPEC_SCHEMA", "load_spec", "spec_path"]

_NUMBER = {"type": "number"}
_SHARE = {"type": "number", "minimum": 0, "maximum": 1}
_STRINGS = {"type": "array", "items": {"type": "string"}, "minItems": 1}
_CITED = {"quote": {"type": "string"}, "line": {"type": "integer", "minimum": 1}, "note": {"type": "string"}}


def _assumption(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": {**_CITED, **properties}}


_LEVELS = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "draft": {"type": "object", "additionalProperties": _SHARE},
        "ranges": {"type": "object", "additionalProperties": {"type": "array", "items": _SHARE,
                                                              "minItems": 2, "maxItems": 2}},
        "order": _STRINGS,
        "order_groups": {"type": "array", "items": _STRINGS, "minItems": 2},
    },
}

#: JSON schema of ``reconstruction.yaml``.
SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["seed", "solver", "published", "assumptions", "draft"],
    "properties": {
        "seed": {"type": "integer"},
        "solver": {"type": "object", "additionalProperties": False, "required": ["time_limit_seconds"],
                   "properties": {"time_limit_seconds": {"type": "number", "exclusiveMinimum": 0},
                                  "rounding": {"enum": ["either", "half-up", "half-even"]}}},
        "published": {"type": "object", "additionalProperties": False,
                      "properties": {"excluded": {"type": "object", "additionalProperties": {"type": "string"}}}},
        "assumptions": {
            "type": "object",
            "required": ["satisfaction_split", "item_loading", "priorities", "priority_levels"],
            "properties": {
                "satisfaction_split": _assumption(
                    ["scale", "collapse", "by", "groups", "tolerance"],
                    scale={"type": "string"}, collapse={"type": "string"}, by={"type": "string"},
                    groups={"type": "object", "minProperties": 1, "additionalProperties": {
                        "type": "object", "additionalProperties": False, "required": ["extreme", "share", "fallback"],
                        "properties": {"extreme": {"type": "string"}, "share": _SHARE, "fallback": _SHARE}}},
                    tolerance=_SHARE),
                "item_loading": _assumption(["value"], value={"type": "number", "minimum": -1, "maximum": 1}),
                "priorities": _assumption(
                    ["loadings", "factors", "factor_correlation", "challenge_noise"],
                    loadings={"type": "object", "additionalProperties": {
                        "type": "object", "additionalProperties": _NUMBER}},
                    factors={"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
                    factor_correlation={"type": "number", "minimum": -1, "maximum": 1},
                    challenge_noise=_SHARE),
                "priority_levels": {
                    "type": "object", "required": ["middels_share_of_rest"],
                    "properties": {**_CITED, "middels_share_of_rest": _SHARE, "order_source": {"type": "string"}},
                    "additionalProperties": _LEVELS},
                "blank_answers": _assumption([], priorities=_SHARE),
            },
            "additionalProperties": _assumption(
                [], correlation={"type": "number", "minimum": -1, "maximum": 1},
                column={"type": "string"}, factor={"type": "string"}, effect=_NUMBER),
        },
        "draft": {
            "type": "object", "additionalProperties": False,
            "required": ["traits", "dont_know", "scales", "priorities"],
            "properties": {
                "traits": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": False, "required": ["topic"],
                    "properties": {"topic": {"type": "string"}, "correlation": {"type": "string"}}}},
                "dont_know": {"type": "string"},
                "background_effect": {"type": "string"},
                "scales": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False, "required": ["fallback", "ranking"],
                    "properties": {"fallback": {"type": "object", "additionalProperties": _SHARE},
                                   "no_answer": {"type": "string"}, "ranking": _STRINGS}}},
                "priorities": {"type": "object", "additionalProperties": False,
                               "required": ["topic", "pooled_item", "ranking"],
                               "properties": {"topic": {"type": "string"}, "pooled_item": {"type": "string"},
                                              "ranking": _STRINGS}},
            },
        },
    },
}


def spec_path(round: Round | str | Path) -> Path:
    """Path of the round's ``reconstruction.yaml`` (``reconstruction:`` in round.yaml, default that name)."""
    return load_round(round).file("reconstruction", "reconstruction.yaml")


def load_spec(round: Round | str | Path) -> dict[str, Any]:
    """Read and check the round's ``reconstruction.yaml``.

    Parameters
    ----------
    round : Round, str or pathlib.Path
        The round (resolved once with :func:`~samanalyse.survey.rounds.load_round`).

    Returns
    -------
    dict
        The spec as read (checked against :data:`SPEC_SCHEMA`, the codebook
        and the table catalogue).

    Raises
    ------
    SpecError
        If the file is missing, not YAML, breaks the schema, or names a
        topic, scale, label, assumption or table the round does not have;
        every problem at once, with file, line and key path.
    """
    rnd = load_round(round)
    path = spec_path(rnd)
    if not path.exists():
        raise SpecError([Problem(str(path), "(file)", f"round {rnd.name} has no reconstruction spec",
                                 "only rounds without public respondent data need one", None)])
    raw, lines = read_yaml(path, SPEC_SCHEMA, SpecError)
    problems = _cross_problems(raw, rnd, str(path), lines)
    if problems:
        raise SpecError(problems)
    return raw


def _cross_problems(raw: dict[str, Any], rnd: Round, file: str, lines: dict) -> list[Problem]:
    """References of the spec to the codebook and catalogue that do not resolve."""
    cb = rnd.codebook
    out: list[Problem] = []

    def bad(path: tuple[Any, ...], message: str, allowed: str) -> None:
        out.append(Problem(file, key_path(path), message, allowed, lines.get(path)))

    tables = rnd.catalogue.tables
    for t in raw["published"].get("excluded", {}):
        if t not in tables:
            bad(("published", "excluded", t), f"table {t!r} is not in the table catalogue", ", ".join(tables))
    topics = sorted({it.topic for it in cb.item_list if it.topic})
    assumptions = raw["assumptions"]
    for i, tr in enumerate(raw["draft"]["traits"]):
        if tr["topic"] not in topics:
            bad(("draft", "traits", i, "topic"), f"no item has topic {tr['topic']!r}", ", ".join(topics))
        ref = tr.get("correlation")
        if ref is not None and "correlation" not in assumptions.get(ref, {}):
            bad(("draft", "traits", i, "correlation"), f"assumption {ref!r} has no correlation",
                "an assumption with a key 'correlation'")
    effect = raw["draft"].get("background_effect")
    if effect is not None and not {"column", "factor", "effect"} <= set(assumptions.get(effect, {})):
        bad(("draft", "background_effect"), f"assumption {effect!r} lacks column, factor or effect",
            "an assumption with keys column, factor, effect")
    prio = raw["draft"]["priorities"]
    if prio["topic"] not in topics:
        bad(("draft", "priorities", "topic"), f"no item has topic {prio['topic']!r}", ", ".join(topics))
    split = assumptions["satisfaction_split"]
    scales = {it.scale.name: it.scale for it in cb.item_list if it.scale is not None}
    if split["scale"] not in scales:
        bad(("assumptions", "satisfaction_split", "scale"), f"no scale {split['scale']!r}", ", ".join(sorted(scales)))
    for name, sc in raw["draft"]["scales"].items():
        if name not in scales:
            bad(("draft", "scales", name), f"no scale {name!r}", ", ".join(sorted(scales)))
            continue
        known = scales[name].labels()
        for j, label in enumerate(sc["ranking"]):
            if label not in known:
                bad(("draft", "scales", name, "ranking", j), f"{label!r} is not a label of scale {name}",
                    ", ".join(known))
    return out
