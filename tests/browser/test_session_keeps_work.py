"""A nurse's session ends while she types (called away for longer than the idle limit): she saves,
signs in again, and comes back to the same form with what she typed, to check and save."""

import re
import time
from pathlib import Path
from typing import Any

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tests.browser.test_journeys import no_violations, saved
from tracker import settings
from tracker.web import rendering
from tracker.web.session import WARNING_BEFORE_END_SECONDS, CookieSealer
from tracker.web.site import KEEP_SESSION_PATH, SessionTimeout

TYPED = "Synthetic comment typed before the session ended: the panel meets again in March."


def _end_the_session(page: Any, stack: LocalStack) -> None:
    """The session cookie as it would be after more than the idle limit without a request: the same
    session, sealed as long ago (waiting 30 minutes would be the same, only slower)."""
    key = stack.config.extra_env[settings.WEB_SESSION_KEY].encode()
    idle = settings.DEFAULT_WEB_SESSION_IDLE_SECONDS
    now = CookieSealer(key, idle)
    then = CookieSealer(key, idle, clock=lambda: time.time() - idle - 60)
    for cookie in page.context.cookies():
        if cookie["name"].endswith("scrt-session"):
            session = now.open_session(cookie["value"])
            assert session is not None, "not signed in"
            page.context.add_cookies([{**cookie, "value": then.seal_session(session)}])
            return
    raise AssertionError("no session cookie in the browser")


def _sign_in_again(page: Any, stack: LocalStack, role: str, org: str) -> None:
    page.wait_for_selector("select[name=role]")
    page.select_option("select[name=role]", role)
    page.fill("input[name=org]", org)
    page.click("button[type=submit]")


def test_text_typed_when_the_session_ends_survives_signing_in_again(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit()
    page = new_browser()
    page.goto(f"{web_stack.api_url}/app/cases/{case['caseId']}/edit?section=restricted")
    _sign_in_again(page, web_stack, "icb_editor", "QE1")
    page.wait_for_url(re.compile(r".*/edit\?section=restricted$"))
    assert "Your session ends at" in page.locator("#session-timeout-note").inner_text()
    page.fill("#comments", TYPED)

    _end_the_session(page, web_stack)
    page.click("text=Save changes")

    _sign_in_again(page, web_stack, "icb_editor", "QE1")
    page.wait_for_url(re.compile(rf".*/app/cases/{case['caseId']}/edit\?section=restricted$"))
    notice = page.locator(".nhsuk-notification-banner")
    assert "Your session ended. We kept what you typed: check it and save." in notice.inner_text()
    assert page.input_value("#comments") == TYPED
    assert cases.get(case["caseId"]).get("comments") is None  # nothing saved until she checks it
    no_violations(axe, page, "edit, form kept after the session ended")
    screenshot(page, "edit-form-kept-after-session-ended")

    page.click("text=Save changes")
    saved(page)
    assert cases.get(case["caseId"])["comments"] == TYPED


def test_someone_else_signing_in_on_the_same_browser_does_not_see_the_text(
    web_stack: LocalStack, cases: Cases, new_browser: Browser
) -> None:
    case = cases.submit()
    page = new_browser()
    page.goto(f"{web_stack.api_url}/app/cases/{case['caseId']}/edit?section=restricted")
    _sign_in_again(page, web_stack, "icb_editor", "QE1")
    page.wait_for_url(re.compile(r".*/edit\?section=restricted$"))
    page.fill("#comments", TYPED)
    _end_the_session(page, web_stack)
    page.click("text=Save changes")

    _sign_in_again(page, web_stack, "icb_viewer", "QE1")  # another person at the same desk
    page.wait_for_url(re.compile(r".*/edit\?section=restricted$"))
    assert TYPED not in page.content()
    assert page.locator("text=We kept what you typed").count() == 0

    page.click("header >> text=Sign out")  # she comes back: it waited for her
    page.goto(f"{web_stack.api_url}/app/cases/{case['caseId']}/edit?section=restricted")
    _sign_in_again(page, web_stack, "icb_editor", "QE1")
    page.wait_for_url(re.compile(r".*/edit\?section=restricted$"))
    assert page.input_value("#comments") == TYPED


SCRIPT = Path(rendering.__file__).parent / "scripts" / "session-timeout.js"


def _warning_page(page: Any, seconds_left: int, answers: list[str]) -> None:
    """The timeout partial as a page draws it, with its script, served to the browser by Playwright
    (no network): the script's own behaviour, whatever the asset manifest holds yet."""
    markup = (
        rendering.environment()
        .get_template("_session_timeout.html")
        .render(
            caller=True,
            session_timeout=SessionTimeout(
                ends_at=int(time.time()) + seconds_left, seconds_left=seconds_left
            ),
            session_timeout_script="session-timeout.js",
            url=lambda path: f"http://tracker.test{path}",
            keep_session_path=KEEP_SESSION_PATH,
            csrf_field="csrfToken",
            csrf_token="synthetic-csrf-token",
            kept_form_notice=None,
        )
    )

    def serve(route: Any) -> None:
        path = route.request.url.removeprefix("http://tracker.test")
        if path == KEEP_SESSION_PATH:
            answers.append(route.request.post_data or "")
            route.fulfill(status=200, content_type="application/json", body='{"secondsLeft": 1800}')
        elif path.startswith("/app/static/"):
            route.fulfill(status=200, content_type="text/javascript", body=SCRIPT.read_text(encoding="utf-8"))
        else:
            head = '<!DOCTYPE html><html lang="en"><head><title>Synthetic</title></head>'
            body = f"{head}<body><main>{markup}</main></body></html>"
            route.fulfill(status=200, content_type="text/html", body=body)

    page.route("http://tracker.test/**", serve)
    page.goto("http://tracker.test/app/")


def test_the_warning_opens_before_the_end_and_stay_signed_in_keeps_the_page(new_browser: Browser) -> None:
    page = new_browser()
    answers: list[str] = []
    _warning_page(page, WARNING_BEFORE_END_SECONDS - 10, answers)

    page.wait_for_function("document.getElementById('session-timeout').open")
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    assert page.locator("[data-countdown-announced]").inner_text() == "5 minutes"
    page.click("text=Stay signed in")
    page.wait_for_function("!document.getElementById('session-timeout').open")

    assert answers == ["csrfToken=synthetic-csrf-token"]
    assert page.url == "http://tracker.test/app/"  # the page stayed: nothing typed is lost


def test_when_the_time_runs_out_the_dialog_says_what_happens_to_a_form_sent_now(new_browser: Browser) -> None:
    page = new_browser()
    _warning_page(page, 2, [])

    page.wait_for_function("document.getElementById('session-timeout-heading').textContent.includes('ended')")

    assert "brought back to it with what you typed" in page.locator("#session-timeout-message").inner_text()
    assert page.locator("#session-timeout form:visible").count() == 0
    assert page.evaluate("document.activeElement.textContent") == "Continue"
