"""Helpers of the benchmarks: percentiles, and the figures of the run, kept for docs/performance.md."""

import gc
import json
import os
import statistics
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

RESULTS_VARIABLE = "SCRT_BENCH_RESULTS"
"""The environment variable naming the file that keeps the figures of the last run."""
DEFAULT_RESULTS = ".local/bench/last-run.json"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.95 for p95)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values)


MIB = 1024**2


def peak_mib_by_size(
    run: Callable[[int], object], sizes: Iterable[int], *, repetitions: int, warm_up: Callable[[], object]
) -> dict[int, float]:
    """The peak of Python allocations while ``run(size)`` runs and its result is held, above what was
    held before, in MiB: the median of ``repetitions`` at each size, the sizes in turns.

    What this makes comparable between sizes: every pass starts from the same state (one warm-up
    before any, a collection before each), so a ratio between sizes is what grows with the size, not
    what the first pass alone pays (lazy imports, caches filled once). The warm-up runs traced, so a
    cache that fills once and then replaces entries one for one (pydantic-core keeps 16,384 strings)
    is full when counting starts, and its replacements cancel out. The median drops a pass that met
    a garbage collection or a resize the others did not."""
    chosen = list(sizes)
    peaks: dict[int, list[float]] = {size: [] for size in chosen}
    tracemalloc.start()
    try:
        warm_up()
        for _ in range(repetitions):
            for size in chosen:
                gc.collect()
                baseline = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
                result = run(size)
                peaks[size].append((tracemalloc.get_traced_memory()[1] - baseline) / MIB)
                del result
    finally:
        tracemalloc.stop()
    return {size: median(values) for size, values in peaks.items()}


def results_file() -> Path:
    return Path(os.environ.get(RESULTS_VARIABLE, DEFAULT_RESULTS))


def read_results() -> dict[str, Any]:
    """The figures recorded so far in this run: section -> row name -> figure name -> value."""
    path = results_file()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save_results(results: dict[str, Any]) -> None:
    path = results_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # In the order recorded, which is the order of the tables' rows and columns.
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")


def record(section: str, name: str, **figures: Any) -> None:
    """Add figures to a row of a section's table; a row may be filled by several tests (one column per
    size, say). The run writes the tables into docs/performance.md when it ends (benchmarks/figures.py)."""
    results = read_results()
    results.setdefault(section, {}).setdefault(name, {}).update(figures)
    save_results(results)
