"""Translation tables read by libyaml are the safe loader's; symbols_in finds what the former search found."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from samanalyse.report.i18n import LANGUAGES, SYMBOLS, symbols_in, translation
from samanalyse.survey.paths import data_dir


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translation_table_is_the_safe_loaders(lang: str) -> None:
    raw = yaml.safe_load((data_dir() / "translations" / f"{lang}.yaml").read_text(encoding="utf-8"))
    tr = translation(lang)
    assert tr.table == {k: dict(v) for k, v in raw.items() if isinstance(v, dict)}
    assert (tr.decimal, tr.thousands) == (str(raw.get("decimal", ",")), str(raw.get("thousands", " ")))


def _symbols_in_per_column(*frames: pd.DataFrame | None) -> list[str]:
    """The former symbols_in (a column looked up by name, then its dtype), as reference."""
    found: set[str] = set()
    for frame in frames:
        if frame is None or frame.empty:
            continue
        cells = {v for col in frame.columns if not pd.api.types.is_numeric_dtype(frame[col])
                 for v in frame[col].tolist() if isinstance(v, str)}
        found |= {k for k, sym in SYMBOLS.items() if sym in cells or any(f"({sym})" in c for c in cells)}
    return [k for k in SYMBOLS if k in found]


def test_symbols_in_finds_what_the_former_search_found() -> None:
    frames = [
        pd.DataFrame({"n": [3, 4], "andel": [":", "12,5"], "ci": ["25,0 (..), n = 4", None]}),
        pd.DataFrame({"x": pd.array(["-", pd.NA], dtype="string"), "y": pd.Categorical(["..", "a"]),
                      "z": [1.5, float("nan")], "b": [True, False]}),
        pd.DataFrame({"mixed": [1, ":", 2.5], "num": [1, 2, 3]}),
        pd.DataFrame({"a": [1, 2]}), pd.DataFrame(), None,
        pd.DataFrame({"tekst": ["kl. 10:30", "Hjem - fastlege", "(-)"]}),
    ]
    for frame in frames:
        assert symbols_in(frame) == _symbols_in_per_column(frame)
    assert symbols_in(*frames) == _symbols_in_per_column(*frames) == ["suppressed", "missing", "zero"]
