"""GET and PUT /icbs/{icbCode}/contacts (If-Match, like a case) and GET .../contacts/history; the
same for a region's contacts under /regions/{regionCode}/contacts (its regional team's).

Each action (read, replace, history) is one function for both kinds of area: a kind says which of
the contact service's questions it asks (who keeps an ICB's contacts is not who keeps a region's)
and which body and refusal its routes document."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition
from tracker.access import Caller
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
from tracker.logic.commands import ContactsHistoryPage, ReadContactsHistory, ReplaceContacts
from tracker.models.contacts import IcbContacts, RegionContacts
from tracker.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from tracker.logic.contacts import ContactService

app = create_resolver()

Contacts = IcbContacts | RegionContacts
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description='The ETag of the version you read, e.g. "2".')
]
QueryText = Annotated[str | None, Query()]


def _described(responses: dict[int, OpenAPIResponse], description: str) -> dict[int, OpenAPIResponse]:
    """The same refusals, described for a region's contacts."""
    described = {}
    for status, response in responses.items():
        copied = response.copy()
        copied["description"] = description
        described[status] = copied
    return described


@dataclass(frozen=True)
class AreaKind:
    """An ICB or a region, as the contacts routes of its kind answer for it."""

    contacts: type[Contacts]  # the body of a read or a replace
    not_found: dict[int, OpenAPIResponse]  # the refusal of an area not visible to the caller
    read: Callable[["ContactService", Caller, str], Contacts]
    replace: Callable[["ContactService", Caller, ReplaceContacts], Contacts]
    history: Callable[["ContactService", Caller, ReadContactsHistory], ContactsHistoryPage]


ICB = AreaKind(
    contacts=IcbContacts,
    not_found=NO_CONTACTS,
    read=lambda service, caller, code: service.get(caller, code),
    replace=lambda service, caller, command: service.replace(caller, command),
    history=lambda service, caller, query: service.history(caller, query),
)
REGION = AreaKind(
    contacts=RegionContacts,
    not_found=_described(NO_CONTACTS, "No such region, or not one whose contacts the caller keeps."),
    read=lambda service, caller, code: service.get_region(caller, code),
    replace=lambda service, caller, command: service.replace_region(caller, command),
    history=lambda service, caller, query: service.region_history(caller, query),
)
KEPT_BY_REGION = "The regional team of the region alone; the national team is answered 403."
REPLACE_BODY = (
    'Body `{"emails": [...]}`: 1 to 10 addresses, each once. Send `If-Match` with the ETag you read '
    '(`"0"` before any are recorded).'
)
HISTORY_PAGING = "Paged like a case's history: `limit` (1 to 100, default 25) and `cursor`."


def _read_responses(kind: AreaKind) -> dict[int, OpenAPIResponse]:
    return {
        200: ok("The contacts, with their ETag.", kind.contacts),
        **UNAUTHORIZED,
        **kind.not_found,
        **FORBIDDEN,
    }


def _replace_responses(kind: AreaKind) -> dict[int, OpenAPIResponse]:
    return {
        200: ok("The contacts after the change, with their new ETag.", kind.contacts),
        **UNAUTHORIZED,
        **kind.not_found,
        **FORBIDDEN,
        **PRECONDITIONS,
        **BAD_REQUEST,
        **TOO_LARGE,
        **UNSUPPORTED_MEDIA_TYPE,
        **UNPROCESSABLE,
    }


def _history_responses(kind: AreaKind) -> dict[int, OpenAPIResponse]:
    return {
        200: ok("Versions, oldest first.", ContactsHistory),
        **UNAUTHORIZED,
        **kind.not_found,
        **FORBIDDEN,
        **BAD_REQUEST,
    }


def _contacts_response(contacts: Contacts) -> Response[str]:
    return json_response(200, contacts, {"ETag": f'"{contacts.version}"'})


def _read(kind: AreaKind, code: str) -> Response[str]:
    return _contacts_response(kind.read(composition.contact_service(), current_caller(app), code))


def _replace(kind: AreaKind, code: str, if_match: str | None) -> Response[str]:
    event = app.current_event
    # The command's code is the area's: an ICB's or a region's.
    command = contacts_command(code, request_body(event), if_match, event.headers.get("content-type"))
    contacts = kind.replace(composition.contact_service(), current_caller(app), command)
    metrics.add_metric(name="ContactsReplaced", unit="Count", value=1)
    return _contacts_response(contacts)


def _history(kind: AreaKind, code: str) -> Response[str]:
    caller = current_caller(app)
    command = contacts_history_command(code, app.current_event.query_string_parameters or {})
    page = kind.history(composition.contact_service(), caller, command)
    return json_response(
        200, ContactsHistory.model_validate({"items": page.items, "nextCursor": page.next_cursor})
    )


# The routes: each names its path's parameter (Powertools passes it by name) and documents itself.


@app.get(
    "/icbs/<icbCode>/contacts",
    summary="An ICB's safeguarding contacts (the weekly overdue digest goes to them)",
    description=(
        'Version 0 (ETag `"0"`) means none recorded yet. Editors and viewers of the ICB or of a successor.'
    ),
    tags=["Contacts"],
    responses=_read_responses(ICB),
)
def get_contacts(icbCode: str) -> Response[str]:
    return _read(ICB, icbCode)


@app.put(
    "/icbs/<icbCode>/contacts",
    summary="Replace an ICB's safeguarding contacts",
    description=f"{REPLACE_BODY} Editors of the ICB or of a successor.",
    tags=["Contacts"],
    responses=_replace_responses(ICB),
)
def put_contacts(icbCode: str, if_match: IfMatch = None) -> Response[str]:
    return _replace(ICB, icbCode, if_match)


@app.get(
    "/icbs/<icbCode>/contacts/history",
    summary="The versions of an ICB's contacts, oldest first: who, when, before and after",
    description=HISTORY_PAGING,
    tags=["Contacts"],
    responses=_history_responses(ICB),
)
def contacts_history(icbCode: str, limit: QueryText = None, cursor: QueryText = None) -> Response[str]:
    return _history(ICB, icbCode)


@app.get(
    "/regions/<regionCode>/contacts",
    summary="A region's safeguarding contacts (the weekly digest of DHRs waiting for its answer)",
    description=f'Version 0 (ETag `"0"`) means none recorded yet. {KEPT_BY_REGION}',
    tags=["Contacts"],
    responses=_read_responses(REGION),
)
def get_region_contacts(regionCode: str) -> Response[str]:
    return _read(REGION, regionCode)


@app.put(
    "/regions/<regionCode>/contacts",
    summary="Replace a region's safeguarding contacts",
    description=f"{REPLACE_BODY} {KEPT_BY_REGION}",
    tags=["Contacts"],
    responses=_replace_responses(REGION),
)
def put_region_contacts(regionCode: str, if_match: IfMatch = None) -> Response[str]:
    return _replace(REGION, regionCode, if_match)


@app.get(
    "/regions/<regionCode>/contacts/history",
    summary="The versions of a region's contacts, oldest first: who, when, before and after",
    description=HISTORY_PAGING,
    tags=["Contacts"],
    responses=_history_responses(REGION),
)
def region_contacts_history(
    regionCode: str, limit: QueryText = None, cursor: QueryText = None
) -> Response[str]:
    return _history(REGION, regionCode)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
