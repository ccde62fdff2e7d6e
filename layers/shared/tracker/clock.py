"""Time, in one place, so rules and tests agree on what "today" and "now" mean."""

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_london() -> date:
    """The date in England now: "not in the future" is judged against this, not UTC."""
    return now_utc().astimezone(LONDON).date()


def format_timestamp(moment: datetime) -> str:
    """Fixed-width ISO 8601 UTC, so timestamps sort as strings (index sort keys rely on it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def monotonic() -> float:
    """Seconds on a clock that never goes back, for ages of cached keys and secrets.
    ``time.monotonic`` is looked up at each call, so tests can move the clock."""
    return time.monotonic()
