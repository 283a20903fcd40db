"""Survey rounds: metadata, the codebook and the respondents joined to the registers.

A round lives in ``data/rounds/<round>/`` with

- ``round.yaml``: frame sizes, register year, size-class rule, response files,
  and whether the response data is reconstructed;
- ``codebook.yaml``: the questionnaire (see :mod:`samanalyse.codebook`);
- ``respondents.csv``: who answered (``form``, ``respondent``, as printed);
- ``responses_*.csv``: respondent-level answers (for 2010: reconstructed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from samanalyse.survey.paths import data_dir, round_dir
from samanalyse.survey.codebook import Codebook, read_codebook
from samanalyse.errors import Problem, RegisterError, SamanalyseError
from samanalyse.survey.registers import SizeClasses, helseforetak, kommuner

__all__ = ["Round", "load_round", "available_rounds", "respondents", "ROUND_SCHEMA"]

ROUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["round", "codebook", "respondents", "register_year", "frame", "size_classes"],
    "properties": {
        "round": {"type": "string"},
        "title": {"type": "string"},
        "fielded": {"type": "string"},
        "codebook": {"type": "string"},
        "respondents": {"type": "string"},
        "register_year": {"type": "integer"},
        "frame": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
        "size_classes": {
            "type": "object",
            "additionalProperties": False,
            "required": ["population_column", "classes"],
            "properties": {
                "population_column": {"type": "string"},
                "reference_date": {"type": "string"},
                "classes": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["label"],
                        "properties": {"label": {"type": "string"}, "max": {"type": "integer"}},
                    },
                },
                "overrides": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["size_class", "reason"],
                        "properties": {"size_class": {"type": "string"}, "reason": {"type": "string"}},
                    },
                },
            },
        },
        "responses": {"type": "object", "additionalProperties": {"type": "string"}},
        "reconstructed": {"type": "boolean"},
        "reconstruction_note": {"type": "string"},
    },
}


@dataclass(frozen=True)
class Round:
    """One survey round (metadata from ``round.yaml``)."""

    name: str
    path: Path
    meta: dict[str, Any] = field(repr=False)

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.name))

    @property
    def register_year(self) -> int:
        return int(self.meta["register_year"])

    @property
    def frame(self) -> dict[str, int]:
        """Number of units asked per form, e.g. ``{"kommune": 430, "helseforetak": 22}``."""
        return dict(self.meta["frame"])

    @property
    def reconstructed(self) -> bool:
        """True if the round's response files are a reconstruction, not the original data."""
        return bool(self.meta.get("reconstructed", False))

    @property
    def reconstruction_note(self) -> str:
        return str(self.meta.get("reconstruction_note", ""))

    @property
    def size_classes(self) -> SizeClasses:
        classes = self.meta["size_classes"]["classes"]
        return SizeClasses(tuple(c["label"] for c in classes), tuple(c["max"] for c in classes[:-1]))

    @property
    def population_column(self) -> str:
        return str(self.meta["size_classes"]["population_column"])

    @cached_property
    def codebook(self) -> Codebook:
        return read_codebook(self.path / self.meta["codebook"])

    def responses_path(self, form: str) -> Path:
        """Path of the respondent-level response file of ``form``."""
        files = self.meta.get("responses", {})
        if form not in files:
            raise SamanalyseError(
                f"Round {self.name} lists no response file for form {form!r} in {self.path / 'round.yaml'}; "
                f"it lists: {', '.join(files) or 'none'}."
            )
        return self.path / files[form]

    def respondents(self, form: str | None = None) -> pd.DataFrame:
        """Respondents joined to the registers; see :func:`respondents`."""
        return respondents(self.name, form)


def available_rounds() -> list[str]:
    """Names of the rounds shipped with the package."""
    return sorted(p.name for p in (data_dir() / "rounds").iterdir() if (p / "round.yaml").exists())


