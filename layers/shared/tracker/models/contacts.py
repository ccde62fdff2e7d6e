"""An ICB's or a region's safeguarding contacts: the addresses its weekly reminder digest goes to.

Addresses are checked by shape only (ASCII, one ``@``, a dotted domain of DNS labels), as GOV.UK
Notify itself accepts them; whether a mailbox exists is Notify's business. An address is text a
person typed, so the identifier guard reads it too (``9434765919@...`` is refused).

The shape is published in the OpenAPI document as JSON Schema a generator can draw from (Schemathesis,
Hypothesis): a pattern without lookaround, plus a ``not`` pattern for the local part's length. Both
are matched here as an ECMA-262 engine matches them, over the whole value: Python's ``$`` would also
match before a trailing line break, so the pattern is used with ``fullmatch``.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StrictInt

from tracker.models.case import OdsCode, Timestamp, WireModel
from tracker.rules.pii import patient_identifier_problem

MIN_CONTACTS = 1
MAX_CONTACTS = 10
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path, less its angle brackets
MAX_LOCAL_PART_LENGTH = 64

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}$"
# What an address may not start with: more characters before its @ than RFC 5321 allows.
LONG_LOCAL_PART_PATTERN = rf"^[^@]{{{MAX_LOCAL_PART_LENGTH + 1}}}"
_EMAIL = re.compile(EMAIL_PATTERN)
_LONG_LOCAL_PART = re.compile(LONG_LOCAL_PART_PATTERN)


def _email_address(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an email address such as safeguarding.team@nhs.net")
    if _LONG_LOCAL_PART.match(value):
        raise ValueError(f"must have at most {MAX_LOCAL_PART_LENGTH} characters before the @")
    problem = patient_identifier_problem(value)
    if problem:
        raise ValueError(problem)
    return value


EmailAddress = Annotated[
    str,
    Field(
        max_length=MAX_EMAIL_LENGTH,
        json_schema_extra={"pattern": EMAIL_PATTERN, "not": {"pattern": LONG_LOCAL_PART_PATTERN}},
    ),
    AfterValidator(_email_address),
]


def same_address(address: str) -> str:
    """The form two addresses are compared in: domains (and in practice mailboxes) ignore case."""
    return address.lower()


class ContactsDocument(WireModel):
    """The body of ``PUT /icbs/{icbCode}/contacts``."""

    # An address is taken as written: " lead@nhs.net" is refused, as the document's pattern says.
    model_config = ConfigDict(**{**WireModel.model_config, "str_strip_whitespace": False})

    emails: Annotated[
        list[EmailAddress],
        Field(min_length=MIN_CONTACTS, max_length=MAX_CONTACTS, json_schema_extra={"uniqueItems": True}),
    ] = Field(description="1 to 10 addresses, each once (compared without regard to case).")


class IcbContacts(WireModel):
    """The contacts of one ICB as recorded; version 0 means none recorded yet."""

    icb_code: OdsCode
    emails: list[str] = Field(default_factory=list)
    version: StrictInt = Field(ge=0, description="0 until contacts are first recorded; the ETag.")
    updated_at: Timestamp | None = None
    updated_by: str | None = None


class RegionContacts(WireModel):
    """The contacts of one region (its regional team's), as recorded; version 0 means none yet.

    Kept in the same store as an ICB's, by the region's code (ODS codes of regions and ICBs never
    overlap), with the same versions and history; only the name of the code differs on the wire."""

    region_code: OdsCode
    emails: list[str] = Field(default_factory=list)
    version: StrictInt = Field(ge=0, description="0 until contacts are first recorded; the ETag.")
    updated_at: Timestamp | None = None
    updated_by: str | None = None

    @classmethod
    def of(cls, recorded: IcbContacts) -> "RegionContacts":
        """A region's contacts from the store's record (its ``icbCode`` holds the region's code)."""
        record = recorded.model_dump(by_alias=True, exclude={"icb_code"})
        return cls.model_validate({**record, "regionCode": recorded.icb_code})


class ContactsChange(WireModel):
    """One version of an ICB's contacts: who changed them, when, from what to what."""

    version: int
    changed_at: Timestamp
    changed_by: str
    before: list[str] = Field(default_factory=list)
    after: list[str]
