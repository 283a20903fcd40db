"""Free-text answers and respondent-level outputs: never published by accident.

- :func:`release_freetext` returns nothing unless free text is asked for; when
  it is, every answer is screened first (:func:`screen_text`) and what was found
  is masked and listed for a person to review before anything is sent on.
- :func:`mark_respondent_level` marks a frame with one row per respondent
  (scores, weights, classes) as not for publication; :func:`publishable` tells
  a writer (HTML) to leave it out.

What the screening finds (:data:`KINDS`):

``email``
    ``name@domain.tld``.
``phone``
    Norwegian numbers: 8 digits (``12345678``, ``12 34 56 78``, ``123 45 678``),
    optionally after ``+47`` or ``0047``.
``fodselsnummer``
    11 digits (``ddmmyy nnnnn``, a space allowed after the date) whose two
    mod-11 check digits are right and whose date is a date (D- and H-numbers
    included). Other 11-digit runs (e.g. account numbers) are ``number``.
``address``
    A street name ending in a common suffix (-vei, -veien, -veg, -vegen, -gate,
    -gata, -gaten, -plass, -allé, -stien, -bakken, -ringen, -svingen, -tunet)
    followed by a house number; ``postboks <n>``; a postcode and place
    (``1234 Sted``).
``name``
    A person's name, found two ways: words of the given ``names`` list (e.g.
    first names from SSB's name statistics, or the contact persons of the
    round), and, heuristically, two or more capitalised words in a row (also at
    the start of a sentence), or one after a title (rådmann, ordfører, lege, ...).

Limits (say them to whoever reviews): the name detector misses a lone first
name not in ``names`` and names written in lower case, and it flags place,
organisation and programme names (``Helse Nord``, ``Samhandlingsreformen``
after a title) — give those as ``allow`` (e.g. the register's kommune and HF
names). A number split oddly, a foreign phone number or an address without a
house number is not found. Screening lowers the risk; a person still reads
every answer before it is published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from samanalyse.analysis._checks import check_columns

__all__ = ["screen_text", "ScreenedText", "release_freetext", "mark_respondent_level", "publishable",
           "valid_fodselsnummer", "KINDS", "HIT_COLUMNS", "MASK"]

#: What :func:`screen_text` looks for.
KINDS = ("email", "phone", "fodselsnummer", "number", "address", "name")
#: Columns of :attr:`ScreenedText.hits`.
HIT_COLUMNS = ["row", "column", "kind", "start", "end", "found"]
#: What a hit is replaced by.
MASK = "[…]"
_PUBLICATION = "samanalyse_publication"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ELEVEN = re.compile(r"(?<!\d)(\d{6}) ?(\d{5})(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:(?:\+|00)47[ ]?)?(?:\d{8}|\d{2} \d{2} \d{2} \d{2}|\d{3} \d{2} \d{3})(?![\d])")
_STREET = re.compile(
    r"\b[A-ZÆØÅ][\wæøåÆØÅ.-]*(?:vei|veien|veg|vegen|gate|gata|gaten|plass|allé|alle|stien|bakken|ringen|"
    r"svingen|tunet)(?: [A-ZÆØÅ]?[\wæøå]*)? \d{1,4}\s?[A-Za-z]?\b")
_POSTBOX = re.compile(r"\b[Pp]ostboks \d+\b")
_POSTCODE = re.compile(r"(?<!\d)\d{4} [A-ZÆØÅ][a-zæøå]+(?:[ -][A-ZÆØÅ][a-zæøå]+)*")
_TITLE = re.compile(r"\b(?i:rådmann|rådmannen|ordfører|ordføreren|kommunalsjef|kommuneoverlege|lege|"
                    r"direktør|sjef|leder|dr\.|fastlege|sykepleier|konsulent)\s+([A-ZÆØÅ][a-zæøåé-]+"
                    r"(?:\s+[A-ZÆØÅ][a-zæøåé-]+)*)")
_CAPS = re.compile(r"\b([A-ZÆØÅ][a-zæøåé-]+(?:\s+[A-ZÆØÅ][a-zæøåé-]+)+)")


def valid_fodselsnummer(digits: str) -> bool:
    """True if 11 digits are a possible fødselsnummer: a date (D/H-numbers too) and both mod-11 check digits.

    The check digits (Skatteetaten): k1 = 11 - (3,7,6,1,8,9,4,5,2 . d1..d9) mod 11, k2 = 11 -
    (5,4,3,2,7,6,5,4,3,2 . d1..d9 k1) mod 11, with 11 -> 0 and 10 not allowed.
    """
    if not re.fullmatch(r"\d{11}", digits):
        return False
    d = [int(c) for c in digits]
    day, month = int(digits[0:2]), int(digits[2:4])
    day = day - 40 if day > 40 else day                  # D-number
    month = month - 40 if month > 40 else month          # H-number
    month = month - 80 if month > 80 else month          # synthetic (test) numbers
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False

    def check(weights: tuple[int, ...], digs: list[int]) -> int:
        r = 11 - sum(w * x for w, x in zip(weights, digs)) % 11
        return 0 if r == 11 else r

    k1 = check((3, 7, 6, 1, 8, 9, 4, 5, 2), d[:9])
    k2 = check((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d[:10])
    return k1 == d[9] and k2 == d[10]


def _spans(text: str, names: set[str], allow: set[str]) -> list[tuple[int, int, str]]:
    """Every hit in ``text`` as (start, end, kind), overlaps resolved to the earliest, longest."""
    found: list[tuple[int, int, str]] = []
    found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for m in _ELEVEN.finditer(text):
        kind = "fodselsnummer" if valid_fodselsnummer(m.group(1) + m.group(2)) else "number"
        found.append((m.start(), m.end(), kind))
    found += [(m.start(), m.end(), "phone") for m in _PHONE.finditer(text)]
    for rx in (_STREET, _POSTBOX, _POSTCODE):
        found += [(m.start(), m.end(), "address") for m in rx.finditer(text)]
    for rx in (_TITLE, _CAPS):
        for m in rx.finditer(text):
            if m.group(1) not in allow:
                found.append((m.start(1), m.end(1), "name"))
    for m in re.finditer(r"\b[\wæøåÆØÅ-]+\b", text):
        if m.group(0) in names and m.group(0) not in allow:
            found.append((m.start(), m.end(), "name"))
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, str]] = []
    for s in found:
        if not kept or s[0] >= kept[-1][1]:
            kept.append(s)
    return kept


@dataclass(frozen=True)
class ScreenedText:
    """Free-text answers with every hit masked, and the hits for a person to review.

    Attributes
    ----------
    text : pandas.DataFrame
        The answers, hits replaced by :data:`MASK`.
    hits : pandas.DataFrame
        :data:`HIT_COLUMNS`, one row per hit (``found`` is the original text: this
        list is for review only and is itself not for publication).
    """

    text: pd.DataFrame
    hits: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.hits


def screen_text(data: pd.DataFrame, columns: Iterable[str], *, names: Iterable[str] = (),
                allow: Iterable[str] = ()) -> ScreenedText:
    """Mask names, phone numbers, e-mail addresses, fødselsnummer and addresses in free text.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    columns : iterable of str
        The free-text columns.
    names : iterable of str
        Words that are names of persons (e.g. a list of first names or the round's
        contact persons); every occurrence is a hit.
    allow : iterable of str
        Capitalised phrases that are not persons (kommune, HF, RHF names).

    Returns
    -------
    ScreenedText
        The masked answers and the list of hits (see the module's limits).
    """
    cols = list(columns)
    check_columns(data, cols, "screen_text")
    name_set, allow_set = set(names), set(allow)
    out = data[cols].copy()
    hits = []
    for col in cols:
        masked = []
        for row, value in data[col].items():
            if not isinstance(value, str) or not value:
                masked.append(value)
                continue
            spans = _spans(value, name_set, allow_set)
            hits += [{"row": row, "column": col, "kind": k, "start": a, "end": b, "found": value[a:b]}
                     for a, b, k in spans]
            for a, b, _ in reversed(spans):
                value = value[:a] + MASK + value[b:]
            masked.append(value)
        out[col] = masked
    mark_respondent_level(out)
    hit_frame = pd.DataFrame(hits, columns=HIT_COLUMNS)
    mark_respondent_level(hit_frame)
    return ScreenedText(text=out, hits=hit_frame)


def release_freetext(data: pd.DataFrame, columns: Iterable[str], *, include: bool = False,
                     names: Iterable[str] = (), allow: Iterable[str] = ()) -> ScreenedText | None:
    """Free-text answers for a report: ``None`` unless ``include``; screened when asked for.

    See :func:`screen_text` for the arguments. Whatever is returned is marked not for
    publication until a person has reviewed the hits.
    """
    if not include:
        return None
    return screen_text(data, columns, names=names, allow=allow)


def mark_respondent_level(frame: pd.DataFrame) -> pd.DataFrame:
    """Mark ``frame`` (one row per respondent: scores, weights, classes) as not for publication.

    The mark is kept in ``frame.attrs`` (lost by most pandas operations: mark the frame
    you hand to a writer). Returns ``frame``.
    """
    frame.attrs[_PUBLICATION] = "not for publication"
    return frame


def publishable(frame: pd.DataFrame) -> bool:
    """False for a frame marked by :func:`mark_respondent_level` (HTML writers leave it out)."""
    return frame.attrs.get(_PUBLICATION) != "not for publication"
