"""The identifier guard against Unicode: characters that display as nothing, or as a blank, never
hide an NHS number or a full postcode, and ordinary text with them still passes.

The classes of characters are built here from ``unicodedata`` and the ``regex`` library's
Default_Ignorable_Code_Point property, independently of the guard's own tables. Every NHS number
is made up (943 476 5919 is the NHS's published test number, the others follow the modulus 11
rule); postcodes are ``ZZ``-area test postcodes or made-up shapes.
"""

import sys
import unicodedata
from collections.abc import Callable
from urllib.parse import quote

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.properties import examples
from tests.unit.rules.test_pii import (
    REFUSED_NHS,
    REFUSED_POSTCODE,
    check_digit,
    postcodes,
    written_dates,
)
from tracker.reference import reference_data
from tracker.rules import pii

HANGUL_FILLERS = ["\u3164", "\uffa0", "\u115f", "\u1160"]
EVERY_CODE_POINT = "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)


def _where(test: Callable[[str], bool]) -> list[str]:
    return [char for char in EVERY_CODE_POINT if test(char)]


# Characters that render as nothing, class by class: every default-ignorable code point (the Hangul
# fillers among them), format characters, marks drawn onto the character before them, and controls
# that are not white space. Drawn class first, so a small class is drawn as often as a large one.
DEFAULT_IGNORABLE = "".join(regex.findall(r"\p{Default_Ignorable_Code_Point}+", EVERY_CODE_POINT))
INVISIBLE_CLASSES: dict[str, list[str]] = {
    "Hangul fillers": HANGUL_FILLERS,
    "Default_Ignorable_Code_Point": list(DEFAULT_IGNORABLE),
    "Cf": _where(lambda char: unicodedata.category(char) == "Cf"),
    "Mn": _where(lambda char: unicodedata.category(char) == "Mn"),
    "Me": _where(lambda char: unicodedata.category(char) == "Me"),
    "Cc, not white space": _where(lambda char: unicodedata.category(char) == "Cc" and not char.isspace()),
}
# Characters that render as a blank, class by class: spaces, line and paragraph separators,
# white-space controls, and the blank symbols (the braille blank, the ideographic half fill space).
BLANK_CLASSES: dict[str, list[str]] = {
    "Zs": _where(lambda char: unicodedata.category(char) == "Zs"),
    "Zl": ["\u2028"],
    "Zp": ["\u2029"],
    "white space": _where(lambda char: char.isspace() and unicodedata.category(char) == "Cc"),
    "blank symbols": ["\u2800", "\u303f"],
}
INVISIBLE = sorted({char for chars in INVISIBLE_CLASSES.values() for char in chars})
BLANK = sorted({char for chars in BLANK_CLASSES.values() for char in chars})


def test_the_classes_hold_what_the_issue_names() -> None:
    for char in [*HANGUL_FILLERS, "\u00ad", "\u200b", "\u200d", "\u2060", "\ufeff", "\u034f", "\ufe0f"]:
        assert char in INVISIBLE, hex(ord(char))
    for char in [" ", "\u00a0", "\u3000", "\u2028", "\u2029", "\t", "\n", "\u2800"]:
        assert char in BLANK, hex(ord(char))
    assert len(DEFAULT_IGNORABLE) == 4174  # DerivedCoreProperties.txt's total since Unicode 14


def test_the_guards_default_ignorable_table_is_the_unicode_property() -> None:
    assert [char for char in EVERY_CODE_POINT if pii.is_default_ignorable(char)] == list(DEFAULT_IGNORABLE)


# --- what the review found -------------------------------------------------------------------------------


@pytest.mark.parametrize("filler", HANGUL_FILLERS)
@pytest.mark.parametrize(
    "layout",
    ["943{f}476{f}5919", "943 {f} 476 {f} 5919", "9{f}4{f}3{f}4{f}7{f}6{f}5{f}9{f}1{f}9", "NHS{f}9434765919"],
)
def test_hangul_fillers_between_the_digit_groups_are_refused(filler: str, layout: str) -> None:
    assert pii.patient_identifier_problem(layout.format(f=filler)) == REFUSED_NHS


@pytest.mark.parametrize(
    "invisible", ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", *HANGUL_FILLERS]
)
@pytest.mark.parametrize(
    "written", ["S{i}W1A 1AA", "SW1{i}A 1AA", "SW1A 1{i}AA", "SW1A 1A{i}A", "Z{i}Z99{i}3V{i}Z"]
)
def test_an_invisible_character_inside_the_outward_or_inward_code_is_refused(
    invisible: str, written: str
) -> None:
    assert pii.patient_identifier_problem(written.format(i=invisible)) == REFUSED_POSTCODE


