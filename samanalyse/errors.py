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
    "ArgumentError",
    "NotFoundError",
    "Problem",
    "ProblemsError",
    "CodebookError",
    "RoundError",
    "CatalogueError",
    "PlanError",
    "SpecError",
    "PublishedError",
    "RoundNotFoundError",
    "RegisterError",
    "RegisterFileError",
    "UnknownKommuneError",
    "DataError",
    "ResponsesNotFoundError",
    "OutputError",
    "DisclosureError",
    "SamanalyseWarning",
    "SmallCellWarning",
    "ConvergenceWarning",
    "HeywoodWarning",
    "DataFixWarning",
    "NotPositiveDefiniteWarning",
    "KommuneRenumberedWarning",
    "ChangedItemWarning",
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


class ArgumentError(SamanalyseError, TypeError):
    """A function was called with an argument of the wrong kind or out of range.

    Also a :class:`TypeError` (and, through :class:`SamanalyseError`, a
    :class:`ValueError`), so callers catching either keep working.
    """


class NotFoundError(SamanalyseError, KeyError):
    """A name (item, index, scale code or label, collapse, table) that does not exist.

    Also a :class:`KeyError`, so ``except KeyError`` around a look-up keeps working;
    the message is printed as it is (not quoted as a plain KeyError would).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ProblemsError(SamanalyseError):
    """An input file has problems; ``problems`` lists every one found.

    Subclasses name the kind of file (:attr:`what`); the message lists all
    problems at once, each with file, line, key path and what is allowed.
    """

    what = "The file"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{self.what} has {n} problem{'s' if n != 1 else ''}:"
        super().__init__("\n".join([head, *("  - " + str(p) for p in self.problems)]))


class CodebookError(ProblemsError):
    """A codebook file is malformed; ``problems`` lists every problem found."""

    what = "The codebook"


class RoundError(ProblemsError):
    """A round's ``round.yaml`` (or the round folder) is malformed."""

    what = "The round"


class CatalogueError(ProblemsError):
    """A table catalogue (``tables.yaml``) is malformed."""

    what = "The table catalogue"


class PlanError(ProblemsError):
    """An analysis plan (``plan.yaml``) is malformed."""

    what = "The analysis plan"


class SpecError(ProblemsError):
    """A reconstruction spec (``reconstruction.yaml``) is malformed."""

    what = "The reconstruction spec"


class PublishedError(ProblemsError):
    """A round's published figures (transcription, notation) are malformed."""

    what = "The transcription of the published figures"


class RoundNotFoundError(SamanalyseError, FileNotFoundError):
    """A round name or folder that does not exist (also a :class:`FileNotFoundError`)."""


class RegisterError(SamanalyseError):
    """A register (kommuner, helseforetak) cannot be found or is inconsistent."""


class RegisterFileError(RegisterError, ProblemsError):
    """The description of the registers (``registers.yaml``) is malformed."""

    what = "The register description"


class UnknownKommuneError(RegisterError):
    """A kommunenummer that never existed, or was split and cannot be placed on one kommune."""


class DataError(SamanalyseError):
    """Respondent data does not fit the codebook or the registers."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = "\n".join([message, *("  - " + str(p) for p in self.problems)])
        super().__init__(message)


class ResponsesNotFoundError(DataError, FileNotFoundError):
    """A response file does not exist (also a :class:`FileNotFoundError`)."""


class OutputError(SamanalyseError):
    """An output cannot be written: the folder holds other files, is busy, or the disk refused."""


class DisclosureError(SamanalyseError):
    """An output would let a reader work out a suppressed cell (the attacker's check failed)."""


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


class NotPositiveDefiniteWarning(SamanalyseWarning):
    """A correlation matrix was not positive definite and was smoothed."""


class KommuneRenumberedWarning(SamanalyseWarning):
    """A kommunenummer that no longer exists was placed on today's kommune (the message names both)."""


class ChangedItemWarning(SamanalyseWarning):
    """An item compared between rounds whose wording or scale changed (the codebook's ``changed``), or not compared."""
