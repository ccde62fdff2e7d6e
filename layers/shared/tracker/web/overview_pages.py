"""The regional and national overview: charts from the latest snapshot's summary, and its CSV."""

from tracker.errors import NotAllowed, NotVisible
from tracker.web import overview as overview_view
from tracker.web.http import WebResponse
from tracker.web.labels import format_date
from tracker.web.site import Context, Pages, Routes


class OverviewPages(Pages):
    def routes(self) -> Routes:
        return {("GET", "/app/overview"): self.overview, ("GET", "/app/overview.csv"): self.overview_csv}

    def overview(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        policy = self.services.policy
        if not policy.sees_overview(caller):
            raise NotAllowed("Only regional and national teams have the overview.")
        summary = self.services.latest_summary()
        figures = (
            overview_view.figures(
                summary, lambda region: policy.sees_region_figures(caller, region), self.services.reference()
            )
            if summary is not None
            else None
        )
        return self.site.page(
            "overview.html", context, figures=figures, summary=summary, format_date=format_date
        )

    def overview_csv(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        policy = self.services.policy
        if not policy.sees_overview(caller):
            raise NotAllowed("Only regional and national teams have the overview.")
        summary = self.services.latest_summary()
        if summary is None:
            raise NotVisible("No snapshot yet.")
        day = summary.snapshotDate.isoformat()
        return WebResponse(
            200,
            overview_view.csv_text(
                summary, lambda region: policy.sees_region_figures(caller, region), self.services.reference()
            ),
            "text/csv; charset=utf-8",
            {"Content-Disposition": f'attachment; filename="case-review-overview-{day}.csv"'},
        )