@pytest.mark.parametrize(
    "text",
    [
        "S W 1 A 1 A A",
        "s w 1 a 1 a a",
        "S\u00a0W\u00a01\u00a0A\u00a01\u00a0A\u00a0A",
        "S\u2800W\u28001\u2800A\u28001\u2800A\u2800A",  # braille blanks
        "S\u3000W\u30001\u3000A\u30001\u3000A\u3000A",
        "S-W-1-A-1-A-A",
        "SW 1A 1AA",
        "Z Z99 3VZ",
        "ZZ9 9 3 VZ",
        "lived at S W 1 A 1 A A then",
        "G I R 0 A A",
        "Z\u0336Z\u033699 3\u0336VZ",  # struck through with a combining mark
        "ZZ\x0099 3VZ",  # a control character that displays as nothing
    ],
)
def test_a_postcode_spaced_out_or_marked_is_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_POSTCODE


@pytest.mark.parametrize(
    "url",
    [
        "https://reports.example.org/r?p=SW%C2%AD1A%201AA",  # a soft hyphen inside the outward code
        "https://reports.example.org/r?p=SW1A%C2%AD1AA",
        "https://reports.example.org/r?n=943%E3%85%A4476%E3%85%A45919",  # Hangul fillers
        "https://reports.example.org/r?n=943%25E2%2580%258B476%25E2%2580%258B5919",  # encoded twice
    ],
)
def test_urls_with_percent_encoded_invisible_characters_are_refused(url: str) -> None:
    assert pii.url_identifier_problem(url) in (REFUSED_NHS, REFUSED_POSTCODE)


