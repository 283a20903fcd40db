"""Checks of single rows: granularity (can n respondents give this percentage?) and row sums."""

from __future__ import annotations

from samanalyse.published.audit.arithmetic import (
    RULES,
    PercentCheck,
    percent_check,
    row_counts,
    row_sum_bound,
)
from samanalyse.published.audit.base import AuditorBase
from samanalyse.published.audit.cells import Cell, Row, unit
from samanalyse.published.audit.explain import Joined, say
from samanalyse.published.audit.findings import table_name
from samanalyse.published.transcription import BREAKDOWN_COLUMNS, TOTAL_GROUP
from samanalyse.stats.rounding import round_percent

__all__ = ["RowChecks"]


class RowChecks(AuditorBase):
    """Granularity of each printed value and the sum of each closed row."""

    # ------------------------------------------------------------ granularity + rows
    def check_rows(self) -> None:
        for row in self.rows:
            n = self.n_of(row.population, row.group if row.breakdown in BREAKDOWN_COLUMNS else TOTAL_GROUP)
            printed = [c for c in row.all if c.value is not None]
            if row.breakdown == "index" or n is None:
                self._sum_only(row, printed)
                continue
            self.checked["granularity"] += len(printed)
            bad = [(c, percent_check(c.value, n)) for c in printed]  # type: ignore[arg-type]
            bad = [(c, pc) for c, pc in bad if not pc.possible]
            if bad:
                self._granularity_finding(row, n, bad)
                continue
            self._row_finding(row, n)

    def _sum_only(self, row: Row, printed: list[Cell]) -> None:
        if not printed or len(printed) < len(row.all) or not row.closed:
            return
        self.checked["row"] += 1
        m, s = len(printed), sum(c.value for c in printed)  # type: ignore[misc]
        b = row_sum_bound(m)
        if abs(s - 100) > b:
            self.add(check="row", severity="impossible", tables=(row.table,), values=self.values_text(printed) + f" (sum {s:g})",
                     parts=(say("row_sum", row=row.label, sum=float(s)),),
                     proof=f"{m} rounded shares of one whole add up to 100 ± {b}; {s:g} is outside.",
                     cells=tuple(c.cell_id for c in printed), lines=tuple(sorted({c.line for c in printed})),
                     population=row.population, item=row.item)
            self.bad_rows.add((row.table, row.population, row.breakdown, row.group, row.item))
        elif s != 100:
            self.within.append(f"{row.label}: sum {s:g} (bound ±{b})")

    def _granularity_finding(self, row: Row, n: int, bad: list[tuple[Cell, PercentCheck]]) -> None:
        self.bad_rows.add((row.table, row.population, row.breakdown, row.group, row.item))
        who = unit(row.population)
        proofs = [f"{self.nt.abbreviate(c.category)} {c.value:g}%: {pc.proof(who)}" for c, pc in bad]
        # complement: in a closed row with one impossible cell, which values would fit?
        if row.closed and len(bad) == 1 and all(c.value is not None for c in row.all):
            others = [c for c in row.all if c is not bad[0][0]]
            chk = row_counts([c.value for c in others], n, closed=False)
            if chk.feasible:
                fits = sorted({int(round_percent(n - t, n)) for t in range(chk.total[0], min(chk.total[1], n) + 1)})
                proofs.append(f"the other values of the row ({self.values_text(others)}) leave room only for "
                              + " or ".join(f"{v}%" for v in fits))
        # smaller bases that would make the row possible
        alt = []
        vals = [c.value for c in row.all]
        if all(0 <= (v or 0) <= 100 for v in vals):
            for n2 in range(1, n):
                if row_counts(vals, n2, closed=row.closed).feasible:
                    alt.append(n2)
        if alt:
            proofs.append("the printed values would fit a base of " + ", ".join(map(str, alt[:5]))
                          + f" instead of {n}")
        elif all(0 <= (v or 0) <= 100 for v in vals):
            proofs.append(f"no base smaller than {n} fits the row either")
        what = Joined(tuple(say("percent", v=float(c.value)) for c, _ in bad), "and")  # type: ignore[arg-type]
        self.add(check="granularity", severity="impossible", tables=(row.table,),
                 values=self.values_text(row.all) + f" (n = {n})",
                 parts=(say("granularity_one" if len(bad) == 1 else "granularity_many", table=table_name(row.table),
                            what=what, row=row.label.split(", ", 1)[1], n=n, unit=who),),
                 proof="; ".join(proofs), cells=tuple(c.cell_id for c, _ in bad),
                 lines=tuple(sorted({c.line for c, _ in bad})), population=row.population, item=row.item)

    def _row_finding(self, row: Row, n: int) -> None:
        vals = [c.value for c in row.all]
        printed = [c for c in row.all if c.value is not None]
        self.checked["row"] += 1
        ok = [r for r in RULES if row_counts(vals, n, closed=row.closed, rule=r).feasible]
        m, s = len(printed), sum(c.value for c in printed)  # type: ignore[misc]
        b = row_sum_bound(m)
        if ok:
            if len(ok) == 1:
                self.add(check="row", severity="note", tables=(row.table,), values=self.values_text(printed) + f" (n = {n})",
                         parts=(say("row_rounding", row=row.label, rule=say(f"rule_{ok[0]}")),),
                         proof=f"counts exist under {ok[0]} rounding only",
                         cells=tuple(c.cell_id for c in printed), lines=tuple(sorted({c.line for c in printed})),
                         population=row.population, item=row.item)
            if row.closed and len(printed) == len(row.all) and s != 100:
                self.within.append(f"{row.label}: sum {s:g} (bound ±{b}; counts exist)")
            return
        self.bad_rows.add((row.table, row.population, row.breakdown, row.group, row.item))
        chk = row_counts(vals, n, closed=row.closed)
        if row.closed and len(printed) == len(row.all) and abs(s - 100) > b:
            proof = f"{m} rounded shares of one whole add up to 100 ± {b} (each is within 0.5 of its true share); the sum is {s:g}"
        elif row.closed:
            proof = (f"counts that print as these values add up to between {chk.total[0]} and {chk.total[1]}, "
                     f"never to n = {n}")
        else:
            proof = f"counts that print as these values add up to at least {chk.total[0]}, more than n = {n}"
        self.add(check="row", severity="impossible", tables=(row.table,), values=self.values_text(printed) + f" (sum {s:g}; n = {n})",
                 parts=(say("row_closed" if row.closed else "row_open", row=row.label, n=n, unit=unit(row.population)),),
                 proof=proof, cells=tuple(c.cell_id for c in printed), lines=tuple(sorted({c.line for c in printed})),
                 population=row.population, item=row.item)
