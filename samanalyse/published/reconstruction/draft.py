"""The draft of the reconstruction: answers drawn from the spec's latent-variable model.

Every closed item loads on the latent trait of its codebook topic (the
spec's ``draft.traits``); the priority items on two correlated factors. Group
margins follow the published shares where the study prints them and the
spec's fallbacks and draft levels elsewhere; the integer program
(:mod:`~samanalyse.published.reconstruction.solve`) then fixes the rest.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.published.reconstruction.targets import NA, forms_of_populations
from samanalyse.published.transcription import TOTAL_GROUP
from samanalyse.survey.codebook import Item
from samanalyse.survey.rounds import Round

__all__ = ["draft_responses", "allocate", "assign_ranked", "printed_share"]

#: Share of top priority in the draft for a virkemiddel the spec gives no level.
DEFAULT_PRIORITY_LEVEL = 0.5


def allocate(n: int, probs: list[float]) -> list[int]:
    """Largest-remainder allocation of n units to probabilities."""
    p = np.clip(np.asarray(probs, dtype=float), 0, None)
    p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
    raw = p * n
    base = np.floor(raw).astype(int)
    rest = n - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base.tolist()


def assign_ranked(z: np.ndarray, labels: list[Any], counts: list[int]) -> np.ndarray:
    """Give the lowest counts[0] values of z labels[0], the next counts[1] labels[1], ..."""
    out = np.empty(len(z), dtype=object)
    order = np.argsort(z, kind="stable")
    start = 0
    for lab, k in zip(labels, counts):
        out[order[start : start + k]] = lab
        start += k
    return out


def printed_share(published: pd.DataFrame, item: str, population: str, category: str, *,
                  group: str = TOTAL_GROUP, rates: frozenset[str] | None = None) -> float | None:
    """A printed share (0-1): a table cell, or with ``rates`` (ids of the response-rate tables) one of those."""
    in_rates = published["table"].isin(rates or ())
    sel = published[
        (published["item"] == item)
        & (published["population"] == population)
        & (published["group"] == group)
        & (published["category"].str.replace(" / ", "/") == category)
        & (published["status"] == "printed")
        & (in_rates if rates else ~in_rates)
    ]
    return None if sel.empty else float(sel.iloc[0]["value"]) / 100


def _draft_item(lat: np.ndarray, labels: list[Any], probs: list[float], *, n_substantive: int,
                rng: np.random.Generator) -> np.ndarray:
    """Draw missing answers at random, then rank the rest along the latent trait."""
    n = len(lat)
    counts = allocate(n, probs)
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
    out[rest] = assign_ranked(lat[rest], labels[:n_substantive], allocate(len(rest), probs[:n_substantive]))
    return out


class _Drafter:
    """The draft of one form: its latent traits and factors, and one method per kind of item."""

    def __init__(self, spec: dict[str, Any], published: pd.DataFrame, background: pd.DataFrame,
                 population: str, rates: frozenset[str], rng: np.random.Generator) -> None:
        self.a, self.d = spec["assumptions"], spec["draft"]
        self.published, self.bg, self.population, self.rates, self.rng = published, background, population, rates, rng
        self.n = n = len(background)
        theta: np.ndarray | None = None
        self.traits: dict[str, np.ndarray] = {}
        for tr in self.d["traits"]:  # the first is the base trait; draws in the spec's order
            if theta is None:
                theta = rng.standard_normal(n)
                self.traits[tr["topic"]] = theta
            elif tr.get("correlation"):
                r = float(self.a[tr["correlation"]]["correlation"])
                self.traits[tr["topic"]] = r * theta + math.sqrt(1 - r**2) * rng.standard_normal(n)
            else:
                self.traits[tr["topic"]] = rng.standard_normal(n)
        pr = self.a["priorities"]
        first, second = pr["factors"]
        fa = rng.standard_normal(n)
        rho = float(pr["factor_correlation"])
        self.factors = {first: fa, second: rho * fa + math.sqrt(1 - rho**2) * rng.standard_normal(n)}
        if self.d.get("background_effect"):
            eff = self.a[self.d["background_effect"]]
            col = eff["column"]
            x = pd.to_numeric(background.get(col, pd.Series(np.nan, index=background.index)),
                              errors="coerce").to_numpy(float)
            if np.isfinite(x).sum() > 1 and np.nanstd(x) > 0:
                zs = np.where(np.isfinite(x), (x - np.nanmean(x)) / np.nanstd(x), 0.0)
                self.factors[eff["factor"]] = self.factors[eff["factor"]] + float(eff["effect"]) * zs

    def share(self, item: str, category: str, *, group: str = TOTAL_GROUP, rates: bool = False) -> float | None:
        return printed_share(self.published, item, self.population, category, group=group,
                             rates=self.rates if rates else None)

    def latent(self, it: Item) -> np.ndarray:
        lam = float(self.a["item_loading"]["value"])
        return lam * self.traits[it.topic] + math.sqrt(1 - lam**2) * self.rng.standard_normal(self.n)

    def collapsed_item(self, it: Item) -> np.ndarray:
        """An item printed as groups of a collapse (the satisfaction items), per group of ``by``."""
        split = self.a["satisfaction_split"]
        groups_spec = split["groups"]
        dont_know = self.d["dont_know"]
        lat = self.latent(it)
        values = np.empty(self.n, dtype=object)
        vi_rates = self.share(it.id, dont_know, rates=True) or 0.0
        scored = [c for c in it.scale.categories if c.score is not None]  # type: ignore[union-attr]
        ranking = [c.label for c in sorted(scored, key=lambda c: c.score)]  # lowest score first
        col = dict(it.scale.collapse(split["collapse"]).groups)  # type: ignore[union-attr]
        groups = self.bg[split["by"]].astype(object).to_numpy()
        for g in pd.unique(groups):
            idx = np.flatnonzero(groups == g)
            shares = {name: self.share(it.id, name, group=g) for name in groups_spec}
            if any(v is None for v in shares.values()):
                shares = {name: self.share(it.id, name) or float(gs["fallback"]) for name, gs in groups_spec.items()}
            miss = 1.0
            for v in shares.values():
                miss -= v  # type: ignore[operator]
            miss = max(0.0, miss)
            vi = min(miss, vi_rates)
            probs = []
            for lab in ranking:
                name = next(k for k in groups_spec
                            if lab in {it.scale.category(c).label for c in col[k]})  # type: ignore[union-attr]
                s = float(groups_spec[name]["share"])
                probs.append(shares[name] * s if lab == groups_spec[name]["extreme"] else shares[name] * (1 - s))
            values[idx] = _draft_item(lat[idx], [*ranking, dont_know, NA], [*probs, vi, miss - vi],
                                      n_substantive=len(ranking), rng=self.rng)
        return values

    def printed_item(self, it: Item) -> np.ndarray:
        """An item printed category by category, with a don't-know and a no-answer note."""
        sc = self.d["scales"][it.scale.name]  # type: ignore[union-attr]
        lat = self.latent(it)
        vi, na = self.share(it.id, self.d["dont_know"]), self.share(it.id, sc.get("no_answer", "NA"))
        shares = {cat: self.share(it.id, cat) or float(fb) for cat, fb in sc["fallback"].items()}
        rest = 1.0
        for v in shares.values():
            rest -= v
        vi = vi if vi is not None else max(0.0, rest)
        na = na if na is not None else max(0.0, rest - vi)
        ranking = list(sc["ranking"])
        probs = [shares[lab] for lab in ranking]
        values = np.empty(self.n, dtype=object)
        values[:] = _draft_item(lat, [*ranking, self.d["dont_know"], NA], [*probs, vi, na],
                                n_substantive=len(ranking), rng=self.rng)
        return values

    def priorities(self, prio: list[Item], form: str) -> dict[str, np.ndarray]:
        """The priority items: a propensity per virkemiddel from the factors, plus noise per challenge."""
        pr, lv = self.a["priorities"], self.a["priority_levels"]
        levels = lv.get(form, {}).get("draft", {})
        ms, cn = float(lv["middels_share_of_rest"]), float(pr["challenge_noise"])
        ranking = self.d["priorities"]["ranking"]
        low, mid, high = ranking[0], ranking[1], ranking[-1]
        n, rng, cols = self.n, self.rng, {}
        for letter in sorted({it.id[-1] for it in prio}):
            load = pr["loadings"].get(letter, {})
            common = sum(float(w) * self.factors[f] for f, w in load.items())
            uniq = math.sqrt(max(0.05, 1 - sum(float(w) ** 2 for w in load.values())))
            u = common + uniq * rng.standard_normal(n)
            u = (u - u.mean()) / (u.std() or 1.0)
            vi = self.share(self.d["priorities"]["pooled_item"] + letter, self.d["dont_know"], rates=True) or 0.0
            dont_know = np.zeros(n, dtype=bool)
            dont_know[rng.permutation(n)[: allocate(n, [vi, 1 - vi])[0]]] = True
            hoy = float(levels.get(letter, DEFAULT_PRIORITY_LEVEL))
            for it in (x for x in prio if x.id[-1] == letter):
                z = math.sqrt(1 - cn) * u + math.sqrt(cn) * rng.standard_normal(n)
                vals = np.empty(n, dtype=object)
                vals[dont_know] = self.d["dont_know"]
                sub = np.flatnonzero(~dont_know)
                h = min(1.0, hoy / max(1e-9, 1 - vi))
                counts = allocate(len(sub), [(1 - h) * (1 - ms), (1 - h) * ms, h])
                vals[sub] = assign_ranked(z[sub], [low, mid, high], counts)
                cols[it.id] = vals
        return cols


