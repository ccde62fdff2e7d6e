"""The overview for an ICB, a region and the nation: counts from the latest snapshot's summary.

One object read per page view (the summary the snapshot job writes), never a table scan. Every
aggregate's rows carry their ICB and region, and each is narrowed to the caller's scope by the access
policy (an ICB sees its own ICB's rows and its predecessors', a regional team its region's ICBs).
Charts are SVG drawn on the server, each with a text alternative and the same figures in a table
beside it.
"""

import calendar
import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from tracker import clock
from tracker.extracts.summary import NO_PROVIDER, TimelinessCount, median_days_late
from tracker.logic.commands import NO_OWNING_PROVIDER
from tracker.models.case import DeadlineKind, Timeliness
from tracker.models.plural import counted
from tracker.reference import REGION_NAMES, ReferenceData
from tracker.web.case_list import (
    ANY_DHR,
    DECIDED_FROM,
    DECIDED_TO,
    LEARNED_FROM,
    LEARNED_TO,
    LEARNING_METHOD,
    NOT_COUNTED,
    RECOMMENDATION_OVERDUE,
    RECOMMENDATION_OWNER,
    RECOMMENDATION_STATUS,
    RECOMMENDATION_THEME,
    THEME,
    TIMELINESS,
)
from tracker.web.labels import value_label

