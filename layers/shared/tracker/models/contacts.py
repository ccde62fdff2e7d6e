"""An ICB's safeguarding contacts: the addresses its weekly reminder digest goes to.

Addresses are checked by shape only (ASCII, one ``@``, a dotted domain of DNS labels), as GOV.UK
Notify itself accepts them; whether a mailbox exists is Notify's business.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StrictInt

from tracker.models.case import OdsCode, Timestamp, WireModel

MIN_CONTACTS = 1
MAX_CONTACTS = 10
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path, less its angle brackets
MAX_LOCAL_PART_LENGTH = 64

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# The local part's length is in the pattern (a lookahead), so the OpenAPI document states all of it.
_LOCAL_LENGTH = rf"(?=[^@]{{1,{MAX_LOCAL_PART_LENGTH}}}@)"
EMAIL_PATTERN = rf"^{_LOCAL_LENGTH}{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _email_address(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an email address such as safeguarding.team@nhs.net")
    return value


EmailAddress = Annotated[
    str,
    Field(max_length=MAX_EMAIL_LENGTH, json_schema_extra={"pattern": EMAIL_PATTERN}),
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


class ContactsChange(WireModel):
    """One version of an ICB's contacts: who changed them, when, from what to what."""

    version: int
    changed_at: Timestamp
    changed_by: str
    before: list[str] = Field(default_factory=list)
    after: list[str]
