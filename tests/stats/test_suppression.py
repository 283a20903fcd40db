"""Cell suppression and the attacker's check on small tables worked out by hand.

The expected patterns and ranges come from the hand calculations in the comments, and the
ranges also from brute force: every non-negative integer table agreeing with the published
cells is enumerated, and its smallest and largest value of each suppressed cell taken.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from samanalyse.errors import ArgumentError, DisclosureError, SamanalyseError
from samanalyse.stats.suppression import attacker_ranges, primary_suppression, secondary_suppression, suppress

BAD_INPUTS: list[dict[str, str]] = [
    {"id": "suppression-shape", "area": "Prikking",
     "input": "a cells matrix whose columns do not match the atoms",
     "message": "cells has 3 columns but there are 2 atoms; cells must be an (n_cells x n_atoms) matrix."},
    {"id": "suppression-negative-atoms", "area": "Prikking",
     "input": "negative or fractional atom counts",
     "message": "atoms must be non-negative whole counts."},
    {"id": "suppression-mask-length", "area": "Prikking",
     "input": "a primary mask of the wrong length",
     "message": "primary has 2 entries; there are 3 cells."},
    {"id": "suppression-fixed-primary", "area": "Prikking",
     "input": "a cell that must be protected but is published already",
     "message": "Cell 0 must be protected but is published already (fixed)."},
]


def _two_by_three() -> tuple[np.ndarray, np.ndarray]:
    """The 2x3 table with margins (cells 0-5 interior, 6-7 row totals, 8-10 column totals, 11 total).

            A   B   C | sum
        r1  1   5   6 |  12
        r2  4   7   3 |  14
        sum 5  12   9 |  26
    """
    atoms = np.array([1, 5, 6, 4, 7, 3])
    m = np.zeros((12, 6))
    m[np.arange(6), np.arange(6)] = 1
    m[6, :3] = m[7, 3:] = 1
    for c in range(3):
        m[8 + c, [c, 3 + c]] = 1
    m[11, :] = 1
    return m, atoms


def _brute_force(m: np.ndarray, atoms: np.ndarray, hidden: np.ndarray, top: int) -> dict[int, tuple[int, int]]:
    """min/max of each hidden cell over every integer table 0..top per atom agreeing with the published cells."""
    want = (m @ atoms)[~hidden]
    seen: dict[int, list[int]] = {int(j): [] for j in np.flatnonzero(hidden)}
    for x in itertools.product(range(top + 1), repeat=atoms.size):
        v = m @ np.array(x)
        if np.array_equal(v[~hidden], want):
            for j in seen:
                seen[j].append(int(v[j]))
    return {j: (min(vals), max(vals)) for j, vals in seen.items()}


def test_primary_rule_counts_one_and_two_not_zero() -> None:
    assert primary_suppression([0, 1, 2, 3, 7], min_count=3).tolist() == [False, True, True, False, False]
    assert primary_suppression([0, 1, 3], min_count=3, protect_zeros=True).tolist() == [True, True, False]


def test_two_by_three_pattern_and_ranges_by_hand() -> None:
    # r1A = 1 is primary (< 3). It must be able to move by 3 (min_range). A cell can only move
    # together with a cycle of other cells keeping every published sum: r1A, r1X, r2A, r2X for a
    # column X (cost 1 + count each: X = B costs 2 + 6 + 5 + 8, X = C costs 2 + 7 + 5 + 4, the
    # cheapest), or through the margins (r1A, r1 sum, A sum, total: 2 + 13 + 6 + 27, dearer).
    # Moving r1A up by 3 in the C cycle: 4, 3, 1, 6, all >= 0, so it is feasible.
    m, atoms = _two_by_three()
    primary = np.zeros(12, dtype=bool)
    primary[0] = True
    s = suppress(m, atoms, primary, min_range=3)
    assert s.status.tolist() == ["primary", "published", "secondary", "secondary", "published", "secondary",
                                 *["published"] * 6]
    # With x = r1A: r1C = 12 - 5 - x = 7 - x, r2A = 5 - x, r2C = 14 - 7 - (5 - x) = 2 + x; all >= 0
    # gives 0 <= x <= 5, so r1A in [0, 5], r1C in [2, 7], r2A in [0, 5], r2C in [2, 7].
    hidden = s.suppressed
    assert s.lo[hidden].tolist() == [0, 2, 0, 2]
    assert s.hi[hidden].tolist() == [5, 7, 5, 7]
    assert s.violations().empty
    assert _brute_force(m, atoms, hidden, 7) == {0: (0, 5), 2: (2, 7), 3: (0, 5), 5: (2, 7)}


def test_without_secondary_the_check_fails() -> None:
    # Only r1A hidden: r1A = 12 - 5 - 6 = 1 exactly, a range of width 0.
    m, atoms = _two_by_three()
    primary = np.zeros(12, dtype=bool)
    primary[0] = True
    s = suppress(m, atoms, primary, min_range=3, secondary=False)
    bad = s.violations()
    assert bad["cell"].tolist() == [0] and bad["lo"].tolist() == [1] and bad["hi"].tolist() == [1]


def test_a_lower_cell_can_be_protected_downwards() -> None:
    # A single row a + b = total with a = 4 (say, protected because of a rule on another table):
    # a cannot move up by 3 unless the total is hidden too; hidden with b it moves either way.
    # Suppressing a and b (cost 5 + 3 = 8) against a and the total (5 + 7 = 12): a, b are chosen.
    # a + b = 6 published: a in [0, 6], b in [0, 6].
    m = np.array([[1, 0], [0, 1], [1, 1]])
    s = suppress(m, [4, 2], [True, False, False], min_range=3)
    assert s.status.tolist() == ["primary", "secondary", "published"]
    assert (s.lo[:2].tolist(), s.hi[:2].tolist()) == ([0, 0], [6, 6])


def test_unpublished_atom_makes_the_range_unbounded() -> None:
    # Cell 0 = atom 0 only; no published cell contains atom 0: nothing bounds it above.
    r = attacker_ranges(np.array([[1, 0], [0, 1]]), [2, 5], [True, False])
    assert r.to_dict("records") == [{"cell": 0, "lo": 0.0, "hi": float("inf")}]


def test_fixed_cells_are_never_chosen() -> None:
    # 2x3 again with the r1C/r2C column fixed (public): the cycle must go through column B.
    m, atoms = _two_by_three()
    primary = np.zeros(12, dtype=bool)
    primary[0] = True
    fixed = np.zeros(12, dtype=bool)
    fixed[[2, 5]] = True
    hidden = secondary_suppression(m, atoms, primary, min_range=3, fixed=fixed)
    assert np.flatnonzero(hidden).tolist() == [0, 1, 3, 4]


def _bad_case(case_id: str) -> None:
    if case_id == "suppression-shape":
        attacker_ranges(np.ones((2, 3)), [1, 2], [True, False])
    elif case_id == "suppression-negative-atoms":
        attacker_ranges(np.ones((2, 2)), [1, -2], [True, False])
    elif case_id == "suppression-mask-length":
        suppress(np.eye(3), [1, 2, 3], [True, False], min_range=3)
    elif case_id == "suppression-fixed-primary":
        secondary_suppression(np.eye(3), [1, 2, 3], [True, False, False], min_range=3,
                              fixed=[True, False, False])
    else:
        raise AssertionError(case_id)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_input_gives_its_message(case: dict[str, str]) -> None:
    with pytest.raises(SamanalyseError) as exc:
        _bad_case(case["id"])
    assert str(exc.value) == case["message"]
    assert isinstance(exc.value, (ArgumentError, DisclosureError))


def test_a_small_count_is_protected_down_to_zero_and_up_by_the_rest() -> None:
    # One group: a + b + c = n with n = 3 published (e.g. known from a list of respondents).
    # a = 2 and b = 1 are primary. a cannot go up by 3 (n = 3 caps it), nor down by 3; but it can
    # go down by 2 (to 0, b to 3) and up by 1 (to 3, b to 0): range [0, 3], width 3. c = 0 may stay
    # published: a + b = 3 then, so a, b in [0, 3].
    m = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]])
    s = suppress(m, [2, 1, 0], [True, True, False, False], min_range=3, fixed=[False, False, False, True])
    assert s.status.tolist() == ["primary", "primary", "published", "published"]
    assert (s.lo[:2].tolist(), s.hi[:2].tolist()) == ([0, 0], [3, 3])
    # With n = 2 nothing can give a range of 3: refused.
    with pytest.raises(DisclosureError):
        suppress(m, [1, 1, 0], [True, True, False, False], min_range=3, fixed=[False, False, False, True])
