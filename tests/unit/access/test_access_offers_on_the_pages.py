"""What the pages offer each caller, now that the access policy answers it: the header's links, the
edit control's words, and the edit form's fields (the domain still judges every save)."""

import re

import pytest

from tests.unit.web.conftest import EDITOR, FOREIGN_EDITOR, NATIONAL, REGIONAL, VIEWER, Harness
from tracker.access import Caller
from tracker.models.enums import Role

PROVIDER = Caller(Role.PROVIDER, "RXL", "provider-1")
HEADER_LINKS = [
    (EDITOR, ["Cases", "Record a case", "Import cases", "Reminder contacts", "Overview"]),
    (VIEWER, ["Cases", "Reminder contacts", "Overview"]),  # its own ICB's figures
    (REGIONAL, ["Cases", "Reminder contacts", "Overview"]),  # its own region's contacts
    (NATIONAL, ["Cases", "Overview"]),
    (PROVIDER, ["Cases", "Recommendations", "Overview"]),  # its trust's recommendations, counted and listed
]


def _navigation(body: str) -> list[str]:
    """The header's links, by their words (the current page's wrapped in a fallback element)."""
    links = re.findall(r'<a class="nhsuk-header__navigation-link"[^>]*>(.*?)</a>', body, re.S)
    return [re.sub(r"<[^>]+>", "", link).strip() for link in links]


@pytest.mark.parametrize(
    ("caller", "links"), HEADER_LINKS, ids=lambda value: getattr(value, "audit_name", "")
)
def test_the_header_offers_each_caller_what_it_may_use(
    web: Harness, caller: Caller, links: list[str]
) -> None:
    page = web.request("GET", "/app/", caller=caller)
    assert page.status == 200
    assert _navigation(page.body) == links


def test_the_contacts_link_goes_to_the_callers_own_icb(web: Harness) -> None:
    body = web.request("GET", "/app/", caller=FOREIGN_EDITOR).body
    assert 'href="/app/icbs/QOP/contacts"' in body and "/app/icbs/QE1/contacts" not in body


def test_the_regional_team_is_asked_its_question_and_an_editor_to_edit(web: Harness) -> None:
    case = web.submit(reviewType="DHR")
    regional_page = web.request("GET", f"/app/cases/{case.case_id}", caller=REGIONAL).body
    editor_page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR).body
    assert "Answer the DHR question" in regional_page and "Edit this case" not in regional_page
    assert "Edit this case" in editor_page and "Answer the DHR question" not in editor_page
    regional_form = web.request("GET", f"/app/cases/{case.case_id}/edit", caller=REGIONAL).body
    editor_form = web.request("GET", f"/app/cases/{case.case_id}/edit", caller=EDITOR).body
    assert re.search(r"</span>Answer the DHR question</h1>", regional_form)
    assert re.search(r"</span>Edit case</h1>", editor_form)


def test_an_editor_edits_the_dhr_question_only_on_a_dhr(web: Harness) -> None:
    dhr = web.submit(reviewType="DHR")
    sar = web.submit(reviewType="SAR")
    on_dhr = web.request("GET", f"/app/cases/{dhr.case_id}/edit", caller=EDITOR).body
    on_sar = web.request("GET", f"/app/cases/{sar.case_id}/edit", caller=EDITOR).body
    assert 'name="icbChiefNurseAssuredDhrHealthRecs"' in on_dhr
    assert 'name="icbChiefNurseAssuredDhrHealthRecs"' not in on_sar
    assert "regionalChiefNurseContentToAcceptDhrHealthRecs" not in on_dhr + on_sar
