"""The daily whole-collection snapshot: one CSV of cases and one of recommendations."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from tracker import clock
from tracker.dal.extract_store import ExtractStore
from tracker.extracts.columns import SCHEMA_VERSION, snapshot_case_columns, snapshot_recommendation_columns
from tracker.extracts.keys import CSV_CONTENT_TYPE, SNAPSHOT_CASES, SNAPSHOT_RECOMMENDATIONS, snapshot_key
from tracker.extracts.rows import case_row, encode_csv, parse_case, recommendation_rows


def render_snapshot(items: Iterable[dict[str, Any]], day: date) -> dict[str, bytes]:
    """Object key -> CSV bytes. Rows sorted by reference then caseId, so a rerun gives the same bytes."""
    cases = sorted((parse_case(item) for item in items), key=lambda case: (case.reference, case.case_id))
    metadata = {"snapshotDate": day.isoformat()}
    case_rows = [case_row(case, snapshot_case_columns(), as_of=day, metadata=metadata) for case in cases]
    recommendations = [
        row for case in cases for row in recommendation_rows(case, as_of=day, metadata=metadata)
    ]
    return {
        snapshot_key(SNAPSHOT_CASES, day): encode_csv(snapshot_case_columns(), case_rows),
        snapshot_key(SNAPSHOT_RECOMMENDATIONS, day): encode_csv(
            snapshot_recommendation_columns(), recommendations
        ),
    }


def write_snapshot(store: ExtractStore, items: Iterable[dict[str, Any]], day: date) -> list[str]:
    """Render and write the day's snapshot (overwriting a rerun's); returns the keys written."""
    objects = render_snapshot(items, day)
    for key, body in objects.items():
        store.put(key, body, CSV_CONTENT_TYPE, SCHEMA_VERSION)
    return list(objects)


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
