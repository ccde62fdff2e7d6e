"""Fixtures of the reporting tests; helpers live in ``reporting_support`` (a unique module name)."""

from tests.unit.reporting.reporting_support import stack

__all__ = ["stack"]
