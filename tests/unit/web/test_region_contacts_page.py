"""A regional team's reminder contacts page (issue 20 item 5): the same page as an ICB's, for the
region's contacts, kept by that regional team alone, saying what its weekly digest lists."""

import re
from html import unescape
from typing import Any

import pytest

from tests.unit.web.conftest import EDITOR, NATIONAL, REGIONAL, Harness
from tests.unit.web.test_pages import edit_form_from, text_of
from tracker.access import Caller
from tracker.logic.commands import ReplaceContacts, VersionCondition
from tracker.models.enums import Role

PAGE = "/app/regions/Y62/contacts"


def _form(web: Harness) -> dict[str, list[str]]:
    page = web.request("GET", PAGE, caller=REGIONAL)
    assert page.status == 200, page.body
    form = edit_form_from(page.body)
    textarea = re.search(r'<textarea[^>]*name="emails"[^>]*>(.*?)</textarea>', page.body, re.S)
    assert textarea, "no emails box"
    form["emails"] = [unescape(textarea.group(1))]
    return {name: values for name, values in form.items() if name in ("version", "emails")}


def _post(web: Harness, form: dict[str, list[str]], caller: Caller = REGIONAL) -> Any:
    cookie = web.cookie_for(caller)
    form = {**form, "csrfToken": [web.request("GET", "/app/", cookie=cookie).csrf()]}
    return web.request("POST", PAGE, cookie=cookie, form=form)


def test_the_regional_team_sets_its_contacts_and_the_page_says_what_the_digest_lists(web: Harness) -> None:
    form = _form(web)
    empty = text_of(web.request("GET", PAGE, caller=REGIONAL).body)
    assert "North West" in empty and "waiting for the regional answer" in empty
    saved = _post(web, {**form, "emails": ["regional.lead@nhs.example\nregional.team@nhs.example"]})
    assert saved.status == 303 and saved.location.endswith(f"{PAGE}?saved=1")
    assert web.contact_store.current["Y62"].emails == [
        "regional.lead@nhs.example",
        "regional.team@nhs.example",
    ]
    shown = text_of(web.request("GET", PAGE, caller=REGIONAL, query={"saved": "1"}).body)
    assert "The contacts were saved." in shown and "regional.team@nhs.example" in shown


def test_a_stale_save_writes_nothing_and_shows_the_conflict(web: Harness) -> None:
    form = _form(web)
    web.contacts.replace_region(
        Caller(Role.REGIONAL, "Y62", "regional-2"),
        ReplaceContacts("Y62", {"emails": ["first.saver@nhs.example"]}, VersionCondition(frozenset({0}))),
    )
    conflict = _post(web, {**form, "emails": ["second.saver@nhs.example"]})
    assert conflict.status == 409
    assert web.contact_store.current["Y62"].emails == ["first.saver@nhs.example"]
    assert "Someone else saved these contacts first" in text_of(conflict.body)


@pytest.mark.parametrize(
    ("caller", "status"),
    [(NATIONAL, 403), (Caller(Role.REGIONAL, "Y56", "r"), 404), (EDITOR, 404)],
)
def test_nobody_else_reads_or_changes_them(web: Harness, caller: Caller, status: int) -> None:
    assert web.request("GET", PAGE, caller=caller).status == status
    assert _post(web, {"version": ["0"], "emails": ["someone@nhs.example"]}, caller).status == status
    assert "Y62" not in web.contact_store.current


def test_the_icb_page_does_not_answer_for_a_region(web: Harness) -> None:
    assert web.request("GET", "/app/icbs/Y62/contacts", caller=REGIONAL).status == 404
