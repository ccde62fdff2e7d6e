"""Costs that must not grow with the collection, on DynamoDB Local:

- items read and time per list page at 1k, 10k and 50k cases, for an ICB, a region, the nation and
  a provider, with no filter, ``overdue=true``, ``overdue=false``, a rare ``reviewType`` (about 1
  case in 200), a ``status`` and a ``stage`` (goal: items read at 50k / at 1k <= 1.1 for every
  scope and filter); items read = ``ScannedCount`` of every Query plus the items every
  BatchGetItem returns (a provider's list follows its links to the cases);
- the snapshot's memory at 5k and 50k cases: peak resident set and its growth over the run
  (goal: both ratios <= 1.2).

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
from benchmarks.stack_support import FOCUS_ICB, FOCUS_PROVIDER, RARE_REVIEW_TYPE, SeededTable
from local_stack.stack import LocalStack
from tracker import composition, settings
from tracker.access import AccessPolicy, Caller
from tracker.dal.cases import DynamoCaseStore
from tracker.logic.cases import CaseService, list_read_limit
from tracker.logic.commands import ListCases
from tracker.logic.cursor import CursorCodec
from tracker.logic.due import next_due_date
from tracker.models.enums import CaseStatus, ReviewType, Role, Stage
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
    "provider": Caller(Role.PROVIDER, FOCUS_PROVIDER, "bench-provider"),
}
FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "overdue=true": {"overdue": True},
    "overdue=false": {"overdue": False},
    f"reviewType={RARE_REVIEW_TYPE}": {"review_type": ReviewType(RARE_REVIEW_TYPE)},
    "status=CLOSED": {"status": CaseStatus.CLOSED},
    "stage=ACTIONS_MONITORING": {"stage": Stage.ACTIONS_MONITORING},
}
PLENTIFUL = ("none", "overdue=true", "overdue=false")  # about half the cases or more match
READS: dict[tuple[str, str, int], int] = {}
SNAPSHOT_PEAKS: dict[int, dict[str, Any]] = {}


class _CountingClient:
    """Items read: every Query's ScannedCount (filtered out or not), every BatchGetItem's items."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.scanned = 0

    def query(self, **request: Any) -> Any:
        response = self._client.query(**request)
        self.scanned += int(response["ScannedCount"])
        return response

    def batch_get_item(self, **request: Any) -> Any:
        response = self._client.batch_get_item(**request)
        self.scanned += sum(len(items) for items in response.get("Responses", {}).values())
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
    policy = AccessPolicy(reference)
    store = DynamoCaseStore(counting, TABLE, next_due=next_due_date)  # type: ignore[arg-type]
    service = CaseService(store, policy, reference, lambda: codec)
    figures: dict[str, Any] = {}
    for scope, caller in SCOPES.items():
        for filter_name, filter_fields in FILTERS.items():
            query = ListCases(limit=LIMIT, **filter_fields)
            seconds, reads = [], []
            for _ in range(5):
                counting.scanned = 0
                started = time.perf_counter()
                page = service.list(caller, query)
                seconds.append(time.perf_counter() - started)
                reads.append(counting.scanned)
            _assert_page_answers(page, filter_fields, scope, filter_name, size)
            if filter_name in PLENTIFUL:
                assert len(page.items) == LIMIT, (scope, filter_name, size)
            assert reads[-1] <= _read_bound(policy, caller), (scope, filter_name, size, reads[-1])
            READS[(scope, filter_name, size)] = reads[-1]
            name = f"{scope} {filter_name}"
            figures[f"{name} @{size}"] = {
                f"items_read_at_{size}": reads[-1],
                f"page_cases_at_{size}": len(page.items),
                f"ms_per_page_at_{size}": round(median(seconds) * 1000, 1),
            }
            record("list_pages", name, **figures[f"{name} @{size}"])
    return figures


def _read_bound(policy: AccessPolicy, caller: Caller) -> int:
    """The most a page may read at any size: the read limit in each partition of the scope (a
    provider's link partition twice: its links, and the cases they lead to)."""
    scope = policy.list_scope(caller, None)
    partitions = len(scope.icb_codes) + len(scope.region_codes) + 2 * len(scope.provider_codes)
    return partitions * list_read_limit(LIMIT)


