"""The case list: the cases the caller may read, filtered, overdue ones marked, a page at a time.

A worklist: each case says what is overdue or due soon and when, the overdue list comes most
overdue first, and a case opened from a filtered or paged list leads back to it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tracker import clock
from tracker.access import Caller
from tracker.errors import FieldError
from tracker.logic.commands import NO_OWNING_PROVIDER, Awaiting, ListCases
from tracker.logic.reminders import DigestLine, DueKind, digest_lines
from tracker.models.case import TIMELINESS_DECIDED, Case, Timeliness, is_ods_code
from tracker.models.enums import (
    DHR_REVIEW_TYPES,
    CaseStatus,
    DisseminationMethod,
    RecommendationStatus,
    ReviewType,
    Stage,
    Theme,
)
from tracker.models.fields import client_field
from tracker.models.wording import DEADLINE_LABELS, long_date
from tracker.reference import REGION_NAMES
from tracker.web.display import icb_name
from tracker.web.filter_errors import NOT_OFFERED, FilterErrors, yes_or_no
from tracker.web.forms import date_part, read_date_boxes
from tracker.web.http import WebRequest, WebResponse
from tracker.web.labels import field_label, format_time, options, value_label
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

LIST_PAGE_SIZE = 25
MAX_BACK_LINKS = 20
FILTERS = ("reviewType", "status", "stage", "icbCode")
"""Fields the list filters on (and the overdue flag, which is no field)."""
COLUMNS = ("reference", "icbCode", "reviewType", "stage", "status", "updatedAt")
"""The fields the table shows, by their labels (and the deadlines, which are no field)."""
ANY_DHR = "ANY_DHR"
"""The review type filter's choice of both DHR types at once."""
SEARCH = "q"
REGION = "regionCode"
AWAITING = "awaiting"
CURSOR = "cursor"
CURSOR_TRAIL = "back"  # the list's own cursors of the pages before, for "Newer cases"
# The filters behind the overview's figures (issue 20): the same names as the API's parameters.
DECIDED_FROM = "decidedFrom"
DECIDED_TO = "decidedTo"
TIMELINESS = "timeliness"
THEME = "theme"
LEARNING_METHOD = "learningMethod"
LEARNED_FROM = "learnedFrom"
LEARNED_TO = "learnedTo"
RECOMMENDATION_STATUS = "recommendationStatus"
RECOMMENDATION_THEME = "recommendationTheme"
RECOMMENDATION_OWNER = "recommendationOwner"
RECOMMENDATION_OVERDUE = "recommendationOverdue"
FIGURE_FILTERS = (
    DECIDED_FROM,
    DECIDED_TO,
    TIMELINESS,
    THEME,
    LEARNING_METHOD,
    LEARNED_FROM,
    LEARNED_TO,
    RECOMMENDATION_STATUS,
    RECOMMENDATION_THEME,
    RECOMMENDATION_OWNER,
    RECOMMENDATION_OVERDUE,
)
LIST_PARAMETERS = (*FILTERS, REGION, "overdue", AWAITING, *FIGURE_FILTERS, SEARCH, CURSOR, CURSOR_TRAIL)
"""Everything a list's address may carry: a case page's "Back to cases" keeps these and no more."""
BACK_PARAMETER = "back"
"""The case page's parameter holding the query string of the list it was opened from."""
AWAITING_CHOICES = [
    (Awaiting.ICB_DHR_ANSWER.value, "Waiting for the ICB's DHR answer"),
    (Awaiting.REGIONAL_ANSWER.value, "Waiting for the regional answer"),
]
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def timeliness_value(states: frozenset[Timeliness]) -> str:
    """The timeliness filter's value for these states: comma-separated, in the enumeration's order
    (one value for one set, so the form's choice shows as chosen)."""
    return ",".join(state.value for state in Timeliness if state in states)


