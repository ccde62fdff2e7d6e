"""The snapshot's overview summary: counts by ICB, region, review type and status, read back."""

from datetime import UTC, date, datetime

import pytest

from tests.support.extracts_fixtures import DEVON, DORSET, Stack, build_case
from tracker import composition
from tracker.extracts.keys import LATEST_SUMMARY_KEY, summary_key
from tracker.extracts.summary import SnapshotSummary, SummaryBuilder, load_latest_summary, write_summary

DAY = date(2026, 7, 1)
MOMENT = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


def test_builder_counts_cases_and_overdue_cases_by_group() -> None:
    builder = SummaryBuilder(DAY)
    builder.add(build_case(icb=DEVON), overdue=True)
    builder.add(build_case(icb=DEVON), overdue=False)
    builder.add(build_case(icb=DEVON, reviewType="SAR"), overdue=False)
    builder.add(build_case(icb=DORSET), overdue=True)

    summary = builder.build(MOMENT)

    groups = {
        (c.icbCode, c.regionCode, c.reviewType, c.status): (c.cases, c.overdueCases) for c in summary.counts
    }
    assert groups == {
        ("QJK", "Y58", "CSPR", "OPEN"): (2, 1),
        ("QJK", "Y58", "SAR", "OPEN"): (1, 0),
        ("QVV", "Y58", "CSPR", "OPEN"): (1, 1),
    }
    assert (summary.total_cases, summary.total_overdue) == (4, 2)
    assert summary.snapshotDate == DAY


def test_summary_holds_no_free_text() -> None:
    assert set(SnapshotSummary.model_fields) == {
        "snapshotDate",
        "generatedAt",
        "counts",
        "timeliness",
        "themes",
        "learning",
        "recommendations",
    }
    with pytest.raises(ValueError):
        SnapshotSummary.model_validate(
            {"snapshotDate": "2026-07-01", "generatedAt": MOMENT.isoformat(), "counts": [], "comments": "x"}
        )


def test_summary_keys_are_under_the_day_and_at_a_fixed_latest_key() -> None:
    assert summary_key(DAY) == "snapshots/dt=2026-07-01/summary/summary.json"
    assert LATEST_SUMMARY_KEY == "snapshots/latest/summary/summary.json"


def test_latest_summary_is_none_before_any_snapshot_and_the_newest_after(stack: Stack) -> None:
    store = composition.extract_store()
    assert load_latest_summary(store) is None

    for day in (date(2026, 6, 30), DAY):
        builder = SummaryBuilder(day)
        builder.add(build_case(), overdue=day == DAY)
        write_summary(store, builder.build(MOMENT))

    latest = load_latest_summary(store)
    assert latest is not None
    assert latest.snapshotDate == DAY
    assert latest.total_overdue == 1
    assert set(stack.objects("snapshots/")) == {
        LATEST_SUMMARY_KEY,
        summary_key(date(2026, 6, 30)),
        summary_key(DAY),
    }
