"""A form sent after its session ended is kept, sealed, for the person who typed it: they sign in
again and come back to the same form filled in, to check and save (never saved by itself).

The seal: altered, sealed by another key, or older than ``KEPT_FORM_SECONDS``, it does not open;
opened, it is shown only to the same subject, on its own page, and the CSRF check still holds.
"""

import re
import secrets
from html import unescape

import pytest

from tests.support.web_sessions import IDLE_SECONDS, Clock, Kept, set_cookie, with_moving_clock
from tests.unit.web.conftest import EDITOR, OTHER_EDITOR, Harness
from tracker.web.session import (
    ENDED_SESSION_COOKIE_SECONDS,
    KEPT_FORM_MAX_SEALED_BYTES,
    KEPT_FORM_SECONDS,
    CookieSealer,
    KeptForm,
)

TYPED = "Synthetic learning typed before the session ended: the panel met twice."


def _form_fields(body: str) -> dict[str, list[str]]:
    """The main form's fields as the browser would send them back."""
    form = re.search(r'<form[^>]*id="main-form".*?</form>', body, re.S)
    assert form, "no form on the page"
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("radio", "checkbox") and " checked" not in tag):
            continue
        fields.setdefault(name.group(1), []).append(unescape(value.group(1)) if value else "")
    for name, selected in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form.group(0), re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', selected)
        fields[name] = [chosen.group(1) if chosen else ""]
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form.group(0), re.S):
        fields[name] = [unescape(text.strip())]
    return fields


@pytest.fixture
def kept(web: Harness) -> Kept:
    return with_moving_clock(web)


def _typed_edit(kept: Kept, cookie: str, case_id: str) -> dict[str, list[str]]:
    page = kept.web.request(
        "GET", f"/app/cases/{case_id}/edit", cookie=cookie, query={"section": "restricted"}
    )
    assert page.status == 200, page.body
    fields = _form_fields(page.body)
    fields["csrfToken"] = [page.csrf()]
    fields["comments"] = [TYPED]
    return fields


# --- the seal ----------------------------------------------------------------------------------


def _sealer(clock: Clock, key: bytes | None = None) -> CookieSealer:
    return CookieSealer(key or secrets.token_bytes(32), IDLE_SECONDS, clock=clock)


def _form(sub: str = "editor-1") -> KeptForm:
    return KeptForm(
        "form-id-1", sub, "/app/cases/c1/edit?section=restricted", {"comments": [TYPED], "version": ["3"]}
    )


def test_a_kept_form_opens_as_sealed_and_reads_as_nothing_without_the_key() -> None:
    clock = Clock()
    sealer = _sealer(clock)
    sealed = sealer.seal_kept_form(_form())

    assert sealer.open_kept_form(sealed) == _form()
    assert TYPED.encode() not in sealed and b"editor-1" not in sealed
    assert _sealer(clock).open_kept_form(sealed) is None  # another key


