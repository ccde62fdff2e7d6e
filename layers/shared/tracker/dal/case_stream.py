"""The cases table's change stream: which records reach the publisher, and each record decoded into
the case records it carries (the case's fields, its item's keys left behind).

Records are decoded but not validated: the publisher validates, where a failure is reported without
its message (which could quote restricted text).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracker.dal import schema
from tracker.dal.items import from_attribute_values, is_case_item, strip_keys

# Lambda event source filter: only the case item's records reach the publisher (history items and
# reference counters are dropped by the platform, before an invocation is paid for). Keys are
# present on every event type, REMOVE included, so the filter is on the sort key.
EVENT_SOURCE_FILTER_PATTERN: dict[str, Any] = {
    "dynamodb": {"Keys": {schema.SORT_KEY: {"S": [schema.CASE_SK]}}}
}


@dataclass(frozen=True)
class StreamChange:
    event_id: str
    event_name: str  # INSERT | MODIFY | REMOVE
    old_record: dict[str, Any] | None  # plain JSON-typed fields, without the item's keys
    new_record: dict[str, Any] | None
    created_at: datetime | None  # ApproximateCreationDateTime
    is_case_change: bool  # a case item's record (not a history item's, a counter's...)

    @property
    def case_id(self) -> str | None:
        record = self.new_record or self.old_record or {}
        value = record.get("caseId")
        return str(value) if value is not None else None

    @property
    def version(self) -> int | None:
        record = self.new_record or self.old_record or {}
        value = record.get("version")
        return int(value) if value is not None else None


def stream_change(record: dict[str, Any]) -> StreamChange:
    """A change from one record of a Lambda DynamoDB stream event."""
    data = record.get("dynamodb") or {}
    images = [
        from_attribute_values(image) if image else None
        for image in (data.get("OldImage"), data.get("NewImage"))
    ]
    old_image, new_image = images
    created = data.get("ApproximateCreationDateTime")
    return StreamChange(
        event_id=str(record.get("eventID", "")),
        event_name=str(record.get("eventName", "")),
        old_record=strip_keys(old_image) if old_image is not None else None,
        new_record=strip_keys(new_image) if new_image is not None else None,
        created_at=datetime.fromtimestamp(float(created), UTC) if created is not None else None,
        is_case_change=any(image is not None and is_case_item(image) for image in images),
    )


def case_id_of_keys(keys: Any) -> str | None:
    """The case a stream record's keys (DynamoDB JSON, or plain) belong to; None for other items."""
    if not isinstance(keys, dict):
        return None
    value = keys.get(schema.PARTITION_KEY, {})
    text = value.get("S") if isinstance(value, dict) else value
    if isinstance(text, str) and text.startswith(schema.CASE_PK_PREFIX):
        return text.removeprefix(schema.CASE_PK_PREFIX)
    return None
