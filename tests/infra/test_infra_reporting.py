"""Reporting: the stream consumer and its failure destination, the daily snapshot and where its
failures go, their least-privilege grants and their alarms."""

import json
from typing import Any

from infra import constants
from infra.routes import PUBLISH_CHANGES, REDRIVE_STREAM_FAILURES, SNAPSHOT_EXTRACT
from tests.infra.infra_support import Synthesized, actions_of, resolve
from tests.infra.test_infra_functions import function_of, role_statements
from tests.infra.test_infra_monitoring import alarms_on, fires
from tracker import settings
from tracker.dal.case_stream import EVENT_SOURCE_FILTER_PATTERN
from tracker.extracts import keys as extract_keys

SERVICE = constants.STATELESS_STACK_ID
FAILED_RECORDS = f"<import:{constants.EXPORT_FAILED_RECORDS_BUCKET_ARN}>"
EXTRACTS = f"<import:{constants.EXPORT_REPORTING_BUCKET_ARN}>"


def _resources(statement: dict[str, Any]) -> list[str]:
    resources = resolve(statement["Resource"])
    return resources if isinstance(resources, list) else [resources]


def _granted_on(statements: list[dict[str, Any]], resource_prefix: str) -> set[str]:
    return {
        action
        for statement in statements
        if statement["Effect"] == "Allow"
        and any(resource.startswith(resource_prefix) for resource in _resources(statement))
        for action in actions_of(statement)
    }


