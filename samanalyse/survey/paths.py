"""Where the package finds its data: inside an installed wheel or a checkout."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from samanalyse.errors import SamanalyseError

__all__ = ["data_dir", "register_dir"]


@lru_cache(maxsize=1)
def data_dir() -> Path:
    """Return the folder holding codebooks, registers and rounds.

    In a wheel the top-level ``data/`` folder ships as ``samanalyse/_data``;
    in a checkout (editable install) it is ``data/`` beside the package. Looked up once per process
    (the registers are asked for it per respondent).
    """
    packaged = Path(str(resources.files("samanalyse"))) / "_data"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "data"
    if checkout.is_dir():
        return checkout
    raise SamanalyseError(
        "samanalyse cannot find its data folder: looked in "
        f"{packaged} (installed wheel) and {checkout} (checkout). "
        "Reinstall the package (pip install samanalyse) or run from a full checkout."
    )


def register_dir() -> Path:
    """Return the folder with the kommune and helseforetak registers."""
    return data_dir() / "registers"
