"""What every page stands on: the request as a page sees it, the app's addresses and page
rendering, and the use cases pages call. The composition root builds the services; the web app
(``tracker.web.app``) hands them to each family of pages, which never calls back into the app."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.errors import Unauthenticated
from tracker.reference import ReferenceData
from tracker.web import rendering
from tracker.web.http import WebRequest, WebResponse
from tracker.web.session import WARNING_BEFORE_END_SECONDS, KeptForm, Session, mask_csrf_token

if TYPE_CHECKING:
    from tracker.logic.cases import CaseService
    from tracker.logic.contacts import ContactService

APP_PREFIX = "/app"
CSRF_FIELD = "csrfToken"
NO_STORE = "no-store"
KEEP_SESSION_PATH = f"{APP_PREFIX}/session"


@dataclass(frozen=True)
class SessionTimeout:
    """When the signed-in session ends if the person does nothing more, as a page tells them."""

    ends_at: int  # epoch seconds
    seconds_left: int
    warning_seconds: int = WARNING_BEFORE_END_SECONDS

    @property
    def ends_at_text(self) -> str:
        """The time of day in England (24-hour, as the app writes times), for pages without script."""
        return f"{datetime.fromtimestamp(self.ends_at, UTC).astimezone(clock.LONDON):%H:%M}"


@dataclass
class Context:
    """One request as a page sees it."""

    request: WebRequest
    session: Session | None = None
    caller: Caller | None = None
    session_timeout: SessionTimeout | None = None
    kept_form: "RestoredForm | None" = None  # a form its person sent after the session ended

    def require_caller(self) -> Caller:
        if self.caller is None:
            raise Unauthenticated("Sign in to continue.")
        return self.caller


@dataclass
class RestoredForm:
    """A kept form shown again on its page: the page's own variables it replaces (the form's values,
    and the hidden version and text boxes the templates draw from their own variables), and
    whether a page drew it (then it has been shown, and is let go)."""

    kept: KeptForm
    replaces: dict[str, Any]
    shown: bool = False


class KeptFormNotice:
    """The notification that a kept form is filled in again, drawn once per page: the layout's
    first place for it that renders wins (a later include of the same notice draws nothing)."""

    def __init__(self) -> None:
        self._drawn = False

    def draw(self) -> bool:
        first = not self._drawn
        self._drawn = True
        return first


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
    recommendations: bool = False  # a trust's recommendations across the reviews naming it
    region_contacts: bool = False  # its own region's reminder contacts
    import_cases: bool = False  # bringing cases in from a spreadsheet

    @classmethod
    def to(cls, policy: AccessPolicy, caller: Caller) -> "Offers":
        trusts_recommendations = policy.may_read_owned_recommendations(caller, caller.org)
        return cls(
            record=policy.may_record(caller),
            contacts=policy.can_read_contacts(caller, caller.org),
            # A trust's overview counts its recommendations (web.provider_overview).
            overview=policy.sees_overview(caller) or trusts_recommendations,
            recommendations=trusts_recommendations,
            region_contacts=policy.can_edit_region_contacts(caller, caller.org),
            import_cases=policy.may_import(caller),
        )


class Site:
    """The app's addresses below its base path, and a page rendered with what every page shows."""

    def __init__(self, base_path: str, policy: AccessPolicy) -> None:
        self.base_path = base_path
        self.policy = policy

    def url(self, path: str) -> str:
        return f"{self.base_path}{path}"

    def page(self, template: str, context: Context, status: int = 200, **values: Any) -> WebResponse:
        restored = context.kept_form
        kept_form_notice = None
        if restored is not None and restored.replaces.keys() & values.keys():  # its form's page
            values.update({name: value for name, value in restored.replaces.items() if name in values})
            restored.shown = True
            kept_form_notice = KeptFormNotice()
        body = rendering.render(
            template,
            url=self.url,
            caller=context.caller,
            csrf_token=mask_csrf_token(context.session.csrf_token) if context.session else "",
            csrf_field=CSRF_FIELD,
            correlation_id=context.request.correlation_id,
            offers=Offers.to(self.policy, context.caller) if context.caller else None,
            session_timeout=context.session_timeout,
            keep_session_path=KEEP_SESSION_PATH,
            kept_form_notice=kept_form_notice,
            session_timeout_script=rendering.asset_manifest().get("session-timeout.js"),
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
