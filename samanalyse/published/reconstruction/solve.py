"""The projection step of the reconstruction: an integer program over all answers.

:func:`solve_block` chooses every answer of a block of items (one binary per
respondent, item and category) so that the number of published targets met
is maximal, then the number of assumption targets met, then the number of
answers kept from the draft (:func:`scipy.optimize.milp`, HiGHS). Each
published percentage is a pair of linear inequalities on counts
(``p - 0.5 <= 100 k / n <= p + 0.5``), ratios with a variable base are
multiplied out, and index cross-tabs use per-respondent indicator variables.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from samanalyse.errors import DataError, SamanalyseError
from samanalyse.published.reconstruction.targets import Target, group_mask
from samanalyse.survey.codebook import Codebook

__all__ = ["solve_block", "blocks"]


class _Model:
    """A small builder for scipy.optimize.milp problems."""

    def __init__(self) -> None:
        self.n = 0
        self.obj: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.rows: list[tuple[list[int], list[float], float, float]] = []

    def var(self, k: int = 1, *, lb: float = 0, ub: float = 1, obj: float = 0.0) -> np.ndarray:
        idx = np.arange(self.n, self.n + k)
        self.n += k
        self.obj += [obj] * k
        self.lb += [lb] * k
        self.ub += [ub] * k
        return idx

    def row(self, cols: Iterable[int], coefs: Iterable[float], lo: float, hi: float) -> None:
        self.rows.append((list(cols), list(coefs), lo, hi))

    def solve(self, time_limit: float) -> np.ndarray:
        data, ri, ci, lo, hi = [], [], [], [], []
        for r, (cols, coefs, l, h) in enumerate(self.rows):
            ri += [r] * len(cols)
            ci += cols
            data += coefs
            lo.append(l)
            hi.append(h)
        A = sp.csr_array((data, (ri, ci)), shape=(len(self.rows), self.n))
        res = milp(
            c=-np.asarray(self.obj),
            constraints=LinearConstraint(A, np.asarray(lo), np.asarray(hi)),
            integrality=np.ones(self.n),
            bounds=Bounds(np.asarray(self.lb), np.asarray(self.ub)),
            options={"time_limit": time_limit, "disp": False, "presolve": True, "mip_rel_gap": 1e-9},
        )
        if res.x is None:
            raise SamanalyseError(f"The reconstruction's integer program found no solution: {res.message}")
        if res.status != 0:
            raise SamanalyseError(
                f"The reconstruction's integer program stopped before proving optimality ({res.message}); "
                "raise solver.time_limit_seconds in reconstruction.yaml."
            )
        return np.round(res.x).astype(int)


def blocks(targets: list[Target], items: list[str]) -> list[list[str]]:
    """Connected components of items linked by shared targets."""
    parent = {i: i for i in items}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for t in targets:
        linked = [i for i in (*t.items, *t.items_other) if i in parent]
        for other in linked[1:]:
            parent[find(other)] = find(linked[0])
    comps: dict[str, list[str]] = {}
    for i in items:
        comps.setdefault(find(i), []).append(i)
    return [sorted(c, key=items.index) for c in comps.values()]


class _Program:
    """The integer program of one block: answer variables, then one indicator per target."""

    def __init__(self, items: list[str], categories: dict[str, list[Any]], draft: pd.DataFrame, cb: Codebook) -> None:
        self.items, self.categories, self.cb = items, categories, cb
        self.n = n = len(draft)
        self.m = m = _Model()
        self.x: dict[tuple[int, str, Any], int] = {}
        for i in items:
            for r in range(n):
                cats = categories[i]
                idx = m.var(len(cats))
                d = draft.iloc[r][i]
                d = None if (d is None or (isinstance(d, float) and math.isnan(d))) else d
                for j, c in enumerate(cats):
                    self.x[(r, i, c)] = int(idx[j])
                    if c == d:
                        m.obj[int(idx[j])] = 1.0
                m.row(idx.tolist(), [1.0] * len(cats), 1, 1)
        self.index_vars: dict[str, np.ndarray] = {}
        self.and_vars: dict[tuple[str, str], np.ndarray] = {}

    def count(self, rs: Iterable[int], items: Iterable[str], labels: Iterable[Any], sign: float = 1.0,
              into: dict[int, float] | None = None) -> dict[int, float]:
        """Coefficients of the number of answers with a label in ``labels`` (added into ``into``)."""
        coef = {} if into is None else into
        labels = set(labels) if not isinstance(labels, (set, frozenset)) else labels
        for r in rs:
            for i in items:
                for c in self.categories[i]:
                    if c in labels:
                        k = self.x[(r, i, c)]
                        coef[k] = coef.get(k, 0.0) + sign
        return coef

    def share_rows(self, t: Target, z: int, rs: np.ndarray) -> None:
        """``low <= numerator / base <= high`` when ``z`` (or any counting's indicator) is 1."""
        m = self.m
        countings = t.countings()
        zs = [z] if len(countings) == 1 else [int(v) for v in m.var(len(countings))]
        if len(countings) > 1:  # met if met under any counting: z <= sum(z_k)
            m.row([int(z), *zs], [1.0] + [-1.0] * len(zs), -np.inf, 0)
        for zk, (_name, labels, base_labels) in zip(zs, countings):
            # numerator - low * base >= -M (1 - z_k);  numerator - high * base <= M (1 - z_k)
            num: dict[int, float] = {}
            base: dict[int, float] = {}
            for r in rs:
                for i in t.items:
                    for c in self.categories[i]:
                        if c in labels:
                            num[self.x[(r, i, c)]] = num.get(self.x[(r, i, c)], 0.0) + 1.0
                        if c in base_labels:
                            base[self.x[(r, i, c)]] = base.get(self.x[(r, i, c)], 0.0) + 1.0
            M = float(len(rs) * len(t.items)) + 1
            for bound, sign in ((t.low, 1.0), (t.high, -1.0)):
                coef = {k: sign * v for k, v in num.items()}
                for k, v in base.items():
                    coef[k] = coef.get(k, 0.0) - sign * bound * v
                m.row(list(coef) + [int(zk)], list(coef.values()) + [-M], -M, np.inf)

    def index_indicator(self, name: str, cls: str) -> tuple[np.ndarray, bool]:
        """Binary y_r = 1 iff respondent r's index is in the upper cut; returns (y, upper?)."""
        ix = self.cb.index(name)
        if len(ix.cuts) != 2:
            raise DataError(f"An index cross-table target on index {name!r} needs an index with exactly two cuts; "
                            f"the codebook gives it {len(ix.cuts)}.")
        (lo_label, _, lo_max), (hi_label, hi_min, hi_max) = ix.cuts
        if name not in self.index_vars:
            y = self.m.var(self.n)
            for r in range(self.n):
                cols, coefs = [], []
                for iid in ix.items:
                    scale = self.cb.item(iid).scale
                    for code in ix.score_codes:
                        cols.append(self.x[(r, iid, scale.category(code).label)])  # type: ignore[union-attr]
                        coefs.append(1.0)
                # S_r >= hi_min * y_r   and   S_r <= lo_max + (hi_max - lo_max) * y_r
                self.m.row(cols + [int(y[r])], coefs + [-float(hi_min)], 0, np.inf)
                self.m.row(cols + [int(y[r])], coefs + [-float(hi_max - lo_max)], -np.inf, float(lo_max))
            self.index_vars[name] = y
        return self.index_vars[name], cls == hi_label

    def _and(self, key: tuple[str, str], yc: np.ndarray, yr: np.ndarray) -> np.ndarray:
        """w_r = yc_r AND yr_r, shared by every target on the same pair of indices."""
        if key not in self.and_vars:
            w = self.m.var(self.n)
            for r in range(self.n):
                self.m.row([int(w[r]), int(yc[r])], [1, -1], -np.inf, 0)
                self.m.row([int(w[r]), int(yr[r])], [1, -1], -np.inf, 0)
                self.m.row([int(w[r]), int(yc[r]), int(yr[r])], [1, -1, -1], -1, np.inf)
            self.and_vars[key] = w
        return self.and_vars[key]

    def index_rows(self, t: Target, z: int) -> None:
        """A column percentage of an index cross-tab within ``[low, high]`` when ``z`` is 1."""
        yc, c_up = self.index_indicator(t.col_index, t.col_class)
        yr, r_up = self.index_indicator(t.row_index, t.row_class)
        w = self._and((t.col_index, t.row_index), yc, yr)
        # indicator of (col class, row class) for respondent r, as a linear form: const + sum(coef * var)
        coef: dict[int, float] = {}
        const = 0.0
        base_coef: dict[int, float] = {}
        base_const = 0.0
        for r in range(self.n):
            # p = product of [yc or 1-yc] and [yr or 1-yr]
            if c_up and r_up:
                terms, cst = {int(w[r]): 1.0}, 0.0
            elif c_up and not r_up:
                terms, cst = {int(yc[r]): 1.0, int(w[r]): -1.0}, 0.0
            elif not c_up and r_up:
                terms, cst = {int(yr[r]): 1.0, int(w[r]): -1.0}, 0.0
            else:
                terms, cst = {int(yc[r]): -1.0, int(yr[r]): -1.0, int(w[r]): 1.0}, 1.0
            for k, v in terms.items():
                coef[k] = coef.get(k, 0.0) + v
            const += cst
            base_coef[int(yc[r])] = base_coef.get(int(yc[r]), 0.0) + (1.0 if c_up else -1.0)
            base_const += 0.0 if c_up else 1.0
        M = float(self.n) + 1
        for bound, sign in ((t.low, 1), (t.high, -1)):
            # sign * (num - bound * base) >= -M (1 - z)
            c2 = {k: sign * v for k, v in coef.items()}
            for k, v in base_coef.items():
                c2[k] = c2.get(k, 0.0) - sign * bound * v
            cst = sign * (const - bound * base_const)
            self.m.row(list(c2) + [int(z)], list(c2.values()) + [-M], -M - cst, np.inf)

    def order_rows(self, t: Target, z: int, rs: np.ndarray) -> None:
        """count(items) - count(items_other) >= 1 - M (1 - z)."""
        coef: dict[int, float] = {}
        for r in rs:
            self.count([r], t.items, t.labels, 1.0, coef)
            self.count([r], t.items_other, t.labels, -1.0, coef)
        M = float(len(rs) * max(len(t.items), len(t.items_other))) + 1
        self.m.row(list(coef) + [int(z)], list(coef.values()) + [-M], 1 - M, np.inf)

    def answers(self, sol: np.ndarray, index: pd.Index) -> pd.DataFrame:
        out = pd.DataFrame(index=index, columns=self.items, dtype=object)
        for (r, i, c), col in self.x.items():
            if sol[col] == 1:
                out.iat[r, self.items.index(i)] = c
        return out


def solve_block(
    items: list[str],
    categories: dict[str, list[Any]],
    draft: pd.DataFrame,
    background: pd.DataFrame,
    targets: list[Target],
    cb: Codebook,
    time_limit: float,
) -> pd.DataFrame:
    """The answers of one block of items that meet the most targets (see the module docstring).

    Parameters
    ----------
    items : list of str
        The block's items (linked by shared targets, see :func:`blocks`).
    categories : dict
        ``{item: labels an answer may take}`` (``None`` = blank).
    draft : DataFrame
        The draft answers of these items.
    background : DataFrame
        The respondents, aligned with ``draft``.
    targets : list of Target
        The targets on these items.
    cb : Codebook
    time_limit : float
        Seconds the solver may take.
    """
    p = _Program(items, categories, draft, cb)
    n_assumption = sum(t.kind == "assumption" for t in targets)
    w_assumption = p.n * len(items) + 1.0
    w_published = w_assumption * (n_assumption + 1)
    for t in targets:
        rs = np.flatnonzero(group_mask(background, t.group))
        z = p.m.var(1, obj=w_published if t.kind == "published" else w_assumption)[0]
        if t.type == "share":
            p.share_rows(t, z, rs)
        elif t.type == "index":
            p.index_rows(t, z)
        else:
            p.order_rows(t, z, rs)
    return p.answers(p.m.solve(time_limit), draft.index)
