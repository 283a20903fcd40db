"""Change between two rounds: matched items, one map of kommuner, honest tests.

What is compared
    Only *matched* items: an item of the newer round whose codebook entry says ``same_as:
    "<round>:<id>"`` naming the older round, or, without ``same_as``, the item of the older round
    with the same id. Both must be closed items on the form. An item whose codebook entry says
    ``changed`` (wording, scale) is compared with a :class:`~samanalyse.errors.ChangedItemWarning`
    and its rows say so (column ``changed``); an item whose categories differ without ``changed:
    scale`` is not compared (warning). Categories are the groups of a collapse both scales have
    (default: the newer scale's first collapse), else the scale's labels.

Shares
    As the catalogue's tables count: the share of *all* respondents of the form in the group
    (blank answers in the denominator). Each round is a simple random sample without replacement
    from its own frame (``Round.frame`` / ``Round.frame_by``), so each share has its own
    finite-population correction; the rounds are independent samples
    (:func:`samanalyse.stats.change.proportion_difference`). Holm and Benjamini–Hochberg
    adjustments run over every row of one comparison (one family).

The map (``map``)
    ``"own"`` (default): RHF and size class from each round's own register and rules.
    ``"newer"``: the older round's kommuner are placed on the newer round's kommuner through the
    crosswalk (:func:`samanalyse.survey.crosswalk.kommune_changes`) and grouped by the newer
    register and size rule; each older kommune keeps its own answer (it was the sampled unit), and
    its frame is counted on the newer map too. A kommune that was split cannot be placed on one
    newer kommune: it is left out of the newer map and counted in ``split_excluded``.

Merged kommuner in the paired analysis (:func:`paired_changes`)
    A newer kommune made of several older ones is compared with *one* older answer: the category
    with the largest total older population (the older round's size-reference population) among
    its parts that answered (ties: the category of the most populous part). Rows say how many
    pairs were built this way (``merged_units``).

What rests on what (``rests_on``)
    When a round is a reconstruction, only what its published tables fix is a fact: a share of
    a category the catalogue prints for that item, form and grouping (or its total), on the
    round's own map, rests on :data:`PUBLISHED`. Anything else from a reconstructed round
    (another category, a newer map, the paired analysis) rests on :data:`ASSUMED`. Rows of two
    collected rounds rest on :data:`COLLECTED`. The paired analysis against a reconstructed round
    is refused unless ``allow_reconstructed=True``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, ChangedItemWarning
from samanalyse.io.datasets import load_round_data
from samanalyse.stats.change import mcnemar, proportion_difference, stuart_maxwell
from samanalyse.stats.multiple import adjust_pvalues
from samanalyse.stats.proportions import proportion_ci
from samanalyse.survey.codebook import Item
from samanalyse.survey.crosswalk import kommune_changes
from samanalyse.survey.disclosure import SUPPRESSED, DisclosureRules
from samanalyse.survey.rounds import Round, load_round

__all__ = ["Match", "matched_items", "compare_rounds", "paired_changes", "TREND_COLUMNS", "PAIRED_COLUMNS",
           "PUBLISHED", "ASSUMED", "COLLECTED", "TOTAL"]

#: ``rests_on``: the share is fixed by the reconstructed round's published tables.
PUBLISHED = "publiserte tall"
#: ``rests_on``: the result depends on the reconstruction's assumptions.
ASSUMED = "rekonstruksjonens antakelser"
#: ``rests_on``: both rounds are collected answers.
COLLECTED = "innsamlede svar"
#: ``by`` and ``group`` of the rows for all respondents of the form.
TOTAL = "total"

#: Columns of :func:`compare_rounds` (fixed order).
TREND_COLUMNS = [
    "item", "item_old", "label", "category", "by", "group", "round_old", "round_new", "form", "map",
    "n_old", "count_old", "frame_old", "share_old", "ci_low_old", "ci_high_old",
    "n_new", "count_new", "frame_new", "share_new", "ci_low_new", "ci_high_new",
    "difference", "ci_low", "ci_high", "z", "p", "p_adjusted", "p_bh", "cohen_h",
    "changed", "rests_on", "note", "symbol",
]
#: Columns of :func:`paired_changes` (fixed order).
PAIRED_COLUMNS = [
    "item", "item_old", "label", "round_old", "round_new", "test", "categories", "n_pairs", "merged_units",
    "split_excluded", "discordant", "statistic", "df", "p", "p_adjusted", "p_bh", "changed", "rests_on", "note",
]


@dataclass(frozen=True)
class Match:
    """A newer item and the older item it repeats (``how``: ``"id"`` or ``"same_as"``)."""

    item: str
    item_old: str
    how: str
    changed: tuple[str, ...]
    note: str
    categories: tuple[str, ...]
    collapse: str | None


def _categories(new: Item, old: Item, collapse: str | None) -> tuple[str | None, list[str], list[str]]:
    """(collapse used, newer categories, older categories)."""
    sn, so = new.scale, old.scale
    names = [collapse] if collapse else [c.name for c in sn.collapses]  # type: ignore[union-attr]
    for name in names:
        if any(c.name == name for c in sn.collapses) and any(c.name == name for c in so.collapses):  # type: ignore[union-attr]
            return name, sn.collapse(name).labels(), so.collapse(name).labels()  # type: ignore[union-attr]
    return None, sn.labels(), so.labels()  # type: ignore[union-attr]


def matched_items(new: Round | str | Path, old: Round | str | Path, *, form: str = "kommune",
                  items: list[str] | None = None, collapse: str | None = None) -> list[Match]:
    """The items of ``new`` that repeat an item of ``old`` on ``form`` (see the module docs).

    Warns
    -----
    ChangedItemWarning
        For each matched item whose wording or scale changed (it is compared), and each item
        whose categories differ without ``changed: scale`` (it is not compared).
    """
    new, old = load_round(new), load_round(old)
    cb_new, cb_old = new.codebook, old.codebook
    out = []
    for it in cb_new.items(form, type="closed"):
        if items is not None and it.id not in items:
            continue
        ref_round, _, ref_id = it.same_as.partition(":") if it.same_as else (old.name, "", it.id)
        if ref_round == old.name and it.same_as and (ref_id not in cb_old or not cb_old.item(ref_id).on_form(form)):
            warnings.warn(f"Item {it.id} of round {new.name} says same_as: {it.same_as!r}, but round {old.name} has "
                          f"no item {ref_id!r} on form {form!r} ({new.codebook.source}); the item is not compared.",
                          ChangedItemWarning, stacklevel=2)
            continue
        if ref_round != old.name or ref_id not in cb_old or not cb_old.item(ref_id).on_form(form):
            continue
        prev = cb_old.item(ref_id)
        if prev.scale is None or it.scale is None:
            continue
        used, cats_new, cats_old = _categories(it, prev, collapse)
        common = tuple(c for c in cats_new if c in cats_old)
        if set(cats_new) != set(cats_old) and "scale" not in it.changed:
            warnings.warn(f"Item {it.id} of round {new.name} and {prev.id} of round {old.name} have different "
                          f"categories ({', '.join(cats_new)} / {', '.join(cats_old)}) and the codebook does not "
                          "mark a changed scale; the item is not compared.", ChangedItemWarning, stacklevel=2)
            continue
        if it.changed:
            warnings.warn(f"Item {it.id} of round {new.name} is compared with {prev.id} of round {old.name} although "
                          f"its {' and '.join(it.changed)} changed: {it.change_note}", ChangedItemWarning, stacklevel=2)
        out.append(Match(it.id, prev.id, "same_as" if it.same_as else "id", it.changed, it.change_note, common, used))
    return out


def _category_column(data: pd.DataFrame, item: Item, collapse: str | None) -> pd.Series:
    """Each respondent's category (collapse group or label); NA for a blank answer."""
    labels = data[item.id].astype(object)
    if collapse is None:
        return labels.where(labels.notna(), None)
    scale = item.scale
    mapping = scale.collapse(collapse).mapping()  # type: ignore[union-attr]
    return labels.map(lambda v: None if pd.isna(v) else mapping.get(scale.code_of(v)))  # type: ignore[union-attr]


