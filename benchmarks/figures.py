"""The figures of a `make bench` run, written into docs/performance.md when the run ends.

A pytest plugin (benchmarks/conftest.py imports its hooks): the run starts with no figures, each
benchmark records its own (``benchmarks.measure.record``), and at the end the tables replace what is
between the document's two markers, headed by when the run was, its command and its outcome. The
rest of the document (the method, what the figures mean) is written by hand and left alone, so the
document always shows the last run's figures and nothing else. A run that recorded nothing (every
benchmark skipped or deselected) leaves the document as it was.
"""

import os
import platform
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.measure import read_results, results_file, save_results

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_VARIABLE = "SCRT_BENCH_DOC"
"""The environment variable naming the document to write (docs/performance.md when unset)."""
START_MARKER = (
    "<!-- make bench writes what follows, up to the end marker, from its last run: do not edit by hand -->"
)
END_MARKER = "<!-- end of what make bench writes -->"
RUN = "run"
"""The results' entry describing the run itself rather than a benchmark's figures."""
SETTINGS_PREFIX = "SCRT_BENCH_"
REASON_CHARACTERS = 200

# Each section's title and the heading of its first column, in the order they are shown; a section
# not listed here is shown after them under its own name.
SECTIONS: dict[str, tuple[str, str]] = {
    "cold_import": ("Cold import: median seconds of a fresh interpreter", "module"),
    "own_code": ("The API's own code against a JSON round trip of the same data (in memory)", "measure"),
    "handler_overhead": ("Handler overhead beyond AWS calls (DynamoDB Local), milliseconds", "request"),
    "extract_delay": ("Write-to-extract delay", "stack"),
    "local_stack_load": ("Local stack throughput", "mix"),
    "web_list_page": ("The web app's case list through the local stack", "page"),
    "page_weight": (
        "The case list's weight in a browser: KB (1,000 bytes) on the wire, headers included, as "
        "served (gzip where the client accepts it); a repeat visit downloads only what is not cached",
        "download",
    ),
    "list_pages": (
        "List pages of 25: items read, cases on the page and milliseconds per page (median of 5) by "
        "collection size; the ratio is items read at the largest size to items read at the smallest",
        "scope and filter",
    ),
    "snapshot": ("Snapshot memory (a fresh interpreter), MiB and seconds", "cases"),
    "snapshot_ratios": ("Snapshot memory, largest collection to 5k", "ratio"),
    "overview": ("The overview's server time and memory per request, by collection size", "cases"),
    "import_dry_run": ("scrt import --dry-run through the local stack: per row and peak memory", "file"),
    "read_audit": ("The read audit: server time with and without it, and writes per list page", "request"),
    "web_edit_page": ("The edit page against the case page through the local stack", "page"),
}

_session: dict[str, Any] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    results_file().unlink(missing_ok=True)  # the figures shown are this run's only
    _session.clear()
    _session.update(
        started=_now(),
        command=shlex.join(["pytest", *session.config.invocation_params.args]),
        passed=0,
        failed=[],
        skipped=0,
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _session:
        return
    if report.failed:
        if report.nodeid not in (failure["test"] for failure in _session["failed"]):
            _session["failed"].append({"test": report.nodeid, "reason": _failure_reason(report)})
    elif report.skipped:
        _session["skipped"] += 1
    elif report.when == "call":
        _session["passed"] += 1


def _failure_reason(report: pytest.TestReport) -> str:
    """The first line of what failed (a goal's assertion, or an error's message), so the page tells
    a goal missed from a benchmark that could not run."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = (crash.message if crash is not None else str(report.longrepr)).strip()
    return message.splitlines()[0][:REASON_CHARACTERS] if message else "no message"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    results = read_results()
    if not _session or not results:
        return
    settings = {name: value for name, value in os.environ.items() if name.startswith(SETTINGS_PREFIX)}
    results[RUN] = {
        **_session,
        "finished": _now(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "settings": {name: settings[name] for name in sorted(settings) if name != DOCUMENT_VARIABLE},
    }
    save_results(results)
    write_figures(Path(os.environ.get(DOCUMENT_VARIABLE) or ROOT / "docs" / "performance.md"), results)


def write_figures(document: Path, results: dict[str, Any]) -> None:
    """Replace what is between the document's markers with the tables of ``results``."""
    text = document.read_text(encoding="utf-8")
    if text.count(START_MARKER) != 1 or text.count(END_MARKER) != 1:
        raise ValueError(
            f"{document} must hold each of the figures' markers once: {START_MARKER!r}, {END_MARKER!r}"
        )
    before, rest = text.split(START_MARKER)
    _, after = rest.split(END_MARKER)
    document.write_text(
        f"{before}{START_MARKER}\n{figures_markdown(results)}\n{END_MARKER}{after}", encoding="utf-8"
    )


def figures_markdown(results: dict[str, Any]) -> str:
    parts = [_run_summary(results[RUN])] if RUN in results else []
    sections = [name for name in SECTIONS if name in results]
    sections += [name for name in results if name not in SECTIONS and name != RUN]
    for name in sections:
        title, first_column = SECTIONS.get(name, (name, "name"))
        parts.append(f"**{title}**\n\n{_table(first_column, results[name])}")
    return "\n\n".join(parts)


def _run_summary(run: dict[str, Any]) -> str:
    failed: list[dict[str, str]] = run["failed"]
    settings = (
        ", ".join(f"`{name}={value}`" for name, value in run["settings"].items()) or "none (the defaults)"
    )
    lines = [
        f"From the run of {run['started']} to {run['finished']} (`{run['command']}`): "
        f"{run['passed']} passed, {len(failed)} failed, {run['skipped']} skipped. "
        f"Python {run['python']}, {run['cpus']} CPUs; settings: {settings}.",
    ]
    if failed:
        lines.append(
            "Failed (a goal not met, or an error; the run's output has the rest): "
            + "; ".join(f"`{failure['test']}` ({failure['reason']})" for failure in failed)
            + "."
        )
    return "\n".join(lines)


def _table(first_column: str, rows: dict[str, dict[str, Any]]) -> str:
    columns: list[str] = []
    for figures in rows.values():  # every figure any row has, in the order first recorded
        columns += [name for name in figures if name not in columns]
    lines = [
        "| " + " | ".join([first_column, *(name.replace("_", " ") for name in columns)]) + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    for name, figures in rows.items():
        cells = [name, *(_cell(figures.get(column)) for column in columns)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
