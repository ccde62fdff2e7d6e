"""Every message the web app shows about what was typed, in one place and in the NHS.UK design
system's words: "Enter …", "Select …", "<Label> must be a real date", "<Label> must be today or in
the past". Never a pattern, an enumeration's code or a library's own words.

The domain names each problem as (field, detail): either a predicate for the field ("must not be in
the future") or, for the rules that say how to fix a record, a whole sentence starting with a
capital ("Enter the publication date, or choose a stage before Published"), shown as written. A
form's own reading of its boxes (a date that is not a real one) is worded here too.
"""

import re

from tracker.models.fields import CLIENT_FIELD_SPECS, FIELD_LABELS, Kind

_CHOSEN_KINDS = frozenset({Kind.SELECT, Kind.RADIOS, Kind.CHECKBOXES, Kind.YES_NO})
_KINDS = {spec.name: spec.kind for spec in CLIENT_FIELD_SPECS}
_PART_KINDS = {(spec.name, part.name): part.kind for spec in CLIENT_FIELD_SPECS for part in spec.parts}

ODS_CODE_PATTERN = "^[A-Z0-9]{3,5}$"  # the case model's pattern for ICB and provider codes
# The model's patterns, in words (a pattern itself is never shown).
_PATTERN_WORDS = {
    ODS_CODE_PATTERN: "must be an ODS code: 3 to 5 capital letters and numbers, for example RXL",
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$": (
        "must be a case id as the case's address shows it, for example 0d3c8f1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f"
    ),
    "^[A-Za-z0-9._-]+$": "must use only letters, numbers, full stops, hyphens and underscores",
    "^[A-Za-z0-9/ -]+$": "must use only letters, numbers, spaces, hyphens and slashes",
}

# pydantic's own words, read for what they mean.
_PATTERN = re.compile(r"^String should match pattern '(.*)'$")
_TOO_LONG = re.compile(r"^String should have at most (\d+) characters?$")
_TOO_SHORT = re.compile(r"^String should have at least 1 character$")
_LIST_LENGTH = re.compile(r"^List should have at (least|most) (\d+) items? after validation, not (\d+)$")
_NOT_REAL_DATE = re.compile(r"^is not a real date\b")
_BEFORE = re.compile(r"^must not be before ([a-z]+(?:[A-Z][a-z0-9]*)+)$")
_CAMEL_WORD = re.compile(r"\b([a-z]+(?:[A-Z][a-z0-9]*)+)\b")

REQUIRED = "is required"
REAL_DATE = "must be a real date"
PAST_DATE = "must be today or in the past"
"""The domain's words for a date after today where only a past one can be true."""
MISSING_DATE_PART = "must include a {parts}"
"""A date with some of its boxes empty: "must include a month", "must include a day and year"."""


def missing_date_parts(parts: list[str]) -> str:
    return MISSING_DATE_PART.format(parts=" and ".join(parts))


def in_sentence(label: str) -> str:
    """A label inside a sentence: its first letter small, unless its first word is an acronym or a
    name written with capitals inside it (ICB, StEIS)."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and any(character.isupper() for character in first[1:]):
        return label
    return label[:1].lower() + label[1:]


def field_kind(path: str) -> Kind | None:
    """How the field at ``path`` is given (a row's part by its list: ``recommendations[0].status``)."""
    row = re.match(r"^([A-Za-z]+)\[\d+\]\.([A-Za-z]+)", path)
    if row:
        return _PART_KINDS.get((row.group(1), row.group(2)))
    return _KINDS.get(path.split("[", 1)[0])


def readable_detail(detail: str) -> str:
    """A domain predicate in plain English, field names (camelCase) written as their labels: what
    follows a label ("Incident date" + " must be today or in the past")."""
    if detail in ("Field required", REQUIRED) or _TOO_SHORT.match(detail):
        return REQUIRED
    if detail.startswith("Input should be"):  # a value outside an enumeration: the form offers a list
        return "must be one of the choices offered"
    if _NOT_REAL_DATE.match(detail):
        return REAL_DATE
    if detail == "must not be in the future":
        return PAST_DATE
    pattern = _PATTERN.match(detail)
    if pattern:
        return _PATTERN_WORDS.get(pattern.group(1), "is not written as the hint shows")
    too_long = _TOO_LONG.match(detail)
    if too_long:
        return f"must be {too_long.group(1)} characters or fewer"
    counted = _LIST_LENGTH.match(detail)
    if counted:
        bound, limit, given = counted.groups()
        return f"must list at {bound} {limit} ({given} given)"
    before = _BEFORE.match(detail)
    if before and before.group(1) in FIELD_LABELS:
        return f"must be the same as or after the {in_sentence(FIELD_LABELS[before.group(1)])}"
    return _CAMEL_WORD.sub(
        lambda match: (
            in_sentence(FIELD_LABELS[match.group(1)]) if match.group(1) in FIELD_LABELS else match.group(1)
        ),
        detail,
    )


def field_message(subject: str, detail: str, kind: Kind | None = None) -> str:
    """The whole message for one problem of one field: ``subject`` is how the field is named
    ("Incident date", "Due date of recommendation 2"), ``kind`` how it is given (to say "Enter" or
    "Select")."""
    readable = readable_detail(detail)
    if readable == detail and detail[:1].isupper():
        return detail  # a rule's whole sentence, saying how to fix the record
    chosen = kind in _CHOSEN_KINDS
    if readable == REQUIRED:
        if subject.endswith("?"):
            return f"Answer the question: {subject}"
        return f"{'Select' if chosen else 'Enter'} the {in_sentence(subject)}"
    if readable == "must be one of the choices offered":
        return f"Select one of the choices offered for the {in_sentence(subject)}"
    counted = _LIST_LENGTH.match(detail)
    if counted and kind is Kind.CHECKBOXES:
        bound, limit, _given = counted.groups()
        if bound == "least":
            return f"Select at least {limit} of the {in_sentence(subject)}"
        return f"Select no more than {limit} {in_sentence(subject)}"
    return f"{subject} {readable}"
