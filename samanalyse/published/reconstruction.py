"""Reconstruct respondent-level data consistent with a round's published numbers.

The 2010 microdata is not public. :func:`reconstruct` builds respondent-level
answers in two steps, driven by the round's ``reconstruction.yaml``:

1. **Draft.** A simple latent-variable model (the spec's documented
   assumptions: correlated satisfaction/forankring/kompetanse traits, two
   priority factors A and B, an effect of sentralitet on B) draws a complete
   answer for every respondent and item, with group margins close to the
   published ones.
2. **Projection.** An integer program (:func:`scipy.optimize.milp`, HiGHS)
   chooses every answer so that the number of published targets met is
   maximal, then the number of assumption targets met, then the number of
   answers kept from the draft. Each published percentage is a pair of linear
   inequalities on counts (``p - 0.5 <= 100 k / n <= p + 0.5``), ratios with a
   variable base are multiplied out, and the index cross-tabs of Tabell 56 use
   per-respondent indicator variables.

Afterwards every target is recomputed from the finished data by
:func:`evaluate_targets` (independently of the solver), giving the
constraint report: target, achieved, status.

The result is a *reconstruction*, not the original survey responses; every file
written says so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from samanalyse.io.atomic import atomic_file
from samanalyse.survey.codebook import Codebook, Item
from samanalyse.errors import SamanalyseError
from samanalyse.analysis.indices import index_scores
from samanalyse.survey.rounds import Round, load_round
from samanalyse.analysis.tables import category_labels, variants

__all__ = [
    "Target",
    "ReconstructionResult",
    "load_spec",
    "build_targets",
    "draft_responses",
    "evaluate_targets",
    "reconstruct",
    "write_reconstruction",
    "RECONSTRUCTION_HEADER",
]

NA = None  # the label of a blank answer inside this module
FORM_OF_POPULATION = {"kommuner": "kommune", "helseforetak": "helseforetak"}

#: First line of every file the reconstruction writes beside the data.
RECONSTRUCTION_HEADER = (
    "RECONSTRUCTED DATA - not the original survey responses. Built by samanalyse to agree with the "
    "published numbers of the study; see README.md."
)


# ----------------------------------------------------------------------------
# Targets
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One number the reconstruction must (published) or should (assumption) reproduce.

    A *share* target counts answers with a label in ``labels`` among answers
    with a label in ``base`` (``None`` stands for a blank answer), pooled over
    ``items`` and over the respondents of ``group``; the share must lie in
    ``[low, high]``. An *index* target is a column percentage of an index
    cross-tab (Tabell 56). An *order* target says the pooled count of
    ``labels`` on ``items`` exceeds that on ``items_other``.
    """

    id: str
    kind: Literal["published", "assumption"]
    type: Literal["share", "index", "order"]
    form: str
    items: tuple[str, ...]
    labels: frozenset
    base: frozenset
    group: tuple[str, str]  # (breakdown, group label): ("total", "Samlet"), ("rhf", "Helse Nord"), ...
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
    # share targets met under any of several (labels, base) countings (Vedlegg 3's bases)
    alternatives: tuple[tuple[str, frozenset, frozenset], ...] = ()

    def countings(self) -> tuple[tuple[str, frozenset, frozenset], ...]:
        """``(name, labels, base)`` for every way of counting this share target."""
        return self.alternatives or (("", self.labels, self.base),)


@dataclass(frozen=True)
class _Skipped:
    """A published cell the integer program does not use, with the reason."""

    cell: pd.Series
    status: str
    reason: str


def load_spec(round: str | Round = "2010") -> dict[str, Any]:
    """Read the round's ``reconstruction.yaml``."""
    rnd = round if isinstance(round, Round) else load_round(round)
    path = rnd.path / "reconstruction.yaml"
    if not path.exists():
        raise SamanalyseError(
            f"Round {rnd.name} has no reconstruction spec ({path}); only rounds without public "
            "microdata need one."
        )
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _all_labels(item: Item, blanks: bool = True) -> frozenset:
    assert item.scale is not None
    out = set(item.scale.labels())
    if blanks:
        out.add(NA)
    return frozenset(out)


def _share_bounds(value: float) -> tuple[float, float]:
    return max(0.0, (value - 0.5) / 100.0), min(1.0, (value + 0.5) / 100.0)


