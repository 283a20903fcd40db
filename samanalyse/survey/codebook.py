"""Codebooks: the questionnaire of one survey round as data.

A codebook is a YAML file (format documented in ``docs/codebook.md``) that lists
the forms (kommune, helseforetak), the response scales with codes, labels and
collapse rules, the questions and their items, and the indices built from
items. Everything else in samanalyse (loaders, tables, indices, factor analysis)
is driven by it, so a new survey round needs a new codebook, not new code.

Examples
--------
>>> from samanalyse.codebook import load_codebook
>>> cb = load_codebook("2010")
>>> cb.item("q5a").scale.labels()[:2]
['Ikke gjennomført', 'Gjennomført med gode erfaringer']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from samanalyse.survey.codebook_schema import CODEBOOK_SCHEMA
from samanalyse.survey.yamlfile import key_path, read_yaml
from samanalyse.errors import CodebookError, NotFoundError, Problem

__all__ = [
    "Category",
    "Collapse",
    "Scale",
    "Item",
    "Index",
    "Form",
    "Codebook",
    "read_codebook",
    "CODEBOOK_SCHEMA",
]

MissingKind = Literal["dont_know", "not_asked"]

@dataclass(frozen=True)
class Category:
    """One answer category of a scale."""

    code: int
    label: str
    score: float | None = None
    missing: MissingKind | None = None
    aliases: tuple[str, ...] = ()

    @property
    def substantive(self) -> bool:
        """True for a real answer, False for *Vet ikke* and similar."""
        return self.missing is None


@dataclass(frozen=True)
class Collapse:
    """A rule that merges codes into groups (e.g. Svært + Nokså godt = Godt)."""

    name: str
    label: str
    groups: tuple[tuple[str, tuple[int, ...]], ...]

    def mapping(self) -> dict[int, str]:
        """Return ``{code: group label}``."""
        return {code: label for label, codes in self.groups for code in codes}

    def labels(self) -> list[str]:
        """Group labels in their defined order."""
        return [label for label, _ in self.groups]


@dataclass(frozen=True)
class Scale:
    """A response scale: ordered categories and collapse rules."""

    name: str
    label: str
    categories: tuple[Category, ...]
    collapses: tuple[Collapse, ...] = ()

    def labels(self, *, substantive_only: bool = False) -> list[str]:
        """Category labels in the codebook's order."""
        return [c.label for c in self.categories if c.substantive or not substantive_only]

    def codes(self, *, substantive_only: bool = False) -> list[int]:
        """Category codes in the codebook's order."""
        return [c.code for c in self.categories if c.substantive or not substantive_only]

    def category(self, code: int) -> Category:
        """Return the category with ``code``."""
        for c in self.categories:
            if c.code == code:
                return c
        raise NotFoundError(f"Scale {self.name!r} has no code {code}; codes are {self.codes()}.")

    def code_of(self, label: str) -> int:
        """Return the code of a label (exact, then case/whitespace-insensitive, then aliases)."""
        for c in self.categories:
            if c.label == label:
                return c.code
        key = " ".join(str(label).split()).casefold()
        for c in self.categories:
            names = (c.label, *c.aliases)
            if any(" ".join(n.split()).casefold() == key for n in names):
                return c.code
        raise NotFoundError(f"{label!r} is not a label of scale {self.name!r}; labels are {self.labels()}.")

    def collapse(self, name: str) -> Collapse:
        """Return the collapse rule called ``name``."""
        for c in self.collapses:
            if c.name == name:
                return c
        raise NotFoundError(
            f"Scale {self.name!r} has no collapse {name!r}; it has {[c.name for c in self.collapses]}."
        )

    def dtype(self) -> pd.CategoricalDtype:
        """Categorical dtype of the labels, in the codebook's order."""
        return pd.CategoricalDtype(self.labels(), ordered=False)

    def scores(self) -> dict[str, float]:
        """``{label: score}`` for categories that carry a numeric score."""
        return {c.label: c.score for c in self.categories if c.score is not None}


