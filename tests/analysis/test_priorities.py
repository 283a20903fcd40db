"""Tests of samanalyse.analysis.priorities: scores, clusters named by the plan, preferences, the plan's
expected finding and the pipeline (also on the made-up round tests/data/rounds/annen when it exists)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import samanalyse.analysis.priorities as fx
from samanalyse.errors import ArgumentError, DataError, PlanError, SmallCellWarning
from samanalyse.stats.factor.congruence import align_factors
from samanalyse.stats.factor.correlation import correlations
from samanalyse.stats.factor.efa import efa
from samanalyse.survey.rounds import load_codebook, load_round

LABELS = np.array(["Høy prioritet", "Middels prioritet", "Ikke prioritet", "Vet ikke/ikke aktuelt"])
PLAN = load_round("2010").plan.priorities
CLUSTERS = PLAN.clusters
ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"


# ================================================================= fixtures ==


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")


@pytest.fixture(scope="module")
def synth(cb, synthetic_labels) -> dict:
    data, fa, fb = synthetic_labels()
    scores = fx.priority_scores(data, codebook=cb, aggregate="mean")
    corr = correlations(scores, method="pearson", missing="pairwise")
    fit = efa(corr, n_factors=2, method="minres", rotation="oblimin")
    cl = fx.item_clusters(fit, codebook=cb, n_boot=40, seed=7, markers=CLUSTERS)
    return {"data": data, "fa": fa, "fb": fb, "scores": scores, "corr": corr, "fit": fit, "clusters": cl}


# =================================================================== scores ==


def test_priority_scores_by_hand(cb) -> None:
    H, M, I, V = LABELS
    d = pd.DataFrame({
        "respondent": ["r1", "r2", "r3"],
        "q22a": pd.Categorical([H, V, None], categories=list(LABELS)),
        "q24a": pd.Categorical([M, I, None], categories=list(LABELS)),
        "q26a": pd.Categorical([M, I, None], categories=list(LABELS)),
        "q28a": pd.Categorical([H, H, H], categories=list(LABELS)),
        "q22b": [I, I, M],
    })
    per_item = fx.priority_scores(d, codebook=cb, aggregate=None)
    assert list(per_item.columns) == ["respondent", "q22a", "q22b", "q24a", "q26a", "q28a"]  # codebook order
    np.testing.assert_array_equal(per_item["q22a"], [2, np.nan, np.nan])
    np.testing.assert_array_equal(per_item["q24a"], [1, 0, np.nan])
    mean = fx.priority_scores(d, codebook=cb, aggregate="mean")
    assert list(mean.columns) == ["respondent", "avtaler_og_ledelse", "kunnskap_og_kompetanse"]
    np.testing.assert_allclose(mean["avtaler_og_ledelse"], [1.5, 2 / 3, 2.0])
    np.testing.assert_allclose(mean["kunnskap_og_kompetanse"], [0.0, 0.0, 1.0])
    rnd = fx.priority_scores(d, codebook=cb, aggregate="round")
    np.testing.assert_array_equal(rnd["avtaler_og_ledelse"], [2.0, 1.0, 2.0])  # 1.5 rounds half up
    sm = fx.priority_scores(d, codebook=cb, aggregate="sum")
    np.testing.assert_array_equal(sm["avtaler_og_ledelse"], [6.0, np.nan, np.nan])  # all 4 needed
    two = fx.priority_scores(d, codebook=cb, aggregate="mean", min_answered=2)
    np.testing.assert_array_equal(two["avtaler_og_ledelse"].isna(), [False, False, True])


def test_priority_scores_errors(cb) -> None:
    d = pd.DataFrame({"q22a": ["Høy prioritet", "Veldig høy"]})
    with pytest.raises(DataError, match="'Veldig høy'"):
        fx.priority_scores(d, codebook=cb)
    with pytest.raises(DataError, match="'q99z'"):
        fx.priority_scores(d, codebook=cb, items=["q99z"])
    with pytest.raises(DataError, match="'q24a'"):
        fx.priority_scores(d, codebook=cb, items=["q24a"])
    with pytest.raises(ArgumentError, match="'median'"):
        fx.priority_scores(d, codebook=cb, aggregate="median")  # type: ignore[arg-type]


# ================================================================= clusters ==


def test_clusters_named_by_virkemiddel(synth: dict) -> None:
    cl = synth["clusters"]
    items = cl.items.set_index("item")
    assert list(cl.items.columns) == ["item", "virkemiddel", "factor", "cluster", "loading", "second_loading",
                                      "stability"]
    for v in CLUSTERS["A"].virkemidler:
        assert items.loc[v, "cluster"] == "A"
    for v in CLUSTERS["B"].virkemidler:
        assert items.loc[v, "cluster"] == "B"
    assert sorted(cl.factor_clusters.values()) == ["A", "B"]
    assert cl.n_boot == 40 and cl.n_boot_ok == 40
    clear = [*CLUSTERS["A"].virkemidler, *CLUSTERS["B"].virkemidler]
    assert (items.loc[clear, "stability"] >= 0.9).all()
    boot = cl.bootstrap
    assert list(boot.columns) == ["item", "cluster", "share"]
    np.testing.assert_allclose(boot.groupby("item")["share"].sum(), 1.0)
    assert "A (" in cl.summary()


def test_cluster_names_do_not_depend_on_factor_order(cb, synthetic_labels) -> None:
    data, _, _ = synthetic_labels(seed=5, b_first=True)
    scores = fx.priority_scores(data, codebook=cb)
    fit = efa(correlations(scores, method="pearson", missing="pairwise"), n_factors=2)
    cl = fx.item_clusters(fit, codebook=cb, n_boot=0, seed=1, markers=CLUSTERS)
    assert cl.factor_clusters == {"F1": "B", "F2": "A"}  # B explains most variance here
    assert cl.items.set_index("item").loc["avtaler_og_ledelse", "cluster"] == "A"
    assert cl.items["stability"].isna().all()


def test_clusters_from_per_challenge_items_use_the_codebook(cb, synthetic_labels) -> None:
    data, _, _ = synthetic_labels(seed=2)
    per = fx.priority_scores(data, codebook=cb, aggregate=None)
    sub = ["q22a", "q24a", "q22b", "q24b", "q22c", "q22f", "q24f", "q22g", "q24g", "q22h"]
    corr = correlations(per, sub, method="polychoric", missing="pairwise")
    cl = fx.item_clusters(efa(corr, n_factors=2), codebook=cb, n_boot=0, seed=1, markers=CLUSTERS)
    items = cl.items.set_index("item")
    assert items.loc["q22a", "virkemiddel"] == "avtaler_og_ledelse"
    assert (items.loc[["q22a", "q24a", "q22b", "q24b", "q22c"], "cluster"] == "A").all()
    assert (items.loc[["q22f", "q24f", "q22g", "q24g", "q22h"], "cluster"] == "B").all()


def test_align_undoes_permutation_and_sign() -> None:
    rng = np.random.default_rng(0)
    L = rng.normal(size=(10, 3))
    shuffled = L[:, [2, 0, 1]] * np.array([-1, 1, -1])
    np.testing.assert_allclose(align_factors(shuffled, L), L)


def test_min_loading_leaves_items_unassigned(synth: dict, cb) -> None:
    cl = fx.item_clusters(synth["fit"], codebook=cb, min_loading=0.95, n_boot=5, seed=1, markers=CLUSTERS)
    assert (cl.items["cluster"] == "unassigned").all()
    assert cl.members("unassigned") == synth["fit"].items


# ============================================================== preferences ==


def test_preferences_follow_the_latent_traits(synth: dict) -> None:
    prefs = fx.respondent_preferences(synth["clusters"])
    f = prefs.frame
    assert list(f.columns) == ["respondent", "score_A", "score_B", "difference", "preference"]
    ok = f["preference"].isin(["A", "B"])
    truth = np.where(synth["fb"] - synth["fa"] > 0, "B", "A")
    agree = (f.loc[ok, "preference"].astype(str).to_numpy() == truth[ok.to_numpy()]).mean()
    assert agree > 0.75
    assert np.corrcoef(f["score_A"], synth["fa"])[0, 1] > 0.8
    wide = fx.respondent_preferences(synth["clusters"], band=0.5)
    assert (wide.frame["preference"] == "neither").sum() > (f["preference"] == "neither").sum()
    assert "band" in prefs.summary()


def _background(prefs: fx.Preferences, seed: int = 3) -> pd.DataFrame:
    """sentralitet that rises with the B-preference, as the study found."""
    rng = np.random.default_rng(seed)
    d = prefs.frame["difference"].to_numpy()
    sentr = np.clip(np.round(1.5 + 1.2 * d + rng.normal(scale=0.8, size=len(d))), 0, 3).astype(int)
    pop = np.exp(8 + 0.6 * sentr + rng.normal(scale=0.5, size=len(d))).round().astype(int)
    size = pd.Categorical(np.where(pop < 5000, "Små", np.where(pop < 20000, "Mellomstore", "Store")),
                          categories=["Små", "Mellomstore", "Store"], ordered=True)
    return pd.DataFrame({"respondent": prefs.frame["respondent"], "sentralitet": pd.array(sentr, "Int64"),
                         "population": pd.array(pop, "Int64"), "size_class": size})


def test_preference_by_sentralitet(synth: dict) -> None:
    prefs = fx.respondent_preferences(synth["clusters"])
    bg = _background(prefs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = fx.preference_by(prefs, bg, by="sentralitet", cluster="B", expected="more", higher_is_more=True,
                               alpha=0.05)
    t = res.test
    assert list(t.columns) == ["term", "coef", "se", "z", "p_value", "odds_ratio", "or_ci_low", "or_ci_high",
                               "n", "n_A", "n_B"]
    row = t.iloc[0]
    assert row.term == "sentralitet" and row.coef > 0 and row.p_value < 0.05
    assert row.odds_ratio == pytest.approx(np.exp(row.coef))
    assert row.or_ci_low < row.odds_ratio < row.or_ci_high
    assert row.n == row.n_A + row.n_B == int(prefs.frame["preference"].isin(["A", "B"]).sum())
    assert res.as_expected
    m = res.means.set_index("preference")["mean_sentralitet"]
    assert m["B"] > m["A"]
    assert res.crosstab.counts.to_numpy().sum() == row.n
    assert "is as expected" in res.summary()


def test_preference_model_and_crosstab(synth: dict) -> None:
    prefs = fx.respondent_preferences(synth["clusters"])
    bg = _background(prefs)
    m = fx.preference_model(prefs, bg, by=["size_class", "population", "sentralitet"], log=["population"])
    assert list(m.coefficients["term"]) == ["const", "size_class[Mellomstore]", "size_class[Store]",
                                            "log_population", "sentralitet"]
    assert "log(population)" in m.formula and m.converged
    ct = fx.preference_crosstab(prefs, bg, by="size_class")
    assert list(ct.counts.columns) == ["A", "B"]
    tidy = ct.to_frame()
    assert list(tidy.columns) == ["size_class", "preference", "n", "share"]
    assert ct.df == (ct.counts.shape[0] - 1)
    small = bg.iloc[:12]
    with pytest.warns(SmallCellWarning):
        fx.preference_crosstab(prefs, small, by="sentralitet")
    with pytest.raises(DataError, match="'kommunetype'"):
        fx.preference_model(prefs, bg, by=["kommunetype"])


# ================================================================= pipeline ==


def test_factor_analysis_pipeline(synth: dict, cb) -> None:
    res = fx.factor_analysis(synth["scores"], codebook=cb, markers=CLUSTERS, correlation="pearson",
                             missing="pairwise", n_factors=2, n_iter=10, n_boot=10, seed=4)
    assert set(res.timings) == {"correlations", "suitability", "parallel_analysis", "efa", "bootstrap",
                                "preferences"}
    assert res.preferences is not None
    # preferences carry the respondents' ids, so they join to samanalyse.respondents()
    assert list(res.preferences.frame["respondent"]) == list(synth["scores"]["respondent"])
    assert "Parallel analysis" in res.summary()
    res2 = fx.factor_analysis(synth["scores"], codebook=cb, markers=CLUSTERS, correlation="pearson",
                              missing="pairwise", n_factors=2, n_iter=10, n_boot=10, seed=4)
    pd.testing.assert_frame_equal(res.clusters.items, res2.clusters.items)


# ===================================================== direction of the scale ==


def test_preference_by_reversed_register_gives_the_same_verdict(synth: dict) -> None:
    # A register where 1 = most central (SSB 2024) holds 4 - s for the 2010 classes s = 0..3.
    prefs = fx.respondent_preferences(synth["clusters"])
    bg = _background(prefs)
    rev = bg.assign(sentralitet=(4 - bg["sentralitet"]).astype("Int64"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        up = fx.preference_by(prefs, bg, by="sentralitet", cluster="B", expected="more", higher_is_more=True,
                              alpha=0.05)
        down = fx.preference_by(prefs, rev, by="sentralitet", cluster="B", expected="more", higher_is_more=False,
                                alpha=0.05)
    a, b = up.test.iloc[0], down.test.iloc[0]
    assert a.coef == pytest.approx(b.coef, rel=1e-6) and a.odds_ratio == pytest.approx(b.odds_ratio, rel=1e-6)
    assert a.or_ci_low == pytest.approx(b.or_ci_low, rel=1e-6)
    assert a.or_ci_high == pytest.approx(b.or_ci_high, rel=1e-6)
    assert up.as_expected and down.as_expected
    less = fx.preference_by(prefs, bg, by="sentralitet", cluster="B", expected="less", higher_is_more=True,
                            alpha=0.05)
    assert not less.as_expected
    # the other cluster as the target: the same test, mirrored
    other = fx.preference_by(prefs, bg, by="sentralitet", cluster="A", expected="less", higher_is_more=True,
                             alpha=0.05)
    assert other.test.iloc[0].coef == pytest.approx(-a.coef, rel=1e-6) and other.as_expected
    assert list(other.test.columns)[-2:] == ["n_B", "n_A"]


# ======================================================== the plan's analysis ==


def test_analyse_priorities_runs_the_plan() -> None:
    rnd = load_round("2010")
    res = fx.analyse_priorities(round=rnd, n_boot=5, n_iter=5)
    assert res.seed == rnd.plan.settings.seed and res.n_boot == 5
    assert sorted(res.analysis.clusters.factor_clusters.values()) == sorted(rnd.plan.priorities.clusters)
    assert res.finding is not None and res.finding.by == rnd.plan.priorities.preference.by
    assert res.analysis.clusters.labels == {k: c.label for k, c in rnd.plan.priorities.clusters.items()}
    assert "Expected:" in res.summary()


@pytest.mark.skipif(not (ANNEN / "plan.yaml").exists(), reason="tests/data/rounds/annen not made yet")
def test_analyse_priorities_on_another_round() -> None:
    from samanalyse.io.datasets import load_round_data

    rnd = load_round(ANNEN)
    if rnd.plan.priorities is None:
        pytest.skip("the made-up round plans no factor analysis of priorities")
    try:
        data = load_round_data(rnd, forms=(rnd.plan.priorities.form,))
    except DataError as exc:  # the made-up round's files are the lead's; report, do not hide
        pytest.skip(f"the made-up round's responses do not load: {str(exc).splitlines()[0]}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fx.analyse_priorities(data, round=rnd, n_boot=5, n_iter=5)
    assert set(res.analysis.clusters.names) == set(rnd.plan.priorities.clusters)
    assert not res.scores.empty


# ============================================================== bad inputs ==

#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "priorities-label-not-on-scale", "area": "Faktoranalyse av prioriteringer",
     "input": "A priority column holding a label that is not on the item's scale ('Veldig høy')",
     "message": "Column 'q22a' has value(s) 'Veldig høy' that are not labels of scale 'prioritet'; labels are "
                "['Høy prioritet', 'Middels prioritet', 'Ikke prioritet', 'Vet ikke/ikke aktuelt']."},
    {"id": "priorities-unknown-item", "area": "Faktoranalyse av prioriteringer",
     "input": "priority_scores(items=[...]) naming an item the codebook does not have",
     "message": "Item(s) 'q99z' are not in the 2010 codebook."},
    {"id": "priorities-missing-not-chosen", "area": "Faktoranalyse av prioriteringer",
     "input": "correlations(missing='both'): missing answers must be handled 'pairwise' or 'listwise'",
     "message": "missing must be 'pairwise' or 'listwise' (no default); got 'both'."},
    {"id": "priorities-polychoric-of-means", "area": "Faktoranalyse av prioriteringer",
     "input": "Polychoric correlations of non-integer scores (the mean over the challenges)",
     "message": "Polychoric correlations need integer category codes; item(s) 'x' have non-integer values "
                "(e.g. a mean over challenges). Use per-challenge items or priority_scores(..., aggregate='round')."},
    {"id": "priorities-too-many-factors", "area": "Faktoranalyse av prioriteringer",
     "input": "efa(n_factors=...) with as many factors as items",
     "message": "n_factors must be between 1 and 9; got 10."},
    {"id": "priorities-no-markers", "area": "Faktoranalyse av prioriteringer",
     "input": "item_clusters(markers=...) given something other than the plan's clusters",
     "message": "markers must map cluster names to their virkemidler (e.g. rnd.plan.priorities.clusters); got 'A'."},
    {"id": "priorities-preference-unknown-cluster", "area": "Faktoranalyse av prioriteringer",
     "input": "preference_by(cluster=...) naming a cluster the preferences do not compare",
     "message": "cluster must be one of the compared clusters ('A', 'B'); got 'C'."},
    {"id": "priorities-plan-without-section", "area": "Faktoranalyse av prioriteringer",
     "input": "analyse_priorities on a round whose plan.yaml has no priorities section",
     "message": "The analysis plan has 1 problem:\n  - {file}: priorities: the plan has no 'priorities' section, "
                "so there is no factor analysis to run. Allowed: a 'priorities' section with form and clusters, "
                "as in a shipped round's plan.yaml."},
]


def _trigger(case: str, synth: dict, cb) -> None:
    import dataclasses

    if case == "priorities-label-not-on-scale":
        fx.priority_scores(pd.DataFrame({"q22a": ["Høy prioritet", "Veldig høy"]}), codebook=cb)
    elif case == "priorities-unknown-item":
        fx.priority_scores(pd.DataFrame({"q22a": ["Høy prioritet"]}), codebook=cb, items=["q99z"])
    elif case == "priorities-missing-not-chosen":
        correlations(synth["scores"], method="pearson", missing="both")  # type: ignore[arg-type]
    elif case == "priorities-polychoric-of-means":
        correlations(pd.DataFrame({"x": [0, 0.25, 1, 2, 1.5], "y": [0, 1, 1, 2, 2]}), method="polychoric",
                     missing="pairwise")
    elif case == "priorities-too-many-factors":
        efa(synth["corr"], n_factors=10)
    elif case == "priorities-no-markers":
        fx.item_clusters(synth["fit"], n_boot=0, seed=1, markers="A")  # type: ignore[arg-type]
    elif case == "priorities-preference-unknown-cluster":
        fx.preference_by(fx.respondent_preferences(synth["clusters"]), pd.DataFrame({"respondent": []}),
                         by="sentralitet", cluster="C", expected="more", higher_is_more=True, alpha=0.05)
    elif case == "priorities-plan-without-section":
        import copy

        rnd = load_round("2010")
        bare = copy.copy(rnd)
        bare.__dict__["plan"] = dataclasses.replace(rnd.plan, priorities=None)  # the cached plan, without the section
        fx.analyse_priorities(round=bare)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case: dict[str, str], synth: dict, cb) -> None:
    from samanalyse.errors import SamanalyseError

    with pytest.raises(SamanalyseError) as exc:
        _trigger(case["id"], synth, cb)
    assert str(exc.value) == case["message"].replace("{file}", load_round("2010").plan.source)
    assert isinstance(exc.value, (ArgumentError, DataError, PlanError))


def test_bad_input_ids_are_unique() -> None:
    ids = [c["id"] for c in BAD_INPUTS]
    assert len(ids) == len(set(ids)) and all(i == i.lower() and " " not in i for i in ids)