def _unit_groups(rnd: Round, form: str, by: str) -> pd.Series:
    """The group of ``by`` of every unit of the frame of ``form`` (indexed by kommunenummer)."""
    units = rnd.frame_units(form)
    if by == "size_class":
        col = pd.Series(np.asarray(rnd.size_classes.classify(units[rnd.population_column]), dtype=object),
                        index=units.index)
        for knr, ov in (rnd.meta["size_classes"].get("overrides") or {}).items():
            if knr in col.index:
                col[knr] = ov["size_class"]
        return col
    return units[by].astype(object)


def _successors(old: Round, new: Round) -> tuple[dict[str, str], set[str]]:
    """Older kommunenummer -> newer kommunenummer, and the older numbers that were split."""
    if old.register_year == new.register_year:
        return {}, set()
    cw = kommune_changes(old.register_year, new.register_year)
    a, b = f"kommunenummer_{old.register_year}", f"kommunenummer_{new.register_year}"
    split = set(cw.loc[cw["endring"] == "delt", a])
    return {k: v for k, v in zip(cw[a], cw[b]) if k not in split}, split


@dataclass(frozen=True)
class _Side:
    """One round's respondents of the form with their groups, and its frame per group."""

    rnd: Round
    data: pd.DataFrame
    groups: dict[str, pd.Series]       # by -> group per respondent (row order of data)
    frames: dict[str, dict[str, int]]  # by -> {group: frame size}
    split_excluded: int = 0


