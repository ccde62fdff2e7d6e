"""Counts in words that agree with their number, everywhere a page or an e-mail writes one."""

import pytest

from tracker.models.plural import counted


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "0 cases"), (1, "1 case"), (2, "2 cases"), (-1, "-1 cases"), (21, "21 cases")],
)
def test_a_count_takes_the_singular_only_for_one(number: int, expected: str) -> None:
    assert counted(number, "case") == expected


def test_an_irregular_plural_is_given() -> None:
    assert counted(1, "ICB reply", "ICB replies") == "1 ICB reply"
    assert counted(3, "ICB reply", "ICB replies") == "3 ICB replies"