@pytest.mark.parametrize(
    "text",
    [
        "meeting at 10 am",
        "from 9 am to 10 am",
        "10 am to 11 am, then 2 pm to 3 pm",
        "a dose of 20 ml twice a day",
        "Ward 10, bay 3, bed 12",
        "ward 7b",
        "Year 10, 2 cases",
        "3 children and 2 adults",
        "aged 12-15",
        "2 to 3 weeks",
        "between 5 and 12 agencies",
        "QE1, QHM, RXX and S1Y5D",
        "QE1-2026-0007",
        "see QE1\u00a0-\u00a02026\u00a0-\u00a00007",
        "10\u200b/01/2026",
        "S W 1",
        "ZZ9 9",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert pii.patient_identifier_problem(text) is None


def test_normalised_text_drops_what_displays_as_nothing_and_separates_blanks() -> None:
    assert pii.normalise("943\u3164476\u00ad5919") == "9434765919"
    assert pii.normalise("S\u2800W\u2028x\u0301\x00y") == "S W XY"


# --- properties: every class, anywhere ------------------------------------------------------------------

invisible_chars = st.sampled_from(list(INVISIBLE_CLASSES.values())).flatmap(st.sampled_from)
blank_chars = st.sampled_from(list(BLANK_CLASSES.values())).flatmap(st.sampled_from)
invisible_runs = st.text(invisible_chars, max_size=3)
# Invisible, and leaving the order the text displays in alone: a right-to-left mark (U+200F, U+061C)
# or an Arabic number sign (U+0600-U+0605) displays as nothing yet reorders the digit groups around
# it, and the guard reads that order too (tracker.rules.display_order). Ordinary text sprinkled with
# one can show ten digits in a row ("900/01/14<U+061C>1 44" in a right-to-left reading), so ordinary
# text is sprinkled only with the rest.
ORDER_KEEPING_INVISIBLE_CLASSES = {
    name: [char for char in chars if unicodedata.bidirectional(char) not in {"R", "AL", "AN"}]
    for name, chars in INVISIBLE_CLASSES.items()
}
order_keeping_invisible_runs = st.text(
    st.sampled_from([chars for chars in ORDER_KEEPING_INVISIBLE_CLASSES.values() if chars]).flatmap(
        st.sampled_from
    ),
    max_size=3,
)
blank_runs = st.text(blank_chars, min_size=1, max_size=3)
nhs_numbers = (
    st.text(alphabet="0123456789", min_size=9, max_size=9)
    .filter(lambda nine: check_digit(nine) != 10)
    .map(lambda nine: nine + str(check_digit(nine)))
)


def sprinkled(draw: st.DrawFn, text: str, runs: st.SearchStrategy[str] = invisible_runs) -> str:
    """``text`` with a run of invisible characters (often empty) before, between and after its characters."""
    return "".join(draw(runs) + char for char in text) + draw(runs)


@st.composite
def nhs_numbers_written_with_unicode(draw: st.DrawFn) -> str:
    number = draw(nhs_numbers)
    written = ""
    for position, digit in enumerate(number):
        if position:
            written += draw(st.one_of(st.just(""), blank_runs))
        written += digit
    return draw(st.sampled_from(["", "NHS ", "no. ", "seen, "])) + sprinkled(draw, written)


@settings(max_examples=examples(400), deadline=None)
@given(text=nhs_numbers_written_with_unicode())
def test_property_nhs_numbers_with_any_blank_or_invisible_characters_are_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_NHS, ascii(text)


@st.composite
def postcodes_written_with_unicode(draw: st.DrawFn) -> str:
    """A full postcode with invisible characters anywhere and blanks between its parts and inside
    them: spaced inside a part, the parts are apart too (the guard's rule, see tracker.rules.pii)."""
    outward, inward = draw(postcodes())

    def spaced(part: str) -> str:
        return part[0] + "".join(draw(st.one_of(st.just(""), blank_runs)) + char for char in part[1:])

    outward, inward = spaced(outward), spaced(inward)
    spaced_inside = any(not char.isalnum() for char in outward + inward)
    between = draw(blank_runs) if spaced_inside else draw(st.one_of(st.just(""), blank_runs))
    written = "".join(char.lower() if draw(st.booleans()) else char for char in outward + between + inward)
    before = draw(st.sampled_from(["", "lived at ", "near (", "address: "]))
    after = draw(st.sampled_from(["", " at the time", ").", ", then moved"]))
    return before + sprinkled(draw, written) + after


@settings(max_examples=examples(400), deadline=None)
@given(text=postcodes_written_with_unicode())
def test_property_postcodes_with_any_blank_or_invisible_characters_are_refused(text: str) -> None:
    assert pii.patient_identifier_problem(text) == REFUSED_POSTCODE, ascii(text)


ICB_CODES = sorted(reference_data().icbs)
ODS_CODES = [*ICB_CODES, "RXX", "S1Y5D", "Y62", "X24"]


@st.composite
def ordinary_phrases(draw: st.DrawFn) -> str:
    """What case records say with numbers in them: dates, times, ward numbers, counts, ranges, ODS codes,
    case references."""
    n = st.integers(1, 999)
    hour = st.integers(1, 12)
    templates = [
        lambda: draw(written_dates()),
        lambda: f"Ward {draw(st.integers(1, 99))}",
        lambda: f"ward {draw(st.integers(1, 99))}{draw(st.sampled_from('abcdef'))}",
        lambda: f"bay {draw(st.integers(1, 20))}, bed {draw(st.integers(1, 40))}",
        lambda: f"{draw(n)} children and {draw(n)} adults",
        lambda: f"aged {draw(st.integers(0, 17))}-{draw(st.integers(0, 17))}",
        lambda: f"{draw(n)} to {draw(n)} weeks",
        lambda: f"at {draw(hour)} am to {draw(hour)} pm",
        lambda: (
            f"from {draw(hour)}:{draw(st.integers(0, 59)):02d} to {draw(hour)}:{draw(st.integers(0, 59)):02d}"
        ),
        lambda: f"{draw(st.integers(1, 500))} ml",
        lambda: draw(st.sampled_from(ODS_CODES)),
        lambda: f"{draw(st.sampled_from(ICB_CODES))}-{draw(st.integers(2022, 2099))}-{draw(n) * 10:04d}",
    ]
    return draw(st.sampled_from(templates))()


@st.composite
def ordinary_text(draw: st.DrawFn) -> str:
    """Phrases joined by words, each blank written with any blank character, invisible characters that
    keep the display order anywhere (never where they would join two words: that would be other text)."""
    phrases = draw(st.lists(ordinary_phrases(), min_size=1, max_size=4))
    text = draw(st.sampled_from([" and ", "; then ", ", see "])).join(phrases)
    words = text.split(" ")
    return "".join(
        (draw(blank_runs) if index else "") + sprinkled(draw, word, order_keeping_invisible_runs)
        for index, word in enumerate(words)
    )


@settings(max_examples=examples(400), deadline=None)
@given(text=ordinary_text())
def test_property_ordinary_text_with_any_blank_or_invisible_characters_passes(text: str) -> None:
    assert pii.patient_identifier_problem(text) is None, ascii(text)


@settings(max_examples=examples(200), deadline=None)
@given(text=st.one_of(nhs_numbers_written_with_unicode(), postcodes_written_with_unicode()))
def test_property_the_same_text_percent_encoded_in_a_url_is_refused(text: str) -> None:
    url = "https://reports.example.org/r?q=" + quote(text, safe="")
    assert pii.url_identifier_problem(url) in (REFUSED_NHS, REFUSED_POSTCODE), url
