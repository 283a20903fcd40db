"""The audit's explanations as data: sentences with their numbers, rendered in a language from its templates.

A check records what it found as :class:`Say` sentences (a template key and
its fields: names, numbers, intervals, nested sentences) instead of English
prose. :func:`render` writes them in a language from the group
``audit_explanation.sentence`` of ``data/translations/<lang>.yaml``, with the
language's decimal mark and percent sign, so the bokmål report explains
each finding in full, numbers filled in, and the English one says the same.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from collections.abc import Sequence
from typing import Any

from samanalyse.errors import NotFoundError
from samanalyse.survey.paths import data_dir
from samanalyse.survey.yamlfile import load_text

__all__ = ["Say", "Span", "Joined", "say", "render", "templates"]


@dataclass(frozen=True)
class Say:
    """One sentence (or phrase): the key of its template and its fields."""

    key: str
    fields: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Span:
    """An interval of percentages, ``51.5–52.5%`` (one value when both ends agree to ``digits`` decimals)."""

    lo: float
    hi: float
    digits: int = 1


@dataclass(frozen=True)
class Joined:
    """Values joined by ``sep``; ``"and"`` / ``"or"`` join the last two with the language's word for it, ``"vs"``
    all of them."""

    items: tuple[Any, ...]
    sep: str = ", "


def say(key: str, **fields: Any) -> Say:
    """A sentence of template ``key`` with ``fields`` (str, int, float, :class:`Span`, :class:`Joined`, :class:`Say`)."""
    return Say(key, tuple(fields.items()))


@cache
def templates(lang: str) -> dict[str, Any]:
    """The ``audit_explanation`` group of ``data/translations/<lang>.yaml`` plus its ``decimal`` mark."""
    path = data_dir() / "translations" / f"{lang}.yaml"
    raw = load_text(path.read_text(encoding="utf-8")) or {}
    group = dict(raw.get("audit_explanation") or {})
    group["_decimal"] = str(raw.get("decimal", "."))
    return group


class _Writer(string.Formatter):
    """``str.format`` whose fields are written in one language (decimal mark, percent sign, "and", sentences)."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.words = templates(lang)
        self.sentences: dict[str, str] = dict(self.words.get("sentence") or {})
        self.decimal = self.words["_decimal"]
        self.percent = str(self.words.get("_percent", "%"))

    def number(self, v: float, spec: str) -> str:
        return format(v, spec).replace(".", self.decimal)

    def span(self, s: Span) -> str:
        spec = f".{s.digits}f"
        if abs(s.lo - s.hi) < 0.5 * 10 ** -s.digits:
            return self.number(s.lo, spec) + self.percent
        return f"{self.number(s.lo, spec)}–{self.number(s.hi, spec)}{self.percent}"

    def value(self, v: Any, spec: str = "") -> str:
        if isinstance(v, Say):
            return self.sentence(v)
        if isinstance(v, Span):
            return self.span(v)
        if isinstance(v, Joined):
            parts = [self.value(x) for x in v.items]
            if v.sep in ("and", "or"):  # the language's word between the last two ("_and": "og", "_or": " eller ")
                last = f" {self.words.get('_and', 'and')} " if v.sep == "and" else str(self.words.get("_or", ", or "))
                return ", ".join(parts[:-1]) + last + parts[-1] if len(parts) > 1 else "".join(parts)
            if v.sep == "vs":  # "66.7% vs 75%"
                return str(self.words.get("_vs", " vs ")).join(parts)
            return v.sep.join(parts)
        if isinstance(v, float):
            return self.number(v, spec or "g")
        return format(v, spec)

    def format_field(self, value: Any, format_spec: str) -> str:
        """string.Formatter's hook: a field in this language."""
        return self.value(value, format_spec)

    def sentence(self, s: Say) -> str:
        if s.key not in self.sentences:
            raise NotFoundError(f"The file data/translations/{self.lang}.yaml has no audit_explanation.sentence."
                                f"{s.key}; add it (and the same key in every other language).")
        return self.format(self.sentences[s.key], **dict(s.fields))


def render(parts: Sequence[Say], lang: str, *, sep: str = " ", sentences: bool = True) -> str:
    """The sentences ``parts`` in ``lang`` (``"nb"`` or ``"en"``), joined by ``sep``; with ``sentences`` each
    begins with a capital letter (phrases such as the values of a finding keep theirs).

    Raises
    ------
    NotFoundError
        When the language's file has no template for a sentence.
    """
    w = _Writer(lang)
    texts = [w.sentence(p) for p in parts]
    return sep.join(t[:1].upper() + t[1:] if sentences else t for t in texts)
