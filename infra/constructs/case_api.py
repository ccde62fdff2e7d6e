"""The case API, end to end: the functions behind it, the JWT authorizer, the REST API built from
the route table ``infra.routes.ROUTES`` (the local stack serves the same), the web ACL in front,
their grants, logs, alarms and acknowledgements.
"""

import json
import re
from collections.abc import Mapping
from typing import cast

import cdk_monitoring_constructs as mon
from aws_cdk import (
    CfnParameter,
    CfnResource,
    Duration,
    Size,
    Stack,
    aws_apigateway,
    aws_cloudwatch,
    aws_kms,
    aws_lambda,
    aws_logs,
    aws_wafv2,
)
from constructs import Construct

from infra import constants
from infra.checkov import API_METHOD_WITHOUT_AUTH, API_STAGE_WITHOUT_CACHE, acknowledge_checkov
from infra.constructs import permissions
from infra.constructs.case_store import CaseStore
from infra.constructs.external_secrets import ExternalSecrets
from infra.constructs.function import TrackerFunction, app_function_code
from infra.constructs.logs import audit_log_group
from infra.constructs.monitoring import ALARM, Monitoring
from infra.constructs.web_acl import WebAcl
from infra.constructs.web_app import WebApp
from infra.deployment import DeploymentConfig
from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge
from infra.routes import (
    API_BINARY_MEDIA_TYPES,
    API_DOCS,
    API_MIN_COMPRESSION_BYTES,
    AUTHORIZER,
    ICB_CONTACTS,
    QUERY_CASES,
    ROUTES,
    SUBMIT_CASE,
    UPDATE_CASE,
    WEB_APP,
    Route,
    methods_by_path,
)
from tracker import settings
from tracker.auth.gateway_responses import GATEWAY_PROBLEMS, METHOD_NOT_ALLOWED
from tracker.auth.policy import CONTEXT_ORG, CONTEXT_ROLE, CONTEXT_SUB
from tracker.auth.settings import AUTHORIZER_CACHE_SECONDS, IDENTITY_HEADER
from tracker.dal import schema
from tracker.error_statuses import PROBLEM_CONTENT_TYPE

# Who did what: the request, the path actually called (not the resource template), the caller's
# role, organisation and user as the authorizer resolved them, and the outcome.
ACCESS_LOG_FIELDS = {
    "requestId": aws_apigateway.AccessLogField.context_request_id(),
    "requestTime": aws_apigateway.AccessLogField.context_request_time(),
    "sourceIp": aws_apigateway.AccessLogField.context_identity_source_ip(),
    "httpMethod": aws_apigateway.AccessLogField.context_http_method(),
    "path": aws_apigateway.AccessLogField.context_path(),
    "resourcePath": aws_apigateway.AccessLogField.context_resource_path(),
    "protocol": aws_apigateway.AccessLogField.context_protocol(),
    "status": aws_apigateway.AccessLogField.context_status(),
    "responseLength": aws_apigateway.AccessLogField.context_response_length(),
    "responseLatency": aws_apigateway.AccessLogField.context_response_latency(),
    "integrationLatency": aws_apigateway.AccessLogField.context_integration_latency(),
    "callerRole": aws_apigateway.AccessLogField.context_authorizer(CONTEXT_ROLE),
    "callerOrg": aws_apigateway.AccessLogField.context_authorizer(CONTEXT_ORG),
    "callerSub": aws_apigateway.AccessLogField.context_authorizer(CONTEXT_SUB),
    "principalId": aws_apigateway.AccessLogField.context_authorizer_principal_id(),
    "authorizerError": aws_apigateway.AccessLogField.context_authorizer_error(),
    "wafResponseCode": aws_apigateway.AccessLogField.context_waf_response_code(),
    "errorMessage": aws_apigateway.AccessLogField.context_error_message(),
    "xrayTraceId": aws_apigateway.AccessLogField.context_xray_trace_id(),
}


