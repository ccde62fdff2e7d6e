"""Weekly reminders: the schedule (Monday 07:00 London time, BST or GMT), its dead letters, the Notify
secret, least privilege, and the alarms on failed digests."""

import importlib
import re

from infra import constants
from infra.routes import SEND_REMINDERS
from tests.infra.infra_support import Synthesized, actions_of, resolve, statements_of_role
from tests.infra.test_infra_functions import allowed_actions, function_of, role_statements
from tests.infra.test_infra_monitoring import alarms_on, fires
from tracker import settings
from tracker.dal import schema

SERVICE = constants.STATELESS_STACK_ID
DATA = constants.STATEFUL_STACK_ID


def _schedule(synthesized: Synthesized) -> dict:
    (schedule,) = synthesized.resources(SERVICE, "AWS::Scheduler::Schedule").values()
    return schedule["Properties"]


def test_runs_every_monday_at_seven_london_time(synthesized: Synthesized) -> None:
    schedule = _schedule(synthesized)
    assert schedule["ScheduleExpression"] == "cron(0 7 ? * MON *)"
    # The zone, not UTC: 07:00 in both GMT and BST.
    assert schedule["ScheduleExpressionTimezone"] == "Europe/London"
    assert schedule["State"] == "ENABLED"
    function_id, _ = function_of(synthesized, SEND_REMINDERS)
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_undeliverable_events_and_failed_runs_reach_the_dead_letter_queue(synthesized: Synthesized) -> None:
    queue_id, queue = synthesized.one(SERVICE, "AWS::SQS::Queue", "Reminders/DeadLetters")
    target = _schedule(synthesized)["Target"]
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == constants.REMINDER_SCHEDULE_RETRIES
    _, function = function_of(synthesized, SEND_REMINDERS)
    assert function["Properties"]["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    assert "KmsMasterKeyId" in queue["Properties"]


def test_the_schedule_role_may_invoke_only_send_reminders_and_is_this_accounts(
    synthesized: Synthesized,
) -> None:
    role_arn = _schedule(synthesized)["Target"]["RoleArn"]
    role_id = synthesized.logical_id_of(role_arn)
    role = synthesized.templates[SERVICE]["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    function_id, _ = function_of(synthesized, SEND_REMINDERS)
    invoked = [
        statement
        for statement in statements_of_role(synthesized.templates[SERVICE], role_id)
        if "lambda:InvokeFunction" in actions_of(statement)
    ]
    assert invoked
    for statement in invoked:
        assert function_id in str(statement["Resource"])


def test_function_gets_the_notify_key_by_secret_and_the_template_by_parameter(
    synthesized: Synthesized,
) -> None:
    _, function = function_of(synthesized, SEND_REMINDERS)
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables[settings.NOTIFY_DIGEST_TEMPLATE_ID] == {"Ref": constants.PARAM_NOTIFY_DIGEST_TEMPLATE_ID}
    secret_id, _ = synthesized.one(DATA, "AWS::SecretsManager::Secret", "ExternalSecrets/NotifyApiKey")
    assert synthesized.logical_id_of(variables[settings.NOTIFY_API_KEY_SECRET_ARN]) == secret_id
    # Links in the e-mails point at the web app of this very API.
    assert "/v1" in str(resolve(variables[settings.WEB_BASE_URL]))
    parameter = synthesized.templates[SERVICE]["Parameters"][constants.PARAM_NOTIFY_DIGEST_TEMPLATE_ID]
    assert parameter["AllowedPattern"].startswith("^[0-9a-f]{8}-")


def test_the_regional_digest_template_is_a_parameter_that_may_be_left_empty(synthesized: Synthesized) -> None:
    _, function = function_of(synthesized, SEND_REMINDERS)
    variables = function["Properties"]["Environment"]["Variables"]
    regional = constants.PARAM_NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID
    assert variables[settings.NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID] == {"Ref": regional}
    parameter = synthesized.templates[SERVICE]["Parameters"][regional]
    assert parameter["Default"] == ""  # no region's digest until Notify holds its template
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("0f0e0d0c-0b0a-4999-8888-777766665555")
    assert not pattern.fullmatch("not-a-template")


def test_reads_by_query_and_writes_only_its_ledger_items(synthesized: Synthesized) -> None:
    actions = allowed_actions(synthesized, SEND_REMINDERS)
    assert {"dynamodb:Query", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue"} <= actions
    assert "dynamodb:Scan" not in actions
    assert not {a for a in actions if a.startswith("s3:")}
    writes = [
        statement
        for statement in role_statements(synthesized, SEND_REMINDERS)
        if statement["Effect"] == "Allow"
        and actions_of(statement) & {"dynamodb:PutItem", "dynamodb:UpdateItem"}
    ]
    assert writes
    for statement in writes:
        leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert leading == [f"{schema.REMINDER_PK_PREFIX}*"]


def test_metric_names_are_the_ones_the_function_emits() -> None:
    handler = importlib.import_module(f"functions.{SEND_REMINDERS}.handler")
    assert handler.DIGEST_FAILURES == constants.REMINDER_FAILURES_METRIC
    assert handler.DIGESTS_SENT == constants.REMINDERS_SENT_METRIC
    assert handler.RECIPIENTS_REFUSED == constants.REMINDER_REFUSED_METRIC
    assert handler.RECIPIENTS_UNCONFIRMED == constants.REMINDER_UNCONFIRMED_METRIC


def test_a_failed_digest_or_a_dead_letter_raises_an_alarm(synthesized: Synthesized) -> None:
    metrics = (
        constants.REMINDER_FAILURES_METRIC,
        constants.REMINDER_REFUSED_METRIC,
        constants.REMINDER_UNCONFIRMED_METRIC,
    )
    for metric in metrics:
        (alarm,) = alarms_on(
            synthesized, settings.METRICS_NAMESPACE, metric, {"service": settings.SERVICE_NAME}
        )
        assert fires(alarm, [1]) and not fires(alarm, [0]), metric
    queue_id, _ = synthesized.one(SERVICE, "AWS::SQS::Queue", "Reminders/DeadLetters")
    (depth,) = alarms_on(
        synthesized,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": {"Fn::GetAtt": [queue_id, "QueueName"]}},
    )
    assert fires(depth, [1]) and not fires(depth, [0])
    function_id, _ = function_of(synthesized, SEND_REMINDERS)
    (errors,) = alarms_on(synthesized, "AWS/Lambda", "Errors", {"FunctionName": {"Ref": function_id}})
    assert fires(errors, [1])


def test_a_failed_run_is_retried_by_lambda_and_ledger_records_expire(synthesized: Synthesized) -> None:
    function_id, _ = function_of(synthesized, SEND_REMINDERS)
    (invoke_config,) = synthesized.resources(SERVICE, "AWS::Lambda::EventInvokeConfig").values() or [None]
    assert invoke_config is not None
    assert invoke_config["Properties"]["FunctionName"] == {"Ref": function_id}
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == constants.REMINDER_ASYNC_RETRIES
    _, table = synthesized.one(DATA, "AWS::DynamoDB::GlobalTable", "Data/CasesTable")
    assert table["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": schema.CASES_TTL_ATTRIBUTE,
        "Enabled": True,
    }
