"""The API's web ACL: AWS managed rules fitted to safeguarding free text, and rate limits that fit
the callers (a forms platform sending every user's requests from a few addresses).

Rule order (priority):

0. ``OnlyServedPaths``: a path that is none of the API's (``infra.routes.served_path_patterns``, case
   ids as UUIDs) gets the gateway's 404 at once, and its log record is dropped: a person who types an
   NHS number or a postcode into a URL leaves it in no log, no sampled request and no access log.
   The path shapes are packed into alternations within WAF's fixed quotas (200 characters an
   expression, 10 expressions a set), in as few sets as fit: sets are an account-wide quota.
1. AWS IP reputation list.
2. Core rule set, with its body and user-agent rules in count mode: they only label requests.
3. Known bad inputs.
4. SQL database rule set, with its body rules in count mode: they only label requests.
5. ``BodyAttacksOutsideCaseRoutes``: blocks what those labels mark, except on the paths of routes
   that take a body (``infra.routes.METHODS_WITH_BODY``: the API's case and contacts writes and the
   web app's forms) or a bearer token. Case reviews are safeguarding narratives (several
   4,000-character fields, well over the core rule set's 8 KB body limit): quoted messages, "<" and
   ">", words like "select", "drop", "union" or "script", file paths and web addresses are everyday
   content there, and a false 403 loses a submission. Those routes validate their bodies themselves
   (pydantic, identifier guards, their own size limits), store them as DynamoDB attribute values (no
   SQL, no query built from text) and escape what they render. Servers calling with a bearer token
   and no User-Agent are normal for a forms platform back end, so that rule is relaxed there too.
6. ``RateLimitPerCaller``: per Authorization header value (each user's bearer token).
7. ``RateLimitWithoutTokenPerIp``: per source address, for requests without an Authorization header
   and for every request to a route that takes no bearer token (health, documents, every web app
   page) whatever its headers, which the per-caller limit cannot hold to account: at most a tenth of
   what the stage lets through, so one client cannot use up the stage.
8. ``RateLimitPerIp``: a generous ceiling per source address, against floods.

Throttled requests get 429 with a problem+json body and Retry-After. Logs go to the stateful
stack's ``aws-waf-logs-*`` group, with the Authorization and Cookie headers redacted.
"""

import json

from aws_cdk import ArnFormat, Fn, Stack, aws_wafv2
from constructs import Construct

from infra import constants
from infra.routes import METHODS_WITH_BODY, ROUTES, path_patterns, served_path_patterns
from tracker.auth.gateway_responses import GATEWAY_RESPONSES

CORE_RULE_SET = "AWSManagedRulesCommonRuleSet"
SQLI_RULE_SET = "AWSManagedRulesSQLiRuleSet"
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    CORE_RULE_SET,
    "AWSManagedRulesKnownBadInputsRuleSet",
    SQLI_RULE_SET,
)
# Managed rules that would misread case narratives (rule name -> the label it adds on a match).
RELAXED_ON_CASE_ROUTES: dict[str, dict[str, str]] = {
    CORE_RULE_SET: {
        "NoUserAgent_HEADER": "awswaf:managed:aws:core-rule-set:NoUserAgent_Header",
        "SizeRestrictions_BODY": "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body",
        "CrossSiteScripting_BODY": "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body",
        "GenericLFI_BODY": "awswaf:managed:aws:core-rule-set:GenericLFI_Body",
        "GenericRFI_BODY": "awswaf:managed:aws:core-rule-set:GenericRFI_Body",
        "EC2MetaDataSSRF_BODY": "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body",
    },
    SQLI_RULE_SET: {
        "SQLi_BODY": "awswaf:managed:aws:sql-database:SQLi_Body",
        "SQLiExtendedPatterns_BODY": "awswaf:managed:aws:sql-database:SQLiExtendedPatterns_Body",
    },
}
PATH_RULE = "OnlyServedPaths"
PATH_RULE_LABEL = "scrt:not-a-served-path"
NOT_FOUND_BODY = "NotFound"
BODY_RULE = "BodyAttacksOutsideCaseRoutes"
CALLER_RATE_RULE = "RateLimitPerCaller"
IP_RATE_RULE = "RateLimitPerIp"
ANONYMOUS_RATE_RULE = "RateLimitWithoutTokenPerIp"
# AWS WAF quotas that cannot be changed (https://docs.aws.amazon.com/waf/latest/developerguide/limits.html).
WAF_REGEX_MAX_CHARS = 200
WAF_REGEXES_PER_SET_MAX = 10
AUTHORIZATION_HEADER = "authorization"
TOO_MANY_REQUESTS_BODY = "TooManyRequests"
TOO_MANY_REQUESTS_PROBLEM = {
    "type": "about:blank",
    "title": "Too Many Requests",
    "status": 429,
    "detail": "Too many requests from this caller: wait for the number of seconds in Retry-After.",
}
REDACTED_HEADERS = (AUTHORIZATION_HEADER, "cookie")


