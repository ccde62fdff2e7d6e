"""Contacts API tests drive the real function over moto, like the API tests."""

from tests.unit.api.conftest import api  # noqa: F401 - the same fixture, shared
