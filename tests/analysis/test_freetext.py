"""Free text is never released unless asked, and is screened (masked, hits listed) when it is."""

from __future__ import annotations

import pandas as pd
import pytest

from samanalyse.analysis.freetext import (
    HIT_COLUMNS,
    MASK,
    mark_respondent_level,
    publishable,
    release_freetext,
    screen_text,
    valid_fodselsnummer,
)
from samanalyse.errors import SamanalyseError

BAD_INPUTS: list[dict[str, str]] = [
    {"id": "freetext-column-missing", "area": "Fritekst",
     "input": "a free-text column that is not in the data",
     "message": "screen_text: the data has no column(s) 'kommentar'; columns are fritekst."},
]

# 01019012480 by hand: d1..d9 = 0 1 0 1 9 0 1 2 4; k1: 3*0+7*1+6*0+1*1+8*9+9*0+4*1+5*2+2*4 = 102,
# 102 mod 11 = 3, k1 = 11 - 3 = 8; k2: 5*0+4*1+3*0+2*1+7*9+6*0+5*1+4*2+3*4+2*8 = 110, 110 mod 11 = 0,
# 11 - 0 = 11 -> 0. So 010190 124 80 is valid; ...81 is not. (010190123.. gives k1 = 10: impossible.)
VALID_FNR = "01019012480"


def _data() -> pd.DataFrame:
    return pd.DataFrame({"fritekst": [
        "Ring rådmann Ola Hansen på 912 34 567 eller ola@kommune.no.",
        f"Fnr {VALID_FNR[:6]} {VALID_FNR[6:]}, kontoret ligger i Storgata 12B, 0150 Oslo.",
        "Samarbeidet med Helse Nord er godt, sier Kari.",
        "Konto 01019012481 er ikke et fødselsnummer; tlf +47 22334455.",
        None,
    ]})


def test_fodselsnummer_check_digits() -> None:
    assert valid_fodselsnummer(VALID_FNR)
    assert not valid_fodselsnummer("01019012481")           # wrong k2
    assert not valid_fodselsnummer("01019012380")           # k1 would be 10
    assert not valid_fodselsnummer("32019012480")           # no 32nd day
    assert not valid_fodselsnummer("0101901248")            # 10 digits


def test_nothing_is_released_unless_asked() -> None:
    assert release_freetext(_data(), ["fritekst"]) is None


def test_screening_masks_and_lists_every_kind() -> None:
    s = release_freetext(_data(), ["fritekst"], include=True, names=["Kari"], allow=["Helse Nord"])
    assert s is not None
    assert list(s.hits.columns) == HIT_COLUMNS
    found = list(zip(s.hits["row"], s.hits["kind"], s.hits["found"]))
    assert found == [
        (0, "name", "Ola Hansen"), (0, "phone", "912 34 567"), (0, "email", "ola@kommune.no"),
        (1, "fodselsnummer", "010190 12480"), (1, "address", "Storgata 12B"), (1, "address", "0150 Oslo"),
        (2, "name", "Kari"),
        (3, "number", "01019012481"), (3, "phone", "+47 22334455"),
    ]
    assert s.text["fritekst"].tolist()[:3] == [
        f"Ring rådmann {MASK} på {MASK} eller {MASK}.",
        f"Fnr {MASK}, kontoret ligger i {MASK}, {MASK}.",
        f"Samarbeidet med Helse Nord er godt, sier {MASK}.",
    ]
    assert pd.isna(s.text["fritekst"].iloc[4])
    assert not publishable(s.text) and not publishable(s.hits)


def test_two_capitalised_words_at_the_start_are_found_too() -> None:
    s = screen_text(pd.DataFrame({"t": ["Per Olsen sa at det går bra."]}), ["t"])
    assert s.hits["found"].tolist() == ["Per Olsen"] and s.text["t"].iloc[0] == f"{MASK} sa at det går bra."


def test_known_limit_lone_first_name_not_in_the_list() -> None:
    # The documented limit: a lone first name not in ``names`` and not after a title is not found.
    s = screen_text(pd.DataFrame({"t": ["Samarbeidet er godt, sier Kari."]}), ["t"])
    assert s.hits.empty


def test_respondent_level_outputs_are_marked() -> None:
    scores = pd.DataFrame({"respondent": ["a", "b"], "score": [1.0, 2.0]})
    assert publishable(scores)
    assert not publishable(mark_respondent_level(scores))


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_input_gives_its_message(case: dict[str, str]) -> None:
    with pytest.raises(SamanalyseError) as exc:
        screen_text(_data(), ["kommentar"])
    assert str(exc.value) == case["message"]
