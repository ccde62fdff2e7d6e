"""The case list: the cases the caller may read, filtered, overdue ones marked, a page at a time."""

from typing import Any
from urllib.parse import urlencode

from tracker.access import Caller
from tracker.logic.commands import ListCases
from tracker.models.enums import CaseStatus, ReviewType, Stage
from tracker.web.display import icb_name
from tracker.web.http import WebResponse
from tracker.web.labels import field_label, format_time, options, value_label
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

LIST_PAGE_SIZE = 25
MAX_BACK_LINKS = 20
FILTERS = ("reviewType", "status", "stage", "icbCode")
"""Fields the list filters on (and the overdue flag, which is no field)."""
COLUMNS = ("reference", "icbCode", "reviewType", "stage", "status", "updatedAt")
"""The fields the table shows, by their labels (and the deadlines, which are no field)."""


class CaseListPage(Pages):
    def routes(self) -> Routes:
        return {("GET", "/app"): self.case_list}

    def case_list(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        request = context.request
        review_type = _choice(request.query_value("reviewType"), ReviewType)
        status = _choice(request.query_value("status"), CaseStatus)
        stage = _choice(request.query_value("stage"), Stage)
        overdue = {"true": True, "false": False}.get(request.query_value("overdue"))
        icb_options = self._icb_options(caller)
        icb_code = request.query_value("icbCode")
        icb_code = icb_code if icb_code in {code for code, _ in icb_options} else ""
        cursor = request.query_value("cursor") or None
        command = ListCases(
            review_type=review_type,
            status=status,
            stage=stage,
            icb_code=icb_code or None,
            overdue=overdue,
            limit=LIST_PAGE_SIZE,
            cursor=cursor,
        )
        page = self.services.case_service().list(caller, command)
        reference = self.services.reference()
        filters = {
            "reviewType": review_type.value if review_type else "",
            "status": status.value if status else "",
            "stage": stage.value if stage else "",
            "icbCode": icb_code,
            "overdue": {True: "true", False: "false"}.get(overdue, ""),  # type: ignore[arg-type]
        }
        kept = {name: value for name, value in filters.items() if value}
        back = [value for value in request.query.get("back", []) if value][-MAX_BACK_LINKS:]
        previous_href = next_href = None
        if cursor:
            earlier = back[:-1]
            previous = {**kept, **({"cursor": back[-1]} if back else {})}
            query = urlencode([*previous.items(), *(("back", value) for value in earlier)])
            previous_href = (
                self.site.url(f"{APP_PREFIX}/?{query}") if query else self.site.url(f"{APP_PREFIX}/")
            )
        if page.next_cursor:
            trail = [*back, cursor] if cursor else back
            query = urlencode(
                [*kept.items(), ("cursor", page.next_cursor), *(("back", value) for value in trail)]
            )
            next_href = self.site.url(f"{APP_PREFIX}/?{query}")
        rows = [
            {
                "href": self.site.url(f"{APP_PREFIX}/cases/{case.case_id}"),
                "reference": case.reference,
                "icb": icb_name(reference, case.icb_code),
                "reviewType": value_label(case.review_type.value),
                "stage": value_label(case.stage.value),
                "status": value_label(case.status.value),
                "updated": format_time(case.model_dump(mode="json", by_alias=True)["updatedAt"]),
                "overdue": case.deadlines.overdue,
            }
            for case in page.items
        ]
        return self.site.page(
            "list.html",
            context,
            rows=rows,
            filter_items=_select_items(
                filters,
                {
                    "reviewType": options(ReviewType),
                    "status": options(CaseStatus),
                    "stage": options(Stage),
                    "icbCode": icb_options,
                    "overdue": [("true", "Overdue"), ("false", "Not overdue")],
                },
            ),
            filter_labels={**{name: field_label(name) for name in FILTERS}, "overdue": "Overdue"},
            table_head=[{"text": label} for label in (*(field_label(name) for name in COLUMNS), "Deadlines")],
            previous_href=previous_href,
            next_href=next_href,
            may_record=self.services.policy.may_record(caller),
        )

    def _icb_options(self, caller: Caller) -> list[tuple[str, str]]:
        readable = self.services.policy.readable_icbs(caller)
        reference = self.services.reference()
        codes = sorted(reference.icbs) if readable is None else sorted(readable)
        return [(code, icb_name(reference, code)) for code in codes if reference.icb(code) is not None]


def _choice(raw: str, allowed: Any) -> Any:
    try:
        return allowed(raw) if raw else None
    except ValueError:
        return None


def _select_items(
    chosen: dict[str, str], choices: dict[str, list[tuple[str, str]]]
) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [
            {"value": "", "text": "Any", "selected": not chosen[name]},
            *({"value": value, "text": text, "selected": chosen[name] == value} for value, text in listed),
        ]
        for name, listed in choices.items()
    }
