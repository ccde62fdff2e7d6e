"""`make bench` writes the figures of its last run into docs/performance.md, between two markers.

A tiny benchmark session runs in a fresh interpreter with the benchmarks' figure plugin, against a
results file and a document in a temporary folder, so the real document is never touched here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import figures, measure

ROOT = Path(__file__).resolve().parents[3]

TINY_BENCHMARKS = """
from benchmarks.measure import record


def test_cold_import() -> None:
    record("cold_import", "submit_case", seconds=0.252, ratio_to_minimal_powertools=0.55)


def test_lists_at_two_sizes() -> None:
    record("list_pages", "icb none", items_read_at_1000=26)
    record("list_pages", "icb none", items_read_at_50000=27)


def test_a_goal_missed() -> None:
    record("snapshot", "ratio", peak_rss=1.31)
    assert 1.31 <= 1.2
"""


def _document(stale: str) -> str:
    return (
        "# Performance\n\nThe method, written by hand.\n\n"
        f"{figures.START_MARKER}\n{stale}\n{figures.END_MARKER}\n\n"
        "## What the figures mean\n\nAlso written by hand.\n"
    )


def _bench_session(tmp_path: Path, document: Path, results: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_tiny_bench.py").write_text(TINY_BENCHMARKS, encoding="utf-8")
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        figures.DOCUMENT_VARIABLE: str(document),
        measure.RESULTS_VARIABLE: str(results),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "benchmarks.figures",
            "test_tiny_bench.py",
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def _table_row(text: str, name: str) -> list[str]:
    rows = [line for line in text.splitlines() if line.startswith(f"| {name} |")]
    assert len(rows) == 1, (name, text)
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


@pytest.mark.subprocess
def test_a_bench_session_writes_its_figures_between_the_markers(tmp_path: Path) -> None:
    document = tmp_path / "performance.md"
    document.write_text(_document("| stale | 9.99 |"), encoding="utf-8")

    run = _bench_session(tmp_path, document, tmp_path / "last-run.json")

    assert run.returncode == 1, run.stdout  # the missed goal still fails the run
    text = document.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nThe method, written by hand.\n\n" + figures.START_MARKER)
    assert text.endswith(figures.END_MARKER + "\n\n## What the figures mean\n\nAlso written by hand.\n")
    assert "stale" not in text
    written = text.split(figures.START_MARKER)[1].split(figures.END_MARKER)[0]
    assert "2 passed, 1 failed" in written
    assert "`test_tiny_bench.py::test_a_goal_missed` (assert 1.31 <= 1.2)" in written  # which, and why
    assert _table_row(written, "submit_case") == ["submit_case", "0.252", "0.55"]
    assert _table_row(written, "ratio") == ["ratio", "1.31"]


@pytest.mark.subprocess
def test_figures_recorded_in_two_steps_share_one_row(tmp_path: Path) -> None:
    document = tmp_path / "performance.md"
    document.write_text(_document(""), encoding="utf-8")

    _bench_session(tmp_path, document, tmp_path / "last-run.json")

    written = document.read_text(encoding="utf-8")
    assert _table_row(written, "icb none") == ["icb none", "26", "27"]
    assert "| items read at 1000 | items read at 50000 |" in written


@pytest.mark.subprocess
def test_figures_of_an_earlier_run_are_not_kept(tmp_path: Path) -> None:
    results = tmp_path / "last-run.json"
    results.write_text(
        json.dumps({"handler_overhead": {"submit": {"overhead_ms_median": 2.72}}}), encoding="utf-8"
    )
    document = tmp_path / "performance.md"
    document.write_text(_document(""), encoding="utf-8")

    _bench_session(tmp_path, document, results)

    assert "handler_overhead" not in json.loads(results.read_text(encoding="utf-8"))
    assert "2.72" not in document.read_text(encoding="utf-8")


def test_a_document_without_the_markers_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    document = tmp_path / "performance.md"
    document.write_text("# Performance\n\nNo markers here.\n", encoding="utf-8")

    with pytest.raises(ValueError, match="markers"):
        figures.write_figures(document, {"cold_import": {"submit_case": {"seconds": 0.25}}})

    assert document.read_text(encoding="utf-8") == "# Performance\n\nNo markers here.\n"


def test_the_performance_document_has_the_section_make_bench_writes() -> None:
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert text.count(figures.START_MARKER) == 1
    assert text.count(figures.END_MARKER) == 1
    assert text.index(figures.START_MARKER) < text.index(figures.END_MARKER)
