"""The identifier guard's parts, each pinned on its own: the check digit, the candidates, the
normalised text, URL decoding, and which answer wins.

NHS numbers here are made up (943 476 5919 is the NHS's published test number; the others are
built from it by the modulus 11 rule); postcodes are ``ZZ``-area test postcodes.
"""

import unicodedata
from urllib.parse import quote

import pytest

from tracker.rules import display_order, pii

NHS_TEST_NUMBER = "9434765919"
REFUSED_NHS = "must not contain an NHS number: this collection takes no patient-identifiable data"
REFUSED_POSTCODE = "must not contain a full postcode: this collection takes no patient-identifiable data"


def weighted_check_digit(nine: str) -> int:
    """Written out independently of the code under test: 11 - (sum of digit x (10..2)) mod 11."""
    total = 0
    for position, digit in enumerate(nine):
        total += int(digit) * (10 - position)
    check = 11 - total % 11
    return 0 if check == 11 else check


def _one_number_per_check_digit() -> dict[int, str]:
    """Made-up numbers 9434765xx<check>: the first one found for each check digit 0..9."""
    found: dict[int, str] = {}
    for suffix in range(100):
        nine = f"9434765{suffix:02d}"
        check = weighted_check_digit(nine)
        if check != 10:  # a check digit of 10 has no valid number
            found.setdefault(check, nine + str(check))
    return found


VALID_BY_CHECK_DIGIT = _one_number_per_check_digit()


def test_the_made_up_numbers_cover_every_check_digit() -> None:
    assert weighted_check_digit(NHS_TEST_NUMBER[:9]) == 9
    assert sorted(VALID_BY_CHECK_DIGIT) == list(range(10))


@pytest.mark.parametrize("check", range(10))
def test_a_number_is_valid_with_its_check_digit_and_no_other(check: int) -> None:
    number = VALID_BY_CHECK_DIGIT[check]
    assert pii.is_valid_nhs_number(number)
    for wrong in "0123456789":
        if wrong != number[9]:
            assert not pii.is_valid_nhs_number(number[:9] + wrong), wrong


def test_every_position_carries_its_own_weight() -> None:
    # Swapping two different neighbouring digits changes the weighted sum, so the check fails.
    for index in range(8):
        digits = list(NHS_TEST_NUMBER)
        if digits[index] != digits[index + 1]:
            digits[index], digits[index + 1] = digits[index + 1], digits[index]
            assert not pii.is_valid_nhs_number("".join(digits)), index


@pytest.mark.parametrize(
    "text",
    [
        "943476591",  # 9 digits
        "94347659190",  # 11 digits, the first 10 of them valid
        "09434765919",
        "943 476 5919",  # only bare digits are read here; the guard finds the groups
        "943476591X",
        "",
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # fullwidth: normalise first
        "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",  # Arabic-Indic
        "943476591\u00b9",  # a superscript one is a digit to str.isdigit but not to int()
    ],
)
def test_only_ten_ascii_digits_can_be_an_nhs_number(text: str) -> None:
    assert pii.is_valid_nhs_number(text) is False


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("9434765919", ["9434765919"]),
        ("943 476 5919", ["9434765919"]),
        ("1 943 476 5919 2", ["9434765919"]),  # groups that reach exactly 10 digits, from each start
        ("12 943 476 5919", ["9434765919"]),  # 2 + 3 + 3 + 4 is never exactly 10
        ("943 476 5919 943", ["9434765919", "4765919943"]),
        ("943 476 59190", []),  # 3 + 3 + 5 jumps past 10: no digits are cut from a group
        ("0943476591900", []),
        ("943476591", []),
        ("943 476 AB 5919", []),  # letters split the run
        ("NHS9434765919X", ["9434765919"]),
        ("2026-01-10 14:30 943 476 5919", ["9434765919"]),
        ("9434 2026-01-10 765919", []),  # a date never joins its neighbours
        ("", []),
    ],
)
def test_candidates_are_ten_digits_of_whole_consecutive_groups(text: str, candidates: list[str]) -> None:
    assert pii.nhs_number_candidates(text) == candidates


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("  Zz99-3vZ  ", "ZZ99 3VZ"),
        ("gir\t0aa", "GIR 0AA"),
        ("caf\u00e9 \u00df", "CAFA A"),  # letters outside ASCII are each an A
        ("\u0416\u0436 12", "AA 12"),  # letters of another script are letters, each an A
        ("\uff21\uff42\uff13", "AB3"),  # fullwidth: NFKC
        ("\u0669\u0664 \u0966\u0967", "94 01"),  # Arabic-Indic and Devanagari digits
        ("(943)\u200b476-5919.", "943 476 5919"),
        ("--", ""),
    ],
)
def test_the_text_as_the_guard_reads_it(text: str, normalised: str) -> None:
    assert pii.normalise(text) == normalised