def build_targets(
    round: str | Round = "2010",
    *,
    spec: dict[str, Any] | None = None,
    codebook: Codebook | None = None,
    published: pd.DataFrame | None = None,
) -> tuple[list[Target], list[_Skipped]]:
    """Translate the published cells and the spec's assumptions into targets.

    Returns
    -------
    targets : list of Target
    skipped : list
        Published cells not used, each with a status (``unknown``,
        ``anomaly``, ``excluded``, ``not on form``) and the reason.
    """
    rnd = round if isinstance(round, Round) else load_round(round)
    spec = spec or load_spec(rnd)
    cb = codebook or rnd.codebook
    if published is None:
        from samanalyse.survey.paths import data_dir

        published = pd.read_csv(
            data_dir() / "published" / rnd.name / "cells.csv", dtype=str, keep_default_na=False
        )
    pub = spec["published"]
    catalogue = rnd.catalogue
    excluded = pub.get("excluded", {})
    blanks_prio = float(spec["assumptions"].get("blank_answers", {}).get("priorities", 0.0)) > 0

    def has_blanks(item: Item) -> bool:
        return blanks_prio or item.topic != "prioritet"

    targets: list[Target] = []
    skipped: list[_Skipped] = []
    for _, cell in published.iterrows():
        if cell["status"] == "unknown":
            skipped.append(_Skipped(cell, "unknown", "the study prints no readable value"))
            continue
        if cell["status"] == "anomaly":
            skipped.append(_Skipped(cell, "anomaly", f"printed value {cell['value']} % is impossible on its face"))
            continue
        if cell["table"] in excluded:
            skipped.append(_Skipped(cell, "excluded", " ".join(str(excluded[cell["table"]]).split())))
            continue
        tspec = catalogue.spec(cell["table"])
        value = float(cell["value"])
        low, high = _share_bounds(value)
        if cell["breakdown"] == "index":
            col_index, row_index = cb.index(tspec["columns"]), cb.index(tspec["rows"])
            col_class = _index_class(cell["group"], col_index)
            row_class = _index_class(cell["category"], row_index)
            targets.append(
                Target(
                    id=cell["cell_id"], kind="published", type="index", form=tspec["form"],
                    items=tuple(col_index.items) + tuple(row_index.items), labels=frozenset(), base=frozenset(),
                    group=("total", "Samlet"), low=low, high=high, printed=cell["value"], tables=cell["table"],
                    cells=cell["cell_id"],
                    description=f"{row_index.label} = {row_class} among {col_index.label} = {col_class}",
                    col_index=col_index.name, col_class=col_class, row_index=row_index.name, row_class=row_class,
                )
            )
            continue
        form = FORM_OF_POPULATION[cell["population"]]
        item_id = cell["item"]
        if item_id.startswith("prio_"):
            letter = item_id.split("_", 1)[1]
            items = tuple(
                it.id for it in cb.items(form, topic="prioritet") if it.id.endswith(letter) and len(it.id) == 4
            )
            if not items:
                skipped.append(
                    _Skipped(cell, "not on form", f"priority item {letter} is not on the {form} form (codebook)")
                )
                continue
        else:
            if item_id not in cb or not cb.item(item_id).on_form(form):
                skipped.append(_Skipped(cell, "not on form", f"item {item_id} is not on the {form} form (codebook)"))
                continue
            items = (item_id,)
        item = cb.item(items[0])
        everything = _all_labels(item, has_blanks(item))
        countings = []
        for vname, base, rules in variants(tspec, catalogue):
            rule = rules.get(cell["category"]) or catalogue.rule(cell["category"])
            labels = category_labels(item, rule) & everything
            counting = (vname, labels, everything if base == "all" else everything - {NA})
            if all((c[1], c[2]) != counting[1:] for c in countings):  # identical countings once
                countings.append(counting)
        group = (cell["breakdown"] if cell["breakdown"] in ("rhf", "size") else "total", cell["group"])
        if group[0] == "total":
            group = ("total", "Samlet")
        targets.append(
            Target(
                id=cell["cell_id"], kind="published", type="share", form=form, items=items, labels=countings[0][1],
                base=countings[0][2], group=group, low=low, high=high, printed=cell["value"], tables=cell["table"],
                cells=cell["cell_id"],
                description=f"{cell['category']} on {item_id} ({cell['population']}, {cell['group']})",
                alternatives=tuple(countings) if len(countings) > 1 else (),
            )
        )
    targets += _assumption_targets(spec, cb)
    return targets, skipped


def _index_class(printed: str, index) -> str:
    """Map a printed class label like '[4,6 ] = Godt' to the index's cut label."""
    label = printed.split("=")[-1].strip()
    if label not in index.cut_labels():
        raise SamanalyseError(
            f"Printed index class {printed!r} names {label!r}, which is not a cut of index {index.name!r} "
            f"({', '.join(index.cut_labels())})."
        )
    return label


