"""The cases table behind the ``CaseStore`` port: case items, history items, reference counters
and list queries. Item shapes and keys live in ``items`` and ``schema``; which index a list reads is
decided here.
"""

import heapq
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from tracker.access import ListScope
from tracker.dal import schema
from tracker.dal.items import (
    case_item,
    case_record,
    from_attribute_values,
    history_item,
    provider_link_item,
    strip_keys,
    to_attribute_values,
)
from tracker.dal.paging import left_off_at, query_items, query_pages
from tracker.logic.ports import CaseFilters, ReadLimitReached, VersionConflict
from tracker.models.case import Case, HistoryEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


MAX_BATCH_GET_KEYS = 100  # DynamoDB's BatchGetItem limit


_CHECKPOINT = "__readLimitCheckpoint"
"""Marks the item a partition yields in place of the rest once its read limit is spent."""


def _is_checkpoint(item: Mapping[str, Any]) -> bool:
    return _CHECKPOINT in item


NextDue = Callable[[Case], date | None]
"""A case's next due date (``tracker.logic.due.next_due_date``): the due indexes' keys come from it."""


class DynamoCaseStore:
    """``CaseStore`` on the single-table design of ``tracker.dal.schema``.

    ``next_due`` is the domain's rule for when a case is next due: the store keys the due indexes by
    what it says and judges nothing itself.
    """

    def __init__(self, client: "DynamoDBClient", table_name: str, *, next_due: NextDue) -> None:
        self._client = client
        self._table = table_name
        self._next_due = next_due

    def _case_item(self, case: Case) -> dict[str, Any]:
        return case_item(case_record(case), self._next_due(case))

    # -- the port --------------------------------------------------------------------------

    def get(self, case_id: str) -> Case | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attribute_values(
                {schema.PARTITION_KEY: schema.case_pk(case_id), schema.SORT_KEY: schema.CASE_SK}
            ),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return Case.model_validate(strip_keys(from_attribute_values(item))) if item else None

    def create(self, case: Case, entry: HistoryEntry) -> None:
        self._write_version(
            self._case_item(case),
            history_item(case_record(case), entry.changed_fields),
            None,
            self._link_writes(case, linked=frozenset()),
        )

    def replace(self, case: Case, entry: HistoryEntry, expected_version: int) -> None:
        # The links read here are those of ``expected_version``: if the case moved on since, the
        # transaction's version condition fails and nothing is written.
        self._write_version(
            self._case_item(case),
            history_item(case_record(case), entry.changed_fields),
            expected_version,
            self._link_writes(case, linked=self.linked_providers(case.case_id)),
        )

    def _link_writes(self, case: Case, linked: frozenset[str]) -> list[Any]:
        """Puts of a link per provider named (each carries the new version's sort key and filter
        attributes), deletes of the links of providers no longer named."""
        record = case_record(case)
        named = case.providers_involved or []
        writes: list[Any] = [
            {"Put": {"TableName": self._table, "Item": to_attribute_values(provider_link_item(record, code))}}
            for code in named
        ]
        writes.extend(
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": to_attribute_values(
                        {
                            schema.PARTITION_KEY: schema.case_pk(case.case_id),
                            schema.SORT_KEY: schema.provider_link_sk(code),
                        }
                    ),
                }
            }
            for code in sorted(linked - set(named))
        )
        return writes

    def linked_providers(self, case_id: str) -> frozenset[str]:
        """The providers whose link items the case has now (one Query of the case's own items)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY, "#sk": schema.SORT_KEY},
            "ExpressionAttributeValues": to_attribute_values(
                {":pk": schema.case_pk(case_id), ":prefix": schema.PROVIDER_LINK_SK_PREFIX}
            ),
            "ProjectionExpression": "#sk",
            "ConsistentRead": True,
        }
        return frozenset(
            str(item[schema.SORT_KEY]).removeprefix(schema.PROVIDER_LINK_SK_PREFIX)
            for item in query_items(self._client, request)
        )

    def versions(self, case_id: str, *, after_version: int, limit: int) -> list[HistoryEntry]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY, "#sk": schema.SORT_KEY},
            "ExpressionAttributeValues": to_attribute_values(
                {
                    ":pk": schema.case_pk(case_id),
                    ":first": schema.history_sk(after_version + 1),
                    ":last": schema.history_sk(schema.MAX_VERSION),
                }
            ),
            "ConsistentRead": True,
            "Limit": limit,
        }
        return [
            HistoryEntry.model_validate(strip_keys(item))
            for item in islice(query_items(self._client, request), limit)
        ]

    def cases_in_scope(
        self,
        scope: ListScope,
        filters: CaseFilters,
        *,
        before: str | None,
        page_size: int,
        read_limit: int | None = None,
    ) -> Iterator[tuple[str, Case]]:
        """Every partition of the scope, merged by the indexes' shared sort key.

        Overdue lists read the due indexes (keys before the day), the most overdue first (earliest
        due date first, so ``before`` there means "after", in the list's order); others the list
        indexes (newest update first). With ``read_limit``, each partition stops after that many
        items read and leaves a checkpoint: the first checkpoint merged ends the page
        (ReadLimitReached), since every item ahead of its position has been handed out by then.
        """
        by_due = filters.overdue is True and filters.as_of is not None and not scope.provider_codes
        icb_index, region_index = (
            (schema.BY_ICB_DUE_INDEX, schema.BY_REGION_DUE_INDEX)
            if by_due
            else (schema.BY_ICB_INDEX, schema.BY_REGION_INDEX)
        )
        partitions = [(icb_index, f"{icb_index.partition_prefix}{code}") for code in scope.icb_codes] + [
            (region_index, f"{region_index.partition_prefix}{code}") for code in scope.region_codes
        ]
        equals = {
            name: str(value)
            for name, value in (
                ("reviewType", filters.review_type),
                ("status", filters.status),
                ("stage", filters.stage),
            )
            if value is not None
        }
        upper, since, updated_since = before, filters.updated_since, None
        if by_due and filters.as_of is not None:
            # Due before the day: a key condition, read from the earliest due date (past the
            # cursor's position). The update time becomes a filter there.
            upper, since, updated_since = filters.as_of.isoformat(), before, filters.updated_since
        streams: list[Iterator[tuple[str, dict[str, Any]]]] = [
            (
                (item[index.sort_key], item)
                for item in self.iter_partition(
                    index,
                    key,
                    before=upper,
                    since=since,
                    equals=equals,
                    page_size=page_size,
                    read_limit=read_limit,
                    updated_since=updated_since,
                    earliest_first=by_due,
                )
            )
            for index, key in partitions
        ]
        streams.extend(
            self._provider_streams(
                scope, filters, equals, before=before, page_size=page_size, read_limit=read_limit
            )
        )
        for position, item in heapq.merge(*streams, key=lambda pair: pair[0], reverse=not by_due):
            if _is_checkpoint(item):
                raise ReadLimitReached(position)
            yield position, Case.model_validate(strip_keys(item))

    def _provider_streams(
        self,
        scope: ListScope,
        filters: CaseFilters,
        equals: Mapping[str, str],
        *,
        before: str | None,
        page_size: int,
        read_limit: int | None = None,
    ) -> list[Iterator[tuple[str, dict[str, Any]]]]:
        """Per provider, its link items (Query of the provider index), each followed to its case."""
        index = schema.BY_PROVIDER_INDEX
        link_equals = dict(equals)
        if scope.provider_icb_code is not None:
            link_equals["icbCode"] = scope.provider_icb_code
        return [
            self._follow_links(
                self.iter_partition(
                    index,
                    f"{index.partition_prefix}{code}",
                    before=before,
                    since=filters.updated_since,
                    equals=link_equals,
                    page_size=page_size,
                    read_limit=read_limit,
                ),
                chunk=max(1, min(page_size, MAX_BATCH_GET_KEYS)),
            )
            for code in scope.provider_codes
        ]

    def _follow_links(
        self, links: Iterator[dict[str, Any]], *, chunk: int
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(position, case item) for each link, in the links' order, fetched ``chunk`` cases at a time."""
        index = schema.BY_PROVIDER_INDEX
        while True:
            batch = [link for _, link in zip(range(chunk), links, strict=False)]
            if not batch:
                return
            found = self._case_items([str(link["caseId"]) for link in batch if not _is_checkpoint(link)])
            for link in batch:
                if _is_checkpoint(link):
                    yield link[index.sort_key], link
                    continue
                item = found.get(str(link["caseId"]))
                if item is not None:
                    yield link[index.sort_key], item

    def _case_items(self, case_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Case items by id, read with BatchGetItem (strongly consistent), retrying unprocessed keys."""
        keys = [
            to_attribute_values(
                {schema.PARTITION_KEY: schema.case_pk(case_id), schema.SORT_KEY: schema.CASE_SK}
            )
            for case_id in dict.fromkeys(case_ids)
        ]
        found: dict[str, dict[str, Any]] = {}
        request: Any = {self._table: {"Keys": keys, "ConsistentRead": True}}
        while request and keys:
            response = self._client.batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(self._table, []):
                item = from_attribute_values(raw)
                found[str(item["caseId"])] = item
            request = response.get("UnprocessedKeys") or None
        return found

    def cases_due_by(self, icb_code: str, day: date) -> list[Case]:
        index = schema.BY_ICB_DUE_INDEX
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index.name,
            # Keys are "<due date>#<caseId>": every key of ``day`` sorts before the next day's date.
            "KeyConditionExpression": "#pk = :pk AND #sk < :after",
            "ExpressionAttributeNames": {"#pk": index.partition_key, "#sk": index.sort_key},
            "ExpressionAttributeValues": to_attribute_values(
                {
                    ":pk": f"{index.partition_prefix}{icb_code}",
                    ":after": (day + timedelta(days=1)).isoformat(),
                }
            ),
        }
        return [Case.model_validate(strip_keys(item)) for item in query_items(self._client, request)]

    # -- items -----------------------------------------------------------------------------

    def _write_version(
        self,
        case_item: dict[str, Any],
        history_item: dict[str, Any],
        expected_version: int | None,
        link_writes: list[Any] | None = None,
    ) -> None:
        if expected_version is None:
            case_condition: dict[str, Any] = {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY},
            }
        else:
            case_condition = {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": to_attribute_values({":expected": expected_version}),
            }
        case_put: Any = {"TableName": self._table, "Item": to_attribute_values(case_item), **case_condition}
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": case_put},
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_attribute_values(history_item),
                            "ConditionExpression": "attribute_not_exists(#pk)",
                            "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY},
                        }
                    },
                    *(link_writes or []),
                ]
            )
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
            # TransactionConflict: another write to the same item was in flight, which also means
            # the caller's version is about to be stale; both are a 412 for the caller to re-read.
            if {"ConditionalCheckFailed", "TransactionConflict"} & set(reasons):
                raise VersionConflict from None
            raise

    def next_reference_number(self, icb_code: str, year: int) -> int:
        """Atomically allocate the next sequence number of an ICB's references for a year."""
        response = self._client.update_item(
            TableName=self._table,
            Key=to_attribute_values(
                {schema.PARTITION_KEY: schema.counter_pk(icb_code, year), schema.SORT_KEY: schema.COUNTER_SK}
            ),
            UpdateExpression="ADD #next :one SET #type = :type",
            ExpressionAttributeNames={"#next": "lastNumber", "#type": schema.ENTITY_TYPE_ATTRIBUTE},
            ExpressionAttributeValues=to_attribute_values({":one": 1, ":type": schema.ENTITY_COUNTER}),
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["lastNumber"]["N"])

    def iter_partition(
        self,
        index: schema.IndexDefinition,
        partition_key: str,
        *,
        before: str | None,
        since: str | None,
        equals: Mapping[str, str],
        page_size: int,
        read_limit: int | None = None,
        updated_since: str | None = None,
        earliest_first: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Items of one index partition, latest key first, lazily page by page (Query only).

        ``before`` is exclusive (the cursor's position); ``since`` is inclusive, on the index's
        sort key; ``updated_since`` is a filter on the update time (for indexes keyed otherwise).
        With ``earliest_first`` the partition is read the other way, from the earliest key, and
        both bounds are exclusive (``since`` is then the cursor's position). After ``read_limit``
        items read (filtered out or not), a checkpoint item holding the last key read ends the
        partition if it has more.
        """
        if before is not None and since is not None and since >= before:
            return  # nothing lies between (a cursor from a day before an overdue list's today)
        names = {"#pk": index.partition_key}
        values: dict[str, Any] = {":pk": partition_key}
        if before is not None or since is not None:
            names["#sk"] = index.sort_key
        key_condition = "#pk = :pk"
        if before is not None and since is not None:
            key_condition += " AND #sk BETWEEN :since AND :before"
            values.update({":since": since, ":before": before})
        elif before is not None:
            key_condition += " AND #sk < :before"
            values[":before"] = before
        elif since is not None:
            key_condition += " AND #sk > :since" if earliest_first else " AND #sk >= :since"
            values[":since"] = since
        filters = []
        for position, (attribute, value) in enumerate(sorted(equals.items())):
            names[f"#f{position}"] = attribute
            values[f":f{position}"] = value
            filters.append(f"#f{position} = :f{position}")
        if updated_since is not None:
            names["#updated"] = schema.BY_ICB_INDEX.sort_key
            values[":updated"] = updated_since
            filters.append("#updated >= :updated")
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index.name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_attribute_values(values),
            "ScanIndexForward": earliest_first,
            "Limit": page_size,
        }
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        response = None
        for response in query_pages(self._client, request, read_limit=read_limit):
            for raw in response.get("Items", []):
                item = from_attribute_values(raw)
                # BETWEEN is inclusive; the cursor's own item was on the last page.
                if before is not None and item[index.sort_key] >= before:
                    continue
                if earliest_first and since is not None and item[index.sort_key] <= since:
                    continue
                yield item
        last = left_off_at(response) if response is not None else None
        if last is not None:  # the read budget ran out before the partition did
            yield {_CHECKPOINT: True, index.sort_key: last[index.sort_key]}
