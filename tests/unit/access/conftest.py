"""The access policy's tests: on the policy itself, and through the API (moto) and the web app that
ask it, so every question of who may see or change what has its answer here."""

from tests.support.api_fixtures import *  # noqa: F403 - the api fixture
from tests.unit.web.conftest import ticking_clock, web  # noqa: F401 - the web app's fixtures
