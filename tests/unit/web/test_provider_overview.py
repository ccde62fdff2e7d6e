"""A provider's overview (issue 20, "Oversight"): figures about the recommendations its trust owns
across every review naming it, counted live from the reads its recommendations list makes; each
figure links to the list filtered to exactly the recommendations it counts; nothing restricted and
nothing of another trust.

The route ``/app/overview`` hands a provider to this page in ``tracker.web.overview_pages``; these
tests call the page itself, with a request as the web app builds it."""

from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from local_stack.events import match_route, proxy_event, request_context
from tests.unit.web.conftest import EDITOR, FOREIGN_EDITOR, NATIONAL, REGIONAL, VIEWER, Harness
from tests.unit.web.test_owned_recommendations import (
    OTHER_PROVIDER,
    PROVIDER,
    RESTRICTED,
    recommendation,
    submit,
    table_rows,
)
from tracker.access import Caller
from tracker.errors import NotAllowed
from tracker.models.access_log import ReadAction
from tracker.models.enums import Role
from tracker.web import provider_overview as page_module
from tracker.web.http import WebResponse, request_from_event
from tracker.web.site import Context

PATH = "/app/overview"


def open_overview(web: Harness, caller: Caller) -> WebResponse:
    """The provider's overview page, as the web app calls it for a signed-in caller."""
    match = match_route("GET", PATH)
    assert match is not None
    context = request_context(match, "GET", PATH, "127.0.0.1", "pytest", "tracker.example.test")
    event = proxy_event(match, "GET", PATH, "", [("Host", "tracker.example.test")], b"", context, None)
    page = page_module.ProviderOverviewPage(web.app.site, web.app.services)
    return page.overview(Context(request_from_event(event), caller=caller))


def figures(body: str) -> dict[str, tuple[int, str]]:
    """Each figure of the page's tables: the row's heading -> (the number, the link's query)."""
    found = {}
    for row in body.split('<tr class="nhsuk-table__row">')[1:]:
        if 'scope="row"' not in row:
            continue
        label = unescape(row.split('scope="row"', 1)[1].split(">", 1)[1].split("</th>", 1)[0]).strip()
        href = unescape(row.split('href="', 1)[1].split('"', 1)[0])
        number = int(row.split('href="', 1)[1].split(">", 1)[1].split("<", 1)[0])
        found[label] = (number, urlsplit(href).query)
    return found


@pytest.fixture
def reviews(web: Harness) -> Harness:
    # Today is 26 November 2026 (the harness's fixed day); 30 days on is 26 December.
    submit(
        web,
        icbCode="QE1",
        recommendations=[
            recommendation("A-LATE", "2026-10-01"),
            recommendation("A-SOON", "2026-12-10", "NOT_STARTED"),
            recommendation("A-TODAY", "2026-11-26", "NOT_STARTED"),
            recommendation("A-LAST-DAY", "2026-12-26"),
            recommendation("A-LATER", "2026-12-27"),
            recommendation("A-OTHER", "2026-09-01", owner=OTHER_PROVIDER),
            recommendation("A-NOBODY", "2026-09-01", owner=None),
        ],
    )
    submit(
        web,
        FOREIGN_EDITOR,
        icbCode=FOREIGN_EDITOR.org,
        reviewType="SAR",
        designatedProfessional="DESIGNATED_PROFESSIONAL_ADULTS",
        recommendations=[
            recommendation("B-LATE", "2026-11-20"),
            recommendation("B-DONE", "2026-08-01", "COMPLETE"),
            recommendation("B-DONE-SOON", "2026-12-01", "COMPLETE"),
        ],
    )
    web.submit(  # a review not naming the trust: none of it is counted
        EDITOR,
        providersInvolved=[OTHER_PROVIDER],
        recommendations=[recommendation("C-ELSEWHERE", "2026-07-01", owner=OTHER_PROVIDER)],
    )
    return web


def test_the_provider_sees_its_trusts_figures_by_status_and_due_date(reviews: Harness) -> None:
    page = open_overview(reviews, PROVIDER)
    assert page.status == 200
    counted = {label: number for label, (number, _) in figures(page.body).items()}
    assert counted == {
        "Not started": 2,
        "In progress": 4,
        "Complete": 2,
        "All recommendations": 8,
        "Overdue": 2,
        "Due in the next 30 days": 3,
    }
    text = unescape(page.body)
    assert "Blackpool" in text  # the trust's name
    assert "live" in text and "26 November 2026 at" in text
    assert RESTRICTED not in text and "A-OTHER" not in text and "C-ELSEWHERE" not in text


