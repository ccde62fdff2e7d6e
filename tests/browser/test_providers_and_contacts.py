"""Providers on the case pages and an ICB's reminder contacts, in a real browser, each page checked
by axe-core."""

import re
from typing import Any

import httpx

from local_stack.identity import issue_token
from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tests.browser.test_journeys import no_violations, saved, sign_in

BLACKPOOL = "Blackpool Teaching Hospitals NHS Foundation Trust (RXL)"
LANCASHIRE = "Lancashire Teaching Hospitals NHS Foundation Trust (RXN)"


def contacts_of(stack: LocalStack, icb: str) -> dict[str, Any]:
    """The contacts as the JSON API has them."""
    token = issue_token(stack.state, "icb_editor", icb)
    response = httpx.get(
        f"{stack.api_url}/icbs/{icb}/contacts", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_editor_names_two_providers_and_sees_them_on_the_case_page(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit(
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "Synthetic recommendation for the browser tests",
                "owner": "Synthetic owner",
                "dueDate": "2030-01-31",
                "status": "NOT_STARTED",
            }
        ]
    )
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1", f"/app/cases/{case['caseId']}/edit")

    page.fill("#providersInvolved", "RXL\nrxn")
    page.fill("#recommendations-0-ownerProviderCode", "RXN")
    no_violations(axe, page, "edit with providers")
    page.click("text=Find a provider's ODS code")  # the list of codes, opened
    assert page.locator("details table td:text-is('RXN')").is_visible()
    no_violations(axe, page, "edit with providers (codes listed)")
    page.click("text=Save changes")

    saved(page)
    details = page.locator("dl").first.inner_text()
    assert BLACKPOOL in details and LANCASHIRE in details
    recommendations = page.locator("table").first.inner_text()
    assert LANCASHIRE in recommendations
    no_violations(axe, page, "case with providers")
    stored = cases.get(case["caseId"])
    assert stored["providersInvolved"] == ["RXL", "RXN"]
    assert stored["recommendations"][0]["ownerProviderCode"] == "RXN"

    page.click("text=providers involved")  # the case page's link to that section of the form
    page.wait_for_url(re.compile(r".*/edit\?section=providers$"))
    assert page.input_value("#providersInvolved") == "RXL\nRXN"
    no_violations(axe, page, "edit, providers section")
    screenshot(page, "edit-providers")


def test_an_unknown_provider_code_is_named_in_the_error_summary(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit()
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1", f"/app/cases/{case['caseId']}/edit?section=providers")

    page.fill("#providersInvolved", "RXL\nZZZ99")
    page.click("text=Save changes")

    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for(state="visible")
    message = "Providers involved (ZZZ99) must be the ODS code of a known NHS provider"
    assert message in summary.inner_text()
    assert message in page.locator("#providersInvolved-error").inner_text()
    no_violations(axe, page, "edit providers with errors")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "providersInvolved"
    assert "providersInvolved" not in cases.get(case["caseId"])


def test_a_provider_sees_the_case_naming_it_without_restricted_text_or_edit_controls(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    named = cases.submit(
        providersInvolved=["RXN", "RXL"],
        caseInformation="Synthetic restricted case information for providers",
        comments="Synthetic restricted comment for providers",
    )
    not_named = cases.submit(providersInvolved=["R0A"])
    page = new_browser()
    sign_in(page, web_stack, "provider", "RXN")

    listed = page.locator("table a").all_inner_texts()
    assert named["reference"] in listed and not_named["reference"] not in listed
    assert page.locator("header >> text=Record a case").count() == 0
    assert page.locator("header >> text=Reminder contacts").count() == 0
    page.click(f"text={named['reference']}")
    page.wait_for_url(re.compile(rf".*/app/cases/{named['caseId']}$"))
    content = page.content()
    assert "Synthetic restricted" not in content
    assert "Case information" not in content and "Comments (restricted)" not in content
    assert page.locator("a[href$='/edit'], a:has-text('Edit'), button:has-text('Save')").count() == 0
    # Sign-out only (the session timeout dialog's own two forms, Stay signed in and Sign out, aside).
    assert page.locator("form:not(dialog form)").count() == 1
    details = page.locator("dl").first.inner_text()
    assert BLACKPOOL in details and LANCASHIRE in details
    no_violations(axe, page, "case (provider, named)")

    response = page.goto(f"{web_stack.api_url}/app/cases/{not_named['caseId']}")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert not_named["reference"] not in page.content()
    edit = page.goto(f"{web_stack.api_url}/app/cases/{named['caseId']}/edit")
    assert edit is not None and edit.status == 403


def test_an_editor_sets_the_contacts_a_viewer_reads_them_and_a_forged_post_is_refused(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    editor = new_browser()
    sign_in(editor, web_stack, "icb_editor", "QE1")
    editor.click("header >> text=Reminder contacts")
    editor.wait_for_url(re.compile(r".*/app/icbs/QE1/contacts$"))
    no_violations(axe, editor, "contacts (editor, none yet)")
    editor.fill("#emails", "safeguarding.lead@nhs.example\nsafeguarding.team@nhs.example")
    editor.click("text=Save contacts")

    editor.locator(".nhsuk-notification-banner--success").wait_for(state="visible")
    current = editor.locator("dl").first.inner_text()
    assert "safeguarding.lead@nhs.example" in current and "safeguarding.team@nhs.example" in current
    history = editor.locator("#history ~ table").first.inner_text()
    assert "safeguarding.team@nhs.example" in history
    assert "by An ICB editor at NHS Lancashire" in editor.locator("#history ~ h3").first.inner_text()
    no_violations(axe, editor, "contacts (editor)")
    screenshot(editor, "contacts")
    stored = contacts_of(web_stack, "QE1")
    assert stored["emails"] == ["safeguarding.lead@nhs.example", "safeguarding.team@nhs.example"]

    viewer = new_browser()
    sign_in(viewer, web_stack, "icb_viewer", "QE1")
    viewer.click("header >> text=Reminder contacts")
    viewer.wait_for_url(re.compile(r".*/app/icbs/QE1/contacts$"))
    assert "safeguarding.lead@nhs.example" in viewer.locator("dl").first.inner_text()
    assert viewer.locator("textarea, button:has-text('Save contacts')").count() == 0
    no_violations(axe, viewer, "contacts (viewer)")
    screenshot(viewer, "contacts-viewer")
    token = viewer.locator("input[name=csrfToken]").first.get_attribute("value")

    forged = viewer.request.post(
        f"{web_stack.api_url}/app/icbs/QE1/contacts",
        form={"csrfToken": token or "", "version": str(stored["version"]), "emails": "viewer@nhs.example"},
        max_redirects=0,
    )

    assert forged.status == 403
    assert "You cannot do this" in forged.text()
    assert contacts_of(web_stack, "QE1")["emails"] == stored["emails"]


def test_a_bad_address_shows_the_error_summary_naming_the_field(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QOP", "/app/icbs/QOP/contacts")
    page.fill("#emails", "safeguarding.lead@nhs.example\nnot-an-address")
    page.click("text=Save contacts")

    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for(state="visible")
    assert page.evaluate("document.activeElement.closest('.nhsuk-error-summary') !== null")
    message = "Email address 2 (not-an-address) must be an email address"
    assert message in summary.inner_text()
    assert message in page.locator("#emails-error").inner_text()
    assert page.input_value("#emails") == "safeguarding.lead@nhs.example\nnot-an-address"
    no_violations(axe, page, "contacts with errors")
    screenshot(page, "contacts-errors")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "emails"
    assert contacts_of(web_stack, "QOP")["emails"] == []
