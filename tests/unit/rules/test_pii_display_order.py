"""The identifier guard reads text in the order it displays, not only in the order it is stored.

The Unicode Bidirectional Algorithm (UAX #9) displays a run of right-to-left text from right to left:
after a right-to-left letter or mark (Hebrew, Arabic, U+200F RIGHT-TO-LEFT MARK, U+061C ARABIC LETTER
MARK), digit groups separated by neutral characters (spaces, most punctuation and symbols) join that
run, so they display in reverse order while each group keeps its digits left to right:
``"\\u200f5919 476 943"`` displays as "943 476 5919" on a left-to-right page. Arabic-Indic digits do the
same with no letter at all. The texts below are built so that they display as an NHS number, by the
rules of UAX #9 written out in each generator's docstring; the expected displays of the fixed examples
were checked against python-bidi (see test_the_display_order_is_the_unicode_algorithms).

Every NHS number is made up (943 476 5919 is the NHS's published test number, the others follow the
modulus 11 rule); postcodes are ``ZZ``-area test postcodes.
"""

import unicodedata
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.conftest import synthetic_case
from tests.support.properties import examples
from tests.unit.rules.test_pii import (
    ANY_LAYOUT,
    ARABIC_INDIC,
    FULLWIDTH,
    REFUSED_NHS,
    REFUSED_POSTCODE,
    digits_in,
    nhs_numbers,
    postcodes,
)
from tests.unit.rules.test_pii_unicode import EVERY_CODE_POINT, INVISIBLE, ordinary_phrases
from tracker.models.case import CaseFields
from tracker.rules import pii

RLM = "\u200f"  # RIGHT-TO-LEFT MARK: bidirectional class R
ALM = "\u061c"  # ARABIC LETTER MARK: class AL
LRM = "\u200e"  # LEFT-TO-RIGHT MARK: class L
EXTENDED_ARABIC_INDIC = {str(d): chr(0x06F0 + d) for d in range(10)}  # class EN, like ASCII digits
INVISIBLE_CHARS = frozenset(INVISIBLE)


def _bidi_class(char: str) -> str:
    return unicodedata.bidirectional(char)


def _is_letter_of_class(char: str, bidi_class: str) -> bool:
    # A letter as the guard reads it (after compatibility folding), displayed (not a filler).
    folded = unicodedata.normalize("NFKC", char)
    return (
        _bidi_class(char) == bidi_class
        and char.isalpha()
        and char not in INVISIBLE_CHARS
        and folded.isalpha()
        and all(_bidi_class(part) == bidi_class for part in folded)
    )


def _is_neutral_separator(char: str) -> bool:
    """White space (WS) or another neutral (ON): between two numbers of a right-to-left run it takes the
    run's direction (UAX #9 N1), so it never joins the groups into one number. Displayed, no letter or
    digit even after compatibility folding, and none of a date's - / . : (the guard reads digits written
    as a date as a date, see tracker.rules.pii). Not a bracket: a pair of brackets takes a direction
    from what it encloses and what precedes it (N0), which these generators do not model; the fixed
    examples have brackets."""
    folded = unicodedata.normalize("NFKC", char)
    return (
        _bidi_class(char) in ("WS", "ON")
        and unicodedata.category(char) not in ("Ps", "Pe")
        and char not in INVISIBLE_CHARS
        and not any(part.isalnum() or part in "-/.:" for part in folded)
    )


HEBREW_LETTERS = [chr(code) for code in range(0x05D0, 0x05EB)]
# What starts a right-to-left run, class by class: the two marks, and letters of classes AL and R.
RIGHT_TO_LEFT_STARTS: dict[str, list[str]] = {
    "RLM": [RLM],
    "ALM": [ALM],
    "Arabic letters (AL)": [char for char in EVERY_CODE_POINT if _is_letter_of_class(char, "AL")],
    "Hebrew letters": HEBREW_LETTERS,
    "other right-to-left letters (R)": [char for char in EVERY_CODE_POINT if _is_letter_of_class(char, "R")],
}
NEUTRAL_SEPARATORS = [char for char in EVERY_CODE_POINT if _is_neutral_separator(char)]


