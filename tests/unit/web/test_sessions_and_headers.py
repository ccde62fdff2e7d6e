"""Sign-in, the session cookie, CSRF on sign-out, security headers, static files and error pages."""

import re
from typing import Any

import pytest

from tests.unit.web.conftest import EDITOR, VIEWER, Harness
from tracker.web.app import cookie_policy_for
from tracker.web.rendering import asset_manifest
from tracker.web.session import ABSOLUTE_LIFETIME_SECONDS, ENDED_SESSION_COOKIE_SECONDS, CookieSealer


def _cookie_value(page: Any, name: str) -> str:
    for header in page.headers.get("Set-Cookie", []):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set")


# --- headers --------------------------------------------------------------------------------------


def test_pages_with_case_data_carry_the_security_headers(web: Harness) -> None:
    case = web.submit()
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    csp = page.header("Content-Security-Policy")
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.header("Strict-Transport-Security").startswith("max-age=")
    assert page.header("Referrer-Policy") == "same-origin"
    assert page.header("Cache-Control") == "no-store"
    assert page.header("X-Content-Type-Options") == "nosniff"


def test_no_page_has_inline_script_or_style(web: Harness) -> None:
    case = web.submit()
    for path in ("/app/", f"/app/cases/{case.case_id}", f"/app/cases/{case.case_id}/edit", "/app/cases/new"):
        body = web.request("GET", path, caller=EDITOR).body
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", body, re.S)
        assert scripts and all(not inner.strip() for inner in scripts), path
        assert " style=" not in body and "<style" not in body, path
        assert not re.search(r"\son[a-z]+=", body), path  # no event handler attributes


def test_the_session_cookie_is_httponly_secure_samesite_lax_and_host_only(web: Harness) -> None:
    page = web.request("GET", "/app/", caller=EDITOR)
    cookie = _cookie_value(page, "__Host-scrt-session")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    # The cookie outlives the session by ENDED_SESSION_COOKIE_SECONDS so a form sent late is known to be
    # its person's (kept, not lost); the seal's own time ends the session.
    assert f"Max-Age={ABSOLUTE_LIFETIME_SECONDS + ENDED_SESSION_COOKIE_SECONDS}" in cookie


def test_cookies_are_secure_except_on_loopback_http() -> None:
    assert cookie_policy_for("https://tracker.example.test/v1").secure
    assert not cookie_policy_for("http://127.0.0.1:3000").secure
    with pytest.raises(ValueError):
        cookie_policy_for("http://tracker.example.test")


# --- sessions -------------------------------------------------------------------------------------


def test_without_a_session_a_page_sends_the_browser_to_sign_in_and_back(web: Harness) -> None:
    page = web.request("GET", "/app/", query={"overdue": "true"})
    assert page.status == 303
    assert page.location == "/app/sign-in?next=%2Fapp%2F%3Foverdue%3Dtrue"


def test_a_tampered_or_foreign_cookie_is_no_session(web: Harness) -> None:
    genuine = web.cookie_for(EDITOR)
    name, _, value = genuine.partition("=")
    tampered = f"{name}={value[:-4]}AAAA"
    foreign_sealer = CookieSealer(b"another-key-of-at-least-32-bytes!!", 1800)
    foreign = f"{name}={foreign_sealer.seal_session(foreign_sealer.new_session('x', 'icb_editor', 'QE1'))}"

    assert web.request("GET", "/app/", cookie=tampered).status == 303
    assert web.request("GET", "/app/", cookie=foreign).status == 303


def test_a_session_ends_after_thirty_idle_minutes_and_lives_on_while_used(web: Harness) -> None:
    now = [1_800_000_000.0]
    web.app.sealer = CookieSealer(b"k" * 32, 30 * 60, clock=lambda: now[0])
    name = web.app.cookies.session_name
    sealed = web.app.sealer.seal_session(web.app.sealer.new_session("editor-1", "icb_editor", "QE1"))

    now[0] += 29 * 60
    page = web.request("GET", "/app/", cookie=f"{name}={sealed}")
    assert page.status == 200
    renewed = _cookie_value(page, name).split(";", 1)[0]
    now[0] += 29 * 60  # 58 minutes after sign-in, 29 after the last request
    assert web.request("GET", "/app/", cookie=renewed).status == 200
    now[0] += 31 * 60
    assert web.request("GET", "/app/", cookie=renewed).status == 303


def test_an_abolished_icbs_session_is_refused_on_the_next_request(web: Harness) -> None:
    from tracker.access import Caller
    from tracker.models.enums import Role

    abolished = Caller(Role.ICB_EDITOR, "QHG", "editor-9")  # abolished on 1 April 2026
    assert web.request("GET", "/app/", caller=abolished).status == 303


