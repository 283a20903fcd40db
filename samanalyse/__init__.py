"""samanalyse: analyse the KS survey on samhandling between kommuner and helseforetak.

Reproduces PwC for KS (2010), *"I gode og onde dager"*, from respondent-level
data, and runs the same tables, indices, tests and factor analysis on new
survey rounds. The 2010 respondent-level data shipped with the package is a
**reconstruction** consistent with the published tables, not the original
survey responses (see ``data/rounds/2010/README.md``).

The names below are imported on first use (PEP 562), so ``import samanalyse``
and ``samanalyse --help`` do not load pandas and the survey model.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_WHERE = {
    "Codebook": "samanalyse.survey.codebook",
    "read_codebook": "samanalyse.survey.codebook",
    "load_codebook": "samanalyse.survey.rounds",
    "Round": "samanalyse.survey.rounds",
    "load_round": "samanalyse.survey.rounds",
    "respondents": "samanalyse.survey.rounds",
    "kommuner": "samanalyse.survey.registers",
    "helseforetak": "samanalyse.survey.registers",
    "size_class": "samanalyse.survey.registers",
    "SamanalyseError": "samanalyse.errors",
    "CodebookError": "samanalyse.errors",
    "DataError": "samanalyse.errors",
    "RegisterError": "samanalyse.errors",
    "SamanalyseWarning": "samanalyse.errors",
}

__all__ = ["__version__", *_WHERE]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from samanalyse.errors import CodebookError, DataError, RegisterError, SamanalyseError, SamanalyseWarning
    from samanalyse.survey.codebook import Codebook, read_codebook
    from samanalyse.survey.registers import helseforetak, kommuner, size_class
    from samanalyse.survey.rounds import Round, load_codebook, load_round, respondents


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use."""
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'samanalyse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
