"""What the reconstruction must (published) or should (assumption) reproduce, and checking it.

:func:`build_targets` turns every usable published cell and every quantified
assumption of the spec into a :class:`Target`; :func:`evaluate_targets`
recomputes each target from respondent-level data, independently of the
integer program.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal

import numpy as np
import pandas as pd

from samanalyse.analysis.indices import index_scores
from samanalyse.analysis.tables import category_labels, variants
from samanalyse.errors import DataError
from samanalyse.published.reconstruction.spec import load_spec
from samanalyse.published.transcription import (
    BREAKDOWN_COLUMNS,
    TOTAL_GROUP,
    population_forms,
    read_published_cells,
)
from samanalyse.survey.codebook import Codebook, Item
from samanalyse.survey.rounds import Round, load_round

__all__ = ["NA", "Target", "Skipped", "build_targets", "evaluate_targets", "group_mask", "blank_priorities",
           "forms_of_populations", "TARGET_COLUMNS"]

NA = None  # the label of a blank answer inside the reconstruction
#: Columns of :func:`evaluate_targets`.
TARGET_COLUMNS: tuple[str, ...] = ("target", "kind", "achieved", "numerator", "base", "met")


@dataclass(frozen=True)
class Target:
    """One number the reconstruction must (published) or should (assumption) reproduce.

    A *share* target counts answers with a label in ``labels`` among answers
    with a label in ``base`` (``None`` stands for a blank answer), pooled over
    ``items`` and over the respondents of ``group``; the share must lie in
    ``[low, high]``. An *index* target is a column percentage of an index
    cross-tab (a catalogue table of kind ``index_crosstab``). An *order*
    target says the pooled count of ``labels`` on ``items`` exceeds that on
    ``items_other``.
    """

    id: str
    kind: Literal["published", "assumption"]
    type: Literal["share", "index", "order"]
    form: str
    items: tuple[str, ...]
    labels: frozenset
    base: frozenset
    group: tuple[str, str]  # (breakdown, group label): ("total", TOTAL_GROUP), ("rhf", <a region>), ...
    low: float
    high: float
    printed: str = ""
    tables: str = ""
    cells: str = ""
    description: str = ""
    # index targets
    col_index: str = ""
    col_class: str = ""
    row_index: str = ""
    row_class: str = ""
    # order targets
    items_other: tuple[str, ...] = ()
    # share targets met under any of several (labels, base) countings (the response-rate table's bases)
    alternatives: tuple[tuple[str, frozenset, frozenset], ...] = ()

    def countings(self) -> tuple[tuple[str, frozenset, frozenset], ...]:
        """``(name, labels, base)`` for every way of counting this share target."""
        return self.alternatives or (("", self.labels, self.base),)


@dataclass(frozen=True)
class Skipped:
    """A published cell the integer program does not use, with the reason."""

    cell: pd.Series
    status: str
    reason: str


def blank_priorities(spec: dict[str, Any]) -> bool:
    """True if the spec lets priority items be left blank."""
    return float(spec["assumptions"].get("blank_answers", {}).get("priorities", 0.0)) > 0


def forms_of_populations(published: pd.DataFrame, codebook: Codebook) -> dict[str, str]:
    """``{population label: form}`` for the populations of the published cells."""
    return population_forms(sorted({p for p in published["population"] if p}), codebook.forms)


def _all_labels(item: Item, blanks: bool = True) -> frozenset:
    if item.scale is None:
        raise DataError(f"A published cell names item {item.id!r}, which has no answer scale in the codebook; "
                        "only closed items can be reconstructed.")
    out = set(item.scale.labels())
    if blanks:
        out.add(NA)
    return frozenset(out)


def _share_bounds(value: float) -> tuple[float, float]:
    return max(0.0, (value - 0.5) / 100.0), min(1.0, (value + 0.5) / 100.0)


def _index_class(printed: str, index: Any) -> str:
    """Map a printed class label like '[4,6 ] = Godt' to the index's cut label."""
    label = printed.split("=")[-1].strip()
    if label not in index.cut_labels():
        raise DataError(
            f"Printed index class {printed!r} names {label!r}, which is not a cut of index {index.name!r} "
            f"({', '.join(index.cut_labels())})."
        )
    return label