def test_sign_out_needs_the_csrf_token_and_ends_the_session(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    token = web.request("GET", "/app/", cookie=cookie).csrf()

    refused = web.request("POST", "/app/sign-out", cookie=cookie, form={"csrfToken": "nope"})
    done = web.request("POST", "/app/sign-out", cookie=cookie, form={"csrfToken": token})

    assert refused.status == 403
    assert done.status == 303 and done.location == "/app/signed-out"
    assert _cookie_value(done, web.app.cookies.session_name).startswith(f"{web.app.cookies.session_name}=;")
    assert "Max-Age=0" in _cookie_value(done, web.app.cookies.session_name)


def test_a_copy_of_the_cookie_replayed_after_sign_out_is_sent_to_sign_in(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    page = web.request("GET", "/app/", cookie=cookie)
    assert page.status == 200
    renewed = _cookie_value(page, web.app.cookies.session_name).split(";", 1)[0]

    web.request("POST", "/app/sign-out", cookie=cookie, form={"csrfToken": page.csrf()})

    for replayed in (cookie, renewed):  # the cookie as signed in, and as last sealed again
        again = web.request("GET", "/app/", cookie=replayed)
        assert again.status == 303 and again.location.startswith("/app/sign-in?next=")
    post = web.request("POST", "/app/sign-out", cookie=renewed, form={"csrfToken": page.csrf()})
    assert post.status == 303 and post.location.startswith("/app/sign-in")


def test_sign_out_ends_only_that_session_and_keeps_the_record_until_its_absolute_end(web: Harness) -> None:
    signed_out, still_in = web.cookie_for(EDITOR), web.cookie_for(EDITOR)
    token = web.request("GET", "/app/", cookie=signed_out).csrf()
    started = web.app.sealer.open_session(signed_out.split("=", 1)[1])
    assert started is not None

    web.request("POST", "/app/sign-out", cookie=signed_out, form={"csrfToken": token})

    assert web.ended_sessions.ended == {started.session_id: started.started_at + 12 * 60 * 60}
    assert web.request("GET", "/app/", cookie=still_in).status == 200


def test_every_signed_in_request_asks_whether_its_session_was_ended(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    for expected_reads in (1, 2):
        assert web.request("GET", "/app/", cookie=cookie).status == 200
        assert web.ended_sessions.reads == expected_reads
    web.request("GET", "/app/signed-out")  # a public page: no session, nothing read
    assert web.ended_sessions.reads == 2


# --- signing in -----------------------------------------------------------------------------------


def _start(web: Harness, next_path: str = "/app/cases/new") -> tuple[str, str]:
    started = web.request("GET", "/app/sign-in", query={"next": next_path})
    assert started.status == 302 and started.location.startswith("https://idp.example.test/authorize")
    state = started.location.split("state=", 1)[1]
    return _cookie_value(started, web.app.cookies.sign_in_name).split(";", 1)[0], state


def test_sign_in_returns_to_the_page_asked_for_with_its_filters(web: Harness) -> None:
    sign_in_cookie, state = _start(web, "/app/?overdue=true&stage=NOTIFIED")
    web.oidc.claims = {"role": "icb_viewer", "org": "QE1", "sub": "u"}
    back = web.request("GET", "/app/callback", query={"code": "c", "state": state}, cookie=sign_in_cookie)
    assert back.location == "/app/?overdue=true&stage=NOTIFIED"


def test_sign_in_makes_a_session_from_the_id_tokens_role_and_org(web: Harness) -> None:
    sign_in_cookie, state = _start(web)
    web.oidc.claims = {"role": "icb_editor", "org": "QE1", "sub": "synthetic-user"}

    back = web.request("GET", "/app/callback", query={"code": "c0de", "state": state}, cookie=sign_in_cookie)

    assert back.status == 303 and back.location == "/app/cases/new"
    assert web.oidc.codes == ["c0de"]
    session = _cookie_value(back, web.app.cookies.session_name).split(";", 1)[0]
    assert web.request("GET", "/app/cases/new", cookie=session).status == 200


def test_a_callback_whose_state_does_not_match_is_refused(web: Harness) -> None:
    sign_in_cookie, _ = _start(web)
    web.oidc.claims = {"role": "icb_editor", "org": "QE1", "sub": "synthetic-user"}

    back = web.request(
        "GET", "/app/callback", query={"code": "c0de", "state": "forged"}, cookie=sign_in_cookie
    )
    no_cookie = web.request("GET", "/app/callback", query={"code": "c0de", "state": "forged"})

    assert back.status == no_cookie.status == 400
    assert web.oidc.codes == []  # the code was never exchanged
    assert not any(h.startswith(web.app.cookies.session_name) for h in back.headers.get("Set-Cookie", []))


@pytest.mark.parametrize("sub", [None, "", 7, {"id": "u"}])
def test_an_identity_without_a_user_gets_no_session_and_no_placeholder_user(web: Harness, sub: Any) -> None:
    """The app itself refuses it (not only the OIDC client): no session as "unknown" shared by all."""
    sign_in_cookie, state = _start(web)
    web.oidc.claims = {"role": "icb_editor", "org": "QE1"} | ({} if sub is None else {"sub": sub})

    back = web.request("GET", "/app/callback", query={"code": "c", "state": state}, cookie=sign_in_cookie)

    assert back.status == 400
    assert not any(
        h.startswith(f"{web.app.cookies.session_name}=") and "Max-Age=0" not in h
        for h in back.headers.get("Set-Cookie", [])
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"role": "icb_editor", "org": "QHG", "sub": "u"},  # an abolished ICB, as the authorizer refuses
        {"role": "superuser", "org": "X24", "sub": "u"},
        {"role": "regional", "org": "QE1", "sub": "u"},
        {"org": "QE1", "sub": "u"},
    ],
)
def test_an_identity_the_api_would_refuse_gets_no_session(web: Harness, claims: dict[str, Any]) -> None:
    sign_in_cookie, state = _start(web)
    web.oidc.claims = claims

    back = web.request("GET", "/app/callback", query={"code": "c", "state": state}, cookie=sign_in_cookie)

    assert back.status == 403
    assert not any(
        h.startswith(f"{web.app.cookies.session_name}=") and "Max-Age=0" not in h
        for h in back.headers.get("Set-Cookie", [])
    )


@pytest.mark.parametrize(
    "target", ["//evil.example/app/", "https://evil.example/", "/elsewhere", "/app\\@evil", "/apparently"]
)
def test_sign_in_never_returns_to_another_site(web: Harness, target: str) -> None:
    sign_in_cookie, state = _start(web, target)
    web.oidc.claims = {"role": "icb_editor", "org": "QE1", "sub": "u"}
    back = web.request("GET", "/app/callback", query={"code": "c", "state": state}, cookie=sign_in_cookie)
    assert back.location == "/app/"


@pytest.mark.parametrize(
    "target",
    [
        "/app/x\r\nSet-Cookie: evil=1",
        "/app/x\nLocation: https://evil.example/",
        "/app/x\ty",
        "/app/x y",
        "/app/\x00",
        "/app/../elsewhere",
        "/app/%2e%2e/elsewhere",
        "/app/#fragment",
        "/app/%zz",
    ],
)
def test_a_return_path_with_control_or_unsafe_characters_is_replaced(web: Harness, target: str) -> None:
    sign_in_cookie, state = _start(web, target)
    web.oidc.claims = {"role": "icb_editor", "org": "QE1", "sub": "u"}
    back = web.request("GET", "/app/callback", query={"code": "c", "state": state}, cookie=sign_in_cookie)
    assert back.status == 303 and back.location == "/app/"
    assert all("evil" not in value for values in back.headers.values() for value in values)


def test_a_return_path_in_url_characters_is_kept_with_its_escapes(web: Harness) -> None:
    target = "/app/?reviewType=CSPR&icbCode=QE1&cursor=ab.c_d-e~f%3D"
    sign_in_cookie, state = _start(web, target)
    web.oidc.claims = {"role": "icb_editor", "org": "QE1", "sub": "u"}
    back = web.request("GET", "/app/callback", query={"code": "c", "state": state}, cookie=sign_in_cookie)
    assert back.location == target


# --- static files ---------------------------------------------------------------------------------


def test_static_files_are_served_by_hashed_name_with_a_long_cache_life(web: Harness) -> None:
    css = asset_manifest()["nhsuk-frontend.css"]
    page = web.request("GET", f"/app/static/{css}")
    assert page.status == 200
    assert page.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert page.header("Content-Type").startswith("text/css")
    assert ".nhsuk-header" in page.body and "assets.nhs.uk" not in page.body

    unknown = web.request("GET", "/app/static/nhsuk-frontend-0000000000000000.css")
    assert unknown.status == 404


# --- error pages ----------------------------------------------------------------------------------


def test_an_unexpected_error_shows_the_correlation_id_and_logs_no_case_text(
    web: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    case = web.submit(comments="Synthetic restricted remark 7731")

    def broken(*_: Any) -> Any:
        raise RuntimeError(f"failed while holding {case.comments}")

    web.service.get = broken  # type: ignore[method-assign,assignment]
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert page.status == 500
    correlation = re.search(r'class="app-correlation-id">([^<]+)<', page.body)
    assert correlation
    record = next(record for record in caplog.records if record.getMessage() == "unhandled error")
    assert record.__dict__["correlation_id"] == correlation.group(1)
    assert record.__dict__["error_type"] == "RuntimeError"
    assert all("7731" not in str(vars(logged)) for logged in caplog.records)


def test_a_refused_page_is_a_friendly_403_with_the_correlation_id(web: Harness) -> None:
    page = web.request("GET", "/app/cases/new", caller=VIEWER)
    assert page.status == 403
    assert "You cannot do this" in page.body and 'class="app-correlation-id"' in page.body
