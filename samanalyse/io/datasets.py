"""Dataset registry: a round's respondent-level data, ready for analysis.

``load_round_data("2010")`` reads both forms' response files through the
loaders (validated against the codebook), joins each respondent's background
variables from the registers (RHF, size class, sentralitet, population) and
returns one DataFrame. Who answered comes from the round's ``respondents.csv``
when it has one, else from the response files themselves (their respondent
column, joined to the registers by :func:`~samanalyse.survey.rounds.join_registers`).
For 2010 that data is **reconstructed** (see
``data/rounds/2010/README.md``); :func:`describe` says so for every round.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from samanalyse.errors import SamanalyseError
from samanalyse.io.read import load_responses
from samanalyse.survey.registers import register_files
from samanalyse.survey.rounds import Round, join_registers, load_round, respondents

__all__ = ["BACKGROUND_COLUMNS", "describe", "load_round_data", "round_respondents", "respondent_cache",
           "adopt_respondent_cache"]

#: Background columns joined to every respondent.
BACKGROUND_COLUMNS = ("navn", "rhf", "size_class", "sentralitet", "population")


def _who(rnd: Round, form: str, responses: pd.DataFrame, source: str) -> pd.DataFrame:
    if rnd.file("respondents", "respondents.csv").is_file():
        # the list joined to the registers once for every form (as round_respondents does); a list that
        # cannot be joined, or an unknown form, is read for the form alone to report its own problems
        try:
            every = _cached(_cache_key(rnd, None), lambda: respondents(rnd))
        except SamanalyseError:
            every = None
        if every is None or form not in rnd.codebook.forms:
            return respondents(rnd, form)
        return every[every["form"] == form].reset_index(drop=True)
    ids = pd.DataFrame({"form": form, "respondent": responses["respondent"].astype(object)})
    unit = rnd.codebook.forms[form].unit
    if unit is not None:   # a person form: the kommune each person belongs to
        ids["kommune"] = responses[unit].astype(object).to_numpy()
    return join_registers(rnd, ids, source=source)


def _has_persons(rnd: Round) -> bool:
    return any(f.unit is not None for f in rnd.codebook.forms.values())


_CACHE: dict[tuple, pd.DataFrame] = {}


def _cache_key(rnd: Round, form: str | None) -> tuple | None:
    """A key that changes when any file the respondents of ``form`` come from changes (None: do not cache).

    The files: the respondents list or the form's export (and its mapping), round.yaml, the codebook and
    the registers of the round's year.
    """
    listed = rnd.file("respondents", "respondents.csv")
    try:
        files = [listed] if listed.is_file() else [rnd.responses_path(str(form))]
        mapping = (rnd.meta.get("mappings") or {}).get(form) if not listed.is_file() else None
        files += ([rnd.path / mapping] if mapping else []) + [rnd.path / "round.yaml",
                                                              rnd.file("codebook", "codebook.yaml")]
        files += register_files(rnd.register_year)
        meta = repr(sorted((k, repr(v)) for k, v in rnd.meta.items()))   # a Round built with other settings
        return (str(rnd.path.resolve()), form if not listed.is_file() else None, meta,
                *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    except (OSError, SamanalyseError):
        return None


def _cached(key: tuple | None, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    if key is None:
        return make()
    if key not in _CACHE:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = make()
    return _CACHE[key].copy()


def respondent_cache() -> dict[tuple, pd.DataFrame]:
    """The respondents read so far in this process (a copy), by the version of the files they come from.

    For a process that loaded a round's data on behalf of another (the report's first steps run in a
    forked child, issue 17): given to :func:`adopt_respondent_cache` there, the other process does not
    read the exports again (nor warn again about what it fixed in them).
    """
    return dict(_CACHE)


def adopt_respondent_cache(cache: dict[tuple, pd.DataFrame]) -> None:
    """Take over respondents another process read (:func:`respondent_cache`); a key stays valid only for
    the same versions of the same files, so an entry read from other files is never used."""
    _CACHE.update(cache)


def _from_export(rnd: Round, form: str) -> pd.DataFrame:
    resp = load_responses(rnd, form)
    return _who(rnd, form, resp.data, resp.provenance.path if resp.provenance else "")


def round_respondents(round: Round | str | Path, form: str | None = None) -> pd.DataFrame:
    """Who answered ``round`` (all forms, or ``form``), joined to the registers.

    From the round's ``respondents.csv`` when it has one (:func:`~samanalyse.survey.rounds.respondents`),
    else from the respondent column of its recorded exports. Columns as
    :data:`~samanalyse.survey.rounds.RESPONDENT_COLUMNS`. Read once per version of the files it comes
    from (a copy is returned).
    """
    rnd = load_round(round)
    if rnd.file("respondents", "respondents.csv").is_file():
        if form is not None and form not in rnd.codebook.forms:
            raise SamanalyseError(f"Unknown form {form!r}; round {rnd.name} has forms {', '.join(rnd.codebook.forms)}.")
        every = _cached(_cache_key(rnd, None), lambda: respondents(rnd))
        return every if form is None else every[every["form"] == form].reset_index(drop=True)
    forms = [form] if form is not None else list(rnd.meta.get("responses", {}))
    parts = [_cached(_cache_key(rnd, f), lambda f=f: _from_export(rnd, f)) for f in forms]
    if not parts:
        return join_registers(rnd, pd.DataFrame(columns=["form", "respondent"]))
    return pd.concat(parts, ignore_index=True)


def load_round_data(round: Round | str | Path, forms: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per respondent of ``round``: ``form``, ``respondent``, background, items.

    Parameters
    ----------
    round : Round, str or Path
        A :class:`~samanalyse.survey.rounds.Round`, a shipped round's name
        (:func:`~samanalyse.survey.rounds.available_rounds`) or a round folder;
        resolved once.
    forms : tuple of str, optional
        Only these forms (default: all of the round's response files).

    Returns
    -------
    DataFrame
        Columns ``form, respondent, navn, rhf, size_class, sentralitet,
        population`` (and ``kommune``, each person's kommunenummer, when the round has a person
        form), and then every item of the codebook (categorical labels;
        items not on a respondent's form are NA). ``attrs["reconstructed"]``
        tells whether the answers are a reconstruction.
    """
    rnd = load_round(round)
    forms = forms or tuple(rnd.meta.get("responses", {}))
    persons = _has_persons(rnd)
    parts = []
    for form in forms:
        resp = load_responses(rnd, form)
        d = resp.data.copy()
        who = _who(rnd, form, d, resp.provenance.path if resp.provenance else "")
        if not rnd.file("respondents", "respondents.csv").is_file():   # round_respondents need not read it again
            _cached(_cache_key(rnd, form), lambda: who)
        bg = who.set_index("respondent")[list(BACKGROUND_COLUMNS) + (["kommune"] if persons else [])]
        if persons and "kommune" in d.columns:
            d = d.drop(columns="kommune")
        d.insert(0, "form", form)
        d = d.join(bg, on="respondent")
        parts.append(d)
    out = pd.concat(parts, ignore_index=True)
    for it in rnd.codebook.item_list:
        if it.id in out.columns and it.scale is not None:
            out[it.id] = out[it.id].astype(it.scale.dtype())
    size_labels = list(rnd.size_classes.labels)
    out["size_class"] = pd.Categorical(out["size_class"].astype(object), categories=size_labels, ordered=True)
    lead = ["form", "respondent", *BACKGROUND_COLUMNS] + (["kommune"] if persons else [])
    out = out[lead + [c for c in out.columns if c not in lead]]
    out.attrs["round"] = rnd.name
    out.attrs["reconstructed"] = rnd.reconstructed
    return out


def describe(round: Round | str | Path) -> str:
    """A short, honest description of a round's data for reports and notebooks.

    Parameters
    ----------
    round : Round, str or Path
        The round (resolved once).
    """
    rnd = load_round(round)
    text = f"{rnd.title}. Frame: " + ", ".join(f"{n} {f}" for f, n in rnd.frame.items()) + "."
    if rnd.reconstructed:
        text += " RECONSTRUCTED respondent data, not the original survey responses: " + rnd.reconstruction_note
    return text