def test_each_figure_links_to_the_list_of_exactly_the_recommendations_it_counts(reviews: Harness) -> None:
    page = open_overview(reviews, PROVIDER)
    shown = figures(page.body)
    assert len(shown) == 6
    for label, (number, query) in shown.items():
        listed = reviews.request("GET", "/app/recommendations", caller=PROVIDER, query=parse_qsl(query))
        assert listed.status == 200
        assert len(table_rows(listed.body)) == number, label
    due_soon = reviews.request(
        "GET", "/app/recommendations", caller=PROVIDER, query=parse_qsl(shown["Due in the next 30 days"][1])
    )
    assert set(table_rows(due_soon.body)) == {"A-TODAY", "A-SOON", "A-LAST-DAY"}


def test_a_trust_named_in_no_review_sees_zeros(web: Harness) -> None:
    page = open_overview(web, PROVIDER)
    assert page.status == 200
    assert {number for number, _ in figures(page.body).values()} == {0}


def test_the_figures_count_every_page_of_reviews(web: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.web import recommendations

    monkeypatch.setattr(recommendations, "CASES_PER_PAGE", 2)
    for number in range(5):
        submit(web, recommendations=[recommendation(f"P{number}", "2026-10-01")])
    page = open_overview(web, PROVIDER)
    assert figures(page.body)["Overdue"][0] == 5
    assert "more than" not in unescape(page.body)
    # Three pages of the list were read for the one page opened: one entry in the read audit.
    (entry,) = web.audit.entries.values()
    assert entry.action is ReadAction.LIST_CASES and entry.sub == PROVIDER.sub
    assert len(set(entry.case_ids)) == 5


def test_past_the_read_bound_the_page_says_the_figures_are_partial(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.web import recommendations

    monkeypatch.setattr(recommendations, "CASES_PER_PAGE", 1)
    monkeypatch.setattr(page_module, "MAX_PAGES", 2)
    for number in range(3):
        submit(web, recommendations=[recommendation(f"P{number}", "2026-10-01")])
    page = open_overview(web, PROVIDER)
    assert figures(page.body)["Overdue"][0] == 2
    assert "more than 2 reviews" in unescape(page.body)


@pytest.mark.parametrize("caller", [EDITOR, VIEWER, REGIONAL, NATIONAL, Caller(Role.PROVIDER, "ZZ999", "p")])
def test_nobody_but_a_known_trusts_staff_has_this_page(reviews: Harness, caller: Caller) -> None:
    with pytest.raises(NotAllowed):
        open_overview(reviews, caller)


def test_the_list_filters_the_recommendations_due_in_the_next_30_days(reviews: Harness) -> None:
    due_soon = reviews.request("GET", "/app/recommendations", caller=PROVIDER, query={"dueSoon": "true"})
    assert table_rows(due_soon.body) == ["A-TODAY", "A-SOON", "A-LAST-DAY"]
    assert 'name="dueSoon"' in due_soon.body  # offered in the filters, so it can be seen and cleared
    rest = reviews.request(
        "GET", "/app/recommendations", caller=PROVIDER, query={"dueSoon": "false", "status": "IN_PROGRESS"}
    )
    assert table_rows(rest.body) == ["A-LATE", "B-LATE", "A-LATER"]


def test_the_overview_route_gives_a_provider_its_trusts_figures_and_the_header_offers_it(
    reviews: Harness,
) -> None:
    page = reviews.request("GET", PATH, caller=PROVIDER)
    assert page.status == 200
    assert figures(page.body)["Overdue"][0] == 2
    assert f'href="{PATH}"' in page.body  # the header's link to the overview


def test_the_overview_route_still_gives_everyone_else_their_own_overview(reviews: Harness) -> None:
    for caller in (EDITOR, VIEWER, REGIONAL, NATIONAL):
        page = reviews.request("GET", PATH, caller=caller)
        assert page.status == 200, caller
        assert "Recommendations your trust owns" not in page.body
