"""Report section: respondents and response rates per RHF and size class."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from samanalyse.report.context import Context, Section
from samanalyse.io.datasets import round_respondents
from samanalyse.survey.rounds import Round

__all__ = ["run", "size_reference"]


def run(ctx: Context) -> None:
    """Respondents and response rates per RHF (frame from the registers) and size class."""
    from samanalyse.survey.registers import helseforetak, kommuner, rhf_order

    rnd = ctx.round
    resp = round_respondents(rnd)
    frames = {"kommune": kommuner(rnd.register_year), "helseforetak": helseforetak(rnd.register_year)}
    kinds = {f: rnd.codebook.forms[f].respondent for f in rnd.forms}
    rows = []
    for form in rnd.forms:
        if form not in rnd.frame:
            continue
        sub = resp[resp["form"] == form]
        frame_rhf = (frames[kinds[form]]["rhf"].value_counts() if kinds[form] in frames
                     else rnd.frame_by(form, "rhf") if rnd.has_frame_units(form)   # a person form: persons per RHF
                     else None)                                                     # persons given as a total only
        for rhf in rhf_order():
            rows.append({"form": form, "rhf": rhf, "respondenter": int((sub["rhf"] == rhf).sum()),
                         "utvalg": int(frame_rhf.get(rhf, 0)) if frame_rhf is not None else np.nan})
        rows.append({"form": form, "rhf": "Samlet", "respondenter": len(sub), "utvalg": rnd.frame[form]})
    by_rhf = pd.DataFrame(rows)
    by_rhf["svarprosent"] = (100 * by_rhf["respondenter"] / by_rhf["utvalg"]).round(1)
    ctx.write_csv("respondenter_rhf", by_rhf)
    sized = [f for f in rnd.forms if kinds[f] == "kommune"] or [f for f in rnd.forms if kinds[f] == "person"]
    k = resp[resp["form"].isin(sized)]
    by_size = k.groupby("size_class", observed=False).size().rename("respondenter").reset_index()
    by_size["size_class"] = by_size["size_class"].astype(str)
    ctx.write_csv("respondenter_storrelse", by_size)
    tr = ctx.tr
    note = tr.round_note(rnd.notes, "respondents")
    src = [f"{tr.t('word', 'source_ssb')}. {tr.t('note', 'ssb_note')}"]
    cols = {"form": "form", "rhf": "rhf", "respondenter": "respondents", "utvalg": "frame",
            "svarprosent": "response_rate", "size_class": "size_class"}
    show = {c: tr.t("column", k) for c, k in cols.items()}
    from samanalyse.analysis.tables import population_label

    shown = by_rhf.assign(form=[population_label(rnd.codebook, f).capitalize() for f in by_rhf["form"]])
    ctx.add("respondenter", Section("rhf", tr.t("heading", "respondents_rhf"),
                                     shown.rename(columns=show), notes=[note] if note else [], sources=src))
    size_title = tr.t("staff", "respondents_size") if any(kinds[f] == "person" for f in sized) \
        else tr.t("heading", "respondents_size")
    ctx.add("respondenter", Section("storrelse", size_title.format(reference=size_reference(rnd)),
                                     by_size.rename(columns=show), sources=src))


def size_reference(rnd: Round) -> str:
    """What the round's size classes count, e.g. ``folkemengde 1.1.2009`` (from ``round.yaml``)."""
    when = rnd.size_reference_date
    try:
        d = date.fromisoformat(when)
    except ValueError:
        return f"folkemengde {when}".strip() if when else rnd.population_column
    return f"folkemengde {d.day}.{d.month}.{d.year}"
