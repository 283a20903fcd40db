"""Factor analysis of the priority questions (avsnitt 3.6 and vedlegg of the 2010 study).

The study asked every respondent to give each of ten *virkemidler* (items a-j)
høy, middels or ikke prioritet (or *Vet ikke/ikke aktuelt*) for each of four
challenges (questions 22, 24, 26, 28), factor-analysed the answers and found
two clusters: **A** "prosessuelle" (avtaler og ledelse, kunnskap og
kompetanse, samarbeidskultur) and **B** "institusjonelle" (lokalmedisinske
sentra, intermediære ordninger, palliative enheter), and that "Kommuner som
ønsker institusjonelle virkemidler ligger mer sentralt til enn andre
kommuner". This module reruns that analysis from respondent-level data:

1. :func:`priority_scores` -- item scores from the codebook (Høy = 2,
   Middels = 1, Ikke = 0, Vet ikke = missing), per challenge or aggregated
   over the four challenges.
2. :func:`correlations` -- Pearson or polychoric (:mod:`samanalyse.polychoric`),
   with missing answers handled pairwise or listwise (always chosen explicitly).
3. :func:`suitability` -- Kaiser-Meyer-Olkin (overall and per item) and
   Bartlett's test of sphericity, as ``psych::KMO`` / ``psych::cortest.bartlett``.
4. :func:`parallel_analysis` -- Horn's parallel analysis as
   ``psych::fa.parallel`` (also on polychoric correlations), the eigenvalue > 1
   rule and a scree criterion side by side.
5. :func:`efa` -- exploratory factor analysis (minres or ml; oblimin, promax,
   varimax) that reproduces ``psych::fa``.
6. :func:`item_clusters` -- items assigned to factors, clusters named A/B from
   the codebook's ``virkemiddel``, with bootstrap stability;
   :func:`respondent_preferences` -- each respondent's preferred cluster.
7. :func:`preference_model`, :func:`preference_crosstab` and
   :func:`cluster_preference_by_sentralitet` -- who prefers which cluster.
8. Figures: :func:`plot_priorities` (Figur 8 and 9), :func:`plot_loadings`,
   :func:`plot_parallel`, and :func:`save_figure` (deterministic PNG/SVG).

:func:`factor_analysis` runs steps 2-6 in one go.

How the estimates relate to psych
---------------------------------
*Extraction.* ``psych::fa`` minimises, over the uniquenesses psi (bounds
0.005 .. 1, start ``1 - SMC``), the minres criterion (squared off-diagonal
residuals; psych passes the gradient of the equivalent ULS criterion
``sum_{m>k} lambda_m(R - diag(psi))^2`` to L-BFGS-B) or the ML criterion
``-sum_{m>k} (log e_m - e_m) - k + p`` (``e`` eigenvalues of
``psi^-1/2 R psi^-1/2``). :func:`efa` minimises the same criteria with the
same bounds and start (``engine="native"``, analytic gradients, tight
tolerance) and builds the loadings the same way (``FAout.wls`` / ``FAout``).
``engine="factor_analyzer"`` uses ``factor_analyzer.FactorAnalyzer`` (same
criteria, same bounds) for the unrotated solution instead.

*Rotation.* psych's rotations are reproduced step by step (so that the
bootstrap can warm-start and skip factor_analyzer's overhead):

- ``"oblimin"``: psych calls ``GPArotation::oblimin(L)`` -- gamma = 0
  (quartimin), **no** Kaiser normalisation (``normalize = FALSE``),
  ``eps = 1e-5``, ``maxit = 1000``, started at the identity; reproduced by
  :func:`_gpf_oblimin` (``GPFoblq``, same step-size rule and stopping rule).
- ``"promax"``: psych's ``kaiser(L, "Promax")``, which is *not*
  ``stats::promax``: rows scaled to unit length, ``stats::varimax`` (itself
  Kaiser-normalised, ``eps = 1e-5``), target ``x |x|^(m-1)`` with ``m = 4``,
  least-squares transformation ``U`` with columns rescaled by
  ``sqrt(diag((U'U)^-1))``, ``Phi = U^-1 U^-T``, rows scaled back.
- ``"varimax"``: ``stats::varimax(L)`` (Kaiser-normalised, ``eps = 1e-5``).

factor_analyzer 0.5.1's ``Rotator`` turned out to follow psych for these three
(its promax does the ``kaiser`` pre/post-normalisation, its oblimin is GPA
without normalisation); on the reference data its rotated loadings agree with
psych and with this module to about 1e-6 (the tests check this). It does not
sort or sign factors like psych, so only the rotation step is comparable.

Before rotating, columns are flipped so their sums are positive (as psych
does; the rotation's starting point depends on it).

*Output order and sign* (documented convention, not psych's): factors are
sorted by variance explained (``diag(Phi L'L)``, as psych), then each factor is
flipped so that its largest absolute loading is positive (psych flips so the
column *sum* is positive; both give the same result unless a factor's
largest loading is negative while its sum is positive). Factors are named
``F1, F2, ...`` in that order; :func:`item_clusters` names them A/B.

Aggregating over the four challenges
------------------------------------
The study "summed" the four challenges ("Svarene varierte ubetydelig mellom de
fire samhandlingsutfordringene. Derfor viser vi her svarene summert"). It does
not say what entered the factor analysis. :func:`priority_scores` offers:

- ``aggregate="mean"`` (default for the analysis): per virkemiddel, the mean
  score over the challenges the respondent answered (Vet ikke and no answer
  left out); 0..2 in steps of 1/4, 1/3 or 1/2. Use Pearson correlations.
- ``aggregate="round"``: that mean rounded half up (0.5 -> 1, 1.5 -> 2), i.e.
  back to the three ordered categories 0/1/2 -- the variant for polychoric
  correlations.
- ``aggregate="sum"``: the sum over the challenges (0..8 with four
  challenges), only for respondents who answered all of them (NA otherwise);
  comparable to the study's summed counts, Pearson only (9 categories is more
  than polychoric's limit of 8).
- ``aggregate=None``: one column per challenge item (``q22a`` ... ``q28j``),
  0/1/2 -- ordinal, polychoric is appropriate.

Decision: the main analysis uses the **mean** with **Pearson** correlations
(closest to what a 2010 SPSS analysis of "summed" answers would have done, and
it uses every answered challenge); the **rounded mean** with **polychoric**
correlations is the ordinal sensitivity analysis. Both run through the same
functions (``factor_analysis(..., correlation="pearson" | "polychoric")``).

Polychoric correlations are refused for non-integer scores (the mean), so the
mean is analysed with Pearson correlations and the rounded mean or the
per-challenge items with polychoric ones.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from samanalyse.survey.codebook import Codebook
from samanalyse.errors import (
    ConvergenceWarning,
    DataError,
    HeywoodWarning,
    SamanalyseWarning,
    SmallCellWarning,
)
from samanalyse.stats.factor.extraction import PSI_LOWER, extract
from samanalyse.stats.polychoric import (
    Missing,
    NotPositiveDefiniteWarning,
    _check_missing,
    _check_ordinal,
    _select_items,
    polychoric_matrix,
    smooth_correlation,
)

__all__ = [
    "STUDY_CLUSTERS",
    "CLUSTER_LABELS",
    "priority_scores",
    "CorrelationResult",
    "correlations",
    "Suitability",
    "suitability",
    "ParallelAnalysis",
    "parallel_analysis",
    "EFAResult",
    "efa",
    "factor_scores",
    "ClusterResult",
    "item_clusters",
    "Preferences",
    "respondent_preferences",
    "PreferenceModel",
    "preference_model",
    "CrossTab",
    "preference_crosstab",
    "SentralitetFinding",
    "cluster_preference_by_sentralitet",
    "FactorAnalysis",
    "factor_analysis",
]

Aggregate = Literal["mean", "round", "sum"]
CorrMethod = Literal["pearson", "polychoric"]
FAMethod = Literal["minres", "ml"]
Rotation = Literal["oblimin", "promax", "varimax", "none"]
Engine = Literal["native", "factor_analyzer"]

#: The study's two clusters, by the codebook's ``virkemiddel`` of their items.
STUDY_CLUSTERS: dict[str, tuple[str, ...]] = {
    "A": ("avtaler_og_ledelse", "kunnskap_og_kompetanse", "samarbeidskultur"),
    "B": ("lokalmedisinske_sentra", "intermediare_ordninger", "palliative_enheter"),
}
#: The study's names of the clusters.
CLUSTER_LABELS: dict[str, str] = {"A": "prosessuelle virkemidler", "B": "institusjonelle virkemidler"}



def _blas_single_thread() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread for the many tiny (10 x 10) problems.

    With a multi-threaded OpenBLAS on a busy machine, scipy's L-BFGS-B and
    ``eigh`` on 10 x 10 matrices were 40-50 times slower than single-threaded
    (thread start-up and contention dominate). threadpoolctl comes with
    scikit-learn (a dependency of factor_analyzer); without it nothing changes.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# ==========================================================================
# Input checks
# ==========================================================================


def _check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}.")


def _check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer; got {value!r}.")
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise ValueError(f"{name} must be {rng}; got {value!r}.")
    return int(value)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (results are reproducible only with one); got {seed!r}.")
    return int(seed)


def _check_fraction(name: str, value: object, lo: float = 0.0, hi: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not (
        lo <= float(value) <= hi
    ):
        raise ValueError(f"{name} must be a number between {lo} and {hi}; got {value!r}.")
    return float(value)


def _check_numeric(frame: pd.DataFrame) -> np.ndarray:
    bad = [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().all())]
    if bad:
        raise DataError(
            f"Item column(s) {', '.join(map(repr, bad))} are not numeric; compute scores first with "
            "priority_scores(data, codebook=...)."
        )
    x = frame.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        sd = np.nanstd(x, axis=0)
    novar = [c for c, s in zip(frame.columns, sd) if not s > 0]
    if novar:
        raise DataError(f"Item(s) {', '.join(map(repr, novar))} have no variance (all answers equal, or none).")
    return x


# ==========================================================================
# 1. Scores
# ==========================================================================


def _priority_items(data: pd.DataFrame, codebook: Codebook, items: Sequence[str] | None) -> list[str]:
    if items is None:
        items = [it.id for it in codebook.item_list if it.scale is not None and it.scale.scores() and
                 it.virkemiddel and it.id in data.columns]
        if not items:
            raise DataError(
                "The data has no columns for scored items with a virkemiddel in the codebook "
                f"(e.g. {', '.join(i.id for i in codebook.item_list if i.virkemiddel)[:60]}...)."
            )
        return items
    items = list(items)
    unknown = [i for i in items if i not in codebook]
    if unknown:
        raise DataError(f"Item(s) {', '.join(map(repr, unknown))} are not in the {codebook.round} codebook.")
    missing_cols = [i for i in items if i not in data.columns]
    if missing_cols:
        raise DataError(f"Item(s) {', '.join(map(repr, missing_cols))} are not columns of the data.")
    unscored = [i for i in items if codebook.item(i).scale is None or not codebook.item(i).scale.scores()]
    if unscored:
        raise DataError(f"Item(s) {', '.join(map(repr, unscored))} have no scale with scores in the codebook.")
    return items


def _item_scores(col: pd.Series, item_id: str, codebook: Codebook) -> np.ndarray:
    scale = codebook.item(item_id).scale
    if scale is None:  # pragma: no cover - _priority_items checks this
        raise DataError(f"Item {item_id!r} has no scale in the codebook.")
    out = np.full(len(col), np.nan)
    values = col.astype(object)
    problems = []
    cache: dict[Any, float] = {}
    for i, v in enumerate(values):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        if v not in cache:
            try:
                cat = scale.category(int(v)) if isinstance(v, (int, np.integer)) else scale.category(scale.code_of(str(v)))
            except KeyError:
                problems.append(v)
                cache[v] = np.nan
                continue
            cache[v] = float(cat.score) if (cat.score is not None and cat.substantive) else np.nan
        out[i] = cache[v]
    if problems:
        shown = ", ".join(map(repr, sorted(set(map(str, problems)))[:5]))
        raise DataError(
            f"Column {item_id!r} holds value(s) {shown} that are not labels of scale {scale.name!r} "
            f"({', '.join(scale.labels())})."
        )
    return out


def priority_scores(
    data: pd.DataFrame,
    *,
    codebook: Codebook,
    items: Sequence[str] | None = None,
    aggregate: Aggregate | None = "mean",
    min_answered: int = 1,
) -> pd.DataFrame:
    """Priority scores per respondent from the codebook's scale scores.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent: column ``respondent`` (kept if present) and one
        column per item id holding the answer labels (Categorical or str; codes
        are accepted too). NA = no answer.
    codebook : Codebook
        Gives each item's scale (scores: Høy prioritet = 2, Middels = 1,
        Ikke = 0; *Vet ikke/ikke aktuelt* has no score and counts as missing)
        and its ``virkemiddel``.
    items : sequence of str, optional
        Item ids to score; default every scored item with a ``virkemiddel``
        that is a column of ``data`` (``q22a`` ... ``q28j``).
    aggregate : {"mean", "round", "sum"} or None
        ``None``: one column per item (0/1/2). Otherwise one column per
        virkemiddel, named by the codebook's ``virkemiddel``:
        ``"mean"`` = mean over the challenges the respondent answered;
        ``"round"`` = that mean rounded half up to 0/1/2;
        ``"sum"`` = sum over the challenges, NA unless all were answered.
    min_answered : int
        ``"mean"``/``"round"``: fewest answered challenges for a score (else NA).

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``; ``respondent`` first (if in ``data``), then the
        score columns (float, NaN = missing), in codebook order.

    Raises
    ------
    DataError
        If an item is not in the codebook or the data, or a column holds a
        label that is not on the item's scale.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if not isinstance(codebook, Codebook):
        raise TypeError(f"codebook must be a samanalyse Codebook, got {type(codebook).__name__}.")
    _check_choice("aggregate", aggregate, ["mean", "round", "sum", None])
    min_answered = _check_int("min_answered", min_answered, 1)
    ids = _priority_items(data, codebook, items)
    scores = {i: _item_scores(data[i], i, codebook) for i in ids}
    out = pd.DataFrame(index=data.index)
    if "respondent" in data.columns:
        out["respondent"] = data["respondent"].to_numpy()
    if aggregate is None:
        for i in ids:
            out[i] = scores[i]
        return out
    groups: dict[str, list[str]] = {}
    for i in ids:
        v = codebook.item(i).virkemiddel
        if not v:
            raise DataError(f"Item {i!r} has no virkemiddel in the codebook, so it cannot be aggregated.")
        groups.setdefault(v, []).append(i)
    for v, members in groups.items():
        m = np.column_stack([scores[i] for i in members])
        answered = np.sum(~np.isnan(m), axis=1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(m, axis=1)
        if aggregate == "sum":
            val = np.where(answered == len(members), np.nansum(m, axis=1), np.nan)
        else:
            val = np.where(answered >= min_answered, mean, np.nan)
            if aggregate == "round":
                val = np.floor(val + 0.5 + 1e-9)
        out[v] = val
    return out


# ==========================================================================
# 2. Correlations
# ==========================================================================


@dataclass(frozen=True)
class CorrelationResult:
    """A correlation matrix with how it was computed.

    Attributes
    ----------
    matrix : pandas.DataFrame
        Items x items correlations.
    n : pandas.DataFrame
        Items x items number of respondents behind each correlation.
    n_obs : int
        Sample size used for tests: listwise = complete rows; pairwise = the
        smallest pairwise n (conservative).
    method : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
    smoothed : bool
        The matrix was not positive definite and was smoothed (psych::cor.smooth).
    thresholds : pandas.DataFrame or None
        Polychoric thresholds (item x 1..K-1), None for Pearson.
    global_thresholds : bool
        Polychoric only: psych's ``global`` as used.
    data : pandas.DataFrame or None
        The analysed rows (``respondent`` first if the input had it, then the
        item scores), kept for bootstrap and factor scores; None if built from
        a matrix.
    """

    matrix: pd.DataFrame
    n: pd.DataFrame
    n_obs: int
    method: CorrMethod
    missing: Missing
    smoothed: bool = False
    thresholds: pd.DataFrame | None = None
    global_thresholds: bool = True
    data: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def items(self) -> list[str]:
        """Item names in matrix order."""
        return list(self.matrix.index)

    def to_frame(self) -> pd.DataFrame:
        """One row per pair: fixed columns ``item_1, item_2, r, n``."""
        it = self.items
        rows = [(it[i], it[j], float(self.matrix.iat[i, j]), int(self.n.iat[i, j]))
                for i in range(len(it)) for j in range(i + 1, len(it))]
        return pd.DataFrame(rows, columns=["item_1", "item_2", "r", "n"])

    def summary(self) -> str:
        """Text summary."""
        head = (f"{self.method.capitalize()} correlations of {len(self.items)} items "
                f"({self.missing} missing, n = {self.n_obs})")
        lines = [head]
        if self.smoothed:
            lines.append("not positive definite: smoothed as psych::cor.smooth")
        lines.append(self.matrix.round(3).to_string())
        return "\n".join(lines)

    @classmethod
    def from_matrix(cls, matrix: pd.DataFrame, n_obs: int, *, method: CorrMethod = "pearson",
                    missing: Missing = "listwise") -> "CorrelationResult":
        """Wrap a given correlation matrix (no data: no bootstrap, no scores)."""
        m = _check_corr_matrix(matrix)
        n_obs = _check_int("n_obs", n_obs, 3)
        nmat = pd.DataFrame(np.full(m.shape, n_obs), index=m.index, columns=m.columns)
        return cls(m, nmat, n_obs, method, missing)


def _check_corr_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(matrix, pd.DataFrame):
        raise TypeError(f"The correlation matrix must be a DataFrame, got {type(matrix).__name__}.")
    a = matrix.to_numpy(dtype=float)
    if a.shape[0] != a.shape[1] or list(matrix.index) != list(matrix.columns):
        raise ValueError(f"The correlation matrix must be square with equal row and column names; got {a.shape}.")
    if not np.allclose(a, a.T, atol=1e-10) or not np.allclose(np.diag(a), 1.0) or np.any(np.isnan(a)):
        raise ValueError("The correlation matrix must be symmetric, without NaN, with 1 on the diagonal.")
    return matrix.astype(float)


def _pearson(x: np.ndarray, missing: Missing) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlations and pairwise n of an (n, p) array with NaN."""
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
        n = x.shape[0]
        r = np.corrcoef(x, rowvar=False)
        return r, np.full(r.shape, n)
    m = (~np.isnan(x)).astype(float)
    x0 = np.where(np.isnan(x), 0.0, x)
    npair = m.T @ m
    sx = x0.T @ m          # sum of x_i over rows where j observed
    sxx = (x0 * x0).T @ m  # sum of x_i^2 over rows where j observed
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / npair
        vx = sxx - sx * sx / npair
        r = cov / np.sqrt(vx * vx.T)
    np.fill_diagonal(r, 1.0)
    return r, npair


def correlations(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    method: CorrMethod,
    missing: Missing,
    smooth: bool = True,
    correct: float = 0.5,
) -> CorrelationResult:
    """Pearson or polychoric correlation matrix of item scores.

    Parameters
    ----------
    data : pandas.DataFrame
        Item scores, e.g. from :func:`priority_scores`.
    items : sequence of str, optional
        Columns to use; default all but ``respondent``.
    method : {"pearson", "polychoric"}
        Polychoric needs integer codes (per-challenge items or
        ``aggregate="round"``); see :mod:`samanalyse.polychoric`.
    missing : {"pairwise", "listwise"}
        Required, no default.
    smooth : bool
        Smooth a non-positive-definite matrix (psych::cor.smooth), with a
        :class:`~samanalyse.polychoric.NotPositiveDefiniteWarning`.
    correct : float
        Polychoric continuity correction (psych's ``correct``).

    Returns
    -------
    CorrelationResult

    Raises
    ------
    ValueError
        Unknown ``method`` or ``missing``.
    DataError
        Non-numeric or constant items, or too few complete rows.
    """
    _check_choice("method", method, ["pearson", "polychoric"])
    missing = _check_missing(missing)
    frame = _select_items(data, items)
    used = frame.dropna() if missing == "listwise" else frame[frame.notna().any(axis=1)]
    if len(used) < 3:
        raise DataError(f"Only {len(used)} respondent(s) left after {missing} deletion; correlations need at least 3.")
    names = list(frame.columns)
    thresholds = None
    global_thr = True
    if method == "pearson":
        x = _check_numeric(used)
        r, npair = _pearson(x, missing)
        if np.any(np.isnan(r)):
            bad = [f"{names[i]}-{names[j]}" for i, j in zip(*np.nonzero(np.isnan(r))) if i < j]
            raise DataError(f"Correlation undefined (no overlap or no variance) for pair(s): {', '.join(bad[:10])}.")
        smoothed = False
        if smooth:
            r, smoothed = smooth_correlation(r)
    else:
        x = _check_ordinal(used, 8)
        fit = polychoric_matrix(x, correct=correct, smooth=smooth)
        r, npair, smoothed = fit.rho, fit.n_pair, fit.smoothed
        global_thr = fit.global_thresholds
        thresholds = pd.DataFrame(fit.tau, index=names, columns=[str(k + 1) for k in range(fit.tau.shape[1])])
        if fit.corrected_pairs and correct > 0:
            warnings.warn(f"{fit.corrected_pairs} item pair(s) had empty cells corrected by {correct} "
                          "(psych's continuity correction).", SmallCellWarning, stacklevel=2)
        if np.any(np.isnan(r)):
            raise DataError("Some polychoric correlations are undefined (pairs without common answers).")
    if smoothed:
        warnings.warn(f"The {method} correlation matrix was not positive definite and was smoothed "
                      "(psych::cor.smooth).", NotPositiveDefiniteWarning, stacklevel=2)
    n_obs = int(len(used)) if missing == "listwise" else int(npair[np.triu_indices(len(names), 1)].min())
    return CorrelationResult(
        matrix=pd.DataFrame(r, index=names, columns=names),
        n=pd.DataFrame(np.asarray(npair, int), index=names, columns=names),
        n_obs=n_obs, method=method, missing=missing, smoothed=smoothed,
        thresholds=thresholds, global_thresholds=global_thr, data=_keep_respondent(data, used),
    )


def _keep_respondent(data: pd.DataFrame, used: pd.DataFrame) -> pd.DataFrame:
    """The analysed rows, with the ``respondent`` column first when the data has one."""
    if "respondent" in data.columns and "respondent" not in used.columns:
        out = used.copy()
        out.insert(0, "respondent", data.loc[used.index, "respondent"].to_numpy())
        return out
    return used.copy()


def _corr_array(x: np.ndarray, method: CorrMethod, missing: Missing, correct: float = 0.5) -> np.ndarray:
    """Fast correlation of a numeric array (bootstrap/resampling); NaN matrix on failure."""
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
        if x.shape[0] < 3:
            return np.full((x.shape[1], x.shape[1]), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.nanstd(x, axis=0)
    if not np.all(sd > 0):
        return np.full((x.shape[1], x.shape[1]), np.nan)
    if method == "pearson":
        r, _ = _pearson(x, missing)
    else:
        r = polychoric_matrix(x, correct=correct, smooth=False).rho
    if np.any(np.isnan(r)):
        return r
    r, _ = smooth_correlation(r)
    return r


# ==========================================================================
# 3. Suitability
# ==========================================================================


def _kaiser_label(msa: float) -> str:
    for cut, label in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
                       (0.5, "miserable")):
        if msa >= cut:
            return label
    return "unacceptable"


@dataclass(frozen=True)
class Suitability:
    """Is the correlation matrix suitable for factor analysis?

    Attributes
    ----------
    kmo : float
        Overall Kaiser-Meyer-Olkin measure of sampling adequacy.
    kmo_items : pandas.DataFrame
        Fixed columns ``item, msa`` (per-item MSA).
    bartlett_chisq, bartlett_df, bartlett_p : float
        Bartlett's test of sphericity (H0: the correlation matrix is the identity).
    n : int
        Sample size used in Bartlett's test.
    """

    kmo: float
    kmo_items: pd.DataFrame
    bartlett_chisq: float
    bartlett_df: float
    bartlett_p: float
    n: int

    def summary(self) -> str:
        """Text summary with Kaiser's (1974) labels."""
        lines = [
            f"KMO = {self.kmo:.3f} ({_kaiser_label(self.kmo)})",
            f"Bartlett's test of sphericity: chi2({self.bartlett_df:.0f}) = {self.bartlett_chisq:.2f}, "
            f"p = {self.bartlett_p:.3g}, n = {self.n}",
            "MSA per item:",
        ]
        lines += [f"  {r.item:<30} {r.msa:.3f} ({_kaiser_label(r.msa)})" for r in self.kmo_items.itertuples()]
        return "\n".join(lines)


def suitability(corr: CorrelationResult, *, n: int | None = None) -> Suitability:
    """KMO (overall and per item) and Bartlett's test of sphericity.

    Formulas as ``psych::KMO`` and ``psych::cortest.bartlett``: with
    ``Q = R^-1`` and the anti-image (partial) correlations
    ``q_ij = Q_ij / sqrt(Q_ii Q_jj)``,
    ``MSA = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2)`` over i != j (per item: over
    j != i); Bartlett ``chi2 = -log det R * (n - 1 - (2p + 5)/6)``,
    ``df = p(p-1)/2``.

    Parameters
    ----------
    corr : CorrelationResult
        From :func:`correlations` (or :meth:`CorrelationResult.from_matrix`).
    n : int, optional
        Sample size for Bartlett's test; default ``corr.n_obs``.

    Returns
    -------
    Suitability

    Raises
    ------
    DataError
        If the correlation matrix is singular.
    """
    if not isinstance(corr, CorrelationResult):
        raise TypeError(f"corr must be a CorrelationResult, got {type(corr).__name__}.")
    n = corr.n_obs if n is None else _check_int("n", n, 3)
    r = corr.matrix.to_numpy(float)
    p = r.shape[0]
    try:
        Q = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        raise DataError("The correlation matrix is singular; KMO and Bartlett's test are undefined.") from None
    d = np.sqrt(np.diag(Q))
    q = Q / np.outer(d, d)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    np.fill_diagonal(q, 0.0)
    sr, sq = (r0**2).sum(), (q**2).sum()
    kmo = sr / (sr + sq)
    msai = (r0**2).sum(axis=0) / ((r0**2).sum(axis=0) + (q**2).sum(axis=0))
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise DataError("The correlation matrix is not positive definite; Bartlett's test is undefined.")
    chisq = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) / 2
    return Suitability(
        kmo=float(kmo),
        kmo_items=pd.DataFrame({"item": corr.items, "msa": msai}),
        bartlett_chisq=float(chisq), bartlett_df=float(df), bartlett_p=float(stats.chi2.sf(chisq, df)), n=int(n),
    )


# ==========================================================================
# 5. Extraction and rotation (psych-compatible)
# ==========================================================================


def _varimax(x: np.ndarray, normalize: bool = True, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """stats::varimax, step for step."""
    nc = x.shape[1]
    if nc < 2:
        return x.copy(), np.eye(nc)
    sc = np.sqrt(np.sum(x**2, axis=1)) if normalize else np.ones(x.shape[0])
    x = x / sc[:, None]
    p = x.shape[0]
    TT = np.eye(nc)
    d = 0.0
    for _ in range(1000):
        z = x @ TT
        B = x.T @ (z**3 - z @ np.diag(np.sum(z**2, axis=0)) / p)
        u, s, vt = np.linalg.svd(B)
        TT = u @ vt
        dpast = d
        d = float(np.sum(s))
        if d < dpast * (1 + eps):
            break
    z = (x @ TT) * sc[:, None]
    return z, TT


def _promax_psych(L: np.ndarray, m: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """psych::kaiser(L, rotate = "Promax"): Kaiser-normalised psych::Promax(m = 4)."""
    h2 = np.sum(L**2, axis=1)
    x = L / np.sqrt(h2)[:, None]
    xv, rotmat = _varimax(x)
    Q = xv * np.abs(xv) ** (m - 1)
    U = np.linalg.lstsq(xv, Q, rcond=None)[0]
    try:
        d = np.diag(np.linalg.inv(U.T @ U))
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(U.T @ U)
        vals = np.where(vals < np.finfo(float).eps, 100 * np.finfo(float).eps, vals)
        UU = (vecs * vals) @ vecs.T
        np.fill_diagonal(UU, 1.0)
        d = np.diag(np.linalg.inv(UU))
    U = U @ np.diag(np.sqrt(d))
    z = xv @ U
    U = rotmat @ U
    ui = np.linalg.inv(U)
    phi = ui @ ui.T
    return z * np.sqrt(h2)[:, None], phi, U


def _oblimin_vgq(L: np.ndarray) -> tuple[np.ndarray, float]:
    L2 = L**2
    X = L2 @ (1.0 - np.eye(L.shape[1]))
    return L * X, float(np.sum(L2 * X) / 4.0)


def _gpf_oblimin(A: np.ndarray, Tmat: np.ndarray | None = None, eps: float = 1e-5,
                 maxit: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """GPArotation::GPFoblq(A, method = "oblimin", gam = 0, normalize = FALSE), step for step."""
    k = A.shape[1]
    T = np.eye(k) if Tmat is None else Tmat.copy()
    al = 1.0
    Tinv = np.linalg.inv(T)
    L = A @ Tinv.T
    Gq, f = _oblimin_vgq(L)
    G = -(L.T @ Gq @ Tinv).T
    s = np.inf
    for _ in range(maxit + 1):
        Gp = G - T * np.sum(T * G, axis=0)[None, :]
        s = math.sqrt(float(np.sum(Gp * Gp)))
        if s < eps:
            break
        al *= 2.0
        for _i in range(11):
            X = T - al * Gp
            v = 1.0 / np.sqrt(np.sum(X**2, axis=0))
            Tt = X * v[None, :]
            Ttinv = np.linalg.inv(Tt)
            L = A @ Ttinv.T
            Gq_t, f_t = _oblimin_vgq(L)
            if f - f_t > 0.5 * s * s * al:
                break
            al /= 2.0
        T = Tt
        f = f_t
        G = -(L.T @ Gq_t @ Ttinv).T
    converged = s < eps
    return L, T.T @ T, T, converged


def _rotate(L: np.ndarray, rotation: Rotation, start: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray | None]:
    """Rotate as psych::fa; returns (loadings, Phi, converged, Tmat for oblimin)."""
    k = L.shape[1]
    if k < 2 or rotation == "none":
        return L.copy(), np.eye(k), True, None
    if rotation == "varimax":
        z, _ = _varimax(L)
        return z, np.eye(k), True, None
    if rotation == "promax":
        z, phi, _ = _promax_psych(L)
        return z, phi, True, None
    Lr, phi, T, conv = _gpf_oblimin(L, start)
    return Lr, phi, conv, T


def _order_and_sign(L: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort factors by variance explained, largest |loading| positive; returns (L, Phi, order)."""
    ev = np.diag(phi @ L.T @ L)
    order = np.argsort(-ev, kind="stable")
    L = L[:, order]
    phi = phi[np.ix_(order, order)]
    idx = np.argmax(np.abs(L), axis=0)
    s = np.sign(L[idx, np.arange(L.shape[1])])
    s[s == 0] = 1.0
    return L * s, phi * np.outer(s, s), order


@dataclass(frozen=True)
class _Fit:
    loadings: np.ndarray   # rotated, ordered, signed
    phi: np.ndarray
    unrotated: np.ndarray
    h2: np.ndarray
    psi: np.ndarray
    converged: bool
    rotation_converged: bool
    iterations: int
    objective: float
    T: np.ndarray | None


def _fit(r: np.ndarray, k: int, method: FAMethod, rotation: Rotation, *, start: np.ndarray | None = None,
         engine: Engine = "native", order: bool = True) -> _Fit:
    ex = extract(r, k, method, start=start, engine=engine)
    L0 = ex.loadings
    s = np.sign(L0.sum(axis=0))
    s[s == 0] = 1.0
    L0 = L0 * s
    L0 = np.where(L0 == 0, 1e-15, L0)
    Lr, phi, rconv, T = _rotate(L0, rotation)
    if order:
        Lr, phi, _ = _order_and_sign(Lr, phi)
    h2 = np.sum(L0**2, axis=1)
    return _Fit(Lr, phi, L0, h2, ex.psi, ex.converged, rconv, ex.iterations, ex.objective, T)


# ==========================================================================
# 5. EFA (public)
# ==========================================================================


@dataclass(frozen=True)
class EFAResult:
    """An exploratory factor analysis.

    Attributes
    ----------
    loadings : pandas.DataFrame
        Tidy pattern loadings, fixed columns ``item, factor, loading`` (items
        in input order, factors ``F1 .. Fk`` sorted by variance explained;
        each factor's largest absolute loading is positive).
    communalities : pandas.DataFrame
        Fixed columns ``item, communality, uniqueness, heywood``
        (``communality`` = row sum of squared unrotated loadings, psych's
        ``communality``; ``uniqueness = 1 - communality``).
    phi : pandas.DataFrame
        Factor correlations (identity for orthogonal rotations).
    variance : pandas.DataFrame
        Fixed columns ``factor, ss_loadings, proportion_var, cumulative_var,
        proportion_explained`` (``ss_loadings = diag(Phi L'L)``, psych's
        ``Vaccounted``).
    corr : CorrelationResult
        The analysed correlations.
    method, rotation, engine : str
    n_factors : int
    converged : bool
        Extraction converged (optimizer success).
    rotation_converged : bool
    heywood : tuple of str
        Items with communality >= 1 or a uniqueness at the lower bound 0.005.
    objective : float
        Final value of the fitting criterion.
    """

    loadings: pd.DataFrame
    communalities: pd.DataFrame
    phi: pd.DataFrame
    variance: pd.DataFrame
    corr: CorrelationResult = field(repr=False)
    method: FAMethod
    rotation: Rotation
    engine: Engine
    n_factors: int
    converged: bool
    rotation_converged: bool
    heywood: tuple[str, ...]
    objective: float

    @property
    def items(self) -> list[str]:
        return self.corr.items

    @property
    def factors(self) -> list[str]:
        return list(self.phi.index)

    def loadings_matrix(self) -> pd.DataFrame:
        """Pattern loadings as an items x factors table."""
        return self.loadings.pivot(index="item", columns="factor", values="loading").loc[self.items, self.factors]

    def structure_matrix(self) -> pd.DataFrame:
        """Structure matrix ``L Phi`` (item-factor correlations)."""
        return self.loadings_matrix() @ self.phi

    def summary(self) -> str:
        """Text summary: loadings, communalities, variance, Phi, warnings."""
        m = self.loadings_matrix().copy()
        c = self.communalities.set_index("item")
        m["h2"] = c["communality"]
        m["u2"] = c["uniqueness"]
        lines = [
            f"EFA: {self.n_factors} factor(s), {self.method}, rotation {self.rotation} "
            f"({self.corr.method} correlations, {self.corr.missing} missing, n = {self.corr.n_obs})",
            m.round(3).to_string(),
            "",
            self.variance.set_index("factor").round(3).to_string(),
        ]
        if self.n_factors > 1 and self.rotation in ("oblimin", "promax"):
            lines += ["", "Factor correlations (Phi):", self.phi.round(3).to_string()]
        if self.heywood:
            lines.append(f"Heywood case(s): {', '.join(self.heywood)}")
        if not self.converged:
            lines.append("WARNING: the extraction did not converge")
        if not self.rotation_converged:
            lines.append("WARNING: the rotation did not converge")
        return "\n".join(lines)


def _check_n_factors(n_factors: object, p: int) -> int:
    return _check_int("n_factors", n_factors, 1, p - 1)


def efa(
    corr: CorrelationResult,
    *,
    n_factors: int,
    method: FAMethod = "minres",
    rotation: Rotation = "oblimin",
    engine: Engine = "native",
) -> EFAResult:
    """Exploratory factor analysis reproducing ``psych::fa``.

    Parameters
    ----------
    corr : CorrelationResult
        From :func:`correlations` (or :meth:`CorrelationResult.from_matrix`).
    n_factors : int
        Number of factors (1 .. items - 1).
    method : {"minres", "ml"}
        Extraction (psych's ``fm``).
    rotation : {"oblimin", "promax", "varimax", "none"}
        psych-compatible rotations (see the module notes).
    engine : {"native", "factor_analyzer"}
        Unrotated solution from this module's optimiser (default, fast) or
        from ``factor_analyzer.FactorAnalyzer``.

    Returns
    -------
    EFAResult

    Warns
    -----
    HeywoodWarning
        An item's communality is >= 1, or its uniqueness sits at the lower
        bound 0.005 (communality 0.995: a boundary Heywood case).
    ConvergenceWarning
        The extraction or the rotation did not converge.
    """
    if not isinstance(corr, CorrelationResult):
        raise TypeError(f"corr must be a CorrelationResult, got {type(corr).__name__}.")
    _check_choice("method", method, ["minres", "ml"])
    _check_choice("rotation", rotation, ["oblimin", "promax", "varimax", "none"])
    _check_choice("engine", engine, ["native", "factor_analyzer"])
    r = corr.matrix.to_numpy(float)
    k = _check_n_factors(n_factors, r.shape[0])
    with _blas_single_thread():
        fit = _fit(r, k, method, rotation, engine=engine)
    items = corr.items
    fnames = [f"F{i + 1}" for i in range(k)]
    heywood = tuple(it for it, h, ps in zip(items, fit.h2, fit.psi) if h >= 1.0 or ps <= PSI_LOWER + 1e-8)
    if heywood:
        warnings.warn(
            f"Heywood case: item(s) {', '.join(map(repr, heywood))} have communality >= 1 or a uniqueness at "
            f"the bound {PSI_LOWER} (communalities {', '.join(f'{h:.3f}' for h, it in zip(fit.h2, items) if it in heywood)}). "
            "Interpret the solution with care (too many factors, or too few respondents?).",
            HeywoodWarning, stacklevel=2,
        )
    if not fit.converged:
        warnings.warn(f"The {method} extraction did not converge.", ConvergenceWarning, stacklevel=2)
    if not fit.rotation_converged:
        warnings.warn(f"The {rotation} rotation did not converge in 1000 iterations.", ConvergenceWarning,
                      stacklevel=2)
    L = fit.loadings
    tidy = pd.DataFrame(
        {"item": np.repeat(items, k), "factor": np.tile(fnames, len(items)), "loading": L.ravel()}
    )
    comm = pd.DataFrame({"item": items, "communality": fit.h2, "uniqueness": 1.0 - fit.h2,
                         "heywood": [it in heywood for it in items]})
    ss = np.diag(fit.phi @ L.T @ L)
    p = len(items)
    var = pd.DataFrame({"factor": fnames, "ss_loadings": ss, "proportion_var": ss / p,
                        "cumulative_var": np.cumsum(ss) / p, "proportion_explained": ss / ss.sum()})
    return EFAResult(
        loadings=tidy, communalities=comm, phi=pd.DataFrame(fit.phi, index=fnames, columns=fnames),
        variance=var, corr=corr, method=method, rotation=rotation, engine=engine, n_factors=k,
        converged=fit.converged, rotation_converged=fit.rotation_converged, heywood=heywood,
        objective=fit.objective,
    )


def _score_weights(r: np.ndarray, L: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Thurstone regression weights ``R^-1 L Phi``."""
    return np.linalg.solve(r, L @ phi)


def factor_scores(fit: EFAResult, data: pd.DataFrame | None = None, *, min_items: int | None = None) -> pd.DataFrame:
    """Regression (Thurstone) factor scores per respondent.

    Item scores are standardised with the analysed data's mean and standard
    deviation (n - 1); a missing item counts as the item mean (z = 0); the
    weights are ``R^-1 L Phi`` (``R`` the analysed correlation matrix, which
    for polychoric correlations is an approximation, as in psych).

    Parameters
    ----------
    fit : EFAResult
    data : pandas.DataFrame, optional
        Item scores (same columns); default the data behind ``fit.corr``.
    min_items : int, optional
        Fewest answered items for a score (else NA); default half the items,
        rounded up.

    Returns
    -------
    pandas.DataFrame
        Same index as the data; ``respondent`` (if present) and one column per
        factor.
    """
    base = fit.corr.data
    if base is None:
        raise DataError("This factor analysis was run on a bare correlation matrix; factor scores need the data.")
    data = base if data is None else data
    items = fit.items
    frame = _select_items(data, items)
    p = len(items)
    min_items = math.ceil(p / 2) if min_items is None else _check_int("min_items", min_items, 1, p)
    x = frame.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    b = base[items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    mu = np.nanmean(b, axis=0)
    sd = np.nanstd(b, axis=0, ddof=1)
    z = (x - mu) / sd
    answered = np.sum(~np.isnan(z), axis=1)
    z = np.where(np.isnan(z), 0.0, z)
    W = _score_weights(fit.corr.matrix.to_numpy(float), fit.loadings_matrix().to_numpy(float),
                       fit.phi.to_numpy(float))
    sc = z @ W
    sc[answered < min_items] = np.nan
    out = pd.DataFrame(index=data.index)
    if "respondent" in data.columns:
        out["respondent"] = data["respondent"].to_numpy()
    for j, f in enumerate(fit.factors):
        out[f] = sc[:, j]
    return out


# ==========================================================================
# 4. Parallel analysis
# ==========================================================================


def _fa_values(r: np.ndarray, method: FAMethod) -> np.ndarray:
    """psych ``fa(r, nfactors = 1, rotate = "none", fm)$values``: eigenvalues of R with communalities on the diagonal."""
    ex = extract(r, 1, method)
    h2 = np.sum(ex.loadings**2, axis=1)
    s = r.copy()
    np.fill_diagonal(s, h2)
    return np.sort(np.linalg.eigvalsh(s))[::-1]


def _scree_acceleration(values: np.ndarray) -> int:
    """Number of factors by the acceleration factor (Raiche et al. 2013): elbow - 1."""
    v = np.asarray(values, float)
    if len(v) < 3:
        return 1
    af = v[:-2] - 2 * v[1:-1] + v[2:]  # second difference at k = 2..p-1 (1-based)
    elbow = int(np.argmax(af)) + 2      # 1-based index of the elbow
    return max(elbow - 1, 1)


@dataclass(frozen=True)
class ParallelAnalysis:
    """Parallel analysis, eigenvalue > 1 rule and scree criterion side by side.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per component/factor number, fixed columns ``number,
        pc_observed, pc_simulated_mean, pc_simulated_quantile,
        pc_resampled_mean, pc_resampled_quantile, fa_observed,
        fa_simulated_mean, fa_simulated_quantile, fa_resampled_mean,
        fa_resampled_quantile, pc_retain, fa_retain, kaiser_retain,
        scree_retain``.
        ``pc_*`` are eigenvalues of the correlation matrix, ``fa_*``
        eigenvalues with the 1-factor communalities on the diagonal (psych's
        ``fa.parallel(fa = "both")``); ``*_retain`` is True for the numbers
        kept by each rule (parallel: observed > quantile of the simulated
        values, counted from the first until the first failure; Kaiser:
        observed PC eigenvalue > 1; scree: the numbers before the elbow).
    n_factors : dict
        ``{"parallel_fa", "parallel_pc", "kaiser", "scree"}`` -> suggested number.
    quantile : float
    n_iter : int
    correlation, missing, method : str
    n : int
        Respondents per simulated/resampled data set.
    seed : int
    """

    table: pd.DataFrame
    n_factors: dict[str, int]
    quantile: float
    n_iter: int
    correlation: CorrMethod
    missing: Missing
    method: FAMethod
    n: int
    seed: int

    def summary(self) -> str:
        """Text summary."""
        cols = ["number", "pc_observed", "pc_simulated_mean", "pc_simulated_quantile", "fa_observed",
                "fa_simulated_mean", "fa_simulated_quantile"]
        lines = [
            f"Parallel analysis ({self.correlation}, {self.missing}, fa = {self.method}, "
            f"{self.n_iter} iterations, quantile {self.quantile}, n = {self.n}, seed {self.seed})",
            self.table[cols].round(3).to_string(index=False),
            "Suggested number of factors: " + ", ".join(f"{k} = {v}" for k, v in self.n_factors.items()),
        ]
        return "\n".join(lines)


def _first_run(flags: np.ndarray) -> np.ndarray:
    """True for the leading run of True values."""
    out = np.zeros(len(flags), bool)
    for i, f in enumerate(flags):
        if not f:
            break
        out[i] = True
    return out


def parallel_analysis(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    correlation: CorrMethod,
    missing: Missing,
    method: FAMethod = "minres",
    n_iter: int = 100,
    quantile: float = 0.95,
    seed: int,
) -> ParallelAnalysis:
    """Horn's parallel analysis as ``psych::fa.parallel(fa = "both")``.

    Observed: eigenvalues of the correlation matrix (PC) and of the matrix
    with the communalities of a 1-factor solution (``method``) on the diagonal
    (FA). Each of ``n_iter`` iterations

    - *simulates* ``n x p`` standard normal data and takes its Pearson
      correlations (psych does this also when ``cor = "poly"``), and
    - *resamples* each item's column independently with replacement (which
      keeps the marginals and destroys the correlations), and takes the same
      kind of correlations as the observed (Pearson or polychoric, same
      ``missing``); draws with a constant item are redrawn, as psych does.

    The retained number is the count of leading observed eigenvalues above
    the ``quantile`` (default 95th percentile) of the simulated ones (psych's
    ``nfact``/``ncomp``). Kaiser's rule counts PC eigenvalues > 1; the scree
    criterion is the acceleration factor (elbow of the PC eigenvalues by the
    largest second difference, minus one).

    Parameters
    ----------
    data : pandas.DataFrame
        Item scores.
    items : sequence of str, optional
        Columns; default all but ``respondent``.
    correlation : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
    method : {"minres", "ml"}
        Factor method for the FA eigenvalues.
    n_iter : int
        Iterations (psych's default is 20; this function's is 100).
    quantile : float
        Quantile of the simulated eigenvalues used as the threshold.
    seed : int
        Seed of the random generator (numpy PCG64); required.

    Returns
    -------
    ParallelAnalysis
    """
    corr = correlations(data, items, method=correlation, missing=missing)
    _check_choice("method", method, ["minres", "ml"])
    n_iter = _check_int("n_iter", n_iter, 1)
    quantile = _check_fraction("quantile", quantile)
    seed = _check_seed(seed)
    r = corr.matrix.to_numpy(float)
    p = r.shape[0]
    x = corr.data[corr.items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)  # type: ignore[index]
    n = x.shape[0]
    rng = np.random.default_rng(seed)
    pc_obs = np.sort(np.linalg.eigvalsh(r))[::-1]
    with warnings.catch_warnings(), _blas_single_thread():
        warnings.simplefilter("ignore", SamanalyseWarning)
        fa_obs = _fa_values(r, method)
        sim_pc = np.empty((n_iter, p))
        sim_fa = np.empty((n_iter, p))
        res_pc = np.empty((n_iter, p))
        res_fa = np.empty((n_iter, p))
        for it in range(n_iter):
            for _tries in range(1000):
                idx = rng.integers(0, n, size=(n, p))
                xs = x[idx, np.arange(p)[None, :]]
                c = _corr_array(xs, correlation, missing)
                if not np.any(np.isnan(c)):
                    break
            else:  # pragma: no cover - practically unreachable
                raise DataError("Could not draw a resample with variance in every item in 1000 tries.")
            res_pc[it] = np.sort(np.linalg.eigvalsh(c))[::-1]
            res_fa[it] = _fa_values(c, method)
            sim = rng.standard_normal((n, p))
            cs = np.corrcoef(sim, rowvar=False)
            sim_pc[it] = np.sort(np.linalg.eigvalsh(cs))[::-1]
            sim_fa[it] = _fa_values(cs, method)

    def q(a: np.ndarray) -> np.ndarray:
        return np.quantile(a, quantile, axis=0)  # type 7, as R's quantile()

    table = pd.DataFrame({
        "number": np.arange(1, p + 1),
        "pc_observed": pc_obs,
        "pc_simulated_mean": sim_pc.mean(axis=0),
        "pc_simulated_quantile": q(sim_pc),
        "pc_resampled_mean": res_pc.mean(axis=0),
        "pc_resampled_quantile": q(res_pc),
        "fa_observed": fa_obs,
        "fa_simulated_mean": sim_fa.mean(axis=0),
        "fa_simulated_quantile": q(sim_fa),
        "fa_resampled_mean": res_fa.mean(axis=0),
        "fa_resampled_quantile": q(res_fa),
    })
    table["pc_retain"] = _first_run(pc_obs > table["pc_simulated_quantile"].to_numpy())
    table["fa_retain"] = _first_run(fa_obs > table["fa_simulated_quantile"].to_numpy())
    table["kaiser_retain"] = pc_obs > 1.0
    n_scree = _scree_acceleration(pc_obs)
    table["scree_retain"] = table["number"] <= n_scree
    nf = {
        "parallel_fa": int(table["fa_retain"].sum()),
        "parallel_pc": int(table["pc_retain"].sum()),
        "kaiser": int(table["kaiser_retain"].sum()),
        "scree": n_scree,
    }
    return ParallelAnalysis(table, nf, quantile, n_iter, correlation, missing, method, n, seed)


# ==========================================================================
# 6. Clusters
# ==========================================================================


def _virkemiddel_of(col: str, codebook: Codebook | None) -> str:
    if codebook is not None and col in codebook:
        return codebook.item(col).virkemiddel or col
    return col


def _assign(L: np.ndarray, min_loading: float) -> np.ndarray:
    """Factor index with the largest |loading| per item, -1 if below min_loading."""
    a = np.abs(L)
    best = np.argmax(a, axis=1)
    best[a[np.arange(L.shape[0]), best] < min_loading] = -1
    return best


def _congruence(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Tucker's congruence coefficients between the columns of A and B."""
    num = A.T @ B
    den = np.sqrt(np.outer(np.sum(A**2, axis=0), np.sum(B**2, axis=0)))
    return num / den


def _align(L: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Permute and flip the columns of L to match target (Hungarian on |congruence|)."""
    from scipy.optimize import linear_sum_assignment

    C = _congruence(L, target)
    rows, cols = linear_sum_assignment(-np.abs(C))
    out = np.empty_like(target)
    for rr, cc in zip(rows, cols):
        out[:, cc] = L[:, rr] * (1.0 if C[rr, cc] >= 0 else -1.0)
    return out


def _name_factors(L: np.ndarray, virk: list[str], markers: Mapping[str, Sequence[str]]) -> list[str]:
    """Cluster name per factor: Hungarian assignment maximising the loadings of each cluster's markers."""
    from scipy.optimize import linear_sum_assignment

    k = L.shape[1]
    names = [f"F{j + 1}" for j in range(k)]
    clusters = [c for c, mk in markers.items() if any(v in mk for v in virk)]
    if not clusters:
        return names
    score = np.zeros((k, len(clusters)))
    for ci, c in enumerate(clusters):
        rows = [i for i, v in enumerate(virk) if v in markers[c]]
        score[:, ci] = L[rows].sum(axis=0)
    fr, cr = linear_sum_assignment(-score)
    for f, c in zip(fr, cr):
        names[f] = clusters[c]
    return names


@dataclass(frozen=True)
class ClusterResult:
    """Items grouped into clusters by their factor loadings, with bootstrap stability.

    Rule: each item belongs to the factor on which it has its largest absolute
    pattern loading, provided that loading is at least ``min_loading``
    (default 0.30); otherwise it is ``"unassigned"``. Factors are named after
    the study's clusters (``markers``, by the codebook's ``virkemiddel``): the
    factor-to-cluster assignment maximises the summed loadings of each
    cluster's marker items (Hungarian algorithm), so "A" is the factor of
    avtaler og ledelse, kunnskap og kompetanse and samarbeidskultur whatever
    its index. Unnamed factors keep ``F<j>``.

    Stability: ``n_boot`` resamples of respondents (with replacement, fixed
    seed); each is refitted with the same correlation type, missing-data rule,
    method, rotation and number of factors, its factors are aligned to the
    full-sample solution (permutation and sign maximising Tucker's congruence,
    Hungarian algorithm), the items assigned by the same rule, and
    ``stability`` is the share of successful resamples that put the item in
    the same cluster as the full sample (for unassigned items: unassigned
    again).

    Attributes
    ----------
    items : pandas.DataFrame
        Fixed columns ``item, virkemiddel, factor, cluster, loading,
        second_loading, stability`` (``loading`` = the largest-|loading| value,
        ``second_loading`` = the next largest in absolute value).
    bootstrap : pandas.DataFrame
        Fixed columns ``item, cluster, share``: for every item and cluster
        (and ``"unassigned"``) the share of resamples that put it there.
    factor_clusters : dict
        Factor name (``F1`` ...) -> cluster name (``A``, ``B``, or the factor).
    fit : EFAResult
    min_loading : float
    n_boot, n_boot_ok : int
        Resamples drawn and resamples that could be fitted.
    seed : int
    """

    items: pd.DataFrame
    bootstrap: pd.DataFrame
    factor_clusters: dict[str, str]
    fit: EFAResult = field(repr=False)
    min_loading: float
    n_boot: int
    n_boot_ok: int
    seed: int | None

    def members(self, cluster: str) -> list[str]:
        """Items of a cluster."""
        return list(self.items.loc[self.items["cluster"] == cluster, "item"])

    def summary(self) -> str:
        """Text summary."""
        lines = [f"Clusters (largest |loading| >= {self.min_loading}; stability from {self.n_boot_ok} of "
                 f"{self.n_boot} bootstrap resamples, seed {self.seed})"]
        for f, c in self.factor_clusters.items():
            label = CLUSTER_LABELS.get(c, "")
            lines.append(f"  {c} ({f}{', ' + label if label else ''}): {', '.join(self.members(c)) or '-'}")
        un = self.members("unassigned")
        if un:
            lines.append(f"  unassigned: {', '.join(un)}")
        lines.append(self.items.round(3).to_string(index=False))
        return "\n".join(lines)


def item_clusters(
    fit: EFAResult,
    *,
    codebook: Codebook | None = None,
    min_loading: float = 0.30,
    n_boot: int = 1000,
    seed: int,
    markers: Mapping[str, Sequence[str]] = STUDY_CLUSTERS,
) -> ClusterResult:
    """Assign items to clusters and measure the stability by bootstrap.

    Parameters
    ----------
    fit : EFAResult
        From :func:`efa` on :func:`correlations` of respondent data.
    codebook : Codebook, optional
        Maps per-challenge item ids (``q22a``) to their ``virkemiddel``;
        aggregated columns are already named by virkemiddel.
    min_loading : float
        Smallest absolute loading for an assignment.
    n_boot : int
        Bootstrap resamples (0 = none; stability NaN).
    seed : int
        Seed of the resampling (numpy PCG64); required.
    markers : mapping
        Cluster name -> marker virkemidler (default: the study's A and B).

    Returns
    -------
    ClusterResult

    Notes
    -----
    Resamples are fitted with the native engine, starting the optimiser at the
    full-sample uniquenesses (same optimum, faster); a resample whose
    correlation matrix is undefined (an item without variance) or whose fit
    fails is skipped and not counted in ``n_boot_ok``.
    """
    if not isinstance(fit, EFAResult):
        raise TypeError(f"fit must be an EFAResult, got {type(fit).__name__}.")
    min_loading = _check_fraction("min_loading", min_loading)
    n_boot = _check_int("n_boot", n_boot, 0)
    seed = _check_seed(seed)
    items = fit.items
    virk = [_virkemiddel_of(c, codebook) for c in items]
    L = fit.loadings_matrix().to_numpy(float)
    names = _name_factors(L, virk, markers)
    assign = _assign(L, min_loading)
    cluster = [names[a] if a >= 0 else "unassigned" for a in assign]
    absL = np.sort(np.abs(L), axis=1)
    top = L[np.arange(len(items)), np.argmax(np.abs(L), axis=1)]
    second = absL[:, -2] if L.shape[1] > 1 else np.full(len(items), np.nan)

    k = fit.n_factors
    counts = np.zeros((len(items), k + 1))  # last column: unassigned
    n_ok = 0
    corr = fit.corr
    if n_boot > 0:
        if corr.data is None:
            raise DataError("The bootstrap needs respondent data; this fit was made from a bare correlation matrix.")
        x = corr.data[items].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        n = x.shape[0]
        rng = np.random.default_rng(seed)
        psi0 = 1.0 - fit.communalities["communality"].to_numpy(float)
        psi0 = np.clip(psi0, PSI_LOWER, 1.0)
        with warnings.catch_warnings(), _blas_single_thread():
            warnings.simplefilter("ignore")
            for _ in range(n_boot):
                idx = rng.integers(0, n, size=n)
                r = _corr_array(x[idx], corr.method, corr.missing)
                if np.any(np.isnan(r)):
                    continue
                try:
                    bf = _fit(r, k, fit.method, fit.rotation, start=psi0, order=False)
                except (np.linalg.LinAlgError, ValueError):
                    continue
                if not np.all(np.isfinite(bf.loadings)):
                    continue
                Lb = _align(bf.loadings, L)
                a = _assign(Lb, min_loading)
                counts[np.arange(len(items)), np.where(a >= 0, a, k)] += 1
                n_ok += 1
    if n_ok:
        shares = counts / n_ok
        stab = shares[np.arange(len(items)), np.where(assign >= 0, assign, k)]
    else:
        shares = np.full_like(counts, np.nan)
        stab = np.full(len(items), np.nan)
    fnames = fit.factors
    tab = pd.DataFrame({
        "item": items, "virkemiddel": virk,
        "factor": [fnames[a] if a >= 0 else "" for a in assign],
        "cluster": cluster, "loading": top, "second_loading": second, "stability": stab,
    })
    cl_names = names + ["unassigned"]
    boot = pd.DataFrame({
        "item": np.repeat(items, k + 1), "cluster": np.tile(cl_names, len(items)), "share": shares.ravel(),
    })
    return ClusterResult(tab, boot, dict(zip(fnames, names)), fit, min_loading, n_boot, n_ok, seed)


# ==========================================================================
# 6b. Respondent preferences
# ==========================================================================


@dataclass(frozen=True)
class Preferences:
    """Each respondent's preferred cluster.

    Rule: regression factor scores (:func:`factor_scores`) of the two
    clusters' factors; ``difference = score_B - score_A``; preference ``"B"``
    if ``difference > band``, ``"A"`` if ``difference < -band``, otherwise
    ``"neither"`` (also exact ties); NA when the respondent answered fewer
    than ``min_items`` items.

    Attributes
    ----------
    frame : pandas.DataFrame
        Fixed columns ``respondent, score_A, score_B, difference,
        preference`` (preference: Categorical ``A``, ``B``, ``neither``).
    band : float
    clusters : tuple of str
        The two clusters compared (first = reference, second = "B").
    """

    frame: pd.DataFrame
    band: float
    clusters: tuple[str, str] = ("A", "B")

    def counts(self) -> pd.Series:
        """Number of respondents per preference (NA included)."""
        return self.frame["preference"].value_counts(dropna=False).sort_index()

    def summary(self) -> str:
        """Text summary."""
        c = self.counts()
        return (f"Preferred cluster (B - A factor score difference, band ±{self.band}):\n"
                + "\n".join(f"  {k}: {v}" for k, v in c.items()))


def respondent_preferences(
    clusters: ClusterResult,
    data: pd.DataFrame | None = None,
    *,
    band: float = 0.0,
    min_items: int | None = None,
) -> Preferences:
    """Preferred cluster (A or B) of each respondent from factor scores.

    Parameters
    ----------
    clusters : ClusterResult
        Must contain clusters ``"A"`` and ``"B"``.
    data : pandas.DataFrame, optional
        Item scores; default the data the factor analysis used.
    band : float
        Half-width of the "neither" band around 0 (factor-score units).
    min_items : int, optional
        See :func:`factor_scores`.

    Returns
    -------
    Preferences
    """
    if not isinstance(clusters, ClusterResult):
        raise TypeError(f"clusters must be a ClusterResult, got {type(clusters).__name__}.")
    band = _check_fraction("band", band, 0.0, 10.0)
    f_of = {c: f for f, c in clusters.factor_clusters.items()}
    missing = [c for c in ("A", "B") if c not in f_of]
    if missing:
        raise DataError(
            f"The factor solution has no cluster {' or '.join(missing)} (factors are named "
            f"{clusters.factor_clusters}); preferences compare clusters A and B."
        )
    sc = factor_scores(clusters.fit, data, min_items=min_items)
    a = sc[f_of["A"]].to_numpy(float)
    b = sc[f_of["B"]].to_numpy(float)
    d = b - a
    pref = np.where(np.isnan(d), None, np.where(d > band, "B", np.where(d < -band, "A", "neither")))
    out = pd.DataFrame(index=sc.index)
    out["respondent"] = sc["respondent"].to_numpy() if "respondent" in sc.columns else sc.index.to_numpy()
    out["score_A"] = a
    out["score_B"] = b
    out["difference"] = d
    out["preference"] = pd.Categorical(pref, categories=["A", "B", "neither"])
    return Preferences(out, band)


# ==========================================================================
# 7. Who prefers which
# ==========================================================================


def _join_background(prefs: Preferences, background: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(prefs, Preferences):
        raise TypeError(f"preferences must be a Preferences object, got {type(prefs).__name__}.")
    if not isinstance(background, pd.DataFrame) or "respondent" not in background.columns:
        raise DataError("background must be a DataFrame with a 'respondent' column (samanalyse.respondents()).")
    miss = [c for c in columns if c not in background.columns]
    if miss:
        raise DataError(f"background has no column(s) {', '.join(map(repr, miss))}; it has "
                        f"{', '.join(map(str, background.columns))}.")
    bg = background[["respondent", *columns]].copy()
    bg["respondent"] = bg["respondent"].astype(str)
    if bg["respondent"].duplicated().any():
        dups = bg.loc[bg["respondent"].duplicated(), "respondent"].unique()[:5]
        raise DataError(f"background lists respondent(s) {', '.join(map(repr, dups))} more than once.")
    pf = prefs.frame.copy()
    pf["respondent"] = pf["respondent"].astype(str)
    out = pf.merge(bg, on="respondent", how="left", validate="one_to_one")
    if not pf["respondent"].isin(bg["respondent"]).any():
        raise DataError("No respondent of the preferences is in background (compare the 'respondent' columns).")
    return out


@dataclass(frozen=True)
class PreferenceModel:
    """Logistic regression of preferring cluster B (vs A).

    Attributes
    ----------
    coefficients : pandas.DataFrame
        Fixed columns ``term, coef, se, z, p_value, odds_ratio, or_ci_low,
        or_ci_high`` (Wald, 95 %).
    n, n_B : int
        Respondents in the model and those preferring B.
    formula : str
        Human-readable model.
    converged : bool
    llf, pseudo_r2 : float
        Log-likelihood and McFadden's pseudo R².
    """

    coefficients: pd.DataFrame
    n: int
    n_B: int
    formula: str
    converged: bool
    llf: float
    pseudo_r2: float

    def summary(self) -> str:
        """Text summary."""
        return "\n".join([
            f"Logistic regression: {self.formula} (n = {self.n}, {self.n_B} prefer B; McFadden R² = "
            f"{self.pseudo_r2:.3f}{'' if self.converged else '; DID NOT CONVERGE'})",
            self.coefficients.round(4).to_string(index=False),
        ])


def _logit(y: np.ndarray, X: pd.DataFrame, formula: str) -> PreferenceModel:
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(disp=0, maxiter=200)
    converged = bool(res.mle_retvals.get("converged", True))
    if not converged:
        warnings.warn(f"The logistic regression {formula} did not converge.", ConvergenceWarning, stacklevel=3)
    ci = np.asarray(res.conf_int(0.05))
    coef = pd.DataFrame({
        "term": list(res.params.index),
        "coef": res.params.to_numpy(), "se": res.bse.to_numpy(), "z": res.tvalues.to_numpy(),
        "p_value": res.pvalues.to_numpy(), "odds_ratio": np.exp(res.params.to_numpy()),
        "or_ci_low": np.exp(ci[:, 0]), "or_ci_high": np.exp(ci[:, 1]),
    })
    return PreferenceModel(coef, int(len(y)), int(y.sum()), formula, converged, float(res.llf),
                           float(res.prsquared))


def preference_model(
    preferences: Preferences,
    background: pd.DataFrame,
    *,
    by: Sequence[str] = ("size_class", "population", "sentralitet"),
) -> PreferenceModel:
    """Logistic regression of preferring B (1) rather than A (0) on background variables.

    ``"neither"`` and missing preferences are left out, as are respondents
    without the background values (helseforetak have none). ``population``
    enters as ``log(population)``; a Categorical column (``size_class``)
    enters as dummies against its first category present; other columns
    (``sentralitet`` 0-3) as numbers.

    Parameters
    ----------
    preferences : Preferences
    background : pandas.DataFrame
        :func:`samanalyse.rounds.respondents` (columns ``respondent`` and ``by``).
    by : sequence of str
        Background columns.

    Returns
    -------
    PreferenceModel
    """
    by = list(by)
    if not by:
        raise ValueError("by must name at least one background column.")
    d = _join_background(preferences, background, by)
    d = d[d["preference"].isin(["A", "B"])].copy()
    d = d.dropna(subset=by)
    if "population" in by:
        pop = d["population"].astype(float)
        if (pop <= 0).any():
            raise DataError(f"population must be positive for the log; got {pop[pop <= 0].tolist()[:5]}.")
    X = pd.DataFrame(index=d.index)
    terms = []
    for c in by:
        col = d[c]
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object:
            cats = [v for v in (col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype)
                                else sorted(col.unique())) if (col == v).any()]
            for v in cats[1:]:
                X[f"{c}[{v}]"] = (col == v).astype(float)
            terms.append(f"{c} (ref. {cats[0]})" if cats else c)
        elif c == "population":
            X["log_population"] = np.log(col.astype(float))
            terms.append("log(population)")
        else:
            X[c] = col.astype(float)
            terms.append(c)
    y = (d["preference"] == "B").astype(float).to_numpy()
    if len(y) < len(X.columns) + 2 or y.sum() == 0 or y.sum() == len(y):
        raise DataError(f"Too few respondents to fit the model: n = {len(y)}, {int(y.sum())} prefer B.")
    return _logit(y, X, "P(prefer B) ~ " + " + ".join(terms))


@dataclass(frozen=True)
class CrossTab:
    """Preferences by a background variable with Pearson's chi-square test.

    Attributes
    ----------
    counts : pandas.DataFrame
        Rows: values of ``by``; columns: preferences.
    chisq, df, p_value : float
        Pearson's chi-square test of independence (no continuity correction).
    min_expected : float
        Smallest expected count (a :class:`SmallCellWarning` is emitted below 5).
    by : str
    """

    counts: pd.DataFrame
    chisq: float
    df: int
    p_value: float
    min_expected: float
    by: str

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, fixed columns ``<by>, preference, n, share`` (share within the row)."""
        long = self.counts.stack().rename("n").reset_index()
        long.columns = [self.by, "preference", "n"]
        tot = long.groupby(self.by, observed=True)["n"].transform("sum")
        long["share"] = long["n"] / tot
        return long

    def summary(self) -> str:
        """Text summary."""
        return "\n".join([
            f"Preference by {self.by}: chi2({self.df}) = {self.chisq:.3f}, p = {self.p_value:.4g} "
            f"(smallest expected count {self.min_expected:.2f})",
            self.counts.to_string(),
        ])


def preference_crosstab(
    preferences: Preferences,
    background: pd.DataFrame,
    *,
    by: str = "sentralitet",
    include_neither: bool = False,
) -> CrossTab:
    """Cross-tabulate preferences by a background column with a chi-square test.

    Parameters
    ----------
    preferences : Preferences
    background : pandas.DataFrame
        With columns ``respondent`` and ``by``.
    by : str
        Background column (e.g. ``sentralitet``, ``size_class``).
    include_neither : bool
        Keep the ``"neither"`` column (default: A vs B only).

    Returns
    -------
    CrossTab

    Warns
    -----
    SmallCellWarning
        If an expected count is below 5.
    """
    d = _join_background(preferences, background, [by]).dropna(subset=[by, "preference"])
    keep = ["A", "B", "neither"] if include_neither else ["A", "B"]
    d = d[d["preference"].isin(keep)]
    counts = pd.crosstab(d[by], d["preference"].astype(str)).reindex(columns=keep, fill_value=0)
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        raise DataError(f"The cross-table of preference by {by!r} has fewer than 2 rows or columns:\n{counts}")
    chi2, p, df, expected = stats.chi2_contingency(counts.to_numpy(), correction=False)
    if expected.min() < 5:
        warnings.warn(f"Preference by {by}: smallest expected count {expected.min():.2f} < 5; the chi-square "
                      "test may be unreliable.", SmallCellWarning, stacklevel=2)
    counts.columns.name = "preference"
    return CrossTab(counts, float(chi2), int(df), float(p), float(expected.min()), by)


@dataclass(frozen=True)
class SentralitetFinding:
    """The study's finding: kommuner preferring institutional measures (B) are more central.

    Attributes
    ----------
    test : pandas.DataFrame
        One row, fixed columns ``term, coef, se, z, p_value, odds_ratio,
        or_ci_low, or_ci_high, n, n_A, n_B``: logistic regression of
        preferring B (vs A) on sentralitet (0 = minst sentral .. 3 = sentral).
        A positive coefficient (OR > 1) is the study's finding.
    means : pandas.DataFrame
        Fixed columns ``preference, n, mean_sentralitet``.
    crosstab : CrossTab
        Preference (A/B) by sentralitet with chi-square.
    supports_study : bool
        True if the coefficient is positive and p < 0.05.
    """

    test: pd.DataFrame
    means: pd.DataFrame
    crosstab: CrossTab
    supports_study: bool

    def summary(self) -> str:
        """Text summary."""
        t = self.test.iloc[0]
        verdict = "supports" if self.supports_study else "does not support"
        return "\n".join([
            "Kommuner som ønsker institusjonelle virkemidler (B) vs prosessuelle (A), by sentralitet:",
            self.means.round(3).to_string(index=False),
            f"logit P(B): sentralitet coef = {t.coef:.3f} (OR {t.odds_ratio:.2f}, 95 % CI "
            f"{t.or_ci_low:.2f}-{t.or_ci_high:.2f}), p = {t.p_value:.4g}, n = {t.n}",
            self.crosstab.summary(),
            f"This {verdict} the study's finding (B-kommuner ligger mer sentralt til).",
        ])


def cluster_preference_by_sentralitet(preferences: Preferences, background: pd.DataFrame) -> SentralitetFinding:
    """Reproduce the study's test: is preferring cluster B related to sentralitet?

    Logistic regression of B (1) vs A (0) on sentralitet as a number (0-3),
    mean sentralitet per preference group, and the A/B x sentralitet
    cross-table with Pearson's chi-square. Respondents with preference
    ``"neither"`` or NA, and without sentralitet (helseforetak), are left out.

    Parameters
    ----------
    preferences : Preferences
    background : pandas.DataFrame
        :func:`samanalyse.rounds.respondents` (``respondent``, ``sentralitet``).

    Returns
    -------
    SentralitetFinding
    """
    model = preference_model(preferences, background, by=["sentralitet"])
    row = model.coefficients[model.coefficients["term"] == "sentralitet"].copy()
    d = _join_background(preferences, background, ["sentralitet"])
    d = d[d["preference"].isin(["A", "B"])].dropna(subset=["sentralitet"])
    row["n"] = model.n
    row["n_A"] = model.n - model.n_B
    row["n_B"] = model.n_B
    means = (d.assign(s=d["sentralitet"].astype(float)).groupby(d["preference"].astype(str))["s"]
             .agg(["size", "mean"]).reset_index())
    means.columns = ["preference", "n", "mean_sentralitet"]
    ct = preference_crosstab(preferences, background, by="sentralitet")
    supports = bool(row["coef"].iloc[0] > 0 and row["p_value"].iloc[0] < 0.05)
    return SentralitetFinding(row.reset_index(drop=True), means, ct, supports)


# ==========================================================================
# Pipeline
# ==========================================================================


@dataclass(frozen=True)
class FactorAnalysis:
    """Everything :func:`factor_analysis` computes, with timings per step (seconds)."""

    corr: CorrelationResult
    suitability: Suitability
    parallel: ParallelAnalysis
    efa: EFAResult
    clusters: ClusterResult
    preferences: Preferences | None
    timings: dict[str, float]

    def summary(self) -> str:
        """All summaries in order."""
        parts = [self.corr.summary(), self.suitability.summary(), self.parallel.summary(), self.efa.summary(),
                 self.clusters.summary()]
        if self.preferences is not None:
            parts.append(self.preferences.summary())
        return "\n\n".join(parts)


def factor_analysis(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    correlation: CorrMethod,
    missing: Missing,
    n_factors: int | None = 2,
    method: FAMethod = "minres",
    rotation: Rotation = "oblimin",
    n_iter: int = 100,
    n_boot: int = 1000,
    min_loading: float = 0.30,
    band: float = 0.0,
    seed: int,
) -> FactorAnalysis:
    """Correlations, suitability, parallel analysis, EFA, clusters and preferences in one call.

    Parameters
    ----------
    data : pandas.DataFrame
        Item scores from :func:`priority_scores`.
    items : sequence of str, optional
        Columns; default all but ``respondent``.
    codebook : Codebook, optional
        For naming clusters from per-challenge item ids.
    correlation : {"pearson", "polychoric"}
    missing : {"pairwise", "listwise"}
    n_factors : int or None
        Number of factors (default 2, as the study); None = parallel analysis' FA suggestion.
    method, rotation
        See :func:`efa`.
    n_iter : int
        Parallel-analysis iterations.
    n_boot : int
        Bootstrap resamples for cluster stability.
    min_loading, band
        See :func:`item_clusters` and :func:`respondent_preferences`.
    seed : int
        Seed for parallel analysis and bootstrap (required).

    Returns
    -------
    FactorAnalysis
        ``preferences`` is None if the solution has no clusters A and B.
    """
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    corr = correlations(data, items, method=correlation, missing=missing)
    t["correlations"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    suit = suitability(corr)
    t["suitability"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pa = parallel_analysis(data, items, correlation=correlation, missing=missing, method=method, n_iter=n_iter,
                           seed=seed)
    t["parallel_analysis"] = time.perf_counter() - t0
    k = max(pa.n_factors["parallel_fa"], 1) if n_factors is None else n_factors
    t0 = time.perf_counter()
    fit = efa(corr, n_factors=k, method=method, rotation=rotation)
    t["efa"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cl = item_clusters(fit, codebook=codebook, min_loading=min_loading, n_boot=n_boot, seed=seed)
    t["bootstrap"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    names = set(cl.factor_clusters.values())
    prefs = respondent_preferences(cl, band=band) if {"A", "B"} <= names else None
    t["preferences"] = time.perf_counter() - t0
    return FactorAnalysis(corr, suit, pa, fit, cl, prefs, t)
