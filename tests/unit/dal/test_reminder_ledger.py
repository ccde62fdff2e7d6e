"""The reminder ledger and contact store on DynamoDB (moto): the conditional writes that make a
digest go at most once per ICB and week, and contacts versions written with their history."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.api import CASES_TABLE, create_tables
from tracker.dal.contacts import DynamoContactStore
from tracker.dal.items import from_attribute_values
from tracker.dal.reminder_ledger import DynamoReminderLedger
from tracker.logic.ports import DigestClaim, DigestLost, DigestTaken, VersionConflict
from tracker.logic.reminders import recipient_key
from tracker.models.contacts import ContactsChange, IcbContacts

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
WEEK = "2026-W49"


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-2")
        create_tables(dynamodb)
        yield dynamodb


KEEP = datetime(2027, 1, 4, tzinfo=UTC)
ONE = recipient_key("lead.one@nhs.example")
TWO = recipient_key("lead.two@nhs.example")


def _claim(ledger: DynamoReminderLedger, icb: str, week: str, now: datetime) -> DigestClaim | DigestTaken:
    return ledger.claim(icb, week, now=now, lease_seconds=900, keep_until=KEEP)


def _item(client: Any, icb: str = "QE1", week: str = WEEK) -> dict[str, Any]:
    key = {"pk": {"S": f"REMINDER#{icb}#{week}"}, "sk": {"S": "DIGEST"}}
    return from_attribute_values(client.get_item(TableName=CASES_TABLE, Key=key, ConsistentRead=True)["Item"])


def test_one_claim_per_icb_week_until_released_or_its_lease_ends(client: Any) -> None:
    ledger = DynamoReminderLedger(client, CASES_TABLE)
    first = _claim(ledger, "QE1", WEEK, NOW)
    assert isinstance(first, DigestClaim) and first.sent_to == frozenset() and first.refused == frozenset()
    assert _claim(ledger, "QE1", WEEK, NOW + timedelta(minutes=5)) is DigestTaken.HELD
    assert isinstance(_claim(ledger, "QOP", WEEK, NOW), DigestClaim)  # another ICB
    assert isinstance(_claim(ledger, "QE1", "2026-W50", NOW), DigestClaim)  # another week
    ledger.record_sent(first, ONE)
    ledger.record_refused(first, TWO)
    ledger.release(first)
    retry = _claim(ledger, "QE1", WEEK, NOW + timedelta(minutes=6))
    assert isinstance(retry, DigestClaim)
    assert retry.sent_to == frozenset({ONE}) and retry.refused == frozenset({TWO})
    with pytest.raises(DigestLost):  # the first run's hold has gone to the retry
        ledger.record_sent(first, TWO)
    ledger.complete(retry, reached=1, refused=1)
    assert _claim(ledger, "QE1", WEEK, NOW + timedelta(days=3)) is DigestTaken.SENT


def test_an_expired_hold_is_taken_over(client: Any) -> None:
    ledger = DynamoReminderLedger(client, CASES_TABLE)
    crashed = _claim(ledger, "QE1", WEEK, NOW)
    assert isinstance(crashed, DigestClaim)
    assert _claim(ledger, "QE1", WEEK, NOW + timedelta(seconds=899)) is DigestTaken.HELD
    taken = _claim(ledger, "QE1", WEEK, NOW + timedelta(seconds=901))
    assert isinstance(taken, DigestClaim) and taken.token != crashed.token
    with pytest.raises(DigestLost):
        ledger.complete(crashed, reached=0, refused=0)


def test_the_record_holds_keys_not_addresses_an_expiry_and_only_counts_once_finished(client: Any) -> None:
    ledger = DynamoReminderLedger(client, CASES_TABLE)
    claim = _claim(ledger, "QE1", WEEK, NOW)
    assert isinstance(claim, DigestClaim)
    ledger.record_sent(claim, ONE)
    ledger.record_refused(claim, TWO)
    item = _item(client)
    assert item["expiresAt"] == int(KEEP.timestamp())
    assert set(item["reachedKeys"]) == {ONE} and set(item["refusedKeys"]) == {TWO}
    assert "@" not in json.dumps(item, default=str)
    ledger.complete(claim, reached=1, refused=1)
    finished = _item(client)
    assert finished["status"] == "SENT" and (finished["reachedCount"], finished["refusedCount"]) == (1, 1)
    assert "reachedKeys" not in finished and "refusedKeys" not in finished
    assert finished["expiresAt"] == int(KEEP.timestamp())


def test_a_claim_removes_addresses_an_earlier_release_stored(client: Any) -> None:
    legacy = {
        "pk": {"S": f"REMINDER#QE1#{WEEK}"},
        "sk": {"S": "DIGEST"},
        "status": {"S": "SENDING"},
        "leaseUntil": {"N": "0"},
        "token": {"S": "old"},
        "sentTo": {"SS": ["lead.one@nhs.example"]},
    }
    client.put_item(TableName=CASES_TABLE, Item=legacy)
    claim = _claim(DynamoReminderLedger(client, CASES_TABLE), "QE1", WEEK, NOW)
    assert isinstance(claim, DigestClaim)
    assert "sentTo" not in _item(client) and "@" not in json.dumps(_item(client), default=str)


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
