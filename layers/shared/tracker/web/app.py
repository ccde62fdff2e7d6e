"""The web app's front door: routes, sign-in and sessions, CSRF, security headers, error pages.

The composition root builds it and hands it what it needs; it hands the pages (a family per
module: the case list, a case, recording one, the overview, an ICB's contacts) the caller from the
session and the services they call, and answers everything around them the same way for every page.
"""

import hmac
import json
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from tracker.access import AccessPolicy, Caller, is_known_org
from tracker.auth.claims import ClaimNames, claim
from tracker.error_statuses import ERROR_KINDS, INTERNAL, kind_of
from tracker.errors import (
    DomainError,
    FieldError,
    NotAllowed,
    NotVisible,
    TooLarge,
    Unauthenticated,
    UnreadableInput,
)
from tracker.models.enums import Role
from tracker.observability import logger
from tracker.reference import ReferenceData
from tracker.web import rendering
from tracker.web.access_log import AccessLogPages
from tracker.web.case_list import CaseListPage
from tracker.web.case_pages import SECTION_FIELD, CasePages
from tracker.web.contacts import EMAILS_FIELD, ContactsPages
from tracker.web.forms import VERSION_FIELD
from tracker.web.http import WebRequest, WebResponse, redirect, request_from_event
from tracker.web.import_page import ImportPages
from tracker.web.labels import field_label
from tracker.web.messages import field_kind, field_message
from tracker.web.new_case import NewCasePages
from tracker.web.oidc import OidcClient, SignInFailed
from tracker.web.overview_pages import OverviewPages
from tracker.web.recommendations import RecommendationPages
from tracker.web.service_pages import ServicePages
from tracker.web.session import (
    KEPT_FORM_MAX_SEALED_BYTES,
    KEPT_FORM_SECONDS,
    CookiePolicy,
    CookieSealer,
    EndedSessions,
    KeptForm,
    KeptForms,
    Session,
    csrf_token_matches,
)
from tracker.web.site import (
    APP_PREFIX,
    CSRF_FIELD,
    KEEP_SESSION_PATH,
    NO_STORE,
    Context,
    RestoredForm,
    Routes,
    Services,
    SessionTimeout,
    Site,
)

if TYPE_CHECKING:
    from tracker.logic.cases import CaseService
    from tracker.logic.contacts import ContactService

__all__ = ["APP_PREFIX", "CSRF_FIELD", "STATIC_ROUTE", "Context", "WebApp"]

STATIC_ROUTE = "/app/static/{asset}"
# A return path after sign-in: RFC 3986 path and query characters, percent escapes whole; no
# fragment, backslash, space or control character.
SAFE_NEXT = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*")
DOT_SEGMENT = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|%2[eE]")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# The sign-in pages' statuses, from the one error table: a sign-in that cannot be read (a stale or
# forged answer) is a bad request; a person the service does not admit, forbidden.
SIGN_IN_FAILED_STATUS = ERROR_KINDS[UnreadableInput].status
NOT_ADMITTED_STATUS = ERROR_KINDS[NotAllowed].status

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_TYPES = {
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "svg": "image/svg+xml",
}


class CsrfRefused(NotAllowed):
    """A POST without the session's CSRF token: refused as any other thing the caller may not do."""


def cookie_policy_for(base_url: str) -> CookiePolicy:
    """Secure cookies for https; plain http is accepted only on loopback (the local stack)."""
    parts = urlsplit(base_url)
    if parts.scheme == "https":
        return CookiePolicy(secure=True)
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return CookiePolicy(secure=False)
    raise ValueError("WEB_BASE_URL must be https:// (http:// only on loopback, for the local stack)")


DEFAULT_CLAIM_NAMES = ClaimNames()


