"""A case updated while the snapshot reads the table is written once, never twice."""

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.support.extracts_fixtures import DEVON, Stack, build_case
from tracker import clock, composition
from tracker import composition as clients
from tracker.dal import snapshot_reader
from tracker.extracts.keys import (
    SNAPSHOT_CASE_PROVIDERS,
    SNAPSHOT_CASES,
    SNAPSHOT_RECOMMENDATIONS,
    snapshot_key,
)
from tracker.logic.cases import history_entry
from tracker.models.case import Case

DAY = date(2026, 5, 4)
RUN_STARTS = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
UPDATED_DURING_RUN = datetime(2026, 5, 4, 12, 0, 5, tzinfo=UTC)


def _case_ids(stack: Stack, table: str) -> Counter[str]:
    content = stack.objects(snapshot_key(table, DAY))[snapshot_key(table, DAY)]
    return Counter(row["caseId"] for row in csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _updated_now(stack: Stack, case: Case) -> None:
    """A new version stamped after the run started, as a request arriving mid-run stamps it."""
    record = case.model_dump(mode="json", exclude_none=True, exclude={"deadlines"})
    newer = Case.model_validate(
        {
            **record,
            "version": case.version + 1,
            "updatedAt": UPDATED_DURING_RUN.isoformat(),
            "comments": "Later",
        }
    )
    stack.repository.replace(newer, history_entry(newer, ["comments"]), case.version)


def test_a_case_updated_between_pages_is_written_once(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Three cases of one region, oldest first: the reader meets them in this order, one a page.
    first, second, third = (
        stack.create(
            build_case(
                icb=DEVON,
                number=number,
                updated_at=datetime(2026, 5, 4, 8 + number, 0, tzinfo=UTC),
                providersInvolved=["R0A"],
            )
        )
        for number in (1, 2, 3)
    )
    monkeypatch.setattr(snapshot_reader, "PAGE_SIZE", 1)
    monkeypatch.setattr(clock, "now_utc", lambda: RUN_STARTS)
    client = clients.dynamodb_client()
    real_query = client.query
    pages: list[Any] = []

    def query_then_update(**request: Any) -> Any:
        response = real_query(**request)
        if request.get("IndexName"):  # the snapshot's reads, not the store's own link queries
            pages.append(response)
            if len(pages) == 2:
                # After the second page: the first case, already read, moves to the partition's
                # end, where an unbounded read would meet it again; the third, not yet read, too.
                _updated_now(stack, first)
                _updated_now(stack, third)
        return response

    monkeypatch.setattr(client, "query", query_then_update)
    snapshot = composition.run_snapshot(DAY)

    assert len(pages) >= 3  # the updates landed between pages, and the read went on
    cases = _case_ids(stack, SNAPSHOT_CASES)
    # Read once at its older position; the case not yet read is left to the next day's snapshot.
    assert cases == Counter({first.case_id: 1, second.case_id: 1})
    assert snapshot.case_count == 2 and snapshot.summary.total_cases == 2
    recommendations = _case_ids(stack, SNAPSHOT_RECOMMENDATIONS)
    assert recommendations == Counter({first.case_id: 2, second.case_id: 2})
    assert _case_ids(stack, SNAPSHOT_CASE_PROVIDERS) == Counter({first.case_id: 1, second.case_id: 1})


def test_the_next_days_snapshot_has_the_case_updated_during_the_run(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = stack.create(build_case(icb=DEVON, updated_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC)))
    _updated_now(stack, case)
    monkeypatch.setattr(clock, "now_utc", lambda: RUN_STARTS)
    assert composition.run_snapshot(DAY).case_count == 0  # updated after this run's start
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 5, 5, 2, 0, tzinfo=UTC))
    assert composition.run_snapshot(date(2026, 5, 5)).case_count == 1
