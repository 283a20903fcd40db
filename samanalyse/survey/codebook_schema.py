"""The JSON schema of a codebook file (``codebook.yaml``; the format is documented in docs/codebook.md).

The schema checks the structure; :func:`samanalyse.survey.codebook.read_codebook`
then checks the cross-references (codes, scales, forms, index items).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CODEBOOK_SCHEMA"]

_CATEGORY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "label"],
    "properties": {
        "code": {"type": "integer"},
        "label": {"type": "string", "minLength": 1},
        "score": {"type": "number"},
        "missing": {"enum": ["dont_know", "not_asked"]},
        "aliases": {"type": "array", "items": {"type": "string"}},
    },
}
_COLLAPSE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["groups"],
    "properties": {
        "label": {"type": "string"},
        "note": {"type": "string"},
        "groups": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["label", "codes"],
                "properties": {
                    "label": {"type": "string", "minLength": 1},
                    "codes": {"type": "array", "minItems": 1, "items": {"type": "integer"}},
                },
            },
        },
    },
}
_ITEM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "text"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_]*$"},
        "text": {"type": "string", "minLength": 1},
        "short": {"type": "string"},
        "text_en": {"type": "string"},    # optional English text and short label (reports with --lang en)
        "short_en": {"type": "string"},
        "forms": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "scale": {"type": "string"},
        "aliases": {"type": "array", "items": {"type": "string"}},
        "note": {"type": "string"},
        "pathway": {"type": "string"},
        "virkemiddel": {"type": "string"},
        # the same question as an item of an earlier round ("<round>:<item id>"); default: the equal id
        "same_as": {"type": "string"},   # checked in read_codebook (the message says what is allowed)
        # what changed since that round (wording, scale) and why; such items are compared with a warning
        "changed": {
            "type": "object",
            "additionalProperties": False,
            "required": ["what", "note"],
            "properties": {
                "what": {"type": "array", "minItems": 1, "uniqueItems": True,
                         "items": {"enum": ["wording", "scale"]}},
                "note": {"type": "string", "minLength": 1},
            },
        },
    },
}
_QUESTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["number", "items"],
    "properties": {
        "number": {"type": "string", "minLength": 1},
        "text": {"type": "string"},
        "type": {"enum": ["closed", "text"]},
        "scale": {"type": "string"},
        "forms": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "topic": {"type": "string"},
        "challenge": {"type": "string"},
        "item_prefix": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_]*$"},
        "number_inferred": {"type": "boolean"},
        "note": {"type": "string"},
        "items": {"type": "array", "minItems": 1, "items": _ITEM},
    },
}
_INDEX = {
    "type": "object",
    "additionalProperties": False,
    "required": ["label", "items", "score_codes", "cuts"],
    "properties": {
        "label": {"type": "string"},
        "items": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "score_codes": {"type": "array", "minItems": 1, "items": {"type": "integer"}},
        "missing": {"enum": ["zero", "require_all"]},
        "cuts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["label", "min", "max"],
                "properties": {
                    "label": {"type": "string"},
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                },
            },
        },
        "source": {"type": "string"},
        "note": {"type": "string"},
    },
}

#: JSON Schema of the codebook format (structure only; cross-references such as
#: "a question names a defined scale" are checked in :func:`read_codebook`).
CODEBOOK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["codebook_version", "round", "forms", "scales", "questions"],
    "properties": {
        "codebook_version": {"const": 1},
        "round": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "language": {"type": "string"},
        "note": {"type": "string"},
        "forms": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["label", "respondent"],
                "properties": {
                    "label": {"type": "string"},
                    "respondent": {"enum": ["kommune", "helseforetak", "person"]},
                    # a person form: the column holding the unit each person belongs to (issue 15, item 6)
                    "unit": {"enum": ["kommune"]},
                    "note": {"type": "string"},
                },
            },
        },
        "scales": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["categories"],
                "properties": {
                    "label": {"type": "string"},
                    "note": {"type": "string"},
                    "categories": {"type": "array", "minItems": 1, "items": _CATEGORY},
                    "collapses": {"type": "object", "additionalProperties": _COLLAPSE},
                },
            },
        },
        "questions": {"type": "array", "minItems": 1, "items": _QUESTION},
        "indices": {"type": "object", "additionalProperties": _INDEX},
    },
}


# --------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------
