"""DynamoDB Query paging, written once: every Query of the data-access layer goes through here.

A hand-written loop rather than boto3's paginator: a bounded read (``read_limit``) asks each page
only for what is left of its budget, counted in items read (filtered out or not), and its caller
needs the last page's ``LastEvaluatedKey`` to say where the read stopped; the paginator keeps one
page size and counts the items it returns.
"""

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from tracker.dal.items import from_attribute_values

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import QueryOutputTypeDef


def query_pages(
    client: "DynamoDBClient", request: Mapping[str, Any], *, read_limit: int | None = None
) -> Iterator["QueryOutputTypeDef"]:
    """The responses of a Query, page after page, lazily.

    With ``read_limit``, the pages stop once that many items were read, each asking for at most what
    is left (and for no more than the request's own ``Limit``); the last page then still holds its
    ``LastEvaluatedKey`` when the partition has more.
    """
    page = dict(request)
    page_size = page.get("Limit")
    read = 0
    while True:
        if read_limit is not None:
            left = read_limit - read
            page["Limit"] = max(1, min(page_size, left) if page_size is not None else left)
        response = client.query(**page)
        yield response
        read += int(response.get("ScannedCount", len(response.get("Items", []))))
        if "LastEvaluatedKey" not in response or (read_limit is not None and read >= read_limit):
            return
        page["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def left_off_at(page: "QueryOutputTypeDef") -> dict[str, Any] | None:
    """The key (plain values) of the last item a page read when more follow it; None at the end."""
    last = page.get("LastEvaluatedKey")
    return from_attribute_values(dict(last)) if last else None


def query_items(client: "DynamoDBClient", request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item a Query finds (plain JSON-typed dicts), page after page, lazily: a reader that stops
    early reads no further page."""
    for response in query_pages(client, request):
        for raw in response.get("Items", []):
            yield from_attribute_values(raw)
