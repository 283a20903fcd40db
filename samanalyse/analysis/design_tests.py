"""Design-based association tests of the plan: the Rao–Scott adjusted chi-square (R ``survey::svychisq``).

When a round declares weights, the chi-square tests of :mod:`samanalyse.analysis.planned` are
replaced by :func:`rao_scott`: the Pearson X² of the *weighted* table, corrected by the generalised
design effects of the design (second-order, F with fractional degrees of freedom; R ``svychisq(...,
statistic = "F")``), on the form's design from :func:`samanalyse.analysis.weights.form_design`
(calibrated weights with their linearised variance, finite-population correction). Respondents
without both answers stay in the design with weight 0 in the table (R's ``na.rm = TRUE`` on a
subset). The result row has the columns of every test (:data:`samanalyse.analysis.tests.RESULT_COLUMNS`):
``statistic`` = F, ``df`` = numerator df, ``n`` = unweighted respondents in the table.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import pandas as pd

from samanalyse.analysis._variables import _categorical, _two_way
from samanalyse.analysis.tests import _row, results_frame
from samanalyse.analysis.weighted import FormDesigns
from samanalyse.stats._checks import WarningLog
from samanalyse.stats.contingency import HypothesisTest
from samanalyse.stats.design import rao_scott_chisq
from samanalyse.survey.codebook import Codebook

__all__ = ["TEST_NAME", "rao_scott"]

#: ``test`` of a Rao–Scott row (the translation table's ``test`` group names it).
TEST_NAME = "rao_scott"


def rao_scott(data: pd.DataFrame, outcome: str, by: str, *, designs: FormDesigns, form: str,
              codebook: Codebook | None = None, collapse: str | None = None,
              exclude: Sequence[Hashable] = ()) -> pd.DataFrame:
    """Rao–Scott second-order test of ``outcome`` by ``by`` under the form's design; R ``svychisq(statistic="F")``.

    Parameters
    ----------
    data : pandas.DataFrame
        The form's respondents (a ``respondent`` column; other rows of the design count 0).
    outcome, by : str
        Columns or codebook index names (an index's class), as :func:`samanalyse.analysis.tests.chi_square`.
    designs : FormDesigns
        The designs of the round's weighted forms.
    form : str
        The form whose design is used.
    codebook, collapse, exclude :
        As :func:`samanalyse.analysis.tests.chi_square`.

    Returns
    -------
    pandas.DataFrame
        One row: ``test = "rao_scott"``, ``statistic`` = F, ``df`` = R's ``ndf``; ``method`` gives
        ``ddf``, the weighted Pearson X² and the mean generalised design effect.
    """
    log = WarningLog()
    table, _, _, n, degenerate = _two_way(data, outcome, by, codebook, collapse, exclude, log, TEST_NAME)
    method = "Rao-Scott second-order corrected F test of the weighted table (R survey::svychisq, statistic='F')"
    if degenerate:
        return results_frame([_row(TEST_NAME, outcome, by, n, method=method, log=log)])
    y = _categorical(data, outcome, codebook, collapse, exclude).astype(object)
    g = _categorical(data, by, codebook).astype(object)
    frame = pd.DataFrame({"_y": y.to_numpy(), "_g": g.to_numpy()}, index=data["respondent"].astype(str).to_numpy())
    order = designs.data(form)["respondent"].astype(str).to_numpy()
    frame = frame.reindex(order)    # the design's rows; respondents not in ``data`` have neither value
    res = rao_scott_chisq(designs.design(form, frame), "_g", "_y", statistic="F")
    how = (f"{method}; denominator df {res.df_den:.4f}, weighted Pearson X2 {res.pearson:.4f}, "
           f"mean design effect {res.deltas_mean:.4f}")
    test = HypothesisTest(statistic=res.statistic, df=res.df_num, p=res.p_value, effect=math.nan, method=how)
    return results_frame([_row(TEST_NAME, outcome, by, n, test, log=log)])
