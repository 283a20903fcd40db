"""Checks of whole tables: index cross-tables (overlap, Fréchet bounds) and caption n's."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Sequence

import pandas as pd

from samanalyse.published.audit.arithmetic import index_share_bounds, union_counts
from samanalyse.published.audit.base import AuditorBase
from samanalyse.published.audit.cells import Cell, fmt
from samanalyse.published.audit.explain import Joined, Span, say
from samanalyse.published.audit.findings import table_name
from samanalyse.published.audit.notation import norm
from samanalyse.published.transcription import CAPTION_N_PREFIX

__all__ = ["TableChecks"]

#: A printed index class: ``[4,6] = Godt``.
_CLASS = re.compile(r"\[\s*(\d+)\s*,\s*(\d+)\s*\]\s*=\s*(.+)")


class TableChecks(AuditorBase):
    """Index cross-tables against each other and against the item tables; the n of each caption."""

    # ------------------------------------------------------------ index tables
    def check_index(self) -> None:
        """Index cross-tables: two tables of the same index must overlap; the item tables bound each cut."""
        idx_rows = [r for r in self.rows if r.breakdown == "index"]
        if not idx_rows:
            return
        by_table: dict[str, dict[str, list[Cell]]] = defaultdict(lambda: defaultdict(list))
        for r in idx_rows:
            for c in r.cells:
                by_table[r.table][c.category].append(c)
        ident = self._index_identify(by_table)
        # overall share of each row category: between the smallest and largest column value
        marg: dict[str, dict[str, tuple[float, float, list[Cell]]]] = {}
        for t, cats in by_table.items():
            marg[t] = {}
            for lab, cs in cats.items():
                vals = [c.value for c in cs if c.value is not None]
                if vals:
                    marg[t][lab] = (max(min(vals) - 0.5, 0), min(max(vals) + 0.5, 100), cs)
        tabs = sorted(by_table)
        self._index_overlaps(tabs, ident, marg)
        self._index_frechet(tabs, ident, marg)

    def _index_identify(self, by_table: dict[str, dict[str, list[Cell]]]) -> dict[str, tuple[str, object]]:
        """The row index of each table: via the codebook cuts, else ``("labels", its labels)``."""
        ident: dict[str, tuple[str, object]] = {}
        for t, cats in by_table.items():
            parsed = []
            for lab in cats:
                m = _CLASS.match(lab.strip())
                if m:
                    parsed.append((m.group(3).strip(), int(m.group(1)), int(m.group(2))))
            key: tuple[str, object] = ("labels", frozenset(cats))
            for name, ix in (getattr(self.codebook, "indices", {}) or {}).items():
                if parsed and set(parsed) <= set(ix.cuts):
                    key = (name, ix)
                    break
            ident[t] = key
        return ident

    def _index_overlaps(self, tabs: list[str], ident: dict[str, tuple[str, object]],
                        marg: dict[str, dict[str, tuple[float, float, list[Cell]]]]) -> None:
        """Two tables of the same index: the overall share of each row category must overlap."""
        for i, a in enumerate(tabs):
            for b in tabs[i + 1:]:
                if ident[a][0] != ident[b][0]:
                    continue
                self.checked["index"] += 1
                clash = [lab for lab in marg[a] if lab in marg[b]
                         and (marg[a][lab][1] < marg[b][lab][0] or marg[b][lab][1] < marg[a][lab][0])]
                if not clash:
                    continue
                name = getattr(ident[a][1], "label", "the same row index")
                cs = [c for lab in clash for c in marg[a][lab][2] + marg[b][lab][2]]
                self.add(check="index", severity="impossible", tables=(a, b),
                         values="; ".join(f"{table_name(t)}: {lab} " + " / ".join(f"{fmt(c.value)}%" for c in marg[t][lab][2])
                                          for lab in clash for t in (a, b)),
                         parts=(say("index_clash", a=table_name(a), b=table_name(b), name=name,
                                    a_shares=Joined(tuple(say("share_in", share=Span(marg[a][lab][0], marg[a][lab][1], 0),
                                                              label=lab) for lab in clash), "and"),
                                    b_shares=Joined(tuple(Span(marg[b][lab][0], marg[b][lab][1], 0) for lab in clash),
                                                    "and")),),
                         proof=("the tables give column percentages, so the overall share of a row lies between its "
                                "smallest and largest column value (±0.5 for rounding): "
                                + "; ".join(f"'{lab}': [{marg[a][lab][0]:.1f}, {marg[a][lab][1]:.1f}] vs "
                                            f"[{marg[b][lab][0]:.1f}, {marg[b][lab][1]:.1f}], no overlap" for lab in clash)
                                + " (assumes both tables cover the same respondents; the study names no population "
                                "for either)"),
                         cells=tuple(c.cell_id for c in cs), lines=tuple(sorted({c.line for c in cs})),
                         item=";".join(getattr(ident[a][1], "items", ())))

    def _index_frechet(self, tabs: list[str], ident: dict[str, tuple[str, object]],
                       marg: dict[str, dict[str, tuple[float, float, list[Cell]]]]) -> None:
        """Fréchet bounds from the item tables on the share of respondents at an index cut."""
        for t in tabs:
            name, ix = ident[t]
            if name == "labels":
                continue
            bounds = self._index_bounds(ix)
            if not bounds:
                continue
            clash = []
            for lab, (lo, hi, cs) in marg[t].items():
                m = _CLASS.match(lab.strip())
                if not m:
                    continue
                a_, b_ = int(m.group(1)), int(m.group(2))
                n_items = len(ix.items)  # type: ignore[attr-defined]
                if b_ != n_items and a_ != 0:
                    continue
                self.checked["index"] += 1
                res = []
                for pop, (n, ranges) in bounds.items():
                    if b_ == n_items:
                        nmin, nmax = index_share_bounds(ranges, n, a_)
                    else:
                        hmin, hmax = index_share_bounds(ranges, n, b_ + 1)
                        nmin, nmax = n - hmax, n - hmin
                    res.append((pop, n, 100 * nmin / n, 100 * nmax / n))
                if all(h < lo or l > hi for _, _, l, h in res):
                    clash.append((lab, lo, hi, cs, res, a_, b_))
            if not clash:
                continue
            cs = [c for x in clash for c in x[3]]
            self.add(check="index", severity="impossible", tables=(t,) + tuple(sorted(self._index_tables)),
                     values="; ".join(f"{table_name(t)}: {lab} " + " / ".join(f"{fmt(c.value)}%" for c in ccs)
                                      for lab, _, _, ccs, _, _, _ in clash),
                     parts=(say("index_bounds", table=table_name(t), index=ix.label,  # type: ignore[attr-defined]
                                shares=Joined(tuple(say("share_of_respondents_in", share=Span(lo, hi, 0), label=lab)
                                                    for lab, lo, hi, *_ in clash), "and"),
                                allowed=Joined(tuple(say("allowed", label=lab, shares=Joined(tuple(
                                    say("share_of", share=Span(l, h, 0), population=p) for p, _, l, h in res)))
                                    for lab, _, _, _, res, _, _ in clash), "; ")),),
                     proof=(f"the index counts how many of {', '.join(ix.items)} a respondent answers in the scoring "  # type: ignore[attr-defined]
                            "category; with k_i such answers per item (from the printed shares), the number N at or "
                            "above a cut c satisfies sum_i max(0, k_i - N) <= (c-1)(n - N) and "
                            "sum_i min(k_i, N) >= c*N; "
                            + "; ".join(f"'{lab}': " + ", ".join(f"{p} (n={nn}) {l:.1f}–{h:.1f}%" for p, nn, l, h in res)
                                        + f" vs {table_name(t)} {lo:.1f}–{hi:.1f}%"
                                        for lab, lo, hi, _, res, _, _ in clash)
                            + " (assumes the index table covers all respondents of one of these populations and "
                            "scores a missing answer as 0)"),
                     cells=tuple(c.cell_id for c in cs), lines=tuple(sorted({c.line for c in cs})),
                     item=";".join(ix.items))  # type: ignore[attr-defined]

    _index_tables: tuple[str, ...] = ()

    def _index_bounds(self, ix: object) -> dict[str, tuple[int, list[tuple[int, int]]]]:
        """Per population (and pooled), n and the count ranges of each index item in its scoring category."""
        cb = self.codebook
        out: dict[str, tuple[int, list[tuple[int, int]]]] = {}
        tabs: set[str] = set()
        pops = sorted({r.population for r in self.rows if r.population})
        for pop in pops:
            n = self.n_of(pop)
            if not n:
                continue
            ranges = []
            for item in ix.items:  # type: ignore[attr-defined]
                label = self._score_label(cb, item, ix.score_codes)  # type: ignore[attr-defined]
                cell = next((c for r in sorted(self.rows, key=lambda r: r.table) if r.breakdown == "total"
                             and r.population == pop and r.item == item and r.table not in self.annex_tables
                             for c in r.cells if label and norm(c.category) == norm(label) and c.value is not None),
                            None)
                if cell is None:
                    break
                ks = union_counts(cell.value, n)  # type: ignore[arg-type]
                if not ks:
                    break
                ranges.append((ks[0], ks[-1]))
                tabs.add(cell.table)
            else:
                out[pop] = (n, ranges)
        if len(out) > 1:
            n_all = sum(n for n, _ in out.values())
            pooled = [(sum(r[i][0] for _, r in out.values()), sum(r[i][1] for _, r in out.values()))
                      for i in range(len(ix.items))]  # type: ignore[attr-defined]
            out[" + ".join(out)] = (n_all, pooled)
        self._index_tables = tuple(sorted(tabs))
        return out

    @staticmethod
    def _score_label(cb: object, item: str, codes: Sequence[int]) -> str | None:
        try:
            scale = cb.item(item).scale  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - an unknown item just cannot be bounded
            return None
        if scale is None:
            return None
        if len(codes) == 1:
            for cat in scale.categories:
                if cat.code == codes[0]:
                    return str(cat.label)
        for col in scale.collapses:
            for label, cs in col.groups:
                if set(cs) == set(codes):
                    return str(label)
        return None

    # ------------------------------------------------------------ captions
    def check_captions(self) -> None:
        for col in self.tables.columns:
            if not col.startswith(CAPTION_N_PREFIX):
                continue
            pop = col[len(CAPTION_N_PREFIX):]
            n = self.n_of(pop)
            if n is None:
                continue
            for t, v, line in zip(self.tables["table"], self.tables[col], self.tables["line"]):
                if pd.isna(v):
                    continue
                self.checked["caption"] += 1
                if int(v) != n:
                    self.add(check="caption", severity="inconsistent", tables=(str(t),),
                             values=(say("values_caption", printed=int(v), n=n),),
                             parts=(say("caption", table=table_name(str(t)), printed=int(v), population=pop, n=n),),
                             proof=f"{int(v)} != {n}", lines=(int(line),), population=pop)
