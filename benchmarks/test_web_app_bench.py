"""The web app's case list, 500 cases seeded: one page through the local stack, and the render alone.

Target: under 150 ms median for the list page in the local stack (gateway, the web app's Lambda
handler, a Query on DynamoDB Local, the Jinja render), signed in as the ICB editor of those cases.
"""

import os
import re
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

SEEDED_CASES = 500
LIST_PAGE_TARGET_SECONDS = 0.150
EDITOR = Caller(Role.ICB_EDITOR, "QE1", "bench-editor")


def _case(number: int) -> dict[str, Any]:
    added = date.today() - timedelta(days=30 + number % 200)
    return {
        "icbCode": "QE1",
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


@pytest.fixture(scope="module")
def web_stack(bench_stack: LocalStack) -> Iterator[LocalStack]:
    """The shared bench stack with the web app's settings added (and taken away afterwards)."""
    added = web_app_environment(bench_stack.state, bench_stack.api_url)
    previous = {name: os.environ.get(name) for name in added}
    os.environ.update(added)
    settings.settings.cache_clear()
    composition.web_app.cache_clear()
    service = composition.case_service()
    for number in range(SEEDED_CASES):
        service.submit(EDITOR, SubmitCase(_case(number)))
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


def test_list_page_through_the_local_stack(benchmark: BenchmarkFixture, web_stack: LocalStack) -> None:
    app = composition.web_app()
    session = app.sealer.new_session(EDITOR.sub, EDITOR.role.value, EDITOR.org)
    cookie = f"{app.cookies.session_name}={app.sealer.seal_session(session)}"
    with httpx.Client(base_url=web_stack.api_url, headers={"Cookie": cookie}, timeout=30) as client:

        def list_page() -> httpx.Response:
            return client.get("/app/")

        response = benchmark.pedantic(list_page, rounds=40, iterations=1, warmup_rounds=3)

    assert response.status_code == 200
    assert len(re.findall(r'href="/app/cases/[0-9a-f-]{36}"', response.text)) == 25  # one page of 500
    assert benchmark.stats is not None
    seconds = list(benchmark.stats.stats.data)
    record(
        "web_list_page",
        f"case list, {SEEDED_CASES} cases",
        requests=len(seconds),
        median_ms=round(median(seconds) * 1000, 1),
        p95_ms=round(percentile(seconds, 0.95) * 1000, 1),
    )
    assert benchmark.stats.stats.median < LIST_PAGE_TARGET_SECONDS
