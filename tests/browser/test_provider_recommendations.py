"""Issue 20 in a real browser: a provider's recommendations across the reviews naming its trust (the
page, its filters and its CSV), and a regional team's reminder contacts; each page checked by axe."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tests.browser.test_journeys import no_violations, saved, sign_in
from tracker import clock

TRUST = "RBT"  # a trust no other browser test names
RESTRICTED = "Synthetic restricted text for the recommendations page"


def _recommendation(
    rec_id: str, due: date, status: str = "IN_PROGRESS", owner: str = TRUST
) -> dict[str, Any]:
    return {
        "recommendationId": rec_id,
        "theme": "NEGLECT",
        "text": f"Synthetic recommendation {rec_id}",
        "owner": "Synthetic named lead",
        "dueDate": due.isoformat(),
        "status": status,
        "ownerProviderCode": owner,
    }


def test_a_provider_finds_its_overdue_recommendations_across_reviews_and_downloads_them(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    today = clock.today_london()
    cases.submit(
        providersInvolved=[TRUST, "RJN"],
        caseInformation=RESTRICTED,
        recommendations=[
            _recommendation("BR-LATE", today - timedelta(days=20)),
            _recommendation("BR-SOON", today + timedelta(days=10), "NOT_STARTED"),
            _recommendation("BR-THEIRS", today - timedelta(days=90), owner="RJN"),
        ],
    )
    cases.submit(
        org="QOP",
        providersInvolved=[TRUST],
        recommendations=[_recommendation("BR-LATER", today - timedelta(days=5))],
    )
    page = new_browser()
    sign_in(page, web_stack, "provider", TRUST, "/app/recommendations")
    table = page.locator("table").first.inner_text()
    assert table.index("BR-LATE") < table.index("BR-LATER") < table.index("BR-SOON")
    assert "BR-THEIRS" not in table and RESTRICTED not in page.content()
    assert "20 days overdue" in table
    no_violations(axe, page, "a provider's recommendations")
    screenshot(page, "provider-recommendations")

    page.select_option("#filter-overdue", "true")
    page.click("text=Apply filters")
    page.wait_for_url("**overdue=true**")
    overdue = page.locator("table").first.inner_text()
    assert "BR-LATE" in overdue and "BR-LATER" in overdue and "BR-SOON" not in overdue
    no_violations(axe, page, "a provider's overdue recommendations")

    with page.expect_download() as downloading:
        page.click("text=Download these recommendations (CSV)")
    body = Path(downloading.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["recommendationId"] for row in rows] == ["BR-LATE", "BR-LATER"]
    assert rows[0]["providerCode"] == TRUST and rows[0]["providerName"].startswith("Mid Cheshire")
    assert rows[0]["icbName"] and rows[0]["reviewTypeLabel"].startswith("Child safeguarding")


def test_a_regional_team_keeps_its_reminder_contacts(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "regional", "Y62", "/app/regions/Y62/contacts")
    assert "waiting for the regional answer" in page.locator("main").inner_text()
    no_violations(axe, page, "a region's reminder contacts")
    page.fill("#emails", "regional.lead@nhs.example\nregional.team@nhs.example")
    page.click("text=Save contacts")
    saved(page)
    shown = page.locator("main").inner_text()
    assert "regional.team@nhs.example" in shown
    no_violations(axe, page, "a region's reminder contacts, saved")
    screenshot(page, "region-contacts")
