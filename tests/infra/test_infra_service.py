"""The stateless stack: functions and their roles, the API, the stream consumer, the schedule, alarms."""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra import constants
from infra.routes import AUTHORIZER, FUNCTIONS, PUBLISH_CHANGES, QUERY_CASES, ROUTES, SNAPSHOT_EXTRACT
from tests.infra.infra_support import Synthesized
from tracker import config
from tracker.auth import settings as auth
from tracker.extracts.stream import EVENT_SOURCE_FILTER_PATTERN

SERVICE = constants.STATELESS_STACK_ID
# The issue's expectation, stated independently of the route table it checks.
PUBLIC_PATHS = ("/health", "/openapi.json", "/docs")
WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "s3:PutObject",
    "s3:DeleteObject",
}


def _construct_id(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def _one(resources: dict[str, dict[str, Any]], prefix: str) -> tuple[str, dict[str, Any]]:
    (match,) = [(logical_id, r) for logical_id, r in resources.items() if logical_id.startswith(prefix)]
    return match


def _function(synthesized: Synthesized, name: str) -> tuple[str, dict[str, Any]]:
    return _one(synthesized.resources(SERVICE, "AWS::Lambda::Function"), f"{_construct_id(name)}Function")


def _statements(synthesized: Synthesized, name: str) -> list[dict[str, Any]]:
    role_id, _ = _one(synthesized.resources(SERVICE, "AWS::IAM::Role"), f"{_construct_id(name)}Role")
    return [
        statement
        for policy in synthesized.resources(SERVICE, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_runs_arm64_python_with_tracing_and_json_logs(synthesized: Synthesized, name: str) -> None:
    _, function = _function(synthesized, name)
    properties = function["Properties"]
    assert properties["Architectures"] == ["arm64"]
    major, minor = properties["Runtime"].removeprefix("python").split(".")
    assert (int(major), int(minor)) >= (3, 12)
    assert properties["Handler"] == "handler.lambda_handler"
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["LoggingConfig"]["LogFormat"] == "JSON"
    assert properties["ReservedConcurrentExecutions"] == constants.RESERVED_CONCURRENCY[name]
    assert len(properties["Layers"]) == 1
    log_group_id = properties["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = synthesized.templates[SERVICE]["Resources"][log_group_id]["Properties"]
    assert log_group["RetentionInDays"] == 365
    assert "KmsKeyId" in log_group
    # Case data must never be copied into traces.
    assert properties["Environment"]["Variables"]["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"


def test_every_function_has_its_own_role(synthesized: Synthesized) -> None:
    roles = [json.dumps(_function(synthesized, name)[1]["Properties"]["Role"]) for name in FUNCTIONS]
    assert len(set(roles)) == len(FUNCTIONS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_role_denies_scan(synthesized: Synthesized, name: str) -> None:
    denies = [s for s in _statements(synthesized, name) if s["Effect"] == "Deny"]
    assert any("dynamodb:Scan" in _actions(s) and s["Resource"] == "*" for s in denies)
    allowed = set().union(*(_actions(s) for s in _statements(synthesized, name) if s["Effect"] == "Allow"))
    assert "dynamodb:Scan" not in allowed
    assert not any(action.endswith(":*") or action == "*" for action in allowed)


@pytest.mark.parametrize("name", [QUERY_CASES, AUTHORIZER, SNAPSHOT_EXTRACT])
def test_read_only_functions_cannot_write_case_data(synthesized: Synthesized, name: str) -> None:
    statements = [s for s in _statements(synthesized, name) if s["Effect"] == "Allow"]
    dynamodb_writes = {
        a for s in statements for a in _actions(s) if a.startswith("dynamodb:")
    } & WRITE_ACTIONS
    assert not dynamodb_writes
    if name != SNAPSHOT_EXTRACT:  # the snapshot writes its own S3 objects, nothing else
        assert not {a for s in statements for a in _actions(s)} & WRITE_ACTIONS


def test_authorizer_reads_no_data(synthesized: Synthesized) -> None:
    allowed = set().union(
        *(_actions(s) for s in _statements(synthesized, AUTHORIZER) if s["Effect"] == "Allow")
    )
    assert not {a for a in allowed if a.split(":")[0] in {"dynamodb", "s3", "secretsmanager", "kms"}}


def test_environment_names_come_from_the_layer(synthesized: Synthesized) -> None:
    query = _function(synthesized, QUERY_CASES)[1]["Properties"]["Environment"]["Variables"]
    assert {config.CASES_TABLE_ENV, config.CURSOR_KEY_SECRET_ENV} <= set(query)
    publish = _function(synthesized, PUBLISH_CHANGES)[1]["Properties"]["Environment"]["Variables"]
    assert {config.CASES_TABLE_ENV, config.REPORTING_BUCKET_ENV} <= set(publish)
    authorizer = _function(synthesized, AUTHORIZER)[1]["Properties"]["Environment"]["Variables"]
    for env_name, parameter in (
        (auth.JWT_ISSUER_ENV, constants.PARAM_JWT_ISSUER),
        (auth.JWT_AUDIENCE_ENV, constants.PARAM_JWT_AUDIENCE),
        (auth.JWKS_URL_ENV, constants.PARAM_JWKS_URL),
        (auth.ROLE_CLAIM_ENV, constants.PARAM_ROLE_CLAIM),
        (auth.ORG_CLAIM_ENV, constants.PARAM_ORG_CLAIM),
    ):
        assert authorizer[env_name] == {"Ref": parameter}
    parameters = synthesized.templates[SERVICE]["Parameters"]
    assert parameters[constants.PARAM_ROLE_CLAIM]["Default"] == auth.DEFAULT_ROLE_CLAIM
    assert parameters[constants.PARAM_JWKS_URL]["AllowedPattern"].startswith("^https://")


def _resource_paths(synthesized: Synthesized) -> dict[str, str]:
    """Logical id of each API Gateway resource (and of the root, via the RestApi) -> its path."""
    resources = synthesized.resources(SERVICE, "AWS::ApiGateway::Resource")
    (api_id,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RestApi")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            properties = resources[logical_id]["Properties"]
            parent = properties["ParentId"]
            parent_path = (
                "" if "Fn::GetAtt" in parent and parent["Fn::GetAtt"][0] == api_id else path_of(parent["Ref"])
            )
            paths[logical_id] = f"{parent_path}/{properties['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path_of(logical_id)
    return paths


def _methods(synthesized: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _resource_paths(synthesized)
    return {
        (method["Properties"]["HttpMethod"], paths[method["Properties"]["ResourceId"]["Ref"]]): method[
            "Properties"
        ]
        for method in synthesized.resources(SERVICE, "AWS::ApiGateway::Method").values()
    }


def test_api_serves_exactly_the_route_table(synthesized: Synthesized) -> None:
    assert set(_methods(synthesized)) == {(route.method, route.path) for route in ROUTES}


def test_authorizer_guards_every_route_but_the_public_three(synthesized: Synthesized) -> None:
    methods = _methods(synthesized)
    (authorizer_id,) = synthesized.resources(SERVICE, "AWS::ApiGateway::Authorizer")
    for (method, path), properties in methods.items():
        if path in PUBLIC_PATHS:
            assert properties["AuthorizationType"] == "NONE", path
        else:
            assert properties["AuthorizationType"] == "CUSTOM", (method, path)
            assert properties["AuthorizerId"] == {"Ref": authorizer_id}
        assert "RequestValidatorId" in properties
    synthesized.template(SERVICE).has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {"Type": "REQUEST", "IdentitySource": f"method.request.header.{auth.IDENTITY_HEADER}"},
    )


def test_gateway_validates_parameters_but_leaves_bodies_to_the_handlers(synthesized: Synthesized) -> None:
    """A gateway body check would answer 400 before the contract's 404/403/428/412 and 422."""
    (validator,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RequestValidator").values()
    assert validator["Properties"]["ValidateRequestParameters"] is True
    assert validator["Properties"]["ValidateRequestBody"] is False
    for properties in _methods(synthesized).values():
        assert "RequestModels" not in properties


def test_stage_throttles_traces_and_logs_json(synthesized: Synthesized) -> None:
    (stage,) = synthesized.resources(SERVICE, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["TracingEnabled"] is True
    (settings,) = properties["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == constants.API_THROTTLE_RATE
    assert settings["ThrottlingBurstLimit"] == constants.API_THROTTLE_BURST
    assert settings["LoggingLevel"] in {"ERROR", "INFO"}
    assert settings["DataTraceEnabled"] is False
    access_log = json.loads(properties["AccessLogSetting"]["Format"])
    assert {"requestId", "status", "sourceIp"} <= set(access_log)


def test_api_errors_are_problem_json(synthesized: Synthesized) -> None:
    for response in synthesized.resources(SERVICE, "AWS::ApiGateway::GatewayResponse").values():
        properties = response["Properties"]
        assert (
            properties["ResponseParameters"]["gatewayresponse.header.Content-Type"]
            == "'application/problem+json'"
        )


def test_web_acl_with_managed_rules_guards_the_stage(synthesized: Synthesized) -> None:
    (acl_id, acl) = next(iter(synthesized.resources(SERVICE, "AWS::WAFv2::WebACL").items()))
    managed = [
        rule["Statement"]["ManagedRuleGroupStatement"]
        for rule in acl["Properties"]["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    ]
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= {
        m["Name"] for m in managed
    }
    assert all(m["VendorName"] == "AWS" for m in managed)
    (stage_id,) = synthesized.resources(SERVICE, "AWS::ApiGateway::Stage")
    (association,) = synthesized.resources(SERVICE, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert stage_id in json.dumps(association["Properties"]["ResourceArn"])
    synthesized.template(SERVICE).has_resource_properties(
        "AWS::WAFv2::LoggingConfiguration", {"RedactedFields": [{"SingleHeader": {"Name": "authorization"}}]}
    )


def test_stream_consumer_settings(synthesized: Synthesized) -> None:
    (mapping,) = synthesized.resources(SERVICE, "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    publish_id, _ = _function(synthesized, PUBLISH_CHANGES)
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


def test_snapshot_runs_daily(synthesized: Synthesized) -> None:
    snapshot_id, _ = _function(synthesized, SNAPSHOT_EXTRACT)
    cron = f"cron({constants.SNAPSHOT_SCHEDULE_MINUTE} {constants.SNAPSHOT_SCHEDULE_HOUR} * * ? *)"
    synthesized.template(SERVICE).has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": cron,
            "State": "ENABLED",
            "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [snapshot_id, "Arn"]}})],
        },
    )


def _alarm_metrics(synthesized: Synthesized) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(namespace, metric) -> alarms, whether the alarm uses a plain metric or a metric expression."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for alarm in synthesized.resources(SERVICE, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        metrics = (
            [properties]
            if "MetricName" in properties
            else [
                query["MetricStat"]["Metric"]
                for query in properties.get("Metrics", [])
                if "MetricStat" in query
            ]
        )
        for metric in metrics:
            found.setdefault((metric["Namespace"], metric["MetricName"]), []).append(properties)
    return found


def test_alarms_cover_the_listed_metrics_and_notify_the_encrypted_topic(synthesized: Synthesized) -> None:
    metrics = _alarm_metrics(synthesized)
    assert ("AWS/ApiGateway", "5XXError") in metrics
    assert ("AWS/ApiGateway", "Latency") in metrics
    assert len(metrics[("AWS/Lambda", "Errors")]) == len(FUNCTIONS)
    assert len(metrics[("AWS/Lambda", "Throttles")]) == len(FUNCTIONS)
    assert ("AWS/Lambda", "IteratorAge") in metrics
    assert ("AWS/S3", "PutRequests") in metrics
    (topic_id, topic) = next(iter(synthesized.resources(SERVICE, "AWS::SNS::Topic").items()))
    assert "KmsMasterKeyId" in topic["Properties"]
    for alarms in metrics.values():
        for alarm in alarms:
            assert {"Ref": topic_id} in alarm["AlarmActions"]
    assert synthesized.resources(SERVICE, "AWS::CloudWatch::Dashboard")
