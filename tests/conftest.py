"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

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
