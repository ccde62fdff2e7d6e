"""The overview in a real browser for a region, the nation and an ICB (issue 20): each page passes
axe-core, shows only the names of its caller's scope, and a figure's link opens the case list
filtered as the figure says, holding as many cases as the figure counts."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tests.browser.test_journeys import no_violations, sign_in
from tracker import clock

# East of England (Y61): two ICBs created on 1 April 2026 that no other browser test records for.
CENTRAL_EAST = ("S1Y5D", "NHS Central East Integrated Care Board")
ESSEX = ("D7T5G", "NHS Essex Integrated Care Board")
LANCASHIRE = ("QE1", "NHS Lancashire and South Cumbria Integrated Care Board")
EAST_OF_ENGLAND = "Y61"


def _days_ago(days: int) -> str:
    return (clock.today_london() - timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def snapshot(web_stack: LocalStack, cases: Cases) -> None:
    """Cases in two ICBs of one region and one of another, then the snapshot that counts them."""
    cases.submit(CENTRAL_EAST[0])
    cases.submit(CENTRAL_EAST[0], reviewType="SAR", designatedProfessional="DESIGNATED_PROFESSIONAL_ADULTS")
    cases.submit(  # a rapid review decided 100 days ago, not completed: overdue
        CENTRAL_EAST[0],
        reviewType="RAPID_REVIEW",
        stage="RAPID_REVIEW",
        incidentDate=_days_ago(120),
        dateAdded=_days_ago(100),
    )
    cases.submit(ESSEX[0])
    cases.submit(LANCASHIRE[0])
    assert web_stack.functions is not None
    web_stack.functions.invoke("snapshot_extract", {"snapshotDate": clock.today_london().isoformat()})


def _figure_link(page: Any, table: str, label: str, column: int = 1) -> Any:
    """The link of a figure in a chart's table (its caption ``table``), on the row headed ``label``
    (column 1: cases, 2: overdue)."""
    row = page.locator("table", has=page.locator("caption", has_text=table)).locator(
        "tbody tr", has=page.locator("th", has_text=label)
    )
    return row.locator("td a").nth(column - 1)


def _listed(page: Any) -> int:
    """The cases the list holds, page after page."""
    total = 0
    while True:
        total += page.locator("table tbody tr").count()
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            return total
        following.first.click()
        page.wait_for_load_state()


def _opens_the_list_of_that_many(page: Any, table: str, label: str, query: str, column: int = 1) -> int:
    """Follows a figure's link: the list it opens is filtered as ``query`` says and holds as many
    cases as the figure counts."""
    link = _figure_link(page, table, label, column)
    count = int(link.inner_text())
    assert str(link.get_attribute("href")).endswith(query)
    link.click()
    page.wait_for_url(re.compile(".*" + re.escape(query) + "$"))
    assert _listed(page) == count
    return count


def test_a_region_sees_its_icbs_and_no_other_regions(
    web_stack: LocalStack, snapshot: None, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "regional", EAST_OF_ENGLAND, "/app/overview")
    assert page.locator("h1").inner_text() == "Overview"
    no_violations(axe, page, "overview, a region")
    screenshot(page, "overview-region")
    body = page.locator("main").inner_text()
    assert CENTRAL_EAST[1] in body and ESSEX[1] in body
    assert LANCASHIRE[1] not in body and "North West" not in body

    count = _opens_the_list_of_that_many(page, "Cases by ICB", CENTRAL_EAST[1], f"?icbCode={CENTRAL_EAST[0]}")
    assert count >= 3  # the three recorded above, and any other browser test's
    no_violations(axe, page, "case list from the overview, a region")


def test_the_nation_sees_every_region_and_a_review_types_figure_opens_its_list(
    web_stack: LocalStack, snapshot: None, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "national", "X24", "/app/overview")
    no_violations(axe, page, "overview, the nation")
    body = page.locator("main").inner_text()
    assert CENTRAL_EAST[1] in body and ESSEX[1] in body and LANCASHIRE[1] in body
    # Timeliness by region: the nation's areas are regions.
    assert "East of England" in body and "North West" in body

    count = _opens_the_list_of_that_many(
        page, "Cases by review type", "Safeguarding adult review (SAR)", "?reviewType=SAR"
    )
    assert count >= 1


def test_an_icb_sees_its_own_figures_and_no_other_icbs_name(
    web_stack: LocalStack, snapshot: None, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "icb_viewer", CENTRAL_EAST[0], "/app/overview")
    assert page.locator("h1").inner_text() == "Overview"
    no_violations(axe, page, "overview, an ICB")
    screenshot(page, "overview-icb")
    body = page.locator("main").inner_text()
    assert CENTRAL_EAST[1] in body
    for other in (ESSEX[1], LANCASHIRE[1], "East of England", "North West"):
        assert other not in body, other

    with page.expect_download() as download:
        page.click("text=Download these counts (CSV)")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows and {row["icbCode"] for row in rows} == {CENTRAL_EAST[0]}

    overdue = _opens_the_list_of_that_many(
        page, "Cases by ICB", CENTRAL_EAST[1], f"?icbCode={CENTRAL_EAST[0]}&overdue=true", column=2
    )
    assert overdue >= 1  # the rapid review not completed
    no_violations(axe, page, "case list of overdue cases from the overview, an ICB")
    page.goto(f"{web_stack.api_url}/app/overview")
    count = _opens_the_list_of_that_many(page, "Cases by ICB", CENTRAL_EAST[1], f"?icbCode={CENTRAL_EAST[0]}")
    assert count >= 3


def test_a_themes_figure_opens_the_list_filtered_by_quarter_and_theme(
    web_stack: LocalStack, snapshot: None, new_browser: Browser, axe: AxeResults
) -> None:
    """A figure the list could not reproduce before issue 20's filters: its link opens the list with
    the quarter's dates and the theme under "More filters", open, holding as many cases."""
    page = new_browser()
    sign_in(page, web_stack, "icb_viewer", CENTRAL_EAST[0], "/app/overview")
    link = page.locator("h2#themes ~ table").first.locator("tbody tr td a").first
    count = int(link.inner_text())
    href = str(link.get_attribute("href"))
    assert "decidedFrom=" in href and "decidedTo=" in href and "theme=" in href
    link.click()
    page.wait_for_load_state()
    assert page.locator("details[open]").count() == 1
    no_violations(axe, page, "case list from a themes figure, its further filters open")
    assert _listed(page) == count >= 1
