"""Monitoring: what the alarms watch, that each can fire, that CloudWatch would accept it, and
that every one reaches the encrypted alarm topic.

``fires`` evaluates an alarm as CloudWatch does for the most recent ``EvaluationPeriods``
datapoints (``None`` is a period with no data, treated as the alarm's ``TreatMissingData`` says).
"""

import json
import re
from typing import Any

from infra import constants
from tests.infra.infra_support import (
    ACCOUNT,
    Synthesized,
    actions_of,
    resolve,
    service_may,
    statements_of_role,
)

SERVICE = constants.STATELESS_STACK_ID
COMPARE = {
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


def _metrics_of(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    if "MetricName" in alarm:
        return [alarm]
    return [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]


def alarms_on(
    synthesized: Synthesized, namespace: str, metric_name: str, dimensions: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Alarms of the service stack on this metric (plain or inside a metric expression) whose
    dimensions include ``dimensions``."""
    found = []
    for alarm in synthesized.resources(SERVICE, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        for metric in _metrics_of(properties):
            if metric["Namespace"] != namespace or metric["MetricName"] != metric_name:
                continue
            present = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            if all(present.get(name) == value for name, value in (dimensions or {}).items()):
                found.append(properties)
                break
    return found


def fires(alarm: dict[str, Any], values: list[float | None]) -> bool:
    periods = alarm["EvaluationPeriods"]
    needed = alarm.get("DatapointsToAlarm", periods)
    recent = ([None] * periods + list(values))[-periods:]
    missing = alarm.get("TreatMissingData", "missing")
    compare = COMPARE[alarm["ComparisonOperator"]]
    breaching = 0
    for value in recent:
        if value is None:
            breaching += missing == "breaching"
        else:
            breaching += compare(value, alarm["Threshold"])
    return breaching >= needed


def _period(alarm: dict[str, Any]) -> int:
    if "Period" in alarm:
        return int(alarm["Period"])
    return max(int(q["MetricStat"]["Period"]) for q in alarm["Metrics"] if "MetricStat" in q)


def test_every_alarm_is_one_cloudwatch_accepts(synthesized: Synthesized) -> None:
    """PutMetricAlarm: Period x EvaluationPeriods at most a day below one-hour periods, at most
    seven days otherwise; DatapointsToAlarm no more than EvaluationPeriods."""
    alarms = synthesized.resources(SERVICE, "AWS::CloudWatch::Alarm")
    assert alarms
    for logical_id, alarm in alarms.items():
        properties = alarm["Properties"]
        window = _period(properties) * properties["EvaluationPeriods"]
        limit = 86_400 if _period(properties) < 3_600 else 604_800
        assert window <= limit, logical_id
        assert properties.get("DatapointsToAlarm", 1) <= properties["EvaluationPeriods"], logical_id


def test_every_alarm_notifies_the_encrypted_topic(synthesized: Synthesized) -> None:
    (topic_id, topic) = next(iter(synthesized.resources(SERVICE, "AWS::SNS::Topic").items()))
    assert "KmsMasterKeyId" in topic["Properties"]
    for logical_id, alarm in synthesized.resources(SERVICE, "AWS::CloudWatch::Alarm").items():
        assert {"Ref": topic_id} in alarm["Properties"]["AlarmActions"], logical_id
    assert synthesized.resources(SERVICE, "AWS::CloudWatch::Dashboard")


def test_api_and_lambda_alarms_cover_every_function(synthesized: Synthesized) -> None:
    assert alarms_on(synthesized, "AWS/ApiGateway", "5XXError")
    assert alarms_on(synthesized, "AWS/ApiGateway", "Latency")
    functions = synthesized.resources(SERVICE, "AWS::Lambda::Function")
    for metric in ("Errors", "Throttles"):
        for function_id in functions:
            assert alarms_on(synthesized, "AWS/Lambda", metric, {"FunctionName": {"Ref": function_id}}), (
                metric,
                function_id,
            )


def test_client_error_spikes_fire(synthesized: Synthesized) -> None:
    (four_xx,) = alarms_on(synthesized, "AWS/ApiGateway", "4XXError", {"ApiName": constants.API_NAME})
    assert fires(four_xx, [float(constants.API_4XX_MAX_COUNT + 1)])
    assert not fires(four_xx, [float(constants.API_4XX_MAX_COUNT)])


def test_unauthorized_spikes_are_counted_from_the_access_log_and_fire(synthesized: Synthesized) -> None:
    (metric_filter,) = synthesized.resources(SERVICE, "AWS::Logs::MetricFilter").values()
    properties = metric_filter["Properties"]
    (stage,) = synthesized.resources(SERVICE, "AWS::ApiGateway::Stage").values()
    access_logs = stage["Properties"]["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    assert properties["LogGroupName"] == {"Ref": access_logs}
    assert properties["FilterPattern"].replace(" ", "") == '{$.status="401"}'
    (transformation,) = properties["MetricTransformations"]
    (unauthorized,) = alarms_on(synthesized, transformation["MetricNamespace"], transformation["MetricName"])
    assert transformation["MetricName"] == constants.UNAUTHORIZED_METRIC
    assert fires(unauthorized, [float(constants.API_401_MAX_COUNT + 1)])


def test_waf_blocks_fire(synthesized: Synthesized) -> None:
    (acl,) = synthesized.resources(SERVICE, "AWS::WAFv2::WebACL").values()
    (blocked,) = alarms_on(
        synthesized,
        "AWS/WAFV2",
        "BlockedRequests",
        {"WebACL": acl["Properties"]["Name"], "Rule": "ALL", "Region": constants.REGION},
    )
    assert fires(blocked, [float(constants.WAF_MAX_BLOCKED + 1)])


def test_table_throttles_and_system_errors_fire(synthesized: Synthesized) -> None:
    cases_table_name = {"Fn::ImportValue": _cases_table_name_export(synthesized)}
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents", "SystemErrors"):
        (alarm,) = alarms_on(synthesized, "AWS/DynamoDB", metric, {"TableName": cases_table_name})
        assert fires(alarm, [1.0]), metric


def _cases_table_name_export(synthesized: Synthesized) -> str:
    (submit,) = [
        f
        for logical_id, f in synthesized.resources(SERVICE, "AWS::Lambda::Function").items()
        if logical_id.startswith("CaseApiSubmitCaseFunction")
    ]
    name: str = submit["Properties"]["Environment"]["Variables"]["CASES_TABLE_NAME"]["Fn::ImportValue"]
    return name


def test_failed_backup_jobs_reach_the_alarm_topic(synthesized: Synthesized) -> None:
    (topic_id,) = synthesized.resources(SERVICE, "AWS::SNS::Topic")
    (rule,) = [
        rule["Properties"]
        for rule in synthesized.resources(SERVICE, "AWS::Events::Rule").values()
        if "aws.backup" in json.dumps(rule["Properties"].get("EventPattern", {}))
    ]
    pattern = rule["EventPattern"]
    assert pattern["detail-type"] == ["Backup Job State Change"]
    assert set(pattern["detail"]["state"]) >= {"FAILED", "ABORTED", "EXPIRED"}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": topic_id}
    # EventBridge publishes with its own role: trusted by EventBridge for this account only,
    # allowed to publish to the topic and to use the topic's key through SNS.
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    role = synthesized.templates[SERVICE]["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert resolve(trust["Condition"]) == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    statements = statements_of_role(synthesized.templates[SERVICE], role_id)
    assert any(s["Action"] == "sns:Publish" and s["Resource"] == {"Ref": topic_id} for s in statements)
    topic_key = synthesized.templates[SERVICE]["Resources"][topic_id]["Properties"]["KmsMasterKeyId"]
    assert any(
        "kms:GenerateDataKey" in actions_of(s)
        and s["Resource"] == topic_key
        and s["Condition"] == {"StringEquals": {"kms:ViaService": f"sns.{constants.REGION}.amazonaws.com"}}
        for s in statements
    )
    # EventBridge at large is not let in by the topic's policy: only this rule's role publishes.
    assert not service_may(_topic_policy(synthesized), "events.amazonaws.com", "sns:Publish", {})


def _topic_policy(synthesized: Synthesized) -> dict[str, Any]:
    (topic_id,) = synthesized.resources(SERVICE, "AWS::SNS::Topic")
    (topic_policy,) = synthesized.resources(SERVICE, "AWS::SNS::TopicPolicy").values()
    assert topic_policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    policy: dict[str, Any] = resolve(topic_policy["Properties"]["PolicyDocument"])
    return policy


def test_cloudwatch_alarms_of_this_account_may_publish_to_the_alarm_topic(synthesized: Synthesized) -> None:
    """A topic policy replaces SNS's default one: without an Allow for CloudWatch, no alarm of ours
    could notify anyone. Only alarms of this account are let in, and only over TLS."""
    policy = _topic_policy(synthesized)
    some_alarm = f"arn:aws:cloudwatch:{constants.REGION}:{ACCOUNT}:alarm:Scrt-Api-Fault-Count-Critical"
    ours = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": some_alarm}
    assert service_may(policy, "cloudwatch.amazonaws.com", "sns:Publish", ours)
    elsewhere = {
        "aws:SourceAccount": "444455556666",
        "aws:SourceArn": some_alarm.replace(ACCOUNT, "444455556666"),
    }
    assert not service_may(policy, "cloudwatch.amazonaws.com", "sns:Publish", elsewhere)
    assert not service_may(policy, "cloudwatch.amazonaws.com", "sns:Subscribe", ours)
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Statement"]
    )


def _publisher_id(synthesized: Synthesized) -> str:
    (publisher_id,) = [
        logical_id
        for logical_id in synthesized.resources(SERVICE, "AWS::Lambda::Function")
        if logical_id.startswith("ReportingPublishChangesFunction")
    ]
    return publisher_id


def test_a_quiet_hour_is_no_alarm_but_a_slow_consumer_is(synthesized: Synthesized) -> None:
    """The iterator age exists only while the consumer runs: no data is no news."""
    (age,) = alarms_on(
        synthesized, "AWS/Lambda", "IteratorAge", {"FunctionName": {"Ref": _publisher_id(synthesized)}}
    )
    assert not fires(age, [None])
    assert fires(age, [float(constants.STREAM_MAX_ITERATOR_AGE.to_milliseconds() + 1)])


def _math(alarm: dict[str, Any], values: dict[str, float | None]) -> float | None:
    """The alarm's one returned metric expression, evaluated on one period's values by id."""
    (expression,) = [
        q["Expression"] for q in alarm["Metrics"] if "Expression" in q and q.get("ReturnData", True)
    ]
    functions = {
        "IF": lambda condition, then, otherwise: then if condition else otherwise,
        "FILL": lambda value, default: default if value is None else value,
    }
    python = re.sub(r"\bAND\b", "and", re.sub(r"\bOR\b", "or", expression))
    assert set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", python)) <= {*functions, *values, "and", "or"}, (
        expression
    )
    result: float | None = eval(python, {"__builtins__": {}}, {**functions, **values})  # noqa: S307 - a test's own template
    return result


def test_a_stalled_consumer_fires_when_the_table_is_written_and_the_publisher_never_runs(
    synthesized: Synthesized,
) -> None:
    publisher = {"FunctionName": {"Ref": _publisher_id(synthesized)}}
    (stalled,) = [
        alarm
        for alarm in alarms_on(synthesized, "AWS/Lambda", "Invocations", publisher)
        if any("Expression" in q for q in alarm.get("Metrics", []))
    ]
    metric_ids = {
        (q["MetricStat"]["Metric"]["Namespace"], q["MetricStat"]["Metric"]["MetricName"]): q["Id"]
        for q in stalled["Metrics"]
        if "MetricStat" in q
    }
    writes_id = metric_ids[("AWS/DynamoDB", "SuccessfulRequestLatency")]
    (writes,) = [q["MetricStat"] for q in stalled["Metrics"] if q["Id"] == writes_id]
    dimensions = {d["Name"]: d["Value"] for d in writes["Metric"]["Dimensions"]}
    # Case changes (and contacts) are transactions on the cases table; each is one sample.
    assert dimensions["Operation"] == "TransactWriteItems"
    assert dimensions["TableName"] == {"Fn::ImportValue": _cases_table_name_export(synthesized)}
    assert writes["Stat"] == "SampleCount"
    invocations_id = metric_ids[("AWS/Lambda", "Invocations")]

    def period(written: float | None, invoked: float | None) -> float | None:
        return _math(stalled, {writes_id: written, invocations_id: invoked})

    stalled_hours = [period(12.0, None), period(3.0, 0.0)]
    assert fires(stalled, stalled_hours)
    assert not fires(stalled, [period(12.0, 4.0), period(3.0, 1.0)])  # consuming
    assert not fires(stalled, [period(None, None), period(None, None)])  # a quiet night
    # One hour's writes published in the next hour's first seconds is no stall.
    assert not fires(stalled, [period(1.0, None), period(None, 1.0)])
    assert stalled.get("TreatMissingData") == "notBreaching"


def test_every_function_with_a_dead_letter_queue_alarms_when_it_cannot_use_it(
    synthesized: Synthesized,
) -> None:
    with_queue = [
        logical_id
        for logical_id, function in synthesized.resources(SERVICE, "AWS::Lambda::Function").items()
        if "DeadLetterConfig" in function["Properties"]
    ]
    assert len(with_queue) >= 2  # snapshot_extract and send_reminders
    for logical_id in with_queue:
        (undelivered,) = alarms_on(
            synthesized, "AWS/Lambda", "DeadLetterErrors", {"FunctionName": {"Ref": logical_id}}
        )
        assert fires(undelivered, [1.0]) and not fires(undelivered, [0.0]), logical_id


def test_every_function_s_dead_letter_queue_alarms_when_anything_lands_in_it(
    synthesized: Synthesized,
) -> None:
    """A failed snapshot, reminder run or seal waits in its queue: someone must hear of it (a day not
    sealed is a day whose reads are not yet tamper-evident)."""
    queues = [
        function["Properties"]["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0]
        for function in synthesized.resources(SERVICE, "AWS::Lambda::Function").values()
        if "DeadLetterConfig" in function["Properties"]
    ]
    assert len(queues) >= 3  # snapshot_extract, send_reminders, seal_audit
    for queue_id in queues:
        (waiting,) = alarms_on(
            synthesized,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": [queue_id, "QueueName"]}},
        )
        assert fires(waiting, [1.0]) and not fires(waiting, [0.0]), queue_id


def test_the_rotation_function_is_watched_and_failed_rotations_reach_the_topic(
    synthesized: Synthesized,
) -> None:
    rotation_id, _ = synthesized.one(
        constants.STATEFUL_STACK_ID, "AWS::Lambda::Function", "Data/RotateCursorKey/Function"
    )
    watched = [
        alarm
        for alarm in synthesized.resources(SERVICE, "AWS::CloudWatch::Alarm").values()
        for metric in _metrics_of(alarm["Properties"])
        if metric["Namespace"] == "AWS/Lambda"
        and metric["MetricName"] == "Errors"
        and any(
            d["Name"] == "FunctionName"
            and "Fn::ImportValue" in d["Value"]
            and synthesized.logical_id_of(d["Value"]) == rotation_id
            for d in metric.get("Dimensions", [])
        )
    ]
    (errors,) = watched
    assert fires(errors["Properties"], [1.0])
    (topic_id,) = synthesized.resources(SERVICE, "AWS::SNS::Topic")
    (rule,) = [
        rule["Properties"]
        for rule in synthesized.resources(SERVICE, "AWS::Events::Rule").values()
        if "aws.secretsmanager" in json.dumps(rule["Properties"].get("EventPattern", {}))
    ]
    pattern = rule["EventPattern"]
    assert pattern["detail"]["eventName"] == ["RotationFailed"]
    assert pattern["detail-type"] == ["AWS Service Event via CloudTrail"]
    # Only this app's generated secrets (the ones rotate_cursor_key rotates).
    secrets = {synthesized.logical_id_of(arn) for arn in pattern["detail"]["additionalEventData"]["SecretId"]}
    assert secrets == {
        synthesized.one(constants.STATEFUL_STACK_ID, "AWS::SecretsManager::Secret", path)[0]
        for path in ("Data/CursorSigningKey", "Data/WebSessionKey")
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": topic_id}
    assert "RoleArn" in target  # published with the role that may use the topic's key through SNS
