"""The web app's case list through the local stack: does a list page cost the same whatever the ICB holds?

Two ICBs of one region are seeded, one with 50 cases and one with 500. The list page (gateway, the
web app's Lambda handler, a Query on DynamoDB Local, the Jinja render) is requested in turns for an
editor of each, so load on the machine hits both alike. A page shows 25 cases whatever the ICB
holds, so its median time at 500 cases should be close to its median at 50: a ratio measured in one
run, not an absolute time, which on a shared 2-core machine says more about the machine (D74).
"""

import os
import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import median, percentile, record
from local_stack.identity import web_app_environment
from local_stack.stack import LocalStack
from tracker import composition, settings
from tracker.access import Caller
from tracker.logic.commands import SubmitCase
from tracker.models.enums import Role

PAGE_SIZE = 25
SMALL_ICB, SMALL_COUNT = "QF7", 50
LARGE_ICB, LARGE_COUNT = "QE1", 500
ROUNDS, WARM_UP_ROUNDS = 40, 3
LIST_PAGE_RATIO_GOAL = 1.3  # median at 500 cases / median at 50 cases


def _case(icb_code: str, number: int) -> dict[str, Any]:
    added = date.today() - timedelta(days=30 + number % 200)
    return {
        "icbCode": icb_code,
        "reviewType": ("CSPR", "SAR", "DHR", "RAPID_REVIEW")[number % 4],
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": (added - timedelta(days=10)).isoformat(),
        "dateAdded": added.isoformat(),
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": f"Synthetic Safeguarding Partnership {number % 17}",
        "themes": ["NEGLECT"],
        "localReference": f"SYN-BENCH-{number:04d}",
    }


def _editor(icb_code: str) -> Caller:
    return Caller(Role.ICB_EDITOR, icb_code, f"bench-editor-{icb_code.lower()}")


@pytest.fixture(scope="module")
def web_stack(bench_stack: LocalStack) -> Iterator[LocalStack]:
    """The shared bench stack with the web app's settings added (and taken away afterwards)."""
    added = web_app_environment(bench_stack.state, bench_stack.api_url)
    previous = {name: os.environ.get(name) for name in added}
    os.environ.update(added)
    settings.settings.cache_clear()
    composition.web_app.cache_clear()
    service = composition.case_service()
    for icb_code, count in ((SMALL_ICB, SMALL_COUNT), (LARGE_ICB, LARGE_COUNT)):
        for number in range(count):
            service.submit(_editor(icb_code), SubmitCase(_case(icb_code, number)))
    try:
        yield bench_stack
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        settings.settings.cache_clear()
        composition.web_app.cache_clear()


def _client(stack: LocalStack, icb_code: str) -> httpx.Client:
    app = composition.web_app()
    editor = _editor(icb_code)
    session = app.sealer.new_session(editor.sub, editor.role.value, editor.org)
    cookie = f"{app.cookies.session_name}={app.sealer.seal_session(session)}"
    return httpx.Client(base_url=stack.api_url, headers={"Cookie": cookie}, timeout=30)


def _interleaved_seconds(stack: LocalStack) -> dict[str, list[float]]:
    """Seconds per list page for each ICB's editor, requested in turns."""
    clients = {icb: _client(stack, icb) for icb in (SMALL_ICB, LARGE_ICB)}
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