def _path_parameters(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def open_route_reason(route: Route) -> str:
    """Why a route has no gateway authorizer, true for that route."""
    if route.function == WEB_APP:
        return (
            f"{route.method} {route.path} is a web app route: browsers carry the web app's sealed "
            "session cookie (OpenID Connect sign-in), not a bearer token the gateway's authorizer could "
            "check, so the web app authenticates each request itself: a page that reads or changes "
            "data redirects to sign-in without a session, and every form post needs the session's "
            "CSRF token."
        )
    return (
        f"{route.method} {route.path} is public by design (health check, OpenAPI document, Swagger UI): "
        "it serves no case data."
    )


def execution_log_group_name(rest_api: aws_apigateway.IRestApi, stage: str) -> str:
    """The group API Gateway writes execution logs to (it would create it, unencrypted, forever)."""
    return f"API-Gateway-Execution-Logs_{rest_api.rest_api_id}/{stage}"


class CaseApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        store: CaseStore,
        external_secrets: ExternalSecrets,
        data_key: aws_kms.IKey,
        reporting_key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._layer = layer
        self._log_key = log_key
        self._functions(store, data_key)
        # The web app is served by this API under /app/, so its function is routed like the others.
        self.web_app = WebApp(
            self,
            "Web",
            store=store,
            external_secrets=external_secrets,
            data_key=data_key,
            reporting_key=reporting_key,
            log_key=log_key,
            layer=layer,
            config=config,
            # The same issuer and claims as the API's authorizer: the ID token's issuer is checked
            # against JWT_ISSUER, whatever the discovery document says.
            claims={
                name: self._identity[name]
                for name in (
                    settings.JWT_ISSUER,
                    settings.ROLE_CLAIM,
                    settings.ORG_CLAIM,
                    settings.SUB_CLAIM,
                    settings.NAME_CLAIM,
                )
            },
        )
        self.functions[self.web_app.function.name] = self.web_app.function
        self.web_acl = WebAcl(self, "Waf")
        self._rest_api()
        self.web_base_url = self._base_url()
        self.web_app.serve_at(self.web_base_url)
        self._alarms(monitoring)

    # -- Functions ----------------------------------------------------------------------------

    def _function(self, name: str, description: str, environment: Mapping[str, str]) -> TrackerFunction:
        function = TrackerFunction(
            self,
            name=name,
            description=description,
            code=app_function_code(self._config.functions_root, name),
            layer=self._layer,
            log_key=self._log_key,
            reserved_concurrency=self._config.reserved_concurrency[name],
            environment=environment,
            snap_start=True,
        )
        function.acknowledge_synchronous("synchronously by API Gateway")
        return function

    def _functions(self, store: CaseStore, data_key: aws_kms.IKey) -> None:
        cases = store.cases_table
        business = {
            settings.CASES_TABLE_NAME: cases.table_name,
            settings.SAR_COMPLETION_MONTHS: str(self._config.sar_completion_months),
        }
        self.submit = self._function(
            SUBMIT_CASE,
            "POST /cases",
            {**business, settings.IDEMPOTENCY_TABLE_NAME: store.idempotency_table.table_name},
        )
        permissions.grant_table_read_write(self.submit.role, cases, data_key, schema.INDEXES)
        permissions.grant_table_read_write(self.submit.role, store.idempotency_table, data_key)

        self.update = self._function(UPDATE_CASE, "PATCH /cases/{caseId}", business)
        permissions.grant_table_read_write(self.update.role, cases, data_key, schema.INDEXES)

        self.query = self._function(
            QUERY_CASES,
            "GET routes over case data: cases, case, history, reference ICBs",
            {**business, settings.CURSOR_SIGNING_KEY_SECRET_ARN: store.cursor_secret.secret_arn},
        )
        permissions.grant_table_read(self.query.role, cases, data_key, schema.INDEXES)
        permissions.grant_secret_read(self.query.role, store.cursor_secret, data_key)

        # The public documents: no table, bucket or secret, and a concurrency of their own.
        self.api_docs = self._function(API_DOCS, "GET /openapi.json and GET /docs (public, no data)", {})

        # An ICB's safeguarding contacts (who receives the weekly reminders), with their history.
        self.contacts = self._function(
            ICB_CONTACTS,
            "GET and PUT /icbs/{icbCode}/contacts, and their history",
            {
                settings.CASES_TABLE_NAME: cases.table_name,
                settings.CURSOR_SIGNING_KEY_SECRET_ARN: store.cursor_secret.secret_arn,
            },
        )
        # Reads like the others; writes only CONTACTS#<icbCode> items (the contacts and their versions).
        permissions.grant_table_read(self.contacts.role, cases, data_key)
        permissions.grant_table_write_under(self.contacts.role, cases, data_key, schema.CONTACTS_PK_PREFIX)
        permissions.grant_secret_read(self.contacts.role, store.cursor_secret, data_key)

        self._identity = self._identity_provider()
        self.authorizer_function = self._function(
            AUTHORIZER, "Verifies bearer JWTs against the identity provider's JWKS", self._identity
        )
        self.functions = {
            function.name: function
            for function in (
                self.submit,
                self.update,
                self.query,
                self.contacts,
                self.api_docs,
                self.authorizer_function,
            )
        }

    def _identity_provider(self) -> dict[str, str]:
        """CloudFormation parameters describing the identity provider, as the authorizer's environment.

        Stack-level parameters (``ScrtService:JwtIssuer`` and so on), so deploy commands stay short."""
        stack = Stack.of(self)
        defaults = settings.Settings.model_fields
        issuer = CfnParameter(
            stack,
            constants.PARAM_JWT_ISSUER,
            type="String",
            min_length=1,
            description="Expected iss claim, exactly",
        )
        audience = CfnParameter(
            stack,
            constants.PARAM_JWT_AUDIENCE,
            type="String",
            min_length=1,
            description="Expected aud claim (comma-separated to accept several)",
        )
        jwks_url = CfnParameter(
            stack,
            constants.PARAM_JWKS_URL,
            type="String",
            allowed_pattern=r"^https://\S+$",
            description="The identity provider's JWKS document (https)",
        )
        claims = {
            constants.PARAM_ROLE_CLAIM: (settings.ROLE_CLAIM, defaults["role_claim"].default, "role"),
            constants.PARAM_ORG_CLAIM: (
                settings.ORG_CLAIM,
                defaults["org_claim"].default,
                "organisation code",
            ),
            constants.PARAM_SUB_CLAIM: (settings.SUB_CLAIM, defaults["sub_claim"].default, "user identifier"),
            constants.PARAM_NAME_CLAIM: (
                settings.NAME_CLAIM,
                defaults["name_claim"].default,
                "person's name",
            ),
        }
        environment = {
            settings.JWT_ISSUER: issuer.value_as_string,
            settings.JWT_AUDIENCE: audience.value_as_string,
            settings.JWKS_URL: jwks_url.value_as_string,
        }
        for parameter_id, (env_name, default, meaning) in claims.items():
            parameter = CfnParameter(
                stack,
                parameter_id,
                type="String",
                default=default,
                min_length=1,
                description=f"Name of the claim carrying the {meaning} (dotted path for a nested claim)",
            )
            environment[env_name] = parameter.value_as_string
        return environment

    # -- REST API -----------------------------------------------------------------------------

    def _base_url(self) -> str:
        """The stage's URL, built from the API's id rather than taken from the stage: the stage
        depends on every method, each method on its function, so a function's environment naming
        the stage would be a cycle."""
        stack = Stack.of(self)
        return f"https://{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{constants.API_STAGE}"

    def _rest_api(self) -> None:
        self.access_logs = audit_log_group(self, "AccessLogs", self._log_key)
        self.rest_api = aws_apigateway.RestApi(
            self,
            "RestApi",
            rest_api_name=constants.API_NAME,
            description="Safeguarding Case Review Tracker API",
            endpoint_types=[aws_apigateway.EndpointType.REGIONAL],
            # The account-wide CloudWatch role is the account-setup stack's, never this stack's.
            cloud_watch_role=False,
            # gzip for clients that accept it: pages, assets and JSON; API Gateway leaves a response
            # below the threshold, or one without Accept-Encoding, as it is.
            min_compression_size=Size.bytes(API_MIN_COMPRESSION_BYTES),
            binary_media_types=list(API_BINARY_MEDIA_TYPES),
            deploy_options=aws_apigateway.StageOptions(
                stage_name=constants.API_STAGE,
                throttling_rate_limit=constants.API_THROTTLE_RATE,
                throttling_burst_limit=constants.API_THROTTLE_BURST,
                # Execution logs at ERROR, never data trace: request bodies hold special category
                # data. Their group is created below, encrypted and expiring, before the stage.
                logging_level=aws_apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=aws_apigateway.LogGroupLogDestination(self.access_logs),
                access_log_format=aws_apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        cfn_rest_api = cast(aws_apigateway.CfnRestApi, self.rest_api.node.default_child)
        # TLS on the execute-api endpoint itself (there is no custom domain).
        cfn_rest_api.add_property_override("SecurityPolicy", constants.API_SECURITY_POLICY)
        cfn_rest_api.add_property_override("EndpointAccessMode", constants.API_ENDPOINT_ACCESS_MODE)
        self.stage = self.rest_api.deployment_stage
        self.execution_logs = audit_log_group(
            self, "ExecutionLogs", self._log_key, execution_log_group_name(self.rest_api, constants.API_STAGE)
        )
        self.stage.node.add_dependency(self.execution_logs)
        acknowledge(
            self.stage,
            "Responses are per-caller and carry special category data: an API cache would hold them "
            "outside the access checks, so caching stays off.",
            f"{HIPAA}-APIGWCacheEnabledAndEncrypted",
            f"{NIST}-APIGWCacheEnabledAndEncrypted",
        )
        acknowledge_checkov(cast(CfnResource, self.stage.node.default_child), API_STAGE_WITHOUT_CACHE)
        acknowledge(
            self.stage,
            "The backends are Lambda proxy integrations invoked by API Gateway over AWS's signed "
            "internal channel, and one mock integration; client certificates authenticate HTTP backends.",
            f"{HIPAA}-APIGWSSLEnabled",
            f"{NIST}-APIGWSSLEnabled",
        )

        self.authorizer = aws_apigateway.RequestAuthorizer(
            self,
            "JwtAuthorizer",
            handler=self.authorizer_function.invocable,
            identity_sources=[aws_apigateway.IdentitySource.header(IDENTITY_HEADER)],
            results_cache_ttl=Duration.seconds(AUTHORIZER_CACHE_SECONDS),
        )
        self.validator = aws_apigateway.RequestValidator(
            self,
            "Validator",
            rest_api=self.rest_api,
            # Bodies are validated by the handlers only: a gateway check would answer 400 before the
            # contract's 404, 403, 428 and 412 (and 422 for a well-formed non-object body).
            validate_request_body=False,
            validate_request_parameters=True,
        )
        acknowledge(
            self.rest_api,
            "Path parameters are validated at the gateway; bodies are validated in the handlers against "
            "the case model, because a gateway body check would answer 400 before the contract's "
            "404, 403, 428 and 412 and would never give the 422 problem naming each field.",
            f"{AWS_SOLUTIONS}-APIG2",
        )
        # API Gateway's own errors, answered as RFC 9457 problems like the handlers' (the local
        # gateway answers from the same table).
        for response_type, problem in GATEWAY_PROBLEMS.items():
            self.rest_api.add_gateway_response(
                f"Problem{response_type}",
                type=aws_apigateway.ResponseType.of(response_type),
                status_code=str(problem.status) if problem.status is not None else None,
                response_headers={"Content-Type": f"'{PROBLEM_CONTENT_TYPE}'"},
                templates={"application/json": problem.template()},
            )

        integrations: dict[str, aws_apigateway.Integration] = {}
        for route in ROUTES:
            if route.function is None:
                integration: aws_apigateway.Integration = self._mock(route)
            else:
                integration = integrations.setdefault(
                    route.function,
                    aws_apigateway.LambdaIntegration(
                        self.functions[route.function].invocable, allow_test_invoke=False
                    ),
                )
            self._add_route(route, integration)
        for path, allowed in methods_by_path().items():
            self._refuse_other_methods(path, allowed)

        aws_wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.stage.stage_arn,
            web_acl_arn=self.web_acl.web_acl.attr_arn,
        )

    @staticmethod
    def _mock(route: Route) -> aws_apigateway.MockIntegration:
        """The gateway answers by itself: no function, no concurrency used."""
        return aws_apigateway.MockIntegration(
            request_templates={"application/json": '{"statusCode": 200}'},
            passthrough_behavior=aws_apigateway.PassthroughBehavior.NEVER,
            integration_responses=[
                aws_apigateway.IntegrationResponse(
                    status_code="200",
                    response_templates={"application/json": route.mock_response or "{}"},
                    response_parameters={"method.response.header.Cache-Control": "'no-store'"},
                )
            ],
        )

    def _refuse_other_methods(self, path: str, allowed: list[str]) -> None:
        """ANY on a resource catches the methods it does not declare: 405 with Allow, no function."""
        status, body = METHOD_NOT_ALLOWED
        headers = {
            "method.response.header.Allow": f"'{', '.join(allowed)}'",
            "method.response.header.Content-Type": f"'{PROBLEM_CONTENT_TYPE}'",
            "method.response.header.Cache-Control": "'no-store'",
        }
        method = self.rest_api.root.resource_for_path(path).add_method(
            "ANY",
            aws_apigateway.MockIntegration(
                request_templates={"application/json": f'{{"statusCode": {status}}}'},
                passthrough_behavior=aws_apigateway.PassthroughBehavior.NEVER,
                integration_responses=[
                    aws_apigateway.IntegrationResponse(
                        status_code=str(status),
                        response_templates={"application/json": body},
                        response_parameters=headers,
                    )
                ],
            ),
            authorization_type=aws_apigateway.AuthorizationType.NONE,
            method_responses=[
                aws_apigateway.MethodResponse(
                    status_code=str(status), response_parameters=dict.fromkeys(headers, True)
                )
            ],
        )
        acknowledge(
            method,
            f"ANY on {path} only answers 405 for the methods the resource does not serve (a mock: no "
            "function runs, nothing is read); a token would add nothing to a refusal.",
            f"{AWS_SOLUTIONS}-APIG4",
            f"{AWS_SOLUTIONS}-COG4",
        )
        acknowledge_checkov(cast(CfnResource, method.node.default_child), API_METHOD_WITHOUT_AUTH)

    def _add_route(self, route: Route, integration: aws_apigateway.Integration) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
        method_responses = (
            [
                aws_apigateway.MethodResponse(
                    status_code="200",
                    response_parameters={"method.response.header.Cache-Control": True},
                    response_models={"application/json": aws_apigateway.Model.EMPTY_MODEL},
                )
            ]
            if route.function is None
            else None
        )
        method = resource.add_method(
            route.method,
            integration,
            authorizer=self.authorizer if route.authorized else None,
            authorization_type=(
                aws_apigateway.AuthorizationType.CUSTOM
                if route.authorized
                else aws_apigateway.AuthorizationType.NONE
            ),
            request_validator=self.validator,
            request_parameters={f"method.request.path.{name}": True for name in _path_parameters(route.path)},
            method_responses=method_responses,
        )
        if not route.authorized:
            acknowledge(method, open_route_reason(route), f"{AWS_SOLUTIONS}-APIG4", f"{AWS_SOLUTIONS}-COG4")
            acknowledge_checkov(cast(CfnResource, method.node.default_child), API_METHOD_WITHOUT_AUTH)
        else:
            acknowledge(
                method,
                "Callers authenticate with the NHS identity provider's JWTs, verified by the Lambda "
                "REQUEST authorizer against its JWKS; a Cognito user pool is not the identity provider.",
                f"{AWS_SOLUTIONS}-COG4",
            )

    # -- Alarms -------------------------------------------------------------------------------

    def _alarms(self, monitoring: Monitoring) -> None:
        monitoring.facade.monitor_api_gateway(
            api=self.rest_api,
            api_stage=self.stage.stage_name,
            human_readable_name="Case API",
            alarm_friendly_name="Api",
            add5_xx_fault_count_alarm={
                ALARM: mon.ErrorCountThreshold(max_error_count=constants.API_5XX_MAX_COUNT)
            },
            add4_xx_error_count_alarm={
                ALARM: mon.ErrorCountThreshold(max_error_count=constants.API_4XX_MAX_COUNT)
            },
            add_latency_p90_alarm={ALARM: mon.LatencyThreshold(max_latency=constants.API_P90_LATENCY)},
        )
        for function in self.functions.values():
            monitoring.watch_function(function)

        # API Gateway has no metric per status code: count 401s from the access log.
        unauthorized = aws_logs.MetricFilter(
            self,
            "UnauthorizedFilter",
            log_group=self.access_logs,
            filter_pattern=aws_logs.FilterPattern.string_value("$.status", "=", "401"),
            metric_namespace=settings.METRICS_NAMESPACE,
            metric_name=constants.UNAUTHORIZED_METRIC,
            metric_value="1",
        )
        monitoring.alarm(
            self,
            "Unauthorized",
            metric=unauthorized.metric(statistic="Sum", period=constants.ALARM_PERIOD),
            threshold=constants.API_401_MAX_COUNT,
            description="A burst of 401s: expired tokens en masse, or someone trying stolen ones.",
        )
        monitoring.alarm(
            self,
            "WafBlocked",
            metric=aws_cloudwatch.Metric(
                namespace="AWS/WAFV2",
                metric_name="BlockedRequests",
                dimensions_map={
                    "WebACL": self.web_acl.name,
                    "Region": Stack.of(self).region,
                    "Rule": "ALL",
                },
                statistic="Sum",
                period=constants.ALARM_PERIOD,
            ),
            threshold=constants.WAF_MAX_BLOCKED,
            description="WAF blocked many requests: an attack, or a rule misreading real traffic.",
        )
