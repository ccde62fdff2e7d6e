"""The person's name is read from the identity provider's name claim, kept within the record's limits
for short text, and absent when the token has none (issue 19 item 6)."""

import pytest

from tracker.auth.claims import ClaimNames
from tracker.models.case import SHORT_TEXT_MAX


def test_the_name_claim_is_oidc_name_by_default() -> None:
    assert ClaimNames().person_name({"sub": "u-1", "name": "Alex Example"}) == "Alex Example"


def test_a_configured_name_claim_may_be_nested() -> None:
    names = ClaimNames(name="nhs.display_name")

    assert names.person_name({"nhs": {"display_name": "Sam Sample"}}) == "Sam Sample"
    assert names.person_name({"name": "Alex Example"}) is None


@pytest.mark.parametrize("claims", [{}, {"name": ""}, {"name": "   "}, {"name": 42}, {"name": ["Alex"]}])
def test_a_token_without_a_usable_name_gives_none(claims: dict[str, object]) -> None:
    assert ClaimNames().person_name(claims) is None


def test_control_and_direction_characters_go_and_spaces_collapse() -> None:
    assert ClaimNames().person_name({"name": " Alex\u202e\x00  Example\n"}) == "Alex Example"


def test_a_long_name_is_cut_to_the_short_text_limit() -> None:
    name = ClaimNames().person_name({"name": "Alex " * 100})

    assert name is not None and len(name) <= SHORT_TEXT_MAX
    assert name.startswith("Alex Alex") and not name.endswith(" ")
