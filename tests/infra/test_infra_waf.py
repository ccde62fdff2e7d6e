"""The web ACL: managed rules that let safeguarding narratives through on every route that takes a
body, rate limits per caller with a generous per-address ceiling and a low one for requests without
a token, redacted logs, an alarm on blocks, and AWS WAF's fixed quotas.

AWS's managed rules cannot run here, so the test takes the worst case: a synthetic case narrative
that trips every body rule (quotes, angle brackets, SQL words, paths, a web address) in a body of the
largest size the app accepts, from a server-side caller with no User-Agent, i.e. every relaxed
rule's label on the request. It then evaluates the web ACL's own rule statements for that request on
each path of the route table.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

from infra import constants
from infra.constructs.web_acl import (
    ANONYMOUS_RATE_RULE,
    CALLER_RATE_RULE,
    IP_RATE_RULE,
    RELAXED_ON_CASE_ROUTES,
    WAF_REGEX_MAX_CHARS,
)
from infra.routes import METHODS_WITH_BODY, PATH_PARAMETER_PATTERNS, ROUTES, Route
from tests.infra.conftest import STACKS
from tests.infra.infra_support import Synthesized, resolve
from tracker.api.requests import MAX_BODY_BYTES
from tracker.models.case import LONG_TEXT_MAX, RESTRICTED_TEXT_MAX, CaseFields
from tracker.web.app import CSRF_FIELD
from tracker.web.http import MAX_FORM_BYTES

SERVICE = constants.STATELESS_STACK_ID
STAGE = constants.API_STAGE
# Synthetic, and the kind of text a case review holds: it would trip XSS, SQLi, LFI and RFI body rules.
SYNTHETIC_NARRATIVE = (
    'Mother said <he\'d "drop" the kids at school> -- then select union rep called at 3; see '
    "../notes/2024 and http://192.0.2.10/referral; child's message: '<script>' was a game name."
)
CASE_ID = "0b9e1c1e-1d1f-4a1b-8c1d-1e1f1a1b1c1d"
CASE_PATHS = (f"/{STAGE}/cases", f"/{STAGE}/cases/{CASE_ID}", "/cases", f"/cases/{CASE_ID}/history")
OTHER_PATHS = (f"/{STAGE}/docs", f"/{STAGE}/casesx", f"/{STAGE}/app/overview", "/health", "/openapi.json")
ALL_RELAXED_LABELS = frozenset(label for rules in RELAXED_ON_CASE_ROUTES.values() for label in rules.values())
SIZE_LABEL = RELAXED_ON_CASE_ROUTES["AWSManagedRulesCommonRuleSet"]["SizeRestrictions_BODY"]
# AWS's core rule set: SizeRestrictions_BODY flags a body over 8 KB.
CORE_RULE_SET_MAX_BODY_BYTES = 8 * 1024
# A value of each path parameter's shape, to turn the route table into real paths.
PARAMETER_EXAMPLES = {
    "caseId": CASE_ID,
    "icbCode": "QE1",
    "regionCode": "Y62",
    "asset": "nhsuk-frontend-0123456789abcdef.css",
}


@dataclass(frozen=True)
class Request:
    """What the web ACL's own statements look at: the path, the labels earlier rules added, headers."""

    path: str
    labels: frozenset[str] = frozenset()
    headers: dict[str, str] = field(default_factory=dict)


def _example_path(route: Route, stage: str | None) -> str:
    path = re.sub(r"\{([^}]+)\}", lambda m: PARAMETER_EXAMPLES[m.group(1)], route.path)
    return f"/{stage}{path}" if stage else path


def _long_text(limit: int) -> str:
    """Synthetic narrative, sentence after sentence, cut at a word to at most ``limit`` characters."""
    text = ""
    while len(text) + len(SYNTHETIC_NARRATIVE) + 1 <= limit:
        text += SYNTHETIC_NARRATIVE + " "
    return text.rstrip()


