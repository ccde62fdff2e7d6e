"""A provider's recommendations: those its trust owns, across every review that names it, with their
due dates and statuses, the most overdue first, as a page and as a CSV of the same rows.

The reviews are read as the provider's case list reads them (``CaseService.list``: the provider's
link items, restricted text left out, ``CASES_PER_PAGE`` reviews a page with a cursor to the next),
so this page sees exactly the cases the provider may read and no more. Within a page the rows come
most overdue first; a filter on overdue recommendations reads only overdue reviews. The provider's
overview (``tracker.web.provider_overview``) counts the same rows, page after page, and links each
figure here with the filters that list exactly what it counts.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from tracker import clock
from tracker.access import Caller
from tracker.errors import NotAllowed
from tracker.extracts.columns import Column, Origin
from tracker.extracts.rows import encode_csv
from tracker.logic.commands import ListCases
from tracker.logic.reminders import due_in_words
from tracker.models.case import Case, Recommendation
from tracker.models.enums import RecommendationStatus
from tracker.models.fields import row_part
from tracker.models.wording import long_date, value_label
from tracker.reference import ReferenceData
from tracker.web.display import icb_name
from tracker.web.filter_errors import FilterErrors, yes_or_no
from tracker.web.http import WebResponse
from tracker.web.labels import field_label, options, organisation_name
from tracker.web.site import APP_PREFIX, NO_STORE, Context, Pages, Routes, Services

CASES_PER_PAGE = 50
"""Reviews read for one page (or one CSV): bounded as the case list's pages are."""
STATUS = "status"
OVERDUE = "overdue"
DUE_SOON = "dueSoon"
DUE_SOON_DAYS = 30
"""A recommendation still to do and not overdue is due soon when due within this many days."""
CURSOR = "cursor"
PAGE_PATH = f"{APP_PREFIX}/recommendations"
CSV_PATH = f"{PAGE_PATH}.csv"
NOT_YOURS = "Only an NHS provider's staff see the recommendations their trust owns."
FILTER_LABELS = {
    STATUS: "Status",
    OVERDUE: "Overdue",
    DUE_SOON: "Due soon (still to do, not overdue)",
}
"""Each filter's box by its label, in the form's order (the error summary's too)."""


@dataclass(frozen=True)
class OwnedRecommendation:
    """One recommendation a trust owns, with the review it belongs to, as of a day."""

    case: Case
    recommendation: Recommendation
    overdue: bool
    days_overdue: int
    due_soon: bool


def is_due_soon(recommendation: Recommendation, overdue: bool, today: date) -> bool:
    """Still to do, not overdue (so due today or later), and due within ``DUE_SOON_DAYS`` days."""
    return (
        recommendation.status is not RecommendationStatus.COMPLETE
        and not overdue
        and recommendation.due_date <= today + timedelta(days=DUE_SOON_DAYS)
    )


@dataclass(frozen=True)
class Filters:
    status: RecommendationStatus | None = None
    overdue: bool | None = None
    due_soon: bool | None = None

    def query(self) -> dict[str, str]:
        found = {}
        if self.status is not None:
            found[STATUS] = self.status.value
        if self.overdue is not None:
            found[OVERDUE] = "true" if self.overdue else "false"
        if self.due_soon is not None:
            found[DUE_SOON] = "true" if self.due_soon else "false"
        return found


def owned_recommendations(
    cases: list[Case], provider_code: str, today: date, filters: Filters = Filters()
) -> list[OwnedRecommendation]:
    """The recommendations ``provider_code`` owns in ``cases`` that pass ``filters``: the overdue
    first, the most overdue leading, then the rest still to do by due date, then the complete ones.
    Overdue is the deadline rules' answer (``Deadlines.overdueRecommendationIds``), as the case page
    and the extracts say it."""
    found = []
    for case in cases:
        overdue_ids = set(case.deadlines.overdue_recommendation_ids) if case.deadlines else set()
        for recommendation in case.recommendations or ():
            if recommendation.owner_provider_code != provider_code:
                continue
            overdue = recommendation.recommendation_id in overdue_ids
            if filters.status is not None and recommendation.status is not filters.status:
                continue
            if filters.overdue is not None and overdue != filters.overdue:
                continue
            due_soon = is_due_soon(recommendation, overdue, today)
            if filters.due_soon is not None and due_soon != filters.due_soon:
                continue
            days = (today - recommendation.due_date).days if overdue else 0
            found.append(OwnedRecommendation(case, recommendation, overdue, days, due_soon))
    return sorted(
        found,
        key=lambda row: (
            not row.overdue,
            row.recommendation.status is RecommendationStatus.COMPLETE,
            row.recommendation.due_date,
            row.case.reference,
            row.recommendation.recommendation_id,
        ),
    )