def _merged(groups: pd.Series, frames: dict[str, int], rename: Mapping[str, str] | None
            ) -> tuple[pd.Series, dict[str, int]]:
    """Groups and frame sizes with merged groups relabelled (frame sizes summed; ``""``: left out)."""
    if not rename:
        return groups, frames
    label = lambda g: None if pd.isna(g) else (rename.get(str(g), str(g)) or None)  # noqa: E731
    out: dict[str, int] = {}
    for g, n in frames.items():
        if label(g) is not None:
            out[label(g)] = out.get(label(g), 0) + n   # type: ignore[index]
    return groups.map(label), out


def _side(rnd: Round, data: pd.DataFrame, form: str, by: tuple[str, ...],
          merges: Mapping[str, Mapping[str, str]] | None = None) -> _Side:
    d = data[data["form"] == form].reset_index(drop=True)
    groups = {TOTAL: pd.Series(TOTAL, index=d.index, dtype=object)}
    frames = {TOTAL: {TOTAL: int(rnd.frame[form])}}
    for b in by:
        groups[b], frames[b] = _merged(d[b].astype(object), {str(k): int(v) for k, v in rnd.frame_by(form, b).items()},
                                       (merges or {}).get(b))
    return _Side(rnd, d, groups, frames)


def _side_on_newer_map(old: Round, data: pd.DataFrame, new: Round, form: str, by: tuple[str, ...],
                       merges: Mapping[str, Mapping[str, str]] | None = None) -> _Side:
    """The older round's respondents grouped by the newer round's map (see the module docs)."""
    d = data[data["form"] == form].reset_index(drop=True)
    succ, split = _successors(old, new)
    place = lambda k: None if k in split else succ.get(k, k)  # noqa: E731
    units = pd.Series([place(k) for k in old.frame_units(form).index])
    placed = d["respondent"].map(place)
    keep = placed.notna().to_numpy()
    d, placed = d[keep].reset_index(drop=True), placed[keep].reset_index(drop=True)
    groups = {TOTAL: pd.Series(TOTAL, index=d.index, dtype=object)}
    frames = {TOTAL: {TOTAL: int(units.notna().sum())}}
    for b in by:
        g = _unit_groups(new, form, b)
        groups[b], frames[b] = _merged(placed.map(g), {str(k): int(v) for k, v in
                                                       units.dropna().map(g).value_counts().items()},
                                       (merges or {}).get(b))
    return _Side(old, d, groups, frames, int((~keep).sum()))


