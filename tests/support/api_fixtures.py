"""The ``api`` fixture: the API functions over moto in-process, called with API Gateway events.

Conftests re-export it (``from tests.support.api_fixtures import *``) where tests drive the API."""

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.support.api import AUDIT_TABLE, CASES_TABLE, IDEMPOTENCY_TABLE, Api, create_tables, reset_caches
from tracker import settings

__all__ = ["api"]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, fixed_today: None) -> Iterator[Api]:
    monkeypatch.setenv(settings.CASES_TABLE_NAME, CASES_TABLE)
    monkeypatch.setenv(settings.IDEMPOTENCY_TABLE_NAME, IDEMPOTENCY_TABLE)
    monkeypatch.setenv(settings.AUDIT_TABLE_NAME, AUDIT_TABLE)
    monkeypatch.setenv(settings.CURSOR_SIGNING_KEY, "test-cursor-key-0123456789abcdef")
    with mock_aws():
        reset_caches()
        import boto3

        client = boto3.client("dynamodb", region_name="eu-west-2")
        create_tables(client)
        yield Api(client)
    reset_caches()
