"""Registers: the kommuner and helseforetak of a year, with RHF and size classes.

The registers are official figures from Statistics Norway (SSB), published under
the Norwegian Licence for Open Government Data (NLOD 2.0) - "Kilde: Statistisk
sentralbyrå". See ``data/registers/SOURCES.md`` for sources and checks.

Register files are named ``kommuner_<year>.csv`` and ``helseforetak_<year>.csv``;
``registers.yaml`` beside them says what the code needs to know about each:
the RHF labels reports print, the direction of each ordinal column, rows that
are not kommuner, and values filled in from a successor. A new round adds the
files of its year and their entry, and nothing in the code changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, RegisterError, RegisterFileError
from samanalyse.survey.paths import register_dir
from samanalyse.survey.yamlfile import read_yaml

__all__ = [
    "SizeClasses",
    "Ordinal",
    "kommuner",
    "helseforetak",
    "helseforetak_frame",
    "rhf_label",
    "rhf_order",
    "ordinal_columns",
    "size_class",
    "available_years",
    "register_files",
    "check_columns",
    "REGISTERS_SCHEMA",
]

#: Columns every kommune register must have.
KOMMUNE_COLUMNS = ("kommunenummer", "navn", "fylke", "rhf")
#: Columns every helseforetak register must have.
HF_COLUMNS = ("helseforetak", "rhf")

_ORDINAL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["concept", "higher_is_more"],
    "properties": {"concept": {"type": "string"}, "higher_is_more": {"type": "boolean"}, "source": {"type": "string"}},
}
_YEAR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "ordinal": {"type": "object", "additionalProperties": _ORDINAL},
        "not_kommune": {"type": "object", "additionalProperties": {"type": "string"}},
        "in_frame": {"type": "object", "additionalProperties": False, "required": ["column", "equals"],
                     "properties": {"column": {"type": "string"}, "equals": {"type": "string"}}},
        "fill": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["value", "source"],
            "properties": {"value": {"type": "integer"}, "source": {"type": "string"}}}}},
    },
}
REGISTERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["rhf"],
    "properties": {
        "rhf": {"type": "object", "additionalProperties": False, "required": ["labels", "order"],
                "properties": {"labels": {"type": "object", "additionalProperties": {"type": "string"}},
                               "order": {"type": "array", "items": {"type": "string"}}}},
        "kommuner": {"type": "object", "additionalProperties": _YEAR},
        "helseforetak": {"type": "object", "additionalProperties": _YEAR},
    },
}


@dataclass(frozen=True)
class Ordinal:
    """An ordinal register column and the direction of its scale."""

    column: str
    concept: str
    higher_is_more: bool
    source: str = ""


@lru_cache(maxsize=4)
def _meta(folder: str) -> dict[str, Any]:
    raw, _ = read_yaml(Path(folder) / "registers.yaml", REGISTERS_SCHEMA, RegisterFileError)
    return raw


def _year_meta(kind: str, year: int) -> dict[str, Any]:
    return dict((_meta(str(register_dir())).get(kind) or {}).get(str(year)) or {})


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
            raise ArgumentError(
                f"SizeClasses needs one upper bound fewer than labels: got {len(self.labels)} labels "
                f"{list(self.labels)} and {len(self.upper)} bounds {list(self.upper)}."
            )
        if list(self.upper) != sorted(set(self.upper)):
            raise ArgumentError(f"SizeClasses bounds must increase strictly; got {list(self.upper)}.")

    def classify(self, population: pd.Series | Sequence[float]) -> pd.Series:
        """Return the class label of each population (missing stays missing)."""
        pop = pd.to_numeric(pd.Series(population), errors="coerce")
        idx = np.searchsorted(np.asarray(self.upper, dtype=float), pop.to_numpy(dtype=float), side="left")
        labels = np.array(self.labels, dtype=object)[np.minimum(idx, len(self.labels) - 1)]
        out = pd.Series(labels, index=pop.index, dtype=object)
        out[pop.isna()] = None
        return out.astype(pd.CategoricalDtype(list(self.labels), ordered=True))


def available_years(kind: str = "kommuner") -> list[int]:
    """Years for which a register of ``kind`` (kommuner/helseforetak) ships."""
    return sorted(int(p.stem.rsplit("_", 1)[1]) for p in register_dir().glob(f"{kind}_*.csv")
                  if p.stem.rsplit("_", 1)[1].isdigit())


def _register_file(kind: str, year: int) -> Path:
    path = register_dir() / f"{kind}_{year}.csv"
    if not path.exists():
        years = available_years(kind)
        raise RegisterError(
            f"No {kind} register for {year} in {register_dir()}. Available years: "
            f"{', '.join(map(str, years)) or 'none'}. Add {path.name} (see SOURCES.md for the format)."
        )
    return path


def register_files(year: int) -> list[Path]:
    """The register files of ``year`` that exist (kommuner, helseforetak), plus ``registers.yaml``."""
    files = [register_dir() / f"{kind}_{year}.csv" for kind in ("kommuner", "helseforetak")]
    return [f for f in files if f.exists()] + [register_dir() / "registers.yaml"]


def check_columns(frame: pd.DataFrame, columns: Sequence[str], file: str | Path, need: str = "") -> None:
    """Raise :class:`RegisterError` naming the file and every missing column (and what needs it)."""
    missing = [c for c in columns if c not in frame.columns and c != frame.index.name]
    if missing:
        have = frame.attrs.get("file_columns") or (
            [frame.index.name, *frame.columns] if frame.index.name else list(frame.columns))
        raise RegisterError(
            f"The register {file} has no column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
            + (f" ({need})" if need else "") + f". Its columns are: {', '.join(map(str, have))}."
        )


@lru_cache(maxsize=16)
def _read_file(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    """A register file as strings, read once per version of the file (the key holds its time and size)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RegisterError(f"The register {path} cannot be read: {exc}.") from None


