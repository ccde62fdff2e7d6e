"""moto in-process stack for the extracts tests, and the dal and logic tests that need a real table:
a table written through the real repository, its real stream output in Lambda's event shape, and the
reporting bucket."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from tracker import composition, settings
from tracker.dal.cases import DynamoCaseStore
from tracker.dal.schema import create_table_kwargs
from tracker.logic.cases import history_entry
from tracker.logic.due import next_due_date
from tracker.models.case import Case

TABLE = "scrt-cases-test"
BUCKET = "scrt-reporting-test"
REGION = "eu-west-2"
CANARY = "CANARY-7f3e9b1c-restricted-text"

# Synthetic ICBs from the reference data: two in the South West (Y58), one in London (Y56).
DEVON = ("QJK", "Y58")
DORSET = ("QVV", "Y58")
SOUTH_EAST_LONDON = ("QKK", "Y56")


class FakeContext:
    function_name = "publish_changes"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:publish_changes"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/publish_changes"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def build_case(
    *,
    icb: tuple[str, str] = DEVON,
    version: int = 1,
    updated_at: datetime | None = None,
    case_id: str | None = None,
    number: int = 1,
    **fields: Any,
) -> Case:
    """A valid case with synthetic data only (no names, NHS numbers or postcodes)."""
    created = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    updated = updated_at or created + timedelta(hours=version - 1)
    record: dict[str, Any] = {
        "caseId": case_id or str(uuid.uuid4()),
        "reference": f"{icb[0]}-2026-{number:04d}",
        "version": version,
        "regionCode": icb[1],
        "createdAt": created.isoformat(),
        "createdBy": "icb_editor:test",
        "updatedAt": updated.isoformat(),
        "updatedBy": "icb_editor:test",
        "icbCode": icb[0],
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": "2026-01-10",
        "dateAdded": "2026-02-01",
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children's Partnership",
        "themes": ["NEGLECT", "DOMESTIC_ABUSE"],
        "recommendations": [
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "Share, review and agree the escalation pathway",
                "owner": "Synthetic Trust",
                "dueDate": "2026-03-01",
                "status": "IN_PROGRESS",
            },
            {
                "recommendationId": "R2",
                "theme": "DOMESTIC_ABUSE",
                "text": "Routine enquiry training",
                "owner": "Synthetic ICB",
                "dueDate": "2026-12-31",
                "status": "NOT_STARTED",
                "evidence": "Training plan drafted",
            },
        ],
        "otherIdentifiers": [{"type": "LOCAL_AUTHORITY", "value": "LA-0001"}],
        **fields,
    }
    return Case.model_validate(record)


def record_of(case: Case) -> dict[str, Any]:
    return case.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass
class Stack:
    """The moto table, bucket and stream, written through the real repository."""

    dynamodb: Any
    streams: Any
    s3: Any
    repository: DynamoCaseStore
    stream_arn: str
    _iterators: dict[str, str] = field(default_factory=dict)

    def create(self, case: Case) -> Case:
        record = record_of(case)
        self.repository.create(case, history_entry(case, sorted(record)))
        return case

    def update(self, case: Case, **changes: Any) -> Case:
        record = {
            **record_of(case),
            **changes,
            "version": case.version + 1,
            "updatedAt": (case.updated_at + timedelta(hours=1)).isoformat(),
        }
        updated = Case.model_validate({name: value for name, value in record.items() if value is not None})
        self.repository.replace(updated, history_entry(updated, sorted(changes)), case.version)
        return updated

    def remove(self, case: Case) -> None:
        self.dynamodb.delete_item(
            TableName=TABLE, Key={"pk": {"S": f"CASE#{case.case_id}"}, "sk": {"S": "CASE"}}
        )

    def read_stream(self) -> list[dict[str, Any]]:
        """New records of every shard since the last read, in Lambda's event record shape."""
        records: list[dict[str, Any]] = []
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            iterator = (
                self._iterators.get(shard_id)
                or self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            while True:
                response = self.streams.get_records(ShardIterator=iterator)
                records.extend(lambda_record(raw, self.stream_arn) for raw in response["Records"])
                next_iterator = response.get("NextShardIterator")
                if not response["Records"] or not next_iterator:
                    break
                iterator = next_iterator
            if next_iterator:
                self._iterators[shard_id] = next_iterator
        return records

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        return {key: composition.read_extract(key) for key in composition.list_extracts(prefix)}

    def clear_bucket(self) -> None:
        for key in composition.list_extracts():
            self.s3.delete_object(Bucket=BUCKET, Key=key)


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """Lambda's record shape: eventSourceARN added, ApproximateCreationDateTime in epoch seconds."""
    data = dict(raw["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**raw, "dynamodb": data, "eventSourceARN": stream_arn}


def lambda_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    # moto 5.2 misroutes DynamoDB Streams calls from botocore 1.44 without this.
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(settings.CASES_TABLE_NAME, TABLE)
    monkeypatch.setenv(settings.REPORTING_BUCKET_NAME, BUCKET)
    import boto3

    with mock_aws():
        composition.reset()
        # Typed Any: the stubs want TypedDicts where the shared schema gives plain dicts.
        dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
        table = dynamodb.create_table(**create_table_kwargs(TABLE))["TableDescription"]
        s3: Any = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield Stack(
            dynamodb=dynamodb,
            streams=boto3.client("dynamodbstreams", region_name=REGION),
            s3=s3,
            repository=DynamoCaseStore(dynamodb, TABLE, next_due=next_due_date),
            stream_arn=table["LatestStreamArn"],
        )
        composition.reset()