@dataclass(frozen=True)
class Item:
    """One answerable item (a column in respondent-level data)."""

    id: str
    text: str
    question: str
    type: Literal["closed", "text"]
    forms: tuple[str, ...]
    scale: Scale | None = None
    short: str = ""
    topic: str = ""
    challenge: str = ""
    virkemiddel: str = ""
    pathway: str = ""
    aliases: tuple[str, ...] = ()
    number_inferred: bool = False
    same_as: str = ""                 # "<round>:<item id>" of an earlier round ("" = the same id, if any)
    changed: tuple[str, ...] = ()     # what changed since then: "wording", "scale"
    change_note: str = ""             # why / how (codebook's changed.note)
    text_en: str = ""                 # optional English text and short label (reports in English)
    short_en: str = ""

    @property
    def label(self) -> str:
        """Short label for tables and figures (falls back to the full text)."""
        return self.short or self.text

    def on_form(self, form: str) -> bool:
        """True if the item was asked on ``form``."""
        return form in self.forms


@dataclass(frozen=True)
class Index:
    """A sum index over items with cut points (Tabell 56-57)."""

    name: str
    label: str
    items: tuple[str, ...]
    score_codes: tuple[int, ...]
    missing: Literal["zero", "require_all"]
    cuts: tuple[tuple[str, int, int], ...]
    source: str = ""

    @property
    def max_score(self) -> int:
        """Highest possible score (one point per item)."""
        return len(self.items)

    def cut_labels(self) -> list[str]:
        """Labels of the dichotomised (or banded) index."""
        return [label for label, _, _ in self.cuts]


@dataclass(frozen=True)
class Form:
    """A questionnaire form: its respondents are kommuner, helseforetak or persons.

    ``unit`` (persons only): the register unit each person belongs to, and the name of the
    export column holding it (``kommune``: a kommunenummer, checked against the round's register
    and joined to RHF, size class, fylke and centrality through it). None for other forms.
    """

    name: str
    label: str
    respondent: str
    unit: str | None = None


