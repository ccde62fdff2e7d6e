"""At most one digest per contact per week, even when the ledger's write that records a send fails
after Notify accepted the email (a throttled write): the retry must not e-mail that contact again.

The fault is injected at the DynamoDB client: the write recording a recipient as reached raises the
throttling error the SDK raises once its own retries are spent."""

from datetime import timedelta
from typing import Any

from tests.support.api import CASES_TABLE
from tests.support.memory import InMemoryCaseStore
from tests.support.reminders import RecordingSender
from tests.unit.logic.test_reminders_digest import (
    APP,
    MONDAY,
    NOW,
    TEMPLATE,
    Clock,
    make_case,
    recommendation,
)
from tracker.dal.reminder_ledger import REACHED_KEYS, DynamoReminderLedger
from tracker.logic.ports import EmailSender
from tracker.logic.reminders import LEASE_SECONDS, DigestOutcome, ReminderService
from tracker.reference import reference_data

CONTACTS = {"QE1": ["lead.one@nhs.example", "lead.two@nhs.example"]}


class ThrottleRecordingReached:
    """Makes the client's UpdateItem that adds a recipient to the reached keys fail as DynamoDB does
    when a write is throttled beyond the SDK's retries, while active."""

    def __init__(self, client: Any) -> None:
        self.active = True
        self.injected = 0
        self._client = client
        self._update_item = client.update_item

    def __call__(self, **request: Any) -> Any:
        adds_reached = (
            request.get("UpdateExpression", "").startswith("ADD")
            and REACHED_KEYS in request.get("ExpressionAttributeNames", {}).values()
        )
        if self.active and adds_reached:
            self.injected += 1
            raise self._client.exceptions.ProvisionedThroughputExceededException(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}},
                "UpdateItem",
            )
        return self._update_item(**request)


def overdue_cases() -> InMemoryCaseStore:
    store = InMemoryCaseStore()
    case = make_case(
        reviewType="CSPR",
        stage="IN_PROGRESS",
        dateAdded="2026-05-20",
        recommendations=[recommendation("R7", "2026-12-01")],
    )
    store.cases[case.case_id] = case
    return store


def reminder_service(
    store: InMemoryCaseStore, ledger: DynamoReminderLedger, sender: EmailSender, clock: Clock
) -> ReminderService:
    return ReminderService(
        store,
        lambda icb: CONTACTS.get(icb, []),
        ledger,
        sender,
        reference_data(),
        template_id=TEMPLATE,
        app_base_url=APP,
        now=clock,
    )


def test_a_send_notify_accepted_but_the_ledger_could_not_record_is_not_sent_again(dynamodb: Any) -> None:
    store, sender = overdue_cases(), RecordingSender()
    ledger = DynamoReminderLedger(dynamodb, CASES_TABLE)
    throttle = ThrottleRecordingReached(dynamodb)
    dynamodb.update_item = throttle

    first = reminder_service(store, ledger, sender, Clock(NOW)).run(MONDAY)
    assert throttle.injected > 0  # the fault was met
    assert first.outcomes["QE1"] is DigestOutcome.FAILED and first.needs_retry
    accepted = [mail.recipient for mail in sender.sent]
    assert accepted == ["lead.one@nhs.example"]  # Notify took it; recording it failed

    throttle.active = False  # the throttling passes; Lambda's retry runs after the lease
    retry = reminder_service(store, ledger, sender, Clock(NOW + timedelta(seconds=LEASE_SECONDS + 1)))
    second = retry.run(MONDAY)

    assert second.outcomes["QE1"] is DigestOutcome.SENT and not second.needs_retry
    sent = sorted(mail.recipient for mail in sender.sent)
    assert sent == sorted(CONTACTS["QE1"])  # each contact once: the second run sent lead.two only
    third = retry.run(MONDAY)
    assert third.outcomes["QE1"] is DigestOutcome.ALREADY_SENT and len(sender.sent) == 2


def test_a_send_that_failed_is_still_sent_by_the_retry(dynamodb: Any) -> None:
    """Writing a send down before making it must not cost a contact the digest when Notify did not
    take it (an outage): the retry sends it."""
    store = overdue_cases()
    ledger = DynamoReminderLedger(dynamodb, CASES_TABLE)
    outage = RecordingSender(fail_for=frozenset({"lead.two@nhs.example"}))
    first = reminder_service(store, ledger, outage, Clock(NOW)).run(MONDAY)
    assert first.outcomes["QE1"] is DigestOutcome.FAILED

    sender = RecordingSender()
    second = reminder_service(store, ledger, sender, Clock(NOW + timedelta(minutes=1))).run(MONDAY)
    assert second.outcomes["QE1"] is DigestOutcome.SENT
    assert [mail.recipient for mail in outage.sent + sender.sent] == CONTACTS["QE1"]
