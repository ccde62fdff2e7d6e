"""Benchmarks reuse the unit tests' fixtures."""

from tests.conftest import fixed_today

__all__ = ["fixed_today"]
