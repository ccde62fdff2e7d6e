"""snapshot_extract: the whole table, read by Query per region, as two CSV files."""

import csv
import io
import json
from datetime import date
from typing import Any
from unittest import mock

import pytest

from functions.snapshot_extract import handler
from tests.support.extracts_fixtures import (
    BUCKET,
    DEVON,
    DORSET,
    SOUTH_EAST_LONDON,
    TABLE,
    FakeContext,
    Stack,
    build_case,
)
from tracker import composition
from tracker import composition as clients
from tracker.dal import snapshot_reader
from tracker.dal.items import from_attribute_values, is_case_item
from tracker.extracts.columns import Origin, snapshot_case_columns, snapshot_recommendation_columns
from tracker.extracts.keys import (
    SNAPSHOT_CASE_PROVIDERS,
    SNAPSHOT_CASES,
    SNAPSHOT_RECOMMENDATIONS,
    snapshot_key,
)
from tracker.extracts.snapshot import snapshot_day
from tracker.models.case import restricted_fields

DAY = date(2026, 7, 1)


def table_cases(stack: Stack) -> dict[str, dict[str, Any]]:
    """The case items of the table, read independently of the code under test (a test may Scan)."""
    items = [from_attribute_values(raw) for raw in stack.dynamodb.scan(TableName=TABLE)["Items"]]
    return {item["caseId"]: item for item in items if is_case_item(item)}


def rows(stack: Stack, table: str, day: date = DAY) -> list[dict[str, str]]:
    content = stack.objects(snapshot_key(table, day))[snapshot_key(table, day)]
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def as_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(element, str) for element in value):
        return "|".join(value)
    if isinstance(value, list):
        return value  # compared after json.loads
    return str(value)


def seed(stack: Stack) -> None:
    first = stack.create(build_case(icb=DEVON, number=1))
    stack.update(first, stage="REPORT_SIGNED_OFF", reportSignedOffDate="2026-06-01")
    stack.create(build_case(icb=DORSET, number=2, recommendations=None, themes=["SELF_NEGLECT"]))
    moved = stack.create(build_case(icb=DEVON, number=3, reviewType="SAR", embargoed=True))
    stack.update(moved, icbCode=SOUTH_EAST_LONDON[0], regionCode=SOUTH_EAST_LONDON[1])


