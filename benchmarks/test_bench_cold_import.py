"""Cold import of each API handler in a fresh interpreter, against a minimal Powertools REST handler
and an empty interpreter measured in the same run (ratios, since this machine is noisy).

Goal: each API handler's cold import at most 1.0 x the minimal Powertools handler's.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import median, record

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ("submit_case", "update_case", "query_cases", "icb_contacts", "web_app", "api_docs", "authorizer")
YARDSTICK = "benchmarks.fixtures.minimal_powertools_handler"
EMPTY = None
ROUNDS = int(os.environ.get("SCRT_BENCH_IMPORT_ROUNDS", "11"))
GOAL_RATIO = 1.0


def _import_seconds(module: str | None) -> float:
    """Wall time of a fresh interpreter importing ``module`` (None: importing nothing)."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")]),
        "AWS_DEFAULT_REGION": "eu-west-2",
    }
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - a fixed argv: this interpreter and a module name of this file
        [sys.executable, "-c", f"import {module}" if module else "pass"],
        env=environment,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def test_cold_import_of_every_api_handler(benchmark: BenchmarkFixture) -> None:
    modules: list[str | None] = [EMPTY, YARDSTICK, *(f"functions.{name}.handler" for name in HANDLERS)]
    for module in modules:  # compile and cache bytecode first, as a deployed layer ships it
        _import_seconds(module)
    samples: dict[str | None, list[float]] = {module: [] for module in modules}

    def one_round() -> None:
        for module in modules:  # interleaved, so drift in the machine's load hits every module alike
            samples[module].append(_import_seconds(module))

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)

    empty, yardstick = median(samples[EMPTY]), median(samples[YARDSTICK])
    ratios = {}
    for name in HANDLERS:
        seconds = median(samples[f"functions.{name}.handler"])
        ratios[name] = seconds / yardstick
        record(
            "cold_import",
            name,
            seconds=round(seconds, 3),
            ratio_to_minimal_powertools=round(seconds / yardstick, 2),
            ratio_to_empty_interpreter=round(seconds / empty, 1),
        )
    record(
        "cold_import",
        "minimal_powertools_handler",
        seconds=round(yardstick, 3),
        ratio_to_empty_interpreter=round(yardstick / empty, 1),
    )
    record("cold_import", "empty_interpreter", seconds=round(empty, 3))
    benchmark.extra_info.update({f"ratio_{name}": round(ratio, 2) for name, ratio in ratios.items()})
    assert max(ratios.values()) <= GOAL_RATIO, ratios