def _largest_case_document() -> dict[str, Any]:
    """A case as the app accepts it, every narrative field at its longest."""
    return {
        "icbCode": "QE1",
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": "2026-01-10",
        "dateAdded": "2026-02-02",
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children Safeguarding Partnership",
        "themes": ["NEGLECT"],
        "caseInformation": _long_text(RESTRICTED_TEXT_MAX),
        "comments": _long_text(RESTRICTED_TEXT_MAX),
        "lessonsLearnt": _long_text(LONG_TEXT_MAX),
        "goodPractice": _long_text(LONG_TEXT_MAX),
    }


def _bodies() -> dict[str, bytes]:
    document = _largest_case_document()
    form = {name: value for name, value in document.items() if isinstance(value, str)}
    form[CSRF_FIELD] = "synthetic-csrf-token"
    return {
        "json": json.dumps(document).encode(),
        "form": urlencode(form).encode(),
    }


def _labels_for(body: bytes) -> frozenset[str]:
    """The labels the relaxed rules would add to a request carrying this narrative from a server with
    no User-Agent: every body attack (the narrative has what each looks for), and size when over 8 KB."""
    labels = set(ALL_RELAXED_LABELS - {SIZE_LABEL})
    if len(body) > CORE_RULE_SET_MAX_BODY_BYTES:
        labels.add(SIZE_LABEL)
    return frozenset(labels)


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


def _matches(statement: dict[str, Any], request: Request) -> bool:
    """The few statement kinds the ACL's own rules use; any other kind fails the test loudly."""
    if "AndStatement" in statement:
        return all(_matches(s, request) for s in statement["AndStatement"]["Statements"])
    if "OrStatement" in statement:
        return any(_matches(s, request) for s in statement["OrStatement"]["Statements"])
    if "NotStatement" in statement:
        return not _matches(statement["NotStatement"]["Statement"], request)
    if "LabelMatchStatement" in statement:
        assert statement["LabelMatchStatement"]["Scope"] == "LABEL"
        return statement["LabelMatchStatement"]["Key"] in request.labels
    if "RegexMatchStatement" in statement:
        assert "UriPath" in statement["RegexMatchStatement"]["FieldToMatch"]
        return re.search(statement["RegexMatchStatement"]["RegexString"], request.path) is not None
    if "RegexPatternSetReferenceStatement" in statement:
        reference = statement["RegexPatternSetReferenceStatement"]
        assert "UriPath" in reference["FieldToMatch"]
        (logical_id, _) = reference["Arn"]["Fn::GetAtt"]
        return any(re.search(pattern, request.path) for pattern in PATTERN_SETS[logical_id])
    if "SizeConstraintStatement" in statement:
        size = statement["SizeConstraintStatement"]
        name = size["FieldToMatch"]["SingleHeader"]["Name"].lower()
        value = {key.lower(): value for key, value in request.headers.items()}.get(name)
        if value is None:  # WAF: a single header the request lacks matches nothing
            return False
        compare = {"GT": int.__gt__, "GE": int.__ge__, "EQ": int.__eq__, "LT": int.__lt__, "LE": int.__le__}
        return bool(compare[size["ComparisonOperator"]](len(value.encode()), size["Size"]))
    raise AssertionError(f"statement kind not evaluated here: {sorted(statement)}")


def _blocked(acl: dict[str, Any], request: Request) -> list[str]:
    """Rules that would block this request (rate rules not tripped)."""
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
                if label in request.labels and name not in counted
            ]
        elif "RateBasedStatement" in statement:
            continue
        elif "Block" in rule.get("Action", {}) and _matches(statement, request):
            blocking.append(rule["Name"])
    return blocking


def test_the_narrative_is_what_the_relaxed_rules_would_flag() -> None:
    """The worst case is realistic: the synthetic narrative has what XSS, SQLi, LFI and RFI look for."""
    for marker in ("<", ">", "'", '"', "--", "select", "union", "drop", "../", "http://", "<script>"):
        assert marker in SYNTHETIC_NARRATIVE


@pytest.mark.parametrize("path", CASE_PATHS)
def test_case_narratives_pass_on_the_case_routes(synthesized: Synthesized, path: str) -> None:
    assert _blocked(_web_acl(synthesized), Request(path, ALL_RELAXED_LABELS)) == []


@pytest.mark.parametrize("path", OTHER_PATHS)
def test_the_same_rules_still_block_everywhere_else(synthesized: Synthesized, path: str) -> None:
    for label in ALL_RELAXED_LABELS:
        assert _blocked(_web_acl(synthesized), Request(path, frozenset({label}))), (path, label)


