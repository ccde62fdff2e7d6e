"""The API functions over moto in-process, called with API Gateway events."""

from tests.support.api_fixtures import *  # noqa: F403 - the api fixture