def _assert_page_answers(page: Any, fields: dict[str, Any], *where: Any) -> None:
    """Every case on the page matches the filter; a short page says where to go on (a cursor)."""
    assert len(page.items) == LIMIT or page.next_cursor is not None, where
    for case in page.items:
        if "overdue" in fields:
            assert case.deadlines.overdue is fields["overdue"], where
        for name in ("review_type", "status", "stage"):
            if name in fields:
                assert getattr(case, name) is fields[name], where


def test_list_pages_at_1k(benchmark: BenchmarkFixture, table: SeededTable, fixed_today: None) -> None:
    benchmark.extra_info.update(
        benchmark.pedantic(lambda: _measure_lists(table, SMALL), rounds=1, iterations=1)
    )


def _snapshot_peak(bench_stack: LocalStack, size: int) -> dict[str, Any]:
    """The snapshot in a fresh interpreter: peak resident memory, and its growth over the run (from
    after the imports and clients), where what the run itself holds shows, not the interpreter's."""
    # VmHWM (the peak resident set) starts afresh at exec; ru_maxrss would carry pytest's own.
    # Not tracemalloc: in two trials here the 5k snapshot took 40.5 s with it, 10.3 s without.
    script = (
        "import json, time\n"
        "from datetime import date\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "from tracker import composition\n"
        "composition.extract_store(); composition.dynamodb_client(); composition.reference_data()\n"
        "before = peak()\n"
        "started = time.perf_counter()\n"
        f"snapshot = composition.run_snapshot(date.fromisoformat({date(2026, 11, 26).isoformat()!r}))\n"
        "seconds = time.perf_counter() - started\n"
        "after = peak()\n"
        "print(json.dumps({'cases': snapshot.case_count, 'seconds': seconds, 'peak_rss_mib': after,"
        " 'growth_mib': after - before}))\n"
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


def _snapshot_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures of one snapshot run for its row of the table (the case count names the row)."""
    return {name: round(value, 1) for name, value in figures.items() if name != "cases"}


def test_snapshot_memory_at_5k(
    benchmark: BenchmarkFixture, table: SeededTable, bench_stack: LocalStack
) -> None:
    table.grow_to(SNAPSHOT_SMALL)
    SNAPSHOT_PEAKS[SNAPSHOT_SMALL] = benchmark.pedantic(
        lambda: _snapshot_peak(bench_stack, SNAPSHOT_SMALL), rounds=1, iterations=1
    )
    record("snapshot", f"{SNAPSHOT_SMALL}", **_snapshot_figures(SNAPSHOT_PEAKS[SNAPSHOT_SMALL]))


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
        f"{scope} {filter_name}": READS[(scope, filter_name, LARGE)] / READS[(scope, filter_name, SMALL)]
        for scope in SCOPES
        for filter_name in FILTERS
    }
    for name, ratio in ratios.items():
        record("list_pages", name, **{f"items_read_ratio_{LARGE}_to_{SMALL}": round(ratio, 2)})
    assert {name: ratio for name, ratio in ratios.items() if ratio > READS_GOAL} == {}, ratios


def test_snapshot_memory_at_large_is_that_at_5k(
    benchmark: BenchmarkFixture, table: SeededTable, bench_stack: LocalStack
) -> None:
    table.grow_to(LARGE)
    large = benchmark.pedantic(lambda: _snapshot_peak(bench_stack, LARGE), rounds=1, iterations=1)
    small = SNAPSHOT_PEAKS[SNAPSHOT_SMALL]
    record("snapshot", f"{LARGE}", **_snapshot_figures(large))
    ratios = {
        "peak_rss": large["peak_rss_mib"] / small["peak_rss_mib"],
        "growth": large["growth_mib"] / max(small["growth_mib"], 1.0),
    }
    for name, ratio in ratios.items():
        record("snapshot_ratios", name, **{f"{LARGE}_to_{SNAPSHOT_SMALL}": round(ratio, 2)})
    benchmark.extra_info.update({f"{name}_ratio": ratio for name, ratio in ratios.items()})
    # Both within the goal: the whole process's peak (what Lambda's memory size must hold), and what
    # the run itself adds (its growth), where memory held per case would show.
    assert {name: ratio for name, ratio in ratios.items() if ratio > MEMORY_GOAL} == {}, (small, large)
