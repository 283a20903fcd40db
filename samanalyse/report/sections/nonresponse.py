"""Report section: nonresponse against the frame, the weights, and unweighted beside weighted shares.

Tables (``tables/``): ``bortfall.csv`` (response per RHF, size class, centrality, fylke),
``bortfall_tester.csv`` (chi-square per grouping), ``bortfall_modell.csv`` (response-propensity
model), and, when the round declares weights (``round.yaml`` ``weights:`` or ``--weights``):
``vekter.csv`` (``form, respondent, weight``; not for publication), ``vekter_oppsummering.csv``
and ``vektet_sammenligning.csv`` (each closed item's shares, unweighted and weighted, with the
weighted 95 % logit interval). The sections go in the report's ``respondenter`` group.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from samanalyse.analysis.nonresponse import response_by, response_propensity, response_tests
from samanalyse.analysis.weights import RoundWeights, form_design, round_weights
from samanalyse.report.context import Context, Section
from samanalyse.report.figures import save_figure
from samanalyse.stats.design import design_share

__all__ = ["run", "weighted_comparison", "COMPARISON_COLUMNS", "HTML_ROWS"]

COMPARISON_COLUMNS = ["form", "item", "label", "category", "n", "unweighted", "weighted", "difference",
                      "ci_lower", "ci_upper", "deff"]
#: Rows of the comparison shown on the web page (largest differences first; the CSV has all).
HTML_ROWS = 15
GROUP = "respondenter"


def _t(ctx: Context, key: str, default: str, group: str = "nonresponse") -> str:
    """The report language's word for ``key`` (``data/translations``), else the bokmål ``default``."""
    tr = getattr(ctx, "tr", None)
    return tr.t(group, key, default=default) if tr is not None else default


def run(ctx: Context) -> None:
    """Nonresponse tables and chart; with weights: the weights and the weighted comparison."""
    rnd = ctx.round
    forms = [f for f in rnd.forms if f in rnd.frame]
    rates = pd.concat([response_by(rnd, f) for f in forms], ignore_index=True)
    tests = pd.concat([response_tests(rnd, f) for f in forms], ignore_index=True)
    ctx.write_csv("bortfall", rates)
    ctx.write_csv("bortfall_tester", tests)
    outside = sorted({x for f in forms for x in response_by(rnd, f).attrs.get("outside_frame", [])})
    notes = [_t(ctx, "outside", "Respondenter utenfor rammen (ikke talt her): ") + ", ".join(outside)] if outside else []
    if rnd.reconstructed:
        notes.append(_t(ctx, "reconstructed_short", "rekonstruerte data", "word").capitalize())
    show = rates.assign(response_rate=rates["response_rate"].round(1))
    ctx.add(GROUP, Section("bortfall", _t(ctx, "title", "Svar og bortfall mot rammen (registeret)"), show,
                           notes=notes, percent_columns=("response_rate",)))
    ctx.add(GROUP, Section("bortfall_tester", _t(ctx, "tests", "Svar mot registerets grupper: kjikvadrattest"),
                           tests.round(4), p_columns=("p_value",)))
    _model(ctx, forms)
    _chart(ctx, rates)
    weights = round_weights(rnd, getattr(ctx.settings, "weights", None))
    if weights is not None:
        _weights(ctx, weights)


def _model(ctx: Context, forms: list[str]) -> None:
    rows = []
    for f in forms:
        if len(ctx.round.frame_units(f)) < 50:   # too few units for a model with several predictors
            continue
        res = response_propensity(ctx.round, f)
        rows.append(res.coefficients.assign(form=f, pseudo_r2=res.pseudo_r2, auc=res.auc))
    if not rows:
        return
    model = pd.concat(rows, ignore_index=True)[["form", "term", "coef", "se", "z", "p_value", "odds_ratio",
                                               "pseudo_r2", "auc"]]
    ctx.write_csv("bortfall_modell", model)
    ctx.add(GROUP, Section("bortfall_modell", _t(ctx, "model", "Svarsannsynlighet: logistisk modell over rammen"),
                           model.round(4), p_columns=("p_value",)))


def _chart(ctx: Context, rates: pd.DataFrame) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [(f, b) for f in rates["form"].unique() for b in ("rhf", "size_class")
              if ((rates["form"] == f) & (rates["by"] == b)).any()]
    fig = Figure(figsize=(9, 1.2 + 2.2 * len(panels)), layout="constrained")
    FigureCanvasAgg(fig)
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
    paths = save_figure(fig, ctx.out / "figures" / "bortfall", formats=("png", "svg"))
    ctx.files += [f"figures/{p.name}" for p in paths]
    ctx.figures["bortfall"] = (_t(ctx, "chart", "Svarprosent per RHF og størrelsesklasse"),
                               next(p for p in paths if p.suffix == ".png"))


def _weights(ctx: Context, weights: RoundWeights) -> None:
    table = weights.to_frame()
    ctx.write_csv("vekter", table)
    summary = weights.summary()
    ctx.write_csv("vekter_oppsummering", summary)
    ctx.facts["weights"] = {"method": weights.method, "forms": {f: list(m) for f, m in weights.margins.items()}}
    note = _t(ctx, "not_public", "Vektene (tables/vekter.csv) er ikke for publisering: de er knyttet til "
              "den enkelte respondent.")
    ctx.add(GROUP, Section("vekter", _t(ctx, "weights", "Vekter for bortfall") + f" ({weights.method})",
                           summary.round(6), notes=[note]))
    comp = weighted_comparison(ctx, weights)
    ctx.write_csv("vektet_sammenligning", comp)
    top = comp.reindex(comp["difference"].abs().sort_values(ascending=False, kind="stable").index).head(HTML_ROWS)
    ctx.add(GROUP, Section("vektet", _t(ctx, "comparison", "Uvektet og vektet andel (største forskjeller; alle i "
                                        "tables/vektet_sammenligning.csv)"), top.round(2),
                           percent_columns=("unweighted", "weighted", "difference", "ci_lower", "ci_upper")))


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