def test_snapshot_contents_equal_the_table(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(stack)
    monkeypatch.setattr(snapshot_reader, "PAGE_SIZE", 1)  # every region partition takes several pages
    with mock.patch.object(clients.dynamodb_client(), "scan", side_effect=AssertionError("Scan used")):
        snapshot = composition.run_snapshot(DAY)
    assert (snapshot.case_count, snapshot.recommendation_count, snapshot.rejected_case_ids) == (3, 4, [])
    assert snapshot.keys == [
        snapshot_key(SNAPSHOT_CASES, DAY),
        snapshot_key(SNAPSHOT_RECOMMENDATIONS, DAY),
        snapshot_key(SNAPSHOT_CASE_PROVIDERS, DAY),
    ]

    table = table_cases(stack)
    case_rows = rows(stack, SNAPSHOT_CASES)
    assert sorted(row["caseId"] for row in case_rows) == sorted(table)
    assert list(case_rows[0]) == [column.name for column in snapshot_case_columns()]
    record_columns = [column.name for column in snapshot_case_columns() if column.origin is Origin.CASE]
    assert "icbCode" in record_columns and "themes" in record_columns
    for row in case_rows:
        item = table[row["caseId"]]
        assert (row["schemaVersion"], row["snapshotDate"]) == ("1", DAY.isoformat())
        for name in record_columns:
            expected = as_cell(item.get(name))
            cell = row[name]
            assert (json.loads(cell) if isinstance(expected, list) else cell) == expected, name
    by_reference = {row["reference"]: row for row in case_rows}
    assert by_reference["QJK-2026-0001"]["version"] == "2"
    assert (by_reference["QJK-2026-0003"]["icbCode"], by_reference["QJK-2026-0003"]["regionCode"]) == (
        "QKK",
        "Y56",
    )
    assert by_reference["QVV-2026-0002"]["themes"] == "SELF_NEGLECT"
    # Derived as of the snapshot date: CSPR publication due 2026-08-01, not yet overdue on 1 July.
    assert (by_reference["QJK-2026-0001"]["publicationDue"], by_reference["QJK-2026-0001"]["overdue"]) == (
        "2026-08-01",
        "true",  # recommendation R1 was due on 2026-03-01 and is not complete
    )

    recommendation_rows = rows(stack, SNAPSHOT_RECOMMENDATIONS)
    assert list(recommendation_rows[0]) == [column.name for column in snapshot_recommendation_columns()]
    expected = {
        (case_id, recommendation["recommendationId"]): recommendation
        for case_id, item in table.items()
        for recommendation in item.get("recommendations", [])
    }
    assert {(row["caseId"], row["recommendationId"]) for row in recommendation_rows} == set(expected)
    for row in recommendation_rows:
        recommendation = expected[(row["caseId"], row["recommendationId"])]
        for name in ("theme", "text", "owner", "dueDate", "status"):
            assert row[name] == recommendation[name]
        assert row["evidence"] == recommendation.get("evidence", "")
        assert row["icbCode"] == table[row["caseId"]]["icbCode"]
        assert row["overdue"] == ("true" if row["recommendationId"] == "R1" else "false")


def test_no_restricted_column_in_the_snapshot(stack: Stack) -> None:
    seed(stack)
    composition.run_snapshot(DAY)
    for table in (SNAPSHOT_CASES, SNAPSHOT_RECOMMENDATIONS):
        assert not restricted_fields() & set(rows(stack, table)[0])


def test_a_rerun_gives_the_same_bytes_and_an_empty_table_gives_headers(stack: Stack) -> None:
    composition.run_snapshot(DAY)
    assert rows(stack, SNAPSHOT_CASES) == []
    seed(stack)
    composition.run_snapshot(DAY)
    # The tables' bytes; the summary differs by its generatedAt time only.
    first = stack.objects(f"snapshots/dt={DAY.isoformat()}/{SNAPSHOT_CASES}/") | stack.objects(
        f"snapshots/dt={DAY.isoformat()}/{SNAPSHOT_RECOMMENDATIONS}/"
    )
    composition.run_snapshot(DAY)
    assert (
        stack.objects(f"snapshots/dt={DAY.isoformat()}/{SNAPSHOT_CASES}/")
        | stack.objects(f"snapshots/dt={DAY.isoformat()}/{SNAPSHOT_RECOMMENDATIONS}/")
        == first
    )
    assert len(first) == 2
    head = stack.s3.head_object(Bucket=BUCKET, Key=snapshot_key(SNAPSHOT_CASES, DAY))
    assert head["ContentType"].startswith("text/csv")


def test_the_handler_writes_the_scheduled_day(stack: Stack) -> None:
    seed(stack)
    result = handler.lambda_handler({"time": "2026-06-30T23:30:00Z"}, FakeContext())
    day = date(2026, 7, 1)  # 00:30 in London (BST)
    assert result == {
        "snapshotDate": day.isoformat(),
        "keys": [
            snapshot_key(SNAPSHOT_CASES, day),
            snapshot_key(SNAPSHOT_RECOMMENDATIONS, day),
            snapshot_key(SNAPSHOT_CASE_PROVIDERS, day),
        ],
        "cases": 3,
        "recommendations": 4,
        "rejectedCaseIds": [],
    }
    assert len(rows(stack, SNAPSHOT_CASES, day)) == 3


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"snapshotDate": "2026-03-05"}, date(2026, 3, 5)),
        ({"time": "2026-01-15T23:30:00Z"}, date(2026, 1, 15)),  # GMT: still the 15th
        ({"time": "2026-06-30T23:30:00Z"}, date(2026, 7, 1)),  # BST: already the 1st
    ],
)
def test_snapshot_day(event: dict[str, Any], expected: date) -> None:
    assert snapshot_day(event) == expected
