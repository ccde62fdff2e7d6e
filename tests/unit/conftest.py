"""The unit suite starts no child process unless a test says so (`make unit` leaves those out)."""

import subprocess
from typing import Any

import botocore.session
import pytest

CHILD_PROCESS_MARKER = "subprocess"


def _one_data_loader_per_process() -> None:
    """Every boto3 session of the unit tests reads botocore's service models through one loader.

    Each test builds its clients afresh (moto's backends are per test, composition.reset() forgets
    the container's clients), and each new session parsed the same JSON models again: a tenth of a
    second of CPU a client. A Lambda container keeps one session, so one loader is what runs there.
    """
    loaders: dict[str | None, Any] = {}
    create_loader = botocore.session.create_loader

    def shared_loader(search_path_string: str | None = None) -> Any:
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader


_one_data_loader_per_process()


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