def _count() -> aws_wafv2.CfnWebACL.RuleActionProperty:
    return aws_wafv2.CfnWebACL.RuleActionProperty(count={})


def _visibility(name: str) -> aws_wafv2.CfnWebACL.VisibilityConfigProperty:
    return aws_wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _uri_path_matches(regex: str) -> aws_wafv2.CfnWebACL.StatementProperty:
    return aws_wafv2.CfnWebACL.StatementProperty(
        regex_match_statement=aws_wafv2.CfnWebACL.RegexMatchStatementProperty(
            regex_string=regex,
            field_to_match=aws_wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            text_transformations=[aws_wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


def _any_of(statements: list[aws_wafv2.CfnWebACL.StatementProperty]) -> aws_wafv2.CfnWebACL.StatementProperty:
    if len(statements) == 1:
        return statements[0]
    return aws_wafv2.CfnWebACL.StatementProperty(
        or_statement=aws_wafv2.CfnWebACL.OrStatementProperty(statements=statements)
    )


def _relaxed_paths() -> list[str]:
    """Paths where the body and user-agent rules only label: every route that takes a body (case
    narratives, web forms, contacts) and every bearer route (servers, often without a User-Agent)."""
    return [route.path for route in ROUTES if route.method in METHODS_WITH_BODY or route.authorized]


def _relaxed_route() -> aws_wafv2.CfnWebACL.StatementProperty:
    # Regex statements, not another pattern set: pattern sets are an account-wide quota (10 a Region).
    patterns = path_patterns(_relaxed_paths(), constants.API_STAGE, WAF_REGEX_MAX_CHARS)
    return _any_of([_uri_path_matches(pattern) for pattern in patterns])


def _bearer_route() -> aws_wafv2.CfnWebACL.StatementProperty:
    patterns = path_patterns(
        [route.path for route in ROUTES if route.authorized], constants.API_STAGE, WAF_REGEX_MAX_CHARS
    )
    return _any_of([_uri_path_matches(pattern) for pattern in patterns])


def _anonymous() -> aws_wafv2.CfnWebACL.StatementProperty:
    """What the per-caller limit cannot hold to account: a request without an Authorization header,
    or one to a route that takes no bearer token (the web app, health, documents), whatever header
    it carries, since a made-up one would otherwise take it out of this limit."""
    return aws_wafv2.CfnWebACL.StatementProperty(
        or_statement=aws_wafv2.CfnWebACL.OrStatementProperty(
            statements=[
                _without_token(),
                aws_wafv2.CfnWebACL.StatementProperty(
                    not_statement=aws_wafv2.CfnWebACL.NotStatementProperty(statement=_bearer_route())
                ),
            ]
        )
    )


def _without_token() -> aws_wafv2.CfnWebACL.StatementProperty:
    """Requests with no Authorization header (AWS's documented form: NOT(header size > 0); a header
    the request lacks matches nothing)."""
    return aws_wafv2.CfnWebACL.StatementProperty(
        not_statement=aws_wafv2.CfnWebACL.NotStatementProperty(
            statement=aws_wafv2.CfnWebACL.StatementProperty(
                size_constraint_statement=aws_wafv2.CfnWebACL.SizeConstraintStatementProperty(
                    field_to_match=aws_wafv2.CfnWebACL.FieldToMatchProperty(
                        single_header={"Name": AUTHORIZATION_HEADER}
                    ),
                    comparison_operator="GT",
                    size=0,
                    text_transformations=[
                        aws_wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                    ],
                )
            )
        )
    )


def _throttle() -> aws_wafv2.CfnWebACL.RuleActionProperty:
    return aws_wafv2.CfnWebACL.RuleActionProperty(
        block=aws_wafv2.CfnWebACL.BlockActionProperty(
            custom_response=aws_wafv2.CfnWebACL.CustomResponseProperty(
                response_code=429,
                custom_response_body_key=TOO_MANY_REQUESTS_BODY,
                response_headers=[
                    aws_wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                        name="Retry-After", value=str(constants.WAF_RETRY_AFTER_SECONDS)
                    )
                ],
            )
        )
    )


class WebAcl(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.name = f"{stack.stack_name}-api"
        served = served_path_patterns(constants.API_STAGE, WAF_REGEX_MAX_CHARS)
        served_sets = [
            aws_wafv2.CfnRegexPatternSet(
                self,
                "ServedPaths" if index == 0 else f"ServedPaths{index + 1}",
                scope="REGIONAL",
                description="Every path shape the API serves, case ids as UUIDs",
                regular_expression_list=served[start : start + WAF_REGEXES_PER_SET_MAX],
            )
            for index, start in enumerate(range(0, len(served), WAF_REGEXES_PER_SET_MAX))
        ]
        not_found_status, _ = GATEWAY_RESPONSES["MISSING_AUTHENTICATION_TOKEN"]
        rules: list[aws_wafv2.CfnWebACL.RuleProperty] = [
            aws_wafv2.CfnWebACL.RuleProperty(
                name=PATH_RULE,
                priority=0,
                statement=aws_wafv2.CfnWebACL.StatementProperty(
                    not_statement=aws_wafv2.CfnWebACL.NotStatementProperty(
                        statement=_any_of(
                            [
                                aws_wafv2.CfnWebACL.StatementProperty(
                                    regex_pattern_set_reference_statement=aws_wafv2.CfnWebACL.RegexPatternSetReferenceStatementProperty(
                                        arn=served_set.attr_arn,
                                        field_to_match=aws_wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                                        text_transformations=[
                                            aws_wafv2.CfnWebACL.TextTransformationProperty(
                                                priority=0, type="NONE"
                                            )
                                        ],
                                    )
                                )
                                for served_set in served_sets
                            ]
                        )
                    )
                ),
                action=aws_wafv2.CfnWebACL.RuleActionProperty(
                    block=aws_wafv2.CfnWebACL.BlockActionProperty(
                        custom_response=aws_wafv2.CfnWebACL.CustomResponseProperty(
                            response_code=not_found_status, custom_response_body_key=NOT_FOUND_BODY
                        )
                    )
                ),
                rule_labels=[aws_wafv2.CfnWebACL.LabelProperty(name=PATH_RULE_LABEL)],
                # No sampled requests either: a sample shows the path.
                visibility_config=aws_wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True, metric_name=PATH_RULE, sampled_requests_enabled=False
                ),
            )
        ]
        for group in MANAGED_RULE_GROUPS:
            relaxed = RELAXED_ON_CASE_ROUTES.get(group, {})
            rules.append(
                aws_wafv2.CfnWebACL.RuleProperty(
                    name=group,
                    priority=len(rules),
                    statement=aws_wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=aws_wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS",
                            name=group,
                            rule_action_overrides=[
                                aws_wafv2.CfnWebACL.RuleActionOverrideProperty(
                                    name=rule, action_to_use=_count()
                                )
                                for rule in relaxed
                            ]
                            or None,
                        )
                    ),
                    override_action=aws_wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    visibility_config=_visibility(group),
                )
            )
        labels = [label for relaxed in RELAXED_ON_CASE_ROUTES.values() for label in relaxed.values()]
        rules.append(
            aws_wafv2.CfnWebACL.RuleProperty(
                name=BODY_RULE,
                priority=len(rules),
                statement=aws_wafv2.CfnWebACL.StatementProperty(
                    and_statement=aws_wafv2.CfnWebACL.AndStatementProperty(
                        statements=[
                            aws_wafv2.CfnWebACL.StatementProperty(
                                or_statement=aws_wafv2.CfnWebACL.OrStatementProperty(
                                    statements=[
                                        aws_wafv2.CfnWebACL.StatementProperty(
                                            label_match_statement=aws_wafv2.CfnWebACL.LabelMatchStatementProperty(
                                                key=label, scope="LABEL"
                                            )
                                        )
                                        for label in labels
                                    ]
                                )
                            ),
                            aws_wafv2.CfnWebACL.StatementProperty(
                                not_statement=aws_wafv2.CfnWebACL.NotStatementProperty(
                                    statement=_relaxed_route()
                                )
                            ),
                        ]
                    )
                ),
                action=aws_wafv2.CfnWebACL.RuleActionProperty(block={}),
                visibility_config=_visibility(BODY_RULE),
            )
        )
        rules.append(
            aws_wafv2.CfnWebACL.RuleProperty(
                name=CALLER_RATE_RULE,
                priority=len(rules),
                statement=aws_wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=aws_wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=constants.WAF_RATE_LIMIT_PER_CALLER,
                        evaluation_window_sec=constants.WAF_RATE_WINDOW_SECONDS,
                        aggregate_key_type="CUSTOM_KEYS",
                        custom_keys=[
                            aws_wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(
                                header=aws_wafv2.CfnWebACL.RateLimitHeaderProperty(
                                    name=AUTHORIZATION_HEADER,
                                    text_transformations=[
                                        aws_wafv2.CfnWebACL.TextTransformationProperty(
                                            priority=0, type="NONE"
                                        )
                                    ],
                                )
                            )
                        ],
                    )
                ),
                action=_throttle(),
                visibility_config=_visibility(CALLER_RATE_RULE),
            )
        )
        rules.append(
            aws_wafv2.CfnWebACL.RuleProperty(
                name=ANONYMOUS_RATE_RULE,
                priority=len(rules),
                statement=aws_wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=aws_wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=constants.WAF_RATE_LIMIT_ANONYMOUS_PER_IP,
                        evaluation_window_sec=constants.WAF_RATE_WINDOW_SECONDS,
                        aggregate_key_type="IP",
                        scope_down_statement=_anonymous(),
                    )
                ),
                action=_throttle(),
                visibility_config=_visibility(ANONYMOUS_RATE_RULE),
            )
        )
        rules.append(
            aws_wafv2.CfnWebACL.RuleProperty(
                name=IP_RATE_RULE,
                priority=len(rules),
                statement=aws_wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=aws_wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=constants.WAF_RATE_LIMIT_PER_IP,
                        evaluation_window_sec=constants.WAF_RATE_WINDOW_SECONDS,
                        aggregate_key_type="IP",
                    )
                ),
                action=_throttle(),
                visibility_config=_visibility(IP_RATE_RULE),
            )
        )
        self.web_acl = aws_wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=self.name,
            scope="REGIONAL",
            default_action=aws_wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            custom_response_bodies={
                NOT_FOUND_BODY: aws_wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=GATEWAY_RESPONSES["MISSING_AUTHENTICATION_TOKEN"][1],
                ),
                TOO_MANY_REQUESTS_BODY: aws_wafv2.CfnWebACL.CustomResponseBodyProperty(
                    # WAF's content types are fixed (JSON, HTML, text); the body is an RFC 9457 problem.
                    content_type="APPLICATION_JSON",
                    content=json.dumps(TOO_MANY_REQUESTS_PROBLEM, separators=(",", ":")),
                ),
            },
            visibility_config=_visibility("ScrtWebAcl"),
        )
        # Labels a rule adds are qualified by the web ACL's namespace.
        self.path_rule_label = Fn.join(":", ["awswaf", stack.account, "webacl", self.name, PATH_RULE_LABEL])
        # WAF logging wants the bare log-group ARN (no ":*") of a group named aws-waf-logs-*; the
        # group is the stateful stack's, so it outlives this one.
        aws_wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=constants.WAF_LOG_GROUP_NAME,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            # Bearer tokens and cookies never reach the logs.
            redacted_fields=[
                aws_wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in REDACTED_HEADERS
            ],
            # Requests for paths the API does not serve are not logged: their path may be an identifier.
            # (A plain mapping: the L1 property is untyped JSON, so CDK would not rename a struct's keys.)
            logging_filter={
                "DefaultBehavior": "KEEP",
                "Filters": [
                    {
                        "Behavior": "DROP",
                        "Requirement": "MEETS_ANY",
                        "Conditions": [{"LabelNameCondition": {"LabelName": self.path_rule_label}}],
                    }
                ],
            },
        )
