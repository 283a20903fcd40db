"""Report section: nonresponse against the frame, the weights, and unweighted beside weighted shares.

Tables (``tables/``): ``bortfall.csv`` (response per RHF, size class, centrality, fylke),
``bortfall_tester.csv`` (chi-square per grouping), ``bortfall_modell.csv`` (response-propensity
model), and, when the round declares weights (``round.yaml`` ``weights:`` or ``--weights``):
``vekter.csv`` (``form, respondent, weight``; not for publication), ``vekter_oppsummering.csv``
and ``vektet_sammenligning.csv`` (each closed item's shares, unweighted and weighted, with the
weighted 95 % logit interval). The sections go in the report's ``respondenter`` group.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from samanalyse.analysis.nonresponse import frame_response, response_by, response_propensity, response_tests
from samanalyse.analysis.weights import RoundWeights, form_design, round_weights
from samanalyse.report.context import Context, Section
from samanalyse.stats.design import design_share

__all__ = ["run", "prepare", "Prepared", "weighted_comparison", "COMPARISON_COLUMNS", "HTML_ROWS", "LABELLED"]

COMPARISON_COLUMNS = ["form", "item", "label", "category", "n", "unweighted", "weighted", "difference",
                      "ci_lower", "ci_upper", "deff"]
#: Rows of the comparison shown on the web page (largest differences first; the CSV has all).
HTML_ROWS = 15
GROUP = "respondenter"


def _t(ctx: Context, key: str, default: str, group: str = "nonresponse") -> str:
    """The report language's word for ``key`` (``data/translations``), else the bokmål ``default``."""
    tr = getattr(ctx, "tr", None)
    return tr.t(group, key, default=default) if tr is not None else default


#: Program column names -> their key in the translation table (group ``nonresponse``, ``col_<name>``).
LABELLED = ("form", "by", "group", "frame_size", "respondents", "response_rate", "groups", "chi2", "df", "p_value",
            "min_expected", "term", "coef", "se", "z", "odds_ratio", "pseudo_r2", "auc", "margins", "method",
            "iterations", "converged", "max_error", "min_weight", "max_weight", "n", "n_effective", "item", "label",
            "category", "unweighted", "weighted", "difference", "ci_lower", "ci_upper", "deff")


def _section(ctx: Context, key: str, title: str, frame: pd.DataFrame, *, notes: list[str] | None = None,
             percent: tuple[str, ...] = (), p: tuple[str, ...] = ()) -> Section:
    """A section whose column headers are the report language's labels (the tidy CSVs keep the names)."""
    names = {c: _t(ctx, f"col_{c}", c) for c in frame.columns if c in LABELLED}
    return Section(key, title, _values(ctx, frame).rename(columns=names), notes=notes or [],
                   percent_columns=tuple(names.get(c, c) for c in percent), p_columns=tuple(names.get(c, c) for c in p))


