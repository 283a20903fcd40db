"""The programs :func:`samanalyse.stats.suppression.suppress` leaves out change nothing.

``suppress`` skips a secondary-suppression program when a deviation (another table) found before
already solves it at cost 0, stops at the first plan that adds no cell, and in the attacker's check
takes ``hi = inf`` for a cell with a free atom and ``lo = 0`` for a cell that is 0 in a known table.
The reference here is the algorithm as it was before those shortcuts (every program solved, the
unbounded case found by ``linprog``), written out again below: on random linked tables (2-way and
3-way tables with margins, overlapping categories, fixed cells) both must give the same pattern and
the same ranges, exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from samanalyse.errors import DisclosureError
from samanalyse.stats import suppression as S


def _old_secondary(m, a, hidden, min_range, fixed):
    values = m @ a
    w = 1.0 + values
    for j in np.flatnonzero(hidden.copy()):
        start = hidden | (np.arange(m.shape[0]) == j)
        options = []
        for plan in S._plans(float(values[j]), float(min_range)):
            h = start
            for step in plan:
                found = S._deviation_program(m, a, j, step, h, fixed, w)
                if found is None:
                    h = None
                    break
                h = found[0]
            if h is not None:
                options.append(h)
        if not options:
            raise DisclosureError("cannot be protected")
        hidden = min(options, key=lambda f: float(w[f & ~start].sum()))
    return hidden


def _old_extreme(m, obj, published, rhs, sense):
    a_eq = m[published]
    if sense < 0:
        lp = linprog(-obj, A_eq=a_eq if a_eq.shape[0] else None, b_eq=rhs if a_eq.shape[0] else None,
                     bounds=(0, None), method="highs")
        if lp.status == 3:
            return float("inf")
    cons = [LinearConstraint(a_eq, rhs, rhs)] if a_eq.shape[0] else []
    res = milp(sense * obj, constraints=cons, bounds=Bounds(0, np.inf), integrality=np.ones(m.shape[1]))
    return float(sense * res.fun)


def _model(rng: np.random.Generator) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """A table of answers x groups (x a second grouping, sometimes) with its margins; some cells fixed."""
    n_ans, n_g = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    n_h = int(rng.integers(1, 3))
    atoms = rng.integers(0, 7, size=n_ans * n_g * n_h).astype(float)
    idx = np.arange(atoms.size).reshape(n_ans, n_g, n_h)
    rows = []
    cats = [[i] for i in range(n_ans)] + ([[0, 1]] if rng.random() < 0.5 else [])   # a pooled category too
    for g in [*[[x] for x in range(n_g)], list(range(n_g))]:
        for h in ([[x] for x in range(n_h)] if n_h > 1 else []) + [list(range(n_h))]:
            for c in cats + [list(range(n_ans))]:
                r = np.zeros(atoms.size)
                r[idx[np.ix_(c, g, h)].ravel()] = 1
                rows.append(r)
    m = np.unique(np.array(rows), axis=0)
    fixed = rng.random(m.shape[0]) < 0.15
    return sparse.csr_matrix(m), atoms, fixed


@pytest.mark.parametrize("seed", range(30))
def test_same_pattern_and_ranges_as_every_program_solved(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, a, fixed = _model(rng)
    values = m @ a
    primary = (values >= 1) & (values < 3) & ~fixed
    try:
        old = _old_secondary(m, a, primary.copy(), 3, fixed)
    except DisclosureError:
        with pytest.raises(DisclosureError):
            S.suppress(m, a, primary, min_range=3, fixed=fixed)
        return
    new = S.suppress(m, a, primary, min_range=3, fixed=fixed)
    assert np.array_equal(new.suppressed, old)
    published = ~old
    rhs = values[published]
    for j in np.flatnonzero(old):
        obj = m[j].toarray().ravel()
        assert new.lo[j] == _old_extreme(m, obj, published, rhs, 1.0)
        assert new.hi[j] == _old_extreme(m, obj, published, rhs, -1.0)


def test_free_atom_and_zero_cell() -> None:
    # two atoms, cells: atom 0, atom 1, their sum; only the sum hidden: both atoms are published,
    # nothing is free; hide atom 1 and the sum: atom 1 is free (hi inf), and it is 0 in the table
    m = sparse.csr_matrix(np.array([[1.0, 0], [0, 1], [1, 1]]))
    a = np.array([4.0, 0.0])
    r = S.attacker_ranges(m, a, np.array([False, True, True]))
    assert r["lo"].tolist() == [0.0, 4.0] and r["hi"].tolist() == [np.inf, np.inf]


def test_feasibility_jump_off_where_highs_has_it() -> None:
    highs = pytest.importorskip("scipy.optimize._highspy._core")   # scipy >= 1.15

    opts = S._mip_options()
    assert opts["presolve"] is False
    if hasattr(highs.HighsOptions(), "mip_heuristic_run_feasibility_jump"):
        assert opts["mip_heuristic_run_feasibility_jump"] is False


@pytest.mark.parametrize("seed", range(25))
def test_same_suppression_as_with_highs_defaults(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # the options change how fast HiGHS gets there, not where: pattern and ranges as with its heuristics on
    rng = np.random.default_rng(1000 + seed)
    m, a, fixed = _model(rng)
    values = m @ a
    results = []
    for options in ({"presolve": False}, S._mip_options()):
        monkeypatch.setattr(S, "_mip_options", lambda options=options: options)
        for min_range in (2, 3, 4):
            primary = (values >= 1) & (values < min_range) & ~fixed
            try:
                r = S.suppress(m, a, primary, min_range=min_range, fixed=fixed)
            except DisclosureError:
                results.append(None)
                continue
            results.append((r.status.tolist(), np.nan_to_num(r.lo, nan=-1).tolist(),
                            np.nan_to_num(r.hi, nan=-1, posinf=-2).tolist()))
    assert results[:3] == results[3:]
