"""DynamoDB stream -> reporting extracts (``changes/`` and ``current/``), with partial batch responses.

Logs name ids, versions, keys and error types only: an error's message could quote a record.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.dal.case_stream import stream_change
from tracker.extracts.publisher import summary
from tracker.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class PublishFailed(Exception):
    """Names the case, version and error type only, never the original message."""


class SkippedAfterFailure(Exception):
    """A later record of a batch in which an earlier record failed."""


class InOrder:
    """Fails every record after the first failure of a batch, unprocessed.

    Lambda resumes a stream shard from the first reported failure anyway; skipping the rest keeps
    each case's records applied in stream order and saves work that would be redone.
    """

    def __init__(self, handler: Callable[[DynamoDBRecord], None]) -> None:
        self._handler = handler
        self._failed = False

    def __call__(self, record: DynamoDBRecord) -> None:
        if self._failed:
            raise SkippedAfterFailure("an earlier record of this batch failed")
        try:
            self._handler(record)
        except Exception:
            self._failed = True
            raise


def publish_record(record: DynamoDBRecord) -> None:
    change = stream_change(record.raw_event)
    logger.set_correlation_id(change.event_id)
    ids = {"eventID": change.event_id, "caseId": change.case_id, "version": change.version}
    if not change.is_case_change:
        # Only reached where the event source filter is absent (the local stack's poller).
        logger.debug("not a case item: skipped", extra={"eventID": change.event_id})
        metrics.add_metric(name="StreamRecordsSkipped", unit=MetricUnit.Count, value=1)
        return
    try:
        operations = composition.change_publisher().publish(change)
    except Exception as error:
        logger.error("publish failed", extra={**ids, "errorType": type(error).__name__})
        metrics.add_metric(name="StreamRecordsFailed", unit=MetricUnit.Count, value=1)
        raise PublishFailed(
            f"{type(error).__name__} publishing case {change.case_id} v{change.version}"
        ) from None
    logger.info("published", extra={**ids, "eventName": change.event_name, **summary(operations)})
    metrics.add_metric(name="StreamRecordsPublished", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=InOrder(publish_record), processor=processor, context=context
    )
    return dict(response)