def _assumption_targets(spec: dict[str, Any], cb: Codebook) -> list[Target]:
    out: list[Target] = []
    a = spec["assumptions"]
    split = a["satisfaction_split"]
    tol = float(split["tolerance"])
    for form in cb.forms:
        for it in cb.items(form, scale="tilfredshet"):
            for group, key in (("Godt", "svaert_share_of_godt"), ("Dårlig", "svaert_share_of_darlig")):
                col = it.scale.collapse("godt_darlig")  # type: ignore[union-attr]
                labels = [it.scale.category(c).label for c in dict(col.groups)[group]]  # type: ignore[union-attr]
                svaert = [lab for lab in labels if lab.startswith("Svært")]
                share = float(split[key])
                out.append(
                    Target(
                        id=f"A-svaert-{form}-{it.id}-{group}", kind="assumption", type="share", form=form,
                        items=(it.id,), labels=frozenset(svaert), base=frozenset(labels), group=("total", "Samlet"),
                        low=max(0.0, share - tol), high=min(1.0, share + tol), printed=f"{share:.0%}",
                        tables="assumption satisfaction_split",
                        description=f"share of {svaert[0]} within {group} on {it.id} ({form})",
                    )
                )
    levels = a["priority_levels"]
    for form in cb.forms:
        lv = levels.get(form)
        if not lv:
            continue
        prio = cb.items(form, topic="prioritet")

        def pooled(letter: str) -> tuple[str, ...]:
            return tuple(it.id for it in prio if it.id[-1] == letter)

        base_labels = frozenset(prio[0].scale.labels()) if prio else frozenset()  # type: ignore[union-attr]
        if float(a.get("blank_answers", {}).get("priorities", 0.0)) > 0:
            base_labels = base_labels | {NA}
        for letter, (lo, hi) in lv.get("ranges", {}).items():
            out.append(
                Target(
                    id=f"A-prio-{form}-{letter}", kind="assumption", type="share", form=form, items=pooled(letter),
                    labels=frozenset({"Høy prioritet"}), base=base_labels, group=("total", "Samlet"),
                    low=float(lo), high=float(hi), printed=f"{lo:.0%}-{hi:.0%}", tables="assumption priority_levels",
                    description=f"share of Høy prioritet on virkemiddel {letter} pooled over challenges ({form})",
                )
            )
        pairs: list[tuple[str, str]] = []
        order = lv.get("order")
        if order:
            pairs += list(zip(order[:-1], order[1:]))
        groups = lv.get("order_groups")
        if groups:
            for hi_g, lo_g in zip(groups[:-1], groups[1:]):
                pairs += [(x, y) for x in hi_g for y in lo_g]
        for x, y in pairs:
            out.append(
                Target(
                    id=f"A-order-{form}-{x}>{y}", kind="assumption", type="order", form=form, items=pooled(x),
                    items_other=pooled(y), labels=frozenset({"Høy prioritet"}), base=base_labels,
                    group=("total", "Samlet"), low=0, high=0, printed=f"{x} > {y}",
                    tables="assumption priority_levels (Figur 8 order)",
                    description=f"more Høy prioritet on {x} than on {y} ({form})",
                )
            )
    return out


# ----------------------------------------------------------------------------
# Evaluation (independent of the solver)
# ----------------------------------------------------------------------------


def _group_mask(background: pd.DataFrame, group: tuple[str, str]) -> np.ndarray:
    kind, label = group
    if kind == "total":
        return np.ones(len(background), dtype=bool)
    col = {"rhf": "rhf", "size": "size_class"}[kind]
    return (background[col].astype(object) == label).to_numpy()


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
        Columns ``target, kind, achieved, numerator, base, met``; ``achieved``
        is a share (0-1), or for order targets the difference of counts.
    """
    rows = []
    for t in targets:
        d = data[t.form]
        mask = _group_mask(background[t.form], t.group)
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
            rows.append((t.id, t.kind, share, num, base, met))
        elif t.type == "index":
            col = index_scores(d, t.col_index, codebook=codebook)["class"].astype(object)
            row = index_scores(d, t.row_index, codebook=codebook)["class"].astype(object)
            in_col = col == t.col_class
            num = int((in_col & (row == t.row_class)).sum())
            base = int(in_col.sum())
            share = num / base if base else float("nan")
            met = base > 0 and t.low - 1e-12 <= share <= t.high + 1e-12
            rows.append((t.id, t.kind, share, num, base, met))
        else:  # order
            hi = int(d.loc[mask, list(t.items)].astype(object).isin(t.labels).to_numpy().sum())
            lo = int(d.loc[mask, list(t.items_other)].astype(object).isin(t.labels).to_numpy().sum())
            rows.append((t.id, t.kind, float(hi - lo), hi, lo, hi > lo))
    return pd.DataFrame(rows, columns=["target", "kind", "achieved", "numerator", "base", "met"])


# ----------------------------------------------------------------------------
# Draft
# ----------------------------------------------------------------------------


def _alloc(n: int, probs: list[float]) -> list[int]:
    """Largest-remainder allocation of n units to probabilities."""
    p = np.clip(np.asarray(probs, dtype=float), 0, None)
    p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
    raw = p * n
    base = np.floor(raw).astype(int)
    rest = n - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base.tolist()


def _assign_ranked(z: np.ndarray, labels: list[Any], counts: list[int]) -> np.ndarray:
    """Give the lowest counts[0] values of z labels[0], the next counts[1] labels[1], ..."""
    out = np.empty(len(z), dtype=object)
    order = np.argsort(z, kind="stable")
    start = 0
    for lab, k in zip(labels, counts):
        out[order[start : start + k]] = lab
        start += k
    return out


def _printed_share(published: pd.DataFrame, item: str, population: str, category: str, *,
                   group: str = "Samlet", vedlegg3: bool = False) -> float | None:
    """A printed share (0-1) from the transcription: a table cell, or Vedlegg 3's with ``vedlegg3``."""
    sel = published[
        (published["item"] == item)
        & (published["population"] == population)
        & (published["group"] == group)
        & (published["category"].str.replace(" / ", "/") == category)
        & (published["status"] == "printed")
        & ((published["table"] == "V3") == vedlegg3)
    ]
    return None if sel.empty else float(sel.iloc[0]["value"]) / 100


