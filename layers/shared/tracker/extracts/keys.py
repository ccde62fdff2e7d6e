"""Object keys of the reporting bucket, defined once for the publisher, the snapshot and ``scrt``.

Keys use Hive-style partitions (``dt=``, ``region=``, ``icb=``) so Glue partition projection reads
them and read access can be granted per prefix.
"""

import re
from datetime import date

from tracker.extracts.ports import ExtractBucket

CHANGES_PREFIX = "changes/"
CURRENT_PREFIX = "current/"
SNAPSHOTS_PREFIX = "snapshots/"
PREFIXES = (CHANGES_PREFIX, CURRENT_PREFIX, SNAPSHOTS_PREFIX)

SNAPSHOT_CASES = "cases"
SNAPSHOT_RECOMMENDATIONS = "recommendations"
SNAPSHOT_CASE_PROVIDERS = "case_providers"  # bridge: (caseId, providerCode), for row-level security
SNAPSHOT_TABLES = (SNAPSHOT_CASES, SNAPSHOT_RECOMMENDATIONS, SNAPSHOT_CASE_PROVIDERS)

JSON_CONTENT_TYPE = "application/json"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# A key part must not smuggle in a "/" or a partition of its own.
_SAFE_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


def _part(value: str) -> str:
    if not _SAFE_PART.match(value):
        raise ValueError("value cannot be used in an object key")
    return value


def change_key(case_id: str, version: int, changed_on: date, *, removed: bool = False) -> str:
    """One object per (caseId, version): a replayed record rewrites the same key.

    ``changed_on`` is the UTC date of the version's ``updatedAt`` (or of the removal), which
    never changes for a version, so a replay lands in the same ``dt=`` partition.
    """
    suffix = ".removed" if removed else ""
    return f"{CHANGES_PREFIX}dt={changed_on.isoformat()}/{_part(case_id)}.v{version:06d}{suffix}.json"


def current_key(region_code: str, icb_code: str, case_id: str) -> str:
    return f"{CURRENT_PREFIX}region={_part(region_code)}/icb={_part(icb_code)}/{_part(case_id)}.json"


def snapshot_key(table: str, day: date) -> str:
    """One folder per table under the day's partition: an Athena table's location is a folder."""
    if table not in SNAPSHOT_TABLES:
        raise ValueError(f"unknown snapshot table {table!r}")
    return f"{SNAPSHOTS_PREFIX}dt={day.isoformat()}/{table}/{table}.csv"


SNAPSHOT_SUMMARY = "summary"
SUMMARY_FILE = "summary.json"
# The newest summary at a fixed key, so a reader needs one GET and never lists the bucket.
LATEST_SUMMARY_KEY = f"{SNAPSHOTS_PREFIX}latest/{SNAPSHOT_SUMMARY}/{SUMMARY_FILE}"


def summary_key(day: date) -> str:
    """The day's summary, in its own folder under the day's snapshot partition."""
    return f"{SNAPSHOTS_PREFIX}dt={day.isoformat()}/{SNAPSHOT_SUMMARY}/{SUMMARY_FILE}"


def extract_keys(bucket: ExtractBucket, prefix: str = "") -> list[str]:
    """Keys of extract objects under ``prefix`` (default: all of changes/, current/, snapshots/)."""
    if prefix:
        return list(bucket.list_keys(prefix))
    return [key for known in PREFIXES for key in bucket.list_keys(known)]
