"""Report section: factor analysis of the prioritised virkemidler, with its figures."""

from __future__ import annotations


from samanalyse.report.context import Context, Section

__all__ = ["run"]


def run(ctx: Context) -> None:
    """Factor analysis of the priorities (avsnitt 3.6): clusters, stability, who prefers which."""
    from samanalyse.analysis.factors import cluster_preference_by_sentralitet, factor_analysis, priority_scores
    from samanalyse.report.figures import plot_loadings, plot_parallel, plot_priorities, save_figure

    cb = ctx.round.codebook
    s = ctx.settings
    k = ctx.data[ctx.data["form"] == "kommune"].reset_index(drop=True)
    # polychoric correlations need ordinal codes: the mean over the four challenges, rounded (0/1/2)
    scores = priority_scores(k, codebook=cb, aggregate="round" if s.correlation == "polychoric" else "mean")
    fa = factor_analysis(scores, codebook=cb, correlation=s.correlation, missing=s.missing, n_factors=2,
                         n_iter=s.n_iter, n_boot=s.n_boot, seed=s.seed)
    ctx.facts["factor_timings"] = {k2: round(v, 3) for k2, v in fa.timings.items()}
    load = fa.efa.loadings_matrix().round(3).reset_index()
    ctx.write_csv("faktor_ladninger", load)
    ctx.write_csv("faktor_parallellanalyse", fa.parallel.table)
    ctx.write_csv("faktor_klynger", fa.clusters.items)
    secs = [
        Section("ladninger", "Faktorladninger (mønster), " + f"{fa.efa.method}, {fa.efa.rotation}", load),
        Section("parallell", "Antall faktorer: parallellanalyse, Kaiser og scree", fa.parallel.table.round(3)),
        Section("klynger", f"Klynger og bootstrap-stabilitet ({fa.clusters.n_boot_ok} av {fa.clusters.n_boot} trekk)",
                 fa.clusters.items.round(3)),
    ]
    if fa.preferences is not None:
        bg = k[["respondent", "sentralitet", "size_class", "population"]]
        finding = cluster_preference_by_sentralitet(fa.preferences, bg)
        ctx.write_csv("faktor_sentralitet", finding.test)
        secs.append(Section("sentralitet", "Foretrekker sentrale kommuner institusjonelle virkemidler (B)?",
                             finding.test.round(4),
                             notes=[f"Støtter studiens funn: {'ja' if finding.supports_study else 'nei'}."]))
    for sec in secs:
        ctx.add("faktorer", sec)
    figs = {
        "figur8_kommuner": ("Figur 8: Kommunenes syn på hvilke tiltak som bør prioriteres",
                            plot_priorities(ctx.data, codebook=cb, form="kommune",
                                            title=ctx.round.plan.priorities.figures.get("kommune"))),
        "figur9_helseforetak": ("Figur 9: Helseforetakenes syn på hvilke tiltak som bør prioriteres",
                                plot_priorities(ctx.data, codebook=cb, form="helseforetak",
                                                title=ctx.round.plan.priorities.figures.get("helseforetak"))),
        "faktorladninger": ("Faktorladninger", plot_loadings(fa.efa)),
        "parallellanalyse": ("Parallellanalyse", plot_parallel(fa.parallel)),
    }
    import matplotlib.pyplot as plt

    if ctx.round.reconstructed:
        for name in ("figur8_kommuner", "figur9_helseforetak"):
            title, fig = figs[name]
            fig.text(0.005, 0.003, "Rekonstruerte data: søylene viser antakelsene i reconstruction.yaml, "
                     "ikke studiens tall (Figur 8-9 er tapt i teksten).", fontsize=8, color="#a00")
            figs[name] = (title + " – rekonstruerte data, ikke studiens tall", fig)
    for name, (title, fig) in figs.items():
        paths = save_figure(fig, ctx.out / "figures" / name, formats=("png", "svg"))
        plt.close(fig)
        ctx.files += [f"figures/{p.name}" for p in paths]
        ctx.figures[name] = (title, next(p for p in paths if p.suffix == ".png"))
