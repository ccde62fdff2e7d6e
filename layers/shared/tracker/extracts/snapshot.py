"""The daily whole-collection snapshot: one CSV of cases and one of recommendations."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from tracker.dal.extract_store import ExtractStore
from tracker.extracts.columns import SCHEMA_VERSION, snapshot_case_columns, snapshot_recommendation_columns
from tracker.extracts.keys import CSV_CONTENT_TYPE, SNAPSHOT_CASES, SNAPSHOT_RECOMMENDATIONS, snapshot_key
from tracker.extracts.rows import case_row, encode_csv, parse_case, recommendation_rows


def render_snapshot(items: Iterable[dict[str, Any]], day: date) -> dict[str, bytes]:
    """Object key -> CSV bytes. Rows sorted by reference then caseId, so a rerun gives the same bytes."""
    cases = sorted((parse_case(item) for item in items), key=lambda case: (case.reference, case.case_id))
    metadata = {"snapshotDate": day.isoformat()}
    case_rows = [case_row(case, snapshot_case_columns(), as_of=day, metadata=metadata) for case in cases]
    recommendations = [row for case in cases for row in recommendation_rows(case, as_of=day, metadata=metadata)]
    return {
        snapshot_key(SNAPSHOT_CASES, day): encode_csv(snapshot_case_columns(), case_rows),
        snapshot_key(SNAPSHOT_RECOMMENDATIONS, day): encode_csv(snapshot_recommendation_columns(), recommendations),
    }


def write_snapshot(store: ExtractStore, items: Iterable[dict[str, Any]], day: date) -> list[str]:
    """Render and write the day's snapshot (overwriting a rerun's); returns the keys written."""
    objects = render_snapshot(items, day)
    for key, body in objects.items():
        store.put(key, body, CSV_CONTENT_TYPE, SCHEMA_VERSION)
    return list(objects)
