"""The offline IAM evaluator the wiring tests rely on, on small policies with known answers
(no synthesis)."""

import pytest

from tests.infra.aws_policy import ACCOUNT, ACCOUNT_ROOT, Request, allowed, conditions_met, decide
from tests.infra.infra_support import resolve

TOPIC = f"arn:aws:sns:eu-west-2:{ACCOUNT}:alarms"
KEY = f"arn:aws:kms:eu-west-2:{ACCOUNT}:key/1234"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/publisher"
ALARM = f"arn:aws:cloudwatch:eu-west-2:{ACCOUNT}:alarm:Scrt-Errors"
FROM_ALARM = {"aws:SourceArn": ALARM, "aws:SourceAccount": ACCOUNT, "aws:SecureTransport": "true"}
TLS_ONLY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sns:Publish",
    "Resource": TOPIC,
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
CLOUDWATCH_PUBLISHES = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": "sns:Publish",
    "Resource": TOPIC,
    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:eu-west-2:{ACCOUNT}:alarm:*"}},
}
PUBLISH = Request("cloudwatch.amazonaws.com", "sns:Publish", TOPIC, FROM_ALARM)


def test_a_deny_only_policy_lets_no_service_in() -> None:
    """The alarm topic's defect: a TLS-only Deny and no Allow refuses CloudWatch."""
    assert not allowed(PUBLISH, resource_policy={"Statement": [TLS_ONLY]})
    assert allowed(PUBLISH, resource_policy={"Statement": [TLS_ONLY, CLOUDWATCH_PUBLISHES]})


def test_an_explicit_deny_wins_over_an_allow() -> None:
    plain_http = Request(
        "cloudwatch.amazonaws.com", "sns:Publish", TOPIC, {**FROM_ALARM, "aws:SecureTransport": "false"}
    )
    assert not allowed(plain_http, resource_policy={"Statement": [TLS_ONLY, CLOUDWATCH_PUBLISHES]})


def test_the_source_condition_must_match_the_caller() -> None:
    other_account = Request(
        "cloudwatch.amazonaws.com",
        "sns:Publish",
        TOPIC,
        {**FROM_ALARM, "aws:SourceArn": "arn:aws:cloudwatch:eu-west-2:999988887777:alarm:X"},
    )
    assert not allowed(other_account, resource_policy={"Statement": [CLOUDWATCH_PUBLISHES]})
    missing = Request("cloudwatch.amazonaws.com", "sns:Publish", TOPIC, {"aws:SecureTransport": "true"})
    assert not allowed(missing, resource_policy={"Statement": [CLOUDWATCH_PUBLISHES]})


def test_a_service_is_not_an_account_principal() -> None:
    account_only = {**CLOUDWATCH_PUBLISHES, "Principal": {"AWS": ACCOUNT_ROOT}, "Condition": {}}
    assert not allowed(PUBLISH, resource_policy={"Statement": [account_only]})


def test_a_role_of_the_account_needs_its_own_allow_unless_named_by_the_resource() -> None:
    request = Request(ROLE, "sns:Publish", TOPIC, {"aws:SecureTransport": "true"})
    grant = {"Effect": "Allow", "Action": "sns:Publish", "Resource": TOPIC}
    assert not allowed(request, resource_policy={"Statement": [TLS_ONLY]})
    assert allowed(
        request, resource_policy={"Statement": [TLS_ONLY]}, identity_policies=[{"Statement": [grant]}]
    )
    named = {**grant, "Principal": {"AWS": ROLE}}
    assert allowed(request, resource_policy={"Statement": [named]})
    identity_deny = {**grant, "Effect": "Deny"}
    assert not allowed(
        request, resource_policy={"Statement": [named]}, identity_policies=[{"Statement": [identity_deny]}]
    )