def draft_responses(
    rnd: Round, spec: dict[str, Any], published: pd.DataFrame, background: dict[str, pd.DataFrame], seed: int
) -> dict[str, pd.DataFrame]:
    """Draw the draft answers from the spec's latent-variable model.

    Group margins follow the published shares where the study prints them
    (by RHF for satisfaction, national totals otherwise) and the spec's draft
    levels for priorities; the projection step fixes the rest.
    """
    cb = rnd.codebook
    a = spec["assumptions"]
    rng = np.random.default_rng(seed)
    lam = float(a["item_loading"]["value"])
    out: dict[str, pd.DataFrame] = {}
    for form in cb.forms:
        bg = background[form]
        n = len(bg)
        population = {v: k for k, v in FORM_OF_POPULATION.items()}[form]
        theta = rng.standard_normal(n)
        rf, rk = float(a["forankring"]["correlation"]), float(a["kompetanse"]["correlation"])
        traits = {
            "status": theta,
            "avtaler_og_ledelse": rf * theta + math.sqrt(1 - rf**2) * rng.standard_normal(n),
            "kunnskap_og_kompetanse": rk * theta + math.sqrt(1 - rk**2) * rng.standard_normal(n),
            "interkommunalt_samarbeid": rng.standard_normal(n),
        }
        pr = a["priorities"]
        fa = rng.standard_normal(n)
        rho = float(pr["factor_correlation"])
        fb = rho * fa + math.sqrt(1 - rho**2) * rng.standard_normal(n)
        sent = pd.to_numeric(bg.get("sentralitet", pd.Series(np.nan, index=bg.index)), errors="coerce").to_numpy(float)
        if np.isfinite(sent).sum() > 1 and np.nanstd(sent) > 0:
            zs = np.where(np.isfinite(sent), (sent - np.nanmean(sent)) / np.nanstd(sent), 0.0)
            fb = fb + float(a["sentralitet_prefers_B"]["effect"]) * zs
        factors = {"A": fa, "B": fb}
        cols: dict[str, np.ndarray] = {}
        split = a["satisfaction_split"]
        # --- satisfaction and experience items
        for it in cb.items(form, type="closed"):
            if it.topic == "prioritet":
                continue
            scale = it.scale
            assert scale is not None
            lat = lam * traits[it.topic] + math.sqrt(1 - lam**2) * rng.standard_normal(n)
            values = np.empty(n, dtype=object)
            vi_v3 = _printed_share(published, it.id, population, "Vet ikke/ikke aktuelt", vedlegg3=True) or 0.0
            if it.topic == "status":
                groups = bg["rhf"].astype(object).to_numpy()
                for g in pd.unique(groups):
                    idx = np.flatnonzero(groups == g)
                    good = _printed_share(published, it.id, population, "Godt", group=g)
                    bad = _printed_share(published, it.id, population, "Dårlig", group=g)
                    if good is None or bad is None:
                        good = _printed_share(published, it.id, population, "Godt") or 0.7
                        bad = _printed_share(published, it.id, population, "Dårlig") or 0.2
                    miss = max(0.0, 1 - good - bad)
                    vi = min(miss, vi_v3)
                    sg, sd = float(split["svaert_share_of_godt"]), float(split["svaert_share_of_darlig"])
                    labels = ["Svært dårlig", "Nokså dårlig", "Nokså godt", "Svært godt", "Vet ikke/ikke aktuelt", NA]
                    probs = [bad * sd, bad * (1 - sd), good * (1 - sg), good * sg, vi, miss - vi]
                    values[idx] = _draft_item(lat[idx], labels, probs, n_substantive=4, rng=rng)
            else:
                get = lambda cat: _printed_share(published, it.id, population, cat)  # noqa: E731
                ikke, gode, usikre = get("Ikke gjennomført"), get("Gjennomført med gode erfaringer"), get(
                    "Gjennomført med usikre/dårlige erfaringer"
                )
                vi, na = get("Vet ikke/ikke aktuelt"), get("NA")
                ikke, gode, usikre = ikke or 0.1, gode or 0.5, usikre or 0.2
                vi = vi if vi is not None else max(0.0, 1 - ikke - gode - usikre)
                na = na if na is not None else max(0.0, 1 - ikke - gode - usikre - vi)
                labels = ["Ikke gjennomført", "Gjennomført med usikre/dårlige erfaringer",
                          "Gjennomført med gode erfaringer", "Vet ikke/ikke aktuelt", NA]
                values[:] = _draft_item(lat, labels, [ikke, usikre, gode, vi, na], n_substantive=3, rng=rng)
            cols[it.id] = values
        # --- priorities
        levels = a["priority_levels"].get(form, {}).get("draft", {})
        ms = float(a["priority_levels"]["middels_share_of_rest"])
        cn = float(pr["challenge_noise"])
        prio = cb.items(form, topic="prioritet")
        for letter in sorted({it.id[-1] for it in prio}):
            load = pr["loadings"].get(letter, {})
            common = sum(float(w) * factors[f] for f, w in load.items())
            uniq = math.sqrt(max(0.05, 1 - sum(float(w) ** 2 for w in load.values())))
            u = common + uniq * rng.standard_normal(n)
            u = (u - u.mean()) / (u.std() or 1.0)
            vi = _printed_share(published, f"prio_{letter}", population, "Vet ikke/ikke aktuelt", vedlegg3=True) or 0.0
            dont_know = np.zeros(n, dtype=bool)
            dont_know[rng.permutation(n)[: _alloc(n, [vi, 1 - vi])[0]]] = True
            hoy = float(levels.get(letter, 0.5))
            for it in (x for x in prio if x.id[-1] == letter):
                z = math.sqrt(1 - cn) * u + math.sqrt(cn) * rng.standard_normal(n)
                vals = np.empty(n, dtype=object)
                vals[dont_know] = "Vet ikke/ikke aktuelt"
                sub = np.flatnonzero(~dont_know)
                h = min(1.0, hoy / max(1e-9, 1 - vi))
                counts = _alloc(len(sub), [(1 - h) * (1 - ms), (1 - h) * ms, h])
                vals[sub] = _assign_ranked(z[sub], ["Ikke prioritet", "Middels prioritet", "Høy prioritet"], counts)
                cols[it.id] = vals
        out[form] = pd.DataFrame(cols, index=bg.index)
    return out


