"""Every Lambda function: platform, own role, least privilege, and an environment that is exactly
what its code declares (``REQUIRED_SETTINGS`` and ``tracker.settings``)."""

import importlib
import json
from typing import Any

import pytest

from infra import constants
from infra.constructs.function import construct_id
from infra.routes import (
    API_DOCS,
    AUTHORIZER,
    FUNCTIONS,
    ICB_CONTACTS,
    PUBLISH_CHANGES,
    QUERY_CASES,
    REDRIVE_STREAM_FAILURES,
    SEAL_AUDIT,
    SEND_REMINDERS,
    SNAPSHOT_EXTRACT,
    SUBMIT_CASE,
    UPDATE_CASE,
    WEB_APP,
)
from tests.infra.infra_support import Synthesized, actions_of, resolve, statements_of_role
from tests.infra.test_infra_audit import _audit_table
from tracker import settings

SERVICE = constants.STATELESS_STACK_ID
DATA = constants.STATEFUL_STACK_ID
ROTATION = "rotate_cursor_key"
# Where each function's construct sits: the feature that owns it.
FEATURE_OF = {
    SUBMIT_CASE: (SERVICE, "CaseApi"),
    UPDATE_CASE: (SERVICE, "CaseApi"),
    QUERY_CASES: (SERVICE, "CaseApi"),
    API_DOCS: (SERVICE, "CaseApi"),
    AUTHORIZER: (SERVICE, "CaseApi"),
    ICB_CONTACTS: (SERVICE, "CaseApi"),
    WEB_APP: (SERVICE, "CaseApi/Web"),
    SEND_REMINDERS: (SERVICE, "Reminders"),
    PUBLISH_CHANGES: (SERVICE, "Reporting"),
    SNAPSHOT_EXTRACT: (SERVICE, "Reporting"),
    REDRIVE_STREAM_FAILURES: (SERVICE, "Reporting"),
    SEAL_AUDIT: (SERVICE, "ReadAudit"),
    ROTATION: (DATA, "Data"),
}
WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "s3:PutObject",
    "s3:DeleteObject",
}


def function_of(synthesized: Synthesized, name: str) -> tuple[str, dict[str, Any]]:
    stack, feature = FEATURE_OF[name]
    return synthesized.one(stack, "AWS::Lambda::Function", f"{feature}/{construct_id(name)}/Function")


def role_statements(synthesized: Synthesized, name: str) -> list[dict[str, Any]]:
    stack, feature = FEATURE_OF[name]
    role_id, _ = synthesized.one(stack, "AWS::IAM::Role", f"{feature}/{construct_id(name)}/Role")
    return statements_of_role(synthesized.templates[stack], role_id)


def allowed_actions(synthesized: Synthesized, name: str) -> set[str]:
    return set().union(*(actions_of(s) for s in role_statements(synthesized, name) if s["Effect"] == "Allow"))


def required_settings(name: str) -> frozenset[str]:
    module = "infra.rotation.cursor_key" if name == ROTATION else f"functions.{name}"
    required: frozenset[str] = importlib.import_module(module).REQUIRED_SETTINGS
    return required


def test_every_lambda_function_is_one_the_tests_know(synthesized: Synthesized) -> None:
    known = {function_of(synthesized, name)[0] for name in FEATURE_OF}
    deployed = {
        logical_id
        for stack in (SERVICE, DATA)
        for logical_id in synthesized.resources(stack, "AWS::Lambda::Function")
    }
    assert deployed == known


@pytest.mark.parametrize("name", sorted(FEATURE_OF))
def test_environment_provides_what_the_function_requires_and_nothing_undeclared(
    synthesized: Synthesized, name: str
) -> None:
    environment = set(
        function_of(synthesized, name)[1]["Properties"].get("Environment", {}).get("Variables", {})
    )
    missing = required_settings(name) - environment
    assert not missing, f"{name} needs {sorted(missing)}"
    undeclared = {
        variable
        for variable in environment
        if variable not in settings.declared_names() and not settings.is_platform_setting(variable)
    }
    assert not undeclared, f"{name} sets {sorted(undeclared)}, which tracker.settings does not declare"


@pytest.mark.parametrize("name", [SUBMIT_CASE, UPDATE_CASE, QUERY_CASES, PUBLISH_CHANGES, SNAPSHOT_EXTRACT])
def test_business_settings_come_from_the_app(synthesized: Synthesized, name: str) -> None:
    variables = function_of(synthesized, name)[1]["Properties"]["Environment"]["Variables"]
    assert variables[settings.SAR_COMPLETION_MONTHS] == str(constants.SAR_COMPLETION_MONTHS)


