"""Helpers of the benchmarks: percentiles, and a table of figures printed at the end of the run."""

import json
import os
import statistics
from pathlib import Path
from typing import Any

RESULTS_FILE = Path(os.environ.get("SCRT_BENCH_RESULTS", ".local/bench/last-run.json"))


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.95 for p95)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values)


def record(section: str, name: str, **figures: Any) -> None:
    """Keep a row of figures for docs/performance.md (``.local/bench/last-run.json``)."""
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = json.loads(RESULTS_FILE.read_text()) if RESULTS_FILE.exists() else {}
    results.setdefault(section, {})[name] = figures
    RESULTS_FILE.write_text(json.dumps(results, indent=2, sort_keys=True))