def test_the_classes_hold_what_the_review_names() -> None:
    assert "\u0627" in RIGHT_TO_LEFT_STARTS["Arabic letters (AL)"]
    assert "\u05d0" in RIGHT_TO_LEFT_STARTS["other right-to-left letters (R)"]
    for char in [" ", "\u2003", "\u3000", "&", "*", "\u2022", "!", "?"]:
        assert char in NEUTRAL_SEPARATORS, hex(ord(char))
    # A no-break space is CS, like a comma: one of them between two numbers makes them one (W4).
    for char in ["1", "A", "-", "/", ".", ":", "(", ")", "\u00a0", ",", "\u200b", "\t", "\n"]:
        assert char not in NEUTRAL_SEPARATORS, hex(ord(char))


# --- what the review found -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\u200f5919 476 943",  # after RLM: displays "943 476 5919"
        "\u061c5919 476 943",  # after ALM
        "\u0627 5919 476 943",  # after an Arabic letter, no invisible character at all
        "\u05d0 5919 476 943",  # after a Hebrew letter
        "NHS no. \u200f5919 476 943",
        "seen, NHS no. \u200f5919  476  943 today",
        "\u200f5919 (476) 943",
        "\u0627 5919-476-943",  # after an Arabic letter a hyphen does not join the numbers (W2, W4)
        "\u0665\u0669\u0661\u0669 \u0664\u0667\u0666 \u0669\u0664\u0663",  # Arabic-Indic digits, no letter
        "NHS \u0665\u0669\u0661\u0669 \u0664\u0667\u0666 \u0669\u0664\u0663",
        "943 \u200f5919 476",  # only the last two groups reversed: "943 476 5919" on a left-to-right page
        "\u05d0 5919 \u200e943 476",  # a right-to-left paragraph: displays "943 476 5919 \u05d0"
        "\u200f19\u200f59 476 943",  # a mark inside a group: displays "943 476 5919"
        "\u200f5919\t476\t943",  # a right-to-left paragraph (its first letter is RLM): tabs reversed too
        # Arabic-Indic digits around a separator: displays "6448744\u0669;\u06667", a valid number
        # (stored, the digits are 6448744697, whose check digit fails)
        "6448744\u0666;\u06697",
    ],
)
def test_an_nhs_number_displayed_from_reversed_groups_is_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_NHS


def test_the_reviews_case_comment_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        CaseFields.model_validate(synthetic_case(comments="Discussed at panel; NHS no. \u200f5919 476 943"))
    assert [error["loc"] for error in raised.value.errors()] == [("comments",)]
    assert REFUSED_NHS in str(raised.value)


def test_a_reversed_number_in_a_report_url_is_refused() -> None:
    url = "https://reports.example.org/r?n=" + quote("\u200f5919 476 943", safe="")
    assert pii.url_identifier_problem(url) == REFUSED_NHS


@pytest.mark.parametrize(
    "text",
    [
        "\u05d0 3VZ \u200fZZ99",  # a right-to-left paragraph: displays "ZZ99 3VZ \u05d0"
        "\u0627 3VZ \u200fZZ99",
    ],
)
def test_a_postcode_displayed_from_reversed_parts_is_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_POSTCODE


@pytest.mark.parametrize(
    "text",
    [
        "\u05d0 5919-476-943",  # after a Hebrew letter, 5919-476-943 is one number (W4): displayed as written
        "\u05d0 3VZ ZZ99",  # no mark: the Latin letters and digits are one left-to-right run
        "\u0627 2026-01-10 14:30",  # displays "14:30 10-01-2026": still a date and a time
        "\u05d0 020 7946 0958",  # a phone number in either order has 11 digits
        "\u0627 ward 10, bay 3, bed 12",
        "\u05d0\u05d1 3 \u05d2\u05d3 4",
    ],
)
def test_right_to_left_text_that_displays_no_identifier_passes(text: str) -> None:
    assert pii.patient_identifier_problem(text) is None


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_embeddings_overrides_and_isolates_are_refused_by_the_case_model(char: str) -> None:
    """The guard reads the implicit levels only: the explicit ones never reach a stored text."""
    with pytest.raises(ValidationError) as raised:
        CaseFields.model_validate(synthetic_case(comments=f"synthetic {char}text"))
    assert "must not contain control characters" in str(raised.value)


@pytest.mark.parametrize("mark", [LRM, RLM, ALM])
def test_the_implicit_marks_are_kept_in_ordinary_text(mark: str) -> None:
    """U+200E, U+200F and U+061C stay allowed: Arabic and Hebrew text needs them, and the guard reads
    what they display."""
    text = f"Discussed with the {mark}\u05d0\u05d1{mark} team on 10/01/2026"
    assert CaseFields.model_validate(synthetic_case(comments=text)).comments == text


