"""The in-memory reminder ledger with sends written down before they are made, as the DynamoDB
ledger keeps them (``tracker.logic.reminders.SendingLedger``). To fold into
``tests/support/reminders.InMemoryReminderLedger`` when the port gains the two methods."""

from tests.support.reminders import InMemoryReminderLedger
from tracker.logic.ports import DigestClaim


class InMemorySendingLedger(InMemoryReminderLedger):
    """A send written down counts as reached until settled otherwise, as a later claim sees it."""

    def record_sending(self, claim: DigestClaim, recipient_key: str) -> None:
        self._held(claim).sent_to.add(recipient_key)

    def record_not_sent(self, claim: DigestClaim, recipient_key: str) -> None:
        self._held(claim).sent_to.discard(recipient_key)

    def record_refused(self, claim: DigestClaim, recipient_key: str) -> None:
        self._held(claim).sent_to.discard(recipient_key)
        super().record_refused(claim, recipient_key)