def _draft_item(lat: np.ndarray, labels: list[Any], probs: list[float], *, n_substantive: int, rng) -> np.ndarray:
    """Draw missing answers at random, then rank the rest along the latent trait."""
    n = len(lat)
    counts = _alloc(n, probs)
    out = np.empty(n, dtype=object)
    perm = rng.permutation(n)
    start = 0
    missing_idx = []
    for lab, k in zip(labels[n_substantive:], counts[n_substantive:]):
        chosen = perm[start : start + k]
        out[chosen] = lab
        missing_idx.extend(chosen.tolist())
        start += k
    rest = np.setdiff1d(np.arange(n), np.asarray(missing_idx, dtype=int))
    out[rest] = _assign_ranked(lat[rest], labels[:n_substantive], _alloc(len(rest), probs[:n_substantive]))
    return out


# ----------------------------------------------------------------------------
# Projection: the integer program
# ----------------------------------------------------------------------------


class _Model:
    """A small builder for scipy.optimize.milp problems."""

    def __init__(self) -> None:
        self.n = 0
        self.obj: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.rows: list[tuple[list[int], list[float], float, float]] = []

    def var(self, k: int = 1, *, lb: float = 0, ub: float = 1, obj: float = 0.0) -> np.ndarray:
        idx = np.arange(self.n, self.n + k)
        self.n += k
        self.obj += [obj] * k
        self.lb += [lb] * k
        self.ub += [ub] * k
        return idx

    def row(self, cols: Iterable[int], coefs: Iterable[float], lo: float, hi: float) -> None:
        self.rows.append((list(cols), list(coefs), lo, hi))

    def solve(self, time_limit: float) -> np.ndarray:
        data, ri, ci, lo, hi = [], [], [], [], []
        for r, (cols, coefs, l, h) in enumerate(self.rows):
            ri += [r] * len(cols)
            ci += cols
            data += coefs
            lo.append(l)
            hi.append(h)
        A = sp.csr_array((data, (ri, ci)), shape=(len(self.rows), self.n))
        res = milp(
            c=-np.asarray(self.obj),
            constraints=LinearConstraint(A, np.asarray(lo), np.asarray(hi)),
            integrality=np.ones(self.n),
            bounds=Bounds(np.asarray(self.lb), np.asarray(self.ub)),
            options={"time_limit": time_limit, "disp": False, "presolve": True, "mip_rel_gap": 1e-9},
        )
        if res.x is None:
            raise SamanalyseError(f"The reconstruction's integer program found no solution: {res.message}")
        if res.status != 0:
            raise SamanalyseError(
                f"The reconstruction's integer program stopped before proving optimality ({res.message}); "
                "raise solver.time_limit_seconds in reconstruction.yaml."
            )
        return np.round(res.x).astype(int)


def _blocks(targets: list[Target], items: list[str]) -> list[list[str]]:
    """Connected components of items linked by shared targets."""
    parent = {i: i for i in items}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for t in targets:
        linked = [i for i in (*t.items, *t.items_other) if i in parent]
        for other in linked[1:]:
            parent[find(other)] = find(linked[0])
    comps: dict[str, list[str]] = {}
    for i in items:
        comps.setdefault(find(i), []).append(i)
    return [sorted(c, key=items.index) for c in comps.values()]