def _load(rnd: Round, data: pd.DataFrame | None) -> pd.DataFrame:
    return load_round_data(rnd) if data is None else data


def _check_args(form: str, by: tuple[str, ...], map: str, new: Round, old: Round) -> None:
    for rnd in (new, old):
        if form not in rnd.codebook.forms:
            raise ArgumentError(f"Round {rnd.name} has no form {form!r}; its forms are {', '.join(rnd.forms)}.")
    bad = [b for b in by if b not in ("rhf", "size_class")]
    if bad:
        raise ArgumentError(f"by={bad!r}: groups are 'rhf' and 'size_class' (the total is always included).")
    if map not in ("own", "newer"):
        raise ArgumentError(f"map={map!r}: allowed are 'own' (each round's register) and 'newer' (the newer map).")
    if map == "newer" and new.codebook.forms[form].respondent != "kommune":
        raise ArgumentError(f"map='newer' places kommuner through the crosswalk; form {form!r} is not a kommune form.")


def _published_fixes(rnd: Round, item: str, form: str, by: str, collapse: str | None, category: str) -> bool:
    """True if ``rnd``'s catalogue prints this share (a by_group table of the item on the form)."""
    if not rnd.has_published:
        return False
    cat = rnd.catalogue
    for spec in cat.tables.values():
        if spec.get("kind") != "by_group" or spec.get("item") != item or form not in spec.get("forms", ()):
            continue
        if by != TOTAL and spec.get("by") != by:
            continue
        for printed in spec.get("categories", ()):
            c = cat.categories.get(printed, {})
            if collapse is not None and c.get("collapse") == collapse and c.get("group") == category:
                return True
            if collapse is None and list(c.get("labels", ())) == [category]:
                return True
    return False


def _rests_on(new: Round, old: Round, m: Match, form: str, by: str, category: str, map: str) -> str:
    recon = [(r, i) for r, i in ((new, m.item), (old, m.item_old)) if r.reconstructed]
    if not recon:
        return COLLECTED
    on_newer = map == "newer" and old.reconstructed
    fixed = all(_published_fixes(r, i, form, by, m.collapse, category) for r, i in recon)
    return PUBLISHED if fixed and not on_newer else ASSUMED


def _share(x: int, n: int, frame: int) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = proportion_ci(x, n, method="fpc_logit", frame_size=frame)
    return ci.ci_low, ci.ci_high


def _rows_for(m: Match, s_new: _Side, s_old: _Side, form: str, by: str, map: str,
              confidence: float) -> list[dict[str, object]]:
    """Rows of one item and one grouping."""
    new, old = s_new.rnd, s_old.rnd
    c_new = _category_column(s_new.data, new.codebook.item(m.item), m.collapse)
    c_old = _category_column(s_old.data, old.codebook.item(m.item_old), m.collapse)
    rows = []
    g_new, g_old = s_new.groups[by], s_old.groups[by]
    shared = [g for g in s_new.frames[by] if g in s_old.frames[by] and (g_new == g).any() and (g_old == g).any()]
    for group in shared:
        in_new, in_old = (g_new == group).to_numpy(), (g_old == group).to_numpy()
        n1, n2 = int(in_old.sum()), int(in_new.sum())
        big1, big2 = s_old.frames[by][group], s_new.frames[by][group]
        for cat in m.categories:
            x1, x2 = int((c_old[in_old] == cat).sum()), int((c_new[in_new] == cat).sum())
            d = proportion_difference(x1, n1, x2, n2, frame_size1=big1, frame_size2=big2, confidence=confidence)
            lo1, hi1 = _share(x1, n1, big1)
            lo2, hi2 = _share(x2, n2, big2)
            rows.append({
                "item": m.item, "item_old": m.item_old, "label": new.codebook.item(m.item).label, "category": cat,
                "by": by, "group": group, "round_old": old.name, "round_new": new.name, "form": form, "map": map,
                "n_old": n1, "count_old": x1, "frame_old": big1, "share_old": d.p1, "ci_low_old": lo1,
                "ci_high_old": hi1, "n_new": n2, "count_new": x2, "frame_new": big2, "share_new": d.p2,
                "ci_low_new": lo2, "ci_high_new": hi2, "difference": d.difference, "ci_low": d.ci_low,
                "ci_high": d.ci_high, "z": d.z, "p": d.p, "cohen_h": d.cohen_h, "changed": ",".join(m.changed),
                "rests_on": _rests_on(new, old, m, form, by, cat, map), "note": m.note, "symbol": "",
            })
    return rows


