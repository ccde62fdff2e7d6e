"""The unit suite starts no child process unless a test says so (`make unit` leaves those out)."""

import subprocess
from typing import Any

import pytest

CHILD_PROCESS_MARKER = "subprocess"


@pytest.fixture(autouse=True)
def no_child_process_unless_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every child process (subprocess.run, Popen, an engine, a browser) starts in Popen._execute_child."""
    if request.node.get_closest_marker(CHILD_PROCESS_MARKER) is None:

        def refuse(*args: Any, **kwargs: Any) -> None:
            pytest.fail(
                f"{request.node.nodeid} starts a child process: mark it @pytest.mark.{CHILD_PROCESS_MARKER} "
                "(make unit leaves it out, make test runs it), or move it to tests/integration if it drives "
                "an engine",
                pytrace=False,
            )

        monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)


# Tests that start a child process but cannot carry their decorator yet (their file is being edited
# elsewhere); each moves to a one-line @pytest.mark.subprocess on the test itself.
MARKED_HERE_FOR_NOW = {
    "tests/unit/project/test_layering.py::test_the_repository_refers_to_nothing_outside_it",  # git ls-files
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid in MARKED_HERE_FOR_NOW:
            item.add_marker(getattr(pytest.mark, CHILD_PROCESS_MARKER))
