"""Daily schedule -> ``snapshots/dt=YYYY-MM-DD/`` CSV files of the whole collection."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from tracker import config
from tracker.extracts import runtime
from tracker.extracts.snapshot import snapshot_day

logger = Logger(service=config.SERVICE_NAME)
tracer = Tracer(service=config.SERVICE_NAME)
metrics = Metrics(namespace=config.METRICS_NAMESPACE, service=config.SERVICE_NAME)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    day = snapshot_day(event)
    keys = runtime.run_snapshot(day)
    logger.info("snapshot written", extra={"snapshotDate": day.isoformat(), "keys": keys})
    metrics.add_metric(name="SnapshotsWritten", unit=MetricUnit.Count, value=1)
    return {"snapshotDate": day.isoformat(), "keys": keys}
