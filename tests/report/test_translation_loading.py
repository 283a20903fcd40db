"""The translation tables read by libyaml are the tables PyYAML's pure-Python safe loader reads."""

from __future__ import annotations

import pytest
import yaml

from samanalyse.report.i18n import LANGUAGES, translation
from samanalyse.survey.paths import data_dir


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translation_table_is_the_safe_loaders(lang: str) -> None:
    raw = yaml.safe_load((data_dir() / "translations" / f"{lang}.yaml").read_text(encoding="utf-8"))
    tr = translation(lang)
    assert tr.table == {k: dict(v) for k, v in raw.items() if isinstance(v, dict)}
    assert (tr.decimal, tr.thousands) == (str(raw.get("decimal", ",")), str(raw.get("thousands", " ")))
