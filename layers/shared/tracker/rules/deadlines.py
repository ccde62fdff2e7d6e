"""Statutory deadlines of a review, counted in England and Wales working days where they are."""

import os
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

RAPID_REVIEW_WORKING_DAYS = 15
CSPR_PUBLICATION_MONTHS = 6
DHR_COMPLETION_MONTHS = 6
DEFAULT_SAR_COMPLETION_MONTHS = 6
SAR_COMPLETION_MONTHS_ENV = "SAR_COMPLETION_MONTHS"


@lru_cache(maxsize=1)
def _bank_holidays() -> "object":
    # Lazy: the holidays package is only needed when a deadline is computed.
    import holidays

    # England and Wales share one list of bank holidays; "ENG" is the subdivision for it.
    return holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays()  # type: ignore[operator]


def add_working_days(start: date, working_days: int) -> date:
    """The date ``working_days`` England and Wales working days after ``start``."""
    day = start
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's end (31 August + 6 months = 28/29 February)."""
    return start + relativedelta(months=months)


def sar_completion_months() -> int:
    return int(os.environ.get(SAR_COMPLETION_MONTHS_ENV, DEFAULT_SAR_COMPLETION_MONTHS))