CSV_COLUMNS = ("icbCode", "regionCode", "reviewType", "status", "cases", "overdueCases")
CSV_NAMES = {"icbCode": "icbName", "regionCode": "regionName", "reviewType": "reviewTypeLabel"}
"""The overview CSV's name columns, each right after its code (as in the snapshot's CSVs)."""
LIST_PATH = "/app/"
CHART_WIDTH = 640
FONT_SIZE = 14
LINE_HEIGHT = 18
# Wide enough for the widest average letter of a sans-serif at FONT_SIZE: a line of this many
# characters never runs past the chart's edge (where SVG would cut it off).
CHARACTER_WIDTH = FONT_SIZE * 0.6
LABEL_CHARACTERS = int(CHART_WIDTH // CHARACTER_WIDTH)
BAR_HEIGHT = 24
ROW_GAP = 12
SEGMENT_GAP = 2
"""Background between a bar's overdue and other cases: the two need not contrast with each other
(WCAG 1.4.11), only each with the background, which two colours cannot both do beside blue."""
VALUE_ROOM = 60  # right of the longest bar, for its count
# Colours (WCAG 1.4.11: 3:1 for each segment against the background; 1.4.3: 4.5:1 for text).
BACKGROUND_COLOUR = "#ffffff"
CASES_COLOUR = "#005eb8"  # NHS blue: cases not overdue
OVERDUE_COLOUR = "#d5281b"  # NHS red: overdue cases
TEXT_COLOUR = "#212b32"  # NHS text colour


def counts_in_words(cases: int, overdue: int) -> str:
    """ "1 case, 1 overdue" or "2 cases, none overdue"."""
    return f"{counted(cases, 'case')}, {overdue if overdue else 'none'} overdue"


@dataclass(frozen=True)
class Bar:
    label: str
    cases: int
    overdue: int
    link: str | None = None  # the case list filtered to this bar's cases
    overdue_link: str | None = None  # ... and to those overdue

    @property
    def in_words(self) -> str:
        return f"{self.label}, {counts_in_words(self.cases, self.overdue)}"


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class PlacedBar:
    """One bar where it is drawn: its label's lines above it, its segments, its count after it."""

    bar: Bar
    label_lines: list[str]
    label_y: float  # the first line's baseline
    y: float  # the bar's top
    segments: list[Segment]
    value_x: float
    value_y: float


def wrap(label: str, width: int = LABEL_CHARACTERS) -> list[str]:
    """The label in lines of at most ``width`` characters, broken between words (a word longer
    than a line is broken inside it): every word is drawn, none runs off the chart."""
    lines: list[str] = []
    for word in label.split():
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _chart_height(placed: "Sequence[PlacedBar | ShareBar]") -> float:
    """A chart's height: down to below its last bar (a gap alone when it has none)."""
    return placed[-1].y + BAR_HEIGHT + ROW_GAP if placed else ROW_GAP


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    bars: list[Bar]

    def geometry(self) -> list[PlacedBar]:
        """Each bar below its label: the overdue cases in red first, then the background's gap,
        then the rest in blue, all to one scale; the total after the bar."""
        largest = max((bar.cases for bar in self.bars), default=0) or 1
        room = CHART_WIDTH - VALUE_ROOM
        placed = []
        top = ROW_GAP
        for bar in self.bars:
            lines = wrap(bar.label)
            bar_y = top + len(lines) * LINE_HEIGHT + 4
            overdue_width = round(room * bar.overdue / largest, 1)
            total_width = round(room * bar.cases / largest, 1)
            segments = []
            if overdue_width > 0:
                segments.append(Segment(0, overdue_width, OVERDUE_COLOUR))
            rest_x = overdue_width + SEGMENT_GAP if overdue_width > 0 else 0
            if total_width - rest_x > 0:
                segments.append(Segment(rest_x, round(total_width - rest_x, 1), CASES_COLOUR))
            placed.append(
                PlacedBar(
                    bar=bar,
                    label_lines=lines,
                    label_y=top + LINE_HEIGHT - 4,
                    y=bar_y,
                    segments=segments,
                    value_x=total_width + 6,
                    value_y=bar_y + BAR_HEIGHT * 0.7,
                )
            )
            top = bar_y + BAR_HEIGHT + ROW_GAP
        return placed

    @property
    def height(self) -> float:
        return _chart_height(self.geometry())


ShowsFigure = Callable[[Any], bool]
"""Whether the caller may see a summary row, by its ``icbCode`` and ``regionCode`` (the access
policy's ``shows_overview_figure``): every aggregate of the summary has both, so each is narrowed."""


def scoped(rows: Iterable[Any], shows: ShowsFigure) -> list[Any]:
    return [row for row in rows if shows(row)]


def list_link(**filters: str) -> str:
    """The case list's address with these filters (``web.case_list``'s parameters)."""
    kept = [(name, value) for name, value in filters.items() if value]
    return f"{LIST_PATH}?{urlencode(kept)}" if kept else LIST_PATH


LIST_FILTERS = {
    "icbCode": "icbCode",
    "regionCode": "regionCode",
    "reviewType": "reviewType",
    "status": "status",
}
"""A summary count's group -> the case list's filter for it."""


def _chart(key: str, title: str, rows: list[Any], group: str, label: Any) -> Chart:
    cases: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    for row in rows:
        cases[getattr(row, group)] += row.cases
        overdue[getattr(row, group)] += row.overdueCases
    bars = [
        Bar(
            label(name),
            cases[name],
            overdue[name],
            link=list_link(**{LIST_FILTERS[group]: name}),
            overdue_link=list_link(**{LIST_FILTERS[group]: name, "overdue": "true"}),
        )
        for name in sorted(cases)
    ]
    return Chart(key, title, bars)


# -- timeliness, learning and recommendations -----------------------------------------------------

DEADLINE_TITLES = {
    DeadlineKind.RAPID_REVIEW.value: "Rapid reviews completed within 15 working days",
    DeadlineKind.CSPR_PUBLICATION.value: "CSPRs published within 6 months",
    DeadlineKind.DHR_COMPLETION.value: "DHRs completed within 6 months",
    DeadlineKind.SAR_COMPLETION.value: "SARs completed within their period",
}
DEADLINE_REVIEW_TYPE = {
    DeadlineKind.RAPID_REVIEW.value: "RAPID_REVIEW",
    DeadlineKind.CSPR_PUBLICATION.value: "CSPR",
    DeadlineKind.DHR_COMPLETION.value: ANY_DHR,
    DeadlineKind.SAR_COMPLETION.value: "SAR",
}


def quarter_dates(quarter: str) -> tuple[date, date]:
    """The first and last days of ``2026-Q3`` (``summary.quarter_of``'s form): 1 July, 30 September."""
    year, number = (int(part) for part in quarter.split("-Q"))
    first_month = 3 * (number - 1) + 1
    last_month = first_month + 2
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def quarter_filters(quarter: str, start: str, end: str) -> dict[str, str]:
    """The case list's date range for a quarter, both ends included."""
    first, last = quarter_dates(quarter)
    return {start: first.isoformat(), end: last.isoformat()}


def quarter_label(quarter: str) -> str:
    """``2026-Q3`` as ``July to September 2026``."""
    year, number = quarter.split("-Q")
    months = ("January to March", "April to June", "July to September", "October to December")
    return f"{months[int(number) - 1]} {year}"


def share_in_words(met: int, decided: int) -> str:
    return f"{round(100 * met / decided)}%" if decided else "none due yet"


@dataclass(frozen=True)
class TimelinessRow:
    quarter: str
    area: str  # the region's or ICB's name
    area_link: str  # the case list of this review type in this area, decided in this quarter
    on_time_link: str  # ... and of those whose deadline stands so
    late_link: str
    overdue_link: str
    not_counted_link: str
    on_time: int
    late: int
    overdue: int
    not_counted: int  # open and not yet due, embargoed, closed unmet, date not recorded
    median_days_late: int | None

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def share(self) -> float | None:
        return self.on_time / self.decided if self.decided else None

    @property
    def share_in_words(self) -> str:
        return share_in_words(self.on_time, self.decided)

    @property
    def in_words(self) -> str:
        median = (
            "" if self.median_days_late is None else f", median {counted(self.median_days_late, 'day')} late"
        )
        return (
            f"{quarter_label(self.quarter)}, {self.area}: {self.share_in_words} on time "
            f"({self.on_time} of {self.decided}){median}"
        )


@dataclass(frozen=True)
class ShareBar:
    label_lines: list[str]
    label_y: float
    y: float
    width: float
    value_x: float
    value_y: float
    value: str


@dataclass(frozen=True)
class TimelinessTable:
    key: str
    deadline: str
    title: str
    rows: list[TimelinessRow]

    def geometry(self) -> list[ShareBar]:
        """One bar per row, its length the share met on time (100% the chart's width)."""
        room = CHART_WIDTH - VALUE_ROOM
        placed = []
        top = ROW_GAP
        for row in self.rows:
            lines = wrap(f"{quarter_label(row.quarter)}, {row.area}")
            bar_y = top + len(lines) * LINE_HEIGHT + 4
            width = round(room * (row.share or 0), 1)
            placed.append(
                ShareBar(
                    lines,
                    top + LINE_HEIGHT - 4,
                    bar_y,
                    width,
                    width + 6,
                    bar_y + BAR_HEIGHT * 0.7,
                    row.share_in_words,
                )
            )
            top = bar_y + BAR_HEIGHT + ROW_GAP
        return placed

    @property
    def height(self) -> float:
        return _chart_height(self.geometry())


@dataclass(frozen=True)
class CountRow:
    cells: list[str]  # the group's words, column by column
    count: int
    second: int | None = None  # a second figure (overdue, cases), where the table has one
    link: str | None = None  # the case list of the cases the count comes from
    second_link: str | None = None  # ... the second figure's


@dataclass(frozen=True)
class CountTable:
    key: str
    title: str
    head: list[str]
    count_head: str
    rows: list[CountRow]
    second_head: str | None = None
    about: str = ""
    notes: list[str] = field(default_factory=list)


class Areas:
    """Where a figure is: the regions for a caller who reads every ICB and sees several regions, the
    ICBs otherwise (a regional team its ICBs, an ICB its own: never a region's name on its figures)."""

    def __init__(self, region_codes: Iterable[str], reference: ReferenceData, *, every_icb: bool) -> None:
        self.by_icb = not every_icb or len(set(region_codes)) <= 1
        self.reference = reference

    def of(self, row: Any) -> tuple[str, str]:
        """(sort key and filter value, name) of a summary row's area."""
        if self.by_icb:
            icb = self.reference.icb(row.icbCode)
            return row.icbCode, f"{icb.name} ({row.icbCode})" if icb else row.icbCode
        return row.regionCode, REGION_NAMES.get(row.regionCode, row.regionCode)

    @property
    def filter(self) -> str:
        return "icbCode" if self.by_icb else "regionCode"

    @property
    def heading(self) -> str:
        return "ICB" if self.by_icb else "Region"


def timeliness_tables(rows: list[TimelinessCount], areas: Areas) -> list[TimelinessTable]:
    grouped: dict[str, dict[tuple[str, str], list[TimelinessCount]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for row in rows:
        code, name = areas.of(row)
        names[code] = name
        grouped[row.deadline][(row.quarter, code)].append(row)
    tables = []
    for deadline in DEADLINE_TITLES:
        if deadline not in grouped:
            continue

        def link(quarter: str, code: str, states: str = "", deadline: str = deadline) -> str:
            return list_link(
                reviewType=DEADLINE_REVIEW_TYPE[deadline],
                **{areas.filter: code},
                **quarter_filters(quarter, DECIDED_FROM, DECIDED_TO),
                **{TIMELINESS: states},
            )

        table_rows = [
            TimelinessRow(
                quarter=quarter,
                area=names[code],
                area_link=link(quarter, code),
                on_time_link=link(quarter, code, Timeliness.ON_TIME.value),
                late_link=link(quarter, code, Timeliness.LATE.value),
                overdue_link=link(quarter, code, Timeliness.OVERDUE.value),
                not_counted_link=link(quarter, code, NOT_COUNTED),
                on_time=sum(group.onTime for group in groups),
                late=sum(group.late for group in groups),
                overdue=sum(group.overdue for group in groups),
                not_counted=sum(
                    group.open + group.embargoed + group.closedUnmet + group.dateNotRecorded
                    for group in groups
                ),
                median_days_late=median_days_late(groups),
            )
            for (quarter, code), groups in sorted(grouped[deadline].items())
        ]
        key = "timeliness-" + deadline.lower().replace("_", "-")
        tables.append(TimelinessTable(key, deadline, DEADLINE_TITLES[deadline], table_rows))
    return tables


def _labelled(
    counts: Counter[tuple[str, ...]],
    label: Callable[[tuple[str, ...]], list[str]],
    link: Callable[[tuple[str, ...]], str],
) -> list[CountRow]:
    """Rows in the order of their codes (a quarter's code sorts in time order, its words do not)."""
    return [CountRow(label(key), count, link=link(key)) for key, count in sorted(counts.items())]


def theme_table(themes: list[Any], areas: Areas) -> CountTable:
    counts: Counter[tuple[str, ...]] = Counter()
    names: dict[str, str] = {}
    for row in themes:
        code, names[code] = areas.of(row)
        counts[(row.quarter, row.reviewType, code, row.theme)] += row.cases
    return CountTable(
        "themes",
        "Themes by quarter of the decision to review",
        ["Quarter", "Review type", areas.heading, "Theme"],
        "Cases",
        _labelled(
            counts,
            lambda key: [quarter_label(key[0]), value_label(key[1]), names[key[2]], value_label(key[3])],
            lambda key: list_link(
                reviewType=key[1],
                **{areas.filter: key[2]},
                **quarter_filters(key[0], DECIDED_FROM, DECIDED_TO),
                **{THEME: key[3]},
            ),
        ),
        about="A case with several themes counts once under each.",
    )


def learning_table(learning: list[Any], areas: Areas) -> CountTable:
    events: Counter[tuple[str, ...]] = Counter()
    cases: Counter[tuple[str, ...]] = Counter()
    names: dict[str, str] = {}
    for row in learning:
        code, names[code] = areas.of(row)
        key = (row.quarter, row.method, code)
        events[key] += row.events
        cases[key] += row.cases
    rows = []
    for (quarter, method, code), count in sorted(events.items()):
        link = list_link(
            **{LEARNING_METHOD: method, areas.filter: code},
            **quarter_filters(quarter, LEARNED_FROM, LEARNED_TO),
        )
        rows.append(
            CountRow(
                [quarter_label(quarter), value_label(method), names[code]],
                count,
                cases[(quarter, method, code)],
                link=link,  # the events' cases: an event is not a case
                second_link=link,
            )
        )
    return CountTable(
        "learning",
        "Lessons shared: learning events by quarter and how",
        ["Quarter of the event", "How", areas.heading],
        "Events",
        rows,
        second_head="Cases",
        about="Each learning event recorded on a case (its date and how the learning was shared); both "
        "numbers link to the cases that shared learning so in that quarter.",
    )


RECOMMENDATION_GROUPS = (
    ("status", "Status", RECOMMENDATION_STATUS),
    ("theme", "Theme", RECOMMENDATION_THEME),
    ("owning-provider", "Owning provider", RECOMMENDATION_OWNER),
)
"""Each recommendations table: its key, its heading, and the case list's filter of its group."""


def recommendation_tables(recommendations: list[Any], reference: ReferenceData) -> list[CountTable]:
    by: dict[str, tuple[Counter[str], Counter[str]]] = {
        name: (Counter(), Counter()) for name, _, _ in RECOMMENDATION_GROUPS
    }

    def provider_name(code: str) -> str:
        if code == NO_OWNING_PROVIDER:
            return "No NHS provider named"
        provider = reference.provider(code)
        return f"{provider.name} ({code})" if provider else code

    labels = {"status": value_label, "theme": value_label, "owning-provider": provider_name}
    for row in recommendations:
        owner = NO_OWNING_PROVIDER if row.ownerProviderCode == NO_PROVIDER else row.ownerProviderCode
        for name, code in (("status", row.status), ("theme", row.theme), ("owning-provider", owner)):
            by[name][0][code] += row.recommendations
            by[name][1][code] += row.overdue
    tables = []
    for name, heading, list_filter in RECOMMENDATION_GROUPS:
        counts, overdue = by[name]
        rows = [
            CountRow(
                [labels[name](code)],
                count,
                overdue[code],
                link=list_link(**{list_filter: code}),
                second_link=list_link(**{list_filter: code, RECOMMENDATION_OVERDUE: "true"}),
            )
            for code, count in counts.items()
        ]
        tables.append(
            CountTable(
                f"recommendations-by-{name}",
                f"Recommendations by {heading.lower()}",
                [heading],
                "Recommendations",
                sorted(rows, key=lambda row: row.cells),
                second_head="Overdue",
                about="Each number links to the cases holding those recommendations (a case may hold "
                "several).",
            )
        )
    return tables


FRESH_FOR = timedelta(hours=1, minutes=15)
"""The hourly summary's age at most (its run takes minutes): an older one is said to be older."""


def computed_at(summary: Any) -> str:
    """``computed at 14:05 on 5 December 2026`` (in England)."""
    local = summary.generatedAt.astimezone(clock.LONDON)
    return f"computed at {local:%H:%M} on {local.day} {local:%B %Y}"


def figures(
    summary: Any, shows: ShowsFigure, reference: ReferenceData, *, every_icb: bool = True
) -> dict[str, Any]:
    """The page's figures from the rows the caller may see; ``every_icb``: the caller reads every
    ICB (the national team), so its areas may be regions."""
    rows = scoped(summary.counts, shows)

    def icb_label(code: str) -> str:
        icb = reference.icb(code)
        return f"{icb.name} ({code})" if icb else code

    charts = [
        _chart("by-icb", "Cases by ICB", rows, "icbCode", icb_label),
        _chart("by-review-type", "Cases by review type", rows, "reviewType", value_label),
        _chart("by-status", "Cases by status", rows, "status", value_label),
    ]

    timeliness = scoped(summary.timeliness, shows)
    areas = Areas({row.regionCode for row in (*rows, *timeliness)}, reference, every_icb=every_icb)
    return {
        "charts": charts,
        "timeliness": timeliness_tables(timeliness, areas),
        "area_heading": areas.heading,
        "themes": theme_table(scoped(summary.themes, shows), areas),
        "learning": learning_table(scoped(summary.learning, shows), areas),
        "recommendations": recommendation_tables(scoped(summary.recommendations, shows), reference),
        "computed_at": computed_at(summary),
        "stale": clock.now_utc() - summary.generatedAt > FRESH_FOR,
        "quarter_label": quarter_label,
        "in_words": counts_in_words(sum(row.cases for row in rows), sum(row.overdueCases for row in rows)),
        "chart_width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
        "font_size": FONT_SIZE,
        "line_height": LINE_HEIGHT,
        "background": BACKGROUND_COLOUR,
        "share_colour": CASES_COLOUR,
        "text_colour": TEXT_COLOUR,
    }


def csv_text(summary: Any, shows: ShowsFigure) -> str:
    """The counts the caller may see, as CSV: codes with their names beside them, and numbers."""
    from tracker.extracts.rows import code_name

    header = ["snapshotDate"]
    for column in CSV_COLUMNS:
        header += [column, CSV_NAMES[column]] if column in CSV_NAMES else [column]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in scoped(summary.counts, shows):
        cells: list[Any] = [summary.snapshotDate.isoformat()]
        for column in CSV_COLUMNS:
            value = getattr(row, column)
            cells += [value, code_name(column, value) or ""] if column in CSV_NAMES else [value]
        writer.writerow(cells)
    return buffer.getvalue()