NOT_COUNTED = timeliness_value(frozenset(Timeliness) - TIMELINESS_DECIDED)
"""The deadlines the overview's share on time leaves out (not yet due, embargoed, closed unmet, the
date not recorded): its "not counted" column."""
TIMELINESS_CHOICES = [
    (Timeliness.ON_TIME.value, "Met on time"),
    (Timeliness.LATE.value, "Met late"),
    (Timeliness.OVERDUE.value, "Past due and not met"),
    (NOT_COUNTED, "Not counted in the share on time"),
    (Timeliness.OPEN.value, "Not yet due"),
    (Timeliness.EMBARGOED.value, "Embargoed, not published"),
    (Timeliness.CLOSED_UNMET.value, "Closed without meeting it"),
    (Timeliness.DATE_NOT_RECORDED.value, "Moved on, date met not recorded"),
]
FIGURE_LABELS = {
    DECIDED_FROM: "Decision to review made on or after",
    DECIDED_TO: "Decision to review made on or before",
    TIMELINESS: "Review's deadline",
    THEME: "Theme",
    LEARNING_METHOD: "Learning shared by",
    LEARNED_FROM: "Learning shared on or after",
    LEARNED_TO: "Learning shared on or before",
    RECOMMENDATION_STATUS: "Recommendation status",
    RECOMMENDATION_THEME: "Recommendation theme",
    RECOMMENDATION_OWNER: "Recommendation owned by",
    RECOMMENDATION_OVERDUE: "Recommendation overdue",
}
MAX_SEARCH_LENGTH = 100
LIST_LABELS = {
    SEARCH: "Reference or local reference",
    **{name: field_label(name) for name in (*FILTERS, REGION)},
    "overdue": "Overdue",
    AWAITING: "Waiting for a DHR answer",
    **FIGURE_LABELS,
}
"""Each filter's box by its label, in the form's order (the error summary's too)."""
DATE_HINT = "For example, 1 4 2026"
OWNER_HINT = f"An NHS provider's ODS code, for example RXL, or {NO_OWNING_PROVIDER} for none named"
FIGURE_GROUPS = (
    ("The review", (DECIDED_FROM, DECIDED_TO, TIMELINESS, THEME)),
    ("Learning shared", (LEARNING_METHOD, LEARNED_FROM, LEARNED_TO)),
    (
        "Recommendations",
        (RECOMMENDATION_STATUS, RECOMMENDATION_THEME, RECOMMENDATION_OWNER, RECOMMENDATION_OVERDUE),
    ),
)
"""The form's further filters, in groups; each filter of a recommendation or a learning event holds
on the same one."""
_DATE_PARTS = ("day", "month", "year")


@dataclass
class FigureFilters:
    """The further filters as read from the address: the command's, the address's (dates as
    YYYY-MM-DD, kept for the next page and the case's way back), what the form shows; what is wrong
    goes to the list's ``faults``, with its first filters'."""

    faults: FilterErrors
    command: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)  # a date box by its name, or a filter's value

    def fault(self, name: str, detail: str, anchor: str = "") -> None:
        self.faults.fault(name, detail, anchor)


def _read_day(request: WebRequest, name: str, found: FigureFilters) -> date | None:
    """A date from its three boxes (the form), else as YYYY-MM-DD (an overview's link, a page)."""
    typed = {part: request.query_value(date_part(name, part)) for part in _DATE_PARTS}
    if any(typed.values()):
        found.shown.update({date_part(name, part): value for part, value in typed.items()})
        problems: list[FieldError] = []
        text = read_date_boxes(request.query, name, problems)
        if problems:
            box = getattr(problems[0], "box", "day")
            found.fault(name, problems[0].detail, f"filter-{name}-{box}")
            return None
    else:
        text = request.query_value(name)
        if not text:
            return None
        if not ISO_DATE.fullmatch(text):
            found.fault(name, "must be a real date", f"filter-{name}-day")
            return None
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        found.fault(name, "must be a real date", f"filter-{name}-day")
        return None
    found.kept[name] = day.isoformat()
    found.shown.update(
        {
            date_part(name, "day"): str(day.day),
            date_part(name, "month"): str(day.month),
            date_part(name, "year"): str(day.year),
        }
    )
    return day


def _read_range(
    request: WebRequest, start: str, end: str, found: FigureFilters
) -> tuple[date | None, date | None]:
    first, last = _read_day(request, start, found), _read_day(request, end, found)
    if first is not None and last is not None and last < first:
        found.fault(
            end,
            f"must be the same as or after {FIGURE_LABELS[start][:1].lower()}{FIGURE_LABELS[start][1:]}",
            f"filter-{end}-day",
        )
    return first, last


def _read_choice(request: WebRequest, name: str, enum: type[StrEnum], found: FigureFilters) -> Any:
    chosen = found.faults.choice(request, name, enum)
    if chosen is not None:
        found.kept[name] = found.shown[name] = chosen.value
    return chosen


