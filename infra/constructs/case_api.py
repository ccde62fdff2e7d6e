"""The REST API, built from the route table ``infra.routes.ROUTES`` (the local stack serves the same)."""

import json
import re
from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, aws_apigateway, aws_kms, aws_lambda, aws_wafv2
from constructs import Construct

from infra import constants
from infra.constructs.security import audit_log_group
from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge
from infra.routes import ROUTES, Route
from tracker.auth.settings import AUTHORIZER_CACHE_SECONDS, IDENTITY_HEADER

PROBLEM_JSON = "application/problem+json"
# Bodies the case API accepts (PATCH takes JSON merge patch as well as plain JSON).

# API Gateway's own errors, answered as RFC 9457 problems like the handlers' (status, title).
GATEWAY_PROBLEMS: Mapping[aws_apigateway.ResponseType, tuple[str | None, str]] = {
    aws_apigateway.ResponseType.UNAUTHORIZED: ("401", "Unauthorized"),
    aws_apigateway.ResponseType.ACCESS_DENIED: ("403", "Forbidden"),
    aws_apigateway.ResponseType.WAF_FILTERED: ("403", "Forbidden"),
    # Unknown paths are 403 "Missing Authentication Token" by default; a client expects 404.
    aws_apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN: ("404", "Not Found"),
    aws_apigateway.ResponseType.BAD_REQUEST_BODY: ("400", "Bad Request"),
    aws_apigateway.ResponseType.BAD_REQUEST_PARAMETERS: ("400", "Bad Request"),
    aws_apigateway.ResponseType.THROTTLED: ("429", "Too Many Requests"),
    aws_apigateway.ResponseType.QUOTA_EXCEEDED: ("429", "Too Many Requests"),
    aws_apigateway.ResponseType.REQUEST_TOO_LARGE: ("413", "Content Too Large"),
    aws_apigateway.ResponseType.AUTHORIZER_FAILURE: ("500", "Internal Server Error"),
    aws_apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR: ("500", "Internal Server Error"),
    aws_apigateway.ResponseType.INTEGRATION_FAILURE: ("502", "Bad Gateway"),
    aws_apigateway.ResponseType.INTEGRATION_TIMEOUT: ("504", "Gateway Timeout"),
    # Gateway response templates have no status variable: these two name the class of error only.
    aws_apigateway.ResponseType.DEFAULT_4_XX: (None, "Client Error"),
    aws_apigateway.ResponseType.DEFAULT_5_XX: (None, "Server Error"),
}

ACCESS_LOG_FIELDS = {
    "requestId": aws_apigateway.AccessLogField.context_request_id(),
    "requestTime": aws_apigateway.AccessLogField.context_request_time(),
    "sourceIp": aws_apigateway.AccessLogField.context_identity_source_ip(),
    "httpMethod": aws_apigateway.AccessLogField.context_http_method(),
    "resourcePath": aws_apigateway.AccessLogField.context_resource_path(),
    "protocol": aws_apigateway.AccessLogField.context_protocol(),
    "status": aws_apigateway.AccessLogField.context_status(),
    "responseLength": aws_apigateway.AccessLogField.context_response_length(),
    "responseLatency": aws_apigateway.AccessLogField.context_response_latency(),
    "integrationLatency": aws_apigateway.AccessLogField.context_integration_latency(),
    "principalId": aws_apigateway.AccessLogField.context_authorizer_principal_id(),
    "authorizerError": aws_apigateway.AccessLogField.context_authorizer_error(),
    "wafResponseCode": aws_apigateway.AccessLogField.context_waf_response_code(),
    "errorMessage": aws_apigateway.AccessLogField.context_error_message(),
    "xrayTraceId": aws_apigateway.AccessLogField.context_xray_trace_id(),
}


def _path_parameters(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def _problem_template(status: str | None, title: str) -> str:
    # $context.error.messageString is already a quoted JSON string.
    fields = ['"type":"about:blank"', f'"title":"{title}"']
    if status:
        fields.append(f'"status":{status}')
    fields.append('"detail":$context.error.messageString')
    return "{" + ",".join(fields) + "}"


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handlers: Mapping[str, aws_lambda.IFunction],
        authorizer_function: aws_lambda.IFunction,
        log_key: aws_kms.IKey,
        web_acl: aws_wafv2.CfnWebACL,
        cloud_watch_role: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = audit_log_group(self, "AccessLogs", log_key)
        self.rest_api = aws_apigateway.RestApi(
            self,
            "RestApi",
            description="Safeguarding Case Review Tracker API",
            endpoint_types=[aws_apigateway.EndpointType.REGIONAL],
            cloud_watch_role=cloud_watch_role,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=aws_apigateway.StageOptions(
                stage_name=constants.API_STAGE,
                throttling_rate_limit=constants.API_THROTTLE_RATE,
                throttling_burst_limit=constants.API_THROTTLE_BURST,
                # Execution logs at ERROR, never data trace: request bodies hold special category data.
                logging_level=aws_apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=aws_apigateway.LogGroupLogDestination(self.access_logs),
                access_log_format=aws_apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        self.stage = self.rest_api.deployment_stage
        if cloud_watch_role:
            acknowledge(
                self.rest_api,
                "API Gateway's account-level CloudWatch role uses the AWS managed policy "
                "AmazonAPIGatewayPushToCloudWatchLogs, the form API Gateway documents for execution logging.",
                f"{AWS_SOLUTIONS}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
            )
        acknowledge(
            self.stage,
            "Responses are per-caller and carry special category data: an API cache would hold them "
            "outside the access checks, so caching stays off.",
            f"{HIPAA}-APIGWCacheEnabledAndEncrypted",
            f"{NIST}-APIGWCacheEnabledAndEncrypted",
        )
        acknowledge(
            self.stage,
            "The only backends are Lambda proxy integrations invoked by API Gateway over AWS's "
            "signed internal channel; client certificates authenticate HTTP backends.",
            f"{HIPAA}-APIGWSSLEnabled",
            f"{NIST}-APIGWSSLEnabled",
        )

        self.authorizer = aws_apigateway.RequestAuthorizer(
            self,
            "JwtAuthorizer",
            handler=authorizer_function,
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
        for response_type, (status, title) in GATEWAY_PROBLEMS.items():
            self.rest_api.add_gateway_response(
                f"Problem{response_type.response_type}",
                type=response_type,
                status_code=status,
                response_headers={"Content-Type": f"'{PROBLEM_JSON}'"},
                templates={"application/json": _problem_template(status, title)},
            )

        integrations: dict[str, aws_apigateway.LambdaIntegration] = {}
        for route in ROUTES:
            function = handlers[route.function]
            integration = integrations.setdefault(
                route.function, aws_apigateway.LambdaIntegration(function, allow_test_invoke=False)
            )
            self._add_route(route, integration)

        aws_wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl.attr_arn
        )

    def _add_route(self, route: Route, integration: aws_apigateway.LambdaIntegration) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
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
        )
        if not route.authorized:
            acknowledge(
                method,
                f"{route.method} {route.path} is public by design (health check, OpenAPI document, "
                "Swagger UI): it serves no case data.",
                f"{AWS_SOLUTIONS}-APIG4",
                f"{AWS_SOLUTIONS}-COG4",
            )
        else:
            acknowledge(
                method,
                "Callers authenticate with the NHS identity provider's JWTs, verified by the Lambda "
                "REQUEST authorizer against its JWKS; a Cognito user pool is not the identity provider.",
                f"{AWS_SOLUTIONS}-COG4",
            )
