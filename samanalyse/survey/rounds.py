"""Survey rounds: a folder with the round's metadata, questionnaire, tables and plan.

A round is a folder (shipped in ``data/rounds/<name>/`` or anywhere) with

- ``round.yaml``: frame sizes, register year, size-class rule, response files,
  whether the response data is reconstructed, and where its published numbers are;
- ``codebook.yaml``: the questionnaire (see :mod:`samanalyse.survey.codebook`);
- ``tables.yaml``: the table catalogue (:mod:`samanalyse.survey.catalogue`);
- ``plan.yaml``: the analysis plan (:mod:`samanalyse.survey.plan`);
- ``respondents.csv``: who answered (``form``, ``respondent``, as printed);
- ``responses_*.csv``: respondent-level answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.errors import PlanError, Problem, RegisterError, RoundError, RoundNotFoundError, SamanalyseError
from samanalyse.survey.catalogue import Catalogue, read_catalogue
from samanalyse.survey.codebook import Codebook, read_codebook
from samanalyse.survey.disclosure import DISCLOSURE_SCHEMA, DisclosureRules, disclosure_rules
from samanalyse.survey.paths import data_dir
from samanalyse.survey.person_frame import PERSON_COUNT, frame_count as _frame_count, join_persons, read_person_frame
from samanalyse.survey.plan import AnalysisPlan, read_plan
from samanalyse.survey.yamlfile import read_yaml
from samanalyse.survey.registers import (
    SizeClasses,
    check_columns,
    helseforetak,
    helseforetak_frame,
    kommuner,
    ordinal_columns,
)

__all__ = ["Round", "load_round", "load_codebook", "available_rounds", "respondents", "join_registers",
           "RESPONDENT_COLUMNS", "ROUND_SCHEMA"]

ROUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["round", "codebook", "register_year", "size_classes"],
    "properties": {
        "round": {"type": "string"},
        "title": {"type": "string"},
        "fielded": {"type": "string"},
        "codebook": {"type": "string"},
        "respondents": {"type": "string"},
        "register_year": {"type": "integer"},
        "frame": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
        # the frame of a person form: persons per unit (kommune), from a CSV in the round's folder (issue 15)
        "person_frames": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["file"],
                "properties": {"file": {"type": "string"}, "count": {"type": "string"}},
            },
        },
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
        "tables": {"type": "string"},
        "plan": {"type": "string"},
        "published": {"type": "string"},
        "notes": {"type": "object", "additionalProperties": {"type": "string"}},
        "register_columns": {"type": "object", "additionalProperties": {"type": "string"}},
        "mappings": {"type": "object", "additionalProperties": {"type": "string"}},
        "reconstructed": {"type": "boolean"},
        "reconstruction_note": {"type": "string"},
        # nonresponse weights (issue 15; samanalyse.analysis.weights)
        "weights": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "method": {"enum": ["none", "poststratify", "raking", "linear", "logit"]},
                "margins": {"type": "object",
                            "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
                "bounds": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
                "trim": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
                # the design's strata per form: a respondent column (e.g. rhf), for the variances
                "strata": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "disclosure": DISCLOSURE_SCHEMA,
    },
}


@dataclass(frozen=True)
class Round:
    """One survey round: a folder with ``round.yaml``, its codebook, table catalogue and analysis plan.

    Build it with :func:`load_round` from a shipped round's name or a folder
    path; everything else takes the ``Round`` (resolved once, at the edge).
    """

    name: str
    path: Path
    meta: dict[str, Any] = field(repr=False)

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.name))

    @property
    def register_year(self) -> int:
        return int(self.meta["register_year"])

    def frame_units(self, form: str) -> pd.DataFrame:
        """The units asked on ``form``: the register's kommuner or helseforetak in the frame.

        Kommuner: every kommune of the register year (rows marked not a kommune left out).
        Helseforetak: those the register marks as in the frame (``registers.yaml``'s ``in_frame``,
        e.g. the trusts with a catchment area), else all.
        Persons (a person form with ``unit: kommune``): the kommuner of ``person_frames`` in
        ``round.yaml`` with a column ``frame_size``, the persons of the frame in each
        (:func:`~samanalyse.survey.person_frame.read_person_frame`).
        """
        _check_form(self, form)
        kind = self.codebook.forms[form].respondent
        if kind == "kommune":
            return kommuner(self.register_year)
        if kind == "person":
            return self.person_frame(form)
        return helseforetak_frame(self.register_year)

    def person_frame(self, form: str) -> pd.DataFrame:
        """The kommuner of a person form's frame with ``frame_size`` (persons per kommune).

        Raises
        ------
        RoundError
            If ``round.yaml`` gives no ``person_frames`` for ``form``, or its file is bad (row and column named).
        """
        spec = (self.meta.get("person_frames") or {}).get(form)
        if spec is None:
            raise RoundError([Problem(str(self.path / "round.yaml"), f"person_frames.{form}",
                                      f"the persons of form {form!r} have no frame per kommune",
                                      f"person_frames: {{{form}: {{file: <csv with kommune,{PERSON_COUNT}>}}}}")])
        return read_person_frame(self.path / spec["file"], self.register_year, spec.get("count", PERSON_COUNT))

    def has_frame_units(self, form: str) -> bool:
        """True if the frame of ``form`` lists its units: always, but for a person form given only as a total."""
        f = self.codebook.forms[form]
        return f.respondent != "person" or form in (self.meta.get("person_frames") or {})

    @cached_property
    def frame(self) -> dict[str, int]:
        """Number of units asked per form (the ``frame_size`` of each form).

        From the register (:meth:`frame_units`) unless ``round.yaml`` gives ``frame``; when it does, the
        two must agree.

        Raises
        ------
        RoundError
            If ``round.yaml``'s frame names an unknown form or disagrees with the register.
        """
        counted = {f: _frame_count(self.frame_units(f)) for f in self.codebook.forms if self.has_frame_units(f)}
        declared = self.meta.get("frame")
        if not declared:
            return counted
        person_totals = {f for f in declared if f in self.codebook.forms and not self.has_frame_units(f)}
        counted.update({f: declared[f] for f in person_totals})   # a person form's total, without counts per kommune
        file = str(self.path / "round.yaml")
        problems = []
        for f, n in declared.items():
            if f not in counted:
                problems.append(Problem(file, f"frame.{f}", f"unknown form {f!r}", ", ".join(counted)))
            elif n != counted[f]:
                problems.append(Problem(file, f"frame.{f}", f"says {n}, but the {self.register_year} register has "
                                        f"{counted[f]} units for form {f!r}",
                                        f"{counted[f]}, or leave frame out to take the register's"))
        if problems:
            raise RoundError(problems)
        return {**counted, **declared}

    def frame_by(self, form: str, by: str) -> pd.Series:
        """Units of the frame of ``form`` per group of ``by`` (``"rhf"``, ``"size_class"`` or a register column).

        For a person form: the persons of the frame per group of their kommune.
        """
        units = self.frame_units(form)
        if by == "size_class":
            check_columns(units, [self.population_column], units.attrs.get("file", ""), "the round's size classes")
            col = self.size_classes.classify(units[self.population_column])
            for knr, ov in (self.meta["size_classes"].get("overrides") or {}).items():
                if knr in units.index:
                    col[units.index == knr] = ov["size_class"]
        else:
            check_columns(units, [by], units.attrs.get("file", ""), f"the frame by {by}")
            col = units[by]
        if "frame_size" in units.columns:   # persons per kommune
            return units["frame_size"].groupby(col.to_numpy()).sum().sort_index().astype(int).rename("frame_size")
        return col.value_counts(sort=False).sort_index().rename("frame_size")

    @property
    def forms(self) -> list[str]:
        """The round's forms (the codebook's), in order."""
        return list(self.codebook.forms)

    @property
    def reconstructed(self) -> bool:
        """True if the round's response files are a reconstruction, not the original data."""
        return bool(self.meta.get("reconstructed", False))

    @property
    def reconstruction_note(self) -> str:
        return str(self.meta.get("reconstruction_note", ""))

    @property
    def disclosure(self) -> DisclosureRules | None:
        """The round's disclosure rules (``disclosure:`` in ``round.yaml``), or ``None`` if it has none."""
        return disclosure_rules(self.meta.get("disclosure"))

    @property
    def notes(self) -> dict[str, str]:
        """Round-specific sentences for the report (``notes`` in ``round.yaml``), by section."""
        return dict(self.meta.get("notes") or {})

    @property
    def size_classes(self) -> SizeClasses:
        classes = self.meta["size_classes"]["classes"]
        return SizeClasses(tuple(c["label"] for c in classes), tuple(c["max"] for c in classes[:-1]))

    @property
    def population_column(self) -> str:
        return str(self.meta["size_classes"]["population_column"])

    @property
    def size_reference_date(self) -> str:
        """The date of the population that size classes use (ISO), or ``""``."""
        return str(self.meta["size_classes"].get("reference_date", ""))

    def file(self, key: str, default: str) -> Path:
        """Path of one of the round's files named in ``round.yaml`` (``key``), else ``default``."""
        return self.path / str(self.meta.get(key, default))

    @cached_property
    def codebook(self) -> Codebook:
        return read_codebook(self.file("codebook", "codebook.yaml"))

    @cached_property
    def catalogue(self) -> Catalogue:
        """The table catalogue (``tables.yaml``), checked against the codebook."""
        return read_catalogue(self.file("tables", "tables.yaml"), self.codebook, round=self.name)

    @property
    def register_columns(self) -> dict[str, str]:
        """Background name -> register column (``register_columns`` in ``round.yaml``; default the same name)."""
        return dict(self.meta.get("register_columns") or {})

    def register_column(self, name: str) -> str:
        """The register column that background variable ``name`` is read from."""
        return self.register_columns.get(name, name)

    @cached_property
    def plan(self) -> AnalysisPlan:
        """The analysis plan (``plan.yaml``), checked against the codebook and catalogue.

        The direction of each background variable comes from the plan, or else from the register's
        declaration of its column (``registers.yaml``); a plan that contradicts the register is an error.
        """
        plan = read_plan(self.file("plan", "plan.yaml"), self.codebook, self.catalogue)
        declared = ordinal_columns(self.register_year)
        background = {}
        for name, bg in plan.background.items():
            reg = declared.get(self.register_column(name))
            if reg is not None and bg.source == "plan" and bg.higher_is_more != reg.higher_is_more:
                raise PlanError([Problem(
                    plan.source, f"background.{name}.higher_is_more",
                    f"says {str(bg.higher_is_more).lower()}, but the {self.register_year} register declares column "
                    f"{reg.column!r} with higher_is_more: {str(reg.higher_is_more).lower()} ({reg.source})",
                    f"{str(reg.higher_is_more).lower()}, or leave it out to take the register's")])
            if reg is not None and bg.source != "plan":
                bg = replace(bg, higher_is_more=reg.higher_is_more, concept=bg.concept or reg.concept, source="register")
            background[name] = bg
        return replace(plan, background=background)

    @property
    def published_dir(self) -> Path | None:
        """The folder with the round's published numbers (``published`` in ``round.yaml``), or None."""
        if "published" not in self.meta:
            return None
        return (self.path / str(self.meta["published"])).resolve()

    @property
    def has_published(self) -> bool:
        """True if the round has published numbers to compare with (a reproduction)."""
        d = self.published_dir
        return d is not None and (d / "cells.csv").exists()

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
        return respondents(self, form)


