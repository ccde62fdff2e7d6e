"""How a case and its history look as DynamoDB items, and back.

A case item holds the case representation's fields (camelCase, JSON types, no derived
``deadlines``) at the top level beside its key attributes, so a stream image deserializes
straight into the model. Keys are stripped with ``strip_keys`` before validation.
"""

from datetime import date
from typing import Any

from tracker.dal import schema
from tracker.models.case import Case

_KEY_AND_META = frozenset({*schema.KEY_ATTRIBUTES, schema.ENTITY_TYPE_ATTRIBUTE})


def case_record(case: Case) -> dict[str, Any]:
    """What an item keeps of a case: its JSON form without the derived deadlines."""
    return case.model_dump(mode="json", exclude_none=True, exclude={"deadlines"})


def case_item(record: dict[str, Any], next_due: date | None = None) -> dict[str, Any]:
    """A case item from the JSON form of a case (``Case.model_dump(mode="json", by_alias=True)``).

    ``next_due`` (the case's earliest open deadline, as the domain judges it) puts the case on the
    due indexes.
    """
    sort_key = schema.index_sort_key(record["updatedAt"], record["caseId"])
    return {
        **_due_keys(record, next_due),
        **{name: value for name, value in record.items() if value is not None and name != "deadlines"},
        schema.PARTITION_KEY: schema.case_pk(record["caseId"]),
        schema.SORT_KEY: schema.CASE_SK,
        schema.ENTITY_TYPE_ATTRIBUTE: schema.ENTITY_CASE,
        schema.BY_ICB_INDEX.partition_key: f"{schema.BY_ICB_INDEX.partition_prefix}{record['icbCode']}",
        schema.BY_ICB_INDEX.sort_key: sort_key,
        schema.BY_REGION_INDEX.partition_key: schema.BY_REGION_INDEX.partition_prefix + record["regionCode"],
        schema.BY_REGION_INDEX.sort_key: sort_key,
    }


def _due_keys(record: dict[str, Any], next_due: date | None) -> dict[str, str]:
    if next_due is None:
        return {}  # nothing due: the case stays off the sparse due indexes
    due_key = schema.due_sort_key(next_due.isoformat(), record["caseId"])
    icb, region = schema.BY_ICB_DUE_INDEX, schema.BY_REGION_DUE_INDEX
    return {
        icb.partition_key: f"{icb.partition_prefix}{record['icbCode']}",
        icb.sort_key: due_key,
        region.partition_key: f"{region.partition_prefix}{record['regionCode']}",
        region.sort_key: due_key,
    }


LINK_ATTRIBUTES = ("caseId", "icbCode", "regionCode", "reviewType", "status", "stage", "updatedAt")
"""What a provider link copies from its case: what a provider's list filters on, never text."""


def provider_link_item(record: dict[str, Any], provider_code: str) -> dict[str, Any]:
    """The link item saying the case names ``provider_code``: the provider index's entry for it."""
    index = schema.BY_PROVIDER_INDEX
    return {
        **{name: record[name] for name in LINK_ATTRIBUTES},
        "providerCode": provider_code,
        schema.PARTITION_KEY: schema.case_pk(record["caseId"]),
        schema.SORT_KEY: schema.provider_link_sk(provider_code),
        schema.ENTITY_TYPE_ATTRIBUTE: schema.ENTITY_PROVIDER_LINK,
        index.partition_key: f"{index.partition_prefix}{provider_code}",
        index.sort_key: schema.index_sort_key(record["updatedAt"], record["caseId"]),
    }


def history_item(record: dict[str, Any], changed_fields: list[str]) -> dict[str, Any]:
    """A history item: who changed which fields (the identifier, and the person's name when the
    version has one), and the whole case as it was after the change."""
    named = {"changedByName": record["updatedByName"]} if record.get("updatedByName") else {}
    return {
        schema.PARTITION_KEY: schema.case_pk(record["caseId"]),
        schema.SORT_KEY: schema.history_sk(record["version"]),
        schema.ENTITY_TYPE_ATTRIBUTE: schema.ENTITY_HISTORY,
        "version": record["version"],
        "changedAt": record["updatedAt"],
        "changedBy": record["updatedBy"],
        **named,
        "changedFields": changed_fields,
        "case": {name: value for name, value in record.items() if value is not None and name != "deadlines"},
    }


def strip_keys(item: dict[str, Any]) -> dict[str, Any]:
    """The case record held in a case item (or a stream image of one)."""
    return {name: value for name, value in item.items() if name not in _KEY_AND_META}


def is_case_item(item: dict[str, Any]) -> bool:
    return item.get(schema.ENTITY_TYPE_ATTRIBUTE) == schema.ENTITY_CASE


def _plain(value: Any) -> Any:
    # DynamoDB numbers come back as Decimal; the case record only holds whole numbers.
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | set | tuple):
        return [_plain(inner) for inner in value]
    return value


def from_attribute_values(image: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON-typed dict from a DynamoDB-JSON item or stream image (``{"S": ...}`` values)."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {name: _plain(deserializer.deserialize(value)) for name, value in image.items()}


def to_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in item.items()}
