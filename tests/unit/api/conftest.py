"""The API functions over moto in-process, called with API Gateway events."""

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.support.api import CASES_TABLE, IDEMPOTENCY_TABLE, Api, create_tables, reset_caches
from tracker import config


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, fixed_today: None) -> Iterator[Api]:
    monkeypatch.setenv(config.CASES_TABLE_ENV, CASES_TABLE)
    monkeypatch.setenv(config.IDEMPOTENCY_TABLE_ENV, IDEMPOTENCY_TABLE)
    monkeypatch.setenv(config.CURSOR_KEY_ENV, "test-cursor-key-0123456789abcdef")
    with mock_aws():
        reset_caches()
        import boto3

        client = boto3.client("dynamodb", region_name="eu-west-2")
        create_tables(client)
        yield Api(client)
    reset_caches()
