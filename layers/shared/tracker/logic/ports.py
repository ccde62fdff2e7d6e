"""What the use cases need from storage, in domain terms: cases, versions and pages.

The DynamoDB implementation (``tracker.dal.cases``) owns keys, item shapes and index choice;
an in-memory implementation (``tests/support/memory.py``) makes the logic's tests fast.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from tracker.access import ListScope
from tracker.models.access_log import AccessEntry
from tracker.models.case import Case, HistoryEntry
from tracker.models.contacts import ContactsChange, IcbContacts
from tracker.models.enums import CaseStatus, ReviewType, Stage


class VersionConflict(Exception):
    """The case changed (or was created) since the caller read it: nothing was written."""


class KeyReused(Exception):
    """An idempotency key came back with a different payload."""


class KeyInProgress(Exception):
    """The first request with this idempotency key has not finished yet."""


@dataclass(frozen=True)
class CaseFilters:
    """Filters a store applies within a scope (equality on fields, updated at or after a time)."""

    review_type: ReviewType | None = None
    status: CaseStatus | None = None
    stage: Stage | None = None
    updated_since: str | None = None
    # Overdue as judged on ``as_of``: True reads only cases with something due before that day
    # (an index serves it); the use case still checks each case's flags.
    overdue: bool | None = None
    as_of: date | None = None


class ReadLimitReached(Exception):
    """A list read as many items as one request may before its page filled.

    Every case positioned after ``position`` has been handed out; the next page starts strictly
    before it (a short page with a cursor, as DynamoDB itself answers).
    """

    def __init__(self, position: str) -> None:
        super().__init__(position)
        self.position = position


class CaseStore(Protocol):
    def get(self, case_id: str) -> Case | None:
        """The case's current version (without derived deadlines), or None."""

    def create(self, case: Case, entry: HistoryEntry) -> None:
        """Write a new case and its first history entry together, or neither."""

    def replace(self, case: Case, entry: HistoryEntry, expected_version: int) -> None:
        """Replace the case if still at ``expected_version``, with its history entry; else VersionConflict."""

    def versions(self, case_id: str, *, after_version: int, limit: int) -> list[HistoryEntry]:
        """Up to ``limit`` history entries after ``after_version``, oldest first."""

    def cases_in_scope(
        self,
        scope: ListScope,
        filters: CaseFilters,
        *,
        before: str | None,
        page_size: int,
        read_limit: int | None = None,
    ) -> Iterator[tuple[str, Case]]:
        """(position, case) pairs in the scope, newest update first, strictly before ``before``.

        With ``filters.overdue`` True they come by next due date instead, latest first. Positions
        are opaque, ordered strings; the store reads ``page_size`` items a request. With
        ``read_limit``, it reads at most that many items from each source of the scope and then
        raises ReadLimitReached, whatever the filters left.
        """

    def next_reference_number(self, icb_code: str, year: int) -> int:
        """Atomically allocate the next number of an ICB's case references for a year."""

    def cases_due_by(self, icb_code: str, day: date) -> list[Case]:
        """Cases of ``icb_code`` whose next due date (``tracker.logic.due``) is on or before ``day``.

        One Query of the ICB's partition of the due index, never a Scan; soonest due first.
        """


class SubmissionLedger(Protocol):
    def submit_once(self, key: str, payload: Any, submit: Callable[[], str]) -> str:
        """Run ``submit`` at most once per key and return its case id (the first one on a replay).

        Raises KeyReused when the key comes back with another payload, KeyInProgress while the
        first request is still running.
        """


# -- ICB contacts and reminder digests -------------------------------------------------------------


class ContactStore(Protocol):
    def get(self, icb_code: str) -> IcbContacts | None:
        """The ICB's contacts as last recorded, or None when none ever were."""

    def put(self, contacts: IcbContacts, change: ContactsChange, expected_version: int) -> None:
        """Write the contacts and their history entry together if still at ``expected_version``
        (0: none recorded yet); else VersionConflict."""

    def changes(self, icb_code: str, *, after_version: int, limit: int) -> list[ContactsChange]:
        """Up to ``limit`` versions of the ICB's contacts after ``after_version``, oldest first."""


@dataclass(frozen=True)
class DigestClaim:
    """A run's hold on one ICB's digest for one ISO week.

    Recipients are known to the ledger only by their keys (``tracker.logic.reminders.recipient_key``:
    a SHA-256 of the address), never by address.
    """

    icb_code: str
    week: str
    token: str  # this run's own mark: only the holder may record, finish or release
    sent_to: frozenset[str] = frozenset()  # keys reached, or written down as being sent and never settled
    refused: frozenset[str] = frozenset()  # keys of recipients the email service refused for good