def _column(name: str, kind: str, origin: Origin, field: str, description: str) -> Column:
    return Column(name, kind, origin, field, description, required=False)


CSV_COLUMNS = (
    _column("reference", "string", Origin.CASE, "reference", "The review's reference."),
    _column("reviewType", "string", Origin.CASE, "reviewType", "The review type's code."),
    _column("reviewTypeLabel", "string", Origin.CASE, "reviewType", "The review type in words."),
    _column("icbCode", "string", Origin.CASE, "icbCode", "The ICB's ODS code."),
    _column("icbName", "string", Origin.CASE, "icbCode", "The ICB's name."),
    _column("providerCode", "string", Origin.RECOMMENDATION, "ownerProviderCode", "The owning trust's code."),
    _column("providerName", "string", Origin.RECOMMENDATION, "ownerProviderCode", "The owning trust's name."),
    _column("recommendationId", "string", Origin.RECOMMENDATION, "recommendationId", "Its id in the review."),
    _column("theme", "string", Origin.RECOMMENDATION, "theme", "The theme's code."),
    _column("themeLabel", "string", Origin.RECOMMENDATION, "theme", "The theme in words."),
    _column("text", "string", Origin.RECOMMENDATION, "text", "The recommendation."),
    _column("owner", "string", Origin.RECOMMENDATION, "owner", "Who leads it."),
    _column("dueDate", "date", Origin.RECOMMENDATION, "dueDate", "When it is due."),
    _column("status", "string", Origin.RECOMMENDATION, "status", "The status's code."),
    _column("statusLabel", "string", Origin.RECOMMENDATION, "status", "The status in words."),
    _column("overdue", "boolean", Origin.DEADLINES, "overdueRecommendationIds", "Whether it is overdue."),
    _column("daysOverdue", "int", Origin.DEADLINES, "overdueRecommendationIds", "Days past its due date."),
)
"""The CSV's columns: codes with names beside them. Cells go through the extracts' encoder, so text a
spreadsheet would run as a formula is escaped as it is in the extracts."""


def provider_name(reference: ReferenceData, code: str) -> str:
    provider = reference.provider(code)
    return organisation_name(provider.name) if provider else code


def csv_row(row: OwnedRecommendation, reference: ReferenceData) -> dict[str, Any]:
    case, recommendation = row.case, row.recommendation
    icb = reference.icb(case.icb_code)
    provider = recommendation.owner_provider_code or ""
    return {
        "reference": case.reference,
        "reviewType": case.review_type.value,
        "reviewTypeLabel": value_label(case.review_type.value),
        "icbCode": case.icb_code,
        "icbName": icb.name if icb else case.icb_code,
        "providerCode": provider,
        "providerName": provider_name(reference, provider),
        "recommendationId": recommendation.recommendation_id,
        "theme": recommendation.theme.value,
        "themeLabel": value_label(recommendation.theme.value),
        "text": recommendation.text,
        "owner": recommendation.owner,
        "dueDate": recommendation.due_date.isoformat(),
        "status": recommendation.status.value,
        "statusLabel": value_label(recommendation.status.value),
        "overdue": row.overdue,
        "daysOverdue": row.days_overdue,
    }


def require_trust_staff(services: Services, caller: Caller) -> None:
    """Only a trust's staff read the recommendations it owns (``may_read_owned_recommendations``)."""
    if not services.policy.may_read_owned_recommendations(caller, caller.org):
        raise NotAllowed(NOT_YOURS)


def read_owned_page(
    services: Services,
    caller: Caller,
    today: date,
    filters: Filters = Filters(),
    cursor: str | None = None,
    pages: int = 1,
) -> tuple[list[OwnedRecommendation], str | None]:
    """``pages`` pages of reviews read as the provider's case list reads them (``CASES_PER_PAGE``
    reviews each, from ``cursor``), recorded as one read of the list: the recommendations its trust
    owns there that pass ``filters``, and the next page's cursor. The caller must be a trust's staff
    (``require_trust_staff``)."""
    require_trust_staff(services, caller)
    # A review with an overdue recommendation is itself overdue: only those are read for them.
    command = ListCases(overdue=True if filters.overdue else None, limit=CASES_PER_PAGE, cursor=cursor)
    page = services.case_service().list_pages(caller, command, pages)
    return owned_recommendations(page.items, caller.org, today, filters), page.next_cursor