def test_an_altered_kept_form_does_not_open() -> None:
    sealer = _sealer(Clock())
    sealed = bytearray(sealer.seal_kept_form(_form()))
    for position in (10, len(sealed) // 2, len(sealed) - 5):
        altered = bytearray(sealed)
        altered[position] = ord("A") if altered[position] != ord("A") else ord("B")
        assert sealer.open_kept_form(bytes(altered)) is None, position
    assert sealer.open_kept_form(b"\xff\xfe not a token") is None


def test_a_kept_form_expires_after_its_half_hour() -> None:
    clock = Clock()
    sealer = _sealer(clock)
    sealed = sealer.seal_kept_form(_form())

    clock.advance(KEPT_FORM_SECONDS - 1)
    assert sealer.open_kept_form(sealed) is not None
    clock.advance(2)
    assert sealer.open_kept_form(sealed) is None


def test_a_session_cookie_is_never_a_kept_form_nor_a_kept_form_a_session() -> None:
    sealer = _sealer(Clock())
    session = sealer.new_session("editor-1", "icb_editor", "QE1")
    assert sealer.open_kept_form(sealer.seal_session(session).encode()) is None
    assert sealer.open_session(sealer.seal_kept_form(_form()).decode()) is None


def test_the_session_cookie_outlives_the_session_so_a_late_form_is_known_to_be_its_persons() -> None:
    clock = Clock()
    sealer = _sealer(clock)
    session = sealer.new_session("editor-1", "icb_editor", "QE1")
    token = sealer.seal_session(session)

    clock.advance(IDLE_SECONDS + 1)
    assert sealer.open_session(token) is None  # ended: never a session again
    assert sealer.open_ended_session(token) == session  # but it says whose form this is
    assert session.cookie_seconds(int(clock())) > IDLE_SECONDS

    clock.advance(12 * 60 * 60 + ENDED_SESSION_COOKIE_SECONDS)
    assert sealer.open_ended_session(token) is None


# --- the journey ---------------------------------------------------------------------------------


def test_a_form_sent_after_the_session_ended_comes_back_filled_in_after_signing_in(kept: Kept) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    kept.clock.advance(IDLE_SECONDS + 60)  # the nurse was called away

    sent = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)

    edit_path = f"/app/cases/{case.case_id}/edit?section=restricted"
    assert sent.status == 303
    assert sent.location == "/app/sign-in?next=" + edit_path.replace("/", "%2F").replace("?", "%3F").replace(
        "=", "%3D"
    )
    kept_cookie = set_cookie(sent, kept.web.app.cookies.kept_form_name)
    assert len(kept.forms.items) == 1
    assert kept.web.store.cases[case.case_id].comments is None  # nothing saved

    session = kept.sign_in(EDITOR, edit_path)
    back = kept.web.request(
        "GET",
        f"/app/cases/{case.case_id}/edit",
        cookie=f"{session}; {kept_cookie}",
        query={"section": "restricted"},
    )

    assert back.status == 200
    assert "Your session ended. We kept what you typed: check it and save." in back.body
    again = _form_fields(back.body)
    assert again["comments"] == [TYPED]
    assert again["version"] == fields["version"]
    assert again["csrfToken"] != fields["csrfToken"]  # the new session's token
    assert kept.forms.items == {}  # shown once, then let go
    assert any(
        h.startswith(f"{kept.web.app.cookies.kept_form_name}=;") and "Max-Age=0" in h
        for h in back.headers["Set-Cookie"]
    )
    assert kept.web.store.cases[case.case_id].comments is None  # still nothing saved: they check it first

    saved = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=session, form=again)
    assert saved.status == 303 and saved.location.endswith("?saved=1")
    assert kept.web.store.cases[case.case_id].comments == TYPED


def test_a_kept_form_is_shown_to_nobody_but_the_person_who_typed_it(kept: Kept) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    kept.clock.advance(IDLE_SECONDS + 60)
    sent = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)
    kept_cookie = set_cookie(sent, kept.web.app.cookies.kept_form_name)

    colleague = kept.sign_in(OTHER_EDITOR, f"/app/cases/{case.case_id}/edit?section=restricted")
    page = kept.web.request(
        "GET",
        f"/app/cases/{case.case_id}/edit",
        cookie=f"{colleague}; {kept_cookie}",
        query={"section": "restricted"},
    )

    assert page.status == 200
    assert TYPED not in page.body and "We kept what you typed" not in page.body
    assert len(kept.forms.items) == 1  # still waiting for its person


def test_a_kept_form_waits_for_its_own_page(kept: Kept) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    kept.clock.advance(IDLE_SECONDS + 60)
    sent = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)
    kept_cookie = set_cookie(sent, kept.web.app.cookies.kept_form_name)
    session = kept.sign_in(EDITOR, "/app/")

    other_section = kept.web.request(
        "GET",
        f"/app/cases/{case.case_id}/edit",
        cookie=f"{session}; {kept_cookie}",
        query={"section": "dates"},
    )

    assert other_section.status == 200 and TYPED not in other_section.body
    assert len(kept.forms.items) == 1


def test_a_kept_form_is_not_shown_after_its_half_hour(kept: Kept) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    kept.clock.advance(IDLE_SECONDS + 60)
    sent = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)
    kept_cookie = set_cookie(sent, kept.web.app.cookies.kept_form_name)
    kept.clock.advance(KEPT_FORM_SECONDS + 1)
    session = kept.sign_in(EDITOR, "/app/")
    # The store's expiry passed as well; the seal alone must also refuse, as DynamoDB's TTL lags.
    kept.forms.items = {key: (sealed, 2**40) for key, (sealed, _) in kept.forms.items.items()}

    page = kept.web.request(
        "GET",
        f"/app/cases/{case.case_id}/edit",
        cookie=f"{session}; {kept_cookie}",
        query={"section": "restricted"},
    )

    assert page.status == 200 and TYPED not in page.body


def test_a_form_without_its_sessions_csrf_token_is_not_kept(kept: Kept) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    fields["csrfToken"] = ["forged"]
    kept.clock.advance(IDLE_SECONDS + 60)

    sent = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)

    assert sent.status == 303 and sent.location == "/app/sign-in?next=%2Fapp%2F"
    assert kept.forms.items == {}
    assert not any(
        h.startswith(kept.web.app.cookies.kept_form_name) for h in sent.headers.get("Set-Cookie", [])
    )


