"""At most one digest per contact per week when Notify takes an email but its answer never comes
back (a read timeout, a connection cut after the request was sent): the email may have gone, so
no run sends it again, although the client reports it with the status of an outage (503).

The fault is injected at a loopback stand-in for Notify, through the real Notify adapter and the
DynamoDB ledger (moto): the stand-in reads the request, then answers too late or cuts the line."""

from datetime import timedelta
from typing import Any

import pytest

from tests.support.api import CASES_TABLE
from tests.support.notify_stub import NotifyStub
from tests.unit.logic.test_reminders_digest import MONDAY, NOW, Clock
from tests.unit.logic.test_reminders_sent_once_when_recording_fails import (
    CONTACTS,
    overdue_cases,
    reminder_service,
)
from tracker.dal.items import from_attribute_values
from tracker.dal.notify import NotifyEmailSender
from tracker.dal.reminder_ledger import REACHED_KEYS, SENDING_KEYS, DynamoReminderLedger
from tracker.dal.schema import REMINDER_SK, reminder_pk
from tracker.logic.reminders import LEASE_SECONDS, DigestOutcome, iso_week, recipient_key

LEAD_ONE, LEAD_TWO = CONTACTS["QE1"]
# connect, read: the stand-in's late answer comes well after the read timeout, and its usual answer
# (in this process, under coverage, on a busy machine) well within it.
SHORT_TIMEOUT = (2.0, 1.0)
LATE_ANSWER_SECONDS = 2.5


def _ledger_record(dynamodb: Any) -> dict[str, Any]:
    key = {"pk": {"S": reminder_pk("QE1", iso_week(MONDAY))}, "sk": {"S": REMINDER_SK}}
    return from_attribute_values(
        dynamodb.get_item(TableName=CASES_TABLE, Key=key, ConsistentRead=True)["Item"]
    )


def _sender(notify: NotifyStub, api_key: tuple[str, str, str]) -> NotifyEmailSender:
    return NotifyEmailSender(lambda: api_key[0], notify.url, timeout=SHORT_TIMEOUT)


def test_a_send_whose_answer_timed_out_is_not_resent_by_the_retry_another_failure_needs(
    notify: NotifyStub, api_key: tuple[str, str, str], dynamodb: Any
) -> None:
    store, ledger = overdue_cases(), DynamoReminderLedger(dynamodb, CASES_TABLE)
    notify.delay_for[LEAD_ONE] = LATE_ANSWER_SECONDS  # taken, answered after the client stopped waiting
    notify.status_for[LEAD_TWO] = 500  # an outage: not taken, so the digest is left for a retry
    first = reminder_service(store, ledger, _sender(notify, api_key), Clock(NOW)).run(MONDAY)
    after_first = _ledger_record(dynamodb)

    notify.delay_for.clear()
    notify.status_for.clear()
    retry = reminder_service(store, ledger, _sender(notify, api_key), Clock(NOW + timedelta(minutes=1)))
    second = retry.run(MONDAY)

    assert notify.emails_to(LEAD_ONE) == 1  # not e-mailed again
    assert notify.emails_to(LEAD_TWO) == 1  # the outage's email, sent by the retry
    assert first.outcomes["QE1"] is DigestOutcome.FAILED and first.needs_retry
    assert first.unconfirmed == {"QE1": ["ReadTimeout"]}
    # Between the runs the timed-out send was still written down as being sent, not as reached.
    assert set(after_first.get(SENDING_KEYS, ())) == {recipient_key(LEAD_ONE)}
    assert REACHED_KEYS not in after_first
    assert second.outcomes["QE1"] is DigestOutcome.SENT and not second.needs_retry
    assert second.unconfirmed == {}


@pytest.mark.parametrize("fault", ["read timeout", "connection cut after sending"])
def test_a_send_with_no_answer_finishes_the_digest_counted_and_is_never_resent(
    notify: NotifyStub, api_key: tuple[str, str, str], dynamodb: Any, fault: str
) -> None:
    """Nothing a retry could mend: the digest is finished (a retry would only be told it is
    already sent) and the send is reported as unconfirmed, for an operator to check in Notify."""
    store, ledger = overdue_cases(), DynamoReminderLedger(dynamodb, CASES_TABLE)
    if fault == "read timeout":
        notify.delay_for[LEAD_ONE] = LATE_ANSWER_SECONDS
    else:
        notify.reset_for.add(LEAD_ONE)
    first = reminder_service(store, ledger, _sender(notify, api_key), Clock(NOW)).run(MONDAY)
    notify.delay_for.clear()
    notify.reset_for.clear()
    later = Clock(NOW + timedelta(seconds=LEASE_SECONDS + 1))
    second = reminder_service(store, ledger, _sender(notify, api_key), later).run(MONDAY)

    assert notify.emails_to(LEAD_ONE) == 1 and notify.emails_to(LEAD_TWO) == 1
    assert first.outcomes["QE1"] is DigestOutcome.SENT and not first.needs_retry
    assert first.unconfirmed == {"QE1": ["ReadTimeout" if fault == "read timeout" else "ConnectionError"]}
    assert first.unconfirmed_count == 1
    assert second.outcomes["QE1"] is DigestOutcome.ALREADY_SENT and second.unconfirmed == {}
    record = _ledger_record(dynamodb)
    assert record["reachedCount"] == 2 and SENDING_KEYS not in record  # finished: counts, no keys
