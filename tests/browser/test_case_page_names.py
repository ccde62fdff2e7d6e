"""People, not identifiers, in a real browser (issue 19 item 6): the history names who made each
version (or their role at their organisation when no name was recorded), the conflict page knows
the nurse's own save in another tab, and a save that changes nothing says so. Each page is checked
by axe-core."""

import re
from datetime import timedelta
from typing import Any

import httpx

from local_stack.identity import issue_token
from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser
from tests.browser.test_journeys import no_violations, saved, sign_in
from tracker import clock
from tracker.reference import reference_data

IDENTIFIER = re.compile(r"icb_editor:QE1:|local-icb_editor")
NURSE = "Sam Sample"  # made up


def record_as_the_forms_platform(stack: LocalStack) -> dict[str, Any]:
    """A case recorded through the API with a token that names nobody, as the forms platform's are."""
    today = clock.today_london()
    body = {
        "icbCode": "QE1",
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": (today - timedelta(days=40)).isoformat(),
        "dateAdded": (today - timedelta(days=30)).isoformat(),
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children's Safeguarding Partnership",
        "themes": ["NEGLECT"],
    }
    token = issue_token(stack.state, "icb_editor", "QE1", name=None)
    response = httpx.post(
        f"{stack.api_url}/cases", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def sign_in_as(page: Any, stack: LocalStack, name: str, path: str) -> None:
    """Signing in at the local identity provider under a made-up name."""
    page.goto(f"{stack.api_url}{path}")
    page.fill("input[name=name]", name)
    page.select_option("select[name=role]", "icb_editor")
    page.fill("input[name=org]", "QE1")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(stack.api_url) + r"/app/.*"))


def newest_version_heading(page: Any) -> str:
    return str(page.locator("#history ~ h3").first.inner_text())


def qe1_name() -> str:
    icb = reference_data().icb("QE1")
    assert icb is not None
    return icb.name


def test_a_version_without_a_name_reads_as_the_role_at_its_organisation(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    case = record_as_the_forms_platform(web_stack)
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1", f"/app/cases/{case['caseId']}")

    heading = newest_version_heading(page)
    assert f"by An ICB editor at {qe1_name()}" in heading
    assert not IDENTIFIER.search(page.content())
    no_violations(axe, page, "case page, recorded by the forms platform")


def test_the_nurses_change_is_not_shown_by_identifier_and_an_empty_save_says_so(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    case = record_as_the_forms_platform(web_stack)
    page = new_browser()
    sign_in_as(page, web_stack, NURSE, f"/app/cases/{case['caseId']}/edit?section=references")
    page.fill("#localReference", "LR-browser-names")
    page.click("text=Save changes")
    saved(page)
    assert not IDENTIFIER.search(page.content())

    page.goto(f"{web_stack.api_url}/app/cases/{case['caseId']}/edit?section=references")
    page.click("text=Save changes")  # nothing changed

    banner = page.locator(".nhsuk-notification-banner")
    banner.wait_for(state="visible")
    assert "No changes were saved" in banner.inner_text()
    assert newest_version_heading(page).startswith("Version 2:")  # no third version
    no_violations(axe, page, "case page, nothing changed")


def test_the_history_names_the_nurse_who_signed_in(web_stack: LocalStack, new_browser: Browser) -> None:
    case = record_as_the_forms_platform(web_stack)
    page = new_browser()
    sign_in_as(page, web_stack, NURSE, f"/app/cases/{case['caseId']}/edit?section=references")
    page.fill("#localReference", "LR-browser-named")
    page.click("text=Save changes")
    saved(page)

    assert f"by {NURSE}" in newest_version_heading(page)


def test_the_conflict_page_says_the_nurse_saved_in_another_tab(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    case = record_as_the_forms_platform(web_stack)
    first_tab = new_browser()
    edit = f"/app/cases/{case['caseId']}/edit?section=references"
    sign_in_as(first_tab, web_stack, NURSE, edit)
    second_tab = first_tab.context.new_page()  # the same session, another tab
    second_tab.goto(f"{web_stack.api_url}{edit}")
    second_tab.fill("#localReference", "LR-second-tab")
    second_tab.click("text=Save changes")
    saved(second_tab)

    first_tab.fill("#localReference", "LR-first-tab")
    first_tab.click("text=Save changes")

    first_tab.locator("h1").filter(has_text="You saved this case elsewhere first").wait_for()
    text = first_tab.locator("main").inner_text()
    assert "You saved this case in another tab or window at" in text
    assert "Someone else" not in text and "someone else" not in text
    assert not IDENTIFIER.search(first_tab.content())
    no_violations(axe, first_tab, "conflict page, saved in another tab")


def test_two_people_of_one_icb_meet_on_the_conflict_page_without_identifiers(
    web_stack: LocalStack, new_browser: Browser
) -> None:
    case = record_as_the_forms_platform(web_stack)
    edit = f"/app/cases/{case['caseId']}/edit?section=references"
    first, second = new_browser(), new_browser()
    sign_in_as(first, web_stack, "Alex Example", edit)
    sign_in_as(second, web_stack, NURSE, edit)  # another made-up name: another person
    first.fill("#localReference", "LR-first-person")
    first.click("text=Save changes")
    saved(first)

    second.fill("#localReference", "LR-second-person")
    second.click("text=Save changes")

    second.locator("h1").filter(has_text="Someone else saved this case first").wait_for()
    text = second.locator("main").inner_text()
    assert "Alex Example saved version 2 while you were editing" in text
    assert "You saved" not in text
    assert not IDENTIFIER.search(second.content())
