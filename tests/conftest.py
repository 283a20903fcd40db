"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
STUDY_TEXT = REPO.parent / "shared" / "seeds" / "004_c35e321e74706501.txt"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def study_lines() -> list[str]:
    """Lines of the study's text (skips when shared/ is not beside the checkout)."""
    if not STUDY_TEXT.exists():
        pytest.skip(f"study text not found at {STUDY_TEXT}")
    return STUDY_TEXT.read_text(encoding="utf-8").split("\n")


#: The priority scale's labels in the 2010 codebook's order, its virkemidler letters and questions
#: (the synthetic answers below are shaped like the 2010 round's priorities).
LABELS = np.array(["Høy prioritet", "Middels prioritet", "Ikke prioritet", "Vet ikke/ikke aktuelt"])
LETTERS = "abcdefghij"
QUESTIONS = ("q22", "q24", "q26", "q28")


def _synthetic_priority_labels(n: int = 187, seed: int = 1, b_first: bool = False, p_dont_know: float = 0.04,
                     p_na: float = 0.02) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Answer labels q22a..q28j from two latent traits A (a-c) and B (f-h); returns (data, A, B)."""
    rng = np.random.default_rng(seed)
    fa = rng.standard_normal(n)
    fb = 0.3 * fa + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    la = np.array([0.75, 0.70, 0.65, 0.30, 0.20, 0.00, 0.05, 0.00, 0.25, 0.15])
    lb = np.array([0.00, 0.05, 0.00, 0.25, 0.30, 0.75, 0.70, 0.65, 0.20, 0.30])
    if b_first:  # make B the stronger factor (more items, higher loadings)
        lb = np.array([0.00, 0.05, 0.00, 0.60, 0.65, 0.85, 0.80, 0.80, 0.55, 0.60])
    out: dict[str, object] = {"respondent": [f"{1000 + i:04d}" for i in range(n)]}
    dtype = pd.CategoricalDtype(list(LABELS))
    for j, letter in enumerate(LETTERS):
        common = la[j] * fa + lb[j] * fb
        h2 = min(la[j] ** 2 + lb[j] ** 2 + 2 * 0.3 * la[j] * lb[j], 0.95)
        trait = common + np.sqrt(1 - h2) * 0.8 * rng.standard_normal(n)
        for q in QUESTIONS:
            ystar = trait + 0.6 * rng.standard_normal(n)
            code = np.where(ystar > 0.2, 0, np.where(ystar > -0.9, 1, 2))
            lab = LABELS[code].astype(object)
            lab[rng.random(n) < p_dont_know] = LABELS[3]
            lab[rng.random(n) < p_na] = None
            out[q + letter] = pd.Categorical(lab, dtype=dtype)
    return pd.DataFrame(out), fa, fb


@pytest.fixture(scope="session")
def synthetic_labels():
    """The generator of synthetic 2010-shaped priority answers with two planted latent traits (shared by the
    priorities analysis and figure tests)."""
    return _synthetic_priority_labels