def _index_target(cell: pd.Series, tspec: dict[str, Any], cb: Codebook) -> Target:
    col_index, row_index = cb.index(tspec["columns"]), cb.index(tspec["rows"])
    col_class = _index_class(cell["group"], col_index)
    row_class = _index_class(cell["category"], row_index)
    low, high = _share_bounds(float(cell["value"]))
    return Target(
        id=cell["cell_id"], kind="published", type="index", form=tspec["form"],
        items=tuple(col_index.items) + tuple(row_index.items), labels=frozenset(), base=frozenset(),
        group=("total", TOTAL_GROUP), low=low, high=high, printed=cell["value"], tables=cell["table"],
        cells=cell["cell_id"],
        description=f"{row_index.label} = {row_class} among {col_index.label} = {col_class}",
        col_index=col_index.name, col_class=col_class, row_index=row_index.name, row_class=row_class,
    )


def _cell_items(cell: pd.Series, form: str, cb: Codebook, prio: dict[str, Any]) -> tuple[str, ...] | Skipped:
    """The items a share cell pools (one, or a virkemiddel over the challenges), or why it is skipped."""
    item_id = cell["item"]
    if item_id.startswith(prio["pooled_item"]):
        letter = item_id[len(prio["pooled_item"]):]
        items = tuple(it.id for it in cb.items(form, topic=prio["topic"]) if it.id.endswith(letter))
        if not items:
            return Skipped(cell, "not on form", f"priority item {letter} is not on the {form} form (codebook)")
        return items
    if item_id not in cb or not cb.item(item_id).on_form(form):
        return Skipped(cell, "not on form", f"item {item_id} is not on the {form} form (codebook)")
    return (item_id,)


def _share_target(cell: pd.Series, form: str, items: tuple[str, ...], rnd: Round, spec: dict[str, Any]) -> Target:
    cb, catalogue = rnd.codebook, rnd.catalogue
    tspec = catalogue.spec(cell["table"])
    item = cb.item(items[0])
    everything = _all_labels(item, blank_priorities(spec) or item.topic != spec["draft"]["priorities"]["topic"])
    countings: list[tuple[str, frozenset, frozenset]] = []
    for vname, base, rules in variants(tspec, catalogue):
        rule = rules.get(cell["category"]) or catalogue.rule(cell["category"])
        labels = category_labels(item, rule) & everything
        counting = (vname, labels, everything if base == "all" else everything - {NA})
        if all((c[1], c[2]) != counting[1:] for c in countings):  # identical countings once
            countings.append(counting)
    group = (cell["breakdown"] if cell["breakdown"] in BREAKDOWN_COLUMNS else "total", cell["group"])
    if group[0] == "total":
        group = ("total", TOTAL_GROUP)
    low, high = _share_bounds(float(cell["value"]))
    return Target(
        id=cell["cell_id"], kind="published", type="share", form=form, items=items, labels=countings[0][1],
        base=countings[0][2], group=group, low=low, high=high, printed=cell["value"], tables=cell["table"],
        cells=cell["cell_id"],
        description=f"{cell['category']} on {cell['item']} ({cell['population']}, {cell['group']})",
        alternatives=tuple(countings) if len(countings) > 1 else (),
    )