BODY_ROUTES = [route for route in ROUTES if route.method in METHODS_WITH_BODY]
BEARER_ROUTES = [route for route in ROUTES if route.authorized]
# Paths where nobody sends a body or a bearer token: the web app's pages and the public documents.
UNRELAXED_ROUTES = [
    route
    for route in ROUTES
    if not route.authorized and route.path not in {body_route.path for body_route in BODY_ROUTES}
]


def _route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


def test_body_routes_come_from_the_route_table_and_include_the_forms() -> None:
    """The API's case routes, the web app's form posts and both contacts routes take a body."""
    taking_a_body = {(route.method, route.path) for route in BODY_ROUTES}
    assert {
        ("POST", "/cases"),
        ("PATCH", "/cases/{caseId}"),
        ("PUT", "/icbs/{icbCode}/contacts"),
        ("POST", "/app/cases/new"),
        ("POST", "/app/cases/{caseId}/edit"),
        ("POST", "/app/icbs/{icbCode}/contacts"),
    } <= taking_a_body
    assert all(method in METHODS_WITH_BODY for method, _ in taking_a_body)
    assert UNRELAXED_ROUTES, "some routes keep every body rule"


def test_the_largest_bodies_the_app_accepts_are_over_the_core_rule_sets_size_limit() -> None:
    """Two 4,000-character narratives alone pass the core rule set's 8 KB: the size rule must be
    relaxed wherever a body is taken, and the app's own limits are what bound a body."""
    CaseFields.model_validate(_largest_case_document())  # within every field limit, no identifier
    for kind, body in _bodies().items():
        assert CORE_RULE_SET_MAX_BODY_BYTES < len(body) <= min(MAX_BODY_BYTES, MAX_FORM_BYTES), kind
        assert SIZE_LABEL in _labels_for(body)


@pytest.mark.parametrize("kind", ["json", "form"])
@pytest.mark.parametrize("stage", [STAGE, None], ids=["execute-api", "custom-domain"])
@pytest.mark.parametrize("route", BODY_ROUTES, ids=_route_id)
def test_the_largest_narrative_passes_on_every_route_that_takes_a_body(
    synthesized: Synthesized, route: Route, stage: str | None, kind: str
) -> None:
    """A nurse saving two long narratives in the web app, or the forms platform posting them, is
    never refused by the WAF (a 403 would lose her text)."""
    request = Request(_example_path(route, stage), _labels_for(_bodies()[kind]))
    assert _blocked(_web_acl(synthesized), request) == []


@pytest.mark.parametrize("route", BEARER_ROUTES, ids=_route_id)
def test_servers_without_a_user_agent_pass_on_every_bearer_route(
    synthesized: Synthesized, route: Route
) -> None:
    """The forms platform's back end calls with a bearer token and, often, no User-Agent."""
    request = Request(_example_path(route, STAGE), ALL_RELAXED_LABELS)
    assert _blocked(_web_acl(synthesized), request) == []


@pytest.mark.parametrize("route", UNRELAXED_ROUTES, ids=_route_id)
def test_body_rules_still_block_on_pages_and_public_documents(synthesized: Synthesized, route: Route) -> None:
    acl = _web_acl(synthesized)
    for stage in (STAGE, None):
        for label in ALL_RELAXED_LABELS:
            assert _blocked(acl, Request(_example_path(route, stage), frozenset({label}))), (route, label)


