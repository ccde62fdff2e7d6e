"""Read-only routes: case lists, a case, its history, who has seen it, ICB reference data.

Every read of a case is recorded in the read audit before it is answered (``api_case_service``):
when the entry cannot be written the read is refused with 503.

The public routes live elsewhere: /health is answered by API Gateway itself and the API documents
by functions/api_docs, so nothing anonymous reaches the function that holds the table's keys.
"""

from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import clock, composition
from tracker.api.requests import history_command, list_command
from tracker.api.resolver import create_resolver, current_caller
from tracker.api.responses import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_VISIBLE,
    UNAUTHORIZED,
    _refusal,
    case_response,
    json_response,
    ok,
)
from tracker.api.schemas import CaseList, History, IcbReferenceList, icb_reference_list
from tracker.errors import AuditUnavailable
from tracker.logic.audit import AuditedCaseService, ReadAccessLog
from tracker.models.access_log import AccessLogPage
from tracker.models.case import Case
from tracker.observability import logger, metrics, tracer

app = create_resolver()

QueryText = Annotated[str | None, Query()]
AUDIT_UNAVAILABLE = _refusal(
    AuditUnavailable, "The read could not be recorded in the audit, so it was refused."
)


@app.get(
    "/cases",
    summary="List the cases the caller may see, newest update first",
    description=(
        "Filters: `reviewType`, `status`, `stage`, `icbCode`, `overdue` (true/false), `updatedSince` "
        "(date or UTC time), `limit` (1 to 100, default 25) and `cursor` (the `nextCursor` of the last "
        "page). With `overdue=true` cases come by next due date, latest first. A request reads a bounded "
        "number of cases: a page may be short, even empty, and still have a `nextCursor`; page until it "
        "is null."
    ),
    tags=["Cases"],
    responses={200: ok("A page of cases.", CaseList), **UNAUTHORIZED, **BAD_REQUEST, **AUDIT_UNAVAILABLE},
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
    caller = current_caller(app)
    command = list_command(app.current_event.query_string_parameters or {}, composition.reference_data())
    page = composition.api_case_service().list(caller, command)
    return json_response(200, CaseList.model_validate({"items": page.items, "nextCursor": page.next_cursor}))


@app.get(
    "/cases/<caseId>",
    summary="Read one case",
    tags=["Cases"],
    responses={
        200: ok("The case, with its ETag.", Case),
        **UNAUTHORIZED,
        **NOT_VISIBLE,
        **AUDIT_UNAVAILABLE,
    },
)
def get_case(caseId: str) -> Response[str]:
    return case_response(200, composition.api_case_service().get(current_caller(app), caseId))


@app.get(
    "/cases/<caseId>/history",
    summary="The versions of a case, oldest first: who, when, which fields changed",
    description="Paged like lists: `limit` (1 to 100, default 25) and `cursor` (the `nextCursor` given).",
    tags=["Cases"],
    responses={
        200: ok("Versions, oldest first.", History),
        **UNAUTHORIZED,
        **NOT_VISIBLE,
        **BAD_REQUEST,
        **AUDIT_UNAVAILABLE,
    },
)
def case_history(caseId: str, limit: QueryText = None, cursor: QueryText = None) -> Response[str]:
    caller = current_caller(app)
    command = history_command(caseId, app.current_event.query_string_parameters or {})
    page = composition.api_case_service().history(caller, command)
    return json_response(200, History.model_validate({"items": page.items, "nextCursor": page.next_cursor}))


@app.get(
    "/cases/<caseId>/access",
    summary="Who has seen the case: every read of it, newest first",
    description=(
        "For the case's ICB editors and the national team (anyone else who may see the case gets "
        "403). Each entry says who read (role, organisation, subject, name), what (the action), when, "
        "through which entry point, the request's id and whether the read was answered or refused. "
        "Pages of cases that showed it are kept in the audit by day, not listed here. Reading this is "
        "itself recorded. Paged like lists: `limit` (1 to 100, default 25) and `cursor`."
    ),
    tags=["Cases"],
    responses={
        200: ok("Reads of the case, newest first.", AccessLogPage),
        **UNAUTHORIZED,
        **FORBIDDEN,
        **NOT_VISIBLE,
        **BAD_REQUEST,
        **AUDIT_UNAVAILABLE,
    },
)
def case_access(caseId: str, limit: QueryText = None, cursor: QueryText = None) -> Response[str]:
    caller = current_caller(app)
    window = history_command(caseId, app.current_event.query_string_parameters or {})
    # Always the audited service (composition builds no case service without the audit), typed as
    # the case service it stands in for.
    service = cast(AuditedCaseService, composition.api_case_service())
    query = ReadAccessLog(case_id=caseId, limit=window.limit, cursor=window.cursor)
    return json_response(200, service.access_log(caller, query))


@app.get(
    "/reference/icbs",
    summary="ICBs with their region and successor links (for form drop-downs)",
    tags=["Reference"],
    responses={200: ok("Every ICB, current and former.", IcbReferenceList), **UNAUTHORIZED},
)
def list_icbs() -> Response[str]:
    current_caller(app)
    listing = icb_reference_list(composition.reference_data(), clock.today_london())
    return json_response(200, listing, {"Cache-Control": "private, max-age=3600"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
