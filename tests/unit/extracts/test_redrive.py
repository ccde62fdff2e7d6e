"""Redrive: after batches fail for good, every version reaches changes/ once and current/ is right."""

import json
from typing import Any

import pytest

from functions.publish_changes import handler as publish_handler
from functions.redrive_stream_failures import handler as redrive_handler
from tests.support.extracts_fixtures import (
    DORSET,
    REGION,
    FakeContext,
    Stack,
    build_case,
    lambda_event,
)
from tracker import composition, settings
from tracker.extracts.keys import change_key, current_key
from tracker.extracts.redrive import case_ids_of_failure

FAILED_BUCKET = "scrt-failed-records-test"


@pytest.fixture
def failures(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(settings.FAILED_RECORDS_BUCKET_NAME, FAILED_BUCKET)
    composition.reset()
    stack.s3.create_bucket(Bucket=FAILED_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return stack.s3


def lambda_failure_record(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What Lambda writes to an S3 on-failure destination for a stream batch: metadata and the payload."""
    return {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 3},
        "DDBStreamBatchInfo": {"batchSize": len(records), "streamArn": records[0]["eventSourceARN"]},
        "payload": {"Records": records},
    }


def test_redrive_fills_the_holes_exactly_once_and_clears_the_inbox(stack: Stack, failures: Any) -> None:
    """GIVEN three versions whose stream batch failed for good WHEN redriven twice THEN each is there once."""
    case = stack.create(build_case())
    case = stack.update(case, stage="REPORT_SIGNED_OFF", reportSignedOffDate="2026-06-01")
    case = stack.update(case, localReference="L-9")
    records = stack.read_stream()
    failures.put_object(
        Bucket=FAILED_BUCKET, Key="batch-1.json", Body=json.dumps(lambda_failure_record(records))
    )
    assert stack.objects("changes/") == {}

    first = redrive_handler.lambda_handler({}, FakeContext())
    assert (first["records"], first["cases"]) == (1, 1)
    changes = stack.objects("changes/")
    assert sorted(changes) == [
        change_key(case.case_id, number, case.updated_at.date()) for number in (1, 2, 3)
    ]
    current = stack.objects("current/")
    assert list(current) == [current_key(case.region_code, case.icb_code, case.case_id)]
    assert json.loads(current[next(iter(current))])["localReference"] == "L-9"
    assert failures.list_objects_v2(Bucket=FAILED_BUCKET).get("KeyCount") == 0

    again = redrive_handler.lambda_handler({}, FakeContext())
    assert again["records"] == 0
    assert stack.objects("changes/") == changes


def test_redrive_removes_the_copy_left_at_the_icb_a_case_moved_from(stack: Stack, failures: Any) -> None:
    case = stack.create(build_case())
    assert (
        publish_handler.lambda_handler(lambda_event(stack.read_stream()), FakeContext())["batchItemFailures"]
        == []
    )
    old_location = current_key(case.region_code, case.icb_code, case.case_id)
    moved = stack.update(case, icbCode=DORSET[0], regionCode=DORSET[1])
    failures.put_object(
        Bucket=FAILED_BUCKET, Key="batch-2.json", Body=json.dumps(lambda_failure_record(stack.read_stream()))
    )
    redrive_handler.lambda_handler({}, FakeContext())
    assert list(stack.objects("current/")) == [current_key(DORSET[1], DORSET[0], moved.case_id)]
    assert old_location not in stack.objects("current/")


def test_a_record_without_keys_is_kept_for_an_operator(stack: Stack, failures: Any) -> None:
    failures.put_object(
        Bucket=FAILED_BUCKET, Key="metadata-only.json", Body=json.dumps({"DDBStreamBatchInfo": {}})
    )
    report = redrive_handler.lambda_handler({}, FakeContext())
    assert report["recordsWithoutCases"] == ["metadata-only.json"]
    assert failures.list_objects_v2(Bucket=FAILED_BUCKET)["KeyCount"] == 1


def test_the_local_stacks_failure_records_name_their_cases() -> None:
    record = {"records": [{"eventName": "MODIFY", "keys": {"pk": {"S": "CASE#abc"}, "sk": {"S": "CASE"}}}]}
    assert case_ids_of_failure(record) == {"abc"}
    assert case_ids_of_failure({"records": [{"keys": {"pk": {"S": "REFCOUNTER#QE1#2026"}}}]}) == set()


def test_a_case_that_cannot_be_read_does_not_hold_back_the_others(stack: Stack, failures: Any) -> None:
    """GIVEN a failure record naming a good case and a poison item WHEN redriven THEN the good one is out."""
    good = stack.create(build_case())
    records = stack.read_stream()
    poison_id = "00000000-0000-4000-8000-00000000dead"
    stack.dynamodb.put_item(
        TableName="scrt-cases-test",
        Item={"pk": {"S": f"CASE#{poison_id}"}, "sk": {"S": "CASE"}, "version": {"S": "not a number"}},
    )
    poison_keys = {"Keys": {"pk": {"S": f"CASE#{poison_id}"}, "sk": {"S": "CASE"}}}
    record = lambda_failure_record(records)
    record["payload"]["Records"].append({"dynamodb": poison_keys})
    failures.put_object(Bucket=FAILED_BUCKET, Key="mixed.json", Body=json.dumps(record))

    report = redrive_handler.lambda_handler({}, FakeContext())
    assert report["casesFailed"] == [poison_id]
    assert list(stack.objects("current/")) == [current_key(good.region_code, good.icb_code, good.case_id)]
    assert failures.list_objects_v2(Bucket=FAILED_BUCKET)["KeyCount"] == 1  # kept for the next run
