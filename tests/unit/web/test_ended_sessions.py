"""Sessions ended by signing out, as the DynamoDB store keeps them (moto): one small item per
session, with the table's time-to-live, that the change stream never passes on."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tracker.dal import schema
from tracker.dal.case_stream import EVENT_SOURCE_FILTER_PATTERN
from tracker.dal.ended_sessions import DynamoEndedSessions

TABLE = "synthetic-cases"


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


def test_an_ended_session_is_found_and_another_is_not(dynamodb: Any) -> None:
    store = DynamoEndedSessions(dynamodb, TABLE)
    assert not store.is_ended("session-a")

    store.end("session-a", 1_800_043_200)

    assert store.is_ended("session-a")
    assert not store.is_ended("session-b")


def test_the_item_carries_the_tables_time_to_live_and_no_case_sort_key(dynamodb: Any) -> None:
    DynamoEndedSessions(dynamodb, TABLE).end("session-a", 1_800_043_200)

    items = dynamodb.scan(TableName=TABLE)["Items"]

    assert items == [
        {
            schema.PARTITION_KEY: {"S": "SIGNEDOUT#session-a"},
            schema.SORT_KEY: {"S": "SESSION"},
            schema.ENTITY_TYPE_ATTRIBUTE: {"S": schema.ENTITY_SIGNED_OUT},
            schema.CASES_TTL_ATTRIBUTE: {"N": "1800043200"},
        }
    ]
    # The change stream's filter passes only sk = CASE: this item never reaches the publisher.
    assert (
        items[0][schema.SORT_KEY]["S"]
        not in EVENT_SOURCE_FILTER_PATTERN["dynamodb"]["Keys"][schema.SORT_KEY]["S"]
    )
