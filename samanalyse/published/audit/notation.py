"""The notation of a transcription: which printed categories mean what, and the statement shorthands.

A round's published folder holds ``notation.yaml`` beside ``cells.csv``:
the printed labels of "no answer" and "don't know" notes, the annex's label
of "answered", the shorthands the ``implied`` column of ``statements.csv``
uses for categories, and a few rules of that notation. :func:`load_notation`
reads it against :data:`NOTATION_SCHEMA`, every problem at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from samanalyse.errors import Problem, PublishedError
from samanalyse.survey.yamlfile import key_path, read_yaml

if TYPE_CHECKING:
    from samanalyse.survey.rounds import Round

__all__ = ["Notation", "NOTATION_SCHEMA", "load_notation", "read_notation", "norm"]

_STRINGS = {"type": "array", "items": {"type": "string"}}

#: JSON schema of ``notation.yaml``.
NOTATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "no_answer": _STRINGS,
        "lumped": _STRINGS,
        "dont_know": _STRINGS,
        "answered": {"type": "string"},
        "categories": {"type": "object", "additionalProperties": {**_STRINGS, "minItems": 1}},
        "prefixes": _STRINGS,
        "experienced": {**_STRINGS, "minItems": 2, "maxItems": 2},
        "short": {"type": "object", "additionalProperties": {"type": "string"}},
        "group_prefixes": _STRINGS,
        "unchecked_categories": _STRINGS,
        "ignored_suffixes": _STRINGS,
    },
}


def norm(label: str) -> str:
    """A label without blanks, in lower case (how the audit compares printed labels)."""
    return re.sub(r"\s+", "", str(label)).lower()


@dataclass(frozen=True)
class Notation:
    """How the audit reads a transcription (see ``notation.yaml``).

    Attributes
    ----------
    no_answer, dont_know : frozenset of str
        Normalised (:func:`norm`) labels of the notes without a substantive
        answer; "no answer" ones may hold blanks, "don't know" ones not.
    lumped : frozenset of str
        The "no answer" labels that may also hold don't-know answers.
    answered : str
        Normalised label of "gave a substantive answer" in the annex.
    categories : mapping
        Statement shorthand (lower case) -> printed categories.
    prefixes : tuple of str
        Shorthands that also stand for any category written starting with them.
    experienced : tuple of str
        The two shorthands of ``share_among_experienced`` (empty: not used).
    short : mapping
        Printed label -> its abbreviation in findings.
    group_prefixes, unchecked_categories : tuple of str
        Blank-containing groups a term may name (by their start); categories a
        term may not name.
    ignored_suffixes : tuple of str
        Regular expressions of trailing phrases dropped from a clause.
    """

    no_answer: frozenset[str] = frozenset()
    dont_know: frozenset[str] = frozenset()
    lumped: frozenset[str] = frozenset()
    answered: str = ""
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    prefixes: tuple[str, ...] = ()
    experienced: tuple[str, ...] = ()
    short: Mapping[str, str] = field(default_factory=dict)
    group_prefixes: tuple[str, ...] = ()
    unchecked_categories: tuple[str, ...] = ()
    ignored_suffixes: tuple[str, ...] = ()

    def is_missing(self, label: str) -> bool:
        """True for the label of a note without a substantive answer."""
        return norm(label) in self.no_answer | self.dont_know

    def is_no_answer(self, label: str) -> bool:
        """True for the label of a note that may hold blank answers."""
        return norm(label) in self.no_answer

    def is_lumped(self, label: str) -> bool:
        """True for a "no answer" note that may also hold don't-know answers."""
        return norm(label) in self.lumped

    def is_answered(self, label: str) -> bool:
        """True for the annex's label of a substantive answer."""
        return bool(self.answered) and norm(label) == self.answered

    def abbreviate(self, label: str) -> str:
        """The label as the findings print it."""
        return self.short.get(label, label)

    def labels(self, cats: Sequence[str]) -> list[str]:
        """The printed categories that statement shorthands stand for."""
        out: list[str] = []
        for c in cats:
            key = c.strip().lower()
            if key in self.categories:
                out.extend(self.categories[key])
                continue
            prefix = next((p for p in self.prefixes if key.startswith(p)), None)
            if prefix is not None:
                out.extend(self.categories[prefix])
            else:
                out.append(c.strip())
        return out

    def other_experienced(self, cat: str) -> str:
        """The other of the two ``experienced`` shorthands."""
        a, b = self.experienced
        return b if cat == a else a

    def strip_suffixes(self, text: str) -> str:
        """``text`` without the ignored trailing phrases."""
        for suffix in self.ignored_suffixes:
            text = re.sub(r"\s+" + suffix + "$", "", text)
        return text


def read_notation(path: str | Path) -> Notation:
    """Read and check a ``notation.yaml``.

    Raises
    ------
    PublishedError
        If the file is missing, not YAML, breaks :data:`NOTATION_SCHEMA` or
        names a shorthand or label it does not define (every problem at
        once, with file, line and key path).
    """
    raw, lines = read_yaml(path, NOTATION_SCHEMA, PublishedError)
    cats = {k.lower() for k in raw.get("categories", {})}
    problems = [Problem(str(path), key_path((key, i)), f"{v!r} is not a shorthand of 'categories'",
                        ", ".join(sorted(cats)), lines.get((key, i)))
                for key in ("prefixes", "experienced") for i, v in enumerate(raw.get(key, ())) if v.lower() not in cats]
    problems += [Problem(str(path), key_path(("lumped", i)), f"{v!r} is not a 'no_answer' label",
                         ", ".join(raw.get("no_answer", ())), lines.get(("lumped", i)))
                 for i, v in enumerate(raw.get("lumped", ())) if norm(v) not in {norm(x) for x in raw.get("no_answer", ())}]
    if problems:
        raise PublishedError(problems)
    return Notation(
        no_answer=frozenset(norm(x) for x in raw.get("no_answer", ())),
        dont_know=frozenset(norm(x) for x in raw.get("dont_know", ())),
        lumped=frozenset(norm(x) for x in raw.get("lumped", ())),
        answered=norm(raw.get("answered", "")),
        categories={k.lower(): tuple(v) for k, v in raw.get("categories", {}).items()},
        prefixes=tuple(raw.get("prefixes", ())),
        experienced=tuple(raw.get("experienced", ())),
        short=dict(raw.get("short", {})),
        group_prefixes=tuple(raw.get("group_prefixes", ())),
        unchecked_categories=tuple(raw.get("unchecked_categories", ())),
        ignored_suffixes=tuple(raw.get("ignored_suffixes", ())),
    )


def load_notation(round: Round | str | Path) -> Notation:
    """The notation of a round's published figures (``notation.yaml`` in its published folder).

    A folder without the file gets the neutral :class:`Notation` (no
    shorthands, no missing-answer labels).
    """
    from samanalyse.published.transcription import published_dir

    path = published_dir(round) / "notation.yaml"
    return read_notation(path) if path.exists() else Notation()
