"""publish_changes end to end: real stream records from moto, the real handler, objects in moto S3."""

import json
import random
from typing import Any

import pytest

from functions.publish_changes import handler
from tests.support.extracts_fixtures import (
    BUCKET,
    DEVON,
    DORSET,
    SOUTH_EAST_LONDON,
    FakeContext,
    Stack,
    build_case,
    lambda_event,
)
from tracker.dal.case_stream import EVENT_SOURCE_FILTER_PATTERN
from tracker.dal.extract_store import SCHEMA_VERSION_METADATA, ExtractStore
from tracker.extracts.columns import SCHEMA_VERSION, changes_columns, current_columns
from tracker.extracts.keys import change_key, current_key


def invoke(records: list[dict[str, Any]]) -> dict[str, Any]:
    return handler.lambda_handler(lambda_event(records), FakeContext())


def case_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for record in records if record["dynamodb"]["Keys"]["sk"]["S"] == "CASE"]


def body(stack: Stack, key: str) -> dict[str, Any]:
    return json.loads(stack.objects(key)[key])


def test_submit_and_two_updates_give_three_changes_and_one_current(stack: Stack) -> None:
    case = stack.create(build_case())
    case = stack.update(case, stage="REPORT_SIGNED_OFF", reportSignedOffDate="2026-06-01")
    case = stack.update(case, status="CLOSED", stage="PUBLISHED", publicationDate="2026-06-10")
    records = stack.read_stream()

    assert invoke(records) == {"batchItemFailures": []}

    changes = stack.objects("changes/")
    assert sorted(changes) == [
        change_key(case.case_id, version, case.updated_at.date()) for version in (1, 2, 3)
    ]
    rows = [json.loads(changes[key]) for key in sorted(changes)]
    assert [(row["version"], row["changeType"]) for row in rows] == [
        (1, "CREATED"),
        (2, "UPDATED"),
        (3, "UPDATED"),
    ]
    assert [row["stage"] for row in rows] == ["IN_PROGRESS", "REPORT_SIGNED_OFF", "PUBLISHED"]
    assert all(list(row) == [column.name for column in changes_columns()] for row in rows)
    assert rows[0]["publicationDue"] == "2026-08-01"  # CSPR: six months after dateAdded

    current = stack.objects("current/")
    assert list(current) == [current_key("Y58", "QJK", case.case_id)]
    latest = json.loads(current[current_key("Y58", "QJK", case.case_id)])
    assert list(latest) == [column.name for column in current_columns()]
    assert (latest["version"], latest["status"], latest["publicationDate"]) == (3, "CLOSED", "2026-06-10")


def test_every_object_carries_the_schema_version(stack: Stack) -> None:
    stack.create(build_case())
    assert invoke(stack.read_stream()) == {"batchItemFailures": []}
    for key, content in stack.objects().items():
        assert json.loads(content)["schemaVersion"] == SCHEMA_VERSION
        head = stack.s3.head_object(Bucket=BUCKET, Key=key)
        assert head["Metadata"][SCHEMA_VERSION_METADATA] == str(SCHEMA_VERSION)
        assert head["ContentType"] == "application/json"


def test_history_items_are_skipped(stack: Stack) -> None:
    stack.create(build_case())
    records = stack.read_stream()
    history = [record for record in records if record["dynamodb"]["Keys"]["sk"]["S"].startswith("VERSION#")]
    assert history, "the repository writes a history item with each version"

    assert invoke(history) == {"batchItemFailures": []}
    assert stack.objects() == {}


def test_a_case_that_moves_icb_leaves_no_stale_current_copy(stack: Stack) -> None:
    case = stack.create(build_case(icb=DEVON))
    invoke(stack.read_stream())
    assert list(stack.objects("current/")) == [current_key("Y58", "QJK", case.case_id)]

    moved = stack.update(case, icbCode=DORSET[0])
    assert invoke(stack.read_stream()) == {"batchItemFailures": []}
    assert list(stack.objects("current/")) == [current_key("Y58", "QVV", moved.case_id)]

    # Across regions too, and with the move processed after a later version (replayed out of order).
    moved_again = stack.update(moved, icbCode=SOUTH_EAST_LONDON[0], regionCode=SOUTH_EAST_LONDON[1])
    stack.update(moved_again, stage="REPORT_SIGNED_OFF", reportSignedOffDate="2026-06-01")
    records = case_records(stack.read_stream())
    assert invoke(records[::-1]) == {"batchItemFailures": []}
    current = stack.objects("current/")
    assert list(current) == [current_key("Y56", "QKK", case.case_id)]
    assert json.loads(current[current_key("Y56", "QKK", case.case_id)])["version"] == 4