def _read(kind: str, year: int, required: Sequence[str]) -> tuple[pd.DataFrame, Path]:
    path = _register_file(kind, year)
    try:
        st = path.stat()
    except OSError as exc:
        raise RegisterError(f"The register {path} cannot be read: {exc}.") from None
    df = _read_file(str(path), st.st_mtime_ns, st.st_size).copy()
    check_columns(df, required, path, "every register of this kind needs it")
    df.attrs["file"] = str(path)
    df.attrs["file_columns"] = list(df.columns)
    return df, path


def rhf_label(name: str) -> str:
    """Return the label reports print for an RHF (``"Helse Midt-Norge"`` -> ``"Helse Midt"``)."""
    labels = _meta(str(register_dir()))["rhf"]["labels"]
    if name in labels.values():
        return name
    try:
        return labels[name]
    except KeyError:
        raise RegisterError(f"Unknown RHF {name!r}; known: {', '.join(labels)}.") from None


def rhf_order() -> tuple[str, ...]:
    """The RHF labels in the order reports list them."""
    return tuple(_meta(str(register_dir()))["rhf"]["order"])


def ordinal_columns(year: int, kind: str = "kommuner") -> dict[str, Ordinal]:
    """The ordinal columns of a register and the direction of their scales (from ``registers.yaml``)."""
    return {c: Ordinal(c, **spec) for c, spec in (_year_meta(kind, year).get("ordinal") or {}).items()}


def kommuner(year: int, *, include_svalbard: bool = False) -> pd.DataFrame:
    """The kommuner of ``year``, indexed by 4-digit kommunenummer (string); see :func:`_kommuner`.

    Built once per version of the register file and ``registers.yaml`` (a copy is returned).
    """
    path, meta = _register_file("kommuner", year), register_dir() / "registers.yaml"
    try:
        key = tuple((f.stat().st_mtime_ns, f.stat().st_size) for f in (path, meta))
    except OSError:
        return _kommuner(year, include_svalbard)
    return _kommuner_cached(str(path), key, year, include_svalbard).copy()


@lru_cache(maxsize=8)
def _kommuner_cached(path: str, key: tuple, year: int, include_svalbard: bool) -> pd.DataFrame:
    return _kommuner(year, include_svalbard)


def _kommuner(year: int, include_svalbard: bool = False) -> pd.DataFrame:
    """The kommuner of ``year``, indexed by 4-digit kommunenummer (string).

    Parameters
    ----------
    year : int
        Register year (the kommune structure on 1 January of that year).
    include_svalbard : bool
        Also return the rows that ``registers.yaml`` marks as not kommuner
        (Spitsbergen, which answered a survey); they are flagged ``er_kommune = False``.

    Returns
    -------
    pandas.DataFrame
        The file's columns with ``rhf`` as the report label and ``rhf_offisiell``
        the official name; ``folkemengde_<y>`` and ``sentralitet*`` as nullable
        integers; values filled from ``registers.yaml`` (with their source in
        ``<column>_kilde``); ``er_kommune``.

    Raises
    ------
    RegisterError
        If the file is missing, unreadable or lacks a required column.
    """
    df, path = _read("kommuner", year, KOMMUNE_COLUMNS)
    meta = _year_meta("kommuner", year)
    df = df.set_index("kommunenummer")
    df.index = df.index.astype(str)
    df["rhf_offisiell"] = df["rhf"]
    df["rhf"] = df["rhf"].map({v: rhf_label(v) for v in df["rhf"].unique()})
    for col in [c for c in df.columns if c.startswith("folkemengde_") or c.startswith("sentralitet")]:
        if col.endswith("samme_omraade"):
            continue
        df[col] = pd.to_numeric(df[col].replace("", None), errors="coerce").astype("Int64")
    ordinal = meta.get("ordinal") or {}
    for col, spec in ordinal.items():
        if col in df.columns:
            df[f"{col}_kilde"] = np.where(df[col].isna(), "", spec.get("source", ""))
    for col, values in (meta.get("fill") or {}).items():
        check_columns(df, [col], path, "registers.yaml fills values in it")
        for knr, fill in values.items():
            if knr in df.index and pd.isna(df.at[knr, col]):
                df.at[knr, col] = fill["value"]
                df.at[knr, f"{col}_kilde"] = fill["source"]
    df["er_kommune"] = ~df.index.isin(list(meta.get("not_kommune") or {}))
    if not include_svalbard:
        df = df[df["er_kommune"]]
    return df


def helseforetak(year: int) -> pd.DataFrame:
    """The helseforetak with patient care in ``year``, indexed by name.

    Columns: ``rhf`` (report label), ``rhf_offisiell`` and the file's other columns.
    """
    df, _ = _read("helseforetak", year, HF_COLUMNS)
    df = df.set_index("helseforetak")
    df["rhf_offisiell"] = df["rhf"]
    df["rhf"] = df["rhf"].map({v: rhf_label(v) for v in df["rhf"].unique()})
    return df


def helseforetak_frame(year: int) -> pd.DataFrame:
    """The helseforetak of ``year`` that a survey asks: those ``registers.yaml``'s ``in_frame`` selects, else all."""
    df = helseforetak(year)
    rule = _year_meta("helseforetak", year).get("in_frame")
    if rule:
        check_columns(df, [rule["column"]], df.attrs.get("file", ""), "registers.yaml's in_frame uses it")
        df = df[df[rule["column"]] == rule["equals"]]
    return df


def size_class(population: pd.Series | Sequence[float], classes: SizeClasses) -> pd.Series:
    """Classify populations into size classes (see :class:`SizeClasses`)."""
    return classes.classify(population)
