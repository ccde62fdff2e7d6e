"""The web app on the in-memory store: requests in as API Gateway events, pages out.

Sessions are sealed here with the app's own sealer (signing in is tested on its own with a fake
identity provider), so each page test starts signed in as the role it needs.
"""

import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

import pytest

from local_stack.events import match_route, proxy_event, request_context
from tests.conftest import synthetic_case
from tests.support.memory import InMemoryAuditTrail, InMemoryCaseStore, InMemoryLedger
from tests.support.reminders import InMemoryContactStore
from tracker.access import AccessPolicy, Caller
from tracker.logic.audit import AccessLog, AuditedCaseService, AuditRecorder
from tracker.logic.cases import CaseService
from tracker.logic.commands import SubmitCase
from tracker.logic.contacts import ContactService
from tracker.logic.cursor import CursorCodec
from tracker.models.access_log import Channel
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.web.app import WebApp
from tracker.web.oidc import OidcClient, OidcClientConfig
from tracker.web.session import CookieSealer, PendingSignIn

BASE_URL = "https://tracker.example.test"
EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
OTHER_EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-2")
VIEWER = Caller(Role.ICB_VIEWER, "QE1", "viewer-1")
REGIONAL = Caller(Role.REGIONAL, "Y62", "regional-1")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
FOREIGN_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-3")


class FakeOidc(OidcClient):
    """The identity provider's side of sign-in, without HTTP: a fixed authorize URL, set claims."""

    def __init__(self) -> None:
        super().__init__(
            OidcClientConfig(
                "https://idp.example.test/.well-known/openid-configuration",
                "web",
                None,
                f"{BASE_URL}/app/callback",
            )
        )
        self.claims: dict[str, Any] = {}
        self.codes: list[str] = []

    def begin(self, next_path: str) -> tuple[str, PendingSignIn]:
        pending = PendingSignIn(secrets.token_urlsafe(8), "nonce", "verifier", next_path)
        return f"https://idp.example.test/authorize?state={pending.state}", pending

    def finish(self, code: str, pending: PendingSignIn) -> dict[str, Any]:
        self.codes.append(code)
        return dict(self.claims)


class InMemoryEndedSessions:
    """``EndedSessions`` as the DynamoDB one keeps them: ended ids with their expiry."""

    def __init__(self) -> None:
        self.ended: dict[str, int] = {}
        self.reads = 0

    def end(self, session_id: str, expires_at: int) -> None:
        self.ended[session_id] = expires_at

    def is_ended(self, session_id: str) -> bool:
        self.reads += 1
        return session_id in self.ended


@dataclass
class Page:
    status: int
    headers: dict[str, list[str]]
    body: str

    def header(self, name: str) -> str:
        return self.headers.get(name, [""])[0]

    @property
    def location(self) -> str:
        return self.header("Location")

    def csrf(self) -> str:
        found = re.search(r'name="csrfToken" value="([^"]+)"', self.body)
        assert found, "no CSRF token on the page"
        return found.group(1)


@dataclass
class Harness:
    app: WebApp
    store: InMemoryCaseStore
    service: CaseService
    sealer: CookieSealer
    oidc: FakeOidc
    summary: list[Any]
    contact_store: InMemoryContactStore
    contacts: ContactService
    ended_sessions: InMemoryEndedSessions
    audit: InMemoryAuditTrail = field(default_factory=InMemoryAuditTrail)
    """Every page's reads are recorded here, as the deployed web app records them (``web`` only)."""

    def cookie_for(self, caller: Caller) -> str:
        session = self.sealer.new_session(caller.sub, caller.role.value, caller.org)
        return f"{self.app.cookies.session_name}={self.sealer.seal_session(session)}"

    def request(
        self,
        method: str,
        path: str,
        *,
        caller: Caller | None = None,
        query: dict[str, Any] | list[tuple[str, str]] | None = None,
        form: dict[str, Any] | list[tuple[str, str]] | None = None,
        cookie: str | None = None,
    ) -> Page:
        match = match_route(method, path.rstrip("/") if path != "/" else path)
        assert match is not None, f"no route for {method} {path}"
        headers = [("Host", "tracker.example.test")]
        cookies = [cookie] if cookie else []
        if caller is not None:
            cookies.append(self.cookie_for(caller))
        if cookies:
            headers.append(("Cookie", "; ".join(cookies)))
        body = b""
        if form is not None:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = urlencode(form, doseq=True).encode()
        context = request_context(match, method, path, "127.0.0.1", "pytest", "tracker.example.test")
        event = proxy_event(
            match, method, path, urlencode(query or {}, doseq=True), headers, body, context, None
        )
        result = self.app.handle(event)
        return Page(result["statusCode"], result.get("multiValueHeaders") or {}, result.get("body") or "")

    def submit(self, caller: Caller = EDITOR, **overrides: Any) -> Case:
        return self.service.submit(caller, SubmitCase(synthetic_case(**overrides)))


@pytest.fixture
def ticking_clock(fixed_today: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixed day, one second later at each reading: newest-first order is then well defined."""
    from tracker import clock

    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    readings = itertools.count()
    monkeypatch.setattr(clock, "now_utc", lambda: start + timedelta(seconds=next(readings)))


@pytest.fixture
def web(ticking_clock: None) -> Harness:
    reference = reference_data()
    store = InMemoryCaseStore()
    ledger = InMemoryLedger()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    service = CaseService(store, AccessPolicy(reference), reference, lambda: codec, lambda: ledger)
    sealer = CookieSealer(secrets.token_bytes(32), 30 * 60)
    oidc = FakeOidc()
    summary: list[Any] = [None]
    contact_store = InMemoryContactStore()
    ended_sessions = InMemoryEndedSessions()
    contacts = ContactService(contact_store, AccessPolicy(reference), lambda: codec)
    # The pages read through the read audit, as deployed: no web app runs without it.
    audit = InMemoryAuditTrail()
    recorder = AuditRecorder(lambda: audit, Channel.WEB, lambda: "web-request")
    access_log = AccessLog(service, AccessPolicy(reference), lambda: audit, recorder, lambda: codec)
    audited = cast("CaseService", AuditedCaseService(service, recorder, access_log))
    app = WebApp(
        base_url=BASE_URL,
        sealer=sealer,
        oidc=oidc,
        policy=AccessPolicy(reference),
        reference=lambda: reference,
        case_service=lambda: audited,
        latest_summary=lambda: summary[0],
        contact_service=lambda: contacts,
        ended_sessions=lambda: ended_sessions,
    )
    return Harness(app, store, service, sealer, oidc, summary, contact_store, contacts, ended_sessions, audit)


WebFactory = Callable[..., Harness]