def available_rounds() -> list[str]:
    """Names of the rounds shipped with the package."""
    return sorted(p.name for p in (data_dir() / "rounds").iterdir() if (p / "round.yaml").exists())


def _round_folder(round: str | Path) -> Path:
    """The folder of a round given by name (shipped) or path."""
    text = str(round)
    candidate = Path(text).expanduser()
    if isinstance(round, Path) or "/" in text or "\\" in text or text.startswith("."):
        if (candidate / "round.yaml").is_file():
            return candidate
        why = "does not exist" if not candidate.exists() else (
            "is not a folder" if not candidate.is_dir() else "has no round.yaml")
        raise RoundNotFoundError(
            f"The round folder {candidate} {why}. A round folder holds round.yaml, codebook.yaml, "
            f"tables.yaml and plan.yaml; shipped rounds: {', '.join(available_rounds())}."
        )
    shipped = data_dir() / "rounds" / text
    if (shipped / "round.yaml").is_file():
        return shipped
    if (candidate / "round.yaml").is_file():
        return candidate
    raise RoundNotFoundError(
        f"No survey round {text!r}: it is neither a shipped round ({', '.join(available_rounds())}) nor a folder "
        "with a round.yaml. Give a shipped round's name or the path of a round folder; to start a new round, "
        f"run: samanalyse init DIR --from {available_rounds()[0] if available_rounds() else 'ROUND'}"
    )