def build_targets(
    round: Round | str | Path,
    *,
    spec: dict[str, Any] | None = None,
    published: pd.DataFrame | None = None,
) -> tuple[list[Target], list[Skipped]]:
    """Translate the published cells and the spec's assumptions into targets.

    Parameters
    ----------
    round : Round, str or pathlib.Path
        The round (its codebook and catalogue).
    spec : dict, optional
        The round's spec (default: :func:`load_spec`).
    published : DataFrame, optional
        The published cells as text (default:
        :func:`~samanalyse.published.transcription.read_published_cells`).

    Returns
    -------
    targets : list of Target
    skipped : list of Skipped
        Published cells not used, each with a status (``unknown``,
        ``anomaly``, ``excluded``, ``not on form``) and the reason.
    """
    rnd = load_round(round)
    spec = spec or load_spec(rnd)
    cb = rnd.codebook
    if published is None:
        published = read_published_cells(rnd)
    excluded = spec["published"].get("excluded", {})
    forms = forms_of_populations(published, cb)
    targets: list[Target] = []
    skipped: list[Skipped] = []
    for _, cell in published.iterrows():
        if cell["status"] == "unknown":
            skipped.append(Skipped(cell, "unknown", "the study prints no readable value"))
        elif cell["status"] == "anomaly":
            skipped.append(Skipped(cell, "anomaly", f"printed value {cell['value']} % is impossible on its face"))
        elif cell["table"] in excluded:
            skipped.append(Skipped(cell, "excluded", " ".join(str(excluded[cell["table"]]).split())))
        elif cell["breakdown"] == "index":
            targets.append(_index_target(cell, rnd.catalogue.spec(cell["table"]), cb))
        else:
            if cell["population"] not in forms:
                raise DataError(f"Published cell {cell['cell_id']} names population {cell['population']!r}, "
                                f"which matches no form of the codebook ({', '.join(cb.forms)}).")
            form = forms[cell["population"]]
            items = _cell_items(cell, form, cb, spec["draft"]["priorities"])
            if isinstance(items, Skipped):
                skipped.append(items)
            else:
                targets.append(_share_target(cell, form, items, rnd, spec))
    targets += _satisfaction_targets(spec, cb) + _priority_targets(spec, cb)
    return targets, skipped


def _satisfaction_targets(spec: dict[str, Any], cb: Codebook) -> list[Target]:
    """The assumed share of the extreme label within each printed group of the satisfaction collapse."""
    out: list[Target] = []
    split = spec["assumptions"]["satisfaction_split"]
    tol = float(split["tolerance"])
    for form in cb.forms:
        for it in cb.items(form, scale=split["scale"]):
            for group, g in split["groups"].items():
                col = it.scale.collapse(split["collapse"])  # type: ignore[union-attr]
                labels = [it.scale.category(c).label for c in dict(col.groups)[group]]  # type: ignore[union-attr]
                share = float(g["share"])
                out.append(
                    Target(
                        id=f"A-svaert-{form}-{it.id}-{group}", kind="assumption", type="share", form=form,
                        items=(it.id,), labels=frozenset([g["extreme"]]), base=frozenset(labels),
                        group=("total", TOTAL_GROUP), low=max(0.0, share - tol), high=min(1.0, share + tol),
                        printed=f"{share:.0%}", tables="assumption satisfaction_split",
                        description=f"share of {g['extreme']} within {group} on {it.id} ({form})",
                    )
                )
    return out


