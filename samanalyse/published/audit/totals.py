"""Checks across rows: breakdowns against their totals, and figures printed twice."""

from __future__ import annotations

from collections import defaultdict

from samanalyse.published.audit.arithmetic import (
    RULES,
    breakdown_totals,
    count_ranges,
    pct,
    union_counts,
)
from samanalyse.published.audit.base import AuditorBase
from samanalyse.published.audit.cells import Cell, Row
from samanalyse.published.audit.explain import say
from samanalyse.published.audit.findings import table_name
from samanalyse.published.audit.notation import norm
from samanalyse.published.transcription import BREAKDOWN_COLUMNS

__all__ = ["TotalChecks"]


class TotalChecks(AuditorBase):
    """Counts per group that must add up to the total; the same figure in two tables."""

    # ------------------------------------------------------------ breakdowns
    def check_breakdowns(self) -> None:
        by_key: dict[tuple[str, str, str, str], list[Row]] = defaultdict(list)
        totals: dict[tuple[str, str, str], Row] = {}
        for r in self.rows:
            if r.breakdown in BREAKDOWN_COLUMNS:
                by_key[(r.population, r.item, r.table, r.breakdown)].append(r)
            elif r.breakdown == "total" and r.table not in self.annex_tables:
                totals[(r.table, r.population, r.item)] = r
        feasible_sets: dict[tuple[str, str], list[tuple[str, str, tuple[str, ...], set[tuple[int, ...]]]]] = defaultdict(list)
        for (pop, item, table, bd), groups in sorted(by_key.items()):
            total = totals.get((table, pop, item)) or next(
                (v for k, v in sorted(totals.items()) if k[1] == pop and k[2] == item), None)
            n_tot = self.n_of(pop)
            ns = [self.n_of(pop, g.group) for g in groups]
            if total is None or n_tot is None or any(x is None for x in ns):
                continue
            if any((g.table, g.population, g.breakdown, g.group, g.item) in self.bad_rows for g in groups) or \
                    (total.table, total.population, total.breakdown, total.group, total.item) in self.bad_rows:
                continue
            cats = [c.category for c in total.cells if c.value is not None
                    and all(any(x.category == c.category and x.value is not None for x in g.cells) for g in groups)]
            if not cats:
                continue
            self.checked["breakdown"] += 1
            gvals = [[next(x.value for x in g.cells if x.category == cat) for cat in cats] for g in groups]
            tvals = [next(x.value for x in total.cells if x.category == cat) for cat in cats]
            note_vals = [c.value for c in total.notes]
            closed_total = bool(total.notes) and all(v is not None for v in note_vals)
            found: set[tuple[int, ...]] = set()
            for rule in RULES:
                sums = breakdown_totals(list(zip(ns, gvals)), rule)  # type: ignore[arg-type]
                tr = count_ranges(tvals, n_tot, rule)
                mr = count_ranges([sum(note_vals)], n_tot, rule)[0] if closed_total and len(note_vals) == 1 else None
                for s in sums:
                    if all(r is not None and r[0] <= k <= r[1] for k, r in zip(s, tr)):
                        if closed_total and len(note_vals) == 1:
                            miss = n_tot - sum(s)
                            if mr is None or not mr[0] <= miss <= mr[1]:
                                continue
                        found.add(s)
            involved = [c for g in groups for c in g.cells if c.category in cats] + \
                       [c for c in total.cells if c.category in cats] + (list(total.notes) if closed_total else [])
            feasible_sets[(pop, item)].append((table, bd, tuple(cats), found))
            if found:
                continue
            parts = []
            for j, cat in enumerate(cats):
                sums1 = breakdown_totals([(nn, [gv[j]]) for nn, gv in zip(ns, gvals)], "half-up")  # type: ignore[misc]
                lo, hi = min(s[0] for s in sums1), max(s[0] for s in sums1)
                tk = union_counts(tvals[j], n_tot)  # type: ignore[arg-type]
                parts.append(f"{self.nt.abbreviate(cat)}: group counts add up to {lo}–{hi} ({pct(lo, n_tot)}–{pct(hi, n_tot)}%), "
                             f"the total {tvals[j]:g}% needs " + (f"{tk[0]}–{tk[-1]}" if tk else "no whole count"))
            if closed_total:
                parts.append(f"and the {'/'.join(c.category for c in total.notes)} note ({sum(note_vals):g}%) "
                             "must be the rest of the total")
            self.add(check="breakdown", severity="impossible", tables=(table,),
                     values="; ".join(f"{g.group} (n={nn}): " + self.values_text(g.cells) for g, nn in zip(groups, ns))
                            + f"; total (n={n_tot}): " + self.values_text(total.cells),
                     parts=(say("breakdown_total", table=table_name(table), group=say(f"group_{bd}"), population=pop,
                                item=item),),
                     proof="; ".join(parts), cells=tuple(c.cell_id for c in involved),
                     lines=tuple(sorted({c.line for c in involved})), population=pop, item=item)
        for (pop, item), sets in feasible_sets.items():
            usable = [s for s in sets if s[3]]
            for a_i in range(len(usable)):
                for b_i in range(a_i + 1, len(usable)):
                    a, b = usable[a_i], usable[b_i]
                    if a[2] != b[2]:
                        continue
                    self.checked["breakdown"] += 1
                    if a[3] & b[3]:
                        continue
                    self.add(check="breakdown", severity="impossible", tables=(a[0], b[0]),
                             values=(say("values_two_ways", a=table_name(a[0]), by_a=say(f"group_{a[1]}"),
                                         b=table_name(b[0]), by_b=say(f"group_{b[1]}")),),
                             parts=(say("breakdown_two_ways", a=table_name(a[0]), b=table_name(b[0]), population=pop,
                                        item=item),),
                             proof=(f"totals possible from {table_name(a[0])}: {sorted(a[3])[:6]}; "
                                    f"from {table_name(b[0])}: {sorted(b[3])[:6]}; no common tuple"),
                             population=pop, item=item)

    # ------------------------------------------------------------ repeated figures
    def check_repeated(self) -> None:
        seen: dict[tuple[str, str, str, str], list[Cell]] = defaultdict(list)
        for r in self.rows:
            if r.breakdown == "index" or r.table in self.annex_tables:
                continue
            for c in r.all:
                if c.value is not None:
                    seen[(c.population, c.breakdown if c.breakdown != "note" else "total", c.group + "|" + c.item,
                          norm(c.category))].append(c)
        for (pop, _, gi, _), cs in seen.items():
            if len({c.table for c in cs}) < 2:
                continue
            self.checked["repeated"] += 1
            n = self.n_of(pop, gi.split("|")[0]) or self.n_of(pop)
            common = None
            if n:
                sets = [set(union_counts(c.value, n)) for c in cs]  # type: ignore[arg-type]
                common = set.intersection(*sets)
            if len({c.value for c in cs}) > 1 and not common:
                self.add(check="repeated", severity="impossible", tables=tuple(sorted({c.table for c in cs})),
                         values=", ".join(f"{table_name(c.table)} {c.value:g}%" for c in cs),
                         parts=(say("repeated", population=pop, what=gi.replace("|", " "), category=cs[0].category),),
                         proof="no single count rounds to all printed values",
                         cells=tuple(c.cell_id for c in cs), lines=tuple(c.line for c in cs), population=pop,
                         item=gi.split("|")[1])
