"""A stale or mistyped link to a filtered list, in a real browser: the page says which filter it cannot
read (an NHS.UK error summary at the top, leading to the box) and lists nothing until it is
corrected, on the worklist and on a provider's recommendations; each error state checked by axe."""

import re

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases
from tests.browser.test_journeys import no_violations, sign_in


def test_a_bad_link_to_the_worklist_names_the_filter_and_lists_nothing_until_corrected(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit(reviewType="SAR", designatedProfessional="DESIGNATED_PROFESSIONAL_ADULTS")
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1")
    answer = page.goto(f"{web_stack.api_url}/app/?status=SHUT&reviewType=SAR")
    assert answer is not None and answer.status == 400
    assert page.title().startswith("Error: ")
    summary = page.locator(".nhsuk-error-summary")
    assert "Status: must be one of the choices offered" in summary.inner_text()
    assert page.locator("table").count() == 0
    assert "Correct the filters to see the cases." in page.locator("main").inner_text()
    no_violations(axe, page, "case list, a filter it cannot read")

    summary.locator("a[href='#filter-status']").click()
    assert page.evaluate("() => document.activeElement.id") == "filter-status"
    page.select_option("#filter-status", "OPEN")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r".*status=OPEN.*"))
    assert page.locator(".nhsuk-error-summary").count() == 0
    assert case["reference"] in page.locator("table").inner_text()


def test_a_bad_link_to_a_providers_recommendations_names_the_filter_and_offers_no_download(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "provider", "RBT", "/app/recommendations")
    answer = page.goto(f"{web_stack.api_url}/app/recommendations?dueSoon=soon")
    assert answer is not None and answer.status == 400
    summary = page.locator(".nhsuk-error-summary")
    assert "Due soon" in summary.inner_text()
    assert summary.locator("a[href='#filter-dueSoon']").count() == 1
    assert page.get_by_text("Download these recommendations (CSV)").count() == 0
    assert "Correct the filters to see the recommendations." in page.locator("main").inner_text()
    no_violations(axe, page, "a provider's recommendations, a filter it cannot read")
