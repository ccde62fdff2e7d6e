"""The web ACL: managed rules that let safeguarding narratives through on the case routes, rate
limits per caller with a generous per-address ceiling, redacted logs, and an alarm on blocks.

AWS's managed rules cannot run here, so the test takes the worst case: a synthetic case narrative
that trips every body rule (quotes, angle brackets, SQL words, paths, a web address) and a
server-side caller with no User-Agent, i.e. every relaxed rule's label on the request. It then
evaluates the web ACL's own rule statements for that request on each path.
"""

import json
import re
from typing import Any

import pytest

from infra import constants
from infra.constructs.web_acl import RELAXED_ON_CASE_ROUTES
from tests.infra.infra_support import Synthesized, resolve

SERVICE = constants.STATELESS_STACK_ID
STAGE = constants.API_STAGE
# Synthetic, and the kind of text a case review holds: it would trip XSS, SQLi, LFI and RFI body rules.
SYNTHETIC_NARRATIVE = (
    'Mother said <he\'d "drop" the kids at school> -- then select union rep called at 3; see '
    "../notes/2024 and http://192.0.2.10/referral; child's message: '<script>' was a game name."
)
CASE_ID = "0b9e1c1e-1d1f-4a1b-8c1d-1e1f1a1b1c1d"
CASE_PATHS = (f"/{STAGE}/cases", f"/{STAGE}/cases/{CASE_ID}", "/cases", f"/cases/{CASE_ID}/history")
OTHER_PATHS = (f"/{STAGE}/reference/icbs", f"/{STAGE}/docs", f"/{STAGE}/casesx", "/reference/icbs")
ALL_RELAXED_LABELS = frozenset(label for rules in RELAXED_ON_CASE_ROUTES.values() for label in rules.values())


def _web_acl(synthesized: Synthesized) -> dict[str, Any]:
    for logical_id, pattern_set in synthesized.resources(SERVICE, "AWS::WAFv2::RegexPatternSet").items():
        PATTERN_SETS[logical_id] = list(pattern_set["Properties"]["RegularExpressionList"])
    (acl,) = synthesized.resources(SERVICE, "AWS::WAFv2::WebACL").values()
    properties: dict[str, Any] = acl["Properties"]
    return properties


def _rule(acl: dict[str, Any], name: str) -> dict[str, Any]:
    (rule,) = [rule for rule in acl["Rules"] if rule["Name"] == name]
    return rule


PATTERN_SETS: dict[str, list[str]] = {}  # logical id -> regular expressions, filled per synthesis


def _matches(statement: dict[str, Any], path: str, labels: frozenset[str]) -> bool:
    """The few statement kinds the ACL's own rules use; any other kind fails the test loudly."""
    if "AndStatement" in statement:
        return all(_matches(s, path, labels) for s in statement["AndStatement"]["Statements"])
    if "OrStatement" in statement:
        return any(_matches(s, path, labels) for s in statement["OrStatement"]["Statements"])
    if "NotStatement" in statement:
        return not _matches(statement["NotStatement"]["Statement"], path, labels)
    if "LabelMatchStatement" in statement:
        assert statement["LabelMatchStatement"]["Scope"] == "LABEL"
        return statement["LabelMatchStatement"]["Key"] in labels
    if "RegexMatchStatement" in statement:
        assert "UriPath" in statement["RegexMatchStatement"]["FieldToMatch"]
        return re.search(statement["RegexMatchStatement"]["RegexString"], path) is not None
    if "RegexPatternSetReferenceStatement" in statement:
        reference = statement["RegexPatternSetReferenceStatement"]
        assert "UriPath" in reference["FieldToMatch"]
        (logical_id, _) = reference["Arn"]["Fn::GetAtt"]
        return any(re.search(pattern, path) for pattern in PATTERN_SETS[logical_id])
    raise AssertionError(f"statement kind not evaluated here: {sorted(statement)}")


def _blocked(acl: dict[str, Any], path: str, labels: frozenset[str]) -> list[str]:
    """Rules that would block a request to ``path`` carrying ``labels`` (rate rules not tripped)."""
    blocking = []
    for rule in sorted(acl["Rules"], key=lambda r: r["Priority"]):
        statement = rule["Statement"]
        if "ManagedRuleGroupStatement" in statement:
            group = statement["ManagedRuleGroupStatement"]
            counted = {o["Name"] for o in group.get("RuleActionOverrides", []) if "Count" in o["ActionToUse"]}
            relaxed = RELAXED_ON_CASE_ROUTES.get(group["Name"], {})
            # A relaxed rule left blocking inside its group blocks on every path.
            blocking += [
                f"{group['Name']}:{name}"
                for name, label in relaxed.items()
                if label in labels and name not in counted
            ]
        elif "RateBasedStatement" in statement:
            continue
        elif "Block" in rule.get("Action", {}) and _matches(statement, path, labels):
            blocking.append(rule["Name"])
    return blocking


def test_the_narrative_is_what_the_relaxed_rules_would_flag() -> None:
    """The worst case is realistic: the synthetic narrative has what XSS, SQLi, LFI and RFI look for."""
    for marker in ("<", ">", "'", '"', "--", "select", "union", "drop", "../", "http://", "<script>"):
        assert marker in SYNTHETIC_NARRATIVE


@pytest.mark.parametrize("path", CASE_PATHS)
def test_case_narratives_pass_on_the_case_routes(synthesized: Synthesized, path: str) -> None:
    assert _blocked(_web_acl(synthesized), path, ALL_RELAXED_LABELS) == []


