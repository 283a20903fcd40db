"""Cell suppression of linked count tables, and the attacker's check of what is left.

Every published count is a *cell*: a sum of *atoms*, the counts of the finest
cross-classification (e.g. answer x RHF x size class). ``cells`` is the
matrix ``M`` with ``count = M @ atoms``; the linear relations between the
tables (group cells sum to totals; the same counts appear by RHF, by size
class and in the totals) are implied by it, across every table at once.

- :func:`primary_suppression`: cells with too few units.
- :func:`secondary_suppression`: further cells so that no protected cell can
  be worked out (to within ``min_range``) from the published ones; chosen by
  a mixed-integer program per protected cell (the classical model of
  Fischetti and Salazar-González, 1999, solved sequentially) that asks for the
  cheapest set of extra cells admitting another non-negative integer table,
  agreeing with every published cell, in which the protected cell is
  ``min_range`` higher or lower, or (a small count) lower by its value and
  another table higher by the rest (whichever adds less). The cost of a cell is its
  information loss, by default ``1 + count``. Processing the protected cells one
  after another is a heuristic: each step is optimal, the whole pattern need not be.
- :func:`attacker_ranges`: for every suppressed cell, the smallest and largest
  value of any non-negative integer table agreeing with every published cell
  (integer programs, :func:`scipy.optimize.milp`, HiGHS): what an attacker can
  prove. :func:`suppress` runs the three and returns a :class:`Suppression`.

This mirrors what SSB's R package ``GaussSuppression``
(``GaussSuppressionFromData``) and tau-ARGUS's ``OPT`` method do; neither has
a Python library that suppresses a *set* of linked tables with arbitrary linear
relations (``pytauargus`` protects and audits each table on its own), so the
programs are written here on the HiGHS solver the project already uses.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from samanalyse.errors import ArgumentError, DisclosureError

__all__ = ["primary_suppression", "secondary_suppression", "attacker_ranges", "suppress", "Suppression",
           "RANGE_COLUMNS"]

#: Columns of :func:`attacker_ranges` (one row per cell, in the cells' order).
RANGE_COLUMNS = ["cell", "lo", "hi"]


def _check_model(cells: object, atoms: object) -> tuple[sparse.csr_matrix, np.ndarray]:
    m = sparse.csr_matrix(cells, dtype=float)
    a = np.asarray(atoms, dtype=float)
    if a.ndim != 1 or m.shape[1] != a.size:
        raise ArgumentError(f"cells has {m.shape[1]} columns but there are {a.size} atoms; "
                            f"cells must be an (n_cells x n_atoms) matrix.")
    if (a < 0).any() or not np.allclose(a, np.round(a)):
        raise ArgumentError("atoms must be non-negative whole counts.")
    if m.nnz and m.data.min() < 0:
        raise ArgumentError("cells must have non-negative coefficients (a cell is a sum of atoms).")
    return m, np.round(a)


def _check_mask(mask: object, n: int, name: str) -> np.ndarray:
    b = np.zeros(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if b.shape != (n,):
        raise ArgumentError(f"{name} has {b.size} entries; there are {n} cells.")
    return b


def primary_suppression(values: object, *, min_count: int, protect_zeros: bool = False) -> np.ndarray:
    """Cells to suppress because they count fewer than ``min_count`` units.

    Parameters
    ----------
    values : array-like of int
        The cells' counts.
    min_count : int
        Counts ``1 .. min_count - 1`` are suppressed (and 0 if ``protect_zeros``).
    protect_zeros : bool
        Also suppress zeros.

    Returns
    -------
    numpy.ndarray of bool
        True where the cell is a primary suppression (SSB: the frequency rule).
    """
    v = np.asarray(values, dtype=float)
    low = 0 if protect_zeros else 1
    return (v >= low) & (v < min_count)


@cache
def _mip_options() -> dict[str, object]:
    """HiGHS options of the integer programs here: no presolve (HiGHS 1.x prints a debug line with it),
    and no feasibility-jump heuristic where this HiGHS has one.

    Feasibility jump runs a fixed budget of work before every search, about three quarters of the
    time of these small programs; it only looks for a first feasible point, which the branch and bound
    finds without it. The optimum values are the same; where optima tie, HiGHS may pick another one
    (on a 200-kommune round, 2 of 90 programs returned another deviation, the same cells), and the
    patterns and ranges were the same on every table tried (tests/stats/test_suppression_shortcuts.py).
    """
    try:
        from scipy.optimize._highspy._core import HighsOptions
    except ImportError:  # pragma: no cover - scipy before 1.15 (its HiGHS has no feasibility jump)
        return {"presolve": False}
    if not hasattr(HighsOptions(), "mip_heuristic_run_feasibility_jump"):  # pragma: no cover - an older HiGHS
        return {"presolve": False}
    return {"presolve": False, "mip_heuristic_run_feasibility_jump": False}


def _milp(*args: Any, **kwargs: Any) -> Any:
    """``scipy.optimize.milp`` with :func:`_mip_options` (passed to HiGHS as they are; scipy warns it does that)."""
    from scipy.optimize import milp

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unrecognized options detected", RuntimeWarning)
        return milp(*args, options=dict(_mip_options()), **kwargs)


def _big_m_rows(m: sparse.csr_matrix, big: float) -> sparse.csr_matrix:
    """``[M -B; M B]`` over (d, z): with ``M d - B z <= 0`` and ``M d + B z >= 0`` a published cell (z = 0) does
    not move (``B``: each cell's bound, ``big`` times its coefficients' sum)."""
    bound = big * np.asarray(abs(m).sum(axis=1)).ravel()
    eye = sparse.identity(m.shape[0], format="csr")
    return sparse.vstack([sparse.hstack([m, -eye.multiply(bound[:, None])]),
                          sparse.hstack([m, eye.multiply(bound[:, None])])]).tocsr()


def _deviation_program(m: sparse.csr_matrix, a: np.ndarray, j: int, step: float, hidden: np.ndarray,
                       fixed: np.ndarray, cost: np.ndarray, built: dict[float, sparse.csr_matrix] | None = None
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    """Cheapest extra cells letting cell ``j`` move by ``step`` (signed); the new hidden mask and the atoms'
    deviation (whole numbers) that moves it, or None. ``built`` keeps :func:`_big_m_rows` per ``big`` (the
    same for every program of one model and step size)."""
    from scipy.optimize import Bounds, LinearConstraint   # here: merging groups needs none of scipy.optimize

    n_cells, n_atoms = m.shape
    big = float(a.sum() + abs(step) + 1)
    built = {} if built is None else built
    if big not in built:
        built[big] = _big_m_rows(m, big)
    rows = built[big]
    lo = np.concatenate([np.full(n_cells, -np.inf), np.zeros(n_cells)])
    hi = np.concatenate([np.zeros(n_cells), np.full(n_cells, np.inf)])
    target = sparse.hstack([m[j] * np.sign(step), sparse.csr_matrix((1, n_cells))])
    cons = [LinearConstraint(rows, lo, hi), LinearConstraint(target, abs(step), np.inf)]
    z_lo = hidden.astype(float)
    z_hi = np.where(fixed & ~hidden, 0.0, 1.0)
    bounds = Bounds(np.concatenate([-a, z_lo]), np.concatenate([np.full(n_atoms, big), z_hi]))
    c = np.concatenate([np.zeros(n_atoms), np.where(hidden, 0.0, cost)])
    res = _milp(c, constraints=cons, bounds=bounds, integrality=np.ones(n_atoms + n_cells))
    if res.status != 0:
        return None
    return hidden | (res.x[n_atoms:] > 0.5), np.round(res.x[:n_atoms])


class _Deviations:
    """The other tables found so far, as deviations ``d`` of the atoms (``atoms + d`` is another table).

    A program :func:`_deviation_program` would be given is not solved when a known deviation already
    moves the cell as far, changes no published cell and keeps every atom within the program's bounds:
    then the program's optimum is 0 (no cell added), and with every cost positive its only optimal
    choice of cells is the hidden mask as it is, which is what the program would have returned.
    """

    def __init__(self, m: sparse.csr_matrix, a: np.ndarray, cost: np.ndarray) -> None:
        self.m, self.a, self.found = m, a, []  # type: ignore[var-annotated]
        self.usable = bool((cost > 0).all())
        self.built: dict[float, sparse.csr_matrix] = {}   # the programs' constraint matrices (_big_m_rows)

    def add(self, d: np.ndarray) -> None:
        """Keep a deviation a program found."""
        self.found.append(d)

    def valid(self, hidden: np.ndarray) -> np.ndarray:
        """The known deviations (atoms x k) that change no cell outside ``hidden`` and keep the atoms >= 0."""
        if not self.found:
            return np.zeros((self.a.size, 0))
        d = np.column_stack(self.found)
        ok = (d >= -self.a[:, None]).all(axis=0) & ~np.asarray(self.m[~hidden] @ d).any(axis=0)
        return d[:, ok]

    def moves(self, j: int, step: float, hidden: np.ndarray) -> bool:
        """True if a known deviation is a solution of cost 0 of the program for cell ``j`` and ``step``."""
        if not (self.usable and self.found):
            return False
        d = self.valid(hidden)
        d = d[:, (d <= self.a.sum() + abs(step) + 1).all(axis=0)]
        return bool((np.sign(step) * np.asarray(self.m[j] @ d).ravel() >= abs(step)).any())


def _plans(value: float, r: float) -> list[list[float]]:
    """Ways to give a cell of ``value`` a range of width ``r``: moves (signed) that must each be possible.

    Up by r; down by r (if the value allows); or down to 0 and up by the rest (a small count).
    """
    plans = [[r]]
    if value >= r:
        plans.append([-r])
    elif value > 0:
        plans.append([-value, r - value])
    return plans


def _protect_one(m: sparse.csr_matrix, a: np.ndarray, j: int, plan: list[float], hidden: np.ndarray,
                 fixed: np.ndarray, cost: np.ndarray, known: _Deviations) -> np.ndarray | None:
    """The hidden mask after every move of ``plan`` has been made possible (None if one cannot be)."""
    for step in plan:
        if known.moves(j, step, hidden):   # possible already: the program would add no cell
            continue
        found = _deviation_program(m, a, j, step, hidden, fixed, cost, known.built)
        if found is None:
            return None
        hidden, d = found
        known.add(d)
    return hidden


def secondary_suppression(cells: object, atoms: object, suppressed: object, *, min_range: int,
                          protect: object = None, fixed: object = None, cost: object = None,
                          names: list[str] | None = None) -> np.ndarray:
    """Add the cells to suppress so that no protected cell can be narrowed below ``min_range``.

    Parameters
    ----------
    cells : array-like or sparse matrix, shape (n_cells, n_atoms)
        ``M``: a cell's count is ``M @ atoms``.
    atoms : array-like of int, shape (n_atoms,)
        The true counts of the finest cross-classification.
    suppressed : array-like of bool, shape (n_cells,)
        The cells already suppressed (primary).
    min_range : int
        Each protected cell's range over the non-negative integer tables agreeing with
        every published cell must be at least this wide (see :func:`_plans`).
    protect : array-like of bool, optional
        The cells needing that protection; default the ``suppressed`` ones.
    fixed : array-like of bool, optional
        Cells that may not be suppressed (published already elsewhere).
    cost : array-like of float, optional
        Information loss of suppressing each cell; default ``1 + count``.
    names : list of str, optional
        The cells' names, for messages (default ``Cell <position>``).

    Returns
    -------
    numpy.ndarray of bool
        Every suppressed cell (primary and secondary).

    Raises
    ------
    DisclosureError
        If a protected cell cannot be protected (e.g. it is fixed, or every way to
        move it is blocked by fixed cells).
    """
    return _secondary(cells, atoms, suppressed, min_range=min_range, protect=protect, fixed=fixed, cost=cost,
                      names=names)[0]


def _secondary(cells: object, atoms: object, suppressed: object, *, min_range: int, protect: object,
               fixed: object, cost: object, names: list[str] | None) -> tuple[np.ndarray, _Deviations]:
    """:func:`secondary_suppression`, and the deviations (other tables) its programs found."""
    m, a = _check_model(cells, atoms)
    n = m.shape[0]
    hidden = _check_mask(suppressed, n, "suppressed").copy()
    need = _check_mask(protect, n, "protect") if protect is not None else hidden.copy()
    fix = _check_mask(fixed, n, "fixed")
    values = m @ a
    w = 1.0 + values if cost is None else np.asarray(cost, dtype=float)

    def label(j: int) -> str:
        return names[j] if names is not None else f"Cell {j}"

    known = _Deviations(m, a, w)
    for j in np.flatnonzero(need):
        if fix[j]:
            raise DisclosureError(f"{label(j)} must be protected but is published already (fixed).")
        start = hidden | (np.arange(n) == j)
        options = []
        for plan in _plans(float(values[j]), float(min_range)):
            f = _protect_one(m, a, j, plan, start, fix, w, known)
            if f is not None:
                options.append(f)
                if known.usable and not (f & ~start).any():
                    break   # no cell added: no later plan can be cheaper (and the first wins a tie)
        # the cheapest plan (the first, up by min_range, on a tie)
        found = min(options, key=lambda f: float(w[f & ~start].sum())) if options else None
        if found is None:
            raise DisclosureError(f"{label(j)} cannot be protected to a range of {min_range}: every table "
                                  f"agreeing with the cells that may not be suppressed pins it down. Merge small groups "
                                  f"(min_units_per_group), or publish fewer tables.")
        hidden = found
    return hidden, known


def _extreme(m: sparse.csr_matrix, obj: np.ndarray, published: np.ndarray, rhs: np.ndarray, sense: float,
             integer: bool) -> float:
    """min (sense=1) or max (sense=-1) of obj @ x over x >= 0 (integer) with M_published x = rhs."""
    from scipy.optimize import Bounds, LinearConstraint

    n_atoms = m.shape[1]
    a_eq = m[published]
    cons = [LinearConstraint(a_eq, rhs, rhs)] if a_eq.shape[0] else []
    res = _milp(sense * obj, constraints=cons, bounds=Bounds(0, np.inf),
                integrality=np.ones(n_atoms) if integer else None)
    if res.status != 0:
        raise DisclosureError(f"The attacker's program failed ({res.message}); the published cells "
                              f"are inconsistent with the atoms.")
    return float(sense * res.fun)


def attacker_ranges(cells: object, atoms: object, suppressed: object, *, integer: bool = True) -> pd.DataFrame:
    """What an attacker can prove about each suppressed cell from every published one.

    Parameters
    ----------
    cells, atoms
        The model, as in :func:`secondary_suppression`.
    suppressed : array-like of bool
        The suppressed cells; every other cell is published.
    integer : bool
        Atoms are whole counts (default); ``False`` gives the (wider) LP ranges.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RANGE_COLUMNS`, one row per suppressed cell (``cell`` is its
        position): the smallest and largest value (``hi`` may be ``inf``) of the cell
        in any non-negative table agreeing with every published cell.
    """
    m, a = _check_model(cells, atoms)
    return _ranges(m, a, _check_mask(suppressed, m.shape[0], "suppressed"), integer, None)


def _ranges(m: sparse.csr_matrix, a: np.ndarray, hidden: np.ndarray, integer: bool,
            known: _Deviations | None) -> pd.DataFrame:
    """:func:`attacker_ranges`, its programs left out where the answer is certain without them.

    - A cell holding an atom that is in no published cell can grow without bound (``hi`` is inf): the
      atom is free, and every coefficient is positive.
    - A cell that is 0 in the true table or in another known table (``known``, deviations that change no
      published cell and keep every atom >= 0) has ``lo`` 0: no table has it below 0.
    Otherwise the same programs as before are solved; a proven range is the optimum of a program, the
    same whichever way it is found.
    """
    cells = np.flatnonzero(hidden)
    if cells.size == 0:
        return pd.DataFrame({"cell": cells.astype(int), "lo": np.zeros(0), "hi": np.zeros(0)})
    published = ~hidden
    rhs = (m @ a)[published]
    objs = m[cells].toarray()
    free = np.asarray(abs(m[published]).sum(axis=0)).ravel() == 0
    others = known.valid(hidden) if known is not None else np.zeros((a.size, 0))
    tables = np.column_stack([a, a[:, None] + others])
    lo = np.where((objs @ tables == 0).any(axis=1), 0.0, np.nan)
    hi = np.where((objs[:, free] > 0).any(axis=1), np.inf, np.nan)
    todo = [(k, sense) for k in range(cells.size) for sense, v in ((1.0, lo), (-1.0, hi)) if np.isnan(v[k])]
    found = _extremes(m[published], rhs, [sense * objs[k] for k, sense in todo]) if integer else [None] * len(todo)
    for (k, sense), value in zip(todo, found):
        if value is None:
            value = _extreme(m, objs[k], published, rhs, sense, integer)
        (lo if sense > 0 else hi)[k] = value
    return pd.DataFrame({"cell": cells.astype(int), "lo": lo, "hi": hi}, columns=RANGE_COLUMNS).astype(
        {"cell": int, "lo": float, "hi": float})


def _extremes(a_eq: sparse.csr_matrix, rhs: np.ndarray, objectives: list[np.ndarray]) -> list[float | None]:
    """min of each objective over the non-negative integer ``x`` with ``a_eq x = rhs``, from one linear program.

    The programs are solved together as one LP of independent blocks (one copy of the constraints per
    objective; its optimum is each block's optimum). Where a block's LP optimum is a whole-number table
    (checked exactly), that table is an optimum of the integer program too, and its value is given;
    None where it is not (the integer program must then be solved).
    """
    from scipy.optimize import linprog

    k, n_atoms = len(objectives), a_eq.shape[1]
    if k == 0 or a_eq.shape[0] == 0:
        return [None] * k
    res = linprog(np.concatenate(objectives), A_eq=sparse.block_diag([a_eq] * k, format="csr"),
                  b_eq=np.tile(rhs, k), bounds=(0, None), method="highs")
    if res.status != 0:
        return [None] * k
    x = res.x.reshape(k, n_atoms)
    whole = np.round(x)
    out: list[float | None] = []
    for c, xi, wi in zip(objectives, x, whole):
        exact = np.allclose(xi, wi, rtol=0, atol=1e-6) and (wi >= 0).all() and np.array_equal(a_eq @ wi, rhs)
        out.append(float(abs(c @ wi)) if exact else None)
    return out


@dataclass(frozen=True)
class Suppression:
    """Suppression of a set of linked count tables, with the attacker's proven ranges.

    Attributes
    ----------
    status : numpy.ndarray of str
        Per cell: ``"published"``, ``"primary"`` or ``"secondary"``.
    lo, hi : numpy.ndarray of float
        The proven range of each suppressed cell (NaN for a published one).
    min_range : int
        The width every primary cell's range must have (secondary: more than 0).
    """

    status: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    min_range: int

    @property
    def suppressed(self) -> np.ndarray:
        return self.status != "published"

    def violations(self) -> pd.DataFrame:
        """Suppressed cells whose proven range is narrower than the rule (empty when safe)."""
        f = self.to_frame()
        need = np.where(f["status"] == "primary", self.min_range, 1)
        return f[(f["status"] != "published") & ((f["hi"] - f["lo"]) < need)]

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: ``cell``, ``status``, ``lo``, ``hi``."""
        return pd.DataFrame({"cell": np.arange(self.status.size), "status": self.status,
                             "lo": self.lo, "hi": self.hi})


def suppress(cells: object, atoms: object, primary: object, *, min_range: int, protect: object = None,
             fixed: object = None, cost: object = None, secondary: bool = True,
             names: list[str] | None = None) -> Suppression:
    """Primary cells given, secondary cells chosen, and the attacker's ranges of all of them.

    ``secondary=False`` leaves the secondary step out (to show that the check then fails).
    See :func:`secondary_suppression` and :func:`attacker_ranges` for the arguments.
    """
    m, a = _check_model(cells, atoms)
    first = _check_mask(primary, m.shape[0], "primary")
    hidden, known = (_secondary(m, a, first, min_range=min_range, protect=protect, fixed=fixed, cost=cost,
                                names=names) if secondary else (first.copy(), None))
    status = np.where(first, "primary", np.where(hidden, "secondary", "published")).astype(object)
    lo = np.full(m.shape[0], np.nan)
    hi = np.full(m.shape[0], np.nan)
    r = _ranges(m, a, hidden, True, known)
    lo[r["cell"].to_numpy()] = r["lo"].to_numpy()
    hi[r["cell"].to_numpy()] = r["hi"].to_numpy()
    return Suppression(status=status, lo=lo, hi=hi, min_range=int(min_range))
