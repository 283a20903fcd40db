"""Nonresponse weights of a round: which method ``round.yaml`` (or ``--weights``) asks for, on which margins.

``round.yaml`` may say (all keys optional)::

    weights:
      method: raking          # none | poststratify | raking | linear | logit
      margins:                # per form; default: rhf + size_class for kommuner, rhf for helseforetak
        kommune: [rhf, size_class]
      bounds: [0.5, 2.0]      # bounds on g = weight / (N/n) (linear: optional; logit: default [0.5, 2])
      trim: [1.0, 6.0]        # trim the final weights to [lower, upper] (R trimWeights)
      strata:                 # per form, optional: the design's strata, a respondent column
        ansatt: rhf

Every form starts from N/n (frame size over respondents) and is weighted to the frame's
counts per group (:meth:`Round.frame_by`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from samanalyse.errors import DataError, Problem, RoundError
from samanalyse.stats.design import Design, survey_design
from samanalyse.stats.weighting import WeightingResult, calibrate, poststratify, rake, trim_weights
from samanalyse.io.datasets import round_respondents
from samanalyse.survey.rounds import Round

__all__ = ["WEIGHT_METHODS", "DEFAULT_MARGINS", "RoundWeights", "frame_groups", "weights_setting",
           "round_weights", "form_design", "WEIGHT_COLUMNS"]

WEIGHT_METHODS = ("none", "poststratify", "raking", "linear", "logit")
#: Margins by the kind of respondent of a form (the codebook's ``respondent``).
DEFAULT_MARGINS: dict[str, tuple[str, ...]] = {"kommune": ("rhf", "size_class"), "helseforetak": ("rhf",),
                                                "person": ("rhf", "size_class")}
DEFAULT_LOGIT_BOUNDS = (0.5, 2.0)
#: Columns of ``tables/vekter.csv``.
WEIGHT_COLUMNS = ["form", "respondent", "weight"]


def frame_groups(rnd: Round, form: str, by: str) -> pd.Series:
    """The group of ``by`` (``"rhf"``, ``"size_class"`` or a register column) of every frame unit of ``form``.

    The same classification as :meth:`Round.frame_by`, unit by unit (index: the unit's id).
    """
    units = rnd.frame_units(form)
    if by == "size_class":
        col = pd.Series(rnd.size_classes.classify(units[rnd.population_column]), index=units.index)
        for knr, ov in (rnd.meta["size_classes"].get("overrides") or {}).items():
            if knr in units.index:
                col[units.index == knr] = ov["size_class"]
    else:
        col = units[by]
    return col.astype(str).rename(by)


@dataclass(frozen=True)
class RoundWeights:
    """The weights of every form of a round.

    Attributes
    ----------
    method : str
        One of :data:`WEIGHT_METHODS`.
    forms : dict
        ``{form: WeightingResult}`` (index: the respondent ids).
    margins : dict
        ``{form: margins used}``.
    frame_size : dict
        ``{form: N}`` (persons, for a person form).
    clusters : dict
        ``{form: Series}``: the first-stage cluster (kommune) of each respondent of a person form
        (index: the respondent ids); :func:`form_design` uses it. Empty for kommune and helseforetak forms.
    strata : dict
        ``{form: Series}``: the stratum of each respondent, for the forms ``weights.strata`` names.
    stratum_sizes : dict
        ``{form: {stratum: N_h}}``: frame units per stratum (the finite-population correction of a
        stratified kommune or helseforetak form; unused for persons, whose first stage is the kommune).
    """

    method: str
    forms: dict[str, WeightingResult]
    margins: dict[str, tuple[str, ...]]
    frame_size: dict[str, int]
    clusters: dict[str, pd.Series] = field(default_factory=dict)
    strata: dict[str, pd.Series] = field(default_factory=dict)
    stratum_sizes: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """``form, respondent, weight`` (:data:`WEIGHT_COLUMNS`), one row per respondent, sorted."""
        parts = [pd.DataFrame({"form": f, "respondent": r.weights.index.astype(str), "weight": r.weights.to_numpy()})
                 for f, r in self.forms.items()]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=WEIGHT_COLUMNS)
        return out.sort_values(["form", "respondent"], kind="stable").reset_index(drop=True)[WEIGHT_COLUMNS]

    def summary(self) -> pd.DataFrame:
        """Per form: method, margins, iterations, converged, max_error, weights' range and Kish's effective n."""
        rows = []
        for f, r in self.forms.items():
            s = r.summary().iloc[0].to_dict()
            rows.append({"form": f, "margins": " + ".join(self.margins[f]), **s})
        return pd.DataFrame(rows)


def weights_setting(rnd: Round, method: str | None = None) -> dict:
    """The round's ``weights`` setting with ``method`` (e.g. from ``--weights``) put first.

    Returns ``{"method", "margins", "strata", "bounds", "trim"}``; ``method`` is ``"none"`` when neither says.

    Raises
    ------
    RoundError
        If ``method`` is not one of :data:`WEIGHT_METHODS`.
    """
    meta = dict(rnd.meta.get("weights") or {})
    chosen = method or meta.get("method") or "none"
    if chosen not in WEIGHT_METHODS:
        raise RoundError([Problem(str(rnd.path / "round.yaml"), "weights.method", f"{chosen!r} is not a weighting "
                                  "method", ", ".join(WEIGHT_METHODS))])
    return {"method": chosen, "margins": dict(meta.get("margins") or {}), "strata": dict(meta.get("strata") or {}),
            "bounds": tuple(meta["bounds"]) if meta.get("bounds") else None,
            "trim": tuple(meta["trim"]) if meta.get("trim") else None}


def _margins(rnd: Round, form: str, setting: dict) -> tuple[str, ...]:
    if form in setting["margins"]:
        return tuple(setting["margins"][form])
    kind = rnd.codebook.forms[form].respondent
    return DEFAULT_MARGINS.get(kind, ("rhf",))


def _form_weights(rnd: Round, form: str, setting: dict) -> tuple[WeightingResult, tuple[str, ...]]:
    resp = round_respondents(rnd, form).set_index("respondent")
    margins = _margins(rnd, form, setting)
    file = str(rnd.path / "round.yaml")
    for m in margins:
        if m not in resp.columns:
            raise RoundError([Problem(file, f"weights.margins.{form}", f"{m!r} is not a respondent column",
                                      ", ".join(c for c in resp.columns if c not in ("form", "respondent")))])
        missing = resp.index[resp[m].isna() | (resp[m].astype(str) == "")]
        if len(missing):
            raise DataError(f"weights for form {form!r}: respondents {', '.join(map(str, missing[:5]))} have no "
                            f"{m}; give it in the respondents file or leave {m} out of weights.margins.{form}")
    totals = {m: {str(k): float(v) for k, v in rnd.frame_by(form, m).items()} for m in margins}
    data = resp[list(margins)].astype(str)
    start = [rnd.frame[form] / len(resp)] * len(resp)
    method = setting["method"]
    if method == "poststratify":
        res = poststratify(data, margins[0], totals[margins[0]], weights=start)
    elif method == "raking":
        res = rake(data, totals, weights=start)
    else:
        bounds = setting["bounds"] or (DEFAULT_LOGIT_BOUNDS if method == "logit" else None)
        res = calibrate(data, totals, weights=start, calfun=method, bounds=bounds)
    if setting["trim"]:
        res = trim_weights(res, lower=setting["trim"][0], upper=setting["trim"][1])
    return res, margins


def round_weights(rnd: Round, method: str | None = None) -> RoundWeights | None:
    """The nonresponse weights of every form of ``rnd`` (None when the method is ``"none"``).

    Parameters
    ----------
    rnd : Round
        The round.
    method : str, optional
        Overrides ``round.yaml``'s ``weights.method`` (e.g. ``samanalyse report --weights raking``).
    """
    setting = weights_setting(rnd, method)
    if setting["method"] == "none":
        return None
    forms, margins, clusters, strata, sizes = {}, {}, {}, {}, {}
    for form in rnd.forms:
        if form not in rnd.frame or round_respondents(rnd, form).empty:
            continue
        forms[form], margins[form] = _form_weights(rnd, form, setting)
        who = round_respondents(rnd, form)
        ids = who["respondent"].astype(str).to_numpy()
        if rnd.codebook.forms[form].unit is not None:
            clusters[form] = pd.Series(who["kommune"].astype(str).to_numpy(), index=ids, name="kommune")
        if form in setting["strata"]:
            col = _strata_column(rnd, form, setting["strata"][form], who)
            strata[form] = pd.Series(who[col].astype(str).to_numpy(), index=ids, name=col)
            sizes[form] = {str(k): int(v) for k, v in rnd.frame_by(form, col).items()}
    return RoundWeights(setting["method"], forms, margins, {f: rnd.frame[f] for f in forms}, clusters, strata, sizes)


def _strata_column(rnd: Round, form: str, col: str, who: pd.DataFrame) -> str:
    file = str(rnd.path / "round.yaml")
    if col not in who.columns or col in ("form", "respondent"):
        raise RoundError([Problem(file, f"weights.strata.{form}", f"{col!r} is not a respondent column",
                                  ", ".join(c for c in who.columns if c not in ("form", "respondent")))])
    if (who[col].isna() | (who[col].astype(str) == "")).any():
        raise DataError(f"strata for form {form!r}: some respondents have no {col}; give it, or leave "
                        f"weights.strata.{form} out")
    return col


def form_design(data: pd.DataFrame, form: str, weights: RoundWeights | None, frame_size: int, *,
                clusters: Sequence[str] | None = None) -> Design:
    """The design of one form's respondents (``data`` has a ``respondent`` column); R ``svydesign``.

    Kommune and helseforetak forms: one stage, the respondents are the units, with the weights and the
    finite-population correction of the frame's N (R ``svydesign(ids=~1, fpc=~N, weights=~w)``; after
    raking, R ``rake``). A person form (persons within kommuner): clusters = kommuner (R
    ``svydesign(ids=~kommune, weights=~w)``, with-replacement ultimate-cluster variance, no fpc: every
    kommune of the frame is in the survey, so a first-stage fpc would leave no variance), from
    ``clusters`` or else ``weights.clusters``. With ``weights.strata`` (``round.yaml`` ``weights: strata:``)
    the design is stratified (R ``strata=~h``; for units with the fpc N_h of each stratum). Without weights
    every respondent has N/n.
    """
    ids = data["respondent"].astype(str)
    if clusters is None and weights is not None and form in weights.clusters:
        clusters = weights.clusters[form].reindex(ids.to_numpy()).to_numpy(object)
    base = data.reset_index(drop=True)
    if clusters is not None:
        base = base.assign(_cluster=np.asarray(clusters, dtype=object))
        if base["_cluster"].isna().any():
            raise DataError(f"form {form!r}: {int(base['_cluster'].isna().sum())} respondents have no kommune "
                            "(the cluster of a person)")
    design_args: dict = {"clusters": "_cluster"} if clusters is not None else {"frame_size": float(frame_size)}
    if weights is not None and form in weights.strata:
        base = base.assign(_stratum=weights.strata[form].reindex(ids.to_numpy()).to_numpy(object))
        design_args["strata"] = "_stratum"
        if clusters is None:   # units: the fpc of each stratum
            sizes = weights.stratum_sizes[form]
            base = base.assign(_fpc=[float(sizes.get(str(h), np.nan)) for h in base["_stratum"]])
            design_args["frame_size"] = "_fpc"
    if weights is None or form not in weights.forms:
        return survey_design(base, weights=[frame_size / len(data)] * len(data), **design_args)
    res = weights.forms[form]
    order = pd.Index(res.weights.index.astype(str)).get_indexer(ids)
    if (order < 0).any() or len(order) != len(res.weights):
        raise DataError(f"form {form!r}: the data's respondents are not those of the weights "
                        f"({len(order)} rows, {len(res.weights)} weights)")
    return survey_design(base, weights=res.take(order), **design_args)
