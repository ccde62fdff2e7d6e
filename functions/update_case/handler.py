"""PATCH /cases/{caseId}: change a case with a JSON merge patch, guarded by If-Match."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.api.requests import request_body, update_command
from tracker.api.resolver import create_resolver, current_caller
from tracker.api.responses import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_VISIBLE,
    PRECONDITIONS,
    TOO_LARGE,
    UNAUTHORIZED,
    UNPROCESSABLE,
    UNSUPPORTED_MEDIA_TYPE,
    case_response,
    ok,
)
from tracker.models.case import Case
from tracker.observability import logger, metrics, tracer

app = create_resolver()


@app.patch(
    "/cases/<caseId>",
    summary="Update a case review (JSON merge patch, RFC 7396)",
    description="Send `If-Match` with the ETag from your last read. `null` removes an optional field.",
    tags=["Cases"],
    responses={
        200: ok("The case after the change, with its new ETag.", Case),
        **UNAUTHORIZED,
        **NOT_VISIBLE,
        **FORBIDDEN,
        **PRECONDITIONS,
        **BAD_REQUEST,
        **TOO_LARGE,
        **UNSUPPORTED_MEDIA_TYPE,
        **UNPROCESSABLE,
    },
)
def update_case(
    caseId: str,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='The ETag of the version you read, e.g. "3".')
    ] = None,
) -> Response[str]:
    event = app.current_event
    command = update_command(caseId, request_body(event), if_match, event.headers.get("content-type"))
    case = composition.case_service().update(current_caller(app), command)
    metrics.add_metric(name="CasesUpdated", unit="Count", value=1)
    return case_response(200, case)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
