"""samanalyse: analyse the KS survey on samhandling between kommuner and helseforetak.

Reproduces PwC for KS (2010), *"I gode og onde dager"*, from respondent-level
data, and runs the same tables, indices, tests and factor analysis on new
survey rounds. The 2010 respondent-level data shipped with the package is a
**reconstruction** consistent with the published tables, not the original
survey responses (see ``data/rounds/2010/README.md``).
"""

from __future__ import annotations

from samanalyse.survey.codebook import Codebook, read_codebook
from samanalyse.errors import CodebookError, DataError, RegisterError, SamanalyseError, SamanalyseWarning
from samanalyse.survey.registers import helseforetak, kommuner, size_class
from samanalyse.survey.rounds import Round, load_codebook, load_round, respondents

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Codebook",
    "load_codebook",
    "read_codebook",
    "Round",
    "load_round",
    "respondents",
    "kommuner",
    "helseforetak",
    "size_class",
    "SamanalyseError",
    "CodebookError",
    "DataError",
    "RegisterError",
    "SamanalyseWarning",
]