@pytest.mark.parametrize(
    "char",
    [
        "\u00ad",  # soft hyphen: Cf and default-ignorable
        "\u0600",  # ARABIC NUMBER SIGN: Cf only
        "\u0301",  # combining acute: Mn only
        "\u20dd",  # combining enclosing circle: Me
        "\u3164",  # HANGUL FILLER: a letter, default-ignorable
        "\u2065",  # reserved, default-ignorable
        "\ufff8",  # the last of a reserved default-ignorable range
        "\U000e0fff",  # the last default-ignorable code point
        "\x00",
        "\x7f",
        "\x9f",  # controls that are not white space
    ],
)
def test_what_displays_as_nothing_is_dropped(char: str) -> None:
    assert pii.normalise(f"1{char}2") == "12"


@pytest.mark.parametrize(
    "char",
    ["\t", "\x1f", "\x85", "\u2028", "\u2800", "\ufffc", "\U000e1000", "\u00a0", "."],
)
def test_what_displays_as_a_blank_or_a_mark_separates(char: str) -> None:
    assert pii.normalise(f"1{char}2") == "1 2"


@pytest.mark.parametrize(
    ("text", "is_postcode"),
    [
        ("ZZ99 3VZ", True),
        ("ZZ993VZ", True),
        ("Z Z 9 9 3 V Z", True),
        ("Z9 9ZZ", True),
        ("ZZ9Z 9ZZ", True),
        ("GIR 0AA", True),
        ("G I R 0 A A", True),
        ("GIR0AA", True),
        ("ZZ9 93VZ", False),  # split inside the outward code, joined to the inward code
        ("ZZ99 3 VZ9", False),
        ("ZZ99 3V", False),
        ("ZZZ9 9ZZ", False),
        ("9ZZ 9ZZ", False),
        ("AT 10 AM", False),
        ("XZZ99 3VZ", False),  # never cut out of a longer word
    ],
)
def test_the_postcode_shape_on_the_normalised_text(text: str, is_postcode: bool) -> None:
    assert pii.contains_full_postcode(text) is is_postcode


def test_an_nhs_number_is_reported_before_a_postcode() -> None:
    assert pii.patient_identifier_problem("ZZ99 3VZ and 943 476 5919") == REFUSED_NHS
    assert pii.patient_identifier_problem("943 476 5919 at ZZ99 3VZ") == REFUSED_NHS
    assert pii.patient_identifier_problem("ZZ99 3VZ, 943 476 5918") == REFUSED_POSTCODE


def test_the_guard_reads_postcodes_whatever_their_letters() -> None:
    assert pii.contains_full_postcode("GIR 0AA")
    assert pii.contains_full_postcode("zz1a 1zz")
    assert not pii.contains_full_postcode("GIR")
    assert not pii.contains_full_postcode("ZZ99 3V")
    assert pii.contains_nhs_number("NHS 943-476-5919") and not pii.contains_nhs_number("QE1-2026-0007")


