"""The overview for regional and national teams: counts from the latest daily snapshot's summary.

One object read per page view (the summary the snapshot job writes), never a table scan. Rows are
narrowed to the caller's scope (a regional team sees its region's ICBs). Charts are SVG drawn on
the server, each with a text alternative and the same figures in a table beside it.
"""

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracker.models.plural import counted
from tracker.reference import ReferenceData
from tracker.web.labels import value_label

CSV_COLUMNS = ("icbCode", "regionCode", "reviewType", "status", "cases", "overdueCases")
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
        placed = self.geometry()
        return placed[-1].y + BAR_HEIGHT + ROW_GAP if placed else ROW_GAP


ShowsRegion = Callable[[str], bool]
"""Whether the caller may see a region's figures (the access policy's answer)."""


def scoped_rows(summary: Any, shows_region: ShowsRegion) -> list[Any]:
    return [row for row in summary.counts if shows_region(row.regionCode)]


def _chart(key: str, title: str, rows: list[Any], group: str, label: Any) -> Chart:
    cases: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    for row in rows:
        cases[getattr(row, group)] += row.cases
        overdue[getattr(row, group)] += row.overdueCases
    bars = [Bar(label(name), cases[name], overdue[name]) for name in sorted(cases)]
    return Chart(key, title, bars)


def figures(summary: Any, shows_region: ShowsRegion, reference: ReferenceData) -> dict[str, Any]:
    rows = scoped_rows(summary, shows_region)

    def icb_label(code: str) -> str:
        icb = reference.icb(code)
        return f"{icb.name} ({code})" if icb else code

    charts = [
        _chart("by-icb", "Cases by ICB", rows, "icbCode", icb_label),
        _chart("by-review-type", "Cases by review type", rows, "reviewType", value_label),
        _chart("by-status", "Cases by status", rows, "status", value_label),
    ]
    return {
        "charts": charts,
        "in_words": counts_in_words(sum(row.cases for row in rows), sum(row.overdueCases for row in rows)),
        "chart_width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
        "font_size": FONT_SIZE,
        "line_height": LINE_HEIGHT,
        "background": BACKGROUND_COLOUR,
        "text_colour": TEXT_COLOUR,
    }


def csv_text(summary: Any, shows_region: ShowsRegion) -> str:
    """The counts the caller may see, as CSV: codes and numbers only, no free text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("snapshotDate", *CSV_COLUMNS))
    for row in scoped_rows(summary, shows_region):
        writer.writerow((summary.snapshotDate.isoformat(), *(getattr(row, column) for column in CSV_COLUMNS)))
    return buffer.getvalue()
