"""The web app's case list through the local stack: does a list page cost the same whatever the ICB holds?

Two ICBs of one region are seeded, one with 50 cases and one with 500. The list page (gateway, the
web app's Lambda handler, a Query on DynamoDB Local, the Jinja render) is requested in turns for an
editor of each, so load on the machine hits both alike. A page shows 25 cases whatever the ICB
holds, so its median time at 500 cases should be close to its median at 50: a ratio measured in one
run, not an absolute time, which on a shared 2-core machine says more about the machine (D74).
"""

import re
import time
from collections.abc import Iterator

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import median, percentile, record
from benchmarks.stack_support import signed_in_client, submit_cases, submitted_case, web_app_settings
from local_stack.stack import LocalStack
from tracker.access import Caller
from tracker.models.enums import Role

PAGE_SIZE = 25
SMALL_ICB, SMALL_COUNT = "QF7", 50
# QF7 and QHM (both of region Y63) are seeded by no other bench, so each holds exactly its count.
LARGE_ICB, LARGE_COUNT = "QHM", 500
ROUNDS, WARM_UP_ROUNDS = 40, 3
LIST_PAGE_RATIO_GOAL = 1.3  # median at 500 cases / median at 50 cases


def _editor(icb_code: str) -> Caller:
    return Caller(Role.ICB_EDITOR, icb_code, f"bench-editor-{icb_code.lower()}")


@pytest.fixture(scope="module")
def web_stack(bench_stack: LocalStack) -> Iterator[LocalStack]:
    """The shared bench stack with the web app's settings and two ICBs' cases, 50 and 500."""
    with web_app_settings(bench_stack):
        for icb_code, count in ((SMALL_ICB, SMALL_COUNT), (LARGE_ICB, LARGE_COUNT)):
            submit_cases(_editor(icb_code), (submitted_case(icb_code, n, "SYN-BENCH") for n in range(count)))
        yield bench_stack


def _interleaved_seconds(stack: LocalStack) -> dict[str, list[float]]:
    """Seconds per list page for each ICB's editor, requested in turns."""
    clients = {icb: signed_in_client(stack, _editor(icb)) for icb in (SMALL_ICB, LARGE_ICB)}
    seconds: dict[str, list[float]] = {SMALL_ICB: [], LARGE_ICB: []}
    try:
        for round_number in range(WARM_UP_ROUNDS + ROUNDS):
            for icb_code, client in clients.items():
                started = time.perf_counter()
                response = client.get("/app/")
                elapsed = time.perf_counter() - started
                assert response.status_code == 200
                shown = len(re.findall(r'href="/app/cases/[0-9a-f-]{36}', response.text))
                assert shown == PAGE_SIZE, (icb_code, shown)  # a full first page at both sizes
                if round_number >= WARM_UP_ROUNDS:
                    seconds[icb_code].append(elapsed)
    finally:
        for client in clients.values():
            client.close()
    return seconds


def test_list_page_costs_the_same_at_500_cases_as_at_50(
    benchmark: BenchmarkFixture, web_stack: LocalStack
) -> None:
    seconds = benchmark.pedantic(lambda: _interleaved_seconds(web_stack), rounds=1, iterations=1)
    for icb_code, count in ((SMALL_ICB, SMALL_COUNT), (LARGE_ICB, LARGE_COUNT)):
        record(
            "web_list_page",
            f"case list, an ICB with {count} cases",
            requests=len(seconds[icb_code]),
            median_ms=round(median(seconds[icb_code]) * 1000, 1),
            p95_ms=round(percentile(seconds[icb_code], 0.95) * 1000, 1),
        )
    ratio = median(seconds[LARGE_ICB]) / median(seconds[SMALL_ICB])
    record("web_list_page", "median at 500 cases / at 50 cases", ratio=round(ratio, 2))
    assert ratio <= LIST_PAGE_RATIO_GOAL
