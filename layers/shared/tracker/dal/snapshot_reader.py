"""Every case item of the table, read region partition by region partition (Query, never Scan)."""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tracker import clock
from tracker.dal import schema
from tracker.dal.items import is_case_item, strip_keys
from tracker.dal.paging import query_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PAGE_SIZE = 500

# Index sort keys are "<updatedAt>#<caseId>"; "$" is the character after "#", so every key of a
# case updated at or before a moment sorts below "<that moment>$".
_AFTER_SEPARATOR = "$"


def region_partition(region_code: str) -> str:
    return f"{schema.BY_REGION_INDEX.partition_prefix}{region_code}"


def iter_case_items(
    client: "DynamoDBClient",
    table_name: str,
    region_codes: Iterable[str],
    *,
    updated_until: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Case items (plain dicts, keys included) of each region's partition of the region index,
    oldest update first, of the cases last updated at or before ``updated_until`` (a timestamp as
    ``clock.format_timestamp`` writes it; default: when the read starts).

    The bound makes each case appear at most once: an update moves a case's index entry to the end
    of its partition (or to another region's), where an unbounded read would meet it a second
    time. A case updated while the read runs is read at its older position if that page was
    already read, or not at all (its next read, the next day's, finds it). Memory stays flat: no
    set of the ids seen is kept.

    The index is sparse (only case items carry its keys), so history items never appear.
    """
    index = schema.BY_REGION_INDEX
    until = updated_until or clock.format_timestamp(clock.now_utc())
    for region_code in sorted(set(region_codes)):
        request: dict[str, Any] = {
            "TableName": table_name,
            "IndexName": index.name,
            "KeyConditionExpression": "#pk = :pk AND #sk < :bound",
            "ExpressionAttributeNames": {"#pk": index.partition_key, "#sk": index.sort_key},
            "ExpressionAttributeValues": {
                ":pk": {"S": region_partition(region_code)},
                ":bound": {"S": f"{until}{_AFTER_SEPARATOR}"},
            },
            "Limit": PAGE_SIZE,
        }
        yield from (item for item in query_items(client, request) if is_case_item(item))


def iter_case_records(
    client: "DynamoDBClient",
    table_name: str,
    region_codes: Iterable[str],
    *,
    updated_until: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The cases of ``iter_case_items`` as records: each case's stored fields, its keys left behind."""
    for item in iter_case_items(client, table_name, region_codes, updated_until=updated_until):
        yield strip_keys(item)
