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

from tracker.reference import ReferenceData
from tracker.web.labels import value_label

CSV_COLUMNS = ("icbCode", "regionCode", "reviewType", "status", "cases", "overdueCases")
BAR_HEIGHT = 24
BAR_GAP = 8
LABEL_WIDTH = 260
CHART_WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    cases: int
    overdue: int


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP

    def geometry(self) -> list[dict[str, Any]]:
        """Where each bar goes: the case count in blue, its overdue part in red over it."""
        largest = max((bar.cases for bar in self.bars), default=0) or 1
        room = CHART_WIDTH - LABEL_WIDTH - 60
        placed = []
        for index, bar in enumerate(self.bars):
            y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
            placed.append(
                {
                    "bar": bar,
                    "y": y,
                    "text_y": y + BAR_HEIGHT * 0.7,
                    "width": round(room * bar.cases / largest, 1),
                    "overdue_width": round(room * bar.overdue / largest, 1),
                    "value_x": LABEL_WIDTH + round(room * bar.cases / largest, 1) + 6,
                }
            )
        return placed


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
        "total": sum(row.cases for row in rows),
        "overdue": sum(row.overdueCases for row in rows),
        "label_width": LABEL_WIDTH,
        "chart_width": CHART_WIDTH,
        "bar_height": BAR_HEIGHT,
    }


def csv_text(summary: Any, shows_region: ShowsRegion) -> str:
    """The counts the caller may see, as CSV: codes and numbers only, no free text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("snapshotDate", *CSV_COLUMNS))
    for row in scoped_rows(summary, shows_region):
        writer.writerow((summary.snapshotDate.isoformat(), *(getattr(row, column) for column in CSV_COLUMNS)))
    return buffer.getvalue()