def _values(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """Program values in the cells shown (form, grouping, a model's term ``rhf=Helse Nord``) as the report's words."""
    from samanalyse.analysis.tables import population_label

    out = frame.copy()

    def by(name: str) -> str:
        return _t(ctx, f"by_{name}", name)

    if "form" in out:
        out["form"] = [population_label(ctx.round.codebook, f).capitalize() if f in ctx.round.forms else f
                       for f in out["form"]]
    if "by" in out:
        out["by"] = out["by"].map(lambda b: by(str(b)))
    if "margins" in out:
        out["margins"] = out["margins"].map(lambda m: " + ".join(by(x.strip()) for x in str(m).split("+")))
    if "method" in out:
        out["method"] = out["method"].map(lambda m: _t(ctx, f"method_{m}", str(m)))
    if "term" in out:
        out["term"] = out["term"].map(lambda t: _t(ctx, "term_const", t) if t == "const" else
                                      (f"{by(t.partition('=')[0])}: {t.partition('=')[2]}" if "=" in str(t) else by(t)))
    return out


@dataclass(frozen=True)
class Prepared:
    """The nonresponse numbers computed and the chart written (the heavy part of the step).

    ``rates``/``tests``/``model``: :data:`~samanalyse.analysis.nonresponse.RESPONSE_COLUMNS`,
    :data:`~samanalyse.analysis.nonresponse.TEST_COLUMNS` and the propensity model (None without a model);
    ``outside``: respondents outside the frame; ``chart``: the chart's file names in ``figures/``.
    """

    rates: pd.DataFrame
    tests: pd.DataFrame
    model: pd.DataFrame | None
    outside: tuple[str, ...]
    chart: tuple[str, ...]


def prepare(ctx: Context) -> Prepared | None:
    """Response against the frame, its tests, the propensity model and the chart (files into ``figures/``).

    Needs only the round, so the report may run it ahead in a background process
    (:mod:`samanalyse.report.background`) while its first steps run. None when no form's frame lists
    its units (e.g. a person form given only as a total).
    """
    rnd = ctx.round
    forms = [f for f in rnd.forms if f in rnd.frame and rnd.has_frame_units(f)]
    if not forms:
        return None
    frames = {f: frame_response(rnd, f) for f in forms}     # each form's frame read once
    by_form = {f: response_by(rnd, f, frame=frames[f]) for f in forms}
    rates = pd.concat(list(by_form.values()), ignore_index=True)
    tests = pd.concat([response_tests(rnd, f, frame=frames[f]) for f in forms], ignore_index=True)
    outside = tuple(sorted({x for f in forms for x in by_form[f].attrs.get("outside_frame", [])}))
    return Prepared(rates, tests, _model(ctx, forms, frames), outside, _chart(ctx, rates))


def run(ctx: Context) -> None:
    """Nonresponse tables and chart; with weights: the weights and the weighted comparison."""
    rnd = ctx.round
    prep = ctx.prepared(prepare)
    if prep is not None:
        _response(ctx, prep)
    weights = round_weights(rnd, getattr(ctx.settings, "weights", None))
    if weights is not None:
        _weights(ctx, weights)


def _response(ctx: Context, prep: Prepared) -> None:
    """Response against the frame: its tables, sections and chart."""
    rnd = ctx.round
    rates, tests = prep.rates, prep.tests
    ctx.write_csv("bortfall", rates)
    ctx.write_csv("bortfall_tester", tests)
    notes = [_t(ctx, "outside", "Respondenter utenfor rammen (ikke talt her): ") + ", ".join(prep.outside)] \
        if prep.outside else []
    if rnd.reconstructed:
        notes.append(_t(ctx, "reconstructed_short", "rekonstruerte data", "word").capitalize())
    show = rates.assign(response_rate=rates["response_rate"].round(1))
    ctx.add(GROUP, _section(ctx, "bortfall", _t(ctx, "title", "Svar og bortfall mot rammen (registeret)"), show,
                            notes=notes, percent=("response_rate",)))
    ctx.add(GROUP, _section(ctx, "bortfall_tester", _t(ctx, "tests", "Svar mot registerets grupper: kjikvadrattest"),
                            tests.round(4), p=("p_value",)))
    if prep.model is not None:
        ctx.write_csv("bortfall_modell", prep.model)
        ctx.add(GROUP, _section(ctx, "bortfall_modell", _t(ctx, "model", "Svarsannsynlighet: logistisk modell over "
                                                          "rammen"), prep.model.round(4), p=("p_value",)))
    ctx.files += [f"figures/{name}" for name in prep.chart]
    ctx.figures["bortfall"] = (_t(ctx, "chart", "Svarprosent per RHF og størrelsesklasse"),
                               ctx.out / "figures" / next(n for n in prep.chart if n.endswith(".png")))


def _model(ctx: Context, forms: list[str], frames: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    rows = []
    for f in forms:
        if ctx.round.frame[f] < 50:   # too few units (or persons) for a model with several predictors
            continue
        res = response_propensity(ctx.round, f, frame=frames[f])
        rows.append(res.coefficients.assign(form=f, pseudo_r2=res.pseudo_r2, auc=res.auc))
    if not rows:
        return None
    return pd.concat(rows, ignore_index=True)[["form", "term", "coef", "se", "z", "p_value", "odds_ratio",
                                              "pseudo_r2", "auc"]]


def _chart(ctx: Context, rates: pd.DataFrame) -> tuple[str, ...]:
    """Response rate per RHF and size class of each form, PNG and SVG; the file names written."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from samanalyse.report.canvas import save_figure   # matplotlib: imported only by the process that draws

    panels = [(f, b) for f in rates["form"].unique() for b in ("rhf", "size_class")
              if ((rates["form"] == f) & (rates["by"] == b)).any()]
    height = 1.2 + 2.2 * len(panels)
    fig = Figure(figsize=(9, height))
    FigureCanvasAgg(fig)
    longest = max((len(str(g)) for g in rates["group"]), default=10)
    # fixed margins instead of constrained layout: the same picture, a third of the time to draw
    fig.subplots_adjust(left=min(0.45, 0.03 + 0.0105 * longest), right=0.97, top=1 - 0.45 / height,
                        bottom=0.75 / height, hspace=0.55)
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (f, b) in zip(axes, panels):
        sub = rates[(rates["form"] == f) & (rates["by"] == b)]
        ax.barh(sub["group"], sub["response_rate"], color="#4a7bb7")
        total = 100 * sub["respondents"].sum() / sub["frame_size"].sum()
        ax.axvline(total, color="#333", linestyle="--", linewidth=1)
        ax.set_xlim(0, 100)
        ax.set_title(f"{_t(ctx, f, f, 'word')}: {b}", fontsize=10, loc="left")
        ax.invert_yaxis()
    axes[-1].set_xlabel(_t(ctx, "rate_axis", "Svarprosent (stiplet: samlet)"))
    if ctx.round.reconstructed:
        fig.text(0.01, 0.005, _t(ctx, "reconstructed_short", "rekonstruerte data", "word").capitalize(),
                 fontsize=8, color="#a00")
    return tuple(p.name for p in save_figure(fig, ctx.out / "figures" / "bortfall", formats=("png", "svg")))


def _weights(ctx: Context, weights: RoundWeights) -> None:
    table = weights.to_frame()
    ctx.write_csv("vekter", table)
    summary = weights.summary()
    ctx.write_csv("vekter_oppsummering", summary)
    ctx.facts["weights"] = {"method": weights.method, "forms": {f: list(m) for f, m in weights.margins.items()}}
    note = _t(ctx, "not_public", "Vektene (tables/vekter.csv) er ikke for publisering: de er knyttet til "
              "den enkelte respondent.")
    ctx.add(GROUP, _section(ctx, "vekter", _t(ctx, "weights", "Vekter for bortfall") + f" ({weights.method})",
                            summary.round(6), notes=[note]))
    comp = weighted_comparison(ctx, weights)
    ctx.write_csv("vektet_sammenligning", comp)
    top = comp.reindex(comp["difference"].abs().sort_values(ascending=False, kind="stable").index).head(HTML_ROWS)
    ctx.add(GROUP, _section(ctx, "vektet", _t(ctx, "comparison", "Uvektet og vektet andel (største forskjeller; "
                                              "alle i tables/vektet_sammenligning.csv)"), top.round(2),
                            percent=("unweighted", "weighted", "difference", "ci_lower", "ci_upper")))


def weighted_comparison(ctx: Context, weights: RoundWeights) -> pd.DataFrame:
    """Every closed item's substantive categories: unweighted and weighted share (%) side by side.

    Shares are of those who answered the item (a domain, as R ``svyciprop`` on a subset); the interval
    is the weighted logit interval with the finite-population correction. Columns: :data:`COMPARISON_COLUMNS`.
    """
    rnd, data = ctx.round, ctx.data
    rows = []
    for form in weights.forms:
        sub = data[data["form"] == form].reset_index(drop=True)
        cols, meta = {}, []
        for it in rnd.codebook.items(form, type="closed"):
            if it.id not in sub.columns or it.scale is None:
                continue
            answered = f"_a{len(cols)}"
            cols[answered] = sub[it.id].notna().to_numpy()
            for label in it.scale.labels(substantive_only=True):
                name = f"_y{len(meta)}"
                cols[name] = (sub[it.id].astype(object) == label).astype(float).to_numpy()
                meta.append((it, label, name, answered))
        if not meta:
            continue
        frame = pd.concat([sub[["respondent"]], pd.DataFrame(cols)], axis=1)
        design = form_design(frame, form, weights, weights.frame_size[form])
        for answered in dict.fromkeys(m[3] for m in meta):
            mine = [m for m in meta if m[3] == answered]
            got = design_share(design, [m[2] for m in mine], by=answered)
            got = got[got["domain"] == True].set_index("variable")  # noqa: E712 - the domain's value is True
            mask = frame[answered].to_numpy()
            for it, label, name, _ in mine:
                if name not in got.index:
                    continue
                w = got.loc[name]
                unweighted = 100 * float(frame.loc[mask, name].mean())
                rows.append({"form": form, "item": it.id, "label": it.label, "category": label,
                             "n": int(mask.sum()), "unweighted": unweighted, "weighted": 100 * w["estimate"],
                             "difference": 100 * w["estimate"] - unweighted, "ci_lower": 100 * w["ci_lower"],
                             "ci_upper": 100 * w["ci_upper"], "deff": w["deff"]})
    out = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return out.replace([np.inf, -np.inf], np.nan)
