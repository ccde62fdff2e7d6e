"""The read audit's DynamoDB store and the seals' S3 archive, over moto."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tracker.dal import schema
from tracker.dal.audit import DynamoAuditTrail, S3SealArchive, seal_key
from tracker.logic.ports import AuditWriteFailed, SealExists
from tracker.models.access_log import AccessEntry

TABLE = "scrt-audit-test"
BUCKET = "scrt-audit-archive-test"
CASE_ID = "0b5d3f44-4a8e-4c1b-9a55-2f7f3f0d6c11"
OTHER_CASE_ID = "5a0c2b1e-7d7b-4e55-8f0e-0c9d1b2a3e44"


def entry(
    second: int, *, action: str = "read_case", case_ids: tuple[str, ...] = (CASE_ID,), **more: Any
) -> AccessEntry:
    return AccessEntry.model_validate(
        {
            "entryId": f"00000000-0000-4000-8000-{second:012d}",
            "at": f"2026-11-26T09:00:{second:02d}.000000Z",
            "role": "icb_viewer",
            "org": "QE1",
            "sub": f"viewer-{second}",
            "action": action,
            "caseIds": case_ids,
            "channel": "web",
            "requestId": f"request-{second}",
            "outcome": "answered",
            **more,
        }
    )


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb: Any = boto3.client("dynamodb", region_name="eu-west-2")
        dynamodb.create_table(**schema.create_audit_table_kwargs(TABLE))
        yield dynamodb


def test_an_entry_is_written_once_and_never_overwritten(client: Any) -> None:
    trail = DynamoAuditTrail(client, TABLE, retention_days=7305)
    first = entry(1)
    trail.record(first)
    with pytest.raises(AuditWriteFailed):
        trail.record(first.model_copy(update={"sub": "someone-else"}))
    (stored,) = list(trail.day_entries(date(2026, 11, 26)))
    assert stored == first


def test_it_expires_only_after_the_retention(client: Any) -> None:
    DynamoAuditTrail(client, TABLE, retention_days=7305).record(entry(1))
    (item,) = client.scan(TableName=TABLE)["Items"]  # test inspection only
    expires = datetime.fromtimestamp(int(item[schema.AUDIT_TTL_ATTRIBUTE]["N"]), UTC)
    assert expires - datetime(2026, 11, 26, 9, 0, 1, tzinfo=UTC) == timedelta(days=7305)


def test_a_case_s_entries_come_newest_first_and_page_strictly_before(client: Any) -> None:
    trail = DynamoAuditTrail(client, TABLE, retention_days=7305)
    for second in range(1, 6):
        trail.record(entry(second))
    trail.record(entry(6, case_ids=(OTHER_CASE_ID,)))
    trail.record(entry(7, action="list_cases", case_ids=(CASE_ID, OTHER_CASE_ID)))  # by day only
    first = trail.case_entries(CASE_ID, before=None, limit=2)
    assert [found.sub for _, found in first] == ["viewer-5", "viewer-4"]
    rest = trail.case_entries(CASE_ID, before=first[-1][0], limit=10)
    assert [found.sub for _, found in rest] == ["viewer-3", "viewer-2", "viewer-1"]


def test_a_day_s_entries_come_in_order_with_the_list_pages(client: Any) -> None:
    trail = DynamoAuditTrail(client, TABLE, retention_days=7305)
    for second in (3, 1, 2):
        trail.record(entry(second, action="list_cases", case_ids=(CASE_ID, OTHER_CASE_ID)))
    assert [found.sub for found in trail.day_entries(date(2026, 11, 26))] == [
        "viewer-1",
        "viewer-2",
        "viewer-3",
    ]
    assert list(trail.day_entries(date(2026, 11, 27))) == []


def test_an_unreachable_table_is_a_failed_write(client: Any) -> None:
    trail = DynamoAuditTrail(client, "no-such-table", retention_days=7305)
    with pytest.raises(AuditWriteFailed):
        trail.record(entry(1))


def test_a_seal_goes_under_object_lock_once(client: Any) -> None:
    s3: Any = boto3.client("s3", region_name="eu-west-2")
    s3.create_bucket(
        Bucket=BUCKET,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
        ObjectLockEnabledForBucket=True,
    )
    archive = S3SealArchive(s3, BUCKET, lock_days=7305)
    day = date(2026, 11, 26)
    assert archive.get_seal(day) is None
    archive.put_seal(day, b'{"day":"2026-11-26"}')
    assert archive.get_seal(day) == b'{"day":"2026-11-26"}'
    head = s3.head_object(Bucket=BUCKET, Key=seal_key(day))
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=7300)
    with pytest.raises(SealExists):
        archive.put_seal(day, b'{"day":"2026-11-26","forged":true}')
    assert archive.get_seal(day) == b'{"day":"2026-11-26"}'
