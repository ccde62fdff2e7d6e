"""One set-up for every API function: the resolver, its error handlers and the caller's identity.

Every error path answers with problem+json. Unexpected errors are logged with the correlation id
(API Gateway's request id) and only the exception's type, never its message, which could quote
restricted text; the caller gets a 500 naming the correlation id and nothing internal.
"""

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from tracker.access import Caller, is_known_org
from tracker.api.problems import problem, problem_from_error
from tracker.auth.policy import CONTEXT_NAME, CONTEXT_ORG, CONTEXT_ROLE, CONTEXT_SUB
from tracker.error_statuses import INTERNAL, kind_of
from tracker.errors import DomainError, FieldError, InvalidInput, NotVisible, Unauthenticated, UnreadableInput
from tracker.models.case import person_name
from tracker.models.enums import Role
from tracker.observability import logger, metrics
from tracker.reference import reference_data
from tracker.rules.case_rules import field_errors_from_pydantic


def correlation_id(app: APIGatewayRestResolver) -> str:
    return str(app.current_event.request_context.request_id or "")


def create_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response[str]:
        kind = kind_of(error)
        logger.info("request refused", extra={"status": kind.status, "problem": kind.slug})
        return problem_from_error(error)

    @app.exception_handler(RequestValidationError)
    def _request_validation(error: RequestValidationError) -> Response[str]:
        # Powertools validates path and query parameters: a bad value there is a 400.
        errors = []
        for item in error.errors():
            location = tuple(item.get("loc", ()))
            place = str(location[0]) if location else "body"
            name = ".".join(str(part) for part in location[1:])
            errors.append(FieldError(name, str(item.get("msg", "is not valid")), place))
        return problem_from_error(UnreadableInput("The request is not valid.", errors))

    @app.exception_handler(json.JSONDecodeError)
    def _malformed_json(_: json.JSONDecodeError) -> Response[str]:
        return problem_from_error(
            UnreadableInput("The body is not valid JSON.", [FieldError("", "is not valid JSON")])
        )

    @app.exception_handler(ValidationError)
    def _pydantic_error(error: ValidationError) -> Response[str]:
        # Only reached if a model is validated outside the domain's own checks: still a 422, never a 500.
        return problem_from_error(
            InvalidInput("The request is not valid.", field_errors_from_pydantic(error))
        )

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        identifier = correlation_id(app)
        logger.error(
            "unhandled error", extra={"error_type": type(error).__name__, "correlation_id": identifier}
        )
        metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
        return problem(
            INTERNAL.status,
            INTERNAL.title,
            "Something went wrong on our side. Quote the correlation id if you contact the service desk.",
            INTERNAL.slug,
            correlationId=identifier,
        )

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        return problem_from_error(NotVisible("No such resource."))

    return app


def current_caller(app: APIGatewayRestResolver) -> Caller:
    """The caller, as API Gateway's authorizer put it in the request context; 401 without it."""
    authorizer: dict[str, Any] = app.current_event.request_context.authorizer.raw_event or {}
    role_name, org, sub = (
        authorizer.get(CONTEXT_ROLE),
        authorizer.get(CONTEXT_ORG),
        authorizer.get(CONTEXT_SUB),
    )
    try:
        role = Role(str(role_name))
    except ValueError:
        raise Unauthenticated("A valid bearer token is required.") from None
    # The reference data in force, read once per container (the composition root hands out the same).
    if not isinstance(org, str) or not is_known_org(role, org, reference_data()):
        raise Unauthenticated("A valid bearer token is required.")
    # The person's name, as the authorizer read it ("" when the token names nobody: None here).
    name = person_name(authorizer.get(CONTEXT_NAME))
    return Caller(role=role, org=org, sub=str(sub or "unknown"), name=name)
