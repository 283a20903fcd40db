"""``counts_for`` (the counts a printed percentage allows) in integer arithmetic against ``round_percent``.

The reference is the definition: every ``k`` in ``0..n`` whose percentage, rounded exactly by
:func:`samanalyse.stats.rounding.round_percent` (fractions), prints as the value. Checked for
group sizes up to 300, values from -2 to 102 with one and two decimals, every achievable share
(unrounded and to one decimal), and the three rounding rules.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from samanalyse.published.audit.arithmetic import counts_for, decimals
from samanalyse.stats.rounding import DOUBLE_ROUNDING, RULES, round_percent


def _by_definition(v: float, n: int, rule: str) -> tuple[int, ...]:
    d = decimals(v)
    target = Fraction(round(v * 10 ** d), 10 ** d)
    return tuple(k for k in range(n + 1) if round_percent(k, n, rule, d) == target)


@pytest.mark.parametrize("rule", RULES + (DOUBLE_ROUNDING,))
def test_counts_for_matches_the_definition(rule: str) -> None:
    for n in [*range(1, 31), *range(31, 301, 29)]:
        step = 1 if n <= 30 else 7
        values = [i / 10 for i in range(-20, 1021, 3 if n < 20 else 53)] + [i / 100 for i in range(0, 10001, 997)]
        values += [k * 100 / n for k in range(0, n + 1, step)] + [round(k * 100 / n, 1) for k in range(0, n + 1, step)]
        for v in values:
            assert counts_for(v, n, rule) == _by_definition(v, n, rule), (v, n, rule)


def test_half_way_values() -> None:
    # 1/8 = 12.5 %: half-up prints 13, half-even 12; 3/8 = 37.5 %: 38 both ways
    assert counts_for(13, 8, "half-up") == (1,) and counts_for(12, 8, "half-even") == (1,)
    assert counts_for(38, 8, "half-up") == (3,) and counts_for(38, 8, "half-even") == (3,)
    # 1/16 = 6.25 %: "double" prints 6.3 then 6; 6.25 half-up to 0 decimals is 6
    assert counts_for(6, 16, DOUBLE_ROUNDING) == (1,) and counts_for(6.3, 16, "half-up") == (1,)