def _adjusted(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    p = frame["p"].to_numpy(dtype=float)
    frame["p_adjusted"] = adjust_pvalues(p, method="holm")
    frame["p_bh"] = adjust_pvalues(p, method="bh")
    return frame


def compare_rounds(
    new: Round | str | Path,
    old: Round | str | Path,
    *,
    form: str = "kommune",
    items: list[str] | None = None,
    by: tuple[str, ...] = ("rhf", "size_class"),
    map: str = "own",
    collapse: str | None = None,
    confidence: float = 0.95,
    data: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    disclosure: DisclosureRules | None = None,
    merges: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Shares of every matched item in two rounds, their difference and a test, per group.

    Parameters
    ----------
    new, old : Round, str or Path
        The newer and the older round.
    form : str
        The form compared (default ``"kommune"``).
    items : list of str, optional
        Item ids of the newer round (default: every matched item).
    by : tuple of str
        Groupings besides the total: ``"rhf"``, ``"size_class"``.
    map : {"own", "newer"}
        Groups from each round's own register, or the older round on the newer map.
    collapse : str, optional
        Collapse rule of the categories (default: the newer scale's first one both scales have).
    confidence : float
        Level of the intervals.
    data : (DataFrame, DataFrame), optional
        The two rounds' data (:func:`~samanalyse.io.datasets.load_round_data`), newer first.
    disclosure : DisclosureRules, optional
        The report's disclosure rules: each round's counts per group are suppressed as the
        rules ask (see below); ``symbol`` is ``:`` on the rows that lose numbers.
    merges : mapping of str to mapping of str to str, optional
        ``{by: {group: merged group}}``: small groups merged (the disclosure step's merges of the
        form), applied to both rounds, their frame sizes summed; ``""`` leaves a group out.

    Returns
    -------
    pandas.DataFrame
        One row per item, category, group and round pair; columns :data:`TREND_COLUMNS`
        (``difference = share_new - share_old``; ``p_adjusted`` Holm, ``p_bh`` Benjamini–Hochberg
        over all rows). Mirrors R ``survey::svymean`` per round with ``fpc`` and the Wald test of
        the difference; per-round intervals as ``svyciprop(method = "logit")``.

        With ``disclosure``, each round's counts of every item are protected as count tables (the
        total and each grouping together, each group's n known: the respondents are published per
        group; :func:`samanalyse.analysis.disclosure.protect_tables`): a row loses that round's
        count, share and interval when its count is suppressed, and the change, its interval and
        tests when either round's is. A group too small to protect at all (one unit) takes every
        group's numbers of that item with it. The adjusted p-values are computed before.

    Warns
    -----
    ChangedItemWarning
        See :func:`matched_items`.
    """
    new, old = load_round(new), load_round(old)
    by = tuple(by)
    _check_args(form, by, map, new, old)
    d_new, d_old = data if data is not None else (None, None)
    s_new = _side(new, _load(new, d_new), form, by, merges)
    d_old = _load(old, d_old)
    s_old = (_side(old, d_old, form, by, merges) if map == "own"
             else _side_on_newer_map(old, d_old, new, form, by, merges))
    rows: list[dict[str, object]] = []
    matches = matched_items(new, old, form=form, items=items, collapse=collapse)
    for m in matches:
        for b in (TOTAL, *by):
            rows += _rows_for(m, s_new, s_old, form, b, map, confidence)
    out = _adjusted(pd.DataFrame(rows, columns=TREND_COLUMNS))
    out.attrs["split_excluded"] = s_old.split_excluded
    if disclosure is None or out.empty:
        return out
    return _protect_trend(out, s_new, s_old, matches, by, disclosure)


#: A respondent of the form outside the compared categories (blank, other): in every base, never printed.
_REST = "\x00rest"
#: Columns of :func:`compare_rounds` a suppressed count of one round takes with it (``_new`` / ``_old``).
_SIDE_COLUMNS = ("count", "share", "ci_low", "ci_high")
#: Columns that need both rounds' counts: blank when either is suppressed.
_BOTH_COLUMNS = ("difference", "ci_low", "ci_high", "z", "p", "p_adjusted", "p_bh", "cohen_h")


def _hidden_cells(side: _Side, item: Item, m: Match, by: tuple[str, ...], rules: DisclosureRules
                  ) -> set[tuple[str, str, str]]:
    """``(by, group, category)`` of one round's counts that the rules suppress (primary and secondary)."""
    from dataclasses import replace

    from samanalyse.analysis.disclosure import CountTable, protect_tables
    from samanalyse.errors import DisclosureError

    cat = _category_column(side.data, item, m.collapse)
    frame = pd.DataFrame({"cat": cat.where(cat.isin(m.categories), _REST).astype(object)})
    for b in by:
        frame[b] = side.groups[b].astype(object).where(side.groups[b].notna(), "\x00none")
    tables = [CountTable(TOTAL, "cat", None, m.categories, known_n=True)]
    tables += [CountTable(b, "cat", b, m.categories, known_n=True) for b in by]
    try:
        cells = protect_tables(frame, tables, replace(rules, min_units_per_group=1, published_reproduction=())).cells
    except DisclosureError:   # a group too small to protect (a group of 1): nothing of any group is printed
        return {(b, str(g), c) for b in by for g in frame[b].unique() for c in m.categories}
    hidden = cells[cells["status"].isin(["primary", "secondary"])]
    return {(TOTAL if g == rules.total_label else t, TOTAL if g == rules.total_label else str(g), str(c))
            for t, g, c in zip(hidden["table"], hidden["group"], hidden["category"])}


def _protect_trend(table: pd.DataFrame, s_new: _Side, s_old: _Side, matches: list[Match], by: tuple[str, ...],
                   rules: DisclosureRules) -> pd.DataFrame:
    """:func:`compare_rounds` rows with each round's suppressed counts removed (the rules of the report).

    For each round and item, the counts per category of every grouping and the total are
    protected together as count tables (:func:`samanalyse.analysis.disclosure.protect_tables`,
    each group's n known: the respondents are published per group): counts under ``min_count``
    and groups whose n is under ``min_base`` are suppressed, and enough other cells that none can
    be worked out from the total. A row loses that round's count, share and interval, and the
    change, its interval and test when either round's count is suppressed; ``symbol`` says ``:``.
    A group too small to protect at all (e.g. one unit) loses every group's numbers of that item.
    """
    out = table.copy()
    hide = {"new": np.zeros(len(out), dtype=bool), "old": np.zeros(len(out), dtype=bool)}
    for m, (side, item_id, which) in ((m, x) for m in matches for x in ((s_new, m.item, "new"),
                                                                         (s_old, m.item_old, "old"))):
        gone = _hidden_cells(side, side.rnd.codebook.item(item_id), m, by, rules)
        mine = (out["item"] == m.item).to_numpy()
        keys = zip(out["by"], out["group"].astype(str), out["category"].astype(str))
        hide[which] |= mine & np.array([k in gone for k in keys], dtype=bool)
    for which in ("new", "old"):
        for col in _SIDE_COLUMNS:
            out[f"{col}_{which}"] = out[f"{col}_{which}"].astype(float).where(~hide[which])
    either = hide["new"] | hide["old"]
    for col in _BOTH_COLUMNS:
        out[col] = out[col].astype(float).where(~either)
    out["symbol"] = np.where(either, SUPPRESSED, "")
    return out


def _old_answer_per_unit(old: Round, data: pd.DataFrame, item: Item, collapse: str | None, new: Round,
                         form: str) -> tuple[pd.Series, pd.Series, int]:
    """Older answer per newer kommune (population-weighted rule), parts per unit, split kommuner left out."""
    succ, split = _successors(old, new)
    d = data[data["form"] == form].reset_index(drop=True)
    cats = _category_column(d, item, collapse)
    frame = pd.DataFrame({"unit": d["respondent"].map(lambda k: None if k in split else succ.get(k, k)),
                          "cat": cats, "pop": pd.to_numeric(d["population"], errors="coerce").fillna(0)})
    n_split = int(frame["unit"].isna().sum())
    frame = frame.dropna(subset=["unit", "cat"])
    weight = frame.groupby(["unit", "cat"], sort=True)["pop"].agg(["sum", "max"]).reset_index()
    weight = weight.sort_values(["unit", "sum", "max"], ascending=[True, False, False], kind="mergesort")
    best = weight.drop_duplicates("unit").set_index("unit")["cat"]
    parts = frame.groupby("unit").size()
    return best, parts, n_split


def paired_changes(
    new: Round | str | Path,
    old: Round | str | Path,
    *,
    form: str = "kommune",
    items: list[str] | None = None,
    collapse: str | None = None,
    allow_reconstructed: bool = False,
    data: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Paired test per matched item for the kommuner that answered both rounds (on the newer map).

    Two categories: McNemar (R ``mcnemar.test``); more: Stuart–Maxwell (``coin::mh_test``).
    Only pairs with an answer in a compared category in both rounds count.

    Returns
    -------
    pandas.DataFrame
        One row per item; columns :data:`PAIRED_COLUMNS` (``p_adjusted`` Holm, ``p_bh`` BH over
        the items).

    Raises
    ------
    ArgumentError
        If a round is a reconstruction and ``allow_reconstructed`` is not set: which kommune
        answered what in a reconstruction rests on its assumptions, not on its published numbers.
    """
    new, old = load_round(new), load_round(old)
    _check_args(form, (), "newer", new, old)
    recon = [r.name for r in (new, old) if r.reconstructed]
    if recon and not allow_reconstructed:
        raise ArgumentError(
            f"Round {', '.join(recon)} is a reconstruction: which kommune answered what rests on the "
            "reconstruction's assumptions, not on its published numbers, so a paired analysis against it "
            "describes the assumptions, not the round. Pass allow_reconstructed=True to run it anyway "
            f"(its rows then say rests_on={ASSUMED!r}).")
    d_new, d_old = data if data is not None else (None, None)
    d_new, d_old = _load(new, d_new), _load(old, d_old)
    dn = d_new[d_new["form"] == form].reset_index(drop=True)
    rows = []
    for m in matched_items(new, old, form=form, items=items, collapse=collapse):
        before, parts, n_split = _old_answer_per_unit(old, d_old, old.codebook.item(m.item_old), m.collapse, new, form)
        after = pd.Series(_category_column(dn, new.codebook.item(m.item), m.collapse).to_numpy(), index=dn["respondent"])
        pairs = pd.DataFrame({"before": before, "after": after.dropna()}).dropna()
        pairs = pairs[pairs["before"].isin(m.categories) & pairs["after"].isin(m.categories)]
        table = pd.crosstab(pd.Categorical(pairs["before"], m.categories), pd.Categorical(pairs["after"], m.categories),
                            dropna=False)
        res = mcnemar(table) if len(m.categories) == 2 else stuart_maxwell(table)
        rows.append({"item": m.item, "item_old": m.item_old, "label": new.codebook.item(m.item).label,
                     "round_old": old.name, "round_new": new.name, "test": res.test,
                     "categories": ", ".join(m.categories), "n_pairs": res.n,
                     "merged_units": int((parts.reindex(pairs.index) > 1).sum()), "split_excluded": n_split,
                     "discordant": res.discordant, "statistic": res.statistic, "df": res.df, "p": res.p,
                     "changed": ",".join(m.changed), "rests_on": ASSUMED if recon else COLLECTED, "note": m.note})
    return _adjusted(pd.DataFrame(rows, columns=PAIRED_COLUMNS))

