"""Exceptions and warnings shared by every samanalyse module.

All user-facing problems are raised as subclasses of :class:`SamanalyseError`
(itself a :class:`ValueError`), and every warning the package emits (small
cells, non-convergence, Heywood cases, data fixes) is a subclass of
:class:`SamanalyseWarning`, so one filter silences or escalates them all.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SamanalyseError",
    "CodebookError",
    "Problem",
    "RegisterError",
    "DataError",
    "SamanalyseWarning",
    "SmallCellWarning",
    "ConvergenceWarning",
    "HeywoodWarning",
    "DataFixWarning",
]


class SamanalyseError(ValueError):
    """Base class of every error samanalyse raises for bad input."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    file : str
        The file the problem is in.
    where : str
        Location inside the file: a key path (``questions[3].scale``), or a row
        and column (``row 12, column q5a``).
    message : str
        What is wrong, in one sentence.
    allowed : str
        What would be accepted instead (may be empty).
    line : int or None
        1-based line in the file, where known.
    """

    file: str
    where: str
    message: str
    allowed: str = ""
    line: int | None = None

    def __str__(self) -> str:
        loc = f"{self.file}"
        if self.line is not None:
            loc += f", line {self.line}"
        text = f"{loc}: {self.where}: {self.message}"
        if self.allowed and not text.rstrip().endswith((".", "!", "?")):
            text += "."
        if self.allowed:
            text += f" Allowed: {self.allowed}."
        return text


class CodebookError(SamanalyseError):
    """A codebook file is malformed; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"The codebook has {n} problem{'s' if n != 1 else ''}:"
        super().__init__("\n".join([head, *("  - " + str(p) for p in self.problems)]))


class RegisterError(SamanalyseError):
    """A register (kommuner, helseforetak) cannot be found or is inconsistent."""


class DataError(SamanalyseError):
    """Respondent data does not fit the codebook or the registers."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = "\n".join([message, *("  - " + str(p) for p in self.problems)])
        super().__init__(message)


class SamanalyseWarning(UserWarning):
    """Base class of every warning samanalyse emits."""


class SmallCellWarning(SamanalyseWarning):
    """Expected or observed cell counts are too small for the method used."""


class ConvergenceWarning(SamanalyseWarning):
    """An iterative fit did not converge."""


class HeywoodWarning(SamanalyseWarning):
    """A factor solution has a communality at or above 1 (Heywood case)."""


class DataFixWarning(SamanalyseWarning):
    """Input was accepted after a safe, reported fix (e.g. whitespace trimmed)."""
