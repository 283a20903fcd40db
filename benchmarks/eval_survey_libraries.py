"""Evaluate Python survey libraries against the R ``survey`` reference values (issue 15, item 5).

Not part of the package or its tests: run it in a separate environment that has the candidates,
e.g. ``python -m venv /tmp/evalvenv && /tmp/evalvenv/bin/pip install svy samplics ipfn pandas``, then
``/tmp/evalvenv/bin/python benchmarks/eval_survey_libraries.py`` from the repository root.
It prints, per library and check, the largest absolute difference from R (tests/reference/weighting.json,
made by tests/reference/make_weighting_reference.R on the reconstructed 2010 kommune data).
"""
from __future__ import annotations

import json
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).resolve().parent.parent / "tests" / "reference"


def _load():
    ref = json.loads((REF / "weighting.json").read_text())["k2010"]
    sample = pd.read_csv(REF / "weighting_2010_sample.csv", dtype={"kommune": str})
    sample["w0"] = 430 / len(sample)
    sample["N"] = 430.0
    return ref, sample


def _report(lib: str, check: str, got, want) -> None:
    try:
        diff = float(np.max(np.abs(np.asarray(got, float) - np.asarray(want, float))))
        print(f"{lib:10s} {check:32s} max|diff| = {diff:.3g}  {'OK' if diff <= 1e-6 else 'FAILS 1e-6'}")
    except Exception as exc:  # noqa: BLE001 - an evaluation report, not library code
        print(f"{lib:10s} {check:32s} could not compare: {exc}")


def eval_svy(ref, sample) -> None:
    import polars as pl
    import svy

    pop = ref["population"]
    d = svy.Sample(pl.from_pandas(sample), svy.Design(wgt="w0", pop_size="N"))
    try:
        r = d.weighting.rake(controls={"rhf": pop["rhf"], "size_class": pop["size_class"]}, tol=1e-13, max_iter=1000)
        w = r.data["rk_wgt"].to_numpy()
        _report("svy", "rake weights", w, ref["designs"]["rake"]["weights"])
        est = r.estimation.mean("y")
        _report("svy", "rake svymean(y) SE", est.to_polars()["se"][0], ref["designs"]["rake"]["mean_y"]["se"][0][0])
        print("svy rake mean y:", est)
        print("R  rake mean y:", ref["designs"]["rake"]["mean_y"])
    except Exception:  # noqa: BLE001
        traceback.print_exc(limit=2)
    try:
        r = d.weighting.poststratify(controls={"rhf": pop["rhf"]}, cells="rhf")
        w = r.data[[c for c in r.data.columns if c not in sample.columns][0]].to_numpy()
        _report("svy", "postStratify weights", w, ref["designs"]["poststratify"]["weights"])
    except Exception:  # noqa: BLE001
        traceback.print_exc(limit=2)
    try:
        r = d.weighting.calibrate(controls={svy.Cat("rhf"): pop["rhf"], svy.Cat("size_class"): pop["size_class"]})
        w = r.data["calib_wgt"].to_numpy()
        _report("svy", "calibrate linear weights", w, ref["designs"]["linear"]["weights"])
        est = r.estimation.mean("y")
        _report("svy", "calibrate svymean(y) SE", est.to_polars()["se"][0], ref["designs"]["linear"]["mean_y"]["se"][0][0])
        print("svy linear mean y:", est)
        print("R  linear mean y:", ref["designs"]["linear"]["mean_y"])
    except Exception:  # noqa: BLE001
        traceback.print_exc(limit=2)
    try:
        d.weighting.calibrate(controls={svy.Cat("rhf"): pop["rhf"]}, bounds=(0.7, 1.75))
        print("svy: bounded calibration accepted")
    except Exception as exc:  # noqa: BLE001
        print("svy: bounded/logit calibration:", type(exc).__name__, str(exc)[:160])


def eval_ipfn(ref, sample) -> None:
    from ipfn import ipfn

    pop = ref["population"]
    df = sample[["rhf", "size_class"]].copy()
    df["total"] = sample["w0"]
    agg_r = pd.Series(pop["rhf"]); agg_r.index.name = "rhf"
    agg_s = pd.Series(pop["size_class"]); agg_s.index.name = "size_class"
    out = ipfn.ipfn(df, [agg_r, agg_s], [["rhf"], ["size_class"]], convergence_rate=1e-14, max_iteration=1000).iteration()
    _report("ipfn", "rake weights", out["total"].to_numpy(), ref["designs"]["rake"]["weights"])
    print("ipfn: weights only (no variance, no calibration, no bounds)")


def eval_samplics(ref, sample) -> None:
    from samplics.weighting import SampleWeight

    pop = ref["population"]
    sw = SampleWeight()
    w = sw.rake(samp_weight=sample["w0"].to_numpy(), x=sample[["rhf", "size_class"]].to_numpy(),
                control={"rhf": pop["rhf"], "size_class": pop["size_class"]}, tol=1e-13, max_iter=1000)
    _report("samplics", "rake weights", w, ref["designs"]["rake"]["weights"])


if __name__ == "__main__":
    ref, sample = _load()
    for fn in (eval_svy, eval_ipfn, eval_samplics):
        try:
            fn(ref, sample)
        except Exception:  # noqa: BLE001
            print(fn.__name__, "failed:")
            traceback.print_exc(limit=3)


def eval_svy_staff() -> None:
    """The synthetic staff-level round: strata (RHF), clusters (kommuner), fpc, raking; and a Rao-Scott table."""
    import polars as pl
    import svy

    ref = json.loads((REF / "weighting.json").read_text())["staff"]
    staff = pd.read_csv(REF / "weighting_staff.csv")
    d = svy.Sample(pl.from_pandas(staff), svy.Design(stratum="rhf", psu="kommune", wgt="w0", pop_size="N_psu"))
    est = d.estimation.mean("y").to_polars()
    _report("svy", "staff svymean(y) SE", est["se"][0], ref["designs"]["none"]["mean_y"]["se"][0][0])
    pop = ref["population"]
    r = d.weighting.rake(controls={"size_class": pop["size_class"], "sex": pop["sex"]}, tol=1e-13, max_iter=1000)
    _report("svy", "staff rake weights", r.data["rk_wgt"].to_numpy(), ref["designs"]["rake"]["weights"])
    est = r.estimation.mean("y").to_polars()
    _report("svy", "staff rake svymean(y) SE", est["se"][0], ref["designs"]["rake"]["mean_y"]["se"][0][0])
    try:
        est = r.estimation.prop("y", ci_method="beta" if False else None) if hasattr(r.estimation, "prop") else None
        print("svy prop:", None if est is None else est.to_polars())
    except Exception as exc:  # noqa: BLE001
        print("svy prop:", type(exc).__name__, str(exc)[:200])
    try:
        t = r.categorical.tabulate(rowvar="y", colvar="size_class") if hasattr(r, "categorical") else None
        print("svy table:", t)
    except Exception as exc:  # noqa: BLE001
        print("svy table:", type(exc).__name__, str(exc)[:200])
    print("R svychisq F:", ref["designs"]["rake"]["svychisq_F"])


if __name__ == "__main__":
    try:
        eval_svy_staff()
    except Exception:  # noqa: BLE001
        traceback.print_exc(limit=3)