@pytest.mark.parametrize("path", OTHER_PATHS)
def test_the_same_rules_still_block_everywhere_else(synthesized: Synthesized, path: str) -> None:
    for label in ALL_RELAXED_LABELS:
        assert _blocked(_web_acl(synthesized), path, frozenset({label})), (path, label)


def test_managed_rule_groups_stay_in_place(synthesized: Synthesized) -> None:
    acl = _web_acl(synthesized)
    groups = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert set(groups) >= {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    for rule in groups.values():
        assert rule["OverrideAction"] == {"None": {}}  # the groups block; only named rules count
    # Only the named body and user-agent rules are relaxed, nothing else in those groups.
    for name, rule in groups.items():
        overrides = rule["Statement"]["ManagedRuleGroupStatement"].get("RuleActionOverrides", [])
        assert {o["Name"] for o in overrides} == set(RELAXED_ON_CASE_ROUTES.get(name, {}))


def _rate_rule(acl: dict[str, Any], aggregate: str) -> dict[str, Any]:
    (rule,) = [
        rule
        for rule in acl["Rules"]
        if rule["Statement"].get("RateBasedStatement", {}).get("AggregateKeyType") == aggregate
    ]
    return rule


def _throttled_with_problem(acl: dict[str, Any], rule: dict[str, Any]) -> None:
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": str(constants.WAF_RETRY_AFTER_SECONDS)} in response[
        "ResponseHeaders"
    ]
    body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    problem = json.loads(body["Content"])
    assert problem["status"] == 429
    assert {"type", "title", "detail"} <= set(problem)


def test_rate_limit_per_caller_identity(synthesized: Synthesized) -> None:
    acl = _web_acl(synthesized)
    rule = _rate_rule(acl, "CUSTOM_KEYS")
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["Limit"] == constants.WAF_RATE_LIMIT_PER_CALLER
    assert statement["EvaluationWindowSec"] == constants.WAF_RATE_WINDOW_SECONDS
    (key,) = statement["CustomKeys"]
    assert key["Header"]["Name"].lower() == "authorization"
    _throttled_with_problem(acl, rule)


def test_generous_ceiling_per_address(synthesized: Synthesized) -> None:
    """A few forms-platform addresses carry every user: the per-address limit is far above one
    caller's, and above what the stage itself lets through in the window."""
    acl = _web_acl(synthesized)
    rule = _rate_rule(acl, "IP")
    limit = rule["Statement"]["RateBasedStatement"]["Limit"]
    assert limit == constants.WAF_RATE_LIMIT_PER_IP
    assert limit >= 10 * constants.WAF_RATE_LIMIT_PER_CALLER
    assert limit >= constants.API_THROTTLE_RATE * constants.WAF_RATE_WINDOW_SECONDS
    _throttled_with_problem(acl, rule)


def test_waf_logs_redact_credentials_and_go_to_the_retained_group(synthesized: Synthesized) -> None:
    (logging,) = synthesized.resources(SERVICE, "AWS::WAFv2::LoggingConfiguration").values()
    redacted = {field["SingleHeader"]["Name"].lower() for field in logging["Properties"]["RedactedFields"]}
    assert redacted >= {"authorization", "cookie"}
    (destination,) = logging["Properties"]["LogDestinationConfigs"]
    assert resolve(destination).endswith(f":log-group:{constants.WAF_LOG_GROUP_NAME}")


def test_web_acl_guards_the_stage(synthesized: Synthesized) -> None:
    (acl_id,) = synthesized.resources(SERVICE, "AWS::WAFv2::WebACL")
    (stage_id,) = synthesized.resources(SERVICE, "AWS::ApiGateway::Stage")
    (association,) = synthesized.resources(SERVICE, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert stage_id in json.dumps(association["Properties"]["ResourceArn"])


@pytest.mark.parametrize(
    "path",
    [f"/{STAGE}/cases/9434765919", f"/{STAGE}/cases/943%20476%205919/history", f"/{STAGE}/ZZ99-3VZ", "/x"],
)
def test_a_path_the_api_does_not_serve_is_refused_first_and_never_logged(
    synthesized: Synthesized, path: str
) -> None:
    """An identifier typed into a URL must reach no log: the first rule refuses the path and the
    logging filter drops what that rule labels (and the rule keeps no sampled requests)."""
    acl = _web_acl(synthesized)
    first = min(acl["Rules"], key=lambda rule: rule["Priority"])
    assert first["Name"] == "OnlyServedPaths"
    assert _matches(first["Statement"], path, frozenset())
    assert first["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 404
    assert first["VisibilityConfig"]["SampledRequestsEnabled"] is False
    (logging,) = synthesized.resources(SERVICE, "AWS::WAFv2::LoggingConfiguration").values()
    (dropped,) = logging["Properties"]["LoggingFilter"]["Filters"]
    assert dropped["Behavior"] == "DROP"
    label = json.dumps(dropped["Conditions"][0]["LabelNameCondition"]["LabelName"])
    assert first["RuleLabels"][0]["Name"] in label


@pytest.mark.parametrize(
    "path", [*CASE_PATHS, f"/{STAGE}/health", f"/{STAGE}/openapi.json", f"/{STAGE}/docs"]
)
def test_every_served_path_passes_the_first_rule(synthesized: Synthesized, path: str) -> None:
    acl = _web_acl(synthesized)
    first = min(acl["Rules"], key=lambda rule: rule["Priority"])
    assert not _matches(first["Statement"], path, frozenset())
