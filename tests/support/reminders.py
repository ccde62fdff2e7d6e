"""In-memory contacts, reminder ledger and email sender, keeping the DynamoDB versions' promises."""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tracker.logic.ports import (
    DigestClaim,
    DigestLost,
    DigestTaken,
    EmailOutcomeUnknown,
    EmailRefused,
    VersionConflict,
)
from tracker.models.contacts import ContactsChange, IcbContacts


class InMemoryContactStore:
    def __init__(self) -> None:
        self.current: dict[str, IcbContacts] = {}
        self.versions: dict[str, list[ContactsChange]] = {}

    def get(self, icb_code: str) -> IcbContacts | None:
        return self.current.get(icb_code)

    def put(self, contacts: IcbContacts, change: ContactsChange, expected_version: int) -> None:
        now = self.current.get(contacts.icb_code)
        if (now.version if now else 0) != expected_version:
            raise VersionConflict
        self.current[contacts.icb_code] = contacts
        self.versions.setdefault(contacts.icb_code, []).append(change)

    def changes(self, icb_code: str, *, after_version: int, limit: int) -> list[ContactsChange]:
        found = [change for change in self.versions.get(icb_code, []) if change.version > after_version]
        return found[:limit]


@dataclass
class _Record:
    token: str
    lease_until: float
    expires_at: datetime
    sent: bool = False
    sent_to: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)
    reached_count: int | None = None
    refused_count: int | None = None


class InMemoryReminderLedger:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], _Record] = {}

    def claim(
        self, icb_code: str, week: str, *, now: datetime, lease_seconds: int, keep_until: datetime
    ) -> DigestClaim | DigestTaken:
        record = self.records.get((icb_code, week))
        moment = now.timestamp()
        if record is not None and record.sent:
            return DigestTaken.SENT
        if record is not None and record.lease_until >= moment:
            return DigestTaken.HELD
        token = str(uuid.uuid4())
        sent_to = set(record.sent_to) if record else set()
        refused = set(record.refused) if record else set()
        self.records[(icb_code, week)] = _Record(
            token, moment + lease_seconds, keep_until, sent_to=sent_to, refused=refused
        )
        return DigestClaim(icb_code, week, token, frozenset(sent_to), frozenset(refused))

    def _held(self, claim: DigestClaim) -> _Record:
        record = self.records[(claim.icb_code, claim.week)]
        if record.token != claim.token:
            raise DigestLost
        return record

    def record_sending(self, claim: DigestClaim, recipient_key: str) -> None:
        # A send written down counts as reached until settled otherwise, as a later claim sees it.
        self._held(claim).sent_to.add(recipient_key)

    def record_sent(self, claim: DigestClaim, recipient_key: str) -> None:
        self._held(claim).sent_to.add(recipient_key)

    def record_refused(self, claim: DigestClaim, recipient_key: str) -> None:
        record = self._held(claim)
        record.sent_to.discard(recipient_key)
        record.refused.add(recipient_key)

    def record_not_sent(self, claim: DigestClaim, recipient_key: str) -> None:
        self._held(claim).sent_to.discard(recipient_key)

    def complete(self, claim: DigestClaim, *, reached: int, refused: int) -> None:
        record = self._held(claim)
        record.sent, record.reached_count, record.refused_count = True, reached, refused
        record.sent_to.clear()  # as on DynamoDB: a finished digest keeps counts, not keys
        record.refused.clear()

    def release(self, claim: DigestClaim) -> None:
        record = self.records[(claim.icb_code, claim.week)]
        if record.token == claim.token:
            self.records[(claim.icb_code, claim.week)] = replace(record, lease_until=0)


@dataclass(frozen=True)
class Sent:
    recipient: str
    template_id: str
    personalisation: dict[str, Any]
    reference: str


class RecordingSender:
    """Keeps every email; ``fail_for`` recipients fail as Notify may for a while (an outage),
    ``refuse_for`` recipients as Notify does for good (400: an address it will not send to), and
    ``unanswered_for`` recipients' emails are taken (kept in ``sent``) but the answer times out."""

    def __init__(
        self,
        fail_for: frozenset[str] = frozenset(),
        refuse_for: frozenset[str] = frozenset(),
        unanswered_for: frozenset[str] = frozenset(),
    ) -> None:
        self.sent: list[Sent] = []
        self.attempts: list[str] = []
        self.fail_for = set(fail_for)
        self.refuse_for = set(refuse_for)
        self.unanswered_for = set(unanswered_for)

    def send(
        self, recipient: str, template_id: str, personalisation: dict[str, str | list[str]], reference: str
    ) -> None:
        self.attempts.append(recipient)
        if recipient in self.refuse_for:
            raise EmailRefused(400)
        if recipient in self.fail_for:
            raise ConnectionError("synthetic Notify failure")
        self.sent.append(Sent(recipient, template_id, dict(personalisation), reference))
        if recipient in self.unanswered_for:
            raise EmailOutcomeUnknown("ReadTimeout")