def _walk(node: Any) -> Any:
    """Every mapping inside a template value."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_every_regex_of_the_web_acl_is_one_waf_accepts(synthesized: Synthesized) -> None:
    """Pattern sets' sizes and the capacity are checked with every other deploy-time quota in
    test_deploy_rules.py; here: the expressions in the ACL's own statements are within WAF's 200
    characters too, and no expression anywhere has a capturing group (WAF supports none)."""
    expressions: list[str] = []
    for stack_id in STACKS:
        for pattern_set in synthesized.resources(stack_id, "AWS::WAFv2::RegexPatternSet").values():
            expressions += pattern_set["Properties"]["RegularExpressionList"]
        for acl in synthesized.resources(stack_id, "AWS::WAFv2::WebACL").values():
            inline = [
                node["RegexMatchStatement"]["RegexString"]
                for node in _walk(acl)
                if "RegexMatchStatement" in node
            ]
            assert all(len(expression) <= WAF_REGEX_MAX_CHARS for expression in inline), inline
            expressions += inline
    assert expressions
    for expression in expressions:
        assert re.compile(expression).groups == 0, expression


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


def _rate_rule(acl: dict[str, Any], name: str) -> dict[str, Any]:
    rule = _rule(acl, name)
    assert "RateBasedStatement" in rule["Statement"]
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
    rule = _rate_rule(acl, CALLER_RATE_RULE)
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
    rule = _rate_rule(acl, IP_RATE_RULE)
    assert rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert "ScopeDownStatement" not in rule["Statement"]["RateBasedStatement"]
    limit = rule["Statement"]["RateBasedStatement"]["Limit"]
    assert limit == constants.WAF_RATE_LIMIT_PER_IP
    assert limit >= 10 * constants.WAF_RATE_LIMIT_PER_CALLER
    assert limit >= constants.API_THROTTLE_RATE * constants.WAF_RATE_WINDOW_SECONDS
    _throttled_with_problem(acl, rule)


# AWS WAF's smallest rate limit (a fixed quota on the same page as above).
WAF_MIN_RATE_LIMIT = 10


def test_requests_without_a_token_have_a_low_limit_per_address(synthesized: Synthesized) -> None:
    """The health check, the documents and every web app page need no Authorization header, so the
    per-caller limit never counts them. One address sending them gets at most a tenth of what the
    stage lets through in the window, so no single client can use up the stage."""
    acl = _web_acl(synthesized)
    rule = _rate_rule(acl, ANONYMOUS_RATE_RULE)
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == constants.WAF_RATE_LIMIT_ANONYMOUS_PER_IP
    assert statement["EvaluationWindowSec"] == constants.WAF_RATE_WINDOW_SECONDS
    stage_per_window = constants.API_THROTTLE_RATE * constants.WAF_RATE_WINDOW_SECONDS
    assert WAF_MIN_RATE_LIMIT <= statement["Limit"] <= stage_per_window // 10
    assert statement["Limit"] < constants.WAF_RATE_LIMIT_PER_IP
    # Counted: requests without a token (with a session cookie or nothing), and every request to a
    # route that takes no token, whatever Authorization header it makes up; not: bearer callers.
    scope = statement["ScopeDownStatement"]
    made_up = {"Authorization": "Bearer synthetic.token.value"}
    for path in (f"/{STAGE}/health", f"/{STAGE}/docs", f"/{STAGE}/app/overview", f"/{STAGE}/cases"):
        assert _matches(scope, Request(path))
        assert _matches(scope, Request(path, headers={"Cookie": "scrt-session=synthetic"}))
    for route in ROUTES:
        for stage in (STAGE, None):
            path = _example_path(route, stage)
            assert _matches(scope, Request(path, headers=made_up)) is not route.authorized, path
    # It runs before the generous per-address ceiling, which it must undercut.
    assert rule["Priority"] < _rule(acl, IP_RATE_RULE)["Priority"]
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
    assert _matches(first["Statement"], Request(path))
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
    assert not _matches(first["Statement"], Request(path))


@pytest.mark.parametrize("stage", [STAGE, None], ids=["execute-api", "custom-domain"])
@pytest.mark.parametrize("route", ROUTES, ids=_route_id)
def test_every_route_of_the_table_passes_the_first_rule(
    synthesized: Synthesized, route: Route, stage: str | None
) -> None:
    acl = _web_acl(synthesized)
    first = min(acl["Rules"], key=lambda rule: rule["Priority"])
    path = _example_path(route, stage)
    assert not _matches(first["Statement"], Request(path))
    assert not _matches(first["Statement"], Request(path + "/"))


def test_parameter_examples_have_their_shapes() -> None:
    assert set(PARAMETER_EXAMPLES) == set(PATH_PARAMETER_PATTERNS)
    for name, example in PARAMETER_EXAMPLES.items():
        assert re.fullmatch(PATH_PARAMETER_PATTERNS[name], example), name