# --- properties -------------------------------------------------------------------------------------


def groups_of(draw: st.DrawFn, number: str) -> list[str]:
    """The number cut into groups at any places."""
    sizes, groups, at = draw(ANY_LAYOUT), [], 0
    for size in sizes:
        groups.append(number[at : at + size])
        at += size
    return groups


neutral_runs = st.text(st.sampled_from(NEUTRAL_SEPARATORS), min_size=1, max_size=3)
right_to_left_starts = st.sampled_from(list(RIGHT_TO_LEFT_STARTS.values())).flatmap(st.sampled_from)
# Digits of class EN (ASCII, fullwidth, extended Arabic-Indic) and AN (Arabic-Indic); Devanagari and
# other scripts' digits are L and never reversed.
right_to_left_digits = st.sampled_from([{}, FULLWIDTH, EXTENDED_ARABIC_INDIC, ARABIC_INDIC])
words_before = st.sampled_from(["", "NHS no. ", "seen, NHS ", "ref: "])
words_after = st.sampled_from(["", " today", ".", " (checked)", ", seen"])


def joined(draw: st.DrawFn, groups: list[str]) -> str:
    text = groups[0]
    for group in groups[1:]:
        text += draw(neutral_runs) + group
    return text


@st.composite
def nhs_numbers_with_groups_reversed(draw: st.DrawFn) -> str:
    """Left-to-right words, a right-to-left letter or mark, then the groups last first, in EN or AN
    digits, separated by neutrals. The digits resolve to EN or AN (W2), numbers act as R for the
    neutrals between them (N1), so the groups and the neutrals between them are one right-to-left run,
    displayed last first: the groups show in the number's order on a page of either direction."""
    groups = [digits_in(group, draw(right_to_left_digits)) for group in groups_of(draw, draw(nhs_numbers))]
    start = draw(right_to_left_starts) + draw(st.sampled_from(["", " "]))
    return draw(words_before) + start + joined(draw, groups[::-1]) + draw(words_after)


@settings(max_examples=examples(500), deadline=None)
@given(text=nhs_numbers_with_groups_reversed())
def test_property_nhs_numbers_with_groups_reversed_after_a_right_to_left_letter_are_refused(
    text: str,
) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_NHS, ascii(text)


@st.composite
def nhs_numbers_in_arabic_indic_digits_reversed(draw: st.DrawFn) -> str:
    """Arabic-Indic digits are AN: numbers between which the neutrals take the right-to-left direction
    (N1) with no letter or mark at all, so the groups display last first."""
    groups = [digits_in(group, ARABIC_INDIC) for group in groups_of(draw, draw(nhs_numbers))]
    return draw(words_before) + joined(draw, groups[::-1]) + draw(words_after)


@settings(max_examples=examples(300), deadline=None)
@given(text=nhs_numbers_in_arabic_indic_digits_reversed())
def test_property_nhs_numbers_in_arabic_indic_digits_with_groups_reversed_are_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_NHS, ascii(text)


@st.composite
def nhs_numbers_in_segments_on_a_left_to_right_page(draw: st.DrawFn) -> str:
    """The groups cut into consecutive segments, each written as it reads after a left-to-right mark,
    or last first after LRM and then RLM or ALM. On a left-to-right page a segment after LRM is
    left-to-right (W7 makes its digits L); one after RLM or ALM is a right-to-left run displayed last
    first; the neutrals between segments lie between L and R and take the page's direction (N1, N2), so
    the segments show one after another: the number, with nothing visible between its groups."""
    groups = groups_of(draw, draw(nhs_numbers))
    cuts = draw(st.lists(st.booleans(), min_size=len(groups) - 1, max_size=len(groups) - 1))
    segments, current = [], [groups[0]]
    for cut, group in zip(cuts, groups[1:], strict=True):
        if cut:
            segments.append(current)
            current = []
        current.append(group)
    segments.append(current)
    written = []
    for segment in segments:
        if draw(st.booleans()):
            written.append(LRM + draw(st.sampled_from([RLM, ALM])) + joined(draw, segment[::-1]))
        else:
            written.append(LRM + joined(draw, segment))
    between = [draw(neutral_runs) if index else "" for index in range(len(written))]
    return draw(words_before) + "".join(gap + part for gap, part in zip(between, written, strict=True))


