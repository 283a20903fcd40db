"""Headers as survey platforms write them: item-id prefixes, matrix (grid) headers, metadata columns.

Recognised without any alias in the codebook:

- a header that starts with the item id followed by a separator: ``q5a - Avtaleverk ...``,
  ``q5a. Avtaleverk``, ``Q5a_Avtaleverk`` (case ignored; the longest id wins, so ``q14_tekst ...``
  is ``q14_tekst``, not ``q14``);
- a matrix question's row as survey tools write it: ``Question [row]``, ``Question - row`` and
  ``Question: row``, where *Question* is the codebook's question text and *row* the item's text or
  short label (case and repeated whitespace ignored);
- platform metadata columns (response id, timestamps, completion status, IP address, user agent,
  ...): :func:`is_metadata`; they are set aside with one note.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from samanalyse.io.text import header_key, norm
from samanalyse.survey.codebook import Codebook
from samanalyse.survey.yamlfile import load_text

__all__ = ["PLATFORM_ID_KEYS", "HeaderIndex", "is_metadata", "question_texts"]

#: Header keys (:func:`~samanalyse.io.text.header_key`) of a platform's own respondent/response id.
PLATFORM_ID_KEYS: frozenset[str] = frozenset({
    "respondentid", "responseid", "svarid", "submissionid", "innsendingsid", "løpenummer", "lopenummer",
    "respondentnummer", "svarnummer", "id", "uuid", "token", "externalreference", "responsenumber",
})

#: Header keys of other platform metadata: timestamps, completion status, network and browser, ...
_METADATA_KEYS: frozenset[str] = frozenset({
    "startdate", "enddate", "recordeddate", "starttime", "endtime", "starttid", "sluttid", "startet", "avsluttet",
    "fullført", "fullfort", "innsendt", "levert", "sendtinn", "tidspunkt", "tidsstempel", "timestamp", "dato",
    "date", "datesubmitted", "submitted", "submitdate", "submittedat", "opprettet", "created", "createdat",
    "sistendret", "endret", "lastmodified", "modified", "updatedat", "status", "completionstatus",
    "fullføringsstatus", "fullforingsstatus", "svarstatus", "responsestatus", "completed", "finished",
    "progress", "fremdrift", "lastpage", "sisteside", "ipaddress", "ip", "ipadresse", "useragent",
    "brukeragent", "nettleser", "browser", "operativsystem", "language", "userlanguage", "språk", "sprak",
    "duration", "durationinseconds", "varighet", "tidsbruk", "referer", "referrer", "distributionchannel",
    "locationlatitude", "locationlongitude", "recipientemail", "recipientfirstname", "recipientlastname",
    "seed", "startlanguage", "datestamp", "interviewtime", "tidbrukt", "enhet", "device",
})
_METADATA_RE = re.compile(r"^(ip(adresse|address)?|useragent|brukeragent)|(dato|tidspunkt|timestamp|date)$")

_GRID_BRACKET = re.compile(r"^(.*\S)\s*\[([^\[\]]+)\]\s*$", re.DOTALL)
_SPLITTERS = (re.compile(r"\s+[-–]\s+"), re.compile(r":\s+"))


def is_metadata(head: str) -> bool:
    """True if ``head`` names a survey platform's metadata column (ids, timestamps, status, IP, ...)."""
    key = header_key(head)
    return key in PLATFORM_ID_KEYS or key in _METADATA_KEYS or (len(key) <= 30 and bool(_METADATA_RE.search(key)))


@lru_cache(maxsize=16)
def _question_texts_of(source: str, mtime: float) -> dict[str, str]:
    try:
        raw = load_text(Path(source).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    questions = raw.get("questions") if isinstance(raw, dict) else None
    return {str(q.get("number")): str(q["text"]) for q in questions or [] if isinstance(q, dict) and q.get("text")}


def question_texts(codebook: Codebook) -> dict[str, str]:
    """``{question number: question text}`` of the codebook's questions that have a text."""
    if not codebook.source or not Path(codebook.source).is_file():
        return {}
    return _question_texts_of(str(codebook.source), Path(codebook.source).stat().st_mtime)


class HeaderIndex:
    """Looks up the items a platform header names by id prefix or as a matrix row."""

    def __init__(self, codebook: Codebook) -> None:
        self.ids = sorted((it.id for it in codebook.item_list), key=len, reverse=True)
        self.prefix = [(re.compile(rf"^\s*{re.escape(i)}(?:$|[^0-9a-zæøå])", re.IGNORECASE), i) for i in self.ids]
        qtext = question_texts(codebook)
        self.grid: dict[tuple[str, str], set[str]] = {}
        for it in codebook.item_list:
            q = qtext.get(it.question)
            if not q:
                continue
            for row in {it.text, it.short} - {""}:
                self.grid.setdefault((norm(q), norm(row)), set()).add(it.id)

    def by_prefix(self, head: str) -> str | None:
        """The item whose id starts the header (followed by a separator or nothing)."""
        for rx, iid in self.prefix:
            if rx.match(head):
                return iid
        return None

    def by_grid(self, head: str) -> set[str]:
        """The items a ``Question [row]``, ``Question - row`` or ``Question: row`` header names."""
        found: set[str] = set()
        m = _GRID_BRACKET.match(head)
        if m:
            found |= self.grid.get((norm(m.group(1)), norm(m.group(2))), set())
        for rx in _SPLITTERS:
            for sep in rx.finditer(head):
                found |= self.grid.get((norm(head[:sep.start()]), norm(head[sep.end():])), set())
        return found
