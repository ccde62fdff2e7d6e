"""Who has seen a case: one entry of the read audit, as recorded, sealed and shown.

An entry says who read (role, organisation, subject and name as the identity provider gave them),
what (the action and the case ids it showed), when, through which entry point, the request's id,
and whether the read was answered or refused. It never holds a case's text, nor anything a caller
typed: a list's filters and a searched reference are left out, and a case id is kept only when it
is one (a UUID).
"""

import hashlib
import json
from datetime import date
from enum import StrEnum

from pydantic import Field

from tracker.models.case import WireModel


class ReadAction(StrEnum):
    READ_CASE = "read_case"
    READ_HISTORY = "read_history"
    LIST_CASES = "list_cases"  # one entry for a page of cases, with every case id it showed
    FIND_BY_REFERENCE = "find_by_reference"
    READ_ACCESS_LOG = "read_access_log"  # reading the audit is itself audited


class ReadOutcome(StrEnum):
    ANSWERED = "answered"
    REFUSED = "refused"  # not visible, not allowed, or unreadable: nothing of the case was shown


class Channel(StrEnum):
    API = "api"
    WEB = "web"


SINGLE_CASE_ACTIONS = frozenset(
    {ReadAction.READ_CASE, ReadAction.READ_HISTORY, ReadAction.FIND_BY_REFERENCE, ReadAction.READ_ACCESS_LOG}
)
"""Actions about one case: their entries are found by that case's id (a list's entry by its day)."""


class AccessEntry(WireModel):
    entry_id: str = Field(description="The entry's own id (a UUID).")
    at: str = Field(description="When the read happened (UTC, fixed-width ISO 8601).")
    role: str
    org: str = Field(description="The reader's organisation code.")
    sub: str = Field(description="The reader's subject at the identity provider.")
    name: str | None = Field(None, description="The reader's name, when the identity provider gives one.")
    action: ReadAction
    case_ids: tuple[str, ...] = Field(description="The cases the read named or showed.")
    channel: Channel = Field(description="The JSON API or the web app.")
    request_id: str | None = Field(None, description="The request's id (API Gateway's requestId).")
    outcome: ReadOutcome
    refusal: str | None = Field(None, description="Why a refused read was refused (the problem's type).")

    @property
    def day(self) -> date:
        """The UTC day the entry belongs to, which seals it."""
        return date.fromisoformat(self.at[:10])

    def canonical(self) -> bytes:
        """The entry as sealed: its JSON with sorted keys, no spaces, nulls written (so that removing a
        field is a change too)."""
        return json.dumps(
            self.model_dump(mode="json", by_alias=True),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()

    def digest(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


class AccessLogPage(WireModel):
    """A page of a case's access log, newest first."""

    items: list[AccessEntry]
    next_cursor: str | None = None