def _priority_targets(spec: dict[str, Any], cb: Codebook) -> list[Target]:
    """The ranges and the order of the pooled top-priority shares the text gives."""
    out: list[Target] = []
    levels = spec["assumptions"]["priority_levels"]
    prio_spec = spec["draft"]["priorities"]
    high = prio_spec["ranking"][-1]
    for form in cb.forms:
        lv = levels.get(form)
        if not lv:
            continue
        prio = cb.items(form, topic=prio_spec["topic"])

        def pooled(letter: str) -> tuple[str, ...]:
            return tuple(it.id for it in prio if it.id[-1] == letter)

        base_labels = frozenset(prio[0].scale.labels()) if prio else frozenset()  # type: ignore[union-attr]
        if blank_priorities(spec):
            base_labels = base_labels | {NA}
        for letter, (lo, hi) in lv.get("ranges", {}).items():
            out.append(Target(
                id=f"A-prio-{form}-{letter}", kind="assumption", type="share", form=form, items=pooled(letter),
                labels=frozenset({high}), base=base_labels, group=("total", TOTAL_GROUP),
                low=float(lo), high=float(hi), printed=f"{lo:.0%}-{hi:.0%}", tables="assumption priority_levels",
                description=f"share of {high} on virkemiddel {letter} pooled over challenges ({form})",
            ))
        pairs: list[tuple[str, str]] = []
        order = lv.get("order")
        if order:
            pairs += list(zip(order[:-1], order[1:]))
        groups = lv.get("order_groups")
        if groups:
            for hi_g, lo_g in zip(groups[:-1], groups[1:]):
                pairs += [(x, y) for x in hi_g for y in lo_g]
        for x, y in pairs:
            out.append(Target(
                id=f"A-order-{form}-{x}>{y}", kind="assumption", type="order", form=form, items=pooled(x),
                items_other=pooled(y), labels=frozenset({high}), base=base_labels,
                group=("total", TOTAL_GROUP), low=0, high=0, printed=f"{x} > {y}",
                tables=f"assumption priority_levels ({levels.get('order_source', 'order')})",
                description=f"more {high} on {x} than on {y} ({form})",
            ))
    return out


def group_mask(background: pd.DataFrame, group: tuple[str, str]) -> np.ndarray:
    """Boolean mask of the respondents of ``group`` (``("total", ...)`` = everyone)."""
    kind, label = group
    if kind == "total":
        return np.ones(len(background), dtype=bool)
    return (background[BREAKDOWN_COLUMNS[kind]].astype(object) == label).to_numpy()


def _evaluate(t: Target, d: pd.DataFrame, mask: np.ndarray, codebook: Codebook) -> tuple:
    if t.type == "share":
        sub = d.loc[mask, list(t.items)].astype(object)
        flat = sub.where(sub.notna(), None).to_numpy().ravel()
        results = []
        for _name, labels, base_labels in t.countings():
            num = sum(1 for v in flat if v in labels)
            base = sum(1 for v in flat if v in base_labels)
            share = num / base if base else float("nan")
            results.append((share, num, base, base > 0 and t.low - 1e-12 <= share <= t.high + 1e-12))
        share, num, base, met = next((r for r in results if r[3]), results[0])
        return (t.id, t.kind, share, num, base, met)
    if t.type == "index":
        col = index_scores(d, t.col_index, codebook=codebook)["class"].astype(object)
        row = index_scores(d, t.row_index, codebook=codebook)["class"].astype(object)
        in_col = col == t.col_class
        num = int((in_col & (row == t.row_class)).sum())
        base = int(in_col.sum())
        share = num / base if base else float("nan")
        return (t.id, t.kind, share, num, base, base > 0 and t.low - 1e-12 <= share <= t.high + 1e-12)
    hi = int(d.loc[mask, list(t.items)].astype(object).isin(t.labels).to_numpy().sum())
    lo = int(d.loc[mask, list(t.items_other)].astype(object).isin(t.labels).to_numpy().sum())
    return (t.id, t.kind, float(hi - lo), hi, lo, hi > lo)


def evaluate_targets(
    data: dict[str, pd.DataFrame], background: dict[str, pd.DataFrame], targets: Iterable[Target], codebook: Codebook
) -> pd.DataFrame:
    """Recompute every target from respondent-level data.

    Parameters
    ----------
    data : dict
        ``{form: DataFrame}`` with one column per item (labels; blank = NA).
    background : dict
        ``{form: DataFrame}`` aligned row by row with ``data`` (``rhf``, ``size_class``).
    targets : iterable of Target
    codebook : Codebook

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TARGET_COLUMNS`; ``achieved`` is a share (0-1), or for
        order targets the difference of counts.
    """
    rows = [_evaluate(t, data[t.form], group_mask(background[t.form], t.group), codebook) for t in targets]
    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS))
