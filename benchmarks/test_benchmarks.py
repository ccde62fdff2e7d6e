"""Speed and memory of the case API's own code (`make bench`), as ratios measured in one run.

The table is replaced by an in-memory stand-in so neither network nor an emulator is timed. The
yardstick is what the standard library takes to parse the same JSON, measured in the same run, so
a slower or busier machine moves both sides alike:
- validating a full case (rules and the identifier guard) costs at most 100 times a JSON round
  trip of its body (about 70 measured when the goal was set);
- a page of 100 cases (merge of the region partitions, model validation, deadlines) costs at most
  5 times a JSON round trip of the page (about 2), and allocates at most 4 times the page's JSON
  size at its peak (about 1.1).
"""

import json
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import record
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

VALIDATION_GOAL = 100.0  # x a JSON round trip of the body
LIST_PAGE_GOAL = 5.0  # x a JSON round trip of the page
LIST_PAGE_MEMORY_GOAL = 4.0  # x the page's JSON size


def _median_seconds(action: Callable[[], object], rounds: int = 30) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _json_round_trip(document: object) -> Callable[[], object]:
    text = json.dumps(document)
    return lambda: json.loads(json.dumps(json.loads(text)))


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
    yardstick = _median_seconds(_json_round_trip(body), rounds=200)
    ratio = _median_seconds(lambda: validate_case_fields(body), rounds=200) / yardstick
    benchmark.extra_info["ratio_to_json_round_trip"] = round(ratio, 1)
    record("own_code", "validating a full case", ratio_to_json_round_trip=round(ratio, 1))
    assert ratio <= VALIDATION_GOAL


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
    documents = [case.model_dump(mode="json", by_alias=True) for case in page.items]
    ratio = _median_seconds(list_page) / _median_seconds(_json_round_trip(documents))
    benchmark.extra_info["ratio_to_json_round_trip"] = round(ratio, 1)
    record("own_code", "a list page of 100 cases", ratio_to_json_round_trip=round(ratio, 1))
    assert ratio <= LIST_PAGE_GOAL

    tracemalloc.start()
    list_page()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    memory_ratio = peak / len(json.dumps(documents))
    benchmark.extra_info["peak_to_page_json"] = round(memory_ratio, 2)
    record("own_code", "a list page of 100 cases", peak_allocation_to_page_json=round(memory_ratio, 2))
    assert memory_ratio <= LIST_PAGE_MEMORY_GOAL
