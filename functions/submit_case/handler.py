"""POST /cases: record a new case review."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.api.requests import dry_run_flag, request_body, submit_command
from tracker.api.resolver import create_resolver, current_caller
from tracker.api.responses import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    TOO_LARGE,
    UNAUTHORIZED,
    UNPROCESSABLE,
    case_response,
    json_response,
    ok,
)
from tracker.models.case import Case, CaseFields
from tracker.observability import logger, metrics, tracer

app = create_resolver()


@app.post(
    "/cases",
    summary="Submit a case review",
    tags=["Cases"],
    status_code=201,
    responses={
        200: ok(
            "With dryRun=true: the case as it would be recorded, without the fields the server sets "
            "(nothing is recorded, no reference is taken).",
            CaseFields,
        ),
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
    dry_run_query: Annotated[
        str | None,
        # Read by dry_run_flag (a bad value is 400 after access), so typed as the text sent.
        Query(
            alias="dryRun",
            json_schema_extra={"enum": ["true", "false"]},
            description="true: check the case by every rule of a submission (access, the identifier guard, "
            "the record's and the providers' rules) and record nothing: 200 with the case as it would be "
            "recorded, or the 403, 400 or 422 a submission would get. No case, reference number or "
            "idempotency record is written.",
        ),
    ] = None,
) -> Response[str]:
    command = submit_command(request_body(app.current_event), idempotency_key)
    dry_run = dry_run_flag(app.current_event.query_string_parameters)
    if dry_run is not False:
        checked = composition.case_service().check_submission(current_caller(app), command, dry_run)
        return json_response(200, checked)
    case = composition.case_service().submit(current_caller(app), command)
    metrics.add_metric(name="CasesSubmitted", unit="Count", value=1)
    return case_response(201, case, {"Location": f"/cases/{case.case_id}"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    composition.submission_ledger().register_context(context)
    return app.resolve(event, context)
