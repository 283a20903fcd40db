"""The statement notation of ``statements.csv`` (column ``implied``): clauses, terms, judging.

A reading is a ``;``-separated list of clauses such as
``share(kommuner,q20,Godt)≈0.7``, ``count(helseforetak,q5a,Ikke gjennomført)=1 of 18``,
``0.4<=share(kommuner,prio_a,Høy prioritet)<0.5`` or ``share(p,x,gode) lowest``
(see the published folder's ``README.md``). This module splits and parses
them; :mod:`samanalyse.published.audit.text` evaluates them against the
tables. Category shorthands and a few rules come from the
:class:`~samanalyse.published.audit.notation.Notation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from samanalyse.published.audit.cells import distance
from samanalyse.published.audit.notation import Notation

__all__ = ["Term", "Mods", "split_clauses", "expand_clause", "modifiers", "parse_term", "parse_operand",
           "cap", "judge", "CLOSE", "LOOSE"]

#: Tolerances (percentage points) for approximate statements: within CLOSE the
#: statement is fine, within LOOSE it is loose wording, beyond that inconsistent.
#: 5 points is half the step of "x av 10", the finest fraction the texts use.
CLOSE, LOOSE = 5.0, 10.0


class _Unparsed(Exception):
    """A statement clause the audit cannot evaluate (a signal inside the audit package; never reaches users)."""


@dataclass
class Term:
    """A ``share(...)`` / ``share_among_experienced(...)`` term of the notation."""

    fn: str
    pop: str | None
    items: list[str]
    cats: list[str]
    group: str | None

    def __str__(self) -> str:
        return f"{self.fn}({self.pop or ''},{'/'.join(self.items)},{'+'.join(self.cats)}|{self.group or ''})"


@dataclass
class Mods:
    """A clause without its modifiers, and whether it is pooled over populations."""

    text: str
    pooled: bool




def split_clauses(text: str) -> list[str]:
    """The ``;``-separated clauses of an ``implied`` reading (not splitting inside parentheses)."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == ";" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [c.strip() for c in out if c.strip()]


def expand_clause(clause: str) -> list[str]:
    """Split ``A and B > C`` into ``A > C; B > C`` and ``A > B, C`` into ``A > B; A > C``."""
    term = r"share(?:_among_experienced)?\([^)]*\)"
    m = re.fullmatch(rf"({term})\s+and\s+({term})\s*(>|<)\s*({term})", clause.strip())
    if m:
        return [f"{m.group(1)} {m.group(3)} {m.group(4)}", f"{m.group(2)} {m.group(3)} {m.group(4)}"]
    m = re.fullmatch(rf"({term})\s*(>|<)\s*({term}),\s*({term})", clause.strip())
    if m:
        return [f"{m.group(1)} {m.group(2)} {m.group(3)}", f"{m.group(1)} {m.group(2)} {m.group(4)}"]
    return [clause]


def modifiers(text: str, notation: Notation) -> Mods:
    """Strip the modifiers a clause may end with; note ``pooled over``."""
    t = text.strip()
    pooled = False
    t = re.sub(r"\s*\((clearly|esp\.[^)]*|base not stated[^)]*|slightly below)\)\s*$", "", t)
    m = re.search(r",?\s*pooled over .*$", t)
    if m:
        pooled = True
        t = t[: m.start()]
    t = notation.strip_suffixes(t)
    return Mods(t.strip(), pooled)


def parse_term(text: str, known: tuple[set[str], set[str]], notation: Notation) -> Term:
    """Parse ``share(pop,item,cats|group)``; ``known`` = (populations, items) a term may name."""
    m = re.fullmatch(r"\s*(share|share_among_experienced)\(([^)]*)\)\s*", text)
    if not m:
        raise _Unparsed(text)
    fn, inner = m.group(1), m.group(2)
    group = None
    if "|" in inner:
        inner, g = inner.split("|", 1)
        group = g.strip()
        if group.lower() in ("rhf", "size"):
            group = group.lower()
        elif " " in group and not group.startswith(notation.group_prefixes or ("\0",)):
            raise _Unparsed(text)
    args = [a.strip() for a in inner.split(",") if a.strip()]
    pop = None
    if args and args[0] in known[0]:
        pop = args.pop(0)
    items: list[str] = []
    if args and all(x in known[1] for x in args[0].split("/")):
        items = args.pop(0).split("/")
    if len(args) != 1:
        raise _Unparsed(text)
    cats = [c.strip() for c in args[0].split("+")]
    if notation.unchecked_categories and any(c.startswith(notation.unchecked_categories) for c in cats):
        raise _Unparsed(text)
    return Term(fn, pop, items, cats, group)


def parse_operand(text: str, known: tuple[set[str], set[str]], notation: Notation) -> Term | float:
    """A number (``0.7``, ``8/10``) or a term."""
    t = text.strip()
    m = re.fullmatch(r"(\d+)/(\d+)", t)
    if m:
        return int(m.group(1)) / int(m.group(2))
    try:
        return float(t)
    except ValueError:
        return parse_term(t, known, notation)



def cap(sev: str | None, wording: str, summary: bool) -> str | None:
    """Vague statements and summaries of several numbers are at most loose wording."""
    if sev in ("impossible", "inconsistent") and (wording == "vague" or summary):
        return "loose wording"
    return sev


def judge(iv: tuple[float, float], op: str, x: float, wording: str) -> tuple[str | None, str]:
    """Severity (None = fine) and the key of the explanation's sentence (:mod:`.explain`) for ``term op x``."""
    lo, hi = iv
    if op in ("≈", "=", "=="):
        exact = wording == "exact"
        if exact:
            if x + 0.5 >= lo and x - 0.5 <= hi:
                return None, ""
            return "inconsistent", "says_exact"
        d = distance(x, iv)
        if d <= CLOSE:
            return None, ""
        if d <= LOOSE:
            return "loose wording", "says_about"
        return "inconsistent", "says_about"
    false = {"<": lo >= x, "<=": lo > x, ">": hi <= x, ">=": hi < x, ">>": hi <= x}[op]
    if not false:
        return None, ""
    sev = "inconsistent" if wording in ("exact", "approximate") else "loose wording"
    return sev, {"<": "says_below", "<=": "says_at_most", ">": "says_above", ">=": "says_at_least",
                 ">>": "says_well_above"}[op]

