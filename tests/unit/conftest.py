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
