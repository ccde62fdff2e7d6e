"""The local stack imports one handler at a time: the gateway's and the stream poller's threads
once imported two at once, and Powertools' metrics package, half-built in one thread, failed the
other's import ("partially initialized module") after a restart with changes waiting."""

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from local_stack import lambdas


def test_two_threads_never_import_handlers_at_the_same_time(monkeypatch: pytest.MonkeyPatch) -> None:
    active = 0
    most = 0
    guard = threading.Lock()

    def slow_import(name: str) -> Any:
        nonlocal active, most
        with guard:
            active += 1
            most = max(most, active)
        time.sleep(0.05)
        with guard:
            active -= 1
        return SimpleNamespace(lambda_handler=lambda event, context: name)

    monkeypatch.setattr(lambdas.importlib, "import_module", slow_import)
    handlers: dict[str, Any] = {}
    threads = [
        threading.Thread(target=lambda f=f: handlers.__setitem__(f, lambdas.import_handler(f)))
        for f in ("authorizer", "publish_changes", "query_cases", "web_app")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most == 1
    assert handlers["web_app"]({}, None) == "functions.web_app.handler"
