"""The atoms of an item's tables (``analysis.disclosure._atoms``), counted by position, against the
general path kept for frames with blank groups (``_atoms_with_missing_groups``, the algorithm as it was:
a pandas ``groupby`` count set into the full cross-classification one combination at a time). Random
frames: text and numeric answers with blanks, nominal and categorical grouping columns; with blank
groups ``_atoms`` takes the general path itself, so those frames only check that it is taken."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.disclosure import _atoms, _atoms_with_missing_groups


def _general(data: pd.DataFrame, item: str, bys: list[str], categories: list[str]) -> pd.DataFrame:
    cols = [item, *bys]
    return _atoms_with_missing_groups(data[cols].astype(object).where(data[cols].notna(), None), item, bys,
                                      categories)


@pytest.mark.parametrize("seed", range(12))
def test_atoms_as_the_general_path(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    rhf = ["X", "Y", None] if seed % 4 == 3 else ["X", "Y", "Z"]
    data = pd.DataFrame({"q": rng.choice(["a", "b", None, "Vet ikke"], n), "rhf": rng.choice(rhf, n),
                         "size": pd.Categorical(rng.choice(["s", "m"], n), categories=["s", "m", "l"]),
                         "num": rng.choice([1.0, 2.0, np.nan], n)})
    for bys in ([], ["rhf"], ["size"], ["rhf", "size"], ["num"]):
        for item in ("q", "num"):
            if item in bys:
                continue
            got, want = _atoms(data, item, bys, ["a", "c"]), _general(data, item, bys, ["a", "c"])
            assert got.equals(want) and list(got.dtypes) == list(want.dtypes), (seed, item, bys)


def test_atoms_by_hand() -> None:
    data = pd.DataFrame({"q": ["a", "a", None], "rhf": ["X", "Y", "X"]})
    got = _atoms(data, "q", ["rhf"], ["c"])
    assert got["q"].tolist()[:4] == ["a", "a", "c", "c"] and got["q"].isna().tolist()[4:] == [True, True]
    assert got["rhf"].tolist() == ["X", "Y"] * 3 and got["count"].tolist() == [1, 1, 0, 0, 1, 0]