def load_round(round: str | Path | Round) -> Round:
    """Resolve a round: a :class:`Round`, a shipped round's name, or a folder path.

    ``round.yaml`` is checked against :data:`ROUND_SCHEMA` (every problem at once).

    Raises
    ------
    RoundNotFoundError
        If there is no such round.
    RoundError
        If ``round.yaml`` is unreadable or malformed.
    """
    if isinstance(round, Round):
        return round
    path = _round_folder(round)
    meta, _ = read_yaml(path / "round.yaml", ROUND_SCHEMA, RoundError)
    return Round(name=str(meta["round"]), path=path, meta=meta)


_RESPONDENT_COLUMNS = ("form", "respondent", "name_printed")


def _read_respondents(file: Path) -> pd.DataFrame:
    """Read a round's respondents list, with clear errors for a missing file or column."""
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise RoundNotFoundError(f"The round's respondents file {file} does not exist.") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SamanalyseError(f"The respondents file {file} cannot be read: {exc}.") from None
    missing = [c for c in _RESPONDENT_COLUMNS if c not in raw.columns]
    if missing:
        raise SamanalyseError(
            f"The respondents file {file} has no column(s) {', '.join(map(repr, missing))}; "
            f"it needs {', '.join(_RESPONDENT_COLUMNS)} and has {', '.join(raw.columns)}."
        )
    return raw