def test_a_key_policy_must_delegate_to_iam_for_a_roles_grant_to_count() -> None:
    request = Request(ROLE, "kms:GenerateDataKey", KEY, {"kms:ViaService": "sns.eu-west-2.amazonaws.com"})
    role_grant = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": KEY,
                "Condition": {"StringEquals": {"kms:ViaService": "sns.eu-west-2.amazonaws.com"}},
            }
        ]
    }
    delegating = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "kms:*", "Resource": "*"}
        ]
    }
    assert allowed(request, resource_policy=delegating, identity_policies=[role_grant], key_policy=True)
    assert not allowed(
        request, resource_policy={"Statement": []}, identity_policies=[role_grant], key_policy=True
    )
    assert not allowed(request, resource_policy=delegating, identity_policies=[], key_policy=True)
    through_sqs = Request(ROLE, "kms:GenerateDataKey", KEY, {"kms:ViaService": "sqs.eu-west-2.amazonaws.com"})
    assert not allowed(
        through_sqs, resource_policy=delegating, identity_policies=[role_grant], key_policy=True
    )


def test_actions_are_case_insensitive_wildcards_and_resources_are_not() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "KMS:GenerateDataKey*",
        "Resource": "arn:aws:s3:::b/x/*",
    }
    assert decide(
        {"Statement": [statement]}, Request(ROLE, "kms:GenerateDataKeyWithoutPlaintext", "arn:aws:s3:::b/x/1")
    ).allowed
    assert not decide(
        {"Statement": [statement]}, Request(ROLE, "kms:GenerateDataKey", "arn:aws:s3:::B/x/1")
    ).allowed
    not_action = {"Effect": "Allow", "Principal": "*", "NotAction": "s3:Delete*", "Resource": "*"}
    assert not decide({"Statement": [not_action]}, Request(ROLE, "s3:DeleteObject", "x")).allowed


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {"AWS:SOURCEACCOUNT": ACCOUNT}, True),  # key case
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {}, False),
        ({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, {}, True),
        ({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}, {}, True),  # negated: missing key matches
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:logs:eu-west-2:1:log-group:*"}},
            {"aws:SourceArn": "arn:aws:logs:eu-west-2:1:log-group:a:b"},
            True,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:logs:eu-west-2:1:log-group/*"}},
            {"aws:SourceArn": "arn:aws:logs:eu-west-2:1:log-group:a"},
            False,
        ),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False),
        ({"NumericLessThan": {"s3:TlsVersion": 1.2}}, {"s3:TlsVersion": "1.3"}, False),
        ({"NumericLessThan": {"s3:TlsVersion": 1.2}}, {"s3:TlsVersion": "1.0"}, True),
        ({"Null": {"aws:SourceArn": "true"}}, {}, True),
        (
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["REMINDER#*"]}},
            {"dynamodb:LeadingKeys": ["REMINDER#QE1"]},
            True,
        ),
        (
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["REMINDER#*"]}},
            {"dynamodb:LeadingKeys": ["CASE#1"]},
            False,
        ),
        ({"ForAnyValue:StringEquals": {"k": ["a"]}}, {}, False),
    ],
)
def test_condition_operators_as_iam_evaluates_them(condition: dict, context: dict, expected: bool) -> None:
    assert conditions_met(condition, Request(ROLE, "x:Y", "*", context)) is expected


def test_what_the_evaluator_does_not_know_raises_instead_of_passing() -> None:
    with pytest.raises(ValueError, match="DateGreaterThan"):
        conditions_met(
            {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}},
            Request(ROLE, "x:Y", "*", {"aws:CurrentTime": "1"}),
        )
    with pytest.raises(NotImplementedError):
        decide({"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "*"}]}, PUBLISH)


def test_resolve_evaluates_sub_split_and_select() -> None:
    refs = {"Fn": "arn:aws:lambda:eu-west-2:1:function:f:live", "Api": "abc"}
    assert resolve({"Fn::Select": [3, {"Fn::Split": [":", {"Ref": "Fn"}]}]}, refs) == "eu-west-2"
    assert resolve(
        {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"}, refs
    ) == (f"arn:aws:execute-api:eu-west-2:{ACCOUNT}:abc/*")
    assert resolve({"Fn::Sub": ["${X}-${Api}", {"X": "y"}]}, refs) == "y-abc"
    # Without the values behind a reference, a too-short split stays as written (no IndexError).
    assert "Fn::Select" in resolve({"Fn::Select": [3, {"Fn::Split": [":", {"Ref": "Fn"}]}]})
