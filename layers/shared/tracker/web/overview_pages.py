"""The overview of an ICB, a region and the nation: charts from the latest snapshot's summary, and
its CSV, each figure narrowed to the rows the caller may see; a provider's is its trust's
recommendations (``web.provider_overview``)."""

from typing import Any

from tracker.access import Caller
from tracker.errors import NotAllowed, NotVisible
from tracker.web import overview as overview_view
from tracker.web.http import WebResponse
from tracker.web.labels import format_date
from tracker.web.provider_overview import ProviderOverviewPage
from tracker.web.site import Context, Pages, Routes

NO_OVERVIEW = "A provider's overview counts its trust's recommendations: their CSV is under Recommendations."


class OverviewPages(Pages):
    def routes(self) -> Routes:
        return {("GET", "/app/overview"): self.overview, ("GET", "/app/overview.csv"): self.overview_csv}

    def _shows(self, caller: Caller) -> overview_view.ShowsFigure:
        policy = self.services.policy
        if not policy.sees_overview(caller):
            raise NotAllowed(NO_OVERVIEW)

        def shows(row: Any) -> bool:
            return policy.shows_overview_figure(caller, row.icbCode, row.regionCode)

        return shows

    def overview(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        if self.services.policy.may_read_owned_recommendations(caller, caller.org):
            # A trust's staff: live figures of the recommendations their trust owns.
            return ProviderOverviewPage(self.site, self.services).overview(context)
        shows = self._shows(caller)
        summary = self.services.latest_summary()
        figures = (
            overview_view.figures(
                summary,
                shows,
                self.services.reference(),
                every_icb=self.services.policy.readable_icbs(caller) is None,
            )
            if summary is not None
            else None
        )
        return self.site.page(
            "overview.html", context, figures=figures, summary=summary, format_date=format_date
        )

    def overview_csv(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        shows = self._shows(caller)
        summary = self.services.latest_summary()
        if summary is None:
            raise NotVisible("No snapshot yet.")
        day = summary.snapshotDate.isoformat()
        return WebResponse(
            200,
            overview_view.csv_text(summary, shows),
            "text/csv; charset=utf-8",
            {"Content-Disposition": f'attachment; filename="case-review-overview-{day}.csv"'},
        )
