"""Report section: respondents and response rates per RHF and size class."""

from __future__ import annotations

import pandas as pd

from samanalyse.report.context import Context, Section

__all__ = ["run"]


def run(ctx: Context) -> None:
    """Respondents and response rates per RHF (frame from the registers) and size class."""
    from samanalyse.survey.registers import helseforetak, kommuner, rhf_order

    rnd = ctx.round
    resp = rnd.respondents()
    frames = {"kommune": kommuner(rnd.register_year), "helseforetak": helseforetak(rnd.register_year)}
    rows = []
    for form, frame in frames.items():
        sub = resp[resp["form"] == form]
        for rhf in rhf_order():
            rows.append({"form": form, "rhf": rhf, "respondenter": int((sub["rhf"] == rhf).sum()),
                         "utvalg": int((frame["rhf"] == rhf).sum())})
        rows.append({"form": form, "rhf": "Samlet", "respondenter": len(sub), "utvalg": rnd.frame[form]})
    by_rhf = pd.DataFrame(rows)
    by_rhf["svarprosent"] = (100 * by_rhf["respondenter"] / by_rhf["utvalg"]).round(1)
    ctx.write_csv("respondenter_rhf", by_rhf)
    k = resp[resp["form"] == "kommune"]
    by_size = k.groupby("size_class", observed=False).size().rename("respondenter").reset_index()
    by_size["size_class"] = by_size["size_class"].astype(str)
    ctx.write_csv("respondenter_storrelse", by_size)
    ctx.add("respondenter", Section("rhf", "Respondenter og svarprosent per RHF (utvalg fra registrene)", by_rhf,
                                     notes=["Studien oppgir svarprosent 44 for kommunene (n=187) og 90 for "
                                            "helseforetakene (n=18); 18 av 22 er 81,8 % (se revisjonen)."]))
    ctx.add("respondenter", Section("storrelse", "Kommuner per størrelsesklasse (folkemengde 1.1.2009)", by_size))
