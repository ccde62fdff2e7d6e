"""The identifier guard at length (``make fuzz``): NHS numbers and full postcodes written with any
code point of every blank, separator, format and ignorable class, and with any code point that is
neither a letter nor a digit, between and inside their parts, must be refused; ordinary text with
the same characters must pass.

A failing example is added to the regression corpus (tests/unit/rules/identifier_guard_corpus.json,
replayed by ``make test``) before the test fails, so whatever a long run ever found stays a test.
Hypothesis replays the smallest failing example last, so that is the one kept.

Examples per property: SCRT_FUZZ_GUARD_EXAMPLES, default 20 x SCRT_FUZZ_EXAMPLES (the guard takes
milliseconds; 6,000 with the defaults). Randomness is fresh on every run.
"""

import os
import unicodedata
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.rules.pii_corpus import ANSWERS, Entry, Expected, ReadAs, record
from tests.unit.rules.test_pii import FULLWIDTH, digits_in, nhs_numbers, postcodes
from tests.unit.rules.test_pii_display_order import (
    nhs_numbers_in_a_right_to_left_paragraph,
    nhs_numbers_in_arabic_indic_digits_reversed,
    nhs_numbers_in_segments_on_a_left_to_right_page,
    nhs_numbers_with_groups_reversed,
    ordinary_text_with_right_to_left_words,
    postcodes_in_a_right_to_left_paragraph,
)
from tests.unit.rules.test_pii_unicode import (
    INVISIBLE,
    blank_runs,
    nhs_numbers_written_with_unicode,
    ordinary_text,
    postcodes_written_with_unicode,
    sprinkled,
)

EXAMPLES = int(
    os.environ.get("SCRT_FUZZ_GUARD_EXAMPLES", 20 * int(os.environ.get("SCRT_FUZZ_EXAMPLES", "300")))
)
GUARD_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
TRIED: Counter[str] = Counter()
WRONG: list[Entry] = []
"""Every wrong answer of the running test; after shrinking, Hypothesis replays the smallest last."""


def check(name: str, text: str, expected: Expected, read_as: ReadAs = "text") -> None:
    TRIED[name] += 1
    entry = Entry(text=text, readAs=read_as, expected=expected, found=f"make fuzz: {name}")
    if entry.answer() != ANSWERS[expected]:
        WRONG.append(entry)
        raise AssertionError(f"{text!a}: expected {expected}, got {entry.answer()!r}")


@pytest.fixture(autouse=True)
def keep_what_was_found() -> Iterator[None]:
    WRONG.clear()
    yield
    if WRONG and record(WRONG[-1]):
        print(f"\nidentifier guard corpus: added {WRONG[-1].text!a}")


INVISIBLE_CHARS = frozenset(INVISIBLE)


def _separates(char: str) -> bool:
    """Displayed (invisible characters are sprinkled apart: they join, not separate), not a letter or
    digit, none after compatibility folding, nor a date or time's - / . : (the guard's one documented
    exception: digits written as a date never join their neighbours)."""
    folded = unicodedata.normalize("NFKC", char)
    return char not in INVISIBLE_CHARS and not any(part.isalnum() or part in "-/.:" for part in folded)


# Any displayed code point that is neither a letter nor a digit: every category but L and N (and lone
# surrogates, which no JSON text decodes to).
any_separator = st.characters(exclude_categories=("L", "N", "Cs")).filter(_separates)
any_separator_runs = st.text(any_separator, min_size=1, max_size=4)


@st.composite
def nhs_numbers_with_any_separators(draw: st.DrawFn) -> str:
    number = draw(nhs_numbers)
    written = number[0]
    for digit in number[1:]:
        written += draw(st.one_of(st.just(""), any_separator_runs, blank_runs)) + digit
    if draw(st.booleans()):
        written = digits_in(written, FULLWIDTH)
    return sprinkled(draw, written)


@st.composite
def postcodes_with_any_separators(draw: st.DrawFn) -> str:
    outward, inward = draw(postcodes())

    def inside(part: str) -> str:
        return part[0] + "".join(draw(st.one_of(st.just(""), any_separator_runs)) + char for char in part[1:])

    outward, inward = inside(outward), inside(inward)
    split = any(not char.isalnum() for char in outward + inward)
    between = draw(any_separator_runs) if split else draw(st.one_of(st.just(""), any_separator_runs))
    return sprinkled(draw, outward + between + inward)


@GUARD_SETTINGS
@given(text=nhs_numbers_written_with_unicode())
def test_fuzz_nhs_numbers_with_blank_and_invisible_characters(text: str) -> None:
    check("nhs_blank_invisible", text, "nhs")


@GUARD_SETTINGS
@given(text=nhs_numbers_with_any_separators())
def test_fuzz_nhs_numbers_with_any_code_point_between_digits(text: str) -> None:
    check("nhs_any_code_point", text, "nhs")


@GUARD_SETTINGS
@given(text=postcodes_written_with_unicode())
def test_fuzz_postcodes_with_blank_and_invisible_characters(text: str) -> None:
    check("postcode_blank_invisible", text, "postcode")


@GUARD_SETTINGS
@given(text=postcodes_with_any_separators())
def test_fuzz_postcodes_with_any_code_point_between_and_inside_parts(text: str) -> None:
    check("postcode_any_code_point", text, "postcode")


identifiers: st.SearchStrategy[tuple[Expected, str]] = st.one_of(
    nhs_numbers_with_any_separators().map(lambda text: ("nhs", text)),
    postcodes_with_any_separators().map(lambda text: ("postcode", text)),
)


@GUARD_SETTINGS
@given(identifier=identifiers)
def test_fuzz_identifiers_percent_encoded_in_a_url(identifier: tuple[Expected, str]) -> None:
    expected, text = identifier
    check("url", "https://reports.example.org/r?q=" + quote(text, safe=""), expected, read_as="url")


@GUARD_SETTINGS
@given(text=ordinary_text())
def test_fuzz_ordinary_text_with_blank_and_invisible_characters_passes(text: str) -> None:
    check("ordinary_text", text, "none")


displayed_nhs_numbers = st.one_of(
    nhs_numbers_with_groups_reversed(),
    nhs_numbers_in_arabic_indic_digits_reversed(),
    nhs_numbers_in_segments_on_a_left_to_right_page(),
    nhs_numbers_in_a_right_to_left_paragraph(),
)


@GUARD_SETTINGS
@given(text=displayed_nhs_numbers)
def test_fuzz_nhs_numbers_written_to_display_in_another_order(text: str) -> None:
    check("nhs_display_order", text, "nhs")


@GUARD_SETTINGS
@given(text=postcodes_in_a_right_to_left_paragraph())
def test_fuzz_postcodes_written_to_display_in_another_order(text: str) -> None:
    check("postcode_display_order", text, "postcode")


@GUARD_SETTINGS
@given(text=ordinary_text_with_right_to_left_words())
def test_fuzz_ordinary_text_with_right_to_left_words_passes(text: str) -> None:
    check("ordinary_text_right_to_left", text, "none")


def test_zz_guard_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: how many texts each property tried (none got through, or a test above
    failed and the corpus grew)."""
    with capsys.disabled():
        print(
            f"\nidentifier guard fuzz: {sum(TRIED.values())} texts, "
            + ", ".join(f"{name} {count}" for name, count in sorted(TRIED.items()))
        )
