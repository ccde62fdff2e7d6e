"""Benchmarks reuse the unit tests' fixtures; the stack-based ones share one local stack. Each run
writes its figures into docs/performance.md when it ends (the hooks of ``benchmarks.figures``)."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.figures import pytest_runtest_logreport, pytest_sessionfinish, pytest_sessionstart
from local_stack import engines
from local_stack.stack import BACKEND_LOCAL, LocalStack, StackConfig
from tests.conftest import fixed_today
from tracker import composition

__all__ = [
    "bench_stack",
    "fixed_today",
    "pytest_runtest_logreport",
    "pytest_sessionfinish",
    "pytest_sessionstart",
]


@pytest.fixture(scope="session")
def bench_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """``scrt serve`` on the real engines (DynamoDB Local, SeaweedFS), fresh, on free ports.

    Its stream poller starts stopped: tests that measure extracts start it (``stack.poller.start()``).
    DynamoDB Local keeps its tables in memory: the stack is thrown away after the run, and on disk
    each write waits on a SQLite commit (about 20 ms here, against 2 to 3 ms for a GetItem), where
    DynamoDB's writes and reads both take single-digit milliseconds: a figure with a write in it
    would measure SQLite.
    """
    missing = engines.missing_local_engines()
    if missing is not None:
        pytest.skip(f"the local engines are needed: {missing}")
    in_memory = pytest.MonkeyPatch()
    in_memory.setenv(engines.DYNAMODB_IN_MEMORY_ENV, "1")
    root: Path = tmp_path_factory.mktemp("scrt-bench-state")
    weed = engines.WeedPorts.all_free()
    weed_taken = [port for _, port in weed.named()]
    http_port = engines.free_port(taken=weed_taken)
    config = StackConfig(
        state_root=str(root),
        backend=BACKEND_LOCAL,
        http_port=http_port,
        dynamodb_port=engines.free_port(taken=[*weed_taken, http_port]),
        s3_port=weed.s3,
        weed_ports=weed,
        poller=False,
        poll_interval_seconds=float(os.environ.get("SCRT_BENCH_POLL_SECONDS", "0.5")),
    )
    stack = LocalStack(config)
    composition.reset()
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        in_memory.undo()
        composition.reset()
        shutil.rmtree(root, ignore_errors=True)