class WebApp:
    def __init__(
        self,
        *,
        base_url: str,
        sealer: CookieSealer,
        oidc: OidcClient,
        policy: AccessPolicy,
        reference: Callable[[], ReferenceData],
        case_service: Callable[[], "CaseService"],
        contact_service: Callable[[], "ContactService"],
        latest_summary: Callable[[], Any],
        claims: ClaimNames = DEFAULT_CLAIM_NAMES,
        ended_sessions: Callable[[], EndedSessions],
        kept_forms: Callable[[], KeptForms] | None = None,
    ) -> None:
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.cookies = cookie_policy_for(base_url)
        self.sealer = sealer
        self.oidc = oidc
        self.policy = policy
        self.reference = reference
        self.claims = claims
        self.ended_sessions = ended_sessions
        self._kept_forms = kept_forms
        self.site = Site(self.base_path, policy)
        self.services = Services(policy, reference, case_service, contact_service, latest_summary)
        families = (
            CaseListPage,
            CasePages,
            NewCasePages,
            OverviewPages,
            ContactsPages,
            RecommendationPages,
            AccessLogPages,
            ImportPages,
        )
        self.public_routes: Routes = {
            ("GET", "/app/sign-in"): self.begin_sign_in,
            ("GET", "/app/callback"): self.finish_sign_in,
            ("GET", "/app/signed-out"): self.signed_out,
        }
        # The accessibility statement, privacy notice and help: open to anyone, signed in or not.
        self.public_routes.update(ServicePages(self.site, self.services).public_routes())
        self.signed_in_routes: Routes = {
            ("POST", "/app/sign-out"): self.sign_out,
            ("POST", KEEP_SESSION_PATH): self.keep_session,
        }
        for family in families:
            self.signed_in_routes.update(family(self.site, self.services).routes())

    def url(self, path: str) -> str:
        return self.site.url(path)

    def page(self, template: str, context: Context, status: int = 200, **values: Any) -> WebResponse:
        return self.site.page(template, context, status, **values)

    # --- the way in ------------------------------------------------------------------------------

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        request = request_from_event(event)
        context = Context(request)
        try:
            response = self._route(context)
        except Unauthenticated:  # a person is sent to sign in, where the API answers 401
            response = self._to_sign_in(context)
        except DomainError as refusal:
            # The status the one error table gives its kind; the page says it in its own words.
            # A form re-posted over a newer version is a conflict (409), as the form pages answer it.
            status = kind_of(refusal, posted_form=context.request.method == "POST").status
            logger.info("request refused", extra={"status": status, "error_type": type(refusal).__name__})
            response = self.error_page(context, status, refusal.errors)
        except Exception as error:
            # The type only: a message may quote restricted text.
            logger.error(
                "unhandled error",
                extra={"error_type": type(error).__name__, "correlation_id": request.correlation_id},
            )
            response = self.error_page(context, INTERNAL.status)
        return self._finish(context, response).to_proxy_result()

    def _route(self, context: Context) -> WebResponse:
        request = context.request
        if request.route == STATIC_ROUTE:
            return self._static(request.path_parameters.get("asset", ""))
        public = self.public_routes.get((request.method, request.route))
        if public is not None:
            return public(context)
        page = self.signed_in_routes.get((request.method, request.route))
        if page is None:
            raise NotVisible("No such page.")
        self._authenticate(context)
        if request.form_too_large:  # larger than any case's form: not read, so not a stale form either
            raise TooLarge("The form is larger than any case's.")
        if request.method == "POST":
            self._check_csrf(context)
        if request.method == "GET":
            context.kept_form = self._kept_form_for(context)
        response = page(context)
        if context.kept_form is not None and context.kept_form.shown and response.status == 200:
            # Shown again, filled in: the person saves it from here; the kept copy goes.
            self._let_go_of_kept_form(context.kept_form.kept.form_id, response)
            logger.info("kept form shown again")
        return response

    def _static(self, name: str) -> WebResponse:
        content = rendering.static_file(name)
        if content is None:
            missing = ERROR_KINDS[NotVisible]
            return WebResponse(
                missing.status, missing.title, "text/plain; charset=utf-8", {"Cache-Control": NO_STORE}
            )
        kind = name.rsplit(".", 1)[-1]
        return WebResponse(200, content.decode("utf-8"), STATIC_TYPES[kind], {"Cache-Control": IMMUTABLE})

    def _authenticate(self, context: Context) -> None:
        session = self.sealer.open_session(context.request.cookies.get(self.cookies.session_name))
        if session is None:
            raise Unauthenticated("Sign in to continue.")
        try:
            role = Role(session.role)
        except ValueError:
            raise Unauthenticated("Sign in to continue.") from None
        # The same rule as the API's authorizer, on every request: an abolished ICB's identity is refused.
        if not is_known_org(role, session.org, self.reference()):
            raise Unauthenticated("Sign in to continue.")
        # Signed out: this is a copy of a cookie the browser was told to drop.
        if self.ended_sessions().is_ended(session.session_id):
            raise Unauthenticated("Sign in to continue.")
        context.session = session
        context.caller = Caller(role=role, org=session.org, sub=session.sub, name=session.name)
        now = self.sealer.now()
        ends_at = session.ends_if_idle(now, self.sealer.idle_seconds)
        context.session_timeout = SessionTimeout(ends_at=ends_at, seconds_left=ends_at - now)

    def _check_csrf(self, context: Context) -> None:
        assert context.session is not None
        sent = context.request.form_value(CSRF_FIELD)
        if not csrf_token_matches(sent, context.session.csrf_token):
            raise CsrfRefused("The form was not sent from this session's page.")

    def _to_sign_in(self, context: Context) -> WebResponse:
        request = context.request
        kept = self._keep_form(request) if request.method == "POST" else None
        if kept is not None:
            target = kept.path
        elif request.method == "GET":
            target = _path_with_query(request.path, request.query)
        else:
            target = APP_PREFIX + "/"
        response = redirect(self.url(f"{APP_PREFIX}/sign-in?next={quote(target, safe='')}"), 303)
        if kept is not None:
            response.cookies.append(self.cookies.kept_form_cookie(kept.form_id))
        return response

    # --- forms sent after the session ended ------------------------------------------------------

    def kept_forms(self) -> KeptForms | None:
        """Where forms sent after their session ended wait: the store the composition root gave,
        else the one beside the ended sessions (the same table), if that store keeps forms."""
        if self._kept_forms is not None:
            return self._kept_forms()
        beside = getattr(self.ended_sessions(), "kept_forms", None)
        return beside() if callable(beside) else None

    def _keep_form(self, request: WebRequest) -> KeptForm | None:
        """A form sent to a form's page after its session ended, kept sealed for the person whose
        session sent it, if that is known: their ended session's cookie came with it (not signed
        out) and the form carries that session's CSRF token, as it would have been checked."""
        if ("GET", request.route) not in self.signed_in_routes or not request.form or request.form_too_large:
            return None  # not a form that has a page to show it again on (sign-out, keeping a session)
        ended = self.sealer.open_ended_session(request.cookies.get(self.cookies.session_name))
        if ended is None:
            return None
        sent = request.form_value(CSRF_FIELD)
        if not csrf_token_matches(sent, ended.csrf_token):
            return None
        store = self.kept_forms()
        if store is None or self.ended_sessions().is_ended(ended.session_id):
            return None
        section = request.form_value(SECTION_FIELD).strip()
        kept = KeptForm(
            form_id=secrets.token_urlsafe(32),
            sub=ended.sub,
            path=_path_with_query(request.path, {SECTION_FIELD: [section]} if section else {}),
            fields={name: values for name, values in request.form.items() if name != CSRF_FIELD},
        )
        if self.safe_next(kept.path) != kept.path:
            return None
        sealed = self.sealer.seal_kept_form(kept)
        if len(sealed) > KEPT_FORM_MAX_SEALED_BYTES:
            logger.warning(
                "form sent after its session ended is too large to keep", extra={"bytes": len(sealed)}
            )
            return None
        store.keep(kept.form_id, sealed, self.sealer.now() + KEPT_FORM_SECONDS)
        logger.info("form sent after its session ended kept", extra={"bytes": len(sealed)})
        return kept

    def _kept_form_for(self, context: Context) -> RestoredForm | None:
        """The form this browser kept for this page, if the person signed in now is the one who
        typed it; shown again to be checked and saved (never saved by itself)."""
        request = context.request
        form_id = request.cookies.get(self.cookies.kept_form_name)
        if not form_id or context.session is None or ("POST", request.route) not in self.signed_in_routes:
            return None
        store = self.kept_forms()
        sealed = store.read(form_id) if store is not None else None
        kept = self.sealer.open_kept_form(sealed) if sealed is not None else None
        if kept is None or kept.form_id != form_id or kept.sub != context.session.sub:
            return None  # altered, too old, or someone else's: never shown
        if kept.path != _path_with_query(request.path, request.query):
            return None  # another page: it waits for its own
        replaces: dict[str, object] = {"values": kept.fields}
        if VERSION_FIELD in kept.fields:
            replaces["version"] = kept.fields[VERSION_FIELD][-1]  # the version it was typed on
        if EMAILS_FIELD in kept.fields:
            replaces["typed"] = kept.fields[EMAILS_FIELD][-1]
        return RestoredForm(kept, replaces)

    def _let_go_of_kept_form(self, form_id: str, response: WebResponse) -> None:
        store = self.kept_forms()
        if store is not None:
            store.discard(form_id)
        response.cookies.append(self.cookies.expired(self.cookies.kept_form_name))

    def _finish(self, context: Context, response: WebResponse) -> WebResponse:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", NO_STORE)
        sets_session = any(cookie.startswith(f"{self.cookies.session_name}=") for cookie in response.cookies)
        if context.session is not None and not sets_session:
            # Sliding idle timeout: every answer to a signed-in request seals the session again.
            response.cookies.append(self._session_cookie(context.session))
        return response

    def _session_cookie(self, session: Session) -> str:
        return self.cookies.session_cookie(
            self.sealer.seal_session(session), session.cookie_seconds(self.sealer.now())
        )

    def error_page(
        self, context: Context, status: int, errors: list[FieldError] | None = None
    ) -> WebResponse:
        """The page for a refusal; a request that could not be read names each field that could not."""
        problems = [
            field_message(field_label(error.field), error.detail, field_kind(error.field))
            for error in errors or []
            if error.field
        ]
        return self.page("error.html", context, status, error_status=status, problems=problems)

    # --- sign-in, callback, sign-out --------------------------------------------------------------

    def safe_next(self, candidate: str) -> str:
        """Only a path of this app, written in URL characters: never another site (an open
        redirect), and nothing that could end the Location header (CR, LF) or climb out of /app."""
        path = candidate.split("?", 1)[0]
        under_app = path == APP_PREFIX or path.startswith(APP_PREFIX + "/")
        if under_app and SAFE_NEXT.fullmatch(candidate) and not DOT_SEGMENT.search(path):
            return candidate
        return APP_PREFIX + "/"

    def begin_sign_in(self, context: Context) -> WebResponse:
        next_path = self.safe_next(context.request.query_value("next"))
        url, pending = self.oidc.begin(next_path)
        response = redirect(url, 302)
        response.cookies.append(self.cookies.sign_in_cookie(self.sealer.seal_sign_in(pending)))
        return response

    def finish_sign_in(self, context: Context) -> WebResponse:
        request = context.request
        pending = self.sealer.open_sign_in(request.cookies.get(self.cookies.sign_in_name))
        state = request.query_value("state")
        code = request.query_value("code")
        if pending is None or not state or not hmac.compare_digest(state.encode(), pending.state.encode()):
            return self.page("sign_in_failed.html", context, SIGN_IN_FAILED_STATUS)
        if not code:
            return self.page("sign_in_failed.html", context, SIGN_IN_FAILED_STATUS)
        try:
            claims = self.oidc.finish(code, pending)
        except SignInFailed as failure:
            logger.warning("sign-in refused", extra={"reason": str(failure)})
            return self.page("sign_in_failed.html", context, SIGN_IN_FAILED_STATUS)
        sub = self.claims.subject(claims)
        if sub is None:  # nobody: never a session shared under a placeholder name
            logger.warning("sign-in refused", extra={"reason": f"no user claim ({self.claims.sub})"})
            return self.page("sign_in_failed.html", context, SIGN_IN_FAILED_STATUS)
        role_name, org = claim(claims, self.claims.role), claim(claims, self.claims.org)
        try:
            role = Role(str(role_name))
        except ValueError:
            role = None
        if role is None or not isinstance(org, str) or not is_known_org(role, org, self.reference()):
            response = self.error_page(context, NOT_ADMITTED_STATUS)
            response.cookies.append(self.cookies.expired(self.cookies.sign_in_name))
            return response
        # The name, when the identity provider gives one, is recorded with each change this person makes.
        session = self.sealer.new_session(sub, role.value, org, self.claims.person_name(claims))
        response = redirect(self.url(pending.next_path), 303)
        response.cookies.append(self.cookies.expired(self.cookies.sign_in_name))
        response.cookies.append(self._session_cookie(session))
        return response

    def keep_session(self, context: Context) -> WebResponse:
        """ "Stay signed in" (the page's timeout warning): a POST with the session's CSRF token, which
        seals the session again on the way out, and says how long it has now."""
        assert context.session_timeout is not None  # a signed-in page: authenticated before it runs
        body = json.dumps({"secondsLeft": context.session_timeout.seconds_left})
        return WebResponse(200, body, "application/json")

    def signed_out(self, context: Context) -> WebResponse:
        return self.page("signed_out.html", context)

    def sign_out(self, context: Context) -> WebResponse:
        assert context.session is not None  # a signed-in page: authenticated before it runs
        # Ended on the server, not only in this browser: a copy of the cookie opens nothing now.
        self.ended_sessions().end(context.session.session_id, context.session.ends_at)
        response = redirect(self.url(f"{APP_PREFIX}/signed-out"), 303)
        response.cookies.append(self.cookies.expired(self.cookies.session_name))
        context.session = None  # nothing seals it again on the way out
        return response


def _path_with_query(path: str, query: dict[str, list[str]]) -> str:
    """A path and its query as a return address after sign-in, each part percent-escaped."""
    encoded = "&".join(f"{quote(name)}={quote(value)}" for name, values in query.items() for value in values)
    return path + (f"?{encoded}" if encoded else "")
