"""The overview's cost does not grow with the collection (issue 20's measure): it reads the summary,
never the table.

Summaries are built (as the snapshot and the hourly run build them) from 1k cases and from
``SCRT_BENCH_LARGE`` cases (default 50k). A case's ICB, review type, quarter, themes, timeliness,
learning and recommendations follow its number modulo 1,000, so both collections hold the same
groups and differ only in how many cases each group counts: the ratio isolates the collection's
size, which is what a summary must not feel. The overview page is then served by the web app in
this process for the national team (every region: the largest page), its summary read and parsed on
every request as ``load_latest_summary`` does, the two sizes in turns so load on the machine hits
both alike; memory is the peak of Python allocations while one request is served (tracemalloc).

Goal: median time and peak memory at the large size at most 1.2 times those at 1k.
"""

import os
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.measure import MIB, median, peak_mib_by_size, record
from tests.unit.web.conftest import NATIONAL, Harness, ticking_clock, web
from tracker.extracts.summary import SnapshotSummary, SummaryBuilder, encode_summary
from tracker.models.case import Case, Deadlines

__all__ = ["ticking_clock", "web"]  # the unit tests' web app fixtures, used here

SMALL = 1_000
LARGE = int(os.environ.get("SCRT_BENCH_LARGE", "50000"))
ROUNDS, WARM_UP_ROUNDS = 30, 3
RATIO_GOAL = 1.2
SECTION = "overview"
DAY = date(2026, 11, 26)
ICBS = (("QE1", "Y62"), ("QOP", "Y62"), ("QMJ", "Y56"), ("QKK", "Y56"), ("QJK", "Y58"), ("QVV", "Y58"))
REVIEW_TYPES = ("CSPR", "RAPID_REVIEW", "SAR", "DHR")
THEMES = ("NEGLECT", "DOMESTIC_ABUSE", "SELF_NEGLECT", "MENTAL_HEALTH", "SUBSTANCE_MISUSE")


