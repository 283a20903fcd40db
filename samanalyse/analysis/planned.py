"""The plan's named analyses: satisfaction against background, and forankring against samhandling.

Both read what they test from the round's analysis plan
(:class:`samanalyse.survey.plan.AnalysisPlan`: its ``satisfaction`` and
``forankring`` sections, the ``background`` variables and the ``settings``),
or from explicit arguments, which override the plan. Nothing of a particular
round is named here.

:func:`satisfaction_by_background`
    Each satisfaction item (collapsed, "don't know" left out) and the
    satisfaction index against each background variable; the kind of each
    background variable (ordinal, numeric, nominal), its ``transform`` and
    its direction (``higher_is_more``) come from the plan.
:func:`forankring_and_samhandling`
    Cross-tables of an outcome index by other indices (keyed by the
    catalogue's label of the plan's table), with chi-square, Fisher and trend tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from samanalyse.analysis._checks import check_columns
from samanalyse.analysis._reuse import reusing
from samanalyse.analysis.design_tests import rao_scott
from samanalyse.analysis.indices import index_crosstab
from samanalyse.analysis.weighted import FormDesigns
from samanalyse.analysis.tests import (
    chi_square,
    fisher_exact,
    kruskal_wallis,
    ordinal_regression,
    trend_test,
)
from samanalyse.errors import ArgumentError, DataError
from samanalyse.stats._checks import check_level
from samanalyse.stats.multiple import adjust_pvalues, check_adjust
from samanalyse.survey.answers import item_scale
from samanalyse.survey.catalogue import Catalogue
from samanalyse.survey.codebook import Codebook
from samanalyse.survey.plan import AnalysisPlan, Background

__all__ = ["FROM_PLAN", "AnalysisResult", "forankring_and_samhandling", "satisfaction_by_background"]


class _FromPlan:
    """Type of :data:`FROM_PLAN`."""

    def __repr__(self) -> str:
        return "FROM_PLAN"


#: Default of ``form``: the plan's form (``form=None`` pools every form).
FROM_PLAN = _FromPlan()


@dataclass(frozen=True)
class AnalysisResult:
    """Result of a named analysis.

    Attributes
    ----------
    table : pandas.DataFrame
        All tests (:data:`samanalyse.analysis.tests.RESULT_COLUMNS`), ``p_adjusted`` over the whole family.
    notes : tuple of str
        What was tested and how, and what could not be tested (and why), in English.
    note_parts : tuple of (str, dict)
        The same notes as a key and its values (ids, numbers), one per note in order, for a report
        to write them in its own language (translation group ``analysis_note``).
    crosstabs : dict of str to DataFrame
        Cross-tables behind the tests (keyed by the catalogue's table label), column shares.
    alpha : float
        Significance level used by :attr:`significant`.
    """

    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    note_parts: tuple[tuple[str, dict[str, Any]], ...] = ()
    crosstabs: dict[str, pd.DataFrame] = field(default_factory=dict)
    alpha: float = 0.05

    @property
    def significant(self) -> pd.DataFrame:
        """Rows whose adjusted p-value is below ``alpha``."""
        return self.table[self.table["p_adjusted"] < self.alpha]

    def to_frame(self) -> pd.DataFrame:
        """The tests table."""
        return self.table


def _only_form(data: pd.DataFrame, form: str | None) -> pd.DataFrame:
    if form is None or "form" not in data.columns:
        return data
    forms = list(pd.unique(data["form"].dropna()))
    if form not in forms:
        raise DataError(f"No respondents with form {form!r}; data has forms {forms!r}.")
    return data[data["form"] == form]


def _dont_know(codebook: Codebook, item: str, collapse: str) -> list[str]:
    scale = item_scale(codebook, item)
    rule = scale.collapse(collapse)
    dk = {c.code for c in scale.categories if not c.substantive}
    return [label for label, codes in rule.groups if set(codes) <= dk]


def _form(form: str | None | _FromPlan, planned: str | None) -> str | None:
    """The form to analyse: the plan's unless given (None: every form)."""
    return planned if isinstance(form, _FromPlan) else form


def _pick(value: object, planned: object, name: str, section: str) -> object:
    """An explicit argument, else the plan's value; ArgumentError if neither gives one."""
    if value is not None:
        return value
    if planned is None:
        raise ArgumentError(f"{name} is not given and the plan has no {section!r} section to take it from; "
                            f"pass {name}=... or plan=...")
    return planned


def _settings(plan: AnalysisPlan | None, **given: object) -> dict[str, object]:
    """Settings from the arguments, else from ``plan.settings``; ``seed`` is required from one of them."""
    s = plan.settings if plan is not None else None
    out = {k: (v if v is not None else getattr(s, k, None)) for k, v in given.items()}
    defaults = {"adjust": "holm", "alpha": 0.05, "confidence": 0.95, "n_sim": 10000}
    for k, v in defaults.items():
        if out.get(k) is None and k in out:
            out[k] = v
    if out.get("seed") is None:
        raise ArgumentError("seed is required: pass seed=... or plan=... (its settings.seed).")
    check_level(out["confidence"])
    check_level(out["alpha"], "alpha")
    check_adjust(str(out["adjust"]))
    return out


def _association(d: pd.DataFrame, outcome: str, by: str, designs: FormDesigns | None, form: str | None,
                 **kw: object) -> pd.DataFrame:
    """The chi-square test of ``outcome`` by ``by``: Rao–Scott under the form's design when it is weighted."""
    if designs is not None and form in designs.forms():
        return rao_scott(d, outcome, by, designs=designs, form=str(form), codebook=kw.get("codebook"),  # type: ignore[arg-type]
                         collapse=kw.get("collapse"), exclude=kw.get("exclude", ()))  # type: ignore[arg-type]
    return chi_square(d, outcome, by, **kw)  # type: ignore[arg-type]


class _Notes(list):
    """Notes in English with, beside each, its key and values (:attr:`AnalysisResult.note_parts`)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[tuple[str, dict[str, Any]]] = []

    def add(self, key: str, text: str, **values: Any) -> None:
        self.append(text)
        self.parts.append((key, values))


def _design_note(notes: _Notes, designs: FormDesigns | None, form: str | None) -> None:
    if designs is None or form not in designs.forms():
        return
    notes.add("design", f"Weights ({designs.weights.method}): the chi-square tests are Rao-Scott adjusted "
              "(second-order F, R survey::svychisq) on the form's design; the other tests are unweighted.",
              method=designs.weights.method)


def _adjusted(rows: list[pd.DataFrame], adjust: str) -> pd.DataFrame:
    return cast(pd.DataFrame, adjust_pvalues(pd.concat(rows, ignore_index=True), method=adjust))


def _backgrounds(d: pd.DataFrame, by: Sequence[str], background: Mapping[str, Background], notes: _Notes
                 ) -> tuple[list[Background], list[tuple[str, Background]]]:
    """Split ``by`` into grouped (ordinal/nominal) and numeric variables; log-transform into new columns of ``d``."""
    grouped, numeric = [], []
    for b in by:
        bg = background.get(b) or Background(name=b, kind="nominal", label=b)
        if bg.kind != "numeric":
            grouped.append(bg)
            continue
        col = b
        if bg.transform == "log":
            values = d[b].astype("Float64")
            if (values.dropna() <= 0).any():
                raise DataError(f"{b} has values <= 0; cannot take the logarithm.")
            col = f"log_{b}"
            d[col] = np.log(values.astype(float))
            notes.add("log", f"{b} enters as log({b}) (a numeric score / covariate).", variable=b)
        numeric.append((col, bg))
    return grouped, numeric


@reusing()  # each item's collapsed answers and each index's scores prepared once for all its tests
def satisfaction_by_background(
    data: pd.DataFrame, *, codebook: Codebook, plan: AnalysisPlan | None = None,
    items: Sequence[str] | None = None, by: Sequence[str] | None = None, index: str | None = None,
    collapse: str | None = None, form: str | None | _FromPlan = FROM_PLAN, not_tested: str | None = None,
    adjust: str | None = None, alpha: float | None = None, confidence: float | None = None,
    n_sim: int | None = None, seed: int | None = None, designs: FormDesigns | None = None,
) -> AnalysisResult:
    """Is satisfaction with samhandling associated with background? (the plan's ``satisfaction``)

    For the respondents of ``form``:

    - each item, collapsed with ``collapse`` (categories made only of
      non-substantive answers left out), against each grouped background
      variable: :func:`~samanalyse.analysis.tests.chi_square` (``p_value="auto"``)
      and, for ordinal ones, :func:`~samanalyse.analysis.tests.trend_test`
      (Cochran–Armitage); against each numeric one (``transform: log``:
      ``log(value)``, in a column ``log_<name>``): Cochran–Armitage;
    - the ``index`` score against the grouped variables:
      :func:`~samanalyse.analysis.tests.kruskal_wallis` and (ordinal) the
      linear-by-linear trend test; against numeric ones: linear-by-linear;
    - :func:`~samanalyse.analysis.tests.ordinal_regression` of the index
      score on all background variables jointly, LR tests.

    Trend and regression scores are oriented by each variable's
    ``higher_is_more`` (so effects are per step towards more of its concept).
    All p-values are adjusted together (``adjust``).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data with the background columns.
    codebook : Codebook
        The round's codebook.
    plan : AnalysisPlan or None
        The round's plan: ``satisfaction`` gives items, by, index, collapse,
        form and the "not tested" note; ``background`` the kind and direction
        of each variable; ``settings`` adjust, alpha, confidence, n_sim, seed.
    items, by, index, collapse, form, not_tested :
        Override the plan's ``satisfaction`` values (required without a plan,
        except ``index``, ``form`` and ``not_tested``). ``form`` defaults to
        the plan's form (:data:`FROM_PLAN`); ``form=None`` uses every respondent.
    adjust, alpha, confidence, n_sim, seed :
        Override the plan's settings; ``seed`` is required from one of them.
    designs : FormDesigns, optional
        The round's weighted designs: the chi-square tests become Rao–Scott tests
        (:func:`samanalyse.analysis.design_tests.rao_scott`, R ``svychisq``) on the form's design.

    Returns
    -------
    AnalysisResult
    """
    sat = plan.satisfaction if plan is not None else None
    items = list(_pick(items, sat and sat.items, "items", "satisfaction"))  # type: ignore[arg-type]
    by = list(_pick(by, sat and sat.by, "by", "satisfaction"))  # type: ignore[arg-type]
    collapse = str(_pick(collapse, sat and sat.collapse, "collapse", "satisfaction"))
    index = index if index is not None else (sat.index if sat is not None else None)
    form = _form(form, sat.form if sat is not None else None)
    not_tested = not_tested if not_tested is not None else (sat.not_tested if sat is not None else "")
    s = _settings(plan, adjust=adjust, alpha=alpha, confidence=confidence, n_sim=n_sim, seed=seed)
    data = _only_form(data, form)
    _check_present(data, [*items, *by], codebook, index)
    d = data.copy()
    notes = _Notes()
    notes.add("background", "Background variables tested: " + ", ".join(by) + ".", variables=list(by))
    if not_tested:
        notes[-1] += f" NOT tested: {not_tested}"
        notes.parts[-1] = ("background_not_tested", {"variables": list(by), "not_tested": not_tested})
    grouped, numeric = _backgrounds(d, by, plan.background if plan is not None else {}, notes)
    conf, n_sim_, seed_ = s["confidence"], s["n_sim"], s["seed"]
    rows: list[pd.DataFrame] = []
    dk_labels: list[str] = []
    for item in items:
        dk = _dont_know(codebook, item, collapse)
        dk_labels += [x for x in dk if x not in dk_labels]
        for bg in grouped:
            rows.append(_association(d, item, bg.name, designs, form, codebook=codebook, collapse=collapse,
                                     exclude=dk, n_sim=n_sim_, seed=seed_, confidence=conf))
            if bg.kind == "ordinal":
                rows.append(trend_test(d, item, bg.name, codebook=codebook, collapse=collapse, exclude=dk,
                                       confidence=conf, sign=bg.sign))
        for col, bg in numeric:
            rows.append(trend_test(d, item, col, codebook=codebook, collapse=collapse, exclude=dk, confidence=conf,
                                   sign=bg.sign))
    left_out = ", ".join(repr(x) for x in dk_labels) or "nothing"
    notes.add("collapsed", f"Items {', '.join(items)} collapsed with {collapse!r}; {left_out} left out. Chi-square "
              "p is exact (or Monte Carlo) where expected counts are below 5.", items=list(items), collapse=collapse,
              left_out=dk_labels)
    if index:
        for bg in grouped:
            rows.append(kruskal_wallis(d, index, bg.name, codebook=codebook))
            if bg.kind == "ordinal":
                rows.append(trend_test(d, index, bg.name, codebook=codebook, confidence=conf, sign=bg.sign))
        for col, bg in numeric:
            rows.append(trend_test(d, index, col, codebook=codebook, confidence=conf, sign=bg.sign))
        rows.append(ordinal_regression(d, index, [*(bg.name for bg in grouped), *(c for c, _ in numeric)],
                                       codebook=codebook, confidence=conf,
                                       signs={**{bg.name: bg.sign for bg in grouped},
                                              **{c: bg.sign for c, bg in numeric}}))
        notes.add("index_tests", f"Index {index!r} (score) tested with Kruskal-Wallis, linear-by-linear trend and a "
                  "joint proportional-odds regression.", index=index)
    table = _adjusted(rows, str(s["adjust"]))
    _design_note(notes, designs, form)
    _adjusted_note(notes, str(s["adjust"]), int(table["p"].notna().sum()))
    return AnalysisResult(table=table, notes=tuple(notes), note_parts=tuple(notes.parts),  # type: ignore[arg-type]
                          alpha=float(s["alpha"]))


def _adjusted_note(notes: _Notes, adjust: str, n: int) -> None:
    notes.add("adjusted", f"p_adjusted: {adjust} adjustment over all {n} tests of this analysis.", adjust=adjust, n=n)


def _check_present(data: pd.DataFrame, names: Sequence[str], codebook: Codebook, index: str | None) -> None:
    check_columns(data, names, "satisfaction_by_background")
    if index is not None and index not in codebook.indices:
        raise DataError(f"{index!r} is not an index of the {codebook.round} codebook; indices are "
                        f"{', '.join(codebook.indices)}.")


@reusing()  # each item's collapsed answers and each index's scores prepared once for all its tests
def forankring_and_samhandling(
    data: pd.DataFrame, *, codebook: Codebook, plan: AnalysisPlan | None = None, catalogue: Catalogue | None = None,
    outcome: str | None = None, by: Sequence[str] | None = None, tables: Mapping[str, str] | None = None,
    form: str | None | _FromPlan = FROM_PLAN, adjust: str | None = None, alpha: float | None = None,
    confidence: float | None = None, n_sim: int | None = None, seed: int | None = None,
    designs: FormDesigns | None = None,
) -> AnalysisResult:
    """Do better-rated indices go with a better outcome index? (the plan's ``forankring``)

    For each index in ``by``:

    - the cross-table (rows: classes of ``outcome``, columns: classes of the
      index, column shares) in ``crosstabs[key]``: the key is the catalogue's
      label of the plan's table for that index (``catalogue.label(table)``),
      ``tables[index]`` when given explicitly, else the index name;
    - :func:`~samanalyse.analysis.tests.chi_square` of the class table
      (``p_value="auto"``), with Cramér's V (phi);
    - :func:`~samanalyse.analysis.tests.fisher_exact`: two-sided p and the
      conditional odds ratio of the first ``outcome`` class for the first vs
      the second class of the index (> 1: the lower class on the index goes
      with the lower outcome);
    - :func:`~samanalyse.analysis.tests.trend_test` on the full scores (linear-by-linear).

    p-values are adjusted over all tests (``adjust``).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data with the indices' items.
    codebook : Codebook
        The round's codebook (defines the indices).
    plan : AnalysisPlan or None
        ``forankring`` gives outcome, by, the tables and form; ``settings`` the rest.
    catalogue : Catalogue or None
        Needed to label the plan's tables.
    outcome, by, form :
        Override the plan's values (``outcome`` and ``by`` required without a plan).
        ``form`` defaults to the plan's form; ``form=None`` pools every form.
    tables : mapping or None
        Index -> crosstab key, overriding the plan's tables.
    adjust, alpha, confidence, n_sim, seed, designs :
        As :func:`satisfaction_by_background`.

    Returns
    -------
    AnalysisResult
    """
    fo = plan.forankring if plan is not None else None
    outcome = str(_pick(outcome, fo and fo.outcome, "outcome", "forankring"))
    by = list(_pick(by, fo and fo.by, "by", "forankring"))  # type: ignore[arg-type]
    form = _form(form, fo.form if fo is not None else None)
    s = _settings(plan, adjust=adjust, alpha=alpha, confidence=confidence, n_sim=n_sim, seed=seed)
    if tables is None:
        planned = dict(fo.tables) if fo is not None else {}
        if planned and catalogue is None:
            raise ArgumentError("The plan names a table for each cross-table; pass catalogue=... to label them.")
        tables = {ix: catalogue.label(t) for ix, t in planned.items()} if catalogue is not None else {}
    data = _only_form(data, form)
    for name in [outcome, *by]:
        if name not in codebook.indices:
            raise DataError(f"{name!r} is not an index of the {codebook.round} codebook; indices are "
                            f"{', '.join(codebook.indices)}.")
    conf, n_sim_, seed_ = s["confidence"], s["n_sim"], s["seed"]
    crosstabs: dict[str, pd.DataFrame] = {}
    rows = []
    for b in by:
        crosstabs[tables.get(b, b)] = index_crosstab(data, outcome, b, codebook=codebook, normalize="columns")
        rows.append(_association(data, outcome, b, designs, form, codebook=codebook, n_sim=n_sim_, seed=seed_,
                                 confidence=conf))
        rows.append(fisher_exact(data, outcome, b, codebook=codebook, n_sim=n_sim_, seed=seed_, confidence=conf))
        rows.append(trend_test(data, outcome, b, codebook=codebook, confidence=conf))
    table = _adjusted(rows, str(s["adjust"]))
    notes = _Notes()
    notes.add("cross_rows", f"Rows of the cross-tables: classes of {outcome!r}; columns: classes of each index; shares "
              "within columns (the study prints them as percentages).", index=outcome)
    notes.add("cross_tests", "chi_square and fisher_exact use the classes of the indices; trend_test (linear-by-linear) "
              "the full index scores.")
    first = codebook.indices[outcome].cut_labels()[0]
    notes.add("fisher_odds", f"fisher_exact's odds ratio: odds of {outcome!r} = {first!r} for the first vs the second "
              "class of the other index (> 1: the lower class on the index goes with the lower outcome).",
              index=outcome, category=first)
    _adjusted_note(notes, str(s["adjust"]), int(table["p"].notna().sum()))
    if form is None:
        notes.add("respondents_all", "Respondents: all forms.")
    else:
        notes.add("respondents_form", f"Respondents: form {form!r}.", form=form)
    _design_note(notes, designs, form)
    return AnalysisResult(table=table, notes=tuple(notes), note_parts=tuple(notes.parts),  # type: ignore[arg-type]
                          crosstabs=crosstabs, alpha=float(s["alpha"]))
