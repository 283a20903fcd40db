"""Registers: the kommuner and helseforetak of a year, with RHF and size classes.

The registers are official figures from Statistics Norway (SSB), published under
the Norwegian Licence for Open Government Data (NLOD 2.0) - "Kilde: Statistisk
sentralbyrå". See ``data/registers/SOURCES.md`` for sources and checks.

Register files are named ``kommuner_<year>.csv`` and ``helseforetak_<year>.csv``;
a new round adds the files of its year, and nothing in the code changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from samanalyse.survey.paths import register_dir
from samanalyse.errors import RegisterError

__all__ = [
    "RHF_LABELS",
    "RHF_ORDER",
    "SizeClasses",
    "DEFAULT_SIZE_CLASSES",
    "kommuner",
    "helseforetak",
    "rhf_label",
    "size_class",
    "available_years",
    "SVALBARD",
]

#: Official RHF names mapped to the labels the study prints.
RHF_LABELS: dict[str, str] = {
    "Helse Midt-Norge": "Helse Midt",
    "Helse Nord": "Helse Nord",
    "Helse Sør-Øst": "Helse Sør-Øst",
    "Helse Vest": "Helse Vest",
}
#: Order of the RHF in the study's tables.
RHF_ORDER: tuple[str, ...] = ("Helse Midt", "Helse Nord", "Helse Sør-Øst", "Helse Vest")

#: Spitsbergen (Svalbard): in the kommune file, not a kommune.
SVALBARD = "2111"

# Successor values for kommuner that the centrality file no longer lists
# (SOURCES.md: "their successors are 1756 Inderøy = 1 and 1903 Harstad = 2").
_SENTRALITET_SUCCESSOR: dict[str, tuple[int, str]] = {
    "1723": (1, "etterfølger 1756 Inderøy"),
    "1729": (1, "etterfølger 1756 Inderøy"),
    "1901": (2, "etterfølger 1903 Harstad"),
    "1915": (2, "etterfølger 1903 Harstad"),
}


@dataclass(frozen=True)
class SizeClasses:
    """Size classes by population with inclusive upper bounds.

    Parameters
    ----------
    labels : sequence of str
        Class labels, smallest first.
    upper : sequence of int
        Inclusive upper bound of every class but the last (which is open).
    """

    labels: tuple[str, ...]
    upper: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.upper) != len(self.labels) - 1:
            raise ValueError(
                f"SizeClasses needs one upper bound fewer than labels: got {len(self.labels)} labels "
                f"{list(self.labels)} and {len(self.upper)} bounds {list(self.upper)}."
            )
        if list(self.upper) != sorted(set(self.upper)):
            raise ValueError(f"SizeClasses bounds must increase strictly; got {list(self.upper)}.")

    def classify(self, population: pd.Series | Sequence[float]) -> pd.Series:
        """Return the class label of each population (missing stays missing)."""
        pop = pd.to_numeric(pd.Series(population), errors="coerce")
        idx = np.searchsorted(np.asarray(self.upper, dtype=float), pop.to_numpy(dtype=float), side="left")
        labels = np.array(self.labels, dtype=object)[np.minimum(idx, len(self.labels) - 1)]
        out = pd.Series(labels, index=pop.index, dtype=object)
        out[pop.isna()] = None
        return out.astype(pd.CategoricalDtype(list(self.labels), ordered=True))


#: The study's classes: 0-3000, 3000-10000, >10000 (upper bounds inclusive).
DEFAULT_SIZE_CLASSES = SizeClasses(
    labels=("Små kommuner", "Mellomstore kommuner", "Store kommuner"), upper=(3000, 10000)
)


def available_years(kind: str = "kommuner") -> list[int]:
    """Years for which a register of ``kind`` (kommuner/helseforetak) ships."""
    return sorted(int(p.stem.rsplit("_", 1)[1]) for p in register_dir().glob(f"{kind}_*.csv"))


def _register_file(kind: str, year: int):
    path = register_dir() / f"{kind}_{year}.csv"
    if not path.exists():
        years = available_years(kind)
        raise RegisterError(
            f"No {kind} register for {year} in {register_dir()}. Available years: "
            f"{', '.join(map(str, years)) or 'none'}. Add {path.name} (see SOURCES.md for the format)."
        )
    return path


def rhf_label(name: str) -> str:
    """Return the study's label of an RHF (``"Helse Midt-Norge"`` -> ``"Helse Midt"``)."""
    if name in RHF_LABELS.values():
        return name
    try:
        return RHF_LABELS[name]
    except KeyError:
        raise RegisterError(f"Unknown RHF {name!r}; known: {', '.join(RHF_LABELS)}.") from None


def kommuner(year: int = 2010, *, include_svalbard: bool = False) -> pd.DataFrame:
    """The kommuner of ``year``, indexed by 4-digit kommunenummer (string).

    Parameters
    ----------
    year : int
        Register year (the kommune structure on 1 January of that year).
    include_svalbard : bool
        Also return Spitsbergen (2111), which is not a kommune but answered the
        2010 survey; it is flagged ``er_kommune = False``.

    Returns
    -------
    pandas.DataFrame
        Columns: ``navn, fylke, fylkesnavn, rhf`` (study label), ``rhf_offisiell``,
        ``folkemengde_<y>`` for the years in the file, ``sentralitet`` (0-3,
        nullable; successor's value filled in where the classification no
        longer lists the kommune), ``sentralitet_kilde``, ``sentralitet_2024``,
        ``hf_opptak`` (2016 catchment areas, see SOURCES.md), ``er_kommune``.
    """
    df = pd.read_csv(_register_file("kommuner", year), dtype=str, keep_default_na=False)
    df = df.set_index("kommunenummer")
    df.index = df.index.astype(str)
    df["rhf_offisiell"] = df["rhf"]
    df["rhf"] = df["rhf"].map(rhf_label)
    for col in [c for c in df.columns if c.startswith("folkemengde_") or c.startswith("sentralitet")]:
        if col.endswith("samme_omraade"):
            continue
        df[col] = pd.to_numeric(df[col].replace("", None), errors="coerce").astype("Int64")
    df["sentralitet_kilde"] = np.where(df["sentralitet"].isna(), "", "SSB 2008")
    for knr, (value, source) in _SENTRALITET_SUCCESSOR.items():
        if knr in df.index and pd.isna(df.at[knr, "sentralitet"]):
            df.at[knr, "sentralitet"] = value
            df.at[knr, "sentralitet_kilde"] = source
    df["er_kommune"] = df.index != SVALBARD
    if not include_svalbard:
        df = df[df["er_kommune"]]
    return df


def helseforetak(year: int = 2010) -> pd.DataFrame:
    """The helseforetak with patient care in ``year``, indexed by name.

    Columns: ``rhf`` (study label), ``rhf_offisiell``, ``merknad``.
    """
    df = pd.read_csv(_register_file("helseforetak", year), dtype=str, keep_default_na=False)
    df = df.set_index("helseforetak")
    df["rhf_offisiell"] = df["rhf"]
    df["rhf"] = df["rhf"].map(rhf_label)
    return df


def size_class(population: pd.Series | Sequence[float], classes: SizeClasses = DEFAULT_SIZE_CLASSES) -> pd.Series:
    """Classify populations into the study's size classes (see :class:`SizeClasses`)."""
    return classes.classify(population)