def _case(number: int) -> Case:
    kind = number % 1000  # the groups a case falls in: the same 1,000 kinds at every size
    icb, region = ICBS[kind % len(ICBS)]
    review_type = REVIEW_TYPES[kind % len(REVIEW_TYPES)]
    added = date(2025, 1, 6) + timedelta(days=(kind * 7) % 640)
    met = added + timedelta(days=150 + kind % 60) if kind % 3 else None
    record: dict[str, Any] = {
        "caseId": f"00000000-0000-4000-8000-{number:012d}",
        "reference": f"{icb}-2026-{number:05d}",
        "version": 1,
        "regionCode": region,
        "createdAt": "2026-01-01T09:00:00Z",
        "createdBy": "icb_editor:bench",
        "updatedAt": "2026-01-01T09:00:00Z",
        "updatedBy": "icb_editor:bench",
        "icbCode": icb,
        "reviewType": review_type,
        "status": "OPEN",
        "stage": "DECISION_PENDING" if review_type == "RAPID_REVIEW" else "IN_PROGRESS",
        "incidentDate": (added - timedelta(days=10)).isoformat(),
        "dateAdded": added.isoformat(),
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Safeguarding Partnership",
        "themes": sorted({THEMES[kind % 5], THEMES[(kind // 5) % 5]}),
        "learningDissemination": [{"method": "SEVEN_MINUTE_BRIEFING", "date": added.isoformat()}],
        "recommendations": [
            {
                "recommendationId": "R1",
                "theme": THEMES[kind % 5],
                "text": "Synthetic recommendation",
                "owner": "Synthetic owner",
                "dueDate": (added + timedelta(days=200)).isoformat(),
                "status": ("NOT_STARTED", "IN_PROGRESS", "COMPLETE")[kind % 3],
                "ownerProviderCode": ("RXX", "R0A", "RXL")[kind % 3],
            }
        ],
    }
    if met is not None:
        field = {"CSPR": "publicationDate", "RAPID_REVIEW": "rapidReviewCompletedDate"}.get(
            review_type, "reportSignedOffDate"
        )
        record[field] = (
            met if review_type != "RAPID_REVIEW" else added + timedelta(days=18 + kind % 8)
        ).isoformat()
    return Case.model_validate(record)


def _summary_bytes(size: int) -> bytes:
    builder = SummaryBuilder(DAY)
    for number in range(size):
        builder.add(_case(number))
    return encode_summary(builder.build(datetime(2026, 11, 26, 13, 0, tzinfo=UTC)))


def _serve(web: Harness, body: bytes) -> Any:
    # Read as load_latest_summary reads it, once per request, inside the measured time.
    web.summary[0] = SnapshotSummary.model_validate_json(body)
    page = web.request("GET", "/app/overview", caller=NATIONAL)
    assert page.status == 200 and "Timeliness" in page.body
    return page


def _measure(web: Harness, bodies: dict[int, bytes]) -> dict[int, dict[str, float]]:
    seconds: dict[int, list[float]] = {size: [] for size in bodies}
    peaks: dict[int, float] = {}
    for round_number in range(WARM_UP_ROUNDS + ROUNDS):
        for size, body in bodies.items():
            started = time.perf_counter()
            _serve(web, body)
            if round_number >= WARM_UP_ROUNDS:
                seconds[size].append(time.perf_counter() - started)
    for size, body in bodies.items():
        tracemalloc.start()
        _serve(web, body)
        peaks[size] = tracemalloc.get_traced_memory()[1] / 1024**2
        tracemalloc.stop()
    return {size: {"median_ms": median(seconds[size]) * 1000, "peak_mib": peaks[size]} for size in bodies}


def test_the_overview_costs_the_same_at_1k_and_at_the_largest_size(
    benchmark: BenchmarkFixture, web: Harness
) -> None:
    bodies = {SMALL: _summary_bytes(SMALL), LARGE: _summary_bytes(LARGE)}
    figures = benchmark.pedantic(lambda: _measure(web, bodies), rounds=1, iterations=1)
    for size, measured in figures.items():
        record(
            SECTION,
            f"{size} cases",
            summary_kb=round(len(bodies[size]) / 1000, 1),
            median_ms=round(measured["median_ms"], 1),
            peak_mib=round(measured["peak_mib"], 2),
        )
    time_ratio = figures[LARGE]["median_ms"] / figures[SMALL]["median_ms"]
    memory_ratio = figures[LARGE]["peak_mib"] / figures[SMALL]["peak_mib"]
    record(
        SECTION, f"{LARGE} to {SMALL}", time_ratio=round(time_ratio, 2), memory_ratio=round(memory_ratio, 2)
    )
    assert time_ratio <= RATIO_GOAL
    assert memory_ratio <= RATIO_GOAL


SNAPSHOT_SMALL = 5_000
PYDANTIC_CACHE_WARM_UP, WARM_UP_NUMBERS = 20_000, 10**9
MEMORY_REPETITIONS = 3
GENERATED_AT = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)


def _count(size: int, builder_class: type[SummaryBuilder] = SummaryBuilder) -> SnapshotSummary:
    """``size`` cases counted one at a time as the snapshot's pass counts them (each case made,
    counted and dropped), and the summary built."""
    builder = builder_class(DAY)
    for number in range(size):
        builder.add(_case(number))
    return builder.build(GENERATED_AT)


def _warm_up() -> None:
    """What the first pass alone would pay, paid before any is measured: pydantic-core's cache of
    16,384 strings it has made (about 1.2 MiB when full) filled by cases never counted, so the cases
    counted then replace its entries one for one; and one whole pass (lazy imports, the rules'
    caches). Run traced, before every size alike."""
    for number in range(PYDANTIC_CACHE_WARM_UP):
        _case(WARM_UP_NUMBERS + number)
    _count(SNAPSHOT_SMALL)


def _builder_peaks(
    sizes: tuple[int, ...], builder_class: type[SummaryBuilder] = SummaryBuilder
) -> tuple[dict[int, float], dict[int, SnapshotSummary]]:
    """The builder's peak in MiB at each size (``measure.peak_mib_by_size``: the same warm-up for
    every size, the sizes in turns, the median of ``MEMORY_REPETITIONS`` passes), and the summaries."""
    built: dict[int, SnapshotSummary] = {}

    def count(size: int) -> SnapshotSummary:
        built[size] = _count(size, builder_class)
        return built[size]

    peaks = peak_mib_by_size(count, sizes, repetitions=MEMORY_REPETITIONS, warm_up=_warm_up)
    return peaks, built


class _KeepsEveryCase(SummaryBuilder):
    """A builder that holds every case it counts: what the measure must catch."""

    def __init__(self, day: date) -> None:
        super().__init__(day)
        self.kept: list[Case] = []

    def add(self, case: Case, *, overdue: bool | None = None, deadlines: Deadlines | None = None) -> None:
        self.kept.append(case)
        super().add(case, overdue=overdue, deadlines=deadlines)


def test_the_summarys_counts_keep_constant_memory(benchmark: BenchmarkFixture) -> None:
    """The snapshot's new aggregates are bounded by their groups, never by the cases (the snapshot's
    own memory bench, test_bench_scaling, measures the whole pass on DynamoDB Local).

    Both sizes hold the same groups, so what the builder holds is the same at both: the peak (the
    builder's counts plus the one case being counted) must be too, within the goal's ratio."""
    peaks, built = benchmark.pedantic(lambda: _builder_peaks((SNAPSHOT_SMALL, LARGE)), rounds=1, iterations=1)
    small, large = built[SNAPSHOT_SMALL], built[LARGE]
    for name in ("counts", "timeliness", "themes", "learning", "recommendations"):
        assert len(getattr(large, name)) == len(getattr(small, name)), name
    assert large.total_cases == LARGE and small.total_cases == SNAPSHOT_SMALL
    ratio = peaks[LARGE] / peaks[SNAPSHOT_SMALL]
    growth_per_case = (peaks[LARGE] - peaks[SNAPSHOT_SMALL]) * MIB / (LARGE - SNAPSHOT_SMALL)
    record(
        SECTION, f"summary counts, {SNAPSHOT_SMALL} cases", builder_peak_mib=round(peaks[SNAPSHOT_SMALL], 3)
    )
    record(SECTION, f"summary counts, {LARGE} cases", builder_peak_mib=round(peaks[LARGE], 3))
    record(
        SECTION,
        f"summary counts, {LARGE} to {SNAPSHOT_SMALL}",
        memory_ratio=round(ratio, 2),
        growth_bytes_per_case=round(growth_per_case, 1),
    )
    assert ratio <= RATIO_GOAL


def test_the_memory_measure_catches_a_builder_that_keeps_every_case(benchmark: BenchmarkFixture) -> None:
    """The measure above would fail a builder holding its cases: at a tenth of the sizes (quicker,
    the same shape), such a builder's ratio is far above the goal, the real one's within it. (A
    benchmark, so that ``make bench``, which runs benchmarks only, runs it.)"""
    sizes = (SNAPSHOT_SMALL // 10, SNAPSHOT_SMALL)
    leaking, _ = benchmark.pedantic(lambda: _builder_peaks(sizes, _KeepsEveryCase), rounds=1, iterations=1)
    bounded, _ = _builder_peaks(sizes)
    assert leaking[sizes[1]] / leaking[sizes[0]] > 3 * RATIO_GOAL, leaking
    assert bounded[sizes[1]] / bounded[sizes[0]] <= RATIO_GOAL, bounded
