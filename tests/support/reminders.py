"""In-memory contacts, reminder ledger and email sender, keeping the DynamoDB versions' promises."""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tracker.logic.ports import DigestClaim, DigestLost, VersionConflict
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
    sent: bool = False
    sent_to: set[str] = field(default_factory=set)


class InMemoryReminderLedger:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], _Record] = {}

    def claim(self, icb_code: str, week: str, *, now: datetime, lease_seconds: int) -> DigestClaim | None:
        record = self.records.get((icb_code, week))
        moment = now.timestamp()
        if record is not None and (record.sent or record.lease_until >= moment):
            return None
        token = str(uuid.uuid4())
        sent_to = set(record.sent_to) if record else set()
        self.records[(icb_code, week)] = _Record(token, moment + lease_seconds, sent_to=sent_to)
        return DigestClaim(icb_code, week, token, frozenset(sent_to))

    def _held(self, claim: DigestClaim) -> _Record:
        record = self.records[(claim.icb_code, claim.week)]
        if record.token != claim.token:
            raise DigestLost
        return record

    def record_sent(self, claim: DigestClaim, recipient: str) -> None:
        self._held(claim).sent_to.add(recipient)

    def complete(self, claim: DigestClaim) -> None:
        self._held(claim).sent = True

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
    """Keeps every email; ``fail_for`` recipients raise, as Notify would on an error."""

    def __init__(self, fail_for: frozenset[str] = frozenset()) -> None:
        self.sent: list[Sent] = []
        self.fail_for = set(fail_for)

    def send(
        self, recipient: str, template_id: str, personalisation: dict[str, str | list[str]], reference: str
    ) -> None:
        if recipient in self.fail_for:
            raise ConnectionError("synthetic Notify failure")
        self.sent.append(Sent(recipient, template_id, dict(personalisation), reference))
