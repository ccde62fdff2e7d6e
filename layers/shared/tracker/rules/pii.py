"""Guard against patient-identifiable data in free text (and in the text of a URL).

The collection takes no patient-identifiable data: text holding an NHS number or a full UK
postcode is refused, however it is typed.

How text is read:

1. Normalised: Unicode compatibility forms (NFKC: fullwidth or superscript digits become ASCII),
   every other decimal digit (Arabic-Indic, Devanagari, ...) becomes its ASCII digit, letters are
   upper-cased, and any run of characters that are neither letters nor digits (spaces, tabs, line
   breaks, punctuation, symbols, invisible format characters) is one separator.
2. NHS number: 10 digits that pass the modulus 11 check (a check digit of 10 means "not an NHS
   number"), written with any separators between any of its digits: ``9434765919``,
   ``943 476 5919``, ``943  476  5919``, ``943.476.5919``, ``(943) 476-5919``,
   ``9 4 3 4 7 6 5 9 1 9``. Digits run on across separators, not across letters; a run of digits
   glued to letters still counts (``NHS9434765919``).
3. Full postcode: outward code, any separators (or none), inward code, in any case:
   ``ZZ99 3VZ``, ``zz993vz``, ``ZZ99-3VZ``, ``ZZ99`` and ``3VZ`` on two lines. The inward code is
   a digit and any two letters (Royal Mail leaves out C, I, K, M, O and V, but NHS pseudo-postcodes
   such as ``ZZ99 3VZ`` use them, and a mistyped postcode identifies as well). A district alone
   (``ZZ1``) is allowed.
4. A URL (``url_identifier_problem``) is read as its percent-decoded text, decoded again while
   that changes anything (double encoding), with ``+`` as a space: an NHS number in a query
   string is refused like one in free text.

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
- Letters standing in for digits (``O`` for ``0``) and numbers spelled out in words are not read.

The messages never echo the text.
"""

import re
import unicodedata
from urllib.parse import unquote

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
_FULL_POSTCODE = re.compile(r"(?<![0-9A-Z])(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})(?![0-9A-Z])")


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def _readable(text: str) -> str:
    """NFKC, ASCII digits: dates and separators still as typed."""
    return _ascii_digits(unicodedata.normalize("NFKC", text))


def _canonical(text: str) -> str:
    """Upper-case letters (any script, as ``A``), ASCII digits, and one space for each separator run."""
    # A letter of another script stays a letter (it splits digit runs) but needs no case rules.
    letters = "".join("A" if char.isalpha() and not char.isascii() else char.upper() for char in text)
    return _SEPARATORS.sub(" ", letters).strip()


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


def contains_nhs_number(text: str) -> bool:
    return any(is_valid_nhs_number(candidate) for candidate in nhs_number_candidates(text))


def contains_full_postcode(text: str) -> bool:
    return _FULL_POSTCODE.search(normalise(text)) is not None


def patient_identifier_problem(text: str) -> str | None:
    """A reason the text may not be stored, or None. Never echoes the text itself."""
    if contains_nhs_number(text):
        return "must not contain an NHS number: this collection takes no patient-identifiable data"
    if contains_full_postcode(text):
        return "must not contain a full postcode: this collection takes no patient-identifiable data"
    return None


def url_text(url: str) -> str:
    """A URL as a person reads it: percent-decoded (repeatedly, for double encoding), ``+`` as space."""
    # Until nothing changes, however many times it was encoded: a round that changes the text
    # either shortens it (a %XX becomes one character) or only turns + into spaces, so this ends.
    text = url
    while (decoded := unquote(text.replace("+", " "), errors="replace")) != text:
        text = decoded
    return text


def url_identifier_problem(url: str) -> str | None:
    """``patient_identifier_problem`` for a URL: its path and query are read percent-decoded."""
    return patient_identifier_problem(url_text(url))
