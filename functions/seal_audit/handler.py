"""Daily schedule -> the seal of the UTC day before: ``access-seals/dt=YYYY-MM-DD/seal.json``.

``{"auditDay": "YYYY-MM-DD"}`` seals a given day (a missed run); a day already sealed is left as it
is (a seal is written once), so a retried invocation changes nothing.
"""

from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import clock, composition
from tracker.logic.ports import SealExists
from tracker.observability import logger, metrics, tracer

DAY_FIELD = "auditDay"


def audit_day(event: dict[str, Any]) -> date:
    """The day to seal: the one given, else the UTC day before the schedule's ``time`` (or now)."""
    if event.get(DAY_FIELD):
        return date.fromisoformat(str(event[DAY_FIELD]))
    moment = (
        datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
        if event.get("time")
        else clock.now_utc()
    )
    return moment.date() - timedelta(days=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    day = audit_day(event)
    try:
        sealed = composition.run_audit_seal(day)
    except SealExists:
        logger.info("day already sealed", extra={"auditDay": day.isoformat()})
        return {"auditDay": day.isoformat(), "alreadySealed": True}
    summary = {"auditDay": day.isoformat(), "entries": sealed.count, "head": sealed.head}
    logger.info("audit day sealed", extra=summary)
    metrics.add_metric(name="AuditDaysSealed", unit=MetricUnit.Count, value=1)
    return summary