class RecommendationPages(Pages):
    def routes(self) -> Routes:
        return {("GET", PAGE_PATH): self.recommendations_page, ("GET", CSV_PATH): self.recommendations_csv}

    def _read(
        self, context: Context
    ) -> tuple[Filters, FilterErrors, list[OwnedRecommendation], str | None, str | None]:
        """The filters asked for, what is wrong with them, this page's rows (none when a filter is
        at fault: they would be other rows than those asked for), the cursor it was read at and the
        next page's."""
        caller = context.require_caller()
        require_trust_staff(self.services, caller)  # before any word on the filters
        request = context.request
        faults = FilterErrors(FILTER_LABELS)
        filters = Filters(
            status=faults.choice(request, STATUS, RecommendationStatus),
            overdue=faults.choice(request, OVERDUE, yes_or_no),
            due_soon=faults.choice(request, DUE_SOON, yes_or_no),
        )
        cursor = request.query_value(CURSOR) or None
        if faults.errors:
            return filters, faults, [], cursor, None
        rows, next_cursor = read_owned_page(self.services, caller, clock.today_london(), filters, cursor)
        return filters, faults, rows, cursor, next_cursor

    def recommendations_page(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        filters, faults, rows, cursor, next_cursor = self._read(context)
        reference = self.services.reference()
        today = clock.today_london()
        kept = filters.query()
        next_href = (
            self.site.url(f"{PAGE_PATH}?{urlencode({**kept, CURSOR: next_cursor})}") if next_cursor else None
        )
        first_href = (
            self.site.url(f"{PAGE_PATH}?{urlencode(kept)}" if kept else PAGE_PATH)
            if cursor and not faults.errors
            else None
        )
        csv_query = {**kept, **({CURSOR: cursor} if cursor else {})}
        return self.site.page(
            "recommendations.html",
            context,
            faults.status,
            filter_errors=faults.summary(),
            filter_messages={name: faults.message(name) for name in faults.errors},
            filter_labels=FILTER_LABELS,
            trust=provider_name(reference, caller.org),
            rows=[self._row(row, reference, today) for row in rows],
            head=[
                {"text": label}
                for label in (
                    field_label("reference"),
                    field_label("reviewType"),
                    field_label("icbCode"),
                    row_part("recommendations", "recommendationId").label,
                    row_part("recommendations", "text").label,
                    row_part("recommendations", "dueDate").label,
                    row_part("recommendations", "status").label,
                )
            ],
            status_items=_items(options(RecommendationStatus), kept.get(STATUS, "")),
            overdue_items=_items([("true", "Overdue"), ("false", "Not overdue")], kept.get(OVERDUE, "")),
            due_soon_items=_items(
                [
                    ("true", f"In the next {DUE_SOON_DAYS} days"),
                    ("false", f"Not in the next {DUE_SOON_DAYS} days"),
                ],
                kept.get(DUE_SOON, ""),
            ),
            filtered=bool(kept),
            next_href=next_href,
            first_href=first_href,
            csv_href=self.site.url(f"{CSV_PATH}?{urlencode(csv_query)}" if csv_query else CSV_PATH),
            per_page=CASES_PER_PAGE,
        )

    def recommendations_csv(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        _, faults, rows, _, _ = self._read(context)
        faults.refuse_if_any()  # never a CSV of other rows than those asked for
        reference = self.services.reference()
        body = encode_csv(CSV_COLUMNS, (csv_row(row, reference) for row in rows)).decode("utf-8")
        day = clock.today_london().isoformat()
        return WebResponse(
            200,
            body,
            "text/csv; charset=utf-8",
            {
                "Content-Disposition": f'attachment; filename="recommendations-{caller.org}-{day}.csv"',
                "Cache-Control": NO_STORE,
            },
        )

    def _row(self, row: OwnedRecommendation, reference: ReferenceData, today: date) -> dict[str, Any]:
        case, recommendation = row.case, row.recommendation
        return {
            "href": self.site.url(f"{APP_PREFIX}/cases/{case.case_id}"),
            "reference": case.reference,
            "reviewType": value_label(case.review_type.value),
            "icb": icb_name(reference, case.icb_code),
            "id": recommendation.recommendation_id,
            "text": recommendation.text,
            "due": long_date(recommendation.due_date),
            "when": due_in_words(recommendation.due_date, today)
            if recommendation.status is not RecommendationStatus.COMPLETE
            else "",
            "overdue": row.overdue,
            "status": value_label(recommendation.status.value),
        }


def _items(choices: list[tuple[str, str]], chosen: str) -> list[dict[str, Any]]:
    return [
        {"value": "", "text": "Any", "selected": not chosen},
        *({"value": value, "text": text, "selected": value == chosen} for value, text in choices),
    ]
