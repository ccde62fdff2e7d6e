"""Reminder contacts in the cases table: one item per ICB or region (keyed by its code, which the
record holds as ``icbCode``) and one per version, written together."""

from itertools import islice
from typing import TYPE_CHECKING, Any

from tracker.dal import schema
from tracker.dal.items import from_attribute_values, to_attribute_values
from tracker.dal.paging import query_items
from tracker.logic.ports import VersionConflict
from tracker.models.contacts import ContactsChange, IcbContacts

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_KEYS = frozenset({schema.PARTITION_KEY, schema.SORT_KEY, schema.ENTITY_TYPE_ATTRIBUTE})


def _without_keys(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _KEYS}


class DynamoContactStore:
    """``ContactStore``: ``CONTACTS#<icb or region>`` holds the current addresses and every version."""

    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, icb_code: str) -> IcbContacts | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attribute_values(
                {schema.PARTITION_KEY: schema.contacts_pk(icb_code), schema.SORT_KEY: schema.CONTACTS_SK}
            ),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return IcbContacts.model_validate(_without_keys(from_attribute_values(item))) if item else None

    def put(self, contacts: IcbContacts, change: ContactsChange, expected_version: int) -> None:
        pk = schema.contacts_pk(contacts.icb_code)
        current = {
            **contacts.model_dump(mode="json", exclude_none=True),
            schema.PARTITION_KEY: pk,
            schema.SORT_KEY: schema.CONTACTS_SK,
            schema.ENTITY_TYPE_ATTRIBUTE: schema.ENTITY_CONTACTS,
        }
        version = {
            **change.model_dump(mode="json", exclude_none=True),
            schema.PARTITION_KEY: pk,
            schema.SORT_KEY: schema.history_sk(change.version),
            schema.ENTITY_TYPE_ATTRIBUTE: schema.ENTITY_CONTACTS_VERSION,
        }
        if expected_version == 0:
            condition: dict[str, Any] = {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY},
            }
        else:
            condition = {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": to_attribute_values({":expected": expected_version}),
            }
        writes: list[Any] = [
            {"Put": {"TableName": self._table, "Item": to_attribute_values(current), **condition}},
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_attribute_values(version),
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY},
                }
            },
        ]
        try:
            self._client.transact_write_items(TransactItems=writes)
        except self._client.exceptions.TransactionCanceledException as error:
            reasons = {reason.get("Code") for reason in error.response.get("CancellationReasons", [])}
            if {"ConditionalCheckFailed", "TransactionConflict"} & reasons:
                raise VersionConflict from None
            raise

    def changes(self, icb_code: str, *, after_version: int, limit: int) -> list[ContactsChange]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY, "#sk": schema.SORT_KEY},
            "ExpressionAttributeValues": to_attribute_values(
                {
                    ":pk": schema.contacts_pk(icb_code),
                    ":first": schema.history_sk(after_version + 1),
                    ":last": schema.history_sk(schema.MAX_VERSION),
                }
            ),
            "ConsistentRead": True,
            "Limit": limit,
        }
        return [
            ContactsChange.model_validate(_without_keys(item))
            for item in islice(query_items(self._client, request), limit)
        ]
