"""The overdue worklist on DynamoDB (moto): the most overdue first, across pages and partitions,
each page still a Query of the due index."""

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryLedger
from tracker.access import AccessPolicy, Caller
from tracker.dal import schema
from tracker.dal.cases import DynamoCaseStore
from tracker.logic.cases import CaseService
from tracker.logic.commands import ListCases, SubmitCase
from tracker.logic.cursor import CursorCodec
from tracker.logic.due import next_due_date
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.reference import reference_data

TABLE = "worklist-cases"
EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
OTHER_EDITOR = Caller(Role.ICB_EDITOR, "QKK", "editor-2")  # London: another region partition
REGIONAL = Caller(Role.REGIONAL, "Y62", "regional-1")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
# Recommendation due dates, all before the pinned today (26 November 2026), in no order.
DUE_DATES = ["2026-09-14", "2026-03-02", "2026-11-20", "2026-06-30", "2026-04-15", "2026-10-01", "2026-05-05"]


class _CountingClient:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.indexes: list[str] = []

    def query(self, **request: Any) -> Any:
        self.indexes.append(request.get("IndexName", ""))
        return self._client.query(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        import boto3

        client: Any = boto3.client("dynamodb", region_name="eu-west-2")
        client.create_table(**schema.create_table_kwargs(TABLE))
        yield client


def _service(client: Any) -> CaseService:
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    store = DynamoCaseStore(client, TABLE, next_due=next_due_date)
    return CaseService(store, AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


def _late(due: str) -> list[dict[str, Any]]:
    return [
        {
            "recommendationId": "R1",
            "theme": "NEGLECT",
            "text": "Agree the escalation pathway",
            "owner": "Synthetic Trust",
            "dueDate": due,
            "status": "IN_PROGRESS",
        }
    ]


def _record(service: CaseService, caller: Caller, due: str | None) -> Case:
    body = synthetic_case(
        icbCode=caller.org,
        embargoed=True,  # no publication deadline: only the recommendation falls due
        recommendations=_late(due) if due else None,
    )
    return service.submit(caller, SubmitCase(document=body))


def _all_pages(service: CaseService, caller: Caller, limit: int) -> list[Case]:
    found: list[Case] = []
    cursor = None
    while True:
        page = service.list(caller, ListCases(overdue=True, limit=limit, cursor=cursor))
        found.extend(page.items)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def _due(case: Case) -> str:
    return (case.recommendations or [])[0].due_date.isoformat()


@pytest.mark.parametrize("caller", [EDITOR, REGIONAL, NATIONAL], ids=["icb", "region", "nation"])
def test_the_most_overdue_come_first_across_pages(dynamodb: Any, fixed_today: None, caller: Caller) -> None:
    service = _service(dynamodb)
    for due in DUE_DATES:
        _record(service, EDITOR, due)
    _record(service, EDITOR, None)  # nothing due: never listed
    counting = _CountingClient(dynamodb)
    service._store._client = counting  # type: ignore[attr-defined]

    found = _all_pages(service, caller, limit=3)

    assert [_due(case) for case in found] == sorted(DUE_DATES)
    assert set(counting.indexes) <= {schema.BY_ICB_DUE_INDEX.name, schema.BY_REGION_DUE_INDEX.name}


def test_regions_merge_in_order_of_how_overdue(dynamodb: Any, fixed_today: None) -> None:
    service = _service(dynamodb)
    for position, due in enumerate(DUE_DATES):
        _record(service, EDITOR if position % 2 else OTHER_EDITOR, due)

    found = _all_pages(service, NATIONAL, limit=2)

    assert [_due(case) for case in found] == sorted(DUE_DATES)
    assert {case.icb_code for case in found} == {"QE1", "QKK"}
