"""Key policies, evaluated against the requests AWS services will make with each key.

For every resource encrypted with a key by a service acting on our behalf (CloudWatch Logs for
each log group, CloudWatch alarms publishing to the encrypted topic, EventBridge sending to an
encrypted dead-letter queue), the test builds the request context the service presents (ARNs in
the form the service writes them) and checks the key policy allows it.
"""

from typing import Any

import pytest

from infra import constants
from tests.infra.infra_support import (
    ACCOUNT,
    Synthesized,
    arn_like,
    conditions_hold,
    resolve,
    service_may,
    string_like,
)

REGION = constants.REGION
LOGS = f"logs.{REGION}.amazonaws.com"
# What CloudWatch Logs asks of the key for an encrypted log group.
LOGS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:DescribeKey")
PUBLISH_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
Use = tuple[str, str, str, dict[str, str], str]  # key id, service, action, context, what


def _key_policies(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    keys = synthesized.resources(constants.STATEFUL_STACK_ID, "AWS::KMS::Key")
    return {logical_id: resolve(key["Properties"]["KeyPolicy"]) for logical_id, key in keys.items()}


def _log_group_uses(synthesized: Synthesized) -> list[Use]:
    uses: list[Use] = []
    for stack_id, template in synthesized.templates.items():
        for logical_id, group in template["Resources"].items():
            if group["Type"] != "AWS::Logs::LogGroup" or "KmsKeyId" not in group["Properties"]:
                continue
            # A generated name looks like <stack>-<logical id>-<suffix>; a given one is resolved.
            name = resolve(group["Properties"].get("LogGroupName")) or f"{stack_id}-{logical_id}-AbC123"
            arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
            key_id = synthesized.logical_id_of(group["Properties"]["KmsKeyId"])
            context = {"kms:EncryptionContext:aws:logs:arn": arn}
            uses.extend((key_id, LOGS, action, context, f"log group {name}") for action in LOGS_ACTIONS)
    return uses


def _publisher_uses(synthesized: Synthesized) -> list[Use]:
    """Alarms and rules publishing to encrypted topics, rules sending to encrypted queues."""
    uses: list[Use] = []
    for template in synthesized.templates.values():
        resources = template["Resources"]
        encrypted = {
            logical_id: resource["Properties"]["KmsMasterKeyId"]
            for logical_id, resource in resources.items()
            if resource["Type"] in {"AWS::SNS::Topic", "AWS::SQS::Queue"}
            and "KmsMasterKeyId" in resource["Properties"]
        }
        for logical_id, resource in resources.items():
            properties = resource["Properties"]
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                service = "cloudwatch.amazonaws.com"
                alarm_name = resolve(properties.get("AlarmName", logical_id))
                source_arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm_name}"
                targets = list(properties.get("AlarmActions", []))
            elif resource["Type"] == "AWS::Events::Rule":
                service = "events.amazonaws.com"
                source_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/ScrtService-{logical_id}-AbC123"
                # A target with a role is reached with that role's IAM grants, not the service's.
                targets = [t["Arn"] for t in properties.get("Targets", []) if "RoleArn" not in t] + [
                    t["DeadLetterConfig"]["Arn"]
                    for t in properties.get("Targets", [])
                    if "DeadLetterConfig" in t
                ]
            else:
                continue
            context = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": source_arn}
            for target in targets:
                try:
                    target_id = synthesized.logical_id_of(target)
                except ValueError:
                    continue
                if target_id in encrypted:
                    key_id = synthesized.logical_id_of(encrypted[target_id])
                    what = f"{resource['Type']} {logical_id} -> {target_id}"
                    uses.extend((key_id, service, action, context, what) for action in PUBLISH_ACTIONS)
    return uses


def _refused(synthesized: Synthesized, uses: list[Use]) -> list[str]:
    policies = _key_policies(synthesized)
    return sorted(
        {
            f"{service} {action} for {what}"
            for key_id, service, action, context, what in uses
            if not service_may(policies[key_id], service, action, context)
        }
    )


def test_cloudwatch_logs_may_use_the_key_of_every_encrypted_log_group(synthesized: Synthesized) -> None:
    uses = _log_group_uses(synthesized)
    assert len({what for *_, what in uses}) >= 8  # so the check below cannot pass by finding none
    assert _refused(synthesized, uses) == []


def test_alarms_and_rules_may_use_the_key_of_the_topic_and_queue_they_write_to(
    synthesized: Synthesized,
) -> None:
    uses = _publisher_uses(synthesized)
    assert {service for _, service, *_ in uses} == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    assert _refused(synthesized, uses) == []


def test_key_policies_name_no_service_that_cannot_present_their_conditions(synthesized: Synthesized) -> None:
    """Every service statement's conditions are ones a real request of that service satisfies."""
    uses = _log_group_uses(synthesized) + _publisher_uses(synthesized)
    for key_id, policy in _key_policies(synthesized).items():
        for statement in policy["Statement"]:
            services = statement.get("Principal", {}).get("Service")
            if not services:
                continue
            contexts = [context for k, service, _, context, _ in uses if k == key_id and service == services]
            assert contexts, f"{key_id} lets {services} in, but nothing here asks it to use the key"
            assert any(conditions_hold(statement.get("Condition", {}), c) for c in contexts), statement


def test_the_evaluator_reads_arns_as_iam_does() -> None:
    """The log-group ARN form is the bug this guards against: CloudWatch Logs presents
    log-group:<name>, and a pattern written log-group/* never matches it."""
    presented = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:ScrtService-AccessLogs-AbC123"
    assert arn_like(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*", presented)
    assert not arn_like(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group/*", presented)
    assert not arn_like(f"arn:aws:logs:{REGION}:999999999999:log-group:*", presented)
    assert string_like("kms:GenerateDataKey*", "kms:GenerateDataKey")
    assert not string_like("kms:GenerateDataKey", "kms:GenerateDataKeyPair")
    assert not conditions_hold({"NumericLessThan": {"x": "1"}}, {"x": "0"})  # unknown: refuse


@pytest.mark.parametrize("key", ["Data", "Reporting", "Operations"])
def test_every_key_rotates_and_is_retained(synthesized: Synthesized, key: str) -> None:
    _, resource = synthesized.one(constants.STATEFUL_STACK_ID, "AWS::KMS::Key", f"Keys/{key}")
    assert resource["Properties"]["EnableKeyRotation"] is True
    assert resource["DeletionPolicy"] == "Retain"