def draft_responses(
    rnd: Round, spec: dict[str, Any], published: pd.DataFrame, background: dict[str, pd.DataFrame], seed: int
) -> dict[str, pd.DataFrame]:
    """Draw the draft answers from the spec's latent-variable model.

    Group margins follow the published shares where the study prints them
    (per group of ``satisfaction_split.by`` for the satisfaction items,
    national totals otherwise) and the spec's draft levels for priorities;
    the projection step fixes the rest.

    Parameters
    ----------
    rnd : Round
    spec : dict
        The round's spec (:func:`~samanalyse.published.reconstruction.spec.load_spec`).
    published : DataFrame
        The published cells as text.
    background : dict
        ``{form: respondents}`` in the order of the response files.
    seed : int
        Seed of the random draws.
    """
    cb = rnd.codebook
    rng = np.random.default_rng(seed)
    population = {f: p for p, f in forms_of_populations(published, cb).items()}
    rates = frozenset(t for t, s in rnd.catalogue.tables.items() if s["kind"] == "response_rates")
    split_scale = spec["assumptions"]["satisfaction_split"]["scale"]
    prio_topic = spec["draft"]["priorities"]["topic"]
    out: dict[str, pd.DataFrame] = {}
    for form in cb.forms:
        drafter = _Drafter(spec, published, background[form], population.get(form, ""), rates, rng)
        cols: dict[str, np.ndarray] = {}
        for it in cb.items(form, type="closed"):
            if it.topic == prio_topic:
                continue
            scale = it.scale.name if it.scale is not None else None
            cols[it.id] = drafter.collapsed_item(it) if scale == split_scale else drafter.printed_item(it)
        cols.update(drafter.priorities(cb.items(form, topic=prio_topic), form))
        out[form] = pd.DataFrame(cols, index=background[form].index)
    return out
