"""The web app's benchmarks share their set-up (benchmarks/stack_support.py): its settings put in and
taken away again, cases submitted as an editor submits them, a client signed in as a caller. Here
against moto's tables and a stack's state in a temporary folder; no engine, no gateway."""

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from benchmarks.stack_support import signed_in_client, submit_cases, submitted_case, web_app_settings
from local_stack.stack import LocalStack
from local_stack.state import LocalState
from tests.support.api_fixtures import api  # noqa: F401 - moto's tables, as the API tests have them
from tracker import composition, settings
from tracker.access import Caller
from tracker.models.enums import Role

API_URL = "http://127.0.0.1:9"  # never connected to
EDITOR = Caller(Role.ICB_EDITOR, "QE1", "bench-support-editor")


def _stack(root: Path) -> LocalStack:
    """What the helpers read of a stack: its state (the web app's secrets) and its gateway's URL."""
    return cast(LocalStack, SimpleNamespace(state=LocalState(root), api_url=API_URL))


@pytest.fixture
def settings_read_afresh() -> Iterator[None]:
    """No settings cached by an earlier test, and none left cached from this test's environment."""
    settings.settings.cache_clear()
    yield
    settings.settings.cache_clear()


@pytest.mark.usefixtures("settings_read_afresh")
def test_the_web_app_settings_are_put_in_then_what_was_there_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings.WEB_BASE_URL, "http://before.example")
    monkeypatch.delenv(settings.WEB_SESSION_KEY, raising=False)
    assert settings.settings().web_base_url == "http://before.example"
    with pytest.raises(RuntimeError), web_app_settings(_stack(tmp_path)):
        assert os.environ[settings.WEB_BASE_URL] == API_URL
        assert os.environ[settings.WEB_SESSION_KEY] == LocalState(tmp_path).web_session_key()
        assert settings.settings().web_base_url == API_URL  # read afresh, not the cached settings
        raise RuntimeError("a benchmark failed")
    assert os.environ[settings.WEB_BASE_URL] == "http://before.example"
    assert settings.WEB_SESSION_KEY not in os.environ
    assert settings.settings().web_base_url == "http://before.example"


@pytest.mark.usefixtures("api")
def test_submitted_cases_are_the_editors_and_vary_by_number() -> None:
    documents = [submitted_case("QE1", number, "SYN-SUPPORT") for number in range(4)]
    assert len({document["reviewType"] for document in documents}) == 4
    extra = submitted_case("QE1", 5, "SYN-SUPPORT", providersInvolved=["RXL"])
    case_ids = submit_cases(EDITOR, [*documents, extra])
    cases = [composition.case_service().get(EDITOR, case_id) for case_id in case_ids]
    assert [case.local_reference for case in cases] == [f"SYN-SUPPORT-{n:04d}" for n in (0, 1, 2, 3, 5)]
    assert {case.icb_code for case in cases} == {"QE1"}
    assert cases[-1].providers_involved == ["RXL"]


@pytest.mark.usefixtures("api")
def test_the_client_carries_the_callers_sealed_session(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    with web_app_settings(stack), signed_in_client(stack, EDITOR, {"Accept-Encoding": "identity"}) as client:
        app = composition.web_app()
        name, _, token = client.headers["Cookie"].partition("=")
        session = app.sealer.open_session(token)
        assert str(client.base_url).rstrip("/") == API_URL
        assert client.headers["Accept-Encoding"] == "identity"
    assert name == app.cookies.session_name
    assert session is not None
    assert (session.sub, session.role, session.org) == (EDITOR.sub, EDITOR.role.value, EDITOR.org)
