"""Speed and memory targets of the case API's own code (`make bench`).

Targets are for the tracker's own code inside one invocation on this 2-core machine, with the
table replaced by an in-memory stand-in so neither network nor an emulator is timed: validating a
full case under 2 ms; a page of 100 cases (merge of 7 region partitions, model validation and
deadlines) under 100 ms and under 32 MiB of Python allocations.
"""

import tracemalloc
import uuid
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore
from tracker.access import AccessPolicy, Caller
from tracker.logic.cases import CaseService
from tracker.logic.commands import ListCases
from tracker.logic.cursor import CursorCodec
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.rules.case_rules import validate_case_fields

VALIDATION_TARGET_SECONDS = 0.002
LIST_PAGE_TARGET_SECONDS = 0.100
LIST_PAGE_MEMORY_TARGET_BYTES = 32 * 1024 * 1024


def _recommendations(count: int) -> list[dict[str, Any]]:
    return [
        {
            "recommendationId": f"R{number}",
            "theme": "NEGLECT",
            "text": "Synthetic recommendation text for benchmarking. " * 10,
            "owner": "Designated nurse",
            "dueDate": "2027-03-31",
            "status": "IN_PROGRESS",
        }
        for number in range(count)
    ]


def test_validate_a_full_case(benchmark: BenchmarkFixture, fixed_today: None) -> None:
    body = synthetic_case(recommendations=_recommendations(20), comments="Synthetic comment. " * 100)
    benchmark(validate_case_fields, body)
    assert benchmark.stats is not None
    assert benchmark.stats.stats.mean < VALIDATION_TARGET_SECONDS


def _stored_cases(count: int) -> InMemoryCaseStore:
    store = InMemoryCaseStore()
    for number in range(count):
        fields = validate_case_fields(synthetic_case(recommendations=_recommendations(3)))
        timestamp = f"2026-11-20T09:{number // 60:02d}:{number % 60:02d}.000000Z"
        case = Case.model_validate(
            {
                **fields.model_dump(mode="json", exclude_none=True),
                "caseId": str(uuid.UUID(int=number)),
                "reference": f"QE1-2026-{number + 1:04d}",
                "version": 1,
                "regionCode": "Y62",
                "createdAt": timestamp,
                "createdBy": "icb_editor:QE1:bench",
                "updatedAt": timestamp,
                "updatedBy": "icb_editor:QE1:bench",
            }
        )
        store.cases[case.case_id] = case
    return store


def test_list_a_page_of_100_cases(benchmark: BenchmarkFixture, fixed_today: None) -> None:
    reference = reference_data()
    service = CaseService(
        _stored_cases(120),
        AccessPolicy(reference),
        reference,
        lambda: CursorCodec(b"bench-cursor-key-0123456789abcdef"),
    )
    caller = Caller(Role.NATIONAL, "X24", "bench")
    query = ListCases(limit=100)

    def list_page() -> Any:
        return service.list(caller, query)

    page = benchmark(list_page)
    assert len(page.items) == 100 and page.next_cursor is not None
    assert benchmark.stats is not None
    assert benchmark.stats.stats.mean < LIST_PAGE_TARGET_SECONDS

    tracemalloc.start()
    list_page()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < LIST_PAGE_MEMORY_TARGET_BYTES
