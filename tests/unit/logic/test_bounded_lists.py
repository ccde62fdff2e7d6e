"""Every list request reads a bounded number of items; overdue lists read the due index.

On the in-memory store (which counts what it reads as DynamoDB would) and on the DynamoDB store
(moto), counting the items each Query evaluated.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.extracts_fixtures import Stack, build_case, stack
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tracker.access import AccessPolicy, Caller
from tracker.dal import schema
from tracker.logic.cases import CaseService, list_read_limit
from tracker.logic.commands import ListCases
from tracker.logic.cursor import CursorCodec
from tracker.models.case import Case
from tracker.models.enums import ReviewType, Role
from tracker.reference import reference_data

__all__ = ["stack"]

DEVON_EDITOR = Caller(Role.ICB_EDITOR, "QJK", "editor-1")
DEVON_EDITOR_ICB = ("QJK", "Y58")
SOUTH_WEST = Caller(Role.REGIONAL, "Y58", "regional-1")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
LATE = [
    {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "Agree the escalation pathway",
        "owner": "Synthetic Trust",
        "dueDate": "2026-03-01",
        "status": "IN_PROGRESS",
    }
]


def _service(store: Any) -> CaseService:
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    return CaseService(store, AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


def _cases(total: int, *, overdue_every: int = 0, sar_every: int = 0) -> Iterator[Case]:
    for number in range(1, total + 1):
        overdue = overdue_every and number % overdue_every == 0
        sar = sar_every and number % sar_every == 0
        yield build_case(
            number=number,
            recommendations=LATE if overdue else None,
            embargoed=None if overdue else True,  # nothing else due: only the late ones are overdue
            reviewType="SAR" if sar else "CSPR",
        )


def _all_pages(service: CaseService, caller: Caller, query: ListCases) -> tuple[list[Case], int]:
    found: list[Case] = []
    pages = 0
    cursor = None
    while True:
        page = service.list(caller, ListCases(**{**query.__dict__, "cursor": cursor}))
        found.extend(page.items)
        pages += 1
        if page.next_cursor is None:
            return found, pages
        cursor = page.next_cursor


def _memory_store(cases: Iterator[Case]) -> InMemoryCaseStore:
    from tracker.logic.cases import history_entry

    store = InMemoryCaseStore()
    for case in cases:
        store.create(case, history_entry(case, ["icbCode"]))
    return store


def test_a_rare_filter_value_reads_a_bounded_number_and_pages_to_every_match(fixed_today: None) -> None:
    store = _memory_store(_cases(400, sar_every=97))  # 4 SARs among 400 cases
    service = _service(store)

    first = service.list(DEVON_EDITOR, ListCases(review_type=ReviewType.SAR, limit=10))
    assert store.scanned <= list_read_limit(10)
    assert first.next_cursor is not None and len(first.items) < 10  # short page, with a cursor

    found, pages = _all_pages(service, DEVON_EDITOR, ListCases(review_type=ReviewType.SAR, limit=10))
    assert sorted(case.reference for case in found) == [f"QJK-2026-{n:04d}" for n in (97, 194, 291, 388)]
    assert pages >= 400 // list_read_limit(10)


def test_an_overdue_page_reads_about_a_page_whatever_the_collection(fixed_today: None) -> None:
    reads = []
    for total in (200, 1000):
        store = _memory_store(_cases(total, overdue_every=10))
        page = _service(store).list(DEVON_EDITOR, ListCases(overdue=True, limit=5))
        assert len(page.items) == 5 and all(case.deadlines.overdue for case in page.items)
        reads.append(store.scanned)
    assert reads == [6, 6]


def test_every_overdue_case_once_across_pages(fixed_today: None) -> None:
    store = _memory_store(_cases(120, overdue_every=4))
    found, _ = _all_pages(_service(store), DEVON_EDITOR, ListCases(overdue=True, limit=7))
    assert sorted(case.reference for case in found) == [f"QJK-2026-{n:04d}" for n in range(4, 121, 4)]


class _CountingClient:
    """The DynamoDB client, counting the items each Query evaluated and the indexes it used."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.scanned = 0
        self.indexes: list[str] = []

    def query(self, **request: Any) -> Any:
        response = self._client.query(**request)
        self.scanned += response["ScannedCount"]
        self.indexes.append(request.get("IndexName", ""))
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.mark.slow
@pytest.mark.parametrize("caller", [DEVON_EDITOR, SOUTH_WEST, NATIONAL], ids=["icb", "region", "nation"])
def test_on_dynamodb_an_overdue_page_is_a_query_of_the_due_index(
    stack: Stack, fixed_today: None, caller: Caller
) -> None:
    for case in _cases(60, overdue_every=6):
        stack.create(case)
    repository: Any = stack.repository
    counting = _CountingClient(repository._client)
    repository._client = counting
    service = _service(stack.repository)

    page = service.list(caller, ListCases(overdue=True, limit=4))

    assert len(page.items) == 4 and all(case.deadlines.overdue for case in page.items)
    assert set(counting.indexes) <= {schema.BY_ICB_DUE_INDEX.name, schema.BY_REGION_DUE_INDEX.name}
    # One partition (the ICB's or the region's) holds the cases: a page and one more.
    assert counting.scanned == 5
    found, _ = _all_pages(service, caller, ListCases(overdue=True, limit=4))
    assert sorted(case.reference for case in found) == [f"QJK-2026-{n:04d}" for n in range(6, 61, 6)]


