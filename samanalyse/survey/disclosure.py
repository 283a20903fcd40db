"""A round's disclosure rules: the ``disclosure:`` section of ``round.yaml``.

The rules say which published cells could identify a kommune or a
helseforetak (and are therefore suppressed, shown as SSB's ``:``), how much
uncertainty a suppressed cell must keep against everything else published,
and which outputs are a reproduction of numbers that are already public.

A section given as ``disclosure: {}`` takes every default (the defaults for a
new round); a round without the section has no disclosure control
(:attr:`Round.disclosure` is ``None``)::

    disclosure:
      min_count: 3          # cells with 1 or 2 units -> ":"
      min_base: 5           # shares whose base (n) is under 5 -> ":"
      min_range: 3          # a suppressed cell's proven range must be at least this wide
      min_units_per_group: 3
      small_groups: merge   # or "omit": a group with fewer units is merged / left out (with a note)
      merged_label: "Øvrige"   # the pooled group of small RHF / fylker (size classes: merged with a neighbour)
      published_reproduction: [tabeller]
      published_note: "..."

The symbols follow Statistics Norway's (SSB): ``:`` cannot be published,
``..`` missing (no data), ``-`` zero (nothing to report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DisclosureRules", "DISCLOSURE_SCHEMA", "SUPPRESSED", "MISSING", "ZERO", "disclosure_rules"]

#: SSB's symbol for a number that cannot be published.
SUPPRESSED = ":"
#: SSB's symbol for missing data (no number exists).
MISSING = ".."
#: SSB's symbol for zero (nothing to report).
ZERO = "-"

DISCLOSURE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "min_count": {"type": "integer", "minimum": 1},
        "min_base": {"type": "integer", "minimum": 1},
        "min_range": {"type": "integer", "minimum": 1},
        "protect_zeros": {"type": "boolean"},
        "min_units_per_group": {"type": "integer", "minimum": 1},
        "small_groups": {"enum": ["merge", "omit"]},
        "merged_label": {"type": "string"},
        "total_label": {"type": "string"},
        "group_note": {"type": "string"},
        "omit_note": {"type": "string"},
        "published_reproduction": {"type": "array", "items": {"type": "string"}},
        "published_note": {"type": "string"},
    },
}


@dataclass(frozen=True)
class DisclosureRules:
    """Disclosure rules of a round (frozen; the defaults are those of a new round).

    Attributes
    ----------
    min_count : int
        A count of 1 .. ``min_count - 1`` units is suppressed (primary).
    min_base : int
        The cells of a share whose base n is below this are suppressed (primary).
    min_range : int
        Every primary cell's proven range (max - min over every table consistent with
        what is published) must be at least this wide; a secondary cell's must be > 0.
    protect_zeros : bool
        Also suppress counts of 0 (SSB does not by default: a zero is shown as ``-``).
    min_units_per_group : int
        A group (e.g. an RHF) with fewer units that answered is merged or left out.
    small_groups : {"merge", "omit"}
        What happens to such a group.
    merged_label : str
        The label of the merged group.
    total_label : str
        The label of a table's total row/column (in ``prikking.csv``).
    group_note : str
        Note under the tables when groups were merged: ``{groups}`` (the small ones),
        ``{members}`` (every group merged), ``{k}``, ``{label}`` and ``{units}`` are filled in
        (:func:`samanalyse.analysis.disclosure.merge_note`).
    omit_note : str
        The same when groups are left out (``small_groups: omit``).
    published_reproduction : tuple of str
        Outputs (report steps or table ids) that reprint a study's published numbers,
        which are public already: printed as they are, but known to the attacker.
    published_note : str
        Why those outputs are printed unsuppressed (shown in the report).
    """

    min_count: int = 3
    min_base: int = 5
    min_range: int = 3
    protect_zeros: bool = False
    min_units_per_group: int = 3
    small_groups: str = "merge"
    merged_label: str = "Øvrige"
    total_label: str = "I alt"
    group_note: str = ("{groups} har færre enn {k} enheter som svarte; {members} er slått sammen til «{label}» "
                       "({units} enheter) for å verne dem som svarte.")
    omit_note: str = ("{groups} har færre enn {k} enheter som svarte og er utelatt fra tabellene (også fra "
                      "totalene) for å verne dem som svarte.")
    published_reproduction: tuple[str, ...] = field(default=())
    published_note: str = ""

    @property
    def symbols(self) -> dict[str, str]:
        """SSB's symbols: ``suppressed`` ``:``, ``missing`` ``..``, ``zero`` ``-``."""
        return {"suppressed": SUPPRESSED, "missing": MISSING, "zero": ZERO}

    def is_published_reproduction(self, output: str) -> bool:
        """True if ``output`` (a report step or table id) reprints already public numbers."""
        return output in self.published_reproduction


def disclosure_rules(section: dict[str, Any] | None) -> DisclosureRules | None:
    """The rules of a (schema-checked) ``disclosure:`` section; ``None`` if there is none."""
    if section is None:
        return None
    values = dict(section)
    if "published_reproduction" in values:
        values["published_reproduction"] = tuple(values["published_reproduction"])
    return DisclosureRules(**values)