def load_codebook(round: str | Path | Round) -> Codebook:
    """The codebook of a round (a shipped round's name, a folder path, or a :class:`Round`)."""
    return load_round(round).codebook


def respondents(round: str | Path | Round, form: str | None = None) -> pd.DataFrame:
    """The respondents of a round (its ``respondents.csv``), joined to the registers of its year.

    Parameters
    ----------
    round : Round, str or Path
        The round (see :func:`load_round`).
    form : str or None
        Only this form; ``None`` gives all.

    Returns
    -------
    pandas.DataFrame
        See :func:`join_registers`.

    Raises
    ------
    RegisterError
        If a respondent is not in the register, naming every one missing.
    """
    rnd = load_round(round)
    file = rnd.file("respondents", "respondents.csv")
    raw = _read_respondents(file)
    if form is not None:
        _check_form(rnd, form)
        raw = raw[raw["form"] == form]
    return join_registers(rnd, raw, source=str(file))


RESPONDENT_COLUMNS = ["form", "respondent", "navn", "rhf", "fylke", "population", "size_class", "sentralitet",
                      "sentralitet_kilde", "er_kommune", "kommune"]


def _check_form(rnd: Round, form: str) -> None:
    if form not in rnd.codebook.forms:
        raise SamanalyseError(f"Unknown form {form!r}; round {rnd.name} has forms {', '.join(rnd.codebook.forms)}.")


def join_registers(rnd: Round, ids: pd.DataFrame, *, source: str = "") -> pd.DataFrame:
    """Join respondents (columns ``form``, ``respondent``) to the registers of the round's year.

    Parameters
    ----------
    rnd : Round
    ids : pandas.DataFrame
        One row per respondent: ``form`` and ``respondent`` (kommunenummer of the register year for
        kommune forms, the register name for helseforetak forms); ``name_printed`` is used in messages.
    source : str
        Where the ids come from (named in messages, with 1-based rows counting the header as 1).

    Returns
    -------
    pandas.DataFrame
        Fixed columns :data:`RESPONDENT_COLUMNS` (register columns empty where a form has none).
        ``population`` is the round's size-reference population (``size_classes.population_column``)
        and ``size_class`` the round's class, with any override from ``round.yaml`` applied;
        ``sentralitet`` is the register column named by ``register_columns`` (default ``sentralitet``);
        ``kommune`` the respondent's kommunenummer (a person's: the ``kommune`` column of ``ids``,
        joined to the kommune register through it, vectorised; empty for helseforetak).
    """
    reg_k = kommuner(rnd.register_year, include_svalbard=True)
    reg_h = helseforetak(rnd.register_year)
    size = rnd.meta["size_classes"]
    popcol = size["population_column"]
    reg_file = reg_k.attrs.get("file", f"kommuner_{rnd.register_year}.csv")
    check_columns(reg_k, [popcol], reg_file, f"size_classes.population_column in {rnd.path / 'round.yaml'}")
    sentcol = rnd.register_column("sentralitet")
    check_columns(reg_k, [sentcol], reg_file, "the respondents' background variable sentralitet"
                  + (" (register_columns in round.yaml)" if sentcol != "sentralitet" else ""))
    kinds = {name: f.respondent for name, f in rnd.codebook.forms.items()}
    person = ids["form"].map(kinds).eq("person").to_numpy(bool) if len(ids) else np.zeros(0, bool)
    rows, missing = _join_units(ids, np.flatnonzero(~person), kinds, reg_k, reg_h, popcol, sentcol, source)
    parts = [pd.DataFrame(rows)] if rows else []
    if person.any():
        if "kommune" not in ids.columns:
            raise RegisterError(f"{source}: the persons of round {rnd.name} have no kommune column (the unit of a "
                                "person form); give each person's kommunenummer")
        joined, bad = join_persons(ids[person], np.flatnonzero(person) + 2, reg_k, popcol, sentcol, source)
        parts.append(joined)
        missing += bad
    if missing:
        raise RegisterError(
            f"{len(missing)} respondent(s) of round {rnd.name} are not in the {rnd.register_year} registers:\n  - "
            + "\n  - ".join(missing)
        )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else pd.DataFrame())
    if len(parts) > 1:
        out = out.sort_values("_pos", kind="stable").reset_index(drop=True)
    return _classify(rnd, out)