@pytest.mark.slow
def test_on_dynamodb_a_rare_filter_stops_at_the_read_limit(
    stack: Stack, fixed_today: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.logic import cases as cases_module

    monkeypatch.setattr(cases_module, "MIN_ITEMS_READ", 8)
    for case in _cases(40, sar_every=13):
        stack.create(case)
    repository: Any = stack.repository
    counting = _CountingClient(repository._client)
    repository._client = counting
    service = _service(stack.repository)

    first = service.list(DEVON_EDITOR, ListCases(review_type=ReviewType.SAR, limit=1))
    assert counting.scanned <= 8
    assert first.next_cursor is not None
    found, _ = _all_pages(service, DEVON_EDITOR, ListCases(review_type=ReviewType.SAR, limit=1))
    assert sorted(case.reference for case in found) == ["QJK-2026-0013", "QJK-2026-0026", "QJK-2026-0039"]


@pytest.mark.slow
def test_on_dynamodb_a_national_list_pages_every_rare_match_once_across_regions(
    stack: Stack, fixed_today: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several region partitions, each stopping at its read limit: the first checkpoint merged ends
    the page, so no partition's unread cases are skipped by the cursor."""
    from tests.support.extracts_fixtures import DORSET, SOUTH_EAST_LONDON
    from tracker.logic import cases as cases_module

    monkeypatch.setattr(cases_module, "MIN_ITEMS_READ", 5)
    expected = set()
    for number in range(1, 46):
        icb = (DEVON_EDITOR_ICB, DORSET, SOUTH_EAST_LONDON)[number % 3]
        sar = number % 7 == 0
        case = build_case(icb=icb, number=number, reviewType="SAR" if sar else "CSPR", recommendations=None)
        stack.create(case)
        if sar:
            expected.add(case.reference)
    repository: Any = stack.repository
    counting = _CountingClient(repository._client)
    repository._client = counting
    service = _service(stack.repository)

    found: list[Case] = []
    cursor = None
    while True:
        before = counting.scanned
        page = service.list(NATIONAL, ListCases(review_type=ReviewType.SAR, limit=1, cursor=cursor))
        # Each request reads a bounded number of items per region partition (2 here), however rare
        # the match: never the whole partition of 30 cases.
        assert counting.scanned - before <= 2 * cases_module.list_read_limit(1)
        found.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert sorted(case.reference for case in found) == sorted(expected)
    assert len(found) == len({case.case_id for case in found})  # none twice