def _solve_block(
    items: list[str],
    categories: dict[str, list[Any]],
    draft: pd.DataFrame,
    background: pd.DataFrame,
    targets: list[Target],
    cb: Codebook,
    time_limit: float,
) -> pd.DataFrame:
    n = len(draft)
    m = _Model()
    x: dict[tuple[int, str, Any], int] = {}
    agree_total = n * len(items)
    for i in items:
        for r in range(n):
            cats = categories[i]
            idx = m.var(len(cats))
            d = draft.iloc[r][i]
            d = None if (d is None or (isinstance(d, float) and math.isnan(d))) else d
            for j, c in enumerate(cats):
                x[(r, i, c)] = int(idx[j])
                if c == d:
                    m.obj[int(idx[j])] = 1.0
            m.row(idx.tolist(), [1.0] * len(cats), 1, 1)
    n_assumption = sum(t.kind == "assumption" for t in targets)
    w_assumption = agree_total + 1.0
    w_published = w_assumption * (n_assumption + 1)

    index_vars: dict[str, np.ndarray] = {}

    def index_indicator(name: str, cls: str) -> tuple[np.ndarray, bool]:
        """Binary y_r = 1 iff respondent r's index is in the upper cut; returns (y, upper?)."""
        ix = cb.index(name)
        if len(ix.cuts) != 2:
            raise SamanalyseError(f"Index target on {name!r} needs exactly two cuts; it has {len(ix.cuts)}.")
        (lo_label, _, lo_max), (hi_label, hi_min, hi_max) = ix.cuts
        if name not in index_vars:
            y = m.var(n)
            for r in range(n):
                cols, coefs = [], []
                for iid in ix.items:
                    scale = cb.item(iid).scale
                    for code in ix.score_codes:
                        cols.append(x[(r, iid, scale.category(code).label)])  # type: ignore[union-attr]
                        coefs.append(1.0)
                # S_r >= hi_min * y_r   and   S_r <= lo_max + (hi_max - lo_max) * y_r
                m.row(cols + [int(y[r])], coefs + [-float(hi_min)], 0, np.inf)
                m.row(cols + [int(y[r])], coefs + [-float(hi_max - lo_max)], -np.inf, float(lo_max))
            index_vars[name] = y
        return index_vars[name], cls == hi_label

    and_vars: dict[tuple[str, str], np.ndarray] = {}
    for t in targets:
        mask = _group_mask(background, t.group)
        rs = np.flatnonzero(mask)
        z = m.var(1, obj=w_published if t.kind == "published" else w_assumption)[0]
        if t.type == "share":
            countings = t.countings()
            zs = [z] if len(countings) == 1 else [int(v) for v in m.var(len(countings))]
            if len(countings) > 1:  # met if met under any counting: z <= sum(z_k)
                m.row([int(z), *zs], [1.0] + [-1.0] * len(zs), -np.inf, 0)
            for zk, (_name, labels, base_labels) in zip(zs, countings):
                # numerator - low * base >= -M (1 - z_k);  numerator - high * base <= M (1 - z_k)
                num: dict[int, float] = {}
                base: dict[int, float] = {}
                for r in rs:
                    for i in t.items:
                        for c in categories[i]:
                            if c in labels:
                                num[x[(r, i, c)]] = num.get(x[(r, i, c)], 0.0) + 1.0
                            if c in base_labels:
                                base[x[(r, i, c)]] = base.get(x[(r, i, c)], 0.0) + 1.0
                M = float(len(rs) * len(t.items)) + 1
                for bound, sign in ((t.low, 1.0), (t.high, -1.0)):
                    coef = {k: sign * v for k, v in num.items()}
                    for k, v in base.items():
                        coef[k] = coef.get(k, 0.0) - sign * bound * v
                    m.row(list(coef) + [int(zk)], list(coef.values()) + [-M], -M, np.inf)
        elif t.type == "index":
            yc, c_up = index_indicator(t.col_index, t.col_class)
            yr, r_up = index_indicator(t.row_index, t.row_class)
            key = (t.col_index, t.row_index)
            if key not in and_vars:
                w = m.var(n)
                for r in range(n):
                    m.row([int(w[r]), int(yc[r])], [1, -1], -np.inf, 0)
                    m.row([int(w[r]), int(yr[r])], [1, -1], -np.inf, 0)
                    m.row([int(w[r]), int(yc[r]), int(yr[r])], [1, -1, -1], -1, np.inf)
                and_vars[key] = w
            w = and_vars[key]
            # indicator of (col class, row class) for respondent r, as a linear form: const + sum(coef * var)
            coef: dict[int, float] = {}
            const = 0.0
            base_coef: dict[int, float] = {}
            base_const = 0.0
            for r in range(n):
                # p = product of [yc or 1-yc] and [yr or 1-yr]
                if c_up and r_up:
                    terms, cst = {int(w[r]): 1.0}, 0.0
                elif c_up and not r_up:
                    terms, cst = {int(yc[r]): 1.0, int(w[r]): -1.0}, 0.0
                elif not c_up and r_up:
                    terms, cst = {int(yr[r]): 1.0, int(w[r]): -1.0}, 0.0
                else:
                    terms, cst = {int(yc[r]): -1.0, int(yr[r]): -1.0, int(w[r]): 1.0}, 1.0
                for k, v in terms.items():
                    coef[k] = coef.get(k, 0.0) + v
                const += cst
                if c_up:
                    base_coef[int(yc[r])] = base_coef.get(int(yc[r]), 0.0) + 1.0
                else:
                    base_coef[int(yc[r])] = base_coef.get(int(yc[r]), 0.0) - 1.0
                    base_const += 1.0
            M = float(n) + 1
            for bound, sign in ((t.low, 1), (t.high, -1)):
                # sign * (num - bound * base) >= -M (1 - z)
                c2 = {k: sign * v for k, v in coef.items()}
                for k, v in base_coef.items():
                    c2[k] = c2.get(k, 0.0) - sign * bound * v
                cst = sign * (const - bound * base_const)
                m.row(list(c2) + [int(z)], list(c2.values()) + [-M], -M - cst, np.inf)
        else:  # order: count(items) - count(items_other) >= 1 - M (1 - z)
            coef = {}
            for r in rs:
                for i in t.items:
                    for c in categories[i]:
                        if c in t.labels:
                            coef[x[(r, i, c)]] = coef.get(x[(r, i, c)], 0.0) + 1.0
                for i in t.items_other:
                    for c in categories[i]:
                        if c in t.labels:
                            coef[x[(r, i, c)]] = coef.get(x[(r, i, c)], 0.0) - 1.0
            M = float(len(rs) * max(len(t.items), len(t.items_other))) + 1
            m.row(list(coef) + [int(z)], list(coef.values()) + [-M], 1 - M, np.inf)
    sol = m.solve(time_limit)
    out = pd.DataFrame(index=draft.index, columns=items, dtype=object)
    for (r, i, c), col in x.items():
        if sol[col] == 1:
            out.iat[r, items.index(i)] = c
    return out


