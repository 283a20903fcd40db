"""Fixtures shared by the factor tests: the R reference values and the priorities data they were computed on."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from samanalyse.stats.factor.correlation import CorrelationResult, correlations

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def ref() -> dict:
    """tests/reference/factor.json (made by tests/reference/make_reference.R)."""
    f = REF / "factor.json"
    if not f.exists():
        pytest.skip("tests/reference/factor.json not generated yet (Rscript tests/reference/make_reference.R)")
    return json.loads(f.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def priorities() -> pd.DataFrame:
    """tests/reference/priorities.csv: the item scores the R reference values were computed on."""
    return pd.read_csv(REF / "priorities.csv")


@pytest.fixture(scope="module")
def corr_cc(priorities: pd.DataFrame) -> CorrelationResult:
    return correlations(priorities, method="pearson", missing="listwise")
