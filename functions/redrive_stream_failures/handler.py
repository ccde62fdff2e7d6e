"""Operator-invoked: republish the cases named by the stream's failure records.

It may run for up to 15 minutes: invoke it as docs/deploy.md's runbook says (a read timeout above
that, and no CLI retry, so one run is never started twice).

Safe to run at any time and any number of times (see ``tracker.extracts.redrive``).
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.extracts.redrive import redrive
from tracker.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = redrive(composition.failure_inbox(), composition.case_store(), composition.extract_store())
    summary = {
        "records": report.records,
        "cases": report.cases,
        "objectsWritten": report.objects_written,
        "recordsWithoutCases": report.records_without_cases,
        "casesFailed": report.cases_failed,  # ids only: an error's text could quote a case
    }
    if report.cases_failed:
        logger.error("redrive left cases it could not republish", extra=summary)
    else:
        logger.info("redrive finished", extra=summary)
    metrics.add_metric(name="StreamFailuresRedriven", unit=MetricUnit.Count, value=report.records)
    return summary
