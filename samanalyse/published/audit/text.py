"""Checks of the running text: each machine-readable statement against the tables it names."""

from __future__ import annotations

import re
from collections import defaultdict
from fractions import Fraction

from samanalyse.published.audit.arithmetic import RULES, decimals, union_counts
from samanalyse.published.audit.cells import (
    Cell,
    distance,
    fmt,
    interval,
)
from samanalyse.published.audit.explain import Joined, Span, say
from samanalyse.published.audit.findings import SEVERITIES, table_name
from samanalyse.published.audit.statements import (
    CLOSE,
    Term,
    _Unparsed,
    expand_clause,
    modifiers,
    parse_operand,
    parse_term,
    split_clauses,
)
from samanalyse.published.audit.terms import Result, TermChecks
from samanalyse.published.transcription import BREAKDOWN_COLUMNS
from samanalyse.stats.rounding import DOUBLE_ROUNDING, round_percent

__all__ = ["StatementChecks"]


class StatementChecks(TermChecks):
    """Response rates, counts, shares, comparisons and rankings the text states."""

    # ------------------------------------------------------------ statements
    def check_statements(self) -> None:
        equal_claims: dict[tuple[str, ...], list[tuple[str, float, int, str]]] = defaultdict(list)
        merged: dict[tuple[str, str], dict[str, object]] = {}
        for st in self.statements.itertuples(index=False):
            sid, line = str(st.statement_id), int(st.line)
            tables = [t for t in str(st.tables).split(";") if t]
            pops = [p for p in str(st.population).split(";") if p]
            items = [i for i in str(st.item).split(";") if i]
            results: list[Result] = []  # severity, text, proof, cells
            for clause in split_clauses(str(st.implied)):
                for sub in expand_clause(clause):
                    try:
                        res = self._eval_clause(sub, pops, items, tables, str(st.wording), sid, line, equal_claims)
                    except _Unparsed:
                        self.unchecked.append(f"{sid}: {sub}" + ("" if tables else " (names no table)"))
                        continue
                    self.checked["statement"] += 1
                    for r in res:
                        if r[0].startswith("rate:"):
                            self._rate_finding(r, st, sid, line)
                        else:
                            results.append(r)
            if not results:
                continue
            sev = min((r[0] for r in results), key=SEVERITIES.index)
            expl = tuple(p for r1 in dict.fromkeys(r[1] for r in results) for p in r1)
            key = (sev, expl)
            if key not in merged:
                merged[key] = {"st": st, "sids": [], "lines": [], "results": results, "tables": tables}
            merged[key]["sids"].append(sid)  # type: ignore[union-attr]
            merged[key]["lines"].append(line)  # type: ignore[union-attr]
        for (sev, expl), m in merged.items():
            st = m["st"]
            results = m["results"]  # type: ignore[assignment]
            cs = [c for r in results for c in r[3]]  # type: ignore[attr-defined]
            quote = str(st.quote)  # type: ignore[attr-defined]
            quote = quote if len(quote) <= 160 else quote[:157] + "..."
            tables = m["tables"]  # type: ignore[assignment]
            sids, lines = m["sids"], m["lines"]
            again = ", ".join(map(str, lines[1:]))  # type: ignore[index]
            self.add(check="statement", severity=sev,
                     tables=tuple(tables[:6]) + (("...",) if len(tables) > 6 else ()),  # type: ignore[index,arg-type]
                     values=(say("values_text_again" if again else "values_text", line=lines[0], again=again,  # type: ignore[index]
                                 quote=quote),
                             say("values_tables", cells=", ".join(dict.fromkeys(
                                 f"{table_name(c.table)} {c.population} {c.item}"
                                 f"{(' ' + c.group) if c.breakdown in BREAKDOWN_COLUMNS else ''} "
                                 f"{self.nt.abbreviate(c.category)} {fmt(c.value)}%" for c in cs)))),
                     parts=expl, proof="; ".join(dict.fromkeys(r[2] for r in results)),  # type: ignore[attr-defined]
                     cells=tuple(sids) + tuple(dict.fromkeys(c.cell_id for c in cs)),  # type: ignore[arg-type]
                     lines=tuple(lines) + tuple(sorted({c.line for c in cs})),  # type: ignore[arg-type]
                     population=str(st.population), item=str(st.item))  # type: ignore[attr-defined]
        # the text giving two different figures for the same quantity
        for key, claims in equal_claims.items():
            vals = sorted({round(c[1], 1) for c in claims})
            if len(vals) < 2 or max(vals) - min(vals) <= CLOSE:
                continue
            self.checked["statement"] += 1
            got = self._value(Term(key[0], key[1], [key[2]], key[3].split("+"), None), key[1], key[2], [], None)
            self.add(check="statement", severity="loose wording", tables=tuple(sorted({c.table for c in got[1]})) if got else (),
                     values=tuple(say("values_claim", statement=c[0], line=c[2], claim=c[3]) for c in claims),
                     parts=(say("different_figures_table" if got else "different_figures", population=key[1],
                                item=key[2], category=key[3], table=Span(*got[0]) if got else "",
                                values=Joined(tuple(say("percent_3g", v=float(v)) for v in vals),
                                              "vs")),),
                     proof=f"claimed values differ by {max(vals) - min(vals):.1f} points (more than {CLOSE:g})",
                     cells=tuple(sorted({c[0] for c in claims})), lines=tuple(sorted({c[2] for c in claims})),
                     population=key[1], item=key[2])

    def _rate_finding(self, r: Result, st: object, sid: str, line: int) -> None:
        sev, pop = r[0].split(":", 2)[1:]
        self.add(check="response rate", severity=sev, tables=(), values=(say("values_text", line=line, again="", quote=st.quote),),  # type: ignore[attr-defined]
                 parts=r[1], proof=r[2], cells=(sid,), lines=(line,), population=pop)


    def _eval_clause(self, clause: str, pops: list[str], items: list[str], tables: list[str], wording: str,
                     sid: str, line: int, equal_claims: dict) -> list[Result]:
        c = clause.strip()
        out: list[Result] = []
        m = re.fullmatch(r"response_rate\((\w+)\)\s*=\s*([\d.]+)\s+with\s+n\s*=\s*(\d+)\s+of\s+(\d+)", c)
        if m:
            return self._response_rate(m.group(1), float(m.group(2)), int(m.group(3)), int(m.group(4)))
        m = re.fullmatch(r"(n|invited)\((\w+)\)\s*=\s*(\d+)", c)
        if m:
            kind, pop, val = m.group(1), m.group(2), int(m.group(3))
            truth = self.n_of(pop) if kind == "n" else self.frame.get(pop)
            if truth is None:
                raise _Unparsed(c)
            if truth != val:
                out.append(("inconsistent", (say("claim_n", value=val, population=pop, kind=say(f"kind_{kind}"), truth=truth),),
                            f"{kind}({pop}) = {val} vs {truth}", []))
            return out
        m = re.fullmatch(r"count\((\w+),(\w+),([^)]+)\)\s*=\s*(\d+)\s+of\s+(\d+)", c)
        if m:
            pop, item, cat, k, n_claim = m.group(1), m.group(2), m.group(3), int(m.group(4)), int(m.group(5))
            got = self._term_cells(pop, item, self.nt.labels([cat]), tables, None)
            if got is None:
                raise _Unparsed(c)
            cells, n = got
            if len(cells) == 1 and cells[0].value is not None:
                ok = n == n_claim and k in union_counts(cells[0].value, n)
            else:
                iv = interval(cells, n)
                ok = n == n_claim and iv is not None and distance(100 * k / n, iv) < 1e-9
            if not ok:
                sev = "inconsistent" if wording == "exact" else "loose wording"
                out.append((sev, (say("claim_count", k=k, of=n_claim, population=pop, item=item, category=cat,
                                      values=self.values_text(cells), n=n),), f"{k}/{n_claim} = {100 * k / n_claim:.1f}%", cells))
            return out
        mods = modifiers(c, self.nt)
        c = mods.text
        # lowest/highest rankings
        m = re.fullmatch(r"(.*?\))\s+(marginally\s+)?(lowest|highest|largest)(?:\s+of\s+(.+))?", c)
        if m:
            return self._ranking(parse_term(m.group(1), self.known, self.nt), m.group(3), m.group(4), pops, items, tables, wording)
        m = re.fullmatch(r"(.*\))\s*>\s*0\s+only\s+for\s+(.+)", c)
        if m:
            term = parse_term(m.group(1), self.known, self.nt)
            return self._only_for(term, m.group(2).strip(), pops, items, tables, wording)
        parts = re.split(r"\s*(>>|<=|>=|≈|==|=|<|>)\s*", c)
        if len(parts) < 3 or len(parts) % 2 == 0:
            raise _Unparsed(clause)
        operands = [parse_operand(p, self.known, self.nt) for p in parts[0::2]]
        ops = parts[1::2]
        for a, op, b in zip(operands, ops, operands[1:]):
            out.extend(self._compare(a, op, b, pops, items, tables, wording, mods.pooled, sid, line, equal_claims, clause))
        return out

    def _response_rate(self, pop: str, rate: float, n_claim: int, frame_claim: int) -> list[Result]:
        """Results tagged ``rate:<severity>:<population>`` (reported as their own findings)."""
        out: list[Result] = []
        n = self.n_of(pop)
        frame = self.frame.get(pop)
        x = 100 * rate
        tag = lambda sev: f"rate:{sev}:{pop}"  # noqa: E731
        if n is not None and n != n_claim:
            out.append((tag("inconsistent"), (say("rate_n", claim=n_claim, population=pop, n=n),),
                        f"n = {n_claim} vs {n}", []))
        if frame is not None and frame != frame_claim:
            out.append((tag("inconsistent"), (say("rate_frame", claim=frame_claim, population=pop, frame=frame),),
                        f"{frame_claim} vs {frame}", []))
        F = frame or frame_claim
        k = n_claim
        actual = 100 * k / F
        d = decimals(x)
        target = Fraction(round(x * 10 ** d), 10 ** d)
        if any(round_percent(k, F, r, d) == target for r in RULES):
            return out
        std = int(round_percent(k, F))
        needed = union_counts(x, F)
        frames = [f for f in range(k, 2 * F + 1) if any(round_percent(k, f, r, d) == target for r in RULES)]
        if round_percent(k, F, DOUBLE_ROUNDING, d) == target:
            out.append((tag("inconsistent"),
                        (say("rate_double", population=pop, x=float(x), k=k, frame=F, actual=float(actual), std=std),),
                        f"{k}/{F} = {actual:.3f}%; rounded once: {std}%; rounded to one decimal first: "
                        f"{float(round_percent(k, F, 'half-up', 1)):.1f}% → {x:g}%", []))
        else:
            near = ", ".join(f"{j}/{F} = {100 * j / F:.1f}%" for j in range(max(0, k - 1), min(F, k + 3) + 1))
            out.append((tag("impossible"),
                        (say("rate_needs" if needed else "rate_none", population=pop, x=float(x), k=k, frame=F,
                             actual=float(actual), needed="/".join(map(str, needed))),)
                        + ((say("rate_other_frame", k=k, x=float(x), frames="/".join(map(str, frames[:3])), frame=F),)
                           if frames else ()),
                        f"{k}/{F} = {actual:.1f}%, which rounds to {std}%; achievable rates near {x:g}%: {near}", []))
        return out
