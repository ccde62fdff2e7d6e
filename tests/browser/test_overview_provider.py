"""Issue 20 in a real browser: the overview for a provider. Its staff sign in, open the overview, see
the figures of the recommendations their trust owns across the reviews naming it (and nothing of
another trust, nothing restricted), and follow a figure to the recommendations list holding exactly
the recommendations it counts; axe checks each page."""

import re
from datetime import date, timedelta
from typing import Any

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tests.browser.test_journeys import no_violations, sign_in
from tracker import clock

TRUST = ("RTH", "Oxford University Hospitals NHS Foundation Trust")  # no other browser test names it
OTHER_TRUST = "RJN"
RESTRICTED = "Synthetic restricted text for the provider's overview"


def _recommendation(
    rec_id: str, due: date, status: str = "IN_PROGRESS", owner: str = TRUST[0]
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


def _figure(page: Any, label: str) -> Any:
    """The link of the overview's figure on the row headed ``label``."""
    return page.locator("tbody tr", has=page.locator("th", has_text=label)).locator("td a")


def _follows_to_exactly(page: Any, label: str, query: str) -> list[str]:
    """Follows a figure's link: the list it opens is filtered as ``query`` says and holds as many
    recommendations as the figure counts; their ids."""
    link = _figure(page, label)
    count = int(link.inner_text())
    assert str(link.get_attribute("href")).endswith(f"/app/recommendations{query}")
    link.click()
    page.wait_for_url(re.compile(".*/app/recommendations" + re.escape(query) + "$"))
    listed = page.locator("[data-recommendation]").all_inner_texts()
    assert len(listed) == count, (label, listed)
    return sorted(listed)


def test_a_provider_sees_its_trusts_figures_and_follows_one_to_exactly_those_recommendations(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    today = clock.today_london()
    cases.submit(
        providersInvolved=[TRUST[0], OTHER_TRUST],
        caseInformation=RESTRICTED,
        recommendations=[
            _recommendation("PO-LATE", today - timedelta(days=20)),
            _recommendation("PO-SOON", today + timedelta(days=10), "NOT_STARTED"),
            _recommendation("PO-LATER", today + timedelta(days=90)),
            _recommendation("PO-THEIRS", today - timedelta(days=90), owner=OTHER_TRUST),
        ],
    )
    cases.submit(
        org="QOP",
        providersInvolved=[TRUST[0]],
        recommendations=[
            _recommendation("PO-ALSO-LATE", today - timedelta(days=5)),
            _recommendation("PO-DONE", today - timedelta(days=60), "COMPLETE"),
        ],
    )
    page = new_browser()
    sign_in(page, web_stack, "provider", TRUST[0], "/app/overview")
    assert page.locator("h1").inner_text().endswith("Overview")
    main = page.locator("main").inner_text()
    assert TRUST[1] in main and "live" in main
    assert RESTRICTED not in page.content() and "PO-THEIRS" not in page.content()
    figures = {
        label: int(_figure(page, label).inner_text())
        for label in ("Not started", "In progress", "Complete", "All recommendations", "Overdue")
    }
    assert figures == {
        "Not started": 1,
        "In progress": 3,
        "Complete": 1,
        "All recommendations": 5,
        "Overdue": 2,
    }
    no_violations(axe, page, "overview, a provider")
    screenshot(page, "overview-provider")

    assert _follows_to_exactly(page, "Overdue", "?overdue=true") == ["PO-ALSO-LATE", "PO-LATE"]
    no_violations(axe, page, "a provider's overdue recommendations from its overview")

    page.goto(f"{web_stack.api_url}/app/overview")
    assert _follows_to_exactly(page, "Due in the next 30 days", "?dueSoon=true") == ["PO-SOON"]
    no_violations(axe, page, "a provider's recommendations due soon from its overview")
