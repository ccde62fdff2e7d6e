"""The long runs share the integration suites' local stack set-up; they run only with SCRT_FUZZ=1.

``make fuzz`` runs ``SCRT_FUZZ=1 pytest tests/fuzz``; scale with SCRT_FUZZ_EXAMPLES (generated
examples per property, default 300), SCRT_FUZZ_GUARD_EXAMPLES (per identifier-guard property,
default 20 x SCRT_FUZZ_EXAMPLES) and SCRT_FUZZ_ROUNDS (race and fault rounds, default 20). The
identifier guard's failing examples are added to tests/unit/rules/identifier_guard_corpus.json.
"""

import os
from pathlib import Path

import pytest

from tests.integration.conftest import api, recorder, stack, token  # noqa: F401 - fixtures for tests/fuzz

HERE = Path(__file__).parent
ENABLED = os.environ.get("SCRT_FUZZ") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="a long run: set SCRT_FUZZ=1 (make fuzz)")
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
            if not ENABLED:
                item.add_marker(skip)
