"""Match an export's headers to the codebook's items and find the respondent column.

An export column is matched, in this order, by the ``mapping`` argument
(``{export column: item id}``; ``None`` ignores the column), by item id, by
one of the item's ``aliases``, or by the item's text; then platform metadata
columns (ids, timestamps, status, IP, ...) are set aside with one note; then a
header that starts with the item id (``q5a - ...``) or names a matrix row
(``Question [row]``, see :mod:`samanalyse.io.headers`); for SPSS files the
variable label is tried the same way when the variable name matches nothing.
All but the mapping ignore case and repeated whitespace. The respondent column
is ``respondent`` or one of :data:`RESPONDENT_ALIASES`; a column named for the
form's respondents (``Kommunenummer``, ``knr``, ``Kommune`` on a kommune form)
is preferred over ``respondent`` and over a platform's own respondent id.
On a person form with a ``unit`` (``unit: kommune``), a column named for the unit
(``kommune``, ``kommunenummer``, ``knr``) is the unit column, not the respondent's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from samanalyse.errors import Problem
from samanalyse.io.formats import RawTable
from samanalyse.io.headers import PLATFORM_ID_KEYS, HeaderIndex, is_metadata
from samanalyse.io.report import ResponseProblem
from samanalyse.io.text import col_letter, header_key, norm
from samanalyse.survey.codebook import Codebook

__all__ = ["RESPONDENT_ALIASES", "RESPONDENT_KEYS", "Columns", "known_keys", "match_columns"]

#: Header names (case, spaces, ``_``, ``-`` and ``.`` ignored) accepted for the respondent column.
RESPONDENT_ALIASES: tuple[str, ...] = (
    "respondent",
    "respondent_id",
    "respondentid",
    "kommunenummer",
    "kommunenr",
    "kommune_nr",
    "knr",
    "kommune",
    "helseforetak",
    "hf",
    "foretak",
)

#: ``{header key: priority}`` of the respondent aliases (lower wins; see :func:`_respondent_priority`).
RESPONDENT_KEYS: dict[str, int] = {header_key(a): i for i, a in enumerate(RESPONDENT_ALIASES)}

_OWN_NAMES = {"kommune": ("kommunenummer", "kommunenr", "kommune_nr", "knr", "kommune"),
              "helseforetak": ("helseforetak", "hf", "foretak")}
_MAPPING_HINT = ("a mapping file (CSV with the columns column,item) with the row '{head},{first}' "
                 "(samanalyse validate --mapping FILE, or mapping=FILE in Python)")


def _respondent_priority(key: str, kind: str) -> int:
    """Lower wins: the form's own respondent names, then 'respondent', then other names, then platform ids."""
    own = [header_key(a) for a in _OWN_NAMES.get(kind, ())]
    if key in own:
        return own.index(key)
    if key == "respondent":
        return 10
    if key in PLATFORM_ID_KEYS:
        return 30
    return 20 + RESPONDENT_KEYS.get(key, 0)

_IGNORE_HINT = ("remove the column, or ignore it (mapping={'%s': None} in Python, --ignore '%s' on the "
                "command line)")


@dataclass
class Columns:
    """Which export column holds what (0-based positions), and the problems found."""

    respondent: int | None
    items: dict[str, int]  # item id -> position
    ignored: list[int]
    problems: list[Problem]
    warnings: list[Problem]
    unit: int | None = None  # a person form's unit column (its codebook ``unit``, e.g. the kommune)


def known_keys(codebook: Codebook, mapping: dict[str, str | None]) -> set[str]:
    """Normalised headers that name a column the codebook knows (used to find the header row)."""
    keys = set(RESPONDENT_KEYS)
    for it in codebook.item_list:
        keys.add(norm(it.id))
        keys.update(norm(a) for a in it.aliases)
        keys.add(norm(it.text))
    keys.update(norm(k) for k in mapping)
    keys.update(header_key(k) for k in ("kommunenummer", "kommunenr", "knr"))
    return keys


