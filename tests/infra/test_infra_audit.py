"""The read audit in the CDK app: its own table (PITR, deletion protection, retained, keys from the
schema), append-only grants for the reading functions and none to change or delete an entry
anywhere, the daily seal into the Object Lock archive, and the alarm on refused reads."""

import json
from typing import Any

from infra import constants
from infra.routes import QUERY_CASES, SEAL_AUDIT, WEB_APP
from tests.infra.infra_support import Synthesized, actions_of, statements_of_role
from tracker import settings
from tracker.dal import schema
from tracker.dal.audit import SEAL_PREFIX

DATA = constants.STATEFUL_STACK_ID
SERVICE = constants.STATELESS_STACK_ID
CHANGING = {
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:*",
}


def _audit_table(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, table)
        for logical_id, table in synthesized.resources(DATA, "AWS::DynamoDB::GlobalTable").items()
        if table["Properties"]["KeySchema"]
        == [{"AttributeName": schema.AUDIT_PARTITION_KEY, "KeyType": "HASH"}]
    ]
    return found


def _functions_with(synthesized: Synthesized, name: str) -> dict[str, dict[str, Any]]:
    """The functions whose environment sets ``name``, by their FUNCTION_NAME-free logical id."""
    return {
        logical_id: function
        for logical_id, function in synthesized.resources(SERVICE, "AWS::Lambda::Function").items()
        if name in function["Properties"].get("Environment", {}).get("Variables", {})
    }


def _role_id(function: dict[str, Any]) -> str:
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


def _on_audit_table(statement: dict[str, Any], table_id: str) -> bool:
    return table_id in json.dumps(statement.get("Resource"))


def test_the_audit_table_is_its_own_with_pitr_deletion_protection_and_expiry(
    synthesized: Synthesized,
) -> None:
    _, table = _audit_table(synthesized)
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
    assert {a["AttributeName"] for a in properties["AttributeDefinitions"]} == set(
        schema.AUDIT_KEY_ATTRIBUTES
    )
    assert {index["IndexName"] for index in properties["GlobalSecondaryIndexes"]} == {
        index.name for index in schema.AUDIT_INDEXES
    }
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": schema.AUDIT_TTL_ATTRIBUTE,
        "Enabled": True,
    }
    (replica,) = properties["Replicas"]
    assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert replica["DeletionProtectionEnabled"] is True
    assert "StreamSpecification" not in properties


def test_the_reading_functions_may_only_add_entries_and_query_a_case_s(synthesized: Synthesized) -> None:
    table_id, _ = _audit_table(synthesized)
    template = synthesized.templates[SERVICE]
    readers = _functions_with(synthesized, settings.AUDIT_TABLE_NAME)
    assert len(readers) == 3  # query_cases, web_app and seal_audit
    for function in readers.values():
        statements = [
            statement
            for statement in statements_of_role(template, _role_id(function))
            if _on_audit_table(statement, table_id)
        ]
        granted = set().union(*(actions_of(statement) for statement in statements))
        assert granted in ({"dynamodb:PutItem", "dynamodb:Query"}, {"dynamodb:Query"})
        for statement in statements:
            if "dynamodb:Query" in actions_of(statement):
                assert "/index/" in json.dumps(statement["Resource"])  # an index, never the table


def test_no_role_of_the_application_may_change_or_delete_an_entry(synthesized: Synthesized) -> None:
    table_id, _ = _audit_table(synthesized)
    for stack_id in (DATA, SERVICE):
        template = synthesized.templates[stack_id]
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::IAM::Policy":
                continue
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if statement.get("Effect", "Allow") != "Allow":
                    continue
                resources = json.dumps(statement.get("Resource"))
                if table_id in resources or resources == '"*"':
                    assert not (actions_of(statement) & CHANGING), statement


def test_the_seal_runs_daily_into_the_object_lock_archive(synthesized: Synthesized) -> None:
    (seal,) = list(_functions_with(synthesized, settings.AUDIT_ARCHIVE_BUCKET_NAME).values())
    variables = seal["Properties"]["Environment"]["Variables"]
    assert constants.EXPORT_AUDIT_ARCHIVE_BUCKET_ARN in json.dumps(
        variables[settings.AUDIT_ARCHIVE_BUCKET_NAME]
    )
    archive_id = synthesized.logical_id_of(
        synthesized.export_source(constants.EXPORT_AUDIT_ARCHIVE_BUCKET_ARN)
    )
    archive = synthesized.templates[DATA]["Resources"][archive_id]["Properties"]
    assert archive["ObjectLockEnabled"] is True
    assert archive["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    statements = statements_of_role(synthesized.templates[SERVICE], _role_id(seal))
    puts = [statement for statement in statements if "s3:PutObject" in actions_of(statement)]
    assert puts and all(SEAL_PREFIX in json.dumps(statement["Resource"]) for statement in puts)
    assert any("s3:PutObjectRetention" in actions_of(statement) for statement in puts)
    rules = synthesized.resources(SERVICE, "AWS::Events::Rule")
    scheduled = [
        rule
        for rule in rules.values()
        if rule["Properties"].get("ScheduleExpression")
        == f"cron({constants.AUDIT_SEAL_SCHEDULE_MINUTE} {constants.AUDIT_SEAL_SCHEDULE_HOUR} * * ? *)"
    ]
    assert len(scheduled) == 1
    target = json.dumps(scheduled[0]["Properties"]["Targets"])
    seal_id = next(
        logical_id
        for logical_id, function in synthesized.resources(SERVICE, "AWS::Lambda::Function").items()
        if function is seal
    )
    assert seal_id in target
    assert SEAL_AUDIT in constants.RESERVED_CONCURRENCY and QUERY_CASES != WEB_APP


def test_a_read_refused_for_want_of_its_entry_alarms(synthesized: Synthesized) -> None:
    alarms = [
        alarm["Properties"]
        for alarm in synthesized.resources(SERVICE, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == settings.AUDIT_WRITE_FAILED_METRIC
    ]
    (alarm,) = alarms
    assert alarm["Namespace"] == settings.METRICS_NAMESPACE
    assert alarm["Threshold"] == constants.AUDIT_WRITE_FAILURES_MAX_COUNT == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert {"Name": "service", "Value": settings.SERVICE_NAME} in alarm["Dimensions"]
    assert alarm["AlarmActions"]