# ----------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconstructionResult:
    """What :func:`reconstruct` produced.

    Attributes
    ----------
    responses : dict
        ``{form: DataFrame}`` with column ``respondent`` and one column per
        item of the form (labels; ``None`` = blank).
    report : pandas.DataFrame
        The constraint report, one row per published number and assumption:
        ``target, kind, status, tables, cells, form, items, group, description,
        printed, target_low, target_high, achieved, numerator, base, reason``.
    seconds : float
        Wall time of the reconstruction.
    """

    responses: dict[str, pd.DataFrame]
    report: pd.DataFrame
    seconds: float
    blocks: tuple[tuple[str, int, float], ...] = field(default=())

    def summary(self) -> str:
        """A few lines: how many published numbers are met, unmet, unusable."""
        rep = self.report
        pub = rep[rep["kind"] == "published"]
        lines = [
            f"Published numbers: {len(pub)}",
            *(f"  {k}: {v}" for k, v in pub["status"].value_counts().sort_index().items()),
            f"Assumptions: {int((rep['kind'] == 'assumption').sum())} "
            f"({int(((rep['kind'] == 'assumption') & (rep['status'] == 'met')).sum())} met)",
            f"Time: {self.seconds:.1f} s",
        ]
        return "\n".join(lines)


def reconstruct(round: str = "2010", *, seed: int | None = None, time_limit: float | None = None) -> ReconstructionResult:
    """Reconstruct respondent-level data for a round (see module docstring).

    Parameters
    ----------
    round : str
        A round with a ``reconstruction.yaml``.
    seed : int, optional
        Overrides the spec's seed.
    time_limit : float, optional
        Seconds per integer program (overrides the spec).

    Returns
    -------
    ReconstructionResult
    """
    t0 = time.perf_counter()
    rnd = load_round(round)
    spec = load_spec(rnd)
    cb = rnd.codebook
    seed = int(spec["seed"] if seed is None else seed)
    limit = float(time_limit or spec["solver"]["time_limit_seconds"])
    from samanalyse.survey.paths import data_dir

    published = pd.read_csv(data_dir() / "published" / rnd.name / "cells.csv", dtype=str, keep_default_na=False)
    targets, skipped = build_targets(rnd, spec=spec, codebook=cb, published=published)
    resp = rnd.respondents()
    background = {f: resp[resp["form"] == f].reset_index(drop=True) for f in cb.forms}
    draft = draft_responses(rnd, spec, published, background, seed)
    blanks_prio = float(spec["assumptions"].get("blank_answers", {}).get("priorities", 0.0)) > 0
    responses: dict[str, pd.DataFrame] = {}
    block_info = []
    for form in cb.forms:
        items = [it.id for it in cb.items(form, type="closed")]
        ftargets = [t for t in targets if t.form == form]
        categories = {
            it.id: [*it.scale.labels(), *([NA] if (it.topic != "prioritet" or blanks_prio) else [])]  # type: ignore[union-attr]
            for it in cb.items(form, type="closed")
        }
        solved = []
        for block in _blocks(ftargets, items):
            bt = [t for t in ftargets if set(t.items) | set(t.items_other) <= set(block)]
            tb = time.perf_counter()
            solved.append(
                _solve_block(block, categories, draft[form][block], background[form], bt, cb, limit)
            )
            block_info.append((f"{form}:{block[0]}..{block[-1]}", len(block), time.perf_counter() - tb))
        closed = pd.concat(solved, axis=1)
        frame = pd.DataFrame({"respondent": background[form]["respondent"].astype(str)})
        for it in cb.items(form):
            frame[it.id] = closed[it.id] if it.type == "closed" else None
        responses[form] = frame
    achieved = evaluate_targets(
        {f: responses[f] for f in responses}, background, targets, cb
    ).set_index("target")
    report = _report(targets, skipped, achieved)
    return ReconstructionResult(responses, report, time.perf_counter() - t0, tuple(block_info))


