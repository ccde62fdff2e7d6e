"""``scrt import --dry-run`` through the local stack (issue 22): time per row and the command's
peak memory at 1,000 rows against 100, each at most 1.2 times.

The command runs in a fresh interpreter, as a person runs it, against the bench stack's API; the
time is the import's own (from reading the file to writing the report; the interpreter's start and
the modules' loading, the same for any file, left out), per row; the memory is the process's peak
resident set (VmHWM: it starts afresh at exec). A warm-up run first, so the stack's first requests
(lazy imports, the signing keys) are not charged to the smaller file. Synthetic rows only.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from statistics import median
from typing import Any

import pytest
from openpyxl import load_workbook
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import record
from local_stack.identity import issue_token
from local_stack.stack import LocalStack
from tracker.imports.columns import COLUMNS
from tracker.imports.template import template_xlsx

ROOT = Path(__file__).resolve().parent.parent
SMALL, LARGE = 100, 1000
GOAL = 1.2
SMALL_RUNS = 3
SECTION = "import_dry_run"
_MEASURED: dict[int, dict[str, float]] = {}

_SCRIPT = """
import json, sys, time
def peak():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
from local_stack import cli, importer  # loaded before the clock starts: the import's work is timed
import openpyxl, openpyxl.cell, openpyxl.styles, openpyxl.utils, openpyxl.worksheet.datavalidation
started = time.perf_counter()
code = cli.main(sys.argv[1:])
seconds = time.perf_counter() - started
print(json.dumps({'code': code, 'seconds': seconds, 'peak_rss_mib': peak()}))
"""


def _file(rows: int, folder: Path) -> Path:
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    cases = workbook["Cases"]
    position = {column.name: number for number, column in enumerate(COLUMNS, start=1)}
    for row in range(2, rows + 2):
        values = {
            "reviewType": ("Safeguarding adult review (SAR)", "CSPR", "Rapid review")[row % 3],
            "status": "Open",
            "stage": "Notified",
            "designatedProfessional": "ICB safeguarding lead",
            "safeguardingPartnership": f"Synthetic Partnership {row % 40}",
            "themes": "Neglect; Self neglect",
            "incidentDate": f"{1 + row % 27:02d}/01/2026",
            "dateAdded": "2 February 2026",
            "localReference": f"BENCH-{row:05d}",
            "lessonsLearnt": "Synthetic learning about information sharing between agencies.",
        }
        for name, value in values.items():
            cases.cell(row=row, column=position[name], value=value)
    path = folder / f"cases-{rows}.xlsx"
    workbook.save(path)
    return path


def _dry_run(stack: LocalStack, source: Path) -> dict[str, Any]:
    token = issue_token(stack.state, "icb_editor", "QE1")
    arguments = ["import", str(source), "--icb", "QE1", "--dry-run", "--api", stack.api_url, "--token", token]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")])}
    output = subprocess.run(  # noqa: S603 - this interpreter and the script above
        [sys.executable, "-c", _SCRIPT, *arguments],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    assert figures["code"] == 0, output  # every synthetic row is ready to create
    return figures


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("import-bench")
    return {size: _file(size, folder) for size in (10, SMALL, LARGE)}


def _record(size: int, runs: list[dict[str, Any]]) -> dict[str, float]:
    seconds = median(run["seconds"] for run in runs)
    measured = {
        "ms_per_row": round(1000 * seconds / size, 2),
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(max(run["peak_rss_mib"] for run in runs), 1),
    }
    record(SECTION, f"{size} rows", **measured)
    return measured


def test_dry_run_of_100_rows(
    benchmark: BenchmarkFixture, bench_stack: LocalStack, files: dict[int, Path]
) -> None:
    _dry_run(bench_stack, files[10])  # warm-up
    runs = benchmark.pedantic(
        lambda: [_dry_run(bench_stack, files[SMALL]) for _ in range(SMALL_RUNS)], rounds=1, iterations=1
    )
    _MEASURED[SMALL] = _record(SMALL, runs)


def test_dry_run_of_1000_rows_costs_per_row_and_in_memory_what_100_do(
    benchmark: BenchmarkFixture, bench_stack: LocalStack, files: dict[int, Path]
) -> None:
    if SMALL not in _MEASURED:
        pytest.skip("measured against the 100-row run, which did not run")
    runs = benchmark.pedantic(lambda: [_dry_run(bench_stack, files[LARGE])], rounds=1, iterations=1)
    large, small = _record(LARGE, runs), _MEASURED[SMALL]
    ratios = {
        "time_per_row": large["ms_per_row"] / small["ms_per_row"],
        "peak_memory": large["peak_rss_mib"] / small["peak_rss_mib"],
    }
    for name, ratio in ratios.items():
        record(SECTION, f"ratio {name}", **{f"{LARGE}_to_{SMALL}": round(ratio, 2)})
    benchmark.extra_info.update(ratios)
    assert {name: ratio for name, ratio in ratios.items() if ratio > GOAL} == {}, (small, large)