def test_authorizer_environment_is_the_identity_provider_parameters(synthesized: Synthesized) -> None:
    variables = function_of(synthesized, AUTHORIZER)[1]["Properties"]["Environment"]["Variables"]
    for env_name, parameter in (
        (settings.JWT_ISSUER, constants.PARAM_JWT_ISSUER),
        (settings.JWT_AUDIENCE, constants.PARAM_JWT_AUDIENCE),
        (settings.JWKS_URL, constants.PARAM_JWKS_URL),
        (settings.ROLE_CLAIM, constants.PARAM_ROLE_CLAIM),
        (settings.ORG_CLAIM, constants.PARAM_ORG_CLAIM),
        (settings.SUB_CLAIM, constants.PARAM_SUB_CLAIM),
        (settings.NAME_CLAIM, constants.PARAM_NAME_CLAIM),
    ):
        assert variables[env_name] == {"Ref": parameter}
    parameters = synthesized.templates[SERVICE]["Parameters"]
    assert parameters[constants.PARAM_ROLE_CLAIM]["Default"] == "role"
    assert parameters[constants.PARAM_NAME_CLAIM]["Default"] == "name"
    web_variables = function_of(synthesized, WEB_APP)[1]["Properties"]["Environment"]["Variables"]
    assert web_variables[settings.NAME_CLAIM] == {"Ref": constants.PARAM_NAME_CLAIM}  # the same claim
    assert parameters[constants.PARAM_JWKS_URL]["AllowedPattern"].startswith("^https://")


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_runs_arm64_python_with_tracing_and_json_logs(synthesized: Synthesized, name: str) -> None:
    _, function = function_of(synthesized, name)
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
    roles = [json.dumps(function_of(synthesized, name)[1]["Properties"]["Role"]) for name in FEATURE_OF]
    assert len(set(roles)) == len(FEATURE_OF)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_role_denies_scan(synthesized: Synthesized, name: str) -> None:
    denies = [s for s in role_statements(synthesized, name) if s["Effect"] == "Deny"]
    assert any("dynamodb:Scan" in actions_of(s) and s["Resource"] == "*" for s in denies)
    allowed = allowed_actions(synthesized, name)
    assert "dynamodb:Scan" not in allowed
    assert not any(action.endswith(":*") or action == "*" for action in allowed)


@pytest.mark.parametrize("name", [QUERY_CASES, AUTHORIZER, SNAPSHOT_EXTRACT, API_DOCS])
def test_read_only_functions_cannot_write_case_data(synthesized: Synthesized, name: str) -> None:
    # query_cases adds an entry to the read audit for each read (test_infra_audit holds those grants
    # to PutItem): a statement on the audit table alone is left out; on anything else, no write.
    audit_table_id, _ = _audit_table(synthesized)

    def on_the_audit_table_alone(statement: dict[str, Any]) -> bool:
        resources = statement.get("Resource")
        listed = resources if isinstance(resources, list) else [resources]
        return all(audit_table_id in json.dumps(resource) for resource in listed)

    allowed = set().union(
        *(
            actions_of(statement)
            for statement in role_statements(synthesized, name)
            if statement["Effect"] == "Allow" and not on_the_audit_table_alone(statement)
        )
    )
    assert not {a for a in allowed if a.startswith("dynamodb:")} & WRITE_ACTIONS
    if name != SNAPSHOT_EXTRACT:  # the snapshot writes its own S3 objects, nothing else
        assert not allowed & WRITE_ACTIONS


@pytest.mark.parametrize("name", [AUTHORIZER, API_DOCS])
def test_authorizer_and_documents_read_no_data(synthesized: Synthesized, name: str) -> None:
    allowed = allowed_actions(synthesized, name)
    assert not {a for a in allowed if a.split(":")[0] in {"dynamodb", "s3", "secretsmanager", "kms"}}


def test_every_kms_grant_goes_through_the_service_holding_the_data(synthesized: Synthesized) -> None:
    """A role may use a key only via DynamoDB, S3, Secrets Manager or SQS, never decrypt on its own."""
    kms_statements = [
        (logical_id, statement)
        for stack in (SERVICE, DATA)
        for logical_id, policy in synthesized.resources(stack, "AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow" and any(a.startswith("kms:") for a in actions_of(statement))
    ]
    assert kms_statements
    for logical_id, statement in kms_statements:
        via = resolve(statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService"))
        assert via, f"{logical_id}: {sorted(actions_of(statement))} without kms:ViaService"
        services = via if isinstance(via, list) else [via]
        assert all(s.endswith(f".{constants.REGION}.amazonaws.com") for s in services), services
