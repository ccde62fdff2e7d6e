"""The case list as a worklist in a real browser (issue 19 item 1): the national analyst finds the
overdue SARs of a region, most overdue first; the regional lead finds the DHRs waiting for the
region; the nurse finds a case by its reference and sees which deadline is due and when. Each page
state is checked by axe-core."""

import re
from datetime import timedelta
from typing import Any

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tests.browser.test_journeys import no_violations, sign_in
from tracker import clock


def _days_ago(days: int) -> str:
    return (clock.today_london() - timedelta(days=days)).isoformat()


def _overdue_sar(cases: Cases, org: str, added_days_ago: int) -> dict[str, Any]:
    return cases.submit(
        org,
        reviewType="SAR",
        incidentDate=_days_ago(added_days_ago + 10),
        dateAdded=_days_ago(added_days_ago),
        designatedProfessional="DESIGNATED_PROFESSIONAL_ADULTS",
    )


def _listed(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("table tbody a").all_inner_texts()]


def test_the_national_analyst_finds_a_regions_overdue_sars_most_overdue_first(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    less_overdue = _overdue_sar(cases, "QE1", 220)
    most_overdue = _overdue_sar(cases, "QE1", 320)
    london = _overdue_sar(cases, "QKK", 400)
    page = new_browser()
    sign_in(page, web_stack, "national", "X24")

    page.select_option("#filter-reviewType", "SAR")
    page.select_option("#filter-regionCode", "Y62")
    page.select_option("#filter-overdue", "true")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r".*regionCode=Y62.*"))

    listed = _listed(page)
    assert most_overdue["reference"] in listed and less_overdue["reference"] in listed
    assert london["reference"] not in listed
    assert listed.index(most_overdue["reference"]) < listed.index(less_overdue["reference"])
    assert "most overdue first" in page.locator("table caption").inner_text()
    row = page.locator("tbody tr", has_text=most_overdue["reference"]).inner_text()
    assert "Completion due" in row and "Overdue" in row
    no_violations(axe, page, "case list, a region's overdue SARs")
    screenshot(page, "case-list-overdue-by-region")


def test_the_regional_lead_finds_the_dhrs_waiting_for_the_region(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    waiting = cases.submit(
        reviewType="DHR", themes=["DOMESTIC_ABUSE"], icbChiefNurseAssuredDhrHealthRecs="YES"
    )
    not_yet = cases.submit(reviewType="DHR_CHILD", themes=["DOMESTIC_ABUSE"])
    page = new_browser()
    sign_in(page, web_stack, "regional", "Y62")

    page.select_option("#filter-awaiting", "regional")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r".*awaiting=regional.*"))
    listed = _listed(page)
    assert waiting["reference"] in listed and not_yet["reference"] not in listed
    no_violations(axe, page, "case list, waiting for the regional answer")

    page.select_option("#filter-awaiting", "")
    page.select_option("#filter-reviewType", "ANY_DHR")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r".*reviewType=ANY_DHR.*"))
    listed = _listed(page)
    assert waiting["reference"] in listed and not_yet["reference"] in listed

    page.click(f"text={waiting['reference']}")
    page.wait_for_url(re.compile(rf".*/app/cases/{waiting['caseId']}\?back=.*"))
    assert page.locator("h1").inner_text().endswith(waiting["reference"])


def test_the_nurse_finds_a_case_by_its_reference_and_sees_what_is_due(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    wanted = cases.submit(
        localReference="SYN-WORKLIST-7",
        embargoed=True,
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "Agree the escalation pathway",
                "owner": "Synthetic Trust",
                "dueDate": (clock.today_london() + timedelta(days=5)).isoformat(),
                "status": "IN_PROGRESS",
            }
        ],
    )
    other = cases.submit(localReference="SYN-WORKLIST-8")
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1")
    assert "ICB" not in page.locator("table thead").inner_text()  # one ICB: no ICB column

    page.fill("#filter-q", wanted["reference"].lower())
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r".*q=.*"))
    assert _listed(page) == [wanted["reference"]]
    row = page.locator("tbody tr").first.inner_text()
    assert "Recommendation R1 due" in row and "Due soon" in row
    no_violations(axe, page, "case list, searched by reference")
    screenshot(page, "case-list-search")

    page.fill("#filter-q", "worklist-8")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r".*q=worklist-8.*"))
    assert _listed(page) == [other["reference"]]
