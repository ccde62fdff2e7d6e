"""Guard against patient-identifiable data in free text (and in the text of a URL).

The collection takes no patient-identifiable data: text holding an NHS number or a full UK
postcode is refused, however it is typed.

How text is read:

1. Normalised, once: Unicode compatibility forms (NFKC: fullwidth or superscript digits become
   ASCII), then whatever displays as nothing is dropped, so it joins what it sits between: format
   characters (Cf: soft hyphen, zero-width space and joiners, word joiner, bidirectional marks),
   every Default_Ignorable_Code_Point (the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0 are
   letters that display as a blank, variation selectors, tags), marks drawn onto the character
   before them (Mn, Me) and controls other than white space. Then every other decimal digit
   (Arabic-Indic, Devanagari, ...) becomes its ASCII digit, letters are upper-cased, and any run of
   characters that are neither letters nor digits (spaces of every width, line and paragraph
   separators, tabs and line breaks, punctuation, symbols, the braille blank U+2800) is one
   separator.
2. NHS number: 10 digits that pass the modulus 11 check (a check digit of 10 means "not an NHS
   number"), written with any separators between any of its digits: ``9434765919``,
   ``943 476 5919``, ``943  476  5919``, ``943.476.5919``, ``(943) 476-5919``,
   ``9 4 3 4 7 6 5 9 1 9``. Digits run on across separators, not across letters; a run of digits
   glued to letters still counts (``NHS9434765919``).
3. Full postcode: outward code, inward code, in any case. Written as one word (``zz993vz``), or
   with separators between the two codes and, if any, anywhere inside either: ``ZZ99 3VZ``,
   ``ZZ99-3VZ``, ``ZZ99`` and ``3VZ`` on two lines, ``S W 1 A 1 A A``, ``SW 1A 1AA``. The inward
   code is a digit and any two letters (Royal Mail leaves out C, I, K, M, O and V, but NHS
   pseudo-postcodes such as ``ZZ99 3VZ`` use them, and a mistyped postcode identifies as well). A
   district alone (``ZZ1``) is allowed.
4. A URL (``url_identifier_problem``) is read as its percent-decoded text, decoded again while
   that changes anything (double encoding), with ``+`` as a space, and each of those readings is
   checked: an NHS number in a query string is refused like one in free text.
5. Text is read in the order it is stored and in each order it displays in
   (``tracker.rules.display_order``, the Unicode Bidirectional Algorithm): on a left-to-right page,
   and in the direction its first strong letter gives, paragraph by paragraph or as a whole. After a
   right-to-left letter or mark (Hebrew, Arabic, U+200F, U+061C), digit groups separated by spaces
   display last first, each group's digits left to right: ``\u200f5919 476 943`` shows
   "943 476 5919" and is refused; so do Arabic-Indic digits with no letter at all. The marks U+200E,
   U+200F and U+061C themselves are allowed (Arabic and Hebrew text needs them); text with no
   right-to-left letter or digit displays as stored and is read once.

Choices that keep false positives sensible:

- Only whole groups of digits make a candidate: in ``1 943 476 5919 2`` the groups
  ``943 476 5919`` are checked, but no 10-digit window is cut out of an unbroken longer run
  (``094347659190`` is a 12-digit number, not an NHS number; UK phone numbers have 11 digits).
- A calendar date (``2026-01-10``, ``2026/01/10``, ``10/01/2026``, ``10.01.2026``) or a clock
  time (``14:30``, ``14:30:05``) is read as a date or a time and never joins its neighbours
  into an NHS number, so ``2026-01-10 14:30`` or a date range pass. No usual way of writing an
  NHS number (3-3-4, 10 in a row, digits spaced out) has that shape.
- References such as ``QE1-2026-0007`` hold 9 digits and pass. Any other 10 digits that happen to
  pass modulus 11 (about 1 in 11 random ones) are refused; rewording is the remedy, since an
  identifier that looks like an NHS number cannot be told apart from one.
- A postcode is never cut out of the middle of a word: the outward code ends where a separator
  (or, written as one word, the inward code) begins. So ``at 10 am``, ``from 9 am to 10 am`` and
  ``a dose of 20 ml`` pass (reading ``AT1 0AM`` would refuse every time of day); ``SW1 A1AA``,
  split inside its inward code and nowhere else, is not read as a postcode.
- Letters standing in for digits (``O`` for ``0``) and numbers spelled out in words are not read.
- Only the orders a reader can be shown are read, not every order of the groups: after a Hebrew
  letter ``5919-476-943`` is one number (a single hyphen joins two European numbers) and displays as
  stored, and a tab keeps each group in the page's direction; a text that starts with a Latin letter
  is not read as a right-to-left paragraph.

The messages never echo the text.
"""

