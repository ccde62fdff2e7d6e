"""POST /cases: record a new case review."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.api.requests import submit_command
from tracker.api.resolver import create_resolver, current_caller
from tracker.api.responses import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    TOO_LARGE,
    UNAUTHORIZED,
    UNPROCESSABLE,
    case_response,
    ok,
)
from tracker.models.case import Case
from tracker.observability import logger, metrics, tracer

app = create_resolver()


@app.post(
    "/cases",
    summary="Submit a case review",
    tags=["Cases"],
    status_code=201,
    responses={
        201: ok("The case as recorded, with Location and ETag.", Case),
        **UNAUTHORIZED,
        **FORBIDDEN,
        **BAD_REQUEST,
        **CONFLICT,
        **TOO_LARGE,
        **UNPROCESSABLE,
    },
)
def submit_case(
    idempotency_key: Annotated[
        str | None,
        # Its length is checked by the use case, after authorisation (403 comes before 400).
        Header(
            alias="Idempotency-Key",
            description="Repeat a submission safely: the same key and body return the first response "
            "(1 to 128 characters).",
        ),
    ] = None,
) -> Response[str]:
    command = submit_command(app.current_event.body, idempotency_key)
    case = composition.case_service().submit(current_caller(app), command)
    metrics.add_metric(name="CasesSubmitted", unit="Count", value=1)
    return case_response(201, case, {"Location": f"/cases/{case.case_id}"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    composition.submission_ledger().register_context(context)
    return app.resolve(event, context)
