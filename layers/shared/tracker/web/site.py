"""What every page stands on: the request as a page sees it, the app's addresses and page
rendering, and the use cases pages call. The composition root builds the services; the web app
(``tracker.web.app``) hands them to each family of pages, which never calls back into the app."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.access import AccessPolicy, Caller
from tracker.errors import Unauthenticated
from tracker.reference import ReferenceData
from tracker.web import rendering
from tracker.web.http import WebRequest, WebResponse
from tracker.web.session import Session

if TYPE_CHECKING:
    from tracker.logic.cases import CaseService
    from tracker.logic.contacts import ContactService

APP_PREFIX = "/app"
CSRF_FIELD = "csrfToken"
NO_STORE = "no-store"


@dataclass
class Context:
    """One request as a page sees it."""

    request: WebRequest
    session: Session | None = None
    caller: Caller | None = None

    def require_caller(self) -> Caller:
        if self.caller is None:
            raise Unauthenticated("Sign in to continue.")
        return self.caller


Page = Callable[[Context], WebResponse]
Routes = dict[tuple[str, str], Page]
"""(method, the route table's resource path) to the page that answers it."""


@dataclass(frozen=True)
class Services:
    """The use cases and data pages call, each built on first use (a page that never shows
    contacts never builds them)."""

    policy: AccessPolicy
    reference: Callable[[], ReferenceData]
    case_service: Callable[[], "CaseService"]
    contact_service: Callable[[], "ContactService"]
    latest_summary: Callable[[], Any]


@dataclass(frozen=True)
class Offers:
    """What the header offers the signed-in caller, as the access policy answers."""

    record: bool  # recording a case
    contacts: bool  # its own ICB's reminder contacts
    overview: bool

    @classmethod
    def to(cls, policy: AccessPolicy, caller: Caller) -> "Offers":
        return cls(
            record=policy.may_record(caller),
            contacts=policy.can_read_contacts(caller, caller.org),
            overview=policy.sees_overview(caller),
        )


class Site:
    """The app's addresses below its base path, and a page rendered with what every page shows."""

    def __init__(self, base_path: str, policy: AccessPolicy) -> None:
        self.base_path = base_path
        self.policy = policy

    def url(self, path: str) -> str:
        return f"{self.base_path}{path}"

    def page(self, template: str, context: Context, status: int = 200, **values: Any) -> WebResponse:
        body = rendering.render(
            template,
            url=self.url,
            caller=context.caller,
            csrf_token=context.session.csrf_token if context.session else "",
            csrf_field=CSRF_FIELD,
            correlation_id=context.request.correlation_id,
            offers=Offers.to(self.policy, context.caller) if context.caller else None,
            **values,
        )
        return WebResponse(status, body, headers={"Cache-Control": NO_STORE})


class Pages:
    """A family of pages, on what the web app hands it; ``routes`` says which requests it answers."""

    def __init__(self, site: Site, services: Services) -> None:
        self.site = site
        self.services = services

    def routes(self) -> Routes:
        raise NotImplementedError