def encoded(text: str, times: int) -> str:
    """``text`` percent-encoded ``times`` times (the digits themselves too)."""
    result = "".join(f"%{ord(char):02X}" for char in text)
    for _ in range(times - 1):
        result = quote(result, safe="")
    return result


def test_a_url_is_decoded_as_often_as_it_was_encoded() -> None:
    for times in range(1, 9):
        assert pii.url_text(encoded("943 476 5919", times)) == "943 476 5919", times
        assert pii.url_identifier_problem(
            "https://reports.example.org/r?n=" + encoded(NHS_TEST_NUMBER, times)
        )


def test_url_text_turns_plus_into_space_and_keeps_what_is_not_an_escape() -> None:
    assert pii.url_text("a+b") == "a b"
    assert pii.url_text("a%2Bb") == "a b"  # decoded again: the + it decoded to is a space too
    assert pii.url_text("100%") == "100%"
    assert pii.url_text("%zz%41") == "%zzA"
    assert pii.url_text("%FF") == "\ufffd"  # not UTF-8: replaced, never an error
    assert pii.url_text("") == ""


def test_url_answers_are_the_free_text_answers() -> None:
    assert pii.url_identifier_problem("https://reports.example.org/r?n=943+476+5919") == REFUSED_NHS
    assert pii.url_identifier_problem("https://reports.example.org/r?p=ZZ99%2B3VZ") == REFUSED_POSTCODE
    assert pii.url_identifier_problem("https://reports.example.org/r?ref=QE1-2026-0007") is None


def test_every_round_of_decoding_a_url_is_read() -> None:
    assert pii.url_readings("r?q=a%2520b+c") == ["r?q=a%2520b+c", "r?q=a%20b c", "r?q=a b c"]
    assert pii.url_readings("plain") == ["plain"]
    # Decoding "%0A" once more would eat the postcode written with a % between its codes.
    assert pii.url_identifier_problem("https://reports.example.org/r?q=A0%250AA") == REFUSED_POSTCODE
    assert (
        pii.url_identifier_problem("https://reports.example.org/r?q=A0%250AA%20943%20476%205919")
        == REFUSED_NHS
    )


# --- the display order (tracker.rules.display_order) --------------------------------------------------

RLM, LRM, ALM = "\u200f", "\u200e", "\u061c"


@pytest.mark.parametrize(
    ("text", "direction", "shown"),
    [
        ("\u200f5919 476 943", display_order.LEFT_TO_RIGHT, "943 476 5919\u200f"),
        ("\u05d05919-476-943", display_order.LEFT_TO_RIGHT, "5919-476-943\u05d0"),  # W4: ES joins EN
        ("\u06275919-476-943", display_order.LEFT_TO_RIGHT, "943-476-5919\u0627"),  # W2: AN, not joined
        ("\u06275919,476,943", display_order.LEFT_TO_RIGHT, "5919,476,943\u0627"),  # W4: CS joins AN
        ("\u05d05919#476", display_order.LEFT_TO_RIGHT, "5919#476\u05d0"),  # W5: ET next to EN is EN
        ("NHS 5919 476", display_order.RIGHT_TO_LEFT, "NHS 5919 476"),  # W7: after L, digits are L
        ("5919 476", display_order.RIGHT_TO_LEFT, "476 5919"),  # no L before: numbers, last first
        ("\u200f5919\t476", display_order.LEFT_TO_RIGHT, "5919\u200f\t476"),  # L1: the tab at level 0
        ("\u200f1 2 ", display_order.LEFT_TO_RIGHT, "2 1\u200f "),  # L1: trailing white space at level 0
        ("a (\u200f5919 476) 943", display_order.LEFT_TO_RIGHT, "a (476 5919\u200f) 943"),  # N0
        ("\u200f5\u03019 1", display_order.LEFT_TO_RIGHT, "1 5\u03019\u200f"),  # W1: the mark is EN
        ("\u200f1 2\u2029", display_order.RIGHT_TO_LEFT, "2 1\u200f\u2029"),  # the separator stays last
        ("", display_order.RIGHT_TO_LEFT, ""),
    ],
)
def test_each_rule_of_the_display_order(text: str, direction: int, shown: str) -> None:
    """Expected displays as python-bidi 0.6.12 gives them (its mirrored brackets put back)."""
    assert display_order.displayed(text, direction) == shown


