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
    format_interval,
    interval,
)
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
from samanalyse.published.audit.terms import TermChecks
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
            results: list[tuple[str, str, str, list[Cell]]] = []  # severity, text, proof, cells
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
            expl = " ".join(dict.fromkeys(r[1] for r in results))
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
            again = f" (also lines {', '.join(map(str, lines[1:]))})" if len(lines) > 1 else ""  # type: ignore[index,arg-type]
            self.add(check="statement", severity=sev,
                     tables=tuple(tables[:6]) + (("...",) if len(tables) > 6 else ()),  # type: ignore[index,arg-type]
                     values=f"text, line {lines[0]}{again}: “{quote}”; tables: "  # type: ignore[index]
                            + ", ".join(dict.fromkeys(f"{table_name(c.table)} {c.population} {c.item}"
                                                      f"{(' ' + c.group) if c.breakdown in BREAKDOWN_COLUMNS else ''} "
                                                      f"{self.nt.abbreviate(c.category)} {fmt(c.value)}%" for c in cs)),
                     explanation=expl, proof="; ".join(dict.fromkeys(r[2] for r in results)),  # type: ignore[attr-defined]
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
            table_txt = f"; the table gives {format_interval(got[0])}" if got else ""
            self.add(check="statement", severity="loose wording", tables=tuple(sorted({c.table for c in got[1]})) if got else (),
                     values="; ".join(f"{c[0]} (line {c[2]}): {c[3]}" for c in claims),
                     explanation=(f"The text gives different figures for the same number ({key[1]}, {key[2]}, "
                                  f"{key[3]}): " + " vs ".join(f"{v:.3g}%" for v in vals) + table_txt + "."),
                     proof=f"claimed values differ by {max(vals) - min(vals):.1f} points (more than {CLOSE:g})",
                     cells=tuple(sorted({c[0] for c in claims})), lines=tuple(sorted({c[2] for c in claims})),
                     population=key[1], item=key[2])

    def _rate_finding(self, r: tuple[str, str, str, list[Cell]], st: object, sid: str, line: int) -> None:
        sev, pop = r[0].split(":", 2)[1:]
        self.add(check="response rate", severity=sev, tables=(), values=f"text, line {line}: “{st.quote}”",  # type: ignore[attr-defined]
                 explanation=r[1], proof=r[2], cells=(sid,), lines=(line,), population=pop)


    def _eval_clause(self, clause: str, pops: list[str], items: list[str], tables: list[str], wording: str,
                     sid: str, line: int, equal_claims: dict) -> list[tuple[str, str, str, list[Cell]]]:
        c = clause.strip()
        out: list[tuple[str, str, str, list[Cell]]] = []
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
                out.append(("inconsistent", f"The text says {val} {pop} ({kind}), the data give {truth}.",
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
                out.append((sev, f"The text says {k} of {n_claim} {pop} ({item}, {cat}); the table prints "
                                 f"{self.values_text(cells)} of {n}.", f"{k}/{n_claim} = {100 * k / n_claim:.1f}%", cells))
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

    def _response_rate(self, pop: str, rate: float, n_claim: int, frame_claim: int) -> list[tuple[str, str, str, list[Cell]]]:
        """Results tagged ``rate:<severity>:<population>`` (reported as their own findings)."""
        out: list[tuple[str, str, str, list[Cell]]] = []
        n = self.n_of(pop)
        frame = self.frame.get(pop)
        x = 100 * rate
        tag = lambda sev: f"rate:{sev}:{pop}"  # noqa: E731
        if n is not None and n != n_claim:
            out.append((tag("inconsistent"), f"The text says n = {n_claim} {pop}, but {n} are listed as respondents.",
                        f"n = {n_claim} vs {n}", []))
        if frame is not None and frame != frame_claim:
            out.append((tag("inconsistent"), f"The text says {frame_claim} {pop} were asked; the round's frame is {frame}.",
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
                        f"The text gives the {pop} response rate as {x:g}%, but {k} of {F} is {actual:.2f}%, which "
                        f"rounds to {std}%; {x:g}% comes only from rounding twice "
                        f"({actual:.2f} → {actual:.1f} → {x:g}).",
                        f"{k}/{F} = {actual:.3f}%; rounded once: {std}%; rounded to one decimal first: "
                        f"{float(round_percent(k, F, 'half-up', 1)):.1f}% → {x:g}%", []))
        else:
            near = ", ".join(f"{j}/{F} = {100 * j / F:.1f}%" for j in range(max(0, k - 1), min(F, k + 3) + 1))
            out.append((tag("impossible"),
                        f"The text gives the {pop} response rate as {x:g}% with n = {k}, but {k} of the {F} asked "
                        f"is {actual:.1f}%"
                        + (f"; {x:g}% would need {'/'.join(map(str, needed))} respondents." if needed
                           else f"; no whole number of the {F} gives {x:g}%.")
                        + (f" {k} respondents are {x:g}% of {'/'.join(map(str, frames[:3]))}, not of {F}." if frames else ""),
                        f"{k}/{F} = {actual:.1f}%, which rounds to {std}%; achievable rates near {x:g}%: {near}", []))
        return out