class DigestTaken(StrEnum):
    """Why a run could not claim a digest."""

    SENT = "sent"  # this week's digest is finished
    HELD = "held"  # another run holds it unfinished and its lease has not run out


class DigestLost(Exception):
    """Another run took over the digest (this run's hold expired): stop sending."""


class ReminderLedger(Protocol):
    def claim(
        self, icb_code: str, week: str, *, now: datetime, lease_seconds: int, keep_until: datetime
    ) -> DigestClaim | DigestTaken:
        """Take the ICB's digest for the week, atomically, or say why not (a hold whose
        ``lease_seconds`` have run out may be taken over). The record may be deleted after
        ``keep_until``."""

    def record_sending(self, claim: DigestClaim, recipient_key: str) -> None:
        """About to send to this recipient: until settled, a later claim counts it as reached
        (``sent_to``), since the email may have gone (DigestLost if the hold was lost)."""

    def record_sent(self, claim: DigestClaim, recipient_key: str) -> None:
        """Remember that this recipient has been sent the digest (DigestLost if the hold was lost)."""

    def record_refused(self, claim: DigestClaim, recipient_key: str) -> None:
        """Remember that the email service refused this recipient for good: not tried again this week."""

    def record_not_sent(self, claim: DigestClaim, recipient_key: str) -> None:
        """The email service did not take this email: a retry may send it."""

    def complete(self, claim: DigestClaim, *, reached: int, refused: int) -> None:
        """Mark the digest finished with how many recipients it reached and how many were refused:
        no later run sends it again this week, and the recipients' keys are no longer needed."""

    def release(self, claim: DigestClaim) -> None:
        """Give the hold up after a failure, so that a retry may finish the digest at once."""


class EmailRefused(Exception):
    """The email service refused this email for good (an invalid address, say): resending cannot help."""

    def __init__(self, status: int) -> None:
        super().__init__(f"refused with status {status}")  # never the service's answer: it may quote
        self.status = status


class EmailNotSent(Exception):
    """The email service did not take the email, for a reason that may pass (an outage, a rate
    limit, no connection): resending may succeed. ``status`` is None when no answer came."""

    def __init__(self, status: int | None) -> None:
        super().__init__("not sent: no answer" if status is None else f"not sent: status {status}")
        self.status = status


class EmailOutcomeUnknown(Exception):
    """The request reached the email service and no answer came back (a read timeout, a connection
    cut after sending): the email may have gone, so resending could send it twice.

    ``reason`` is the kind of failure (a type name), never the service's words.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"outcome unknown: {reason}")
        self.reason = reason


SEND_TIMEOUT_SECONDS = 10
"""The longest one email may take to send: a sender's timeouts add up to it (the reminders' lease
is sized on it)."""


class EmailSender(Protocol):
    def send(
        self, recipient: str, template_id: str, personalisation: dict[str, str | list[str]], reference: str
    ) -> None:
        """Send one templated email (GOV.UK Notify in AWS, an outbox folder locally). Raise
        EmailRefused when resending could never succeed, EmailOutcomeUnknown when the email may
        have gone; any other error (EmailNotSent, say) means it did not go, and may pass."""


# -- the read audit (who has seen a case) ----------------------------------------------------------


class AuditWriteFailed(Exception):
    """The audit entry could not be written (the store refused or did not answer): the read it
    records must not happen."""


class AuditTrail(Protocol):
    def record(self, entry: AccessEntry) -> None:
        """Append the entry, never overwriting one (AuditWriteFailed on any failure)."""

    def case_entries(self, case_id: str, *, before: str | None, limit: int) -> list[tuple[str, AccessEntry]]:
        """Up to ``limit`` (position, entry) pairs naming this case, newest first, strictly before
        the position ``before`` (opaque, ordered strings)."""

    def day_entries(self, day: date) -> Iterator[AccessEntry]:
        """Every entry of a UTC day, in the order they happened (ties by entry id)."""


class SealArchive(Protocol):
    def put_seal(self, day: date, body: bytes) -> None:
        """Keep a day's seal where nobody can change or delete it before its retention ends
        (SealExists when the day is sealed already)."""

    def get_seal(self, day: date) -> bytes | None:
        """The day's seal as written, or None when the day was never sealed."""


class SealExists(Exception):
    """The day has a seal already: a seal is written once."""
