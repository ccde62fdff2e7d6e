"""Figures of the API on the local stack (DynamoDB Local, SeaweedFS, the local API Gateway):

- handler overhead of submit, update, get and list beyond their AWS calls (median, p95): the real
  handlers run in-process, every botocore call is timed, and what is left is the tracker's own code;
- the delay from a write's response to its change extract in S3, over 200 writes (goal p95 <= 1 s);
- throughput with 8 concurrent clients, 80 % reads and 20 % writes, with zero errors.

Tests run in file order on one stack: the poller is off for the overhead (so no publishing thread
competes), then started.
"""

import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botocore.client import BaseClient
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import median, percentile, record
from local_stack.identity import issue_token
from local_stack.stack import LocalStack
from tests.conftest import synthetic_case
from tests.support.api import Api
from tracker.extracts.keys import CHANGES_PREFIX

ROUNDS = int(os.environ.get("SCRT_BENCH_HANDLER_ROUNDS", "150"))
EXTRACT_WRITES = 200
EXTRACT_P95_GOAL_SECONDS = 1.0
CLIENTS = 8
REQUESTS_PER_CLIENT = int(os.environ.get("SCRT_BENCH_LOAD_REQUESTS", "60"))


class _AwsTime:
    """Seconds spent inside botocore calls, per thread (the handler runs on the calling thread)."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def seconds(self) -> float:
        return float(getattr(self._local, "seconds", 0.0))

    def reset(self) -> None:
        self._local.seconds = 0.0

    def wrap(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(client: Any, operation: str, params: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(client, operation, params)
            finally:
                self._local.seconds = self.seconds + time.perf_counter() - started

        return timed


@pytest.fixture
def aws_time(monkeypatch: pytest.MonkeyPatch) -> _AwsTime:
    timer = _AwsTime()
    monkeypatch.setattr(BaseClient, "_make_api_call", timer.wrap(getattr(BaseClient, "_make_api_call")))  # noqa: B009 - private to botocore
    return timer


def _overhead(aws_time: _AwsTime, call: Callable[[], Any]) -> tuple[float, float]:
    aws_time.reset()
    started = time.perf_counter()
    call()
    total = time.perf_counter() - started
    return total - aws_time.seconds, aws_time.seconds


def test_handler_overhead_beyond_aws_calls(
    benchmark: BenchmarkFixture, bench_stack: LocalStack, aws_time: _AwsTime
) -> None:
    api = Api(bench_stack.dynamodb)
    created = api.submit(synthetic_case(), headers={"Idempotency-Key": f"warm-{uuid.uuid4()}"})
    assert created.status == 201, created.body
    case_id, etag = created.body["caseId"], created.etag
    api.list_cases(limit="25")  # first calls build clients, read settings and the cursor key
    samples: dict[str, list[tuple[float, float]]] = {"submit": [], "update": [], "get": [], "list": []}

    def one_round() -> None:
        nonlocal etag
        key = f"bench-{uuid.uuid4()}"
        samples["submit"].append(
            _overhead(aws_time, lambda: api.submit(synthetic_case(), headers={"Idempotency-Key": key}))
        )
        reference = f"L{len(samples['update'])}"
        result: list[Any] = []
        samples["update"].append(
            _overhead(
                aws_time, lambda: result.append(api.patch(case_id, {"localReference": reference}, etag))
            )
        )
        assert result[0].status == 200, result[0].body
        etag = result[0].etag
        samples["get"].append(_overhead(aws_time, lambda: api.get(case_id)))
        samples["list"].append(_overhead(aws_time, lambda: api.list_cases(limit="25")))

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    for name, pairs in samples.items():
        own = [pair[0] * 1000 for pair in pairs]
        aws = [pair[1] * 1000 for pair in pairs]
        figures = {
            "overhead_ms_median": round(median(own), 2),
            "overhead_ms_p95": round(percentile(own, 0.95), 2),
            "aws_calls_ms_median": round(median(aws), 2),
            "requests": len(pairs),
        }
        record("handler_overhead", name, **figures)
        benchmark.extra_info[name] = figures


def _change_keys(stack: LocalStack) -> set[str]:
    keys: set[str] = set()
    paginator = stack.s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=stack.config.bucket, Prefix=CHANGES_PREFIX):
        keys.update(entry["Key"] for entry in page.get("Contents", []))
    return keys


def _wait_until_quiet(stack: LocalStack, quiet_seconds: float = 3.0, limit_seconds: float = 300) -> None:
    """Until the change extracts stop growing: the poller has drained what earlier tests wrote."""
    deadline = time.monotonic() + limit_seconds
    count, stable_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(_change_keys(stack))
        if now != count:
            count, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= quiet_seconds:
            return
        time.sleep(0.5)


@pytest.fixture
def http(bench_stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bench_stack.api_url, timeout=30) as client:
        yield client


def _editor_headers(stack: LocalStack, org: str = "QE1") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(stack.state, 'icb_editor', org)}"}


def test_write_to_extract_delay(
    benchmark: BenchmarkFixture, bench_stack: LocalStack, http: httpx.Client
) -> None:
    assert bench_stack.poller is not None
    bench_stack.poller.start()
    _wait_until_quiet(bench_stack)
    headers = _editor_headers(bench_stack)
    written: dict[str, float] = {}  # case id -> when its write was answered
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set() or len(seen) < len(written):
            now = time.perf_counter()
            for key in _change_keys(bench_stack):
                case_id = key.rsplit("/", 1)[-1].split(".v", 1)[0]
                if case_id in written and case_id not in seen:
                    seen[case_id] = now
            if stop.is_set() and time.perf_counter() - stopped_at > 30:
                return
            time.sleep(0.02)

    stopped_at = 0.0

    def write_all() -> None:
        nonlocal stopped_at
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        for number in range(EXTRACT_WRITES):
            response = http.post(
                "/cases",
                json=synthetic_case(),
                headers={**headers, "Idempotency-Key": f"delay-{number}-{uuid.uuid4()}"},
            )
            assert response.status_code == 201, response.text
            written[response.json()["caseId"]] = time.perf_counter()
            time.sleep(0.05)  # about 15 writes a second, as a busy day's forms never reach
        stopped_at = time.perf_counter()
        stop.set()
        watcher.join()

    benchmark.pedantic(write_all, rounds=1, iterations=1)
    delays = [seen[case_id] - answered for case_id, answered in written.items() if case_id in seen]
    assert len(delays) == EXTRACT_WRITES, f"{EXTRACT_WRITES - len(delays)} extracts never appeared"
    figures = {
        "writes": len(delays),
        "p50_seconds": round(median(delays), 3),
        "p95_seconds": round(percentile(delays, 0.95), 3),
        "poll_interval_seconds": bench_stack.config.poll_interval_seconds,
    }
    record("extract_delay", "local stack", **figures)
    benchmark.extra_info.update(figures)
    assert figures["p95_seconds"] <= EXTRACT_P95_GOAL_SECONDS, figures


def test_throughput_with_8_clients(benchmark: BenchmarkFixture, bench_stack: LocalStack) -> None:
    headers = _editor_headers(bench_stack)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        rng = random.Random(number)  # noqa: S311 - a reproducible mix of requests, not a secret
        with httpx.Client(base_url=bench_stack.api_url, timeout=30, headers=headers) as session:
            created = session.post(
                "/cases", json=synthetic_case(), headers={"Idempotency-Key": f"load-{uuid.uuid4()}"}
            )
            case_id, etag = created.json()["caseId"], created.headers["ETag"]
            for _ in range(REQUESTS_PER_CLIENT):
                draw = rng.random()
                started = time.perf_counter()
                if draw < 0.4:
                    response = session.get("/cases", params={"limit": "25"})
                elif draw < 0.8:
                    response = session.get(f"/cases/{case_id}")
                elif draw < 0.9:
                    response = session.patch(
                        f"/cases/{case_id}",
                        json={"localReference": f"L{rng.randint(0, 10**6)}"},
                        headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"},
                    )
                    etag = response.headers.get("ETag", etag)
                else:
                    response = session.post(
                        "/cases", json=synthetic_case(), headers={"Idempotency-Key": f"load-{uuid.uuid4()}"}
                    )
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code >= 400:
                        errors.append(f"{response.status_code} {response.text[:200]}")

    elapsed_total: list[float] = []

    def run() -> None:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
        elapsed_total.append(time.perf_counter() - started)

    benchmark.pedantic(run, rounds=1, iterations=1)
    figures = {
        "clients": CLIENTS,
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed_total[0], 1),
        "p50_ms": round(median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "errors": len(errors),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    record("local_stack_load", "80/20", **figures)
    benchmark.extra_info.update(figures)
    assert errors == [], errors[:5]
