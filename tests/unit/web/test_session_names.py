"""The web session keeps the person's name from the identity provider's name claim, so a change
made through the pages records who made it by name (issue 19 item 6), as the API does."""

import pytest

from tests.support.web_sessions import Kept, set_cookie, with_moving_clock
from tests.unit.web.conftest import Harness

NURSE = "Sam Sample"  # made up


@pytest.fixture
def named(web: Harness) -> Kept:
    return with_moving_clock(web)


def _signed_in(kept: Kept, claims: dict[str, object]) -> str:
    web = kept.web
    started = web.request("GET", "/app/sign-in", query={"next": "/app/"})
    state = started.location.split("state=", 1)[1]
    web.oidc.claims = dict(claims)
    back = web.request(
        "GET",
        "/app/callback",
        query={"code": "c0de", "state": state},
        cookie=set_cookie(started, web.app.cookies.sign_in_name),
    )
    assert back.status == 303
    return set_cookie(back, web.app.cookies.session_name)


def _save_local_reference(kept: Kept, cookie: str, value: str) -> str:
    case = kept.web.submit()
    path = f"/app/cases/{case.case_id}/edit"
    page = kept.web.request("GET", path, cookie=cookie, query={"section": "identifiers"})
    assert page.status == 200, page.body
    saved = kept.web.request(
        "POST",
        path,
        cookie=cookie,
        form={
            "csrfToken": page.csrf(),
            "version": str(case.version),
            "section": "identifiers",
            "localReference": value,
        },
    )
    assert saved.status == 303, saved.body
    return case.case_id


def test_a_change_made_through_the_pages_records_the_name_the_identity_provider_gave(named: Kept) -> None:
    cookie = _signed_in(named, {"role": "icb_editor", "org": "QE1", "sub": "nurse-1", "name": NURSE})

    case_id = _save_local_reference(named, cookie, "LR-NAMED-1")

    assert named.web.store.cases[case_id].updated_by_name == NURSE


def test_without_a_name_claim_the_change_records_no_name(named: Kept) -> None:
    cookie = _signed_in(named, {"role": "icb_editor", "org": "QE1", "sub": "nurse-2"})

    case_id = _save_local_reference(named, cookie, "LR-NAMED-2")

    assert named.web.store.cases[case_id].updated_by_name is None


def test_a_session_sealed_before_sessions_carried_a_name_still_opens(named: Kept) -> None:
    sealer = named.web.sealer
    session = sealer.new_session("nurse-3", "icb_editor", "QE1")
    old_shape = {name: value for name, value in session.__dict__.items() if name != "name"}
    token = sealer._seal(b"session", old_shape)  # as a cookie sealed before this change reads

    opened = sealer.open_session(token)

    assert opened is not None and opened.sub == "nurse-3" and opened.name is None
