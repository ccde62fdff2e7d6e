"""Weekly schedule -> one digest per ICB with something due or a DHR waiting for its answer, and one
per region with DHRs waiting for the regional answer (once its template is set), through GOV.UK
Notify. The summary's lists name ICB and region codes alike (their ODS codes never overlap).

The ledger makes a retry (or a second copy running at once) send nothing already sent this week.
Metrics for digests sent, digests failed, contacts refused and sends Notify did not answer (they
may have gone, so they are not resent: an operator checks them in Notify by their reference); logs
name ICBs, counts, HTTP statuses and error types, never an address or a case. If any digest is left
for a retry (a failure that may pass, or another run's unfinished hold), the function fails after
emitting its metrics, so that Lambda's asynchronous retries run it again.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import clock, composition
from tracker.logic.reminders import DigestOutcome, RemindersIncomplete, digest_reference
from tracker.observability import logger, metrics, tracer

DIGESTS_SENT = "ReminderDigestsSent"
DIGEST_FAILURES = "ReminderDigestFailures"
RECIPIENTS_REFUSED = "ReminderRecipientsRefused"
RECIPIENTS_UNCONFIRMED = "ReminderRecipientsUnconfirmed"


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = composition.reminder_service().run(
        clock.today_london(), seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    sent, failed = run.icbs(DigestOutcome.SENT), run.failed_icbs()
    # Always emitted, zero included, so an alarm on them has data points every week.
    metrics.add_metric(name=DIGESTS_SENT, unit=MetricUnit.Count, value=len(sent))
    metrics.add_metric(name=DIGEST_FAILURES, unit=MetricUnit.Count, value=len(failed))
    metrics.add_metric(name=RECIPIENTS_REFUSED, unit=MetricUnit.Count, value=run.refused_count)
    metrics.add_metric(name=RECIPIENTS_UNCONFIRMED, unit=MetricUnit.Count, value=run.unconfirmed_count)
    summary: dict[str, Any] = {
        "week": run.week,
        "sent": sent,
        "failed": failed,
        "alreadySent": run.icbs(DigestOutcome.ALREADY_SENT),
        "inProgress": run.icbs(DigestOutcome.IN_PROGRESS),
        "undeliverable": run.icbs(DigestOutcome.UNDELIVERABLE),
        "nothingDue": len(run.icbs(DigestOutcome.NOTHING_DUE)),
        "noContacts": run.icbs(DigestOutcome.NO_CONTACTS),
        "refusedContacts": {icb: len(statuses) for icb, statuses in sorted(run.refused.items())},
        "unconfirmedContacts": {icb: len(reasons) for icb, reasons in sorted(run.unconfirmed.items())},
    }
    if run.refused:
        # Which ICB and what Notify answered; the address stays out (an editor can see the list).
        logger.warning(
            "contacts refused by Notify: not sent to again this week",
            extra={"week": run.week, "refusedStatuses": dict(sorted(run.refused.items()))},
        )
    if run.unconfirmed:
        # Which digest, for an operator to look up in Notify by its reference; never the address.
        logger.warning(
            "Notify did not answer some sends: they may have gone, and are not resent this week",
            extra={
                "week": run.week,
                "unconfirmedReasons": dict(sorted(run.unconfirmed.items())),
                "notifyReferences": [digest_reference(icb, run.week) for icb in sorted(run.unconfirmed)],
            },
        )
    if failed:
        logger.error("some reminder digests failed", extra={**summary, "errorTypes": run.error_types})
    else:
        logger.info("reminder digests sent", extra=summary)
    if run.needs_retry:
        raise RemindersIncomplete(summary)
    return summary
