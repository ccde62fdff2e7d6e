"""``time.monotonic`` moved only by the test: for the caches that keep keys and secrets for a time
(the JWKS document, the web app's session key and client secret)."""

import time

import pytest


class MovingClock:
    """Reads as ``time.monotonic`` once installed; moves only when the test advances it."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def install(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    """A moving clock in place of ``time.monotonic`` (the caches read it at each call)."""
    clock = MovingClock()
    monkeypatch.setattr(time, "monotonic", clock)
    return clock
