"""Read-only routes: case lists, a case, its history, ICB reference data, health and API docs."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker.api.resolver import case_service, create_resolver, current_caller
from tracker.api.responses import BAD_REQUEST, NOT_VISIBLE, UNAUTHORIZED, case_response, json_response, ok
from tracker.models.case import Case, CaseList, Health, History, IcbReferenceList
from tracker.observability import logger, metrics, tracer

app = create_resolver()

QueryText = Annotated[str | None, Query()]


@app.get(
    "/cases",
    summary="List the cases the caller may see, newest update first",
    description=(
        "Filters: `reviewType`, `status`, `stage`, `icbCode`, `overdue` (true/false), `updatedSince` "
        "(date or UTC time), `limit` (1 to 100, default 25) and `cursor` (the `nextCursor` of the last page)."
    ),
    tags=["Cases"],
    responses={200: ok("A page of cases.", CaseList), **UNAUTHORIZED, **BAD_REQUEST},
)
def list_cases(
    reviewType: QueryText = None,
    status: QueryText = None,
    stage: QueryText = None,
    icbCode: QueryText = None,
    overdue: QueryText = None,
    updatedSince: QueryText = None,
    limit: QueryText = None,
    cursor: QueryText = None,
) -> Response[str]:
    # The parameters document the filters in OpenAPI; they are parsed, with any unknown name, from
    # the raw query string so that a bad or misspelt filter is a 400 naming it.
    from tracker.logic.cases import parse_list_query
    from tracker.reference import reference_data

    caller = current_caller(app)
    query = parse_list_query(app.current_event.query_string_parameters or {}, reference_data())
    cases, next_cursor = case_service().list(caller, query)
    return json_response(200, CaseList.model_validate({"items": cases, "nextCursor": next_cursor}))


@app.get(
    "/cases/<caseId>",
    summary="Read one case",
    tags=["Cases"],
    responses={200: ok("The case, with its ETag.", Case), **UNAUTHORIZED, **NOT_VISIBLE},
)
def get_case(caseId: str) -> Response[str]:
    return case_response(200, case_service().get(current_caller(app), caseId))


@app.get(
    "/cases/<caseId>/history",
    summary="Every version of a case: who, when, which fields changed",
    tags=["Cases"],
    responses={200: ok("Versions, oldest first.", History), **UNAUTHORIZED, **NOT_VISIBLE},
)
def case_history(caseId: str) -> Response[str]:
    entries = case_service().history(current_caller(app), caseId)
    return json_response(200, History.model_validate({"items": entries}))


@app.get(
    "/reference/icbs",
    summary="ICBs with their region and successor links (for form drop-downs)",
    tags=["Reference"],
    responses={200: ok("Every ICB, current and former.", IcbReferenceList), **UNAUTHORIZED},
)
def list_icbs() -> Response[str]:
    from tracker.logic.reference import icb_reference_list

    current_caller(app)
    return json_response(200, icb_reference_list(), {"Cache-Control": "private, max-age=3600"})


@app.get("/health", summary="Liveness", tags=["Service"], responses={200: ok("The service is up.", Health)})
def health() -> Response[str]:
    return json_response(200, Health(status="ok"))


@app.get(
    "/openapi.json", summary="This API's OpenAPI 3.1 document", tags=["Service"], include_in_schema=False
)
def openapi_document() -> Response[str]:
    from tracker.api.openapi_document import committed_document

    return Response(200, "application/json", committed_document(), headers={"Cache-Control": "max-age=300"})


@app.get("/docs", summary="Swagger UI", tags=["Service"], include_in_schema=False)
def swagger_ui() -> Response[str]:
    from tracker.api.openapi_document import swagger_html

    return Response(200, "text/html", swagger_html(), headers={"Cache-Control": "max-age=300"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
