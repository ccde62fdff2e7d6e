"""Daily schedule -> ``snapshots/dt=YYYY-MM-DD/`` CSV files of the whole collection; hourly schedule
(``{"summaryOnly": true}``) -> the overview's summary alone, so the overview is never an hour old."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.extracts.snapshot import snapshot_day
from tracker.extracts.summary import SUMMARY_ONLY
from tracker.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get(SUMMARY_ONLY) is True:
        computed = composition.run_summary()
        result = {
            "summaryOnly": True,
            "generatedAt": computed.generatedAt.isoformat(),
            "cases": computed.total_cases,
        }
        logger.info("summary written", extra=result)
        # Its own metric: an hourly summary must not stand in for a missing daily snapshot.
        metrics.add_metric(name="SummariesWritten", unit=MetricUnit.Count, value=1)
        return result
    day = snapshot_day(event)
    snapshot = composition.run_snapshot(day)
    summary = {
        "snapshotDate": day.isoformat(),
        "keys": snapshot.keys,
        "cases": snapshot.case_count,
        "recommendations": snapshot.recommendation_count,
        "rejectedCaseIds": snapshot.rejected_case_ids,
    }
    if snapshot.rejected_case_ids:
        logger.error("case items the model rejects were left out", extra=summary)
    else:
        logger.info("snapshot written", extra=summary)
    metrics.add_metric(name="SnapshotsWritten", unit=MetricUnit.Count, value=1)
    metrics.add_metric(
        name="SnapshotCasesRejected", unit=MetricUnit.Count, value=len(snapshot.rejected_case_ids)
    )
    return summary
