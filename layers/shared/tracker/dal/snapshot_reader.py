"""Every case item of the table, read region partition by region partition (Query, never Scan)."""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tracker.dal import schema
from tracker.dal.items import from_attribute_values, is_case_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PAGE_SIZE = 500


def region_partition(region_code: str) -> str:
    return f"{schema.BY_REGION_INDEX.partition_prefix}{region_code}"


def iter_case_items(
    client: "DynamoDBClient", table_name: str, region_codes: Iterable[str]
) -> Iterator[dict[str, Any]]:
    """Case items (plain dicts, keys included) of each region's partition of the region index.

    The index is sparse (only case items carry its keys), so history items never appear.
    """
    index = schema.BY_REGION_INDEX
    for region_code in sorted(set(region_codes)):
        request: dict[str, Any] = {
            "TableName": table_name,
            "IndexName": index.name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": index.partition_key},
            "ExpressionAttributeValues": {":pk": {"S": region_partition(region_code)}},
            "Limit": PAGE_SIZE,
        }
        while True:
            response = client.query(**request)
            for raw in response.get("Items", []):
                item = from_attribute_values(raw)
                if is_case_item(item):
                    yield item
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
