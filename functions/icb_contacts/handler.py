"""GET and PUT /icbs/{icbCode}/contacts (If-Match, like a case) and GET .../contacts/history; the
same for a region's contacts under /regions/{regionCode}/contacts (its regional team's)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.api.requests import contacts_command, contacts_history_command, request_body
from tracker.api.resolver import create_resolver, current_caller
from tracker.api.responses import (
    BAD_REQUEST,
    FORBIDDEN,
    NO_CONTACTS,
    PRECONDITIONS,
    TOO_LARGE,
    UNAUTHORIZED,
    UNPROCESSABLE,
    UNSUPPORTED_MEDIA_TYPE,
    json_response,
    ok,
)
from tracker.api.schemas import ContactsHistory
from tracker.models.contacts import IcbContacts, RegionContacts
from tracker.observability import logger, metrics, tracer

app = create_resolver()


def _contacts_response(contacts: IcbContacts | RegionContacts) -> Response[str]:
    return json_response(200, contacts, {"ETag": f'"{contacts.version}"'})


@app.get(
    "/icbs/<icbCode>/contacts",
    summary="An ICB's safeguarding contacts (the weekly overdue digest goes to them)",
    description=(
        'Version 0 (ETag `"0"`) means none recorded yet. Editors and viewers of the ICB or of a successor.'
    ),
    tags=["Contacts"],
    responses={
        200: ok("The contacts, with their ETag.", IcbContacts),
        **UNAUTHORIZED,
        **NO_CONTACTS,
        **FORBIDDEN,
    },
)
def get_contacts(icbCode: str) -> Response[str]:
    return _contacts_response(composition.contact_service().get(current_caller(app), icbCode))


@app.put(
    "/icbs/<icbCode>/contacts",
    summary="Replace an ICB's safeguarding contacts",
    description=(
        'Body `{"emails": [...]}`: 1 to 10 addresses, each once. Send `If-Match` with the ETag you read '
        '(`"0"` before any are recorded). Editors of the ICB or of a successor.'
    ),
    tags=["Contacts"],
    responses={
        200: ok("The contacts after the change, with their new ETag.", IcbContacts),
        **UNAUTHORIZED,
        **NO_CONTACTS,
        **FORBIDDEN,
        **PRECONDITIONS,
        **BAD_REQUEST,
        **TOO_LARGE,
        **UNSUPPORTED_MEDIA_TYPE,
        **UNPROCESSABLE,
    },
)
def put_contacts(
    icbCode: str,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='The ETag of the version you read, e.g. "2".')
    ] = None,
) -> Response[str]:
    event = app.current_event
    command = contacts_command(
        icbCode,
        request_body(event),
        if_match,
        event.headers.get("content-type"),
    )
    contacts = composition.contact_service().replace(current_caller(app), command)
    metrics.add_metric(name="ContactsReplaced", unit="Count", value=1)
    return _contacts_response(contacts)


@app.get(
    "/icbs/<icbCode>/contacts/history",
    summary="The versions of an ICB's contacts, oldest first: who, when, before and after",
    description="Paged like a case's history: `limit` (1 to 100, default 25) and `cursor`.",
    tags=["Contacts"],
    responses={
        200: ok("Versions, oldest first.", ContactsHistory),
        **UNAUTHORIZED,
        **NO_CONTACTS,
        **FORBIDDEN,
        **BAD_REQUEST,
    },
)
def contacts_history(
    icbCode: str, limit: Annotated[str | None, Query()] = None, cursor: Annotated[str | None, Query()] = None
) -> Response[str]:
    caller = current_caller(app)
    command = contacts_history_command(icbCode, app.current_event.query_string_parameters or {})
    page = composition.contact_service().history(caller, command)
    return json_response(
        200, ContactsHistory.model_validate({"items": page.items, "nextCursor": page.next_cursor})
    )


def _described(responses: dict[int, OpenAPIResponse], description: str) -> dict[int, OpenAPIResponse]:
    """The same refusals, described for a region's contacts."""
    described = {}
    for status, response in responses.items():
        copied = response.copy()
        copied["description"] = description
        described[status] = copied
    return described


NO_REGION_CONTACTS = _described(NO_CONTACTS, "No such region, or not one whose contacts the caller keeps.")
KEPT_BY_REGION = "The regional team of the region alone; the national team is answered 403."


@app.get(
    "/regions/<regionCode>/contacts",
    summary="A region's safeguarding contacts (the weekly digest of DHRs waiting for its answer)",
    description=f'Version 0 (ETag `"0"`) means none recorded yet. {KEPT_BY_REGION}',
    tags=["Contacts"],
    responses={
        200: ok("The contacts, with their ETag.", RegionContacts),
        **UNAUTHORIZED,
        **NO_REGION_CONTACTS,
        **FORBIDDEN,
    },
)
def get_region_contacts(regionCode: str) -> Response[str]:
    return _contacts_response(composition.contact_service().get_region(current_caller(app), regionCode))


@app.put(
    "/regions/<regionCode>/contacts",
    summary="Replace a region's safeguarding contacts",
    description=(
        'Body `{"emails": [...]}`: 1 to 10 addresses, each once. Send `If-Match` with the ETag you read '
        f'(`"0"` before any are recorded). {KEPT_BY_REGION}'
    ),
    tags=["Contacts"],
    responses={
        200: ok("The contacts after the change, with their new ETag.", RegionContacts),
        **UNAUTHORIZED,
        **NO_REGION_CONTACTS,
        **FORBIDDEN,
        **PRECONDITIONS,
        **BAD_REQUEST,
        **TOO_LARGE,
        **UNSUPPORTED_MEDIA_TYPE,
        **UNPROCESSABLE,
    },
)
def put_region_contacts(
    regionCode: str,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='The ETag of the version you read, e.g. "2".')
    ] = None,
) -> Response[str]:
    event = app.current_event
    # The command's code is the organisation's: here the region's.
    command = contacts_command(
        regionCode,
        request_body(event),
        if_match,
        event.headers.get("content-type"),
    )
    contacts = composition.contact_service().replace_region(current_caller(app), command)
    metrics.add_metric(name="ContactsReplaced", unit="Count", value=1)
    return _contacts_response(contacts)


@app.get(
    "/regions/<regionCode>/contacts/history",
    summary="The versions of a region's contacts, oldest first: who, when, before and after",
    description="Paged like a case's history: `limit` (1 to 100, default 25) and `cursor`.",
    tags=["Contacts"],
    responses={
        200: ok("Versions, oldest first.", ContactsHistory),
        **UNAUTHORIZED,
        **NO_REGION_CONTACTS,
        **FORBIDDEN,
        **BAD_REQUEST,
    },
)
def region_contacts_history(
    regionCode: str,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
) -> Response[str]:
    caller = current_caller(app)
    command = contacts_history_command(regionCode, app.current_event.query_string_parameters or {})
    page = composition.contact_service().region_history(caller, command)
    return json_response(
        200, ContactsHistory.model_validate({"items": page.items, "nextCursor": page.next_cursor})
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