def load_round(round: str = "2010") -> Round:
    """Load a round's metadata, checking ``round.yaml`` against :data:`ROUND_SCHEMA`."""
    path = round_dir(round)
    file = path / "round.yaml"
    meta = yaml.safe_load(file.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(ROUND_SCHEMA).iter_errors(meta), key=str)
    if errors:
        problems = [Problem(str(file), ".".join(map(str, e.absolute_path)) or "(top level)", e.message) for e in errors]
        raise SamanalyseError("\n".join([f"{file} is malformed:", *("  - " + str(p) for p in problems)]))
    return Round(name=str(meta["round"]), path=path, meta=meta)


def respondents(round: str = "2010", form: str | None = None) -> pd.DataFrame:
    """The respondents of a round, joined to the registers of its year.

    Parameters
    ----------
    round : str
        Round name, e.g. ``"2010"``.
    form : {"kommune", "helseforetak"} or None
        Only this form; ``None`` gives both.

    Returns
    -------
    pandas.DataFrame
        One row per respondent with fixed columns ``form, respondent, navn,
        rhf, fylke, population, size_class, sentralitet, sentralitet_kilde,
        er_kommune`` (register columns are empty for helseforetak where they do
        not apply). ``population`` is the round's size-reference population
        (2010: 1 January 2009) and ``size_class`` the study's class, with any
        override from ``round.yaml`` applied (2010: Spitsbergen = small).

    Raises
    ------
    RegisterError
        If a respondent is not in the register, naming every one missing.
    """
    rnd = load_round(round)
    file = rnd.path / rnd.meta["respondents"]
    raw = pd.read_csv(file, dtype=str, keep_default_na=False)
    if form is not None:
        if form not in rnd.frame:
            raise ValueError(f"Unknown form {form!r}; round {round} has forms {', '.join(rnd.frame)}.")
        raw = raw[raw["form"] == form]
    reg_k = kommuner(rnd.register_year, include_svalbard=True)
    reg_h = helseforetak(rnd.register_year)
    missing = []
    rows = []
    size = rnd.meta["size_classes"]
    overrides = size.get("overrides", {})
    popcol = size["population_column"]
    for i, r in enumerate(raw.itertuples(index=False), start=2):
        if r.form == "kommune":
            knr = r.respondent.zfill(4)
            if knr not in reg_k.index:
                missing.append(f"{file}, row {i}: kommunenummer {r.respondent!r} ({r.name_printed})")
                continue
            k = reg_k.loc[knr]
            rows.append(
                {
                    "form": "kommune",
                    "respondent": knr,
                    "navn": k["navn"],
                    "rhf": k["rhf"],
                    "fylke": k["fylke"],
                    "population": k[popcol],
                    "sentralitet": k["sentralitet"],
                    "sentralitet_kilde": k["sentralitet_kilde"],
                    "er_kommune": bool(k["er_kommune"]),
                }
            )
        elif r.form == "helseforetak":
            if r.respondent not in reg_h.index:
                missing.append(f"{file}, row {i}: helseforetak {r.respondent!r}")
                continue
            rows.append(
                {
                    "form": "helseforetak",
                    "respondent": r.respondent,
                    "navn": r.respondent,
                    "rhf": reg_h.at[r.respondent, "rhf"],
                    "fylke": "",
                    "population": pd.NA,
                    "sentralitet": pd.NA,
                    "sentralitet_kilde": "",
                    "er_kommune": False,
                }
            )
        else:
            missing.append(f"{file}, row {i}: form {r.form!r} (allowed: {', '.join(rnd.frame)})")
    if missing:
        raise RegisterError(
            f"{len(missing)} respondent(s) of round {round} are not in the {rnd.register_year} registers:\n  - "
            + "\n  - ".join(missing)
        )
    cols = ["form", "respondent", "navn", "rhf", "fylke", "population", "size_class", "sentralitet",
            "sentralitet_kilde", "er_kommune"]
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["population"] = out["population"].astype("Int64")
    out["sentralitet"] = out["sentralitet"].astype("Int64")
    sc = rnd.size_classes.classify(out["population"])
    sc = sc.astype(object)
    for knr, ov in overrides.items():
        sc[out["respondent"] == knr] = ov["size_class"]
    sc[out["form"] != "kommune"] = None
    out["size_class"] = pd.Categorical(sc, categories=list(rnd.size_classes.labels), ordered=True)
    return out[cols].reset_index(drop=True)
