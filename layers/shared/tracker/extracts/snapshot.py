"""The daily whole-collection snapshot: one CSV of cases and one of recommendations.

People open these in spreadsheets, so every cell goes through ``rows.csv_cell``: text that a
spreadsheet would run as a formula is written with a leading ``'``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from tracker import clock
from tracker.dal.extract_store import ExtractStore
from tracker.extracts.columns import SCHEMA_VERSION, snapshot_case_columns, snapshot_recommendation_columns
from tracker.extracts.keys import CSV_CONTENT_TYPE, SNAPSHOT_CASES, SNAPSHOT_RECOMMENDATIONS, snapshot_key
from tracker.extracts.rows import case_row, encode_csv, parse_case, recommendation_rows
from tracker.models.case import Case


@dataclass(frozen=True)
class Snapshot:
    day: date
    objects: dict[str, bytes]  # key -> CSV bytes
    case_count: int
    recommendation_count: int
    # Case items the model rejects are left out rather than failing the day's whole snapshot;
    # their ids are reported (never the validation message, which can quote restricted text).
    rejected_case_ids: list[str] = field(default_factory=list)


def render_snapshot(items: Iterable[dict[str, Any]], day: date) -> Snapshot:
    """Rows sorted by reference then caseId, so a rerun over the same table gives the same bytes."""
    cases: list[Case] = []
    rejected: list[str] = []
    for item in items:
        try:
            cases.append(parse_case(item))
        except ValidationError:
            rejected.append(str(item.get("caseId")))
    cases.sort(key=lambda case: (case.reference, case.case_id))
    metadata = {"snapshotDate": day.isoformat()}
    case_rows = [case_row(case, snapshot_case_columns(), as_of=day, metadata=metadata) for case in cases]
    recommendations = [
        row for case in cases for row in recommendation_rows(case, as_of=day, metadata=metadata)
    ]
    objects = {
        snapshot_key(SNAPSHOT_CASES, day): encode_csv(snapshot_case_columns(), case_rows),
        snapshot_key(SNAPSHOT_RECOMMENDATIONS, day): encode_csv(
            snapshot_recommendation_columns(), recommendations
        ),
    }
    return Snapshot(day, objects, len(case_rows), len(recommendations), sorted(rejected))


def write_snapshot(store: ExtractStore, items: Iterable[dict[str, Any]], day: date) -> Snapshot:
    """Render and write the day's snapshot (a rerun overwrites the day's objects)."""
    snapshot = render_snapshot(items, day)
    for key, body in snapshot.objects.items():
        store.put(key, body, CSV_CONTENT_TYPE, SCHEMA_VERSION)
    return snapshot


def snapshot_day(event: dict[str, Any]) -> date:
    """The day a snapshot invocation is for.

    ``{"snapshotDate": "YYYY-MM-DD"}`` reruns a day; an EventBridge schedule's ``time`` is used
    otherwise (its date in England), so a retried invocation writes the same partition.
    """
    if event.get("snapshotDate"):
        return date.fromisoformat(str(event["snapshotDate"]))
    if event.get("time"):
        moment = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
        return moment.astimezone(clock.LONDON).date()
    return clock.today_london()
