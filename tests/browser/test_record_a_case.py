"""Recording a case in a real browser, a section a page (issue 19 items 2, 3 and 7): a mistake is
named in plain English and its link goes to the box that is wrong; a DHR gets its questions and
another review type does not; several recommendations at once; all of it without JavaScript too.
Each page is checked by axe-core."""

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.browser.conftest import CHROMIUM_ARGS, AxeResults, Browser, screenshot
from tests.browser.test_journeys import no_violations, saved, sign_in
from tracker import clock


@pytest.fixture
def browser_without_javascript(chromium: Path, playwright_driver: Any) -> Iterator[Any]:
    """A browser with JavaScript switched off: every step must work with the server alone."""
    profile = tempfile.mkdtemp(prefix="scrt-chromium-nojs-")
    context = playwright_driver.chromium.launch_persistent_context(
        profile,
        executable_path=str(chromium),
        args=CHROMIUM_ARGS,
        headless=True,
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    yield context.pages[0] if context.pages else context.new_page()
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


def press(page: Any, button: str) -> None:
    """Press a button of the form and wait for the page it answers with."""
    with page.expect_navigation():
        page.locator(f"button:has-text('{button}')").first.click()


def fill_date(page: Any, prefix: str, day: date) -> None:
    page.fill(f"#{prefix}-day", str(day.day))
    page.fill(f"#{prefix}-month", str(day.month))
    page.fill(f"#{prefix}-year", str(day.year))


def the_review(page: Any, review_type: str, theme: str) -> None:
    page.select_option("#reviewType", review_type)
    page.check("input[name=status][value=OPEN]")
    page.select_option("#stage", "IN_PROGRESS")
    page.select_option("#designatedProfessional", "DESIGNATED_NURSE_CHILDREN")
    page.fill("#safeguardingPartnership", "Synthetic Community Safety Partnership")
    page.check(f"input[name=themes][value={theme}]")


def continue_to(page: Any, title: str) -> None:
    while not page.title().startswith(title):
        press(page, "Continue")


def recommendation(page: Any, index: int, text: str, due: date) -> None:
    prefix = f"#recommendations-{index}-"
    page.select_option(prefix + "theme", "DOMESTIC_ABUSE")
    page.fill(prefix + "text", text)
    page.fill(prefix + "owner", "Synthetic owner")
    fill_date(page, f"recommendations-{index}-dueDate", due)
    page.select_option(prefix + "status", "NOT_STARTED")


def test_a_nurse_records_a_dhr_correcting_a_date_and_adding_two_recommendations(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1", "/app/cases/new")
    the_review(page, "DHR", "DOMESTIC_ABUSE")
    press(page, "Continue")
    assert page.title() == "Dates - Record a case - Safeguarding case reviews - NHS England"
    assert "section 2 of 8" in page.locator("h1").inner_text()

    added = clock.today_london() - timedelta(days=5)
    fill_date(page, "incidentDate", added - timedelta(days=30))
    page.fill("#incidentDate-month", "13")
    fill_date(page, "dateAdded", added)
    press(page, "Continue")

    summary = page.locator(".nhsuk-error-summary a")
    assert summary.all_inner_texts() == ["Incident date must be a real date"]
    assert page.title().startswith("Error: Dates - Record a case")
    no_violations(axe, page, "record a case, a date that is not real")
    screenshot(page, "record-a-case-error")
    summary.first.click()
    assert page.evaluate("document.activeElement.id") == "incidentDate-month"  # the box that is wrong
    page.fill("#incidentDate-month", str((added - timedelta(days=30)).month))
    press(page, "Continue")

    continue_to(page, "Recommendations")
    no_violations(axe, page, "record a case, recommendations")
    recommendation(page, 0, "Synthetic first recommendation", added + timedelta(days=90))
    recommendation(page, 1, "Synthetic second recommendation", added + timedelta(days=120))
    press(page, "Continue")
    assert page.title().startswith("Domestic homicide review questions - Record a case")
    no_violations(axe, page, "record a case, DHR questions")
    page.check("input[name=icbChiefNurseAssuredDhrHealthRecs][value=YES]")
    press(page, "Continue")

    assert page.title().startswith("Check the case before you record it")
    checked = page.locator("main").inner_text()
    assert "Synthetic first recommendation" in checked and "Synthetic second recommendation" in checked
    no_violations(axe, page, "record a case, check the answers")
    screenshot(page, "record-a-case-check")
    press(page, "Record the case")

    saved(page)
    shown = page.locator("main").inner_text()
    assert "Synthetic first recommendation" in shown and "Synthetic second recommendation" in shown


def test_without_javascript_the_dhr_questions_come_only_for_a_dhr_and_rows_are_added(
    web_stack: LocalStack, browser_without_javascript: Any
) -> None:
    page = browser_without_javascript
    sign_in(page, web_stack, "icb_editor", "QE1", "/app/cases/new")
    the_review(page, "SAR", "SELF_NEGLECT")
    press(page, "Continue")
    fill_date(page, "incidentDate", clock.today_london() - timedelta(days=40))
    fill_date(page, "dateAdded", clock.today_london() - timedelta(days=10))
    continue_to(page, "Recommendations")
    assert page.locator("textarea[name$='.text']").count() == 3
    press(page, "Add another recommendation")
    assert page.title().startswith("Recommendations - Record a case")
    assert page.locator("textarea[name$='.text']").count() == 4
    continue_to(page, "Check the case")

    assert "Domestic homicide review questions" not in page.locator("main").inner_text()  # a SAR
    press(page, "Record the case")
    saved(page)
    assert re.match(r"QE1-\d{4}-\d{4}", page.locator("h1").inner_text().split("\n")[-1])
