"""Evaluating the terms of the statement notation against the tables: values, comparisons, rankings."""

from __future__ import annotations

import re
from typing import Sequence

from samanalyse.published.audit.base import AuditorBase
from samanalyse.published.audit.cells import (
    Cell,
    distance,
    fmt,
    format_interval,
    interval,
)
from samanalyse.published.audit.explain import Joined, Say, Span, say
from samanalyse.published.audit.findings import table_name
from samanalyse.published.audit.notation import norm
from samanalyse.published.audit.statements import CLOSE, Term, _Unparsed, cap, judge
from samanalyse.published.transcription import BREAKDOWN_COLUMNS, TOTAL_GROUP

__all__ = ["TermChecks"]

#: The suffix of a term's description (in proofs, English) for the share among those with experience.
_EXPERIENCED = " among those with experience"
#: A judged clause: severity, explanation (sentences, :mod:`.explain`), proof, cells.
Result = tuple[str, tuple[Say, ...], str, list[Cell]]


class TermChecks(AuditorBase):
    """The value of a term (an interval of percentages) and the comparisons built on it."""

    def _term_cells(self, pop: str, item: str, cats: Sequence[str], tables: Sequence[str],
                    group: str | None) -> tuple[list[Cell], int] | None:
        want = [norm(c) for c in cats]
        for t in list(tables) + sorted({r.table for r in self.rows}):
            for r in self.rows:
                if r.table != t or r.population != pop or r.item != item:
                    continue
                if group is None and r.breakdown != "total":
                    continue
                if group is not None and not (r.breakdown in BREAKDOWN_COLUMNS and (r.group == group or r.group.startswith(group))):
                    continue
                if t in self.annex_tables and group is None and not any(w == self.nt.answered for w in want):
                    continue
                found = []
                for w in want:
                    c = next((c for c in r.all if norm(c.category) == w or norm(c.category).startswith(w)), None)
                    if c is None:
                        break
                    found.append(c)
                else:
                    n = self.n_of(pop, r.group if group is not None else TOTAL_GROUP)
                    if n:
                        return found, n
        return None

    def _groups(self, pop: str, item: str, bd: str, tables: Sequence[str]) -> list[str]:
        for t in tables:
            gs = [r.group for r in self.rows if r.table == t and r.population == pop and r.item == item and r.breakdown == bd]
            if gs:
                return gs
        return []

    def _value(self, term: Term, pop: str, item: str, tables: Sequence[str], group: str | None,
               pooled: Sequence[str] = ()) -> tuple[tuple[float, float], list[Cell], str] | None:
        """Interval (percent) of a term, its cells and a short description."""
        pops = list(pooled) or [pop]
        ivs, cells_all = [], []
        for p in pops:
            if term.fn == "share_among_experienced":
                other = self.nt.other_experienced(term.cats[0])
                a = self._term_cells(p, item, self.nt.labels(term.cats), tables, group)
                b = self._term_cells(p, item, self.nt.labels([other]), tables, group)
                if a is None or b is None:
                    return None
                ia, ib = interval(a[0], a[1]), interval(b[0], b[1])
                if ia is None or ib is None:
                    return None
                lo = 100 * ia[0] / (ia[0] + ib[1]) if ia[0] + ib[1] > 0 else 0.0
                hi = 100 * ia[1] / (ia[1] + ib[0]) if ia[1] + ib[0] > 0 else 100.0
                ivs.append(((lo, hi), a[1]))
                cells_all += a[0] + b[0]
            else:
                got = self._term_cells(p, item, self.nt.labels(term.cats), tables, group)
                if got is None:
                    return None
                iv = interval(got[0], got[1])
                if iv is None:
                    return None
                ivs.append((iv, got[1]))
                cells_all += got[0]
        if len(ivs) == 1:
            iv = ivs[0][0]
        else:
            tot = sum(n for _, n in ivs)
            iv = (sum(i[0] * n for i, n in ivs) / tot, sum(i[1] * n for i, n in ivs) / tot)
        tabs = sorted({c.table for c in cells_all})
        base = _EXPERIENCED if term.fn == "share_among_experienced" else ""
        desc = (f"{'+'.join(pops)} {item}{(' ' + group) if group else ''} {'+'.join(term.cats)}{base}: "
                f"{format_interval(iv)} ({', '.join(table_name(t) for t in tabs)}: "
                + ", ".join(f"{self.nt.abbreviate(c.category)} {fmt(c.value)}" for c in cells_all) + ")")
        return iv, cells_all, desc


    def _expand(self, term: Term, pops: list[str], items: list[str]) -> list[tuple[str, str]]:
        ps = [term.pop] if term.pop else pops
        its = term.items or items
        if not ps or not its:
            raise _Unparsed(str(term))
        return [(p, i) for p in ps for i in its]

    def _compare(self, a: object, op: str, b: object, pops: list[str], items: list[str], tables: list[str],
                 wording: str, pooled: bool, sid: str, line: int, equal_claims: dict,
                 clause: str) -> list[Result]:
        out: list[Result] = []
        if isinstance(a, float) and isinstance(b, Term):  # X <= term  ->  term >= X
            a, b, op = b, a, {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}.get(op, op)
        if isinstance(a, Term) and isinstance(b, float):
            pairs = self._expand(a, pops, items)
            if pooled:
                pairs = list(dict.fromkeys((pairs[0][0], i) for _, i in pairs))
            summary = len(pairs) > 1 and (a.pop is None or not a.items)
            for (p, i), g in self._term_groups(a, pairs, tables):
                got = self._value(a, p, i, tables, g, pooled=(a.pop and [a.pop]) or pops if pooled else ())
                if got is None:
                    raise _Unparsed(str(a))
                iv, cells, desc = got
                x = 100 * b
                sev, why = judge(iv, op, x, wording)
                if sev and op in ("≈", "=", "==") and a.fn == "share" and all(c.value is not None for c in cells) \
                        and abs(sum(c.value for c in cells) - x) <= 0.5:  # type: ignore[misc]
                    sev = None  # the text added the printed (rounded) figures
                if op in ("≈", "=", "==") and g is None and a.pop and len(a.items) == 1:
                    equal_claims[(a.fn, p, i, "+".join(a.cats))].append((sid, x, line, f"{x:.3g}% ({clause})"))
                sev = cap(sev, wording, summary or a.group in BREAKDOWN_COLUMNS)
                if sev:
                    what = f"{'+'.join((a.pop and [a.pop]) or pops) if pooled else p} {i}{(' ' + g) if g else ''} ({'+'.join(a.cats)})"
                    out.append((sev, (say(why, what=what, x=float(x), iv=Span(*iv)),)
                                + self._alt_base(a, p, i, tables, g, op, x, iv),
                                f"claimed {op} {x:.3g}% vs {desc}", cells))
            return out
        if isinstance(a, Term) and isinstance(b, Term):
            if pooled:
                pa = [(pops[0], i) for i in (a.items or items)]
                pb = [(pops[0], i) for i in (b.items or items)]
            else:
                pa = self._expand(a, pops, items)
                pb = self._expand(b, pops, items)
            if len(pa) != len(pb):
                if len(pb) == 1:
                    pb = pb * len(pa)
                elif len(pa) == 1:
                    pa = pa * len(pb)
                else:
                    raise _Unparsed(f"{a} {op} {b}")
            summary = len(pa) > 1 and (a.pop is None or not a.items)
            for (p1, i1), (p2, i2) in zip(pa, pb):
                va = self._value(a, p1, i1, tables, a.group, pooled=pops if pooled else ())
                vb = self._value(b, p2, i2, tables, b.group, pooled=pops if pooled else ())
                if va is None or vb is None:
                    raise _Unparsed(f"{a} {op} {b}")
                (la, ha), (lb, hb) = va[0], vb[0]
                false = (op in (">", ">>") and ha <= lb) or (op == "<" and la >= hb) or \
                        (op == "≈" and (lb - ha > CLOSE or la - hb > CLOSE))
                if false:
                    sev = cap("inconsistent" if wording == "exact" else "loose wording", wording, summary)
                    key = {">": "compare_higher", ">>": "compare_much_higher", "<": "compare_lower",
                           "≈": "compare_equal"}[op]
                    out.append((sev, (say(key, a=self._what(a, va[2]), b=self._what(b, vb[2]), iv_a=Span(*va[0]),
                                          iv_b=Span(*vb[0])),)
                                + self._alt_compare(a, b, p1, i1, p2, i2, tables, op),
                                f"{va[2]} {op} {vb[2]} is false", va[1] + vb[1]))
            return out
        raise _Unparsed(f"{a} {op} {b}")

    def _term_groups(self, term: Term, pairs: list[tuple[str, str]], tables: list[str]) -> list[tuple[tuple[str, str], str | None]]:
        if term.group in BREAKDOWN_COLUMNS:
            return [((p, i), g) for p, i in pairs for g in self._groups(p, i, term.group, tables)]
        return [((p, i), term.group) for p, i in pairs]

    def _what(self, term: Term, desc: str) -> str | Say:
        """What a compared term is, from its description (``kommuner q5d Gjennomført``), in the report's words."""
        what = desc.split(":")[0]
        if term.fn == "share_among_experienced":
            return say("among_experienced", what=what.removesuffix(_EXPERIENCED))
        return what

    def _alt_base(self, term: Term, pop: str, item: str, tables: list[str], group: str | None, op: str, x: float,
                  iv: tuple[float, float]) -> tuple[Say, ...]:
        """Say whether the claim fits the share among those with experience or among those who answered."""
        if op not in ("≈", "=", "==") or term.fn != "share" or group:
            return ()
        hints = []
        if self.nt.experienced and term.cats in [[c] for c in self.nt.experienced]:
            alt = self._value(Term("share_among_experienced", pop, [item], term.cats, None), pop, item, tables, None)
            if alt and distance(x, alt[0]) <= CLOSE and distance(x, alt[0]) < distance(x, iv) - 1:
                hints.append(say("hint_experienced", iv=Span(*alt[0])))
        got = self._term_cells(pop, item, self.nt.labels(term.cats), tables, None)
        if got:
            cells, n = got
            row = next((r for r in self.rows if r.breakdown == "total" and any(c in r.cells for c in cells)), None)
            if row is not None and row.notes and all(c.value is not None for c in row.all):
                ans = sum(c.value for c in row.cells)  # type: ignore[misc]
                share = sum(c.value for c in cells) / ans * 100 if ans else 0  # type: ignore[misc]
                if abs(x - share) <= CLOSE and abs(x - share) < distance(x, iv) - 1:
                    hints.append(say("hint_answered", share=float(share)))
        return (say("unstated_base", hints=Joined(tuple(hints), "; ")),) if hints else ()

    def _alt_compare(self, a: Term, b: Term, p1: str, i1: str, p2: str, i2: str, tables: list[str],
                     op: str) -> tuple[Say, ...]:
        """Does the comparison hold among those who answered (leaving out the notes)?"""
        def answered(t: Term, p: str, i: str) -> float | None:
            got = self._term_cells(p, i, self.nt.labels(t.cats), tables, t.group)
            if not got:
                return None
            row = next((r for r in self.rows if any(c in r.cells for c in got[0])), None)
            if row is None or any(c.value is None for c in row.cells):
                return None
            ans = sum(c.value for c in row.cells)  # type: ignore[misc]
            return 100 * sum(c.value for c in got[0]) / ans if ans else None  # type: ignore[misc]
        if a.fn != "share" or b.fn != "share":
            return ()
        x, y = answered(a, p1, i1), answered(b, p2, i2)
        if x is None or y is None:
            return ()
        holds = (op in (">", ">>") and x > y) or (op == "<" and x < y)
        if holds:
            return (say("compare_answered", x=float(x), y=float(y)),)
        return ()

    def _ranking(self, term: Term, which: str, among: str | None, pops: list[str], items: list[str],
                 tables: list[str], wording: str) -> list[Result]:
        out: list[Result] = []
        lowest = which == "lowest"
        ps = [term.pop] if term.pop else pops
        if term.group and term.group not in BREAKDOWN_COLUMNS:
            # a group against the other groups of its breakdown
            for p in ps:
                for i in term.items or items:
                    for bd in BREAKDOWN_COLUMNS:
                        gs = self._groups(p, i, bd, tables)
                        if not any(g == term.group or g.startswith(term.group) for g in gs):
                            continue
                        vals = {g: self._value(term, p, i, tables, g) for g in gs}
                        if any(v is None for v in vals.values()):
                            raise _Unparsed(str(term))
                        me = next(g for g in gs if g == term.group or g.startswith(term.group))
                        lo_me, hi_me = vals[me][0]  # type: ignore[index]
                        beaten = [g for g in gs if g != me and ((lowest and vals[g][0][1] < lo_me)  # type: ignore[index]
                                                                 or (not lowest and vals[g][0][0] > hi_me))]  # type: ignore[index]
                        if beaten:
                            cells = [c for v in vals.values() for c in v[1]]  # type: ignore[index]
                            out.append(("inconsistent" if wording == "exact" else "loose wording",
                                        (say(f"not_{which}_group", population=p, item=i, group=me,
                                             values=Joined(tuple(say("named", name=g, iv=Span(*vals[g][0]))  # type: ignore[index]
                                                                 for g in gs))),),
                                        f"{p} {i}: " + ", ".join(f"{g} {format_interval(vals[g][0])}" for g in gs),  # type: ignore[index]
                                        cells))
            if not ps:
                raise _Unparsed(str(term))
            return out
        # an item against other items
        others = [x for x in re.split(r"[/,\s]+", among or "") if x in self.known[1]] or items
        if len(others) < 2:  # "lowest of the four items": the items of the tables the statement names
            others = list(dict.fromkeys(c.item for r in self.rows if r.table in tables and r.breakdown == "total"
                                        for c in r.cells if c.item))
        others = sorted(others)
        if not term.items or not others or not ps:
            raise _Unparsed(str(term))
        me_item = term.items[0]
        for p in ps:
            vals = {i: self._value(term, p, i, tables, None) for i in others}
            if any(v is None for v in vals.values()):
                raise _Unparsed(str(term))
            lo_me, hi_me = vals[me_item][0]  # type: ignore[index]
            beaten = [i for i in others if i != me_item and ((lowest and vals[i][0][1] < lo_me)  # type: ignore[index]
                                                             or (not lowest and vals[i][0][0] > hi_me))]  # type: ignore[index]
            if beaten:
                cells = [c for v in vals.values() for c in v[1]]  # type: ignore[index]
                rank = sorted(others, key=lambda i: vals[i][0][0])  # type: ignore[index]
                out.append(("inconsistent" if wording == "exact" else "loose wording",
                            (say(f"not_{which}_item", population=p, item=me_item, others=", ".join(others),
                                 values=Joined(tuple(say("named", name=i, iv=Span(*vals[i][0])) for i in rank))),),  # type: ignore[index]
                            f"{p}: " + ", ".join(f"{i} {format_interval(vals[i][0])}" for i in rank), cells))  # type: ignore[index]
        return out

    def _only_for(self, term: Term, group: str, pops: list[str], items: list[str], tables: list[str],
                  wording: str) -> list[Result]:
        out = []
        for p, i in self._expand(term, pops, items):
            gs = self._groups(p, i, term.group or "rhf", tables)
            for g in gs:
                v = self._value(term, p, i, tables, g)
                if v is None:
                    raise _Unparsed(str(term))
                positive = v[0][1] > 0
                should = g == group or g.startswith(group)
                if positive != should and (v[0][0] > 0) != should:
                    out.append(("inconsistent" if wording == "exact" else "loose wording",
                                (say("only_for", population=p, item=i, group=g, iv=Span(*v[0]), only=group),),
                                v[2], v[1]))
        return out