def test_a_form_sent_without_any_session_cookie_or_after_signing_out_is_not_kept(kept: Kept) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)

    nobody = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", form=fields)
    kept.web.request("POST", "/app/sign-out", cookie=cookie, form={"csrfToken": fields["csrfToken"]})
    signed_out = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)

    assert nobody.status == signed_out.status == 303
    assert kept.forms.items == {}


def test_the_restored_form_still_needs_the_new_sessions_csrf_token(kept: Kept) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    kept.clock.advance(IDLE_SECONDS + 60)
    kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)
    session = kept.sign_in(EDITOR, "/app/")

    replayed = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=session, form=fields)

    assert replayed.status == 403
    assert kept.web.store.cases[case.case_id].comments is None


def test_a_recorded_case_form_comes_back_with_its_submission_key(kept: Kept) -> None:
    cookie = kept.session_cookie(EDITOR)
    page = kept.web.request("GET", "/app/cases/new", cookie=cookie)
    fields = _form_fields(page.body)
    # Whichever text box the form's first page asks for (its sections change; the keeping does not).
    box = re.search(
        r'<(?:textarea|input)[^>]*class="nhsuk-(?:textarea|input)[^"]*"[^>]*name="([^"]+)"', page.body
    )
    if box is None:
        box = re.search(
            r'<(?:textarea|input)[^>]*name="([^"]+)"[^>]*class="nhsuk-(?:textarea|input)', page.body
        )
    assert box, "no text box on the first page"
    fields["csrfToken"] = [page.csrf()]
    fields[box.group(1)] = [TYPED]
    kept.clock.advance(IDLE_SECONDS + 60)
    sent = kept.web.request("POST", "/app/cases/new", cookie=cookie, form=fields)
    kept_cookie = set_cookie(sent, kept.web.app.cookies.kept_form_name)
    session = kept.sign_in(EDITOR, "/app/cases/new")

    back = kept.web.request("GET", "/app/cases/new", cookie=f"{session}; {kept_cookie}")

    again = _form_fields(back.body)
    assert again[box.group(1)] == [TYPED]
    assert again["submissionKey"] == fields["submissionKey"]  # sending it twice still records one case


def test_a_form_too_large_to_keep_is_refused_plainly_not_stored(
    kept: Kept, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracker.web.app as app_module

    monkeypatch.setattr(app_module, "KEPT_FORM_MAX_SEALED_BYTES", 100)
    assert KEPT_FORM_MAX_SEALED_BYTES > 100
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    kept.clock.advance(IDLE_SECONDS + 60)

    sent = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)

    assert sent.status == 303 and kept.forms.items == {}


def test_nothing_typed_is_logged_when_a_form_is_kept(kept: Kept, caplog: pytest.LogCaptureFixture) -> None:
    case = kept.web.submit()
    cookie = kept.session_cookie(EDITOR)
    fields = _typed_edit(kept, cookie, case.case_id)
    kept.clock.advance(IDLE_SECONDS + 60)
    sent = kept.web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=fields)
    kept_cookie = set_cookie(sent, kept.web.app.cookies.kept_form_name)
    session = kept.sign_in(EDITOR, f"/app/cases/{case.case_id}/edit?section=restricted")
    kept.web.request(
        "GET",
        f"/app/cases/{case.case_id}/edit",
        cookie=f"{session}; {kept_cookie}",
        query={"section": "restricted"},
    )

    messages = [record.getMessage() for record in caplog.records]
    assert "form sent after its session ended kept" in messages and "kept form shown again" in messages
    logged = " ".join(str(vars(record)) for record in caplog.records)
    form_id = kept_cookie.split("=", 1)[1]
    for secret in (TYPED, form_id, EDITOR.sub):
        assert secret not in logged


@pytest.mark.parametrize("alphabet", [range(33, 127), range(0x4E00, 0xA000), range(0x1F300, 0x1F600)])
def test_the_largest_case_text_of_any_script_fits_the_store_once_sealed(alphabet: range) -> None:
    from random import Random

    from tracker.logic.cases import MAX_CASE_BYTES

    chooser = Random(19)
    characters = [chr(code) for code in alphabet]
    text = ""
    while len(text.encode()) < MAX_CASE_BYTES:
        text += "".join(chooser.choice(characters) for _ in range(1024))
    sealed = _sealer(Clock()).seal_kept_form(
        KeptForm("form-id", "editor-1", "/app/cases/new", {"comments": [text]})
    )
    assert len(sealed) <= KEPT_FORM_MAX_SEALED_BYTES
