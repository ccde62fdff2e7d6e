"""ScheduledFunction on its own, in a stack of one owner: one dead-letter queue for the function's
failed asynchronous invocations and for every event its rules cannot deliver, and the queue and the
rules kept as the owner's children (their logical ids are the ones they had before the construct)."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack, aws_events, aws_kms
from aws_cdk.assertions import Template
from constructs import Construct

from infra.deployment import DeploymentConfig
from infra.routes import SEAL_AUDIT

RETRIES = 2
MAX_EVENT_AGE = Duration.hours(3)
SUMMARY_ONLY = {"summaryOnly": True}


@pytest.fixture(scope="module")
def template(stub_functions: Path) -> Template:
    from infra.constructs.scheduled_function import ScheduledFunction

    stack = Stack(App(), "Scheduled")
    owner = Construct(stack, "Owner")
    key = aws_kms.Key(stack, "LogKey")
    config = DeploymentConfig(
        functions_root=stub_functions,
        sar_completion_months=6,
        reserved_concurrency={SEAL_AUDIT: 1},
        alarm_email=None,
    )
    scheduled = ScheduledFunction(
        owner,
        name=SEAL_AUDIT,
        description="A scheduled function",
        dead_letters_id="WorkDeadLetters",
        config=config,
        layer=None,
        log_key=key,
        environment={"SETTING": "value"},
        timeout=Duration.minutes(5),
    )
    scheduled.schedule(
        "Daily",
        description="Daily run",
        schedule=aws_events.Schedule.cron(hour="2", minute="0"),
        retry_attempts=RETRIES,
        max_event_age=MAX_EVENT_AGE,
    )
    scheduled.schedule(
        "Hourly",
        description="Hourly run",
        schedule=aws_events.Schedule.rate(Duration.hours(1)),
        retry_attempts=RETRIES,
        max_event_age=Duration.hours(1),
        event=SUMMARY_ONLY,
    )
    return Template.from_stack(stack)


def _only(template: Template, resource_type: str) -> tuple[str, Mapping[str, Any]]:
    (found,) = template.find_resources(resource_type).items()
    return found


def _rule(template: Template, prefix: str) -> Mapping[str, Any]:
    (rule,) = [
        resource
        for logical_id, resource in template.find_resources("AWS::Events::Rule").items()
        if logical_id.startswith(prefix)
    ]
    return rule


def test_the_queue_and_the_rules_are_the_owners_children(template: Template) -> None:
    queue_id, _ = _only(template, "AWS::SQS::Queue")
    function_id, _ = _only(template, "AWS::Lambda::Function")
    rule_ids = sorted(template.find_resources("AWS::Events::Rule"))
    assert queue_id.startswith("OwnerWorkDeadLetters")
    assert [rule_id[: -len("12345678")] for rule_id in rule_ids] == ["OwnerDaily", "OwnerHourly"]
    assert function_id.startswith("OwnerSealAuditFunction")


def test_the_function_and_every_rule_fail_into_the_one_queue(template: Template) -> None:
    queue_id, _ = _only(template, "AWS::SQS::Queue")
    function_id, function = _only(template, "AWS::Lambda::Function")
    queue_arn = {"Fn::GetAtt": [queue_id, "Arn"]}
    assert function["Properties"]["DeadLetterConfig"] == {"TargetArn": queue_arn}
    for prefix, max_age in (("OwnerDaily", MAX_EVENT_AGE), ("OwnerHourly", Duration.hours(1))):
        (target,) = _rule(template, prefix)["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": queue_arn}
        assert target["RetryPolicy"] == {
            "MaximumRetryAttempts": RETRIES,
            "MaximumEventAgeInSeconds": max_age.to_seconds(),
        }


def test_a_rule_passes_its_event_or_none(template: Template) -> None:
    (daily,) = _rule(template, "OwnerDaily")["Properties"]["Targets"]
    (hourly,) = _rule(template, "OwnerHourly")["Properties"]["Targets"]
    assert "Input" not in daily
    assert hourly["Input"] == '{"summaryOnly":true}'


def test_the_function_may_send_to_its_queue_and_has_its_settings(template: Template) -> None:
    queue_id, _ = _only(template, "AWS::SQS::Queue")
    _, function = _only(template, "AWS::Lambda::Function")
    assert function["Properties"]["ReservedConcurrentExecutions"] == 1
    assert function["Properties"]["Timeout"] == Duration.minutes(5).to_seconds()
    assert function["Properties"]["Environment"]["Variables"]["SETTING"] == "value"
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    sends = [statement for statement in statements if statement["Action"] == "sqs:SendMessage"]
    assert [statement["Resource"] for statement in sends] == [{"Fn::GetAtt": [queue_id, "Arn"]}]