@settings(max_examples=examples(500), deadline=None)
@given(text=nhs_numbers_in_segments_on_a_left_to_right_page())
def test_property_nhs_numbers_reversed_in_segments_are_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_NHS, ascii(text)


@st.composite
def nhs_numbers_in_a_right_to_left_paragraph(draw: st.DrawFn) -> str:
    """A text that starts with a Hebrew or Arabic word is a right-to-left paragraph wherever its
    direction comes from its first letter (P2, P3). There the units of the line display last first,
    a unit being one number (EN or AN, level 2) or a left-to-right run (after LRM, W7 makes the digits
    L and the neutrals between them L): so the number's groups cut into segments, each written either as
    a left-to-right run or as numbers last first, segments last first, display as the number. Each
    segment starts with RLM, so that no two left-to-right runs meet and make one."""
    groups = groups_of(draw, draw(nhs_numbers))
    cuts = draw(st.lists(st.booleans(), min_size=len(groups) - 1, max_size=len(groups) - 1))
    segments, current = [], [groups[0]]
    for cut, group in zip(cuts, groups[1:], strict=True):
        if cut:
            segments.append(current)
            current = []
        current.append(group)
    segments.append(current)
    written = []
    for segment in segments[::-1]:
        if draw(st.booleans()):
            written.append(RLM + LRM + joined(draw, segment))
        else:
            written.append(RLM + joined(draw, segment[::-1]))
    first_word = draw(st.sampled_from(["\u05d0\u05d1", "\u0627\u0628", RLM]))
    return first_word + "".join(draw(neutral_runs) + part for part in written)


@settings(max_examples=examples(500), deadline=None)
@given(text=nhs_numbers_in_a_right_to_left_paragraph())
def test_property_nhs_numbers_displayed_in_a_right_to_left_paragraph_are_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_NHS, ascii(text)


@st.composite
def postcodes_in_a_right_to_left_paragraph(draw: st.DrawFn) -> str:
    """In a right-to-left paragraph, a left-to-right run ended by RLM displays after (to the left of)
    what follows: ``inward RLM outward`` shows the outward code first."""
    outward, inward = draw(postcodes())
    first_word = draw(st.sampled_from(["\u05d0\u05d1 ", "\u0627\u0628 ", RLM]))
    return first_word + inward + draw(neutral_runs) + RLM + outward


@settings(max_examples=examples(300), deadline=None)
@given(text=postcodes_in_a_right_to_left_paragraph())
def test_property_postcodes_displayed_in_a_right_to_left_paragraph_are_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_POSTCODE, ascii(text)


right_to_left_words = st.sampled_from(
    ["\u05d0\u05d1\u05d2", "\u0627\u0644\u0628", RLM, ALM, LRM, "\u05d0 " + RLM]
)


@st.composite
def ordinary_text_with_right_to_left_words(draw: st.DrawFn) -> str:
    """What case records say with numbers in them (dates, times, ward numbers, counts, ranges, ODS
    codes, references), some phrases after a Hebrew or Arabic word or a direction mark."""
    phrases = draw(st.lists(ordinary_phrases(), min_size=1, max_size=4))
    written = [
        (draw(right_to_left_words) + draw(st.sampled_from(["", " "])) if draw(st.booleans()) else "") + phrase
        for phrase in phrases
    ]
    # Never a bare space between phrases: "QE1" and "1 ml" would make "QE1 1 ml", a postcode's shape.
    return draw(st.sampled_from([" and ", "; then ", ", see "])).join(written)


@settings(max_examples=examples(500), deadline=None)
@given(text=ordinary_text_with_right_to_left_words())
def test_property_ordinary_text_with_right_to_left_words_passes(text: str) -> None:
    assert pii.patient_identifier_problem(text) is None, ascii(text)


@pytest.mark.parametrize(
    "text",
    [
        "\u0627 10-12 \u05d0 2 to 4",
        "\u05d0\u05d1 12 3",
        "\u0627 3 children and 2 adults",
        "\u200f14:30 - 15:45",
        "\u0627 between 5 and 12 agencies, 2026/01234",
    ],
)
def test_ranges_counts_and_times_after_right_to_left_words_pass(text: str) -> None:
    assert pii.patient_identifier_problem(text) is None
