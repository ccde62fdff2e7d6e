"""The one Query pager: it follows every page, stops early when asked, and keeps a read budget."""

from typing import Any

from tracker.dal.items import to_attribute_values
from tracker.dal.paging import left_off_at, query_items, query_pages


class PagedTable:
    """A Query endpoint over numbered items that answers ``Limit`` items a page, as DynamoDB does."""

    def __init__(self, count: int) -> None:
        self.items = [to_attribute_values({"n": number}) for number in range(count)]
        self.limits: list[int | None] = []

    def query(self, **request: Any) -> dict[str, Any]:
        self.limits.append(request.get("Limit"))
        start = int(request.get("ExclusiveStartKey", {"n": {"N": "-1"}})["n"]["N"]) + 1
        end = min(len(self.items), start + (request.get("Limit") or len(self.items)))
        page = self.items[start:end]
        response: dict[str, Any] = {"Items": page, "ScannedCount": len(page)}
        if end < len(self.items):
            response["LastEvaluatedKey"] = page[-1]
        return response


def test_every_page_is_followed_in_order() -> None:
    table = PagedTable(7)
    assert [item["n"] for item in query_items(table, {"Limit": 3})] == list(range(7))  # type: ignore[arg-type]
    assert len(table.limits) == 3


def test_a_reader_that_stops_reads_no_further_page() -> None:
    table = PagedTable(7)
    items = query_items(table, {"Limit": 3})  # type: ignore[arg-type]
    assert [next(items)["n"] for _ in range(3)] == [0, 1, 2]
    assert len(table.limits) == 1


def test_a_read_budget_asks_each_page_for_what_is_left_and_keeps_the_last_key() -> None:
    table = PagedTable(10)
    pages = list(query_pages(table, {"Limit": 4}, read_limit=6))  # type: ignore[arg-type]
    assert table.limits == [4, 2]
    assert sum(len(page["Items"]) for page in pages) == 6
    assert left_off_at(pages[-1]) == {"n": 5}


def test_a_budget_larger_than_the_partition_reads_it_all() -> None:
    table = PagedTable(5)
    pages = list(query_pages(table, {"Limit": 2}, read_limit=50))  # type: ignore[arg-type]
    assert [len(page["Items"]) for page in pages] == [2, 2, 1]
    assert left_off_at(pages[-1]) is None
