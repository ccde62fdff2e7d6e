"""Forms kept after their session ended, as the DynamoDB store keeps them (moto): the sealed bytes
as they were given, found only until their expiry, gone when discarded, never on the change stream."""

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tracker.dal import schema
from tracker.dal.case_stream import EVENT_SOURCE_FILTER_PATTERN
from tracker.dal.ended_sessions import DynamoEndedSessions
from tracker.dal.kept_forms import DynamoKeptForms

TABLE = "synthetic-cases"
SEALED = bytes(range(256)) * 4  # any bytes, not only text


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client: Any = boto3.client("dynamodb", region_name="eu-west-2")
        client.create_table(**schema.create_table_kwargs(TABLE))
        yield client


def test_a_kept_form_reads_back_as_kept_and_is_gone_once_discarded(dynamodb: Any) -> None:
    store = DynamoKeptForms(dynamodb, TABLE)
    store.keep("form-a", SEALED, int(time.time()) + 1800)

    assert store.read("form-a") == SEALED
    assert store.read("form-b") is None
    store.discard("form-a")
    assert store.read("form-a") is None


def test_a_kept_form_past_its_expiry_is_not_read_before_the_time_to_live_removes_it(dynamodb: Any) -> None:
    store = DynamoKeptForms(dynamodb, TABLE)
    store.keep("form-a", SEALED, int(time.time()) - 1)

    assert store.read("form-a") is None


def test_the_item_carries_the_tables_time_to_live_and_no_case_sort_key(dynamodb: Any) -> None:
    DynamoKeptForms(dynamodb, TABLE).keep("form-a", b"sealed", 1_800_043_200)

    items = dynamodb.scan(TableName=TABLE)["Items"]

    assert items == [
        {
            schema.PARTITION_KEY: {"S": "KEPTFORM#form-a"},
            schema.SORT_KEY: {"S": "FORM"},
            schema.ENTITY_TYPE_ATTRIBUTE: {"S": "KEPT_FORM"},
            schema.CASES_TTL_ATTRIBUTE: {"N": "1800043200"},
            "sealed": {"B": b"sealed"},
        }
    ]
    assert (
        items[0][schema.SORT_KEY]["S"]
        not in EVENT_SOURCE_FILTER_PATTERN["dynamodb"]["Keys"][schema.SORT_KEY]["S"]
    )


def test_the_ended_sessions_store_keeps_forms_beside_it_in_the_same_table(dynamodb: Any) -> None:
    DynamoEndedSessions(dynamodb, TABLE).kept_forms().keep("form-a", SEALED, int(time.time()) + 60)
    assert DynamoKeptForms(dynamodb, TABLE).read("form-a") == SEALED
