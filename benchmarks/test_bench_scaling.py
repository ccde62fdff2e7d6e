"""Costs that must not grow with the collection, on DynamoDB Local:

- items read and time per list page at 1k, 10k and 50k cases, for an ICB, a region and the nation,
  with and without ``overdue=true`` (goal: items read at 50k / at 1k <= 1.1 for every one);
- the snapshot's peak memory at 5k and 50k cases (goal: ratio <= 1.2).

The table grows in steps (seeded with BatchWriteItem straight into DynamoDB Local), so the tests of
this module run in file order on one table. ``SCRT_BENCH_LARGE`` sets the largest size (default
50000; a smaller one makes a quick run, whose ratios are then of that size to 1k).
"""

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import median, record
from benchmarks.stack_support import FOCUS_ICB, SeededTable
from local_stack.stack import LocalStack
from tracker import composition, settings
from tracker.access import AccessPolicy, Caller
from tracker.dal.cases import DynamoCaseStore
from tracker.logic.cases import CaseService
from tracker.logic.commands import ListCases
from tracker.logic.cursor import CursorCodec
from tracker.models.enums import Role
from tracker.reference import reference_data

ROOT = Path(__file__).resolve().parent.parent
LARGE = int(os.environ.get("SCRT_BENCH_LARGE", "50000"))
SMALL, MIDDLE, SNAPSHOT_SMALL = 1_000, min(10_000, LARGE), 5_000
TABLE = "scrt-bench-scaling"
LIMIT = 25
READS_GOAL, MEMORY_GOAL = 1.1, 1.2
SCOPES = {
    "icb": Caller(Role.ICB_EDITOR, FOCUS_ICB, "bench-editor"),
    "region": Caller(Role.REGIONAL, "Y62", "bench-regional"),
    "nation": Caller(Role.NATIONAL, "X24", "bench-national"),
}
READS: dict[tuple[str, bool, int], int] = {}
SNAPSHOT_PEAKS: dict[int, dict[str, Any]] = {}


class _CountingClient:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.scanned = 0

    def query(self, **request: Any) -> Any:
        response = self._client.query(**request)
        self.scanned += int(response["ScannedCount"])
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture(scope="module")
def table(bench_stack: LocalStack) -> SeededTable:
    return SeededTable(bench_stack.dynamodb, TABLE)


def _measure_lists(table: SeededTable, size: int) -> dict[str, Any]:
    table.grow_to(size)
    counting = _CountingClient(composition.dynamodb_client())
    reference = reference_data()
    codec = CursorCodec(b"bench-cursor-key-0123456789abcdef")
    service = CaseService(DynamoCaseStore(counting, TABLE), AccessPolicy(reference), reference, lambda: codec)  # type: ignore[arg-type]
    figures: dict[str, Any] = {}
    for scope, caller in SCOPES.items():
        for overdue in (False, True):
            query = ListCases(limit=LIMIT, overdue=True if overdue else None)
            seconds, reads = [], []
            for _ in range(5):
                counting.scanned = 0
                started = time.perf_counter()
                page = service.list(caller, query)
                seconds.append(time.perf_counter() - started)
                reads.append(counting.scanned)
            assert len(page.items) == LIMIT, (scope, overdue, size)
            assert not overdue or all(case.deadlines.overdue for case in page.items)
            READS[(scope, overdue, size)] = reads[-1]
            name = f"{scope}{' overdue' if overdue else ''} @{size}"
            figures[name] = {"items_read": reads[-1], "ms_per_page": round(median(seconds) * 1000, 1)}
            record("list_pages", name, **figures[name])
    return figures


def test_list_pages_at_1k(benchmark: BenchmarkFixture, table: SeededTable, fixed_today: None) -> None:
    benchmark.extra_info.update(
        benchmark.pedantic(lambda: _measure_lists(table, SMALL), rounds=1, iterations=1)
    )


