"""``time.monotonic`` moved only by the test: for the caches that keep keys and secrets for a time
(the JWKS document, the web app's session key and client secret)."""

import math
import time

import pytest


class MovingClock:
    """Reads as ``time.monotonic`` once installed; moves only when the test advances it."""

    def __init__(self) -> None:
        # A whole number of seconds: whole-second steps then add exactly (at a fractional start,
        # start + 3600 - start can round to 3599.9999999999995, and "an hour later" would not be).
        self.now = float(math.floor(time.monotonic()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def install(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    """A moving clock in place of ``time.monotonic`` (the caches read it at each call)."""
    clock = MovingClock()
    monkeypatch.setattr(time, "monotonic", clock)
    return clock