import re
import unicodedata
from bisect import bisect_right
from urllib.parse import unquote

from tracker.rules.display_order import display_orders

NHS_NUMBER_DIGITS = 10

_DAY_OR_MONTH = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:1[89][0-9]{2}|2[0-9]{3})"
_DATE_OR_TIME = re.compile(
    rf"""(?<![0-9])(?:
        {_YEAR}(?P<iso>[-/.]){_MONTH}(?P=iso){_DAY_OR_MONTH}               # 2026-01-10
      | {_DAY_OR_MONTH}(?P<dmy>[-/.]){_DAY_OR_MONTH}(?P=dmy){_YEAR}        # 10/01/2026, 01/31/2026
      | (?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?                  # 14:30, 14:30:05
    )(?![0-9])""",
    re.VERBOSE,
)
_NOT_A_DIGIT = "X"  # what a date or time becomes: a letter, so digits do not run on across it
_SEPARATORS = re.compile(r"[^0-9A-Z]+")
_LETTERS = re.compile(r"[A-Z]+")
# On the normalised text, where a separator is one space. Outward code: 1 or 2 letters, a digit, and
# a digit or letter or not; inward code: a digit and 2 letters.
_OUTWARD_IN_WORDS = r"(?:G ?I ?R|[A-Z](?: ?[A-Z])? ?[0-9](?: ?[A-Z0-9])?)"
_INWARD_IN_WORDS = r"(?:[0-9] ?[A-Z] ?[A-Z])"
_IN_ONE_WORD = r"(?:GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2})"
_FULL_POSTCODE = re.compile(
    rf"(?<![0-9A-Z])(?:{_OUTWARD_IN_WORDS} {_INWARD_IN_WORDS}|{_IN_ONE_WORD})(?![0-9A-Z])"
)

# Default_Ignorable_Code_Point, from the Unicode Character Database's DerivedCoreProperties.txt
# (unchanged from Unicode 14.0 to 17.0; 4,174 code points), as first and last code point of each
# range. Python's unicodedata has no such property; a test checks this table against the regex
# library's.
DEFAULT_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ, AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE .. RIGHT-TO-LEFT MARK
    (0x202A, 0x202E),  # LEFT-TO-RIGHT EMBEDDING .. RIGHT-TO-LEFT OVERRIDE
    (0x2060, 0x206F),  # WORD JOINER .. NOMINAL DIGIT SHAPES (2065 reserved)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1 .. 16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT LETTER OVERLAP .. UP STEP
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM .. END PHRASE
    (0xE0000, 0xE0FFF),  # LANGUAGE TAG, TAG characters, VARIATION SELECTOR-17 .. 256, reserved
)
_DEFAULT_IGNORABLE_FIRSTS = [first for first, _ in DEFAULT_IGNORABLE_RANGES]
# Format characters, and marks drawn onto the character before them: nothing of their own to read.
_DISPLAYED_AS_NOTHING = frozenset({"Cf", "Mn", "Me"})


def is_default_ignorable(char: str) -> bool:
    code = ord(char)
    index = bisect_right(_DEFAULT_IGNORABLE_FIRSTS, code) - 1
    return index >= 0 and code <= DEFAULT_IGNORABLE_RANGES[index][1]


def _displays_as_nothing(char: str) -> bool:
    category = unicodedata.category(char)
    return (
        category in _DISPLAYED_AS_NOTHING
        or (category == "Cc" and not char.isspace())
        or is_default_ignorable(char)
    )


