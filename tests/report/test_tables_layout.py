"""The tables step's n columns (report.sections.tables._n_columns) against the pandas formulation it replaced.

The expected values come from that formulation (a frame of each population's n aligned on the union of
its columns' rows, one column when ``nunique <= 1`` on every row, the first n by ``bfill``; hidden
where every column holding the row marks it and no n is left), on hand-made printed columns: two
populations, a group only one of them has, a suppressed n, a footnote row only one column has, and
columns with different n.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samanalyse.report.sections.tables import _n_columns
from samanalyse.survey.disclosure import SUPPRESSED


def _old(rows, columns):
    out, hidden = {}, {}
    for pop in dict.fromkeys(p for p, _, _ in columns):
        ns = pd.DataFrame({kol: sel["n"] for p, kol, sel in columns if p == pop})
        gone_n = pd.DataFrame({kol: sel["symbol"].eq(SUPPRESSED) & sel["n"].isna() for p, kol, sel in columns
                               if p == pop and "symbol" in sel})
        if (ns.nunique(axis=1, dropna=True) <= 1).all():
            out[f"{pop}: n"] = ns.bfill(axis=1).iloc[:, 0].astype("Int64").reindex(rows)
            if not gone_n.empty:
                hidden[f"{pop}: n"] = gone_n.all(axis=1) & ns.isna().all(axis=1)
        else:
            for kol in ns.columns:
                out[f"{pop}: {kol} – n"] = ns[kol].astype("Int64").reindex(rows)
                if kol in gone_n:
                    hidden[f"{pop}: {kol} – n"] = gone_n[kol]
    return out, hidden


def _col(rows, n, symbol=None):
    frame = pd.DataFrame({"n": pd.array(n, dtype="Int64")}, index=pd.Index(rows, name="rad"))
    if symbol is not None:
        frame["symbol"] = symbol
    return frame


CASES = {
    "two populations, a group of one only, a suppressed n": (
        ["A", "B", "C", "Samlet", "fotnote"],
        [("Kommuner", "Godt", _col(["A", "B", "Samlet", "fotnote"], [10, None, 30, 30], ["", SUPPRESSED, "", ""])),
         ("Kommuner", "Dårlig", _col(["A", "B", "Samlet"], [10, None, 30], ["", SUPPRESSED, ""])),
         ("Helseforetak", "Godt", _col(["C", "Samlet"], [4, 9], ["", ""])),
         ("Helseforetak", "Dårlig", _col(["C", "Samlet"], [4, 9], ["", ""]))]),
    "without disclosure control": (
        ["A", "B", "Samlet"],
        [("Kommuner", "", _col(["A", "B", "Samlet"], [5, 6, 11]))]),
    "different n per column": (
        ["A", "B"],
        [("Kommuner", "x", _col(["A", "B"], [5, None], ["", SUPPRESSED])),
         ("Kommuner", "y", _col(["A", "B"], [7, 8], ["", ""]))]),
    "an n blank but not suppressed": (
        ["A", "B"],
        [("Kommuner", "x", _col(["A", "B"], [5, None], ["", ""])),
         ("Kommuner", "y", _col(["A"], [5], [""]))]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_n_columns_are_the_pandas_formulation(case):
    rows, columns = CASES[case]
    out, hidden = {}, {}
    _n_columns(out, hidden, pd.Index(rows), columns)
    want, want_hidden = _old(rows, columns)
    assert list(out) == list(want)
    for k in want:
        pd.testing.assert_series_equal(out[k].reset_index(drop=True), want[k].reset_index(drop=True),
                                       check_names=False)
    assert set(hidden) == set(want_hidden)
    for k in want_hidden:   # the rows each marks (as the step reads them: on the table's rows, blank = False)
        got = hidden[k].reindex(rows).fillna(False).astype(bool).to_numpy()
        assert np.array_equal(got, want_hidden[k].reindex(rows).fillna(False).astype(bool).to_numpy())


def test_printed_columns_are_the_groupby_ones():
    # interleaved columns, a missing column label (left out as groupby leaves it out), rows in any order
    from samanalyse.report.sections.tables import _columns

    d = pd.DataFrame({"Populasjon": ["Kommuner", "Helseforetak", "Kommuner", "Kommuner", "Helseforetak", "Kommuner"],
                      "kol": ["Godt", "Godt", "Dårlig", "Godt", np.nan, "Dårlig"],
                      "rad": ["A", "A", "A", "Samlet", "B", "Samlet"],
                      "n": [10.0, 4.0, 10.0, 30.0, 2.0, np.nan], "symbol": ["", "", SUPPRESSED, "", "", ""]},
                     index=[7, 3, 5, 1, 0, 9])
    want = [(pop, kol, sel.set_index("rad")) for (pop, kol), sel in d.groupby(["Populasjon", "kol"], sort=False)]
    got = _columns(d)
    assert [(p, k) for p, k, _ in got] == [(p, k) for p, k, _ in want]
    for (_, _, g), (_, _, w) in zip(got, want):
        pd.testing.assert_frame_equal(g, w)


def test_records_are_the_to_dict_records():
    # the values each printed cell's text is made of, as to_dict("records") gave them
    from samanalyse.report.sections.tables import _records

    sel = pd.DataFrame({"regenerated": pd.array([12.5, None, 3.0], dtype="Float64"),
                        "published": [12.0, np.nan, 3.0], "n": pd.array([10, None, 4], dtype="Int64"),
                        "ci_method": ["fpc_logit", SUPPRESSED, ""], "mixed": pd.Series([np.float64(1.5), None, "x"],
                                                                                        dtype=object)},
                       index=pd.Index(["A", "B", "Samlet"], name="rad"))
    cols = list(sel.columns)
    want = dict(zip(sel.index, sel[cols].to_dict("records")))
    got = _records(sel, cols)
    assert list(got) == list(want)
    for rad in want:
        assert list(got[rad]) == list(want[rad])
        for c in cols:
            w, g = want[rad][c], got[rad][c]
            assert (pd.isna(w) and pd.isna(g) and type(w) is type(g)) or (w == g and float(w) == float(g)
                                                                           if not isinstance(w, str) else w == g)
    assert _records(sel, []) == {rad: {} for rad in sel.index}
