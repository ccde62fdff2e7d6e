"""The reminder fixtures: a loopback stand-in for GOV.UK Notify, a made-up API key, moto tables."""

from tests.support.reminders_fixtures import *  # noqa: F403 - notify, api_key, dynamodb