def test_a_paragraph_takes_the_direction_of_its_first_strong_letter() -> None:
    classes = [display_order.bidi_class(char) for char in "12 \u05d0 a"]
    assert display_order.paragraph_direction(classes) == display_order.RIGHT_TO_LEFT
    assert display_order.paragraph_direction(["EN", "L", "R"]) == display_order.LEFT_TO_RIGHT
    assert display_order.paragraph_direction(["EN", "ON"]) == display_order.LEFT_TO_RIGHT
    assert display_order.paragraph_direction(["AL"]) == display_order.RIGHT_TO_LEFT


def test_the_display_orders_read_each_paragraph_in_its_own_and_the_texts_direction() -> None:
    # Line 1 starts with a Latin letter: the text is left to right, line 2 on its own right to left.
    assert display_order.display_orders("a 5919 476\n\u200f1 2") == ["a 5919 476\n2 1\u200f"]
    # Line 1 has no strong letter: on its own it is left to right; the text's first strong letter is
    # RLM, so as a whole (an HTML element with dir="auto") line 1 is right to left too.
    assert display_order.display_orders("5919 476\n\u200f1 2") == [
        "5919 476\n2 1\u200f",
        "476 5919\n2 1\u200f",
    ]
    assert display_order.display_orders("\u200f1 2\n5919 476") == [
        "2 1\u200f\n5919 476",
        "2 1\u200f\n476 5919",
    ]
    assert display_order.display_orders("ward 10, bay 3") == []
    assert display_order.display_orders("caf\u00e9 10 12") == []  # not ASCII, but nothing right to left


def test_unassigned_code_points_take_their_blocks_default_class() -> None:
    assert display_order.bidi_class("\u05ff") == "R"  # unassigned in Hebrew
    assert display_order.bidi_class("\U00010ec5") == "AL"  # unassigned (Unicode 14) in Arabic Extended-C
    assert display_order.bidi_class("\u20cf") == "ET"  # unassigned among the currency signs
    assert display_order.bidi_class("\U0003ffff") == "BN"  # a noncharacter
    assert display_order.bidi_class("\ufdd0") == "BN"
    assert display_order.bidi_class("\U000e0fff") == "BN"  # unassigned, default-ignorable
    assert display_order.bidi_class("\u2065") == "BN"
    assert display_order.bidi_class("\U0002fffd") == "L"


def test_every_bracket_pairs_with_one_closing_bracket() -> None:
    openings = [chr(code) for code in range(0x30000) if unicodedata.category(chr(code)) == "Ps"]
    closings = {opening: display_order.closing_bracket(opening) for opening in openings}
    paired = {opening: closing for opening, closing in closings.items() if closing is not None}
    assert len(paired) == 64  # BidiBrackets.txt, Unicode 14: 64 pairs
    assert len(set(paired.values())) == 63  # U+2329 pairs as its canonical equivalent U+3008
    assert all(unicodedata.category(closing) == "Pe" for closing in paired.values())
    assert (paired["("], paired["["], paired["{"], paired["\u3008"]) == (")", "]", "}", "\u3009")
    assert (paired["\u298d"], paired["\u298f"]) == ("\u2990", "\u298e")  # crosswise in BidiBrackets.txt
    assert display_order.closing_bracket("\u2329") == "\u3009"  # canonically \u3008
    assert display_order.closing_bracket("\u201a") is None  # an opening quotation mark: not a bracket
