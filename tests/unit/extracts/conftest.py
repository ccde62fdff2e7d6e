"""The extracts over moto: a table written through the real repository, its stream, the bucket."""

from tests.support.extracts_fixtures import stack

__all__ = ["stack"]