def _snapshot_peak(bench_stack: LocalStack, size: int) -> dict[str, Any]:
    """The snapshot in a fresh interpreter: peak resident memory, and its growth over the run."""
    # VmHWM (the peak resident set) starts afresh at exec; ru_maxrss would carry pytest's own.
    script = (
        "import json, time\n"
        "from datetime import date\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "from tracker import composition\n"
        "from tracker.extracts import runtime\n"
        "composition.extract_store(); composition.dynamodb_client(); composition.reference_data()\n"
        "before = peak()\n"
        "started = time.perf_counter()\n"
        f"snapshot = runtime.run_snapshot(date.fromisoformat({date(2026, 11, 26).isoformat()!r}))\n"
        "after = peak()\n"
        "print(json.dumps({'cases': snapshot.case_count, 'seconds': time.perf_counter() - started,"
        " 'peak_rss_mib': after, 'growth_mib': after - before}))\n"
    )
    environment = {
        **os.environ,
        settings.CASES_TABLE_NAME: TABLE,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")]),
    }
    output = subprocess.run(  # noqa: S603 - this interpreter and the script above
        [sys.executable, "-c", script], env=environment, check=True, capture_output=True, text=True
    ).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    assert figures["cases"] == size
    return figures


def test_snapshot_memory_at_5k(
    benchmark: BenchmarkFixture, table: SeededTable, bench_stack: LocalStack
) -> None:
    table.grow_to(SNAPSHOT_SMALL)
    SNAPSHOT_PEAKS[SNAPSHOT_SMALL] = benchmark.pedantic(
        lambda: _snapshot_peak(bench_stack, SNAPSHOT_SMALL), rounds=1, iterations=1
    )
    record(
        "snapshot",
        f"@{SNAPSHOT_SMALL}",
        **{k: round(v, 1) for k, v in SNAPSHOT_PEAKS[SNAPSHOT_SMALL].items()},
    )


def test_list_pages_at_10k(benchmark: BenchmarkFixture, table: SeededTable, fixed_today: None) -> None:
    benchmark.extra_info.update(
        benchmark.pedantic(lambda: _measure_lists(table, MIDDLE), rounds=1, iterations=1)
    )


def test_list_pages_at_large_read_as_many_items_as_at_1k(
    benchmark: BenchmarkFixture, table: SeededTable, fixed_today: None
) -> None:
    benchmark.extra_info.update(
        benchmark.pedantic(lambda: _measure_lists(table, LARGE), rounds=1, iterations=1)
    )
    ratios = {
        f"{scope}{' overdue' if overdue else ''}": READS[(scope, overdue, LARGE)]
        / READS[(scope, overdue, SMALL)]
        for scope in SCOPES
        for overdue in (False, True)
    }
    for name, ratio in ratios.items():
        record("list_ratios", name, items_read_ratio=round(ratio, 2), sizes=f"{LARGE}/{SMALL}")
    assert max(ratios.values()) <= READS_GOAL, ratios


def test_snapshot_memory_at_large_is_that_at_5k(
    benchmark: BenchmarkFixture, table: SeededTable, bench_stack: LocalStack
) -> None:
    table.grow_to(LARGE)
    large = benchmark.pedantic(lambda: _snapshot_peak(bench_stack, LARGE), rounds=1, iterations=1)
    small = SNAPSHOT_PEAKS[SNAPSHOT_SMALL]
    record("snapshot", f"@{LARGE}", **{k: round(v, 1) for k, v in large.items()})
    peak_ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
    growth_ratio = large["growth_mib"] / max(small["growth_mib"], 1.0)
    record(
        "snapshot",
        "ratio",
        peak_rss=round(peak_ratio, 2),
        growth=round(growth_ratio, 2),
        sizes=f"{LARGE}/{SNAPSHOT_SMALL}",
    )
    benchmark.extra_info.update({"peak_ratio": peak_ratio, "growth_ratio": growth_ratio})
    # The goal is on the peak: growth over the run is recorded too (docs/performance.md reads both).
    assert peak_ratio <= MEMORY_GOAL, (small, large)
