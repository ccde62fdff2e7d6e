"""Weekly schedule -> one overdue digest per ICB with something due, through GOV.UK Notify.

The ledger makes a retry (or a second copy running at once) send nothing already sent this week.
A metric per digest sent and per failure; logs name ICBs and counts, never an address or a case.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import clock, composition
from tracker.logic.reminders import DigestOutcome
from tracker.observability import logger, metrics, tracer

DIGESTS_SENT = "ReminderDigestsSent"
DIGEST_FAILURES = "ReminderDigestFailures"


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = composition.reminder_service().run(clock.today_london())
    sent, failed = run.icbs(DigestOutcome.SENT), run.icbs(DigestOutcome.FAILED)
    # Always emitted, zero included, so an alarm on failures has data points every week.
    metrics.add_metric(name=DIGESTS_SENT, unit=MetricUnit.Count, value=len(sent))
    metrics.add_metric(name=DIGEST_FAILURES, unit=MetricUnit.Count, value=len(failed))
    summary = {
        "week": run.week,
        "sent": sent,
        "failed": failed,
        "alreadySent": run.icbs(DigestOutcome.ALREADY_SENT),
        "nothingDue": len(run.icbs(DigestOutcome.NOTHING_DUE)),
        "noContacts": run.icbs(DigestOutcome.NO_CONTACTS),
    }
    if failed:
        logger.error("some reminder digests failed", extra={**summary, "errorTypes": run.error_types})
    else:
        logger.info("reminder digests sent", extra=summary)
    return summary