@dataclass(frozen=True)
class Codebook:
    """The questionnaire of one survey round.

    Build it with :func:`read_codebook` (a file) or :func:`load_codebook`
    (a round shipped with the package).
    """

    round: str
    title: str
    forms: dict[str, Form]
    scales: dict[str, Scale]
    item_list: tuple[Item, ...]
    indices: dict[str, Index]
    source: str = ""
    _by_id: dict[str, Item] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({it.id: it for it in self.item_list})

    # -- lookup --------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        """Return the item ``item_id`` (e.g. ``"q5a"``)."""
        try:
            return self._by_id[item_id]
        except KeyError:
            raise NotFoundError(
                f"No item {item_id!r} in the {self.round} codebook. "
                f"Items are: {', '.join(self._by_id)}."
            ) from None

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def items(
        self,
        form: str | None = None,
        *,
        type: Literal["closed", "text"] | None = None,
        topic: str | None = None,
        question: str | None = None,
        scale: str | None = None,
    ) -> list[Item]:
        """Items, optionally filtered by form, type, topic, question number or scale."""
        if form is not None:
            self._check_form(form)
        out = []
        for it in self.item_list:
            if form is not None and not it.on_form(form):
                continue
            if type is not None and it.type != type:
                continue
            if topic is not None and it.topic != topic:
                continue
            if question is not None and it.question != question:
                continue
            if scale is not None and (it.scale is None or it.scale.name != scale):
                continue
            out.append(it)
        return out

    def item_ids(self, form: str | None = None, **filters: Any) -> list[str]:
        """Ids of :meth:`items` with the same filters."""
        return [it.id for it in self.items(form, **filters)]

    def index(self, name: str) -> Index:
        """Return the index called ``name``."""
        try:
            return self.indices[name]
        except KeyError:
            raise NotFoundError(f"No index {name!r}; indices are {', '.join(self.indices)}.") from None

    def _check_form(self, form: str) -> None:
        if form not in self.forms:
            raise NotFoundError(f"Unknown form {form!r}; the {self.round} codebook has forms {', '.join(self.forms)}.")

    def to_frame(self) -> pd.DataFrame:
        """One row per item: id, question, type, scale, forms, topic, text, short, ...

        Columns are fixed: ``id, question, type, scale, forms, topic, challenge,
        virkemiddel, pathway, short, text``.
        """
        rows = [
            {
                "id": it.id,
                "question": it.question,
                "type": it.type,
                "scale": it.scale.name if it.scale else "",
                "forms": ",".join(it.forms),
                "topic": it.topic,
                "challenge": it.challenge,
                "virkemiddel": it.virkemiddel,
                "pathway": it.pathway,
                "short": it.short,
                "text": it.text,
            }
            for it in self.item_list
        ]
        return pd.DataFrame(rows, columns=list(rows[0]))


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def read_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook YAML file.

    Parameters
    ----------
    path : str or Path
        The codebook file.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Listing *every* problem found, each with the file, the key path
        (``questions[2].items[0].id``), the line, and what is allowed.
    FileNotFoundError
        If the file does not exist.
    """
    path = Path(path)
    raw, lines = read_yaml(path, CODEBOOK_SCHEMA, CodebookError)
    return _build(raw, str(path), lines)


class _Problems:
    """Problems found while building a codebook, each with its key path and line."""

    def __init__(self, file: str, lines: dict) -> None:
        self.file, self.lines, self.found = file, lines, []  # type: ignore[var-annotated]

    def __call__(self, path: tuple[Any, ...], message: str, allowed: str = "") -> None:
        self.found.append(Problem(self.file, key_path(path), message, allowed, self.lines.get(path)))


def _build(raw: dict[str, Any], file: str, lines: dict) -> Codebook:
    problem = _Problems(file, lines)
    forms = {
        name: Form(name=name, label=f["label"], respondent=f["respondent"], unit=f.get("unit"))
        for name, f in raw["forms"].items()
    }
    for name, f in raw["forms"].items():
        if f.get("unit") is not None and f["respondent"] != "person":
            problem(("forms", name, "unit"), f"a {f['respondent']} form has no unit column: only a person form "
                    "names the unit its respondents belong to", "leave unit out, or respondent: person")
    scales = _build_scales(raw, problem)
    items = _build_items(raw, forms, scales, problem)
    indices = _build_indices(raw, items, problem)
    if problem.found:
        raise CodebookError(problem.found)
    return Codebook(
        round=raw["round"],
        title=raw.get("title", ""),
        forms=forms,
        scales=scales,
        item_list=tuple(items),
        indices=indices,
        source=file,
    )


def _build_scales(raw: dict[str, Any], problem: _Problems) -> dict[str, Scale]:
    scales: dict[str, Scale] = {}
    for sname, s in raw["scales"].items():
        cats = []
        seen_codes: set[int] = set()
        seen_labels: set[str] = set()
        for i, c in enumerate(s["categories"]):
            p = ("scales", sname, "categories", i)
            if c["code"] in seen_codes:
                problem(p + ("code",), f"code {c['code']} appears twice in scale {sname!r}", "each code once")
            if c["label"] in seen_labels:
                problem(p + ("label",), f"label {c['label']!r} appears twice in scale {sname!r}", "each label once")
            seen_codes.add(c["code"])
            seen_labels.add(c["label"])
            cats.append(
                Category(c["code"], c["label"], c.get("score"), c.get("missing"), tuple(c.get("aliases", ())))
            )
        collapses = []
        for cname, col in (s.get("collapses") or {}).items():
            groups = []
            used: set[int] = set()
            for gi, g in enumerate(col["groups"]):
                for ci, code in enumerate(g["codes"]):
                    gp = ("scales", sname, "collapses", cname, "groups", gi, "codes", ci)
                    if code not in seen_codes:
                        problem(
                            gp,
                            f"collapse {cname!r} names code {code}, which scale {sname!r} does not define",
                            "codes " + ", ".join(map(str, sorted(seen_codes))),
                        )
                    elif code in used:
                        problem(gp, f"code {code} is in two groups of collapse {cname!r}", "each code in one group")
                    used.add(code)
                groups.append((g["label"], tuple(g["codes"])))
            collapses.append(Collapse(cname, col.get("label", cname), tuple(groups)))
        scales[sname] = Scale(sname, s.get("label", sname), tuple(cats), tuple(collapses))
    return scales


def _build_items(raw: dict[str, Any], forms: dict[str, Form], scales: dict[str, Scale],
                 problem: _Problems) -> list[Item]:
    items: list[Item] = []
    seen_ids: dict[str, tuple[Any, ...]] = {}
    for qi, q in enumerate(raw["questions"]):
        qtype = q.get("type", "closed")
        qforms = q.get("forms", list(forms))
        for fi, f in enumerate(qforms):
            if f not in forms:
                problem(("questions", qi, "forms", fi), f"unknown form {f!r}", ", ".join(forms))
        qscale = q.get("scale")
        if qtype == "closed" and qscale is None and not all("scale" in it for it in q["items"]):
            problem(("questions", qi), "a closed question needs a scale", "scale: one of " + ", ".join(scales))
        if qtype == "text" and qscale is not None:
            problem(("questions", qi, "scale"), "a free-text question has no scale", "remove scale or set type: closed")
        for ii, it in enumerate(q["items"]):
            ipath = ("questions", qi, "items", ii)
            full_id = q.get("item_prefix", "") + it["id"]
            if full_id in seen_ids:
                problem(
                    ipath + ("id",),
                    f"item id {full_id!r} is used twice (first at {key_path(seen_ids[full_id])})",
                    "unique item ids",
                )
                continue
            seen_ids[full_id] = ipath
            if "same_as" in it and not re.fullmatch(r"[^:\s]+:[A-Za-z][A-Za-z0-9_]*", it["same_as"]):
                problem(ipath + ("same_as",), f"same_as {it['same_as']!r} does not name a round and an item",
                        "'<round>:<item id>' of an earlier round")
            sname = it.get("scale", qscale)
            scale = None
            if qtype == "closed":
                if sname not in scales:
                    where = ipath + ("scale",) if "scale" in it else ("questions", qi, "scale")
                    problem(where, f"scale {sname!r} is not defined", "one of " + ", ".join(scales))
                else:
                    scale = scales[sname]
            iforms = it.get("forms", qforms)
            for fi, f in enumerate(iforms):
                if f not in forms:
                    problem(ipath + ("forms", fi), f"unknown form {f!r}", ", ".join(forms))
                elif f not in qforms:
                    problem(ipath + ("forms", fi), f"form {f!r} is not a form of question {q['number']}", ", ".join(qforms))
            items.append(
                Item(
                    id=full_id,
                    text=it["text"],
                    question=q["number"],
                    type=qtype,
                    forms=tuple(iforms),
                    scale=scale,
                    short=it.get("short", ""),
                    topic=q.get("topic", ""),
                    challenge=q.get("challenge", ""),
                    virkemiddel=it.get("virkemiddel", ""),
                    pathway=it.get("pathway", ""),
                    aliases=tuple(it.get("aliases", ())),
                    number_inferred=bool(q.get("number_inferred", False)),
                    same_as=it.get("same_as", ""),
                    changed=tuple((it.get("changed") or {}).get("what", ())),
                    change_note=(it.get("changed") or {}).get("note", ""),
                    text_en=it.get("text_en", ""),
                    short_en=it.get("short_en", ""),
                )
            )
    return items


def _build_indices(raw: dict[str, Any], items: list[Item], problem: _Problems) -> dict[str, Index]:
    by_id = {it.id: it for it in items}
    indices: dict[str, Index] = {}
    for name, ix in (raw.get("indices") or {}).items():
        base = ("indices", name)
        ok = True
        for k, iid in enumerate(ix["items"]):
            if iid not in by_id:
                problem(base + ("items", k), f"index {name!r} names item {iid!r}, which is not defined", "item ids of closed questions")
                ok = False
            elif by_id[iid].scale is None:
                problem(base + ("items", k), f"item {iid!r} is free text and cannot be scored", "items of closed questions")
                ok = False
        if ok:
            for k, code in enumerate(ix["score_codes"]):
                for iid in ix["items"]:
                    if code not in by_id[iid].scale.codes():  # type: ignore[union-attr]
                        problem(
                            base + ("score_codes", k),
                            f"code {code} is not on the scale of item {iid!r}",
                            "codes " + ", ".join(map(str, by_id[iid].scale.codes())),  # type: ignore[union-attr]
                        )
                        break
        n = len(ix["items"])
        covered: list[int] = []
        for k, cut in enumerate(ix["cuts"]):
            if cut["min"] > cut["max"]:
                problem(base + ("cuts", k), f"cut {cut['label']!r} has min {cut['min']} > max {cut['max']}", "min <= max")
            covered.extend(range(cut["min"], cut["max"] + 1))
        if sorted(covered) != list(range(0, n + 1)):
            problem(
                base + ("cuts",),
                f"the cuts must cover each score 0..{n} exactly once; they cover {sorted(covered)}",
                f"non-overlapping ranges from 0 to {n}",
            )
        indices[name] = Index(
            name=name,
            label=ix["label"],
            items=tuple(ix["items"]),
            score_codes=tuple(ix["score_codes"]),
            missing=ix.get("missing", "zero"),
            cuts=tuple((c["label"], c["min"], c["max"]) for c in ix["cuts"]),
            source=ix.get("source", ""),
        )
    return indices
