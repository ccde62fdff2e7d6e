"""Guard against patient-identifiable data in free text.

The collection takes no patient-identifiable data: text holding an NHS number (10 digits that
pass the modulus 11 check, with or without the usual 3-3-4 spacing) or a full UK postcode is refused.
"""

import re

_NHS_NUMBER_CANDIDATE = re.compile(r"(?<![0-9])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})(?![0-9])")
_FULL_POSTCODE = re.compile(
    r"(?<![A-Z0-9])(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Z0-9])",
    re.IGNORECASE,
)


def is_valid_nhs_number(digits: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def contains_nhs_number(text: str) -> bool:
    return any(is_valid_nhs_number("".join(match.groups())) for match in _NHS_NUMBER_CANDIDATE.finditer(text))


def contains_full_postcode(text: str) -> bool:
    return _FULL_POSTCODE.search(text) is not None


def patient_identifier_problem(text: str) -> str | None:
    """A reason the text may not be stored, or None. Never echoes the text itself."""
    if contains_nhs_number(text):
        return "must not contain an NHS number: this collection takes no patient-identifiable data"
    if contains_full_postcode(text):
        return "must not contain a full postcode: this collection takes no patient-identifiable data"
    return None
