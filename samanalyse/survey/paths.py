"""Where the package finds its data: inside an installed wheel or a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_dir", "round_dir", "register_dir"]


def data_dir() -> Path:
    """Return the folder holding codebooks, registers and rounds.

    In a wheel the top-level ``data/`` folder ships as ``samanalyse/_data``;
    in a checkout (editable install) it is ``data/`` beside the package.
    """
    packaged = Path(str(resources.files("samanalyse"))) / "_data"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "data"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "samanalyse cannot find its data folder: looked in "
        f"{packaged} (installed wheel) and {checkout} (checkout). "
        "Reinstall the package (pip install samanalyse) or run from a full checkout."
    )


def round_dir(round: str) -> Path:
    """Return the folder of one survey round, e.g. ``data/rounds/2010``."""
    path = data_dir() / "rounds" / str(round)
    if not path.is_dir():
        known = sorted(p.name for p in (data_dir() / "rounds").iterdir() if p.is_dir())
        raise FileNotFoundError(
            f"No survey round {round!r} in {data_dir() / 'rounds'}. Known rounds: {', '.join(known)}."
        )
    return path


def register_dir() -> Path:
    """Return the folder with the kommune and helseforetak registers."""
    return data_dir() / "registers"
