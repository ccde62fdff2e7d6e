"""Every signed-in page says when its session ends (WCAG 2.2.1, the GOV.UK and NHS timeout-warning
pattern): without script, as a time of day; with it, a dialog warns minutes before and "Stay signed
in" (a POST with the session's CSRF token) gives a fresh idle period without leaving the page."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.web_sessions import IDLE_SECONDS, Kept, set_cookie, with_moving_clock
from tests.unit.web.conftest import EDITOR, Harness
from tracker import clock
from tracker.web import rendering
from tracker.web.session import ABSOLUTE_LIFETIME_SECONDS, WARNING_BEFORE_END_SECONDS

SCRIPT_SOURCE = Path(rendering.__file__).parent / "scripts" / "session-timeout.js"


@pytest.fixture
def timed(web: Harness) -> Kept:
    return with_moving_clock(web)


def _london(epoch: float) -> str:
    return f"{datetime.fromtimestamp(epoch, UTC).astimezone(clock.LONDON):%H:%M}"


def _note(body: str) -> str:
    found = re.search(r'<p[^>]*id="session-timeout-note"[^>]*>(.*?)</p>', body, re.S)
    assert found, "no session timeout note on the page"
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.fixture
def with_script(monkeypatch: pytest.MonkeyPatch) -> str:
    """The manifest as it is once tools/web_assets.py copies the script under its hashed name."""
    hashed = "session-timeout-0123456789abcdef.js"
    listed = {**rendering.asset_manifest(), "session-timeout.js": hashed}
    monkeypatch.setattr(rendering, "asset_manifest", lambda: listed)
    return hashed


def test_a_signed_in_page_says_when_its_session_ends_if_nothing_more_is_sent(timed: Kept) -> None:
    cookie = timed.session_cookie(EDITOR)
    timed.clock.advance(10 * 60)

    page = timed.web.request("GET", "/app/", cookie=cookie)

    assert page.status == 200
    expected = _london(timed.clock() + IDLE_SECONDS)
    assert f"Your session ends at {expected} if you do nothing more before then." in _note(page.body)


def test_near_the_end_of_the_working_day_the_page_gives_the_absolute_end(timed: Kept) -> None:
    session = timed.web.sealer.new_session(EDITOR.sub, EDITOR.role.value, EDITOR.org)
    started = timed.clock()
    timed.clock.advance(ABSOLUTE_LIFETIME_SECONDS - 10 * 60)
    cookie = f"{timed.web.app.cookies.session_name}={timed.web.sealer.seal_session(session)}"

    page = timed.web.request("GET", "/app/", cookie=cookie)

    assert f"Your session ends at {_london(started + ABSOLUTE_LIFETIME_SECONDS)} " in _note(page.body)


def test_pages_without_a_session_say_nothing_of_one(timed: Kept) -> None:
    page = timed.web.request("GET", "/app/signed-out")
    assert page.status == 200
    assert "session-timeout" not in page.body


def test_with_its_script_the_page_carries_the_warning_dialog_and_no_inline_script(
    timed: Kept, with_script: str
) -> None:
    cookie = timed.session_cookie(EDITOR)

    body = timed.web.request("GET", "/app/", cookie=cookie).body

    dialog = re.search(r'<dialog id="session-timeout"(.*?)</dialog>', body, re.S)
    assert dialog, "no timeout dialog"
    attributes, inside = dialog.group(1).split(">", 1)
    assert f'data-seconds-left="{IDLE_SECONDS}"' in attributes
    assert f'data-warning-seconds="{WARNING_BEFORE_END_SECONDS}"' in attributes
    assert WARNING_BEFORE_END_SECONDS >= 20  # WCAG 2.2.1: at least 20 seconds to answer
    assert 'aria-labelledby="session-timeout-heading"' in attributes
    assert 'aria-live="polite"' in inside
    token = re.search(r'name="csrfToken" value="([^"]+)"', body)
    keep = re.search(r'<form method="post" action="/app/session"[^>]*>(.*?)</form>', inside, re.S)
    assert token and keep and "Stay signed in" in keep.group(1)
    assert f'name="csrfToken" value="{token.group(1)}"' in keep.group(1)
    leave = re.search(r'<form method="post" action="/app/sign-out"[^>]*>(.*?)</form>', inside, re.S)
    assert leave and "Sign out" in leave.group(1) and 'name="csrfToken"' in leave.group(1)
    assert f'<script type="module" src="/app/static/{with_script}"></script>' in body
    assert all(not inner.strip() for inner in re.findall(r"<script[^>]*>(.*?)</script>", body, re.S))


def test_without_its_script_the_page_still_says_when_the_session_ends_and_offers_no_dead_dialog(
    timed: Kept, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = {
        name: hashed for name, hashed in rendering.asset_manifest().items() if name != "session-timeout.js"
    }
    monkeypatch.setattr(rendering, "asset_manifest", lambda: without)

    body = timed.web.request("GET", "/app/", cookie=timed.session_cookie(EDITOR)).body

    assert "<dialog" not in body and "session-timeout-" not in body.split('id="session-timeout-note"', 1)[0]
    assert "Your session ends at" in _note(body)


def test_stay_signed_in_gives_a_fresh_idle_period(timed: Kept) -> None:
    cookie = timed.session_cookie(EDITOR)
    page = timed.web.request("GET", "/app/", cookie=cookie)
    timed.clock.advance(IDLE_SECONDS - 60)  # the warning is showing

    kept_on = timed.web.request("POST", "/app/session", cookie=cookie, form={"csrfToken": page.csrf()})

    assert kept_on.status == 200
    assert json.loads(kept_on.body) == {"secondsLeft": IDLE_SECONDS}
    fresh = set_cookie(kept_on, timed.web.app.cookies.session_name)
    timed.clock.advance(IDLE_SECONDS - 60)  # past the first session's idle end, within the new one
    assert timed.web.request("GET", "/app/", cookie=cookie).status == 303
    assert timed.web.request("GET", "/app/", cookie=fresh).status == 200


def test_stay_signed_in_needs_the_sessions_csrf_token_and_a_live_session(timed: Kept) -> None:
    cookie = timed.session_cookie(EDITOR)
    token = timed.web.request("GET", "/app/", cookie=cookie).csrf()

    forged = timed.web.request("POST", "/app/session", cookie=cookie, form={"csrfToken": "forged"})
    timed.clock.advance(IDLE_SECONDS + 1)
    too_late = timed.web.request("POST", "/app/session", cookie=cookie, form={"csrfToken": token})

    assert forged.status == 403
    assert too_late.status == 303 and too_late.location.startswith("/app/sign-in")
    assert timed.forms.items == {}  # keeping a session is not a form to keep


def test_the_script_opens_a_modal_dialog_and_posts_without_leaving_the_page() -> None:
    script = SCRIPT_SOURCE.read_text(encoding="utf-8")
    assert "showModal()" in script
    assert 'method: "POST"' in script and "new FormData(keepForm)" in script  # the CSRF token goes with it
    assert "event.preventDefault()" in script
    assert "innerHTML" not in script and "eval(" not in script
