"""Compressed pages never carry the session's CSRF token as the same bytes twice (BREACH).

Pages are gzipped (API Gateway from 1 KB) and the list page echoes its search text, so a token that
stayed the same on every response could be guessed a character at a time from response sizes. Each
response carries the token under a fresh pad; the app takes the pad off before comparing.
"""

from tests.unit.web.conftest import EDITOR, Harness
from tracker.web.session import csrf_token_matches, mask_csrf_token


def _session_token(web: Harness, cookie: str) -> str:
    sealed = cookie.split("=", 1)[1]
    session = web.sealer.open_session(sealed)
    assert session is not None
    return session.csrf_token


def test_each_page_carries_the_token_under_a_different_pad_and_never_as_the_session_holds_it(
    web: Harness,
) -> None:
    cookie = web.cookie_for(EDITOR)
    token = _session_token(web, cookie)

    first = web.request("GET", "/app/", cookie=cookie)
    second = web.request("GET", "/app/", cookie=cookie)

    assert first.status == second.status == 200
    assert first.csrf() != second.csrf()
    assert token not in first.body and token not in second.body
    assert csrf_token_matches(first.csrf(), token) and csrf_token_matches(second.csrf(), token)


def test_a_masked_token_from_a_page_is_accepted_and_one_from_another_session_is_refused(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    other = web.cookie_for(EDITOR)  # a second session of the same person: its own token
    page = web.request("GET", "/app/", cookie=cookie)
    elsewhere = web.request("GET", "/app/", cookie=other)

    signed_out = web.request("POST", "/app/sign-out", cookie=cookie, form={"csrfToken": elsewhere.csrf()})
    assert signed_out.status == 403

    signed_out = web.request("POST", "/app/sign-out", cookie=cookie, form={"csrfToken": page.csrf()})
    assert signed_out.status == 303


def test_unmasking_refuses_what_is_not_a_masked_token() -> None:
    token = "t" * 43
    masked = mask_csrf_token(token)

    assert csrf_token_matches(masked, token)
    assert not csrf_token_matches(masked[:-4], token)
    assert not csrf_token_matches("not base64 at all!", token)
    assert not csrf_token_matches(mask_csrf_token("u" * 43), token)
    assert not csrf_token_matches("", token)
