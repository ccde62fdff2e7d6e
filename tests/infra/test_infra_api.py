"""The REST API: the route table, who may call what, what is logged, TLS, and public routes that
cannot starve the case routes."""

import json
import re
from typing import Any

from infra import constants
from infra.checkov import API_METHOD_WITHOUT_AUTH, REASONS
from infra.routes import API_DOCS, ICB_CONTACTS, QUERY_CASES, ROUTES, WEB_APP, methods_by_path
from tests.infra.infra_support import Synthesized, actions_of, resolve
from tests.infra.test_infra_functions import WRITE_ACTIONS, function_of, role_statements
from tracker.auth import settings as auth
from tracker.auth.gateway_responses import GATEWAY_PROBLEMS
from tracker.dal import schema

SERVICE = constants.STATELESS_STACK_ID
# The expectation, stated independently of the route table it checks.
PUBLIC_PATHS = ("/health", "/openapi.json", "/docs")


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


def methods(synthesized: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _resource_paths(synthesized)
    return {
        (method["Properties"]["HttpMethod"], paths[method["Properties"]["ResourceId"]["Ref"]]): method[
            "Properties"
        ]
        for method in synthesized.resources(SERVICE, "AWS::ApiGateway::Method").values()
    }


def invoked_target(uri: dict[str, Any]) -> str:
    """The logical id an integration or authorizer URI invokes: a function (GetAtt) or an alias (Ref)."""
    return next(
        part["Fn::GetAtt"][0] if "Fn::GetAtt" in part else part["Ref"]
        for part in uri["Fn::Join"][1]
        if isinstance(part, dict)
        and ("Fn::GetAtt" in part or not str(part.get("Ref", "AWS::")).startswith("AWS::"))
    )


def function_behind(synthesized: Synthesized, logical_id: str) -> str:
    """The function's logical id, through its alias when ``logical_id`` names one."""
    resource = synthesized.templates[SERVICE]["Resources"][logical_id]
    if resource["Type"] == "AWS::Lambda::Alias":
        return synthesized.logical_id_of(resource["Properties"]["FunctionName"])
    return logical_id


def _integrated_function(synthesized: Synthesized, method: dict[str, Any]) -> str | None:
    """The logical id of the function a Lambda proxy integration invokes (None for a mock)."""
    integration = method["Integration"]
    if integration["Type"] != "AWS_PROXY":
        return None
    return function_behind(synthesized, invoked_target(integration["Uri"]))


def _stage(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    (stage,) = synthesized.resources(SERVICE, "AWS::ApiGateway::Stage").items()
    return stage


def test_api_serves_exactly_the_route_table(synthesized: Synthesized) -> None:
    served = {key for key in methods(synthesized) if key[0] != "ANY"}
    assert served == {(route.method, route.path) for route in ROUTES}


def test_every_other_method_is_answered_405_with_allow_and_runs_nothing(synthesized: Synthesized) -> None:
    refusals = {
        path: properties for (method, path), properties in methods(synthesized).items() if method == "ANY"
    }
    assert set(refusals) == set(methods_by_path())
    for path, properties in refusals.items():
        integration = properties["Integration"]
        assert integration["Type"] == "MOCK"
        (response,) = integration["IntegrationResponses"]
        assert response["StatusCode"] == "405"
        assert json.loads(response["ResponseTemplates"]["application/json"])["status"] == 405
        allow = response["ResponseParameters"]["method.response.header.Allow"]
        assert allow == "'" + ", ".join(methods_by_path()[path]) + "'"
        assert properties["AuthorizationType"] == "NONE"


def test_api_has_an_explicit_name(synthesized: Synthesized) -> None:
    (api,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["Name"] == constants.API_NAME


def test_authorizer_guards_every_route_but_the_public_three_and_the_web_app(synthesized: Synthesized) -> None:
    """The web app's pages sit behind its own sign-in (a browser sends a session cookie, not a bearer
    token): the gateway lets them through to the web app's function and to nothing else."""
    (authorizer_id,) = synthesized.resources(SERVICE, "AWS::ApiGateway::Authorizer")
    web_app_id, _ = function_of(synthesized, WEB_APP)
    for (method, path), properties in methods(synthesized).items():
        if method == "ANY":
            continue  # the 405 refusals: see the test above
        if path == "/app" or path.startswith("/app/"):
            assert properties["AuthorizationType"] == "NONE", path
            assert _integrated_function(synthesized, properties) == web_app_id, path
        elif path in PUBLIC_PATHS:
            assert properties["AuthorizationType"] == "NONE", path
        else:
            assert properties["AuthorizationType"] == "CUSTOM", (method, path)
            assert properties["AuthorizerId"] == {"Ref": authorizer_id}
        assert "RequestValidatorId" in properties
    synthesized.template(SERVICE).has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {"Type": "REQUEST", "IdentitySource": f"method.request.header.{auth.IDENTITY_HEADER}"},
    )


def test_health_is_answered_by_the_gateway_without_a_function(synthesized: Synthesized) -> None:
    health = methods(synthesized)[("GET", "/health")]
    integration = health["Integration"]
    assert integration["Type"] == "MOCK"
    (response,) = integration["IntegrationResponses"]
    assert response["StatusCode"] == "200"
    assert json.loads(response["ResponseTemplates"]["application/json"]) == {"status": "ok"}
    assert json.loads(integration["RequestTemplates"]["application/json"]) == {"statusCode": 200}
    (route,) = [route for route in ROUTES if route.path == "/health"]
    assert route.function is None
    assert route.mock_response is not None and json.loads(route.mock_response) == {"status": "ok"}


def test_public_documents_have_their_own_function_and_never_reach_case_data(synthesized: Synthesized) -> None:
    api_docs_id, _ = function_of(synthesized, API_DOCS)
    query_id, _ = function_of(synthesized, QUERY_CASES)
    routes = methods(synthesized)
    for path in ("/openapi.json", "/docs"):
        assert _integrated_function(synthesized, routes[("GET", path)]) == api_docs_id
    assert all(
        _integrated_function(synthesized, properties) != query_id
        for (_, path), properties in routes.items()
        if path in PUBLIC_PATHS
    )
    data_actions = {
        action
        for statement in role_statements(synthesized, API_DOCS)
        if statement["Effect"] == "Allow"
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if action.split(":")[0] in {"dynamodb", "s3", "secretsmanager", "kms"}
    }
    assert data_actions == set()


def test_gateway_validates_parameters_but_leaves_bodies_to_the_handlers(synthesized: Synthesized) -> None:
    """A gateway body check would answer 400 before the contract's 404/403/428/412 and 422."""
    (validator,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RequestValidator").values()
    assert validator["Properties"]["ValidateRequestParameters"] is True
    assert validator["Properties"]["ValidateRequestBody"] is False
    for properties in methods(synthesized).values():
        assert "RequestModels" not in properties


def test_stage_throttles_and_traces(synthesized: Synthesized) -> None:
    _, stage = _stage(synthesized)
    properties = stage["Properties"]
    assert properties["TracingEnabled"] is True
    (settings,) = properties["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == constants.API_THROTTLE_RATE
    assert settings["ThrottlingBurstLimit"] == constants.API_THROTTLE_BURST
    assert settings["LoggingLevel"] in {"ERROR", "INFO"}
    assert settings["DataTraceEnabled"] is False


def test_access_log_records_who_called_which_path(synthesized: Synthesized) -> None:
    _, stage = _stage(synthesized)
    access_log = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert access_log["requestId"] == "$context.requestId"
    assert access_log["path"] == "$context.path"  # the path called, not the resource template
    assert access_log["callerRole"] == "$context.authorizer.role"
    assert access_log["callerOrg"] == "$context.authorizer.org"
    assert access_log["callerSub"] == "$context.authorizer.sub"
    assert {"status", "sourceIp", "httpMethod"} <= set(access_log)
    group_id = stage["Properties"]["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    group = synthesized.templates[SERVICE]["Resources"][group_id]
    assert group["Properties"]["RetentionInDays"] == constants.AUDIT_TRAIL_RETENTION_DAYS
    assert "KmsKeyId" in group["Properties"]


def test_execution_logs_go_to_an_encrypted_expiring_group_made_before_the_stage(
    synthesized: Synthesized,
) -> None:
    """Left to API Gateway, the group would be created unencrypted and never expire."""
    _, stage = _stage(synthesized)
    (api_id,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RestApi")
    expected_name = f"API-Gateway-Execution-Logs_<{api_id}>/{constants.API_STAGE}"
    ((group_id, group),) = [
        (logical_id, group)
        for logical_id, group in synthesized.resources(SERVICE, "AWS::Logs::LogGroup").items()
        if resolve(group["Properties"].get("LogGroupName")) == expected_name
    ]
    assert "KmsKeyId" in group["Properties"]
    assert group["Properties"]["RetentionInDays"] == constants.AUDIT_TRAIL_RETENTION_DAYS
    assert group_id in stage.get("DependsOn", [])


def test_endpoint_accepts_tls_1_2_and_above_only(synthesized: Synthesized) -> None:
    """No custom domain: the policy is the REST API's own; enhanced policies need an access mode."""
    (api,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RestApi").values()
    policy = api["Properties"]["SecurityPolicy"]
    assert policy in {"TLS_1_2"} or policy.startswith(
        ("SecurityPolicy_TLS13_1_2", "SecurityPolicy_TLS13_1_3")
    )
    if policy.startswith("SecurityPolicy_"):
        assert api["Properties"]["EndpointAccessMode"] in {"STRICT", "BASIC"}


def test_api_errors_are_problem_json(synthesized: Synthesized) -> None:
    responses = synthesized.resources(SERVICE, "AWS::ApiGateway::GatewayResponse")
    assert responses
    for response in responses.values():
        properties = response["Properties"]
        assert (
            properties["ResponseParameters"]["gatewayresponse.header.Content-Type"]
            == "'application/problem+json'"
        )


def test_the_gateway_answers_from_the_one_table_the_local_gateway_uses(synthesized: Synthesized) -> None:
    """Every API Gateway answer is the table's status and template, and nothing else is answered:
    the local gateway writes its bodies from the same rows, so local and deployed bodies match."""
    deployed = {
        response["Properties"]["ResponseType"]: (
            response["Properties"].get("StatusCode"),
            response["Properties"]["ResponseTemplates"]["application/json"],
        )
        for response in synthesized.resources(SERVICE, "AWS::ApiGateway::GatewayResponse").values()
    }
    assert deployed == {
        name: (str(problem.status) if problem.status is not None else None, problem.template())
        for name, problem in GATEWAY_PROBLEMS.items()
    }


def test_icb_contacts_writes_only_the_contacts_partitions(synthesized: Synthesized) -> None:
    """It reads the table like the others but may write only CONTACTS#<icbCode> items (the contacts
    and their versions): never a case, its history or a reminder's ledger."""
    cases_table_arn = resolve(
        next(
            s["Resource"]
            for s in role_statements(synthesized, ICB_CONTACTS)
            if "dynamodb:GetItem" in actions_of(s)
        )
    )
    writes = [
        statement
        for statement in role_statements(synthesized, ICB_CONTACTS)
        if statement["Effect"] == "Allow" and actions_of(statement) & WRITE_ACTIONS
    ]
    assert writes
    for statement in writes:
        assert statement["Condition"] == {
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{schema.CONTACTS_PK_PREFIX}*"]}
        }
    assert {str(resolve(s["Resource"])) for s in writes} <= set(map(str, _as_list(cases_table_arn)))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# A method named in an acknowledgement's reason: "GET /app/cases/{caseId}".
NAMED_METHOD = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9/{}._-]*)")


def _open_routes() -> set[tuple[str, str]]:
    return {(route.method, route.path) for route in ROUTES if not route.authorized}


def _nag_reasons(synthesized: Synthesized, method: str, path: str) -> dict[str, str]:
    """cdk-nag acknowledgements (rule -> reason) recorded on one method's construct."""
    metadata = json.loads((synthesized.outdir / f"{SERVICE}.metadata.json").read_text())
    entries = metadata[f"/{SERVICE}/CaseApi/RestApi/Default{path}/{method}"]
    return {
        rule.removeprefix("Annotation::"): reason
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
    }


def test_the_open_methods_are_exactly_the_ones_the_checkov_reason_names(synthesized: Synthesized) -> None:
    """The reason written into the template for CKV_AWS_59 names each method without a gateway
    authorizer; they are the route table's unauthorized routes, and no others are open."""
    open_methods = {
        key for key, properties in methods(synthesized).items() if properties["AuthorizationType"] == "NONE"
    }
    assert {key for key in open_methods if key[0] != "ANY"} == _open_routes()
    reason = REASONS[API_METHOD_WITHOUT_AUTH]
    named = {(method, path.rstrip(".")) for method, path in NAMED_METHOD.findall(reason)}
    assert named == _open_routes()
    # The web app's pages are open at the gateway but not without a session, and the reason says so.
    assert "session" in reason
    assert "ANY" in reason  # the 405 mocks on every path


def test_cdk_nag_reasons_of_open_methods_say_how_each_is_protected(synthesized: Synthesized) -> None:
    for method, path in sorted(_open_routes()):
        reasons = _nag_reasons(synthesized, method, path)
        reason = reasons["AwsSolutions-APIG4"]
        assert reasons["AwsSolutions-COG4"] == reason
        assert f"{method} {path}" in reason
        served_by_web_app = any(
            route.function == WEB_APP for route in ROUTES if (route.method, route.path) == (method, path)
        )
        if served_by_web_app:
            assert "session" in reason and "no case data" not in reason, (method, path)
        else:
            assert "no case data" in reason, (method, path)
