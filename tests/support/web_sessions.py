"""The page tests' web app with a session clock a test can move and a store for kept forms: for
the tests of sessions that end (the timeout warning, forms kept after the end)."""

import secrets
from dataclasses import dataclass
from typing import Any

from tests.unit.web.conftest import BASE_URL, Harness, InMemoryEndedSessions
from tracker.access import Caller
from tracker.web.app import WebApp
from tracker.web.session import CookieSealer

IDLE_SECONDS = 30 * 60


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # 2027-01-15 08:00 UTC

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class InMemoryKeptForms:
    """``KeptForms`` as DynamoDB keeps them: sealed bytes by id, with their expiry."""

    def __init__(self, clock: Clock) -> None:
        self.items: dict[str, tuple[bytes, int]] = {}
        self.clock = clock

    def keep(self, form_id: str, sealed: bytes, expires_at: int) -> None:
        self.items[form_id] = (sealed, expires_at)

    def read(self, form_id: str) -> bytes | None:
        found = self.items.get(form_id)
        return found[0] if found and found[1] > self.clock() else None

    def discard(self, form_id: str) -> None:
        self.items.pop(form_id, None)


def set_cookie(page: Any, name: str) -> str:
    """The ``name=value`` pair a response sets."""
    for header in page.headers.get("Set-Cookie", []):
        if header.startswith(f"{name}="):
            return str(header.split(";", 1)[0])
    raise AssertionError(f"no {name} cookie set")


@dataclass
class Kept:
    web: Harness
    clock: Clock
    forms: InMemoryKeptForms

    def session_cookie(self, caller: Caller) -> str:
        """The cookie pair of a session started now (as signing in makes one)."""
        return self.web.cookie_for(caller)

    def sign_in(self, caller: Caller, next_path: str) -> str:
        """Through the app's sign-in and callback, as a browser goes: the new session cookie pair."""
        web = self.web
        started = web.request("GET", "/app/sign-in", query={"next": next_path})
        state = started.location.split("state=", 1)[1]
        sign_in_cookie = set_cookie(started, web.app.cookies.sign_in_name)
        web.oidc.claims = {"role": caller.role.value, "org": caller.org, "sub": caller.sub}
        back = web.request(
            "GET", "/app/callback", query={"code": "c0de", "state": state}, cookie=sign_in_cookie
        )
        assert back.status == 303 and back.location == next_path
        return set_cookie(back, web.app.cookies.session_name)


def with_moving_clock(web: Harness) -> Kept:
    """``web``'s app again, its sessions timed by a clock the test moves, its kept forms in memory."""
    clock = Clock()
    forms = InMemoryKeptForms(clock)
    sealer = CookieSealer(secrets.token_bytes(32), IDLE_SECONDS, clock=clock)
    ended = InMemoryEndedSessions()
    app = WebApp(
        base_url=BASE_URL,
        sealer=sealer,
        oidc=web.oidc,
        policy=web.app.policy,
        reference=web.app.reference,
        case_service=lambda: web.service,
        latest_summary=lambda: None,
        contact_service=lambda: web.contacts,
        ended_sessions=lambda: ended,
        kept_forms=lambda: forms,
    )
    harness = Harness(
        app, web.store, web.service, sealer, web.oidc, web.summary, web.contact_store, web.contacts, ended
    )
    return Kept(harness, clock, forms)
