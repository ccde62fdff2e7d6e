"""A provider's overview: figures about the recommendations its trust owns, across every review
that names it (by status, overdue, due in the next 30 days), each linking to its recommendations
list filtered to exactly the ones it counts.

The figures are live: counted when the page is opened from the very reads the recommendations list
makes (``read_owned_page``: the provider's case list, restricted text left out, page after page,
recorded in the read audit as one read of the list), so a figure never counts what the list would
not show. The daily summary is not used: its rows carry
the owning provider but are narrowed by ICB and region, which a provider does not read by, and a
trust owns few recommendations. The reads are bounded (``MAX_PAGES``); past the bound the page says
the figures count only the reviews read.
"""

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from tracker import clock
from tracker.models.enums import RecommendationStatus
from tracker.models.wording import value_label
from tracker.web import recommendations
from tracker.web.http import WebResponse
from tracker.web.labels import format_time
from tracker.web.recommendations import (
    DUE_SOON_DAYS,
    Filters,
    OwnedRecommendation,
    provider_name,
    read_owned_page,
)
from tracker.web.site import Context, Pages, Routes

MAX_PAGES = 10
"""Pages of reviews (``recommendations.CASES_PER_PAGE`` each) read for one overview: 500 reviews."""


@dataclass(frozen=True)
class Figure:
    """One count, and the list's filters that show exactly the recommendations it counts."""

    label: str
    count: int
    filters: Filters

    def href(self) -> str:
        query = self.filters.query()
        return f"{recommendations.PAGE_PATH}?{urlencode(query)}" if query else recommendations.PAGE_PATH


@dataclass(frozen=True)
class ProviderFigures:
    by_status: list[Figure]  # each status, then all of them
    by_due_date: list[Figure]  # overdue, due soon
    every_review_read: bool  # False past MAX_PAGES: the figures count the reviews read only


def provider_figures(rows: list[OwnedRecommendation], every_review_read: bool) -> ProviderFigures:
    """The overview's figures from a trust's recommendations (``owned_recommendations``' rows)."""
    by_status = Counter(row.recommendation.status for row in rows)
    return ProviderFigures(
        by_status=[
            *(
                Figure(value_label(status.value), by_status[status], Filters(status=status))
                for status in RecommendationStatus
            ),
            Figure("All recommendations", len(rows), Filters()),
        ],
        by_due_date=[
            Figure("Overdue", sum(row.overdue for row in rows), Filters(overdue=True)),
            Figure(
                f"Due in the next {DUE_SOON_DAYS} days",
                sum(row.due_soon for row in rows),
                Filters(due_soon=True),
            ),
        ],
        every_review_read=every_review_read,
    )


class ProviderOverviewPage(Pages):
    """The overview as a trust's staff see it; ``/app/overview`` hands them this page (the route is
    the overview's, in ``tracker.web.overview_pages``), so it adds no route of its own."""

    def routes(self) -> Routes:
        return {}

    def overview(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        today = clock.today_london()
        counted_at = clock.now_utc()
        rows, cursor = read_owned_page(self.services, caller, today, pages=MAX_PAGES)
        return self.site.page(
            "provider_overview.html",
            context,
            trust=provider_name(self.services.reference(), caller.org),
            figures=provider_figures(rows, every_review_read=cursor is None),
            counted_at=format_time(counted_at),
            max_reviews=MAX_PAGES * recommendations.CASES_PER_PAGE,
            due_soon_days=DUE_SOON_DAYS,
        )
