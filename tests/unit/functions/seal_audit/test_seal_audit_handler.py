"""seal_audit over moto: the scheduled run seals the UTC day before into a locked bucket, a retry
leaves the seal as it is, and the day then verifies (a day's entries changed later do not)."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.api import LambdaContextStub
from tracker import composition, settings
from tracker.dal import schema
from tracker.dal.audit import DynamoAuditTrail
from tracker.models.access_log import AccessEntry

TABLE = "scrt-audit-test"
BUCKET = "scrt-audit-archive-test"


def _entry(second: int) -> AccessEntry:
    return AccessEntry.model_validate(
        {
            "entryId": f"00000000-0000-4000-8000-{second:012d}",
            "at": f"2026-11-25T23:59:{second:02d}.000000Z",
            "role": "national",
            "org": "X24",
            "sub": f"national-{second}",
            "action": "read_case",
            "caseIds": ["0b5d3f44-4a8e-4c1b-9a55-2f7f3f0d6c11"],
            "channel": "api",
            "outcome": "answered",
        }
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv(settings.AUDIT_TABLE_NAME, TABLE)
    monkeypatch.setenv(settings.AUDIT_ARCHIVE_BUCKET_NAME, BUCKET)
    with mock_aws():
        composition.reset()
        dynamodb: Any = boto3.client("dynamodb", region_name="eu-west-2")
        dynamodb.create_table(**schema.create_audit_table_kwargs(TABLE))
        s3: Any = boto3.client("s3", region_name="eu-west-2")
        s3.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
            ObjectLockEnabledForBucket=True,
        )
        trail = DynamoAuditTrail(dynamodb, TABLE, retention_days=7305)
        for second in (1, 2, 3):
            trail.record(_entry(second))
        yield dynamodb
    composition.reset()


def test_the_schedule_seals_the_day_before_once(aws: Any) -> None:
    from functions.seal_audit.handler import lambda_handler

    event = {"time": "2026-11-26T00:30:00Z", "detail-type": "Scheduled Event"}
    first = lambda_handler(event, LambdaContextStub())
    assert (first["auditDay"], first["entries"]) == ("2026-11-25", 3)
    again = lambda_handler(event, LambdaContextStub())
    assert again == {"auditDay": "2026-11-25", "alreadySealed": True}
    assert composition.run_audit_verify(date(2026, 11, 25)).intact

    aws.delete_item(TableName=TABLE, Key={"pk": {"S": schema.audit_entry_pk(_entry(2).entry_id)}})
    result = composition.run_audit_verify(date(2026, 11, 25))
    assert result.removed == [_entry(2).entry_id] and not result.intact