def _join_units(ids: pd.DataFrame, positions: np.ndarray, kinds: dict[str, str], reg_k: pd.DataFrame,
                reg_h: pd.DataFrame, popcol: str, sentcol: str, source: str) -> tuple[list[dict], list[str]]:
    """The register rows of kommune and helseforetak respondents (rows ``positions`` of ``ids``)."""
    missing, rows = [], []
    records = ids.iloc[positions].to_dict("records")
    kilde = f"{sentcol}_kilde"
    reg = {c: reg_k[c].to_dict() for c in ("navn", "rhf", "fylke", popcol, sentcol, "er_kommune",
                                           *([kilde] if kilde in reg_k.columns else []))}
    hf_rhf = reg_h["rhf"].to_dict()
    for pos, r in zip(positions, records):
        i = int(pos) + 2
        kind = kinds.get(r["form"])
        printed = r.get("name_printed", "")
        if kind == "kommune":
            knr = str(r["respondent"]).zfill(4)
            if knr not in reg["navn"]:
                missing.append(f"{source}, row {i}: kommunenummer {r['respondent']!r}" + (f" ({printed})" if printed else ""))
                continue
            rows.append({"form": r["form"], "respondent": knr, "navn": reg["navn"][knr], "rhf": reg["rhf"][knr],
                         "fylke": reg["fylke"][knr], "population": reg[popcol][knr], "sentralitet": reg[sentcol][knr],
                         "sentralitet_kilde": reg[kilde][knr] if kilde in reg else "",
                         "er_kommune": bool(reg["er_kommune"][knr]), "kommune": knr, "_pos": int(pos)})
        elif kind == "helseforetak":
            if r["respondent"] not in hf_rhf:
                missing.append(f"{source}, row {i}: helseforetak {r['respondent']!r}")
                continue
            rows.append({"form": r["form"], "respondent": r["respondent"], "navn": r["respondent"],
                         "rhf": hf_rhf[r["respondent"]], "fylke": "", "population": pd.NA,
                         "sentralitet": pd.NA, "sentralitet_kilde": "", "er_kommune": False, "kommune": "",
                         "_pos": int(pos)})
        else:
            missing.append(f"{source}, row {i}: form {r['form']!r} (allowed: {', '.join(kinds)})")
    return rows, missing


def _classify(rnd: Round, out: pd.DataFrame) -> pd.DataFrame:
    """Types and the size class of each kommune respondent (round.yaml's overrides applied)."""
    if out.empty:
        return pd.DataFrame(columns=RESPONDENT_COLUMNS)
    out["population"] = out["population"].astype("Int64")
    out["sentralitet"] = out["sentralitet"].astype("Int64")
    sc = rnd.size_classes.classify(out["population"]).astype(object)
    for knr, ov in (rnd.meta["size_classes"].get("overrides") or {}).items():
        sc[out["kommune"] == knr] = ov["size_class"]
    kinds = {name: f.respondent for name, f in rnd.codebook.forms.items()}
    sc[~out["form"].map(kinds).isin(["kommune", "person"]).to_numpy()] = None
    out["size_class"] = pd.Categorical(sc, categories=list(rnd.size_classes.labels), ordered=True)
    return out[RESPONDENT_COLUMNS].reset_index(drop=True)
