"""The next due date the due indexes are keyed by, and ``cases_due_by`` on both stores."""

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.extracts_fixtures import DEVON, DORSET, TABLE, Stack, build_case, stack
from tests.support.memory import InMemoryCaseStore
from tracker.dal import schema
from tracker.dal.items import from_attribute_values
from tracker.logic.cases import history_entry
from tracker.logic.due import next_due_date
from tracker.models.case import Case
from tracker.rules.deadlines import compute_deadlines

__all__ = ["stack"]

DONE = "COMPLETE"


def _recommendation(identifier: str, due: str, status: str = "IN_PROGRESS") -> dict[str, Any]:
    return {
        "recommendationId": identifier,
        "theme": "NEGLECT",
        "text": "Agree the escalation pathway",
        "owner": "Synthetic Trust",
        "dueDate": due,
        "status": status,
    }


def test_earliest_unfinished_recommendation_or_open_deadline_wins() -> None:
    # CSPR added 1 Feb: publication due 1 Aug; R1 due 1 Mar is unfinished.
    assert next_due_date(build_case()) == date(2026, 3, 1)
    both_done = build_case(
        recommendations=[_recommendation("R1", "2026-03-01", DONE), _recommendation("R2", "2026-12-31", DONE)]
    )
    assert next_due_date(both_done) == date(2026, 8, 1)


def test_nothing_due_when_every_deadline_is_closed() -> None:
    published = build_case(recommendations=None, publicationDate="2026-05-01", status="OPEN")
    assert next_due_date(published) is None
    embargoed = build_case(recommendations=None, embargoed=True)
    assert next_due_date(embargoed) is None
    closed_with_unfinished_recommendation = build_case(
        status="CLOSED", publicationDate="2026-05-01", recommendations=[_recommendation("R9", "2026-04-01")]
    )
    assert next_due_date(closed_with_unfinished_recommendation) == date(2026, 4, 1)


def test_a_publication_planned_after_the_deadline_keeps_the_deadline_open() -> None:
    planned_late = build_case(recommendations=None, publicationDate="2026-09-01")
    assert next_due_date(planned_late) == date(2026, 8, 1)
    planned_in_time = build_case(recommendations=None, publicationDate="2026-07-01")
    assert next_due_date(planned_in_time) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"reviewType": "RAPID_REVIEW", "stage": "NOTIFIED", "recommendations": None},
        {"reviewType": "RAPID_REVIEW", "stage": "IN_PROGRESS", "recommendations": None},
        {"reviewType": "SAR", "recommendations": None},
        {"reviewType": "SAR", "reportSignedOffDate": "2026-06-01", "recommendations": None},
        {"reviewType": "CSPR", "publicationDate": "2026-09-01"},
        {"reviewType": "CSPR", "status": "CLOSED", "publicationDate": "2026-04-01"},
    ],
)
def test_overdue_on_a_day_exactly_when_due_before_it(fields: dict[str, Any]) -> None:
    """The index never misses an overdue case: overdue on T implies next due date < T."""
    case = build_case(**fields)
    due = next_due_date(case)
    for offset in range(0, 400, 3):
        day = date(2026, 2, 1) + timedelta(days=offset)
        if compute_deadlines(case, day).overdue:
            assert due is not None and due < day


def _cases_for_due_by() -> list[Case]:
    return [
        build_case(number=1, recommendations=[_recommendation("R1", "2026-03-01")]),
        build_case(number=2, recommendations=[_recommendation("R1", "2026-03-02")]),
        build_case(number=3, recommendations=None, embargoed=True),  # nothing due
        build_case(icb=DORSET, number=4, recommendations=[_recommendation("R1", "2026-01-01")]),
    ]


def test_cases_due_by_in_memory() -> None:
    store = InMemoryCaseStore()
    for case in _cases_for_due_by():
        store.create(case, history_entry(case, ["icbCode"]))
    assert [case.reference for case in store.cases_due_by(DEVON[0], date(2026, 3, 1))] == ["QJK-2026-0001"]
    assert [case.reference for case in store.cases_due_by(DEVON[0], date(2026, 9, 1))] == [
        "QJK-2026-0001",
        "QJK-2026-0002",
    ]


def test_cases_due_by_on_dynamodb_is_one_query_of_the_due_index(stack: Stack) -> None:
    for case in _cases_for_due_by():
        stack.create(case)
    calls: list[dict[str, Any]] = []
    client = stack.repository._client
    real_query = client.query

    def recording_query(**request: Any) -> Any:
        calls.append(request)
        return real_query(**request)

    stack.repository._client = type("Recording", (), {"query": staticmethod(recording_query)})()
    try:
        on_day = stack.repository.cases_due_by(DEVON[0], date(2026, 3, 1))
        later = stack.repository.cases_due_by(DEVON[0], date(2026, 9, 1))
    finally:
        stack.repository._client = client
    assert [case.reference for case in on_day] == ["QJK-2026-0001"]
    assert [case.reference for case in later] == ["QJK-2026-0001", "QJK-2026-0002"]
    assert len(calls) == 2 and all(call["IndexName"] == schema.BY_ICB_DUE_INDEX.name for call in calls)


def test_a_case_with_nothing_due_is_off_the_due_index_and_leaves_it_when_done(stack: Stack) -> None:
    nothing_due = stack.create(build_case(number=3, recommendations=None, embargoed=True))
    due = stack.create(build_case(number=1, recommendations=[_recommendation("R1", "2026-03-01")]))
    stack.update(due, recommendations=[_recommendation("R1", "2026-03-01", DONE)], embargoed=True)
    items = [from_attribute_values(raw) for raw in stack.dynamodb.scan(TableName=TABLE)["Items"]]
    on_index = {item["caseId"] for item in items if schema.BY_ICB_DUE_INDEX.partition_key in item}
    assert nothing_due.case_id not in on_index
    assert due.case_id not in on_index
    assert stack.repository.cases_due_by(DEVON[0], date(2030, 1, 1)) == []