@dataclass
class _Matcher:
    """State of one matching pass over the headers."""

    raw: RawTable
    codebook: Codebook
    form: str
    mapping: dict[str, str | None]
    file: str
    by_id: dict[str, str] = field(default_factory=dict)
    by_alias: dict[str, set[str]] = field(default_factory=dict)
    by_text: dict[str, set[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warns: list[Problem] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)
    resp_candidates: list[tuple[int, int]] = field(default_factory=list)  # (priority, pos)
    ignored: list[int] = field(default_factory=list)
    used_mapping: set[str] = field(default_factory=set)
    metadata: list[int] = field(default_factory=list)
    unit_candidates: list[tuple[int, int]] = field(default_factory=list)  # (priority, pos)

    def __post_init__(self) -> None:
        self.kind = self.codebook.forms[self.form].respondent
        self.unit = self.codebook.forms[self.form].unit
        self.unit_keys = [header_key(a) for a in _OWN_NAMES.get(self.unit or "", ())]
        self.platform = HeaderIndex(self.codebook)
        self.by_id = {norm(it.id): it.id for it in self.codebook.item_list}
        for it in self.codebook.item_list:
            for a in it.aliases:
                self.by_alias.setdefault(norm(a), set()).add(it.id)
            self.by_text.setdefault(norm(it.text), set()).add(it.id)
        self.norm_mapping = {norm(k): v for k, v in self.mapping.items()}
        self.form_ids = set(self.codebook.item_ids(self.form))
        self.unknown_allowed = (f"respondent, the item ids of the {self.form} form ("
                                + ", ".join(self.codebook.item_ids(self.form)[:4])
                                + ", ...), their aliases or question texts; or ")

    # -- locations ----------------------------------------------------------

    def where(self, pos: int) -> str:
        loc = f"column {self.raw.headers[pos]!r}"
        if self.raw.format != "sav":
            loc += f" ({col_letter(pos)})"
        return (f"row {self.raw.header_row}, " if self.raw.header_row else "") + loc

    def problem(self, pos: int, kind: str, message: str, allowed: str = "") -> ResponseProblem:
        return ResponseProblem(self.file, self.where(pos), message, allowed, None, row=self.raw.header_row or None,
                               column=self.raw.headers[pos], kind=kind)

    def header_problem(self, kind: str, message: str, allowed: str, column: str | None = None) -> ResponseProblem:
        raw = self.raw
        return ResponseProblem(self.file, f"row {raw.header_row}" if raw.header_row else "(header)", message,
                               allowed, None, row=raw.header_row or None, column=column, kind=kind)

    def reject(self, pos: int, kind: str, message: str, allowed: str = "") -> None:
        self.problems.append(self.problem(pos, kind, message, allowed))
        self.ignored.append(pos)

    # -- one column ---------------------------------------------------------

    def column(self, pos: int, head: str) -> None:
        """Match one header: to the respondent, an item, or report why not."""
        key = norm(head)
        if not key:
            self.unnamed(pos)
            return
        if head in self.mapping or key in self.norm_mapping:
            target = self.mapping[head] if head in self.mapping else self.norm_mapping[key]
            self.used_mapping.add(head if head in self.mapping else next(k for k in self.mapping if norm(k) == key))
            if target is None:
                self.warns.append(self.problem(pos, "ignored_column", "ignored as requested"))
                self.ignored.append(pos)
            elif target == "respondent":
                self.resp_candidates.append((-1, pos))
            elif self.unit is not None and target == self.unit:
                self.unit_candidates.append((-1, pos))
            else:
                self.item(pos, head, target)
            return
        if header_key(head) in self.unit_keys:
            self.unit_candidates.append((self.unit_keys.index(header_key(head)), pos))
            return
        if header_key(head) in RESPONDENT_KEYS:
            self.resp_candidates.append((_respondent_priority(header_key(head), self.kind), pos))
            return
        target = self.lookup(pos, head, key)
        if target is not None:
            self.item(pos, head, target)

    def unnamed(self, pos: int) -> None:
        if any(u.strip() for u in self.raw.factor(pos)[1]):
            self.problems.append(self.problem(pos, "unnamed_column", "this column has values but no header",
                                              "a header naming the respondent column or an item id"))
        else:
            self.warns.append(self.problem(pos, "empty_column", "an empty column without a header was ignored"))
        self.ignored.append(pos)

    def exact(self, key: str) -> set[str]:
        """The items a normalised header names by id, alias or text."""
        if key in self.by_id:
            return {self.by_id[key]}
        if key in self.by_alias and len(self.by_alias[key]) == 1:
            return set(self.by_alias[key])
        if key in self.by_text and len(self.by_text[key]) == 1:
            return set(self.by_text[key])
        return self.by_alias.get(key, set()) | self.by_text.get(key, set())

    def platform_ids(self, text: str) -> set[str]:
        """The items a header names as platforms write them (id prefix, matrix row)."""
        prefix = self.platform.by_prefix(text)
        return {prefix} if prefix is not None else self.platform.by_grid(text)

    def lookup(self, pos: int, head: str, key: str) -> str | None:
        """The item a header names (see the module docs); None (reported or set aside) if none or several."""
        ids, how = self.exact(key), "the text of "
        label = self.raw.labels[pos] if pos < len(self.raw.labels) else ""
        if not ids and is_metadata(head):
            self.metadata.append(pos)
            self.ignored.append(pos)
            return None
        if not ids:
            ids, how = self.platform_ids(head), ""
        if not ids and label.strip():
            ids, how = self.exact(norm(label)) or self.platform_ids(label), f"(its variable label {label!r}) "
        if len(ids) == 1:
            return next(iter(ids))
        if ids:
            order = self.codebook.item_ids()
            ids_sorted = sorted(ids, key=order.index)
            first = ids_sorted[0]
            allowed = ("the item id as header (e.g. " + first + "), or mapping={'" + head + "': '" + first + "'}"
                       if how == "the text of " else _MAPPING_HINT.format(head=head, first=first))
            text = "matches the text of several items" if how == "the text of " else f"{how}matches several items"
            self.reject(pos, "ambiguous_column", f"this header {text}: {', '.join(ids_sorted)}", allowed)
            return None
        self.reject(pos, "unknown_column", "this column is not an item of the codebook",
                    self.unknown_allowed + _IGNORE_HINT % (head, head))
        return None

    def item(self, pos: int, head: str, target: str) -> None:
        """Record that column ``pos`` holds item ``target`` (unless it is of another form or twice)."""
        if target not in self.form_ids:
            forms = self.codebook.item(target).forms
            others = [f for f in self.codebook.forms if f != self.form]
            self.reject(pos, "other_form_column",
                        f"{target} was asked only on the {', '.join(forms)} form, not on the {self.form} form",
                        f"the items of the {self.form} form"
                        + "".join(f"; if this is a {f} file, check it as one (--form {f}, or form='{f}' in Python)"
                                  for f in forms if f in others))
            return
        if target in self.items:
            first = self.items[target]
            self.reject(pos, "duplicate_column",
                        f"this column holds {target}, like column {self.raw.headers[first]!r}"
                        + (f" ({col_letter(first)})" if self.raw.format != "sav" else ""),
                        f"each item in one column; {_IGNORE_HINT % (head, head)}")
            return
        self.items[target] = pos

    # -- after all columns ----------------------------------------------------

    def finish(self) -> Columns:
        raw = self.raw
        for k in self.mapping:
            if k not in self.used_mapping:
                self.problems.append(self.header_problem(
                    "mapping", f"the mapping names the column {k!r}, which the file does not have",
                    "the headers of the file: " + ", ".join(map(repr, raw.headers[:8]))
                    + (", ..." if len(raw.headers) > 8 else ""), column=k))
        respondent = self.respondent()
        unit = self.unit_column()
        if self.metadata:
            names = ", ".join(repr(self.raw.headers[p]) for p in sorted(self.metadata))
            self.warns.append(self.header_problem(
                "metadata_columns", f"the survey platform's own columns were set aside (not answers): {names}", ""))
        for iid in self.codebook.item_ids(self.form):
            if iid not in self.items:
                item = self.codebook.item(iid)
                allowed = f"a column headed {iid!r} (blank cells if nobody answered)"
                if item.aliases:
                    allowed += "; " + ", ".join(f"{i!r}" for i in item.aliases)
                self.problems.append(self.header_problem(
                    "missing_column", f"the file has no column for {iid} ({item.label})", allowed, column=iid))
        return Columns(respondent, self.items, self.ignored, self.problems, self.warns, unit)

    def unit_column(self) -> int | None:
        """A person form's unit column (the kommune each person belongs to); None for other forms."""
        if self.unit is None:
            return None
        if not self.unit_candidates:
            names = ", ".join(repr(a) for a in _OWN_NAMES[self.unit])
            self.problems.append(self.header_problem(
                "no_unit_column", f"no column names the {self.unit} of each person (the {self.form} form's unit)",
                f"a column called {names}; or mapping={{'<column>': '{self.unit}'}}", column=self.unit))
            return None
        self.unit_candidates.sort()
        for _, pos in self.unit_candidates[1:]:
            head = self.raw.headers[pos]
            self.reject(pos, "duplicate_column",
                        f"this column could also be the {self.unit} column; "
                        f"{self.raw.headers[self.unit_candidates[0][1]]!r} is used",
                        f"one {self.unit} column; " + _IGNORE_HINT % (head, head))
        return self.unit_candidates[0][1]

    def respondent(self) -> int | None:
        if not self.resp_candidates:
            self.problems.append(self.header_problem(
                "no_respondent_column", "no column names the respondent",
                "a column called 'respondent' (or " + ", ".join(repr(a) for a in RESPONDENT_ALIASES[3:]) + ")"))
            return None
        self.resp_candidates.sort()
        respondent = self.resp_candidates[0][1]
        for prio, pos in self.resp_candidates[1:]:
            head = self.raw.headers[pos]
            if prio >= 30 or (prio >= 10 and self.resp_candidates[0][0] < 10 and header_key(head) == "respondent"):
                self.metadata.append(pos)  # a platform's respondent id, next to the kommunenummer
                self.ignored.append(pos)
                continue
            self.reject(pos, "duplicate_column",
                        f"this column could also be the respondent column; {self.raw.headers[respondent]!r} is used",
                        "one respondent column; " + _IGNORE_HINT % (head, head))
        return respondent


def match_columns(raw: RawTable, codebook: Codebook, form: str, mapping: dict[str, str | None], file: str) -> Columns:
    """Match every header of ``raw`` to the respondent or an item of ``form``, reporting all problems.

    Parameters
    ----------
    raw : RawTable
        The file's table.
    codebook : Codebook
    form : str
        The form the file holds.
    mapping : dict
        ``{export column: item id, "respondent" or None}`` (already checked).
    file : str
        The file's path, for the problems.

    Returns
    -------
    Columns
    """
    m = _Matcher(raw, codebook, form, mapping, file)
    for pos, head in enumerate(raw.headers):
        m.column(pos, head)
    return m.finish()
