"""The reminder ledger and contact store on DynamoDB (moto): the conditional writes that make a
digest go at most once per ICB and week, and contacts versions written with their history."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.api import CASES_TABLE, create_tables
from tracker.dal.contacts import DynamoContactStore
from tracker.dal.reminder_ledger import DynamoReminderLedger
from tracker.logic.ports import DigestLost, VersionConflict
from tracker.models.contacts import ContactsChange, IcbContacts

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
WEEK = "2026-W49"


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-2")
        create_tables(dynamodb)
        yield dynamodb


def test_one_claim_per_icb_week_until_released_or_its_lease_ends(client: Any) -> None:
    ledger = DynamoReminderLedger(client, CASES_TABLE)
    first = ledger.claim("QE1", WEEK, now=NOW, lease_seconds=900)
    assert first is not None and first.sent_to == frozenset()
    assert ledger.claim("QE1", WEEK, now=NOW + timedelta(minutes=5), lease_seconds=900) is None
    assert ledger.claim("QOP", WEEK, now=NOW, lease_seconds=900) is not None  # another ICB
    assert ledger.claim("QE1", "2026-W50", now=NOW, lease_seconds=900) is not None  # another week
    ledger.record_sent(first, "lead.one@nhs.example")
    ledger.release(first)
    retry = ledger.claim("QE1", WEEK, now=NOW + timedelta(minutes=6), lease_seconds=900)
    assert retry is not None and retry.sent_to == frozenset({"lead.one@nhs.example"})
    with pytest.raises(DigestLost):  # the first run's hold has gone to the retry
        ledger.record_sent(first, "lead.two@nhs.example")
    ledger.complete(retry)
    assert ledger.claim("QE1", WEEK, now=NOW + timedelta(days=3), lease_seconds=900) is None  # sent


def test_an_expired_hold_is_taken_over(client: Any) -> None:
    ledger = DynamoReminderLedger(client, CASES_TABLE)
    crashed = ledger.claim("QE1", WEEK, now=NOW, lease_seconds=900)
    assert crashed is not None
    assert ledger.claim("QE1", WEEK, now=NOW + timedelta(seconds=899), lease_seconds=900) is None
    taken = ledger.claim("QE1", WEEK, now=NOW + timedelta(seconds=901), lease_seconds=900)
    assert taken is not None and taken.token != crashed.token
    with pytest.raises(DigestLost):
        ledger.complete(crashed)


def _contacts(version: int, emails: list[str]) -> tuple[IcbContacts, ContactsChange]:
    contacts = IcbContacts.model_validate(
        {"icbCode": "QE1", "emails": emails, "version": version, "updatedAt": NOW, "updatedBy": "x"}
    )
    change = ContactsChange.model_validate(
        {"version": version, "changedAt": NOW, "changedBy": "x", "before": [], "after": emails}
    )
    return contacts, change


def test_contacts_are_written_with_their_version_on_condition(client: Any) -> None:
    store = DynamoContactStore(client, CASES_TABLE)
    assert store.get("QE1") is None
    store.put(*_contacts(1, ["lead.one@nhs.example"]), expected_version=0)
    with pytest.raises(VersionConflict):  # a second "first" write loses
        store.put(*_contacts(1, ["lead.two@nhs.example"]), expected_version=0)
    store.put(*_contacts(2, ["lead.two@nhs.example"]), expected_version=1)
    with pytest.raises(VersionConflict):
        store.put(*_contacts(3, ["lead.three@nhs.example"]), expected_version=1)
    current = store.get("QE1")
    assert current is not None and (current.version, current.emails) == (2, ["lead.two@nhs.example"])
    assert [change.version for change in store.changes("QE1", after_version=0, limit=10)] == [1, 2]
    assert [change.version for change in store.changes("QE1", after_version=1, limit=10)] == [2]
