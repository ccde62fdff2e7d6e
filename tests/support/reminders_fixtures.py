"""Fixtures of the reminder tests (the digest in tests/unit/logic, the Notify adapter in tests/unit/dal):
a loopback stand-in for GOV.UK Notify's API, a made-up API key, and DynamoDB (moto) with the
project's tables. Conftests re-export them with a star import."""

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.api import create_tables
from tests.support.notify_stub import NotifyStub, serve_notify_stub

__all__ = ["api_key", "dynamodb", "notify"]


@pytest.fixture
def notify(monkeypatch: pytest.MonkeyPatch) -> Iterator[NotifyStub]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # loopback only, whatever proxy the shell sets
    with serve_notify_stub() as stub:
        yield stub


@pytest.fixture
def api_key() -> tuple[str, str, str]:
    """A key in Notify's format, ``<name>-<service id>-<secret>``, made up for this run."""
    service_id, secret = str(uuid.uuid4()), str(uuid.uuid4())
    return f"scrt_test-{service_id}-{secret}", service_id, secret


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-2")
        create_tables(client)
        yield client
