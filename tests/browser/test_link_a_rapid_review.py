"""The nurse links a review to the rapid review it came from by the rapid review's reference, as she
knows it (issue 19 item 3): a reference she cannot see is an error beside the box, a right one is
saved, and the case page links the rapid review by its reference, never by an id."""

import re
from datetime import timedelta

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases
from tests.browser.test_journeys import no_violations, saved, sign_in
from tests.browser.test_record_a_case import fill_date
from tracker import clock

UNKNOWN_REFERENCE = "QE1-2099-9999"  # made up: no case has it


def test_a_nurse_links_a_rapid_review_by_its_reference(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    rapid = cases.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW")
    review = cases.submit()
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1", f"/app/cases/{review['caseId']}/edit")

    page.fill("#convertedFromCaseId", UNKNOWN_REFERENCE)
    fill_date(page, "convertedDate", clock.today_london() - timedelta(days=5))
    page.click("text=Save changes")
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for(state="visible")
    assert f"No rapid review with reference {UNKNOWN_REFERENCE}" in summary.inner_text()
    no_violations(axe, page, "edit, a rapid review's reference not found")

    page.fill("#convertedFromCaseId", rapid["reference"])
    page.click("text=Save changes")
    saved(page)
    main = page.locator("main")
    assert rapid["caseId"] not in main.inner_text()  # people read references, not ids
    no_violations(axe, page, "case, linked to its rapid review")

    main.get_by_role("link", name=rapid["reference"]).first.click()
    page.wait_for_url(re.compile(rf".*/app/cases/{rapid['caseId']}(\?.*)?$"))
    assert page.locator("h1").inner_text().endswith(rapid["reference"])