def _report(targets: list[Target], skipped: list[_Skipped], achieved: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for t in targets:
        a = achieved.loc[t.id]
        if t.type == "order":
            ach = f"{int(a['numerator'])} vs {int(a['base'])}"
        else:
            ach = "" if pd.isna(a["achieved"]) else f"{100 * a['achieved']:.1f}"
        status = "met" if a["met"] else "unmet"
        reason = ""
        if not a["met"] and t.type == "share" and t.kind == "published":
            base = int(a["base"])
            if base and math.ceil(base * t.low - 1e-9) > math.floor(base * t.high + 1e-9):
                status = "impossible"
                reason = (
                    f"no count k of {base} gives {t.printed} %: "
                    f"{math.floor(base * t.low)}/{base} = {100 * math.floor(base * t.low) / base:.1f} %, "
                    f"{math.ceil(base * t.high)}/{base} = {100 * math.ceil(base * t.high) / base:.1f} %"
                )
            else:
                status = "contradictory"
                others = sorted(
                    o.cells for o in targets
                    if o.kind == "published" and o.id != t.id and o.form == t.form and o.items == t.items
                    and achieved.loc[o.id, "met"]
                )
                reason = (
                    "contradicts other published numbers on the same item: the integer program proves that "
                    f"at most all but this one of {t.cells} and {', '.join(others)} hold together"
                )
        rows.append(
            {
                "target": t.id, "kind": t.kind, "status": status, "tables": t.tables, "cells": t.cells,
                "form": t.form, "items": " ".join(t.items) + (f" > {' '.join(t.items_other)}" if t.items_other else ""),
                "group": t.group[1], "description": t.description, "printed": t.printed,
                "target_low": "" if t.type == "order" else f"{100 * t.low:.1f}",
                "target_high": "" if t.type == "order" else f"{100 * t.high:.1f}",
                "achieved": ach, "numerator": int(a["numerator"]), "base": int(a["base"]), "reason": reason,
            }
        )
    for s in skipped:
        c = s.cell
        rows.append(
            {
                "target": c["cell_id"], "kind": "published", "status": s.status, "tables": c["table"],
                "cells": c["cell_id"], "form": FORM_OF_POPULATION.get(c["population"], ""), "items": c["item"],
                "group": c["group"], "description": f"{c['category']} on {c['item'] or c['table']} ({c['population'] or 'n/a'})",
                "printed": c["value"], "target_low": "", "target_high": "", "achieved": "", "numerator": "",
                "base": "", "reason": s.reason,
            }
        )
    rep = pd.DataFrame(rows)
    order = {"published": 0, "assumption": 1}
    rep["_k"] = rep["kind"].map(order)
    return rep.sort_values(["_k", "target"], kind="stable").drop(columns="_k").reset_index(drop=True)


def write_reconstruction(result: ReconstructionResult, round: str = "2010", out: str | Path | None = None) -> list[Path]:
    """Write the response files and the constraint report (each file atomically).

    Files: ``responses_<form>.csv`` as named in ``round.yaml`` (UTF-8, header
    row first, ``respondent`` then item ids, labels, blank for no answer),
    ``constraint_report.csv`` and ``constraint_summary.txt``.
    """
    rnd = load_round(round)
    folder = Path(out) if out is not None else rnd.path
    written = []
    for form, frame in result.responses.items():
        path = folder / Path(rnd.responses_path(form)).name
        with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
        written.append(path)
    path = folder / "constraint_report.csv"
    with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
        result.report.to_csv(fh, index=False, lineterminator="\n")
    written.append(path)
    path = folder / "constraint_summary.txt"
    summary = result.summary().rsplit("\nTime:", 1)[0]  # no timings: reruns give identical files
    with atomic_file(path, "w", encoding="utf-8") as fh:
        fh.write(RECONSTRUCTION_HEADER + "\n\n" + summary + "\n")
    written.append(path)
    return written
