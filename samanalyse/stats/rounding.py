"""Percentages rounded the way a report prints them: one implementation for tables and audit.

A printed percentage is ``100 k / n`` rounded to a number of decimals under a
rule. :func:`round_percent` computes it exactly (as a :class:`fractions.Fraction`,
so 1/8 = 12.5 % is exactly half way); :func:`printed_percent` is the same as a
float for tables, with ``"none"`` for unrounded shares.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from samanalyse.errors import ArgumentError

__all__ = ["RULES", "DOUBLE_ROUNDING", "Rounding", "round_percent", "printed_percent"]

#: Rounding rules a printed report may have used: half-up (SPSS, Excel) and half-even (Python's ``round``).
RULES: tuple[str, ...] = ("half-up", "half-even")
#: Half-up to one more decimal first, then half-up again (a spreadsheet rounding a rounded value).
DOUBLE_ROUNDING = "double"

Rounding = Literal["half-up", "half-even", "double", "none"]


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArgumentError(f"n must be a positive whole number of respondents, got {n!r}.")
    return n


def _check_k(k: object, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k:
        raise ArgumentError(f"k must be a whole number of respondents >= 0, got {k!r}.")
    return k


def _check_rule(rule: object, allowed: tuple[str, ...]) -> str:
    if rule not in allowed:
        raise ArgumentError(f"Unknown rounding rule {rule!r}; use one of {', '.join(allowed)}.")
    return str(rule)


def round_percent(k: int, n: int, rule: str = "half-up", decimals: int = 0) -> Fraction:
    """The percentage ``100 k / n`` rounded to ``decimals`` decimals under ``rule``, exactly.

    Mirrors what SPSS/Excel print (``"half-up"``); ``"half-even"`` is R's and
    Python's ``round``; ``"double"`` rounds half-up to one more decimal first.

    Parameters
    ----------
    k, n : int
        Count and base (``n >= 1``).
    rule : {"half-up", "half-even", "double"}
    decimals : int
        Decimals of the printed value.

    Returns
    -------
    fractions.Fraction
    """
    n = _check_n(n)
    k = _check_k(k, n)
    _check_rule(rule, RULES + (DOUBLE_ROUNDING,))
    scale = 10 ** decimals
    x = Fraction(100 * k * scale, n)
    half = Fraction(1, 2)
    if rule == "half-up":
        r = math.floor(x + half)
    elif rule == "half-even":
        r = round(x)
    else:
        once = Fraction(math.floor(x * 10 + half), 10)
        r = math.floor(once + half)
    return Fraction(r, scale)


def printed_percent(k: int, n: int, rule: str = "half-up", decimals: int = 0) -> float:
    """:func:`round_percent` as a float; ``rule="none"`` gives ``100 k / n`` unrounded; NaN when ``n == 0``."""
    _check_rule(rule, RULES + (DOUBLE_ROUNDING, "none"))
    if n == 0:
        return float("nan")
    if rule == "none":
        return 100 * _check_k(k, _check_n(n)) / n
    return float(round_percent(k, n, rule, decimals))