def test_remove_deletes_current_and_writes_a_tombstone(stack: Stack) -> None:
    case = stack.create(build_case(icb=DORSET))
    all_records = stack.read_stream()
    invoke(all_records)
    stack.remove(case)
    removal = stack.read_stream()
    assert [record["eventName"] for record in removal] == ["REMOVE"]

    assert invoke(removal) == {"batchItemFailures": []}
    assert stack.objects("current/") == {}
    tombstones = [key for key in stack.objects("changes/") if key.endswith(".removed.json")]
    assert len(tombstones) == 1
    tombstone = body(stack, tombstones[0])
    assert (tombstone["changeType"], tombstone["caseId"], tombstone["version"]) == (
        "REMOVED",
        case.case_id,
        1,
    )

    # Replaying the case's earlier records must not resurrect it.
    invoke(all_records + removal)
    assert stack.objects("current/") == {}


def test_an_s3_failure_fails_that_record_and_retries_the_ones_after_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [stack.create(build_case(number=number)) for number in range(1, 4)]
    cases[1] = stack.update(cases[1], stage="REPORT_SIGNED_OFF", reportSignedOffDate="2026-06-01")
    records = case_records(stack.read_stream())
    assert len(records) == 4
    expected = _clean_run(stack, records)

    failing_key = change_key(cases[1].case_id, 1, cases[1].updated_at.date())
    real_put = ExtractStore.put

    def flaky_put(self: ExtractStore, key: str, body: bytes, content_type: str, schema_version: int) -> None:
        if key == failing_key:
            raise ConnectionError("simulated S3 outage")
        real_put(self, key, body, content_type, schema_version)

    monkeypatch.setattr(ExtractStore, "put", flaky_put)
    response = invoke(records)
    sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
    failed_at = next(
        i for i, r in enumerate(records) if r["dynamodb"]["Keys"]["pk"]["S"].endswith(cases[1].case_id)
    )
    assert response == {
        "batchItemFailures": [{"itemIdentifier": number} for number in sequence_numbers[failed_at:]]
    }
    # The first record was published; nothing after the failure was (it is retried, in order).
    written = stack.objects("changes/")
    assert change_key(cases[0].case_id, 1, cases[0].updated_at.date()) in written
    assert change_key(cases[2].case_id, 1, cases[2].updated_at.date()) not in written

    # Lambda resends from the first reported failure.
    monkeypatch.setattr(ExtractStore, "put", real_put)
    assert invoke(records[failed_at:]) == {"batchItemFailures": []}
    assert stack.objects() == expected


def _clean_run(stack: Stack, records: list[dict[str, Any]]) -> dict[str, bytes]:
    stack.clear_bucket()
    assert invoke(records) == {"batchItemFailures": []}
    objects = stack.objects()
    stack.clear_bucket()
    return objects


def _bisections(records: list[dict[str, Any]]) -> list[list[list[dict[str, Any]]]]:
    """Ways Lambda may redeliver a batch: whole, halves (recursively), one by one, and disordered."""

    def halves(chunk: list[dict[str, Any]], depth: int) -> list[list[dict[str, Any]]]:
        if depth == 0 or len(chunk) < 2:
            return [chunk]
        middle = len(chunk) // 2
        return halves(chunk[:middle], depth - 1) + halves(chunk[middle:], depth - 1)

    shuffled = halves(records, 2)
    random.Random(7).shuffle(shuffled)
    return [
        [records],
        halves(records, 1),
        halves(records, 2),
        [[record] for record in records],
        halves(records, 1)[::-1],
        shuffled,
    ]


def test_replaying_a_batch_in_any_bisection_gives_identical_objects(stack: Stack) -> None:
    case = stack.create(build_case(icb=DEVON))
    case = stack.update(case, icbCode=DORSET[0])
    other = stack.create(build_case(icb=SOUTH_EAST_LONDON, number=2))
    other = stack.update(other, stage="REPORT_SIGNED_OFF", reportSignedOffDate="2026-06-01")
    stack.update(case, stage="DECISION_PENDING")
    stack.remove(other)
    records = stack.read_stream()  # history items included, as the real stream delivers them
    expected = _clean_run(stack, records)
    assert len([key for key in expected if key.startswith("changes/")]) == 6  # five versions, one removal
    assert [key for key in expected if key.startswith("current/")] == [
        current_key("Y58", "QVV", case.case_id)
    ]

    for chunks in _bisections(records):
        for start_empty in (True, False):
            if start_empty:
                stack.clear_bucket()
            for _ in range(2):
                for chunk in chunks:
                    assert invoke(chunk) == {"batchItemFailures": []}
            assert stack.objects() == expected  # same keys, same bytes


def _matches(pattern: Any, value: Any) -> bool:
    """Lambda event filtering's rule for the pattern shapes used here: nested keys, value lists."""
    if isinstance(pattern, list):
        return value in pattern
    return isinstance(value, dict) and all(
        name in value and _matches(inner, value[name]) for name, inner in pattern.items()
    )


def test_the_event_source_filter_passes_case_items_only(stack: Stack) -> None:
    case = stack.create(build_case())
    stack.update(case, stage="DECISION_PENDING")
    stack.remove(case)
    records = stack.read_stream()
    passed = [record for record in records if _matches(EVENT_SOURCE_FILTER_PATTERN, record)]
    assert [record["eventName"] for record in passed] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(record["dynamodb"]["Keys"]["sk"]["S"] == "CASE" for record in passed)
    assert len(records) > len(passed)  # history items were on the stream and are filtered out