# Only these can be dropped or rewritten below: most text is printable ASCII and never reaches Python
# code character by character.
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def _visible(text: str) -> str:
    """The text without what displays as nothing, so that it cannot split a number or a postcode."""
    return _NOT_PRINTABLE_ASCII.sub(lambda found: "" if _displays_as_nothing(found[0]) else found[0], text)


def _ascii_digit(found: re.Match[str]) -> str:
    char = found[0]
    return str(unicodedata.decimal(char)) if char.isdecimal() else char


def _readable(text: str) -> str:
    """NFKC, nothing invisible, ASCII digits: dates and separators still as typed."""
    return _NOT_ASCII.sub(_ascii_digit, _visible(unicodedata.normalize("NFKC", text)))


def _ascii_letter(found: re.Match[str]) -> str:
    # A letter of another script stays a letter (it splits digit runs) but needs no case rules.
    return "A" if found[0].isalpha() else found[0]


def _canonical(text: str) -> str:
    """Upper-case letters (any script, as ``A``), ASCII digits, and one space for each separator run."""
    return _SEPARATORS.sub(" ", _NOT_ASCII.sub(_ascii_letter, text).upper()).strip()


def normalise(text: str) -> str:
    """The text as the guard reads it (see the module docstring); for tests and diagnostics."""
    return _canonical(_readable(text))


def is_valid_nhs_number(digits: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (NHS Data Dictionary)."""
    if len(digits) != NHS_NUMBER_DIGITS or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def nhs_number_candidates(text: str) -> list[str]:
    """Every 10 digits made of whole, consecutive digit groups that are not split by letters."""
    canonical = _canonical(_DATE_OR_TIME.sub(_NOT_A_DIGIT, _readable(text)))
    candidates: list[str] = []
    for stretch in _LETTERS.split(canonical):
        groups = stretch.split()
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) >= NHS_NUMBER_DIGITS:
                    break
            if len(digits) == NHS_NUMBER_DIGITS:
                candidates.append(digits)
    return candidates


def readings(text: str) -> list[str]:
    """The text as stored, then in each order it can display in (``display_order.display_orders``)."""
    return [text, *display_orders(text)]


def _holds_nhs_number(reading: str) -> bool:
    return any(is_valid_nhs_number(candidate) for candidate in nhs_number_candidates(reading))


def _holds_full_postcode(reading: str) -> bool:
    return _FULL_POSTCODE.search(normalise(reading)) is not None


def contains_nhs_number(text: str) -> bool:
    return any(_holds_nhs_number(reading) for reading in readings(text))


def contains_full_postcode(text: str) -> bool:
    return any(_holds_full_postcode(reading) for reading in readings(text))


def patient_identifier_problem(text: str) -> str | None:
    """A reason the text may not be stored, or None. Never echoes the text itself."""
    shown = readings(text)
    if any(_holds_nhs_number(reading) for reading in shown):
        return "must not contain an NHS number: this collection takes no patient-identifiable data"
    if any(_holds_full_postcode(reading) for reading in shown):
        return "must not contain a full postcode: this collection takes no patient-identifiable data"
    return None


def url_readings(url: str) -> list[str]:
    """A URL as a person may read it: as written, then percent-decoded with ``+`` as a space, again
    and again while that changes anything (double encoding)."""
    # Every round is read, not only the last: decoding once more can eat an identifier that was
    # written with a % in it ("A0%250AA" is "A0%0AA", a postcode, before it is "A0\nA").
    # A round that changes the text either shortens it (a %XX becomes one character) or only turns
    # + into spaces, so this ends.
    readings = [url]
    while (decoded := unquote(readings[-1].replace("+", " "), errors="replace")) != readings[-1]:
        readings.append(decoded)
    return readings


def url_text(url: str) -> str:
    """A URL as a person reads it: percent-decoded (repeatedly, for double encoding), ``+`` as space."""
    return url_readings(url)[-1]


def url_identifier_problem(url: str) -> str | None:
    """``patient_identifier_problem`` for a URL: its path and query are read percent-decoded, each
    round of decoding on its own."""
    for reading in reversed(url_readings(url)):
        problem = patient_identifier_problem(reading)
        if problem:
            return problem
    return None