def read_figure_filters(request: WebRequest, faults: FilterErrors) -> FigureFilters:
    found = FigureFilters(faults)
    decided_from, decided_to = _read_range(request, DECIDED_FROM, DECIDED_TO, found)
    states: frozenset[Timeliness] = frozenset()
    raw = request.query_value(TIMELINESS)
    if raw:
        try:
            states = frozenset(Timeliness(value) for value in raw.split(","))
            found.kept[TIMELINESS] = found.shown[TIMELINESS] = timeliness_value(states)
        except ValueError:
            found.fault(TIMELINESS, NOT_OFFERED)
    learned_from, learned_to = _read_range(request, LEARNED_FROM, LEARNED_TO, found)
    owner = request.query_value(RECOMMENDATION_OWNER).upper() or None
    if owner is not None:
        found.shown[RECOMMENDATION_OWNER] = owner
        if not is_ods_code(owner):  # any ODS code: a closed trust's recommendations keep its code
            found.fault(RECOMMENDATION_OWNER, f"must be an NHS provider's ODS code, or {NO_OWNING_PROVIDER}")
            owner = None
        else:
            found.kept[RECOMMENDATION_OWNER] = owner
    recommendation_overdue = faults.choice(request, RECOMMENDATION_OVERDUE, yes_or_no)
    if recommendation_overdue is not None:
        found.kept[RECOMMENDATION_OVERDUE] = found.shown[RECOMMENDATION_OVERDUE] = (
            "true" if recommendation_overdue else "false"
        )
    found.command = {
        "decided_from": decided_from,
        "decided_to": decided_to,
        "timeliness": states,
        "theme": _read_choice(request, THEME, Theme, found),
        "learning_method": _read_choice(request, LEARNING_METHOD, DisseminationMethod, found),
        "learned_from": learned_from,
        "learned_to": learned_to,
        "recommendation_status": _read_choice(request, RECOMMENDATION_STATUS, RecommendationStatus, found),
        "recommendation_theme": _read_choice(request, RECOMMENDATION_THEME, Theme, found),
        "recommendation_owner": owner,
        "recommendation_overdue": recommendation_overdue,
    }
    return found


