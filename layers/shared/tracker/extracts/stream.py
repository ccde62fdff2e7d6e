"""DynamoDB stream records (Lambda's event shape) as changes of case items."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracker.dal import schema
from tracker.dal.items import from_attribute_values, is_case_item

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
    old_image: dict[str, Any] | None  # plain JSON-typed item, keys included
    new_image: dict[str, Any] | None
    created_at: datetime | None  # ApproximateCreationDateTime

    @property
    def is_case_change(self) -> bool:
        return any(image is not None and is_case_item(image) for image in (self.old_image, self.new_image))

    @property
    def case_id(self) -> str | None:
        image = self.new_image or self.old_image or {}
        value = image.get("caseId")
        return str(value) if value is not None else None

    @property
    def version(self) -> int | None:
        image = self.new_image or self.old_image or {}
        value = image.get("version")
        return int(value) if value is not None else None


def stream_change(record: dict[str, Any]) -> StreamChange:
    """A change from one record of a Lambda DynamoDB stream event."""
    data = record.get("dynamodb") or {}
    old_image = data.get("OldImage")
    new_image = data.get("NewImage")
    created = data.get("ApproximateCreationDateTime")
    return StreamChange(
        event_id=str(record.get("eventID", "")),
        event_name=str(record.get("eventName", "")),
        old_image=from_attribute_values(old_image) if old_image else None,
        new_image=from_attribute_values(new_image) if new_image else None,
        created_at=datetime.fromtimestamp(float(created), UTC) if created is not None else None,
    )
