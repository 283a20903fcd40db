"""The response-frequency annex against the item tables ("answered" and "don't know" shares).

The annex prints per item the share that gave a substantive answer and the
share that did not know; the item tables print the categories and notes. Under
reading ``A`` the annex's "don't know" is the table notes; ``B`` counts the
blanks as answered; ``C`` leaves them out of the base (:func:`annex_fits`).
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from samanalyse.published.audit.arithmetic import (
    RULES,
    count_ranges,
    decimals,
    percent_check,
)
from samanalyse.published.audit.base import AuditorBase
from samanalyse.published.audit.cells import Cell, Row, fmt
from samanalyse.published.audit.explain import Joined, say
from samanalyse.published.audit.findings import table_name
from samanalyse.published.audit.notation import Notation
from samanalyse.stats.rounding import round_percent

__all__ = ["AnnexChecks", "annex_fits"]


class AnnexChecks(AuditorBase):
    """The annex's two shares per item against the item table of the same item."""

    # ------------------------------------------------------------ annex
    def check_annex(self) -> None:
        totals = {}
        for r in sorted(self.rows, key=lambda r: r.table):
            if r.breakdown == "total" and r.table not in self.annex_tables and r.item:
                totals.setdefault((r.population, r.item), r)
        grouped: dict[tuple[str, tuple[str, ...]], list[tuple[Row, Row, Cell, Cell, dict[str, tuple[int, int]]]]] = \
            defaultdict(list)
        for ann in self.rows:
            if ann.table not in self.annex_tables:
                continue
            row = totals.get((ann.population, ann.item))
            n = self.n_of(ann.population)
            if row is None or n is None:
                continue
            gj = next((c for c in ann.cells if self.nt.is_answered(c.category)), None)
            vk = next((c for c in ann.cells if self.nt.is_missing(c.category)), None)
            if gj is None or vk is None or any(c.value is None for c in row.cells):
                continue
            if (row.table, row.population, row.breakdown, row.group, row.item) in self.bad_rows:
                continue
            # an impossible annex value (e.g. above 100%) is reported by the granularity check
            gj_v = gj.value if gj.value is not None and percent_check(gj.value, n).possible else None
            vk_v = vk.value if vk.value is not None and percent_check(vk.value, n).possible else None
            self.checked["annex"] += 1
            fits: dict[str, tuple[int, int]] = {}
            for reading in ("A", "B", "C"):
                for rule in RULES:
                    got = annex_fits([c.value for c in row.cells], row.notes, n, gj_v, vk_v, rule, reading, self.nt)
                    if got:
                        fits[reading] = got
                        break
            if "A" in fits:
                continue
            grouped[(ann.population, tuple(sorted(fits)))].append((row, ann, gj, vk, fits))
        for (pop, readings), members in sorted(grouped.items()):
            n = self.n_of(pop) or 0
            annex = table_name(members[0][1].table)
            answered = members[0][2].category
            vals = []
            for row, ann, gj, vk, fits in members:
                ans = sum(c.value for c in row.cells)  # type: ignore[misc]
                miss = " + ".join(f"{self.nt.abbreviate(c.category)} {fmt(c.value)}" for c in row.notes)
                vals.append(say("values_annex", item=row.item, table=table_name(row.table), answered=float(ans),
                                notes=miss or say("not_printed"), annex=annex, gj_category=gj.category,
                                gj=fmt(gj.value), vk_category=vk.category, vk=fmt(vk.value)))
            items = ", ".join(m[0].item for m in members)
            cs = [c for row, ann, gj, vk, _ in members for c in row.all + [gj, vk]]
            tabs = tuple(sorted({m[0].table for m in members})) + (members[0][1].table,)
            rng = lambda key: (lambda lo, hi: f"{lo}" if lo == hi else f"{lo}–{hi}")(  # noqa: E731
                min(m[4][key][0] for m in members), max(m[4][key][1] for m in members))
            if readings:
                how = [say(f"annex_how_{r}", k=rng(r), population=pop, answered=answered) for r in ("B", "C")
                       if r in readings]
                expl = say("annex_two" if len(how) > 1 else "annex_one", population=pop, items=items, annex=annex,
                           answered=answered, how=Joined(tuple(how), "or"))
                proof = (f"on the base of all {n} {pop} with 'Vet ikke' = the table notes, no whole counts reproduce "
                         f"both the item table and {annex}; counts exist under the reading(s) named")
            else:
                expl = say("annex_none", population=pop, items=items, annex=annex, answered=answered)
                proof = f"no whole counts of the {n} {pop} reproduce both the item table and {annex} under any of the three readings"
            self.add(check="annex", severity="inconsistent", tables=tabs, values=tuple(vals), parts=(expl,),
                     proof=proof, cells=tuple(c.cell_id for c in cs), lines=tuple(sorted({c.line for c in cs})),
                     population=pop, item=";".join(m[0].item for m in members))


def annex_fits(sub: list[float | None], notes: list[Cell], n: int, gj: float | None, vk: float | None,
               rule: str, reading: str, notation: Notation) -> tuple[int, int] | None:
    """Whole counts reproducing an item table row and the annex's two shares under one reading.

    Readings: ``A`` base = all respondents, 'Gjennomført' = the table's categories,
    'Vet ikke' = all table notes; ``B`` base = all, 'Vet ikke' = the don't-know
    answers only, non-answers (NA, or the blank part of a lumped 'Manglende
    svar') counted as 'Gjennomført'; ``C`` as ``B`` but non-answers left out
    of the base. Returns the (min, max) number of non-answers treated
    differently from reading A, or None if no counts fit.
    """
    sr = count_ranges(sub, n, rule)
    if any(r is None for r in sr):
        return None
    s_lo, s_hi = sum(r[0] for r in sr), sum(r[1] for r in sr)  # type: ignore[index]
    na = [c for c in notes if notation.is_no_answer(c.category)]
    dk = [c for c in notes if c not in na]
    na_r = count_ranges([c.value for c in na], n, rule)
    dk_r = count_ranges([c.value for c in dk], n, rule)
    if any(r is None for r in na_r + dk_r):
        return None
    na_lo, na_hi = sum(r[0] for r in na_r), sum(r[1] for r in na_r)  # type: ignore[index]
    dk_lo, dk_hi = sum(r[0] for r in dk_r), sum(r[1] for r in dk_r)  # type: ignore[index]
    lumped = not notes or any(notation.is_lumped(c.category) for c in na)
    if not notes:
        na_lo, na_hi = 0, n  # an unprinted remainder
    target_g = None if gj is None else Fraction(str(gj))
    target_v = None if vk is None else Fraction(str(vk))
    used: list[int] = []
    for s in range(s_lo, s_hi + 1):
        for a in range(na_lo, na_hi + 1):
            d = n - s - a
            if not dk_lo <= d <= dk_hi:
                continue
            for x in (range(a + 1) if lumped else (0,)):  # x = don't-knows inside a lumped note
                blanks = a - x
                if reading == "A":
                    base, g, v = n, s, a + d
                elif reading == "B":
                    base, g, v = n, n - d - x, d + x
                else:
                    base, g, v = n - blanks, s, d + x
                if base < 1:
                    continue
                if target_g is not None and round_percent(g, base, rule, decimals(gj)) != target_g:  # type: ignore[arg-type]
                    continue
                if target_v is not None and round_percent(v, base, rule, decimals(vk)) != target_v:  # type: ignore[arg-type]
                    continue
                used.append(0 if reading == "A" else blanks)
    if not used:
        return None
    return min(used), max(used)

