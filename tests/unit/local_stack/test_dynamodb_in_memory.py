"""DynamoDB Local keeps its data on disk for ``scrt serve`` (``make run``: cases survive a restart),
and in memory only where asked (SCRT_DYNAMODB_IN_MEMORY=1, the benches' throwaway stack), where a
write does not wait on a SQLite commit that DynamoDB itself never makes a request wait for."""

from pathlib import Path

import pytest

from local_stack import engines
from local_stack.state import LocalState


@pytest.fixture
def state(tmp_path: Path) -> LocalState:
    return LocalState(tmp_path / "state")


def test_by_default_dynamodb_local_keeps_its_tables_in_the_state_folder(
    state: LocalState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(engines.DYNAMODB_IN_MEMORY_ENV, raising=False)
    assert engines.dynamodb_storage_args(state) == ["-dbPath", str(state.dynamodb_dir)]


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_anything_but_1_keeps_the_tables_on_disk(
    state: LocalState, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(engines.DYNAMODB_IN_MEMORY_ENV, value)
    assert "-dbPath" in engines.dynamodb_storage_args(state)


def test_asked_for_it_keeps_them_in_memory(state: LocalState, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engines.DYNAMODB_IN_MEMORY_ENV, "1")
    assert engines.dynamodb_storage_args(state) == ["-inMemory"]