def _queue(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    """The snapshot's dead-letter queue."""
    return synthesized.one(SERVICE, "AWS::SQS::Queue", "Reporting/SnapshotDeadLetters")


def test_stream_consumer_settings(synthesized: Synthesized) -> None:
    (mapping,) = synthesized.resources(SERVICE, "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    publish_id, _ = function_of(synthesized, PUBLISH_CHANGES)
    assert properties["FunctionName"] == {"Ref": publish_id}
    assert properties["BatchSize"] == constants.STREAM_BATCH_SIZE
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["MaximumRetryAttempts"] == constants.STREAM_RETRY_ATTEMPTS
    assert properties["MaximumRecordAgeInSeconds"] == constants.STREAM_MAX_RECORD_AGE.to_seconds()
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::ImportValue": constants.EXPORT_FAILED_RECORDS_BUCKET_ARN}
    patterns = [json.loads(f["Pattern"]) for f in properties["FilterCriteria"]["Filters"]]
    assert patterns == [EVENT_SOURCE_FILTER_PATTERN]


def test_failure_destination_grants_put_and_list_only(synthesized: Synthesized) -> None:
    """The failed records are whole case images with restricted text: the consumer may write them
    but never read, delete, or change retention or legal hold on them."""
    statements = role_statements(synthesized, PUBLISH_CHANGES)
    assert _granted_on(statements, FAILED_RECORDS) == {"s3:PutObject", "s3:ListBucket"}
    (mapping,) = synthesized.resources(SERVICE, "AWS::Lambda::EventSourceMapping").values()
    key_statements = [
        statement
        for statement in statements
        if statement["Effect"] == "Allow"
        and any(action.startswith("kms:") for action in actions_of(statement))
        and resolve(
            statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", "")
        ).startswith("s3.")
    ]
    # Through S3, the publisher only makes data keys: for the failed records (data key) and for
    # its extracts (reporting key, where Decrypt serves multipart uploads).
    data_key_via_s3 = {
        action
        for statement in key_statements
        if "KeysData" in json.dumps(statement["Resource"])
        for action in actions_of(statement)
    }
    assert data_key_via_s3 == {"kms:GenerateDataKey"}
    assert mapping["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]


def test_publisher_deletes_under_current_only(synthesized: Synthesized) -> None:
    statements = role_statements(synthesized, PUBLISH_CHANGES)
    deletes = [
        resource
        for statement in statements
        if statement["Effect"] == "Allow" and "s3:DeleteObject" in actions_of(statement)
        for resource in _resources(statement)
    ]
    assert deletes == [f"{EXTRACTS}/{extract_keys.CURRENT_PREFIX}*"]
    puts = sorted(
        resource
        for statement in statements
        if statement["Effect"] == "Allow" and "s3:PutObject" in actions_of(statement)
        for resource in _resources(statement)
        if resource.startswith(EXTRACTS)
    )
    assert puts == sorted(
        f"{EXTRACTS}/{prefix}*" for prefix in (extract_keys.CHANGES_PREFIX, extract_keys.CURRENT_PREFIX)
    )


def test_snapshot_streams_and_aborts_uploads_under_snapshots_only(synthesized: Synthesized) -> None:
    statements = role_statements(synthesized, SNAPSHOT_EXTRACT)
    for action in ("s3:PutObject", "s3:AbortMultipartUpload"):
        resources = [
            resource
            for statement in statements
            if statement["Effect"] == "Allow" and action in actions_of(statement)
            for resource in _resources(statement)
        ]
        assert resources == [f"{EXTRACTS}/{extract_keys.SNAPSHOTS_PREFIX}*"], action
    assert not _granted_on(statements, f"{EXTRACTS}/{extract_keys.CURRENT_PREFIX}")


def test_snapshot_runs_daily_and_undeliverable_events_reach_its_dead_letter_queue(
    synthesized: Synthesized,
) -> None:
    snapshot_id, _ = function_of(synthesized, SNAPSHOT_EXTRACT)
    queue_id, _ = _queue(synthesized)
    cron = f"cron({constants.SNAPSHOT_SCHEDULE_MINUTE} {constants.SNAPSHOT_SCHEDULE_HOUR} * * ? *)"
    (rule,) = [
        rule["Properties"]
        for rule in synthesized.resources(SERVICE, "AWS::Events::Rule").values()
        if rule["Properties"].get("ScheduleExpression") == cron
    ]
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [snapshot_id, "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == constants.SNAPSHOT_SCHEDULE_RETRIES
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}


def test_snapshot_may_send_to_its_dead_letter_queue_under_the_queues_key(synthesized: Synthesized) -> None:
    _, snapshot = function_of(synthesized, SNAPSHOT_EXTRACT)
    queue_id, queue = _queue(synthesized)
    assert snapshot["Properties"]["DeadLetterConfig"]["TargetArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    queue_key = resolve(queue["Properties"]["KmsMasterKeyId"])
    statements = [s for s in role_statements(synthesized, SNAPSHOT_EXTRACT) if s["Effect"] == "Allow"]
    assert any(
        "sqs:SendMessage" in actions_of(s) and f"<{queue_id}.Arn>" in _resources(s) for s in statements
    )
    assert any(
        "kms:GenerateDataKey" in actions_of(s)
        and queue_key in _resources(s)
        and s["Condition"]["StringEquals"]["kms:ViaService"] == f"sqs.{constants.REGION}.amazonaws.com"
        for s in statements
    )


def test_one_snapshot_error_fires_an_alarm(synthesized: Synthesized) -> None:
    snapshot_id, _ = function_of(synthesized, SNAPSHOT_EXTRACT)
    (errors,) = alarms_on(synthesized, "AWS/Lambda", "Errors", {"FunctionName": {"Ref": snapshot_id}})
    assert fires(errors, [1.0])
    assert not fires(errors, [0.0])


def test_a_message_in_the_dead_letter_queue_fires_an_alarm(synthesized: Synthesized) -> None:
    queue_id, _ = _queue(synthesized)
    (depth,) = alarms_on(
        synthesized,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": {"Fn::GetAtt": [queue_id, "QueueName"]}},
    )
    assert fires(depth, [1.0])
    assert not fires(depth, [0.0])


def test_a_day_without_a_snapshot_fires_an_alarm(synthesized: Synthesized) -> None:
    """The metric the snapshot emits with Powertools (its service dimension included); missing
    data is breaching, so a day with no run at all fires."""
    (silence,) = alarms_on(
        synthesized, settings.METRICS_NAMESPACE, constants.SNAPSHOT_METRIC, {"service": settings.SERVICE_NAME}
    )
    assert silence["TreatMissingData"] == "breaching"
    window_hours = silence["Period"] * silence["EvaluationPeriods"] / 3600
    assert window_hours == constants.SNAPSHOT_MAX_SILENCE_HOURS == 26
    hours = silence["EvaluationPeriods"]
    assert fires(silence, [None] * hours)  # nothing at all for 26 hours
    assert not fires(silence, [None] * (hours - 1) + [1.0])  # one snapshot in the window
    assert not fires(silence, [1.0] + [None] * (hours - 1))


def test_failed_stream_deliveries_fire_alarms(synthesized: Synthesized) -> None:
    publish_id, _ = function_of(synthesized, PUBLISH_CHANGES)
    snapshot_id, _ = function_of(synthesized, SNAPSHOT_EXTRACT)
    for metric, function_id in (
        ("DestinationDeliveryFailures", publish_id),
        ("DeadLetterErrors", snapshot_id),
    ):
        (alarm,) = alarms_on(synthesized, "AWS/Lambda", metric, {"FunctionName": {"Ref": function_id}})
        assert fires(alarm, [1.0])
    (failed_puts,) = alarms_on(synthesized, "AWS/S3", "PutRequests")
    assert fires(failed_puts, [1.0])


def test_the_redrive_reads_and_clears_failure_records_and_writes_only_extract_prefixes(
    synthesized: Synthesized,
) -> None:
    statements = role_statements(synthesized, REDRIVE_STREAM_FAILURES)
    assert _granted_on(statements, FAILED_RECORDS) == {"s3:GetObject", "s3:DeleteObject", "s3:ListBucket"}
    deletes = [
        resource
        for statement in statements
        if statement["Effect"] == "Allow" and "s3:DeleteObject" in actions_of(statement)
        for resource in _resources(statement)
        if resource.startswith(EXTRACTS)
    ]
    assert deletes == [f"{EXTRACTS}/{extract_keys.CURRENT_PREFIX}*"]


def test_rejected_snapshot_rows_fire_an_alarm(synthesized: Synthesized) -> None:
    (rejected,) = alarms_on(
        synthesized,
        settings.METRICS_NAMESPACE,
        constants.SNAPSHOT_REJECTED_METRIC,
        {"service": settings.SERVICE_NAME},
    )
    assert fires(rejected, [1.0])
    assert not fires(rejected, [0.0])
