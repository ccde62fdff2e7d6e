"""The hourly summary-only run (snapshot_extract with ``{"summaryOnly": true}``): the overview's
summary recomputed from the table and written at "latest" alone, so a case recorded after the daily
snapshot is in the overview within the hour, and each day's dated summary stays beside its tables."""

from datetime import UTC, date, datetime

from functions.snapshot_extract import handler
from tests.support.extracts_fixtures import DEVON, DORSET, FakeContext, Stack, build_case
from tracker import composition
from tracker.extracts.keys import LATEST_SUMMARY_KEY, summary_key
from tracker.extracts.summary import SnapshotSummary, load_latest_summary

DAY = date(2026, 7, 1)


def test_the_hourly_run_counts_cases_recorded_since_the_snapshot_and_leaves_the_day_alone(
    stack: Stack,
) -> None:
    stack.create(build_case(icb=DEVON, number=1))
    composition.run_snapshot(DAY)
    dated_before = stack.objects(summary_key(DAY))[summary_key(DAY)]
    stack.create(build_case(icb=DORSET, number=2, reviewType="SAR"))

    result = handler.lambda_handler({"summaryOnly": True}, FakeContext())

    latest = load_latest_summary(composition.extract_store())
    assert latest is not None
    assert latest.total_cases == 2 == result["cases"]
    assert {count.icbCode for count in latest.counts} == {"QJK", "QVV"}
    assert latest.timeliness  # the figures the overview draws, not the counts alone
    assert stack.objects(summary_key(DAY))[summary_key(DAY)] == dated_before
    assert SnapshotSummary.model_validate_json(dated_before).total_cases == 1


def test_the_summary_says_when_it_was_computed(stack: Stack) -> None:
    stack.create(build_case(icb=DEVON, number=1))
    moment = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)

    summary = composition.run_summary(moment)

    assert summary.generatedAt == moment
    assert summary.snapshotDate == DAY
    stored = stack.objects(LATEST_SUMMARY_KEY)[LATEST_SUMMARY_KEY]
    assert SnapshotSummary.model_validate_json(stored).generatedAt == moment


def test_a_summary_only_flag_that_is_not_true_runs_the_snapshot(stack: Stack) -> None:
    stack.create(build_case(icb=DEVON, number=1))
    result = handler.lambda_handler({"summaryOnly": "yes", "snapshotDate": DAY.isoformat()}, FakeContext())
    assert result["cases"] == 1 and result["snapshotDate"] == DAY.isoformat()