def _figure_choices(shown: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    timeliness = list(TIMELINESS_CHOICES)
    chosen = shown.get(TIMELINESS, "")
    if chosen and chosen not in {value for value, _ in timeliness}:  # a set no choice names (a link)
        timeliness.append((chosen, " or ".join(value_label(value) for value in chosen.split(","))))
    return {
        TIMELINESS: timeliness,
        THEME: options(Theme),
        LEARNING_METHOD: options(DisseminationMethod),
        RECOMMENDATION_STATUS: options(RecommendationStatus),
        RECOMMENDATION_THEME: options(Theme),
        RECOMMENDATION_OVERDUE: [("true", "Overdue"), ("false", "Not overdue")],
    }


def figure_fields(found: FigureFilters) -> list[dict[str, Any]]:
    """The form's further filters by group, each as the template draws it (select, date, text)."""
    choices = _figure_choices(found.shown)
    groups = []
    for title, names in FIGURE_GROUPS:
        fields = []
        for name in names:
            error = found.faults.message(name)
            item: dict[str, Any] = {"name": name, "label": FIGURE_LABELS[name], "error": error}
            if name in choices:
                item["kind"] = "select"
                item["items"] = _select_items({name: found.shown.get(name, "")}, {name: choices[name]})[name]
            elif name == RECOMMENDATION_OWNER:
                item.update(kind="text", value=found.shown.get(name, ""), hint=OWNER_HINT)
            else:
                item.update(
                    kind="date",
                    hint=DATE_HINT,
                    parts={part: found.shown.get(date_part(name, part), "") for part in _DATE_PARTS},
                )
            fields.append(item)
        groups.append({"title": title, "fields": fields})
    return groups


def back_url(list_query: str) -> str:
    """The list's address (under the app, never elsewhere) with only the list's own parameters of
    ``list_query``, for a case page's "Back to cases" (``BACK_PARAMETER``)."""
    kept = [(name, value) for name, value in parse_qsl(list_query) if name in LIST_PARAMETERS and value]
    return f"{APP_PREFIX}/?{urlencode(kept)}" if kept else f"{APP_PREFIX}/"


def back_to_list(request: WebRequest) -> str:
    """ "Back to cases" for the case page opened from a filtered or paged list (its ``back``)."""
    return back_url(request.query_value(BACK_PARAMETER))


def _due_text(line: DigestLine) -> str:
    if line.kind is DueKind.RECOMMENDATION:
        item = client_field("recommendations").item_label
        return f"{item[:1].upper()}{item[1:]} {line.recommendation_id} due {long_date(line.due)}"
    return f"{DEADLINE_LABELS[line.kind.value]} {long_date(line.due)}"


def due_items(case: Case, today: date) -> list[str]:
    """What is overdue or due soon on a case (within the reminders' horizon), earliest first; where
    both are listed, the overdue ones say so."""
    lines = digest_lines([case], today)
    mixed = len({line.overdue for line in lines}) > 1
    return [f"{_due_text(line)}{' (overdue)' if mixed and line.overdue else ''}" for line in lines]


class CaseListPage(Pages):
    def routes(self) -> Routes:
        return {("GET", "/app"): self.case_list}

    def case_list(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        request = context.request
        # Read in the form's order, so the error summary names the filters at fault as the form does.
        faults = FilterErrors(LIST_LABELS)
        search = request.query_value(SEARCH)
        if len(search) > MAX_SEARCH_LENGTH:
            faults.fault(SEARCH, f"must be {MAX_SEARCH_LENGTH} characters or fewer")  # shown as typed
        review_choice = faults.choice(request, "reviewType", _review_type_or_any_dhr)
        any_dhr = review_choice == ANY_DHR
        review_type = review_choice if isinstance(review_choice, ReviewType) else None
        status = faults.choice(request, "status", CaseStatus)
        stage = faults.choice(request, "stage", Stage)
        icb_options = self._icb_options(caller)
        icb_code = faults.choice(request, "icbCode", _one_of(icb_options)) or ""
        region_options = self._region_options(caller)
        region_code = faults.choice(request, REGION, _one_of(region_options)) or ""
        overdue = faults.choice(request, "overdue", yes_or_no)
        awaiting = faults.choice(request, AWAITING, Awaiting)
        cursor = request.query_value(CURSOR) or None
        further = read_figure_filters(request, faults)
        command = ListCases(
            review_type=review_type,
            review_types=DHR_REVIEW_TYPES if any_dhr else frozenset(),
            status=status,
            stage=stage,
            icb_code=icb_code or None,
            region_code=region_code or None,
            overdue=overdue,
            awaiting=awaiting,
            search=search or None,
            limit=LIST_PAGE_SIZE,
            cursor=cursor,
            **further.command,
        )
        # A filter that cannot be read is said, never dropped: the list would hold other cases.
        page = None if faults.errors else self.services.case_service().list(caller, command)
        filters = {
            "reviewType": ANY_DHR if any_dhr else review_type.value if review_type else "",
            "status": status.value if status else "",
            "stage": stage.value if stage else "",
            "icbCode": icb_code,
            REGION: region_code,
            "overdue": {True: "true", False: "false"}.get(overdue, ""),  # type: ignore[arg-type]
            AWAITING: awaiting.value if awaiting else "",
        }
        kept = {name: value for name, value in {**filters, **further.kept, SEARCH: search}.items() if value}
        back = [value for value in request.query.get(CURSOR_TRAIL, []) if value][-MAX_BACK_LINKS:]
        previous_href, next_href = (
            self._page_links(kept, back, cursor, page.next_cursor) if page else (None, None)
        )
        # A case opened from a filtered or paged list carries the list's address, to lead back to it.
        this_list = urlencode(
            [
                *kept.items(),
                *(((CURSOR, cursor),) if cursor else ()),
                *((CURSOR_TRAIL, value) for value in back),
            ]
        )
        case_query = f"?{urlencode({BACK_PARAMETER: this_list})}" if this_list else ""
        shows_icb = len(icb_options) > 1
        shows_region = len(region_options) > 1
        today = clock.today_london()
        rows = [self._row(case, case_query, today) for case in page.items] if page else []
        columns = [name for name in COLUMNS if name != "icbCode" or shows_icb]
        head = [field_label(name) for name in columns]
        if shows_region:
            head.insert(columns.index("reviewType"), field_label(REGION))
        # Overdue lists come by next due date, the most overdue first, except a provider's (read
        # through its link items, newest update first).
        by_due = overdue is True and not self.services.policy.list_scope(caller).provider_codes
        choices: dict[str, list[tuple[str, str]]] = {
            "reviewType": [*options(ReviewType), (ANY_DHR, "Any DHR (both types)")],
            "status": options(CaseStatus),
            "stage": options(Stage),
        }
        # A box not offered (one choice only) is shown when a link gave it a value not among its
        # choices, so that the error summary leads somewhere and the person can clear it.
        if shows_icb or "icbCode" in faults.errors:
            choices["icbCode"] = icb_options
        if shows_region or REGION in faults.errors:
            choices[REGION] = region_options
        choices["overdue"] = [("true", "Overdue"), ("false", "Not overdue")]
        choices[AWAITING] = AWAITING_CHOICES
        return self.site.page(
            "list.html",
            context,
            faults.status,
            filter_errors=faults.summary(),
            filter_messages={name: faults.message(name) for name in faults.errors},
            figure_groups=figure_fields(further),
            figure_filters_open=bool(further.kept) or any(name in faults.errors for name in FIGURE_FILTERS),
            rows=rows,
            shows_icb=shows_icb,
            shows_region=shows_region,
            filter_items=_select_items(filters, choices),
            filter_labels={name: label for name, label in LIST_LABELS.items() if name in choices},
            search_label=LIST_LABELS[SEARCH],
            search=search,
            table_head=[{"text": label} for label in (*head, "Deadlines")],
            caption=(
                "Overdue cases, most overdue first"
                if by_due
                else "Overdue cases, most recently updated first"
                if overdue is True
                else "Cases, most recently updated first"
            ),
            previous_href=previous_href,
            next_href=next_href,
            page_labels=("More overdue", "Less overdue") if by_due else ("Newer cases", "Older cases"),
            may_record=self.services.policy.may_record(caller),
        )

    def _page_links(
        self, kept: dict[str, str], back: list[str], cursor: str | None, next_cursor: str | None
    ) -> tuple[str | None, str | None]:
        """The addresses of the pages before and after this one: the filters, and the cursor trail."""
        previous_href = next_href = None
        if cursor:
            earlier = back[:-1]
            previous = {**kept, **({CURSOR: back[-1]} if back else {})}
            query = urlencode([*previous.items(), *((CURSOR_TRAIL, value) for value in earlier)])
            previous_href = (
                self.site.url(f"{APP_PREFIX}/?{query}") if query else self.site.url(f"{APP_PREFIX}/")
            )
        if next_cursor:
            trail = [*back, cursor] if cursor else back
            query = urlencode(
                [*kept.items(), (CURSOR, next_cursor), *((CURSOR_TRAIL, value) for value in trail)]
            )
            next_href = self.site.url(f"{APP_PREFIX}/?{query}")
        return previous_href, next_href

    def _row(self, case: Case, case_query: str, today: date) -> dict[str, Any]:
        reference = self.services.reference()
        due = due_items(case, today)
        return {
            "href": self.site.url(f"{APP_PREFIX}/cases/{case.case_id}{case_query}"),
            "reference": case.reference,
            "icb": icb_name(reference, case.icb_code),
            "region": REGION_NAMES.get(case.region_code, case.region_code),
            "reviewType": value_label(case.review_type.value),
            "stage": value_label(case.stage.value),
            "status": value_label(case.status.value),
            "updated": format_time(case.model_dump(mode="json", by_alias=True)["updatedAt"]),
            "overdue": case.deadlines.overdue,
            "due_soon": bool(due) and not case.deadlines.overdue,
            "due": due,
        }

    def _icb_options(self, caller: Caller) -> list[tuple[str, str]]:
        readable = self.services.policy.readable_icbs(caller)
        reference = self.services.reference()
        codes = sorted(reference.icbs) if readable is None else sorted(readable)
        return [(code, icb_name(reference, code)) for code in codes if reference.icb(code) is not None]

    def _region_options(self, caller: Caller) -> list[tuple[str, str]]:
        """The regions of the ICBs whose cases the caller may read: offered when more than one."""
        readable = self.services.policy.readable_icbs(caller)
        reference = self.services.reference()
        regions = (
            reference.region_codes
            if readable is None
            else {region for code in readable if (region := reference.region_of(code)) is not None}
        )
        return sorted(((code, REGION_NAMES.get(code, code)) for code in regions), key=lambda pair: pair[1])


def _review_type_or_any_dhr(raw: str) -> ReviewType | str:
    return ANY_DHR if raw == ANY_DHR else ReviewType(raw)


def _one_of(offered: list[tuple[str, str]]) -> Callable[[str], str]:
    """A filter's reader that allows only the values offered (the caller's own ICBs or regions)."""
    values = {value for value, _ in offered}

    def allowed(raw: str) -> str:
        if raw not in values:
            raise ValueError(raw)
        return raw

    return allowed


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
