"""SnapStart hooks: registered with the runtime's module when there is one (a fake here), nothing
cached before the snapshot survives a restore, and what is the same everywhere is kept."""

import importlib
import random
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from tracker import composition, observability, settings, snapstart
from tracker.auth.tokens import SigningKeys


class FakeRuntimeHooks(ModuleType):
    """Stands in for the Lambda runtime's snapshot_restore_py: records, and runs on demand."""

    def __init__(self) -> None:
        super().__init__(snapstart.RUNTIME_HOOKS_MODULE)
        self.before: list[Callable[[], None]] = []
        self.after: list[Callable[[], None]] = []

    def register_before_snapshot(self, hook: Callable[[], None]) -> None:
        self.before.append(hook)

    def register_after_restore(self, hook: Callable[[], None]) -> None:
        self.after.append(hook)

    def snapshot(self) -> None:
        for hook in reversed(self.before):  # the runtime runs these in reverse order
            hook()

    def restore(self) -> None:
        for hook in self.after:
            hook()


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRuntimeHooks]:
    fake = FakeRuntimeHooks()
    monkeypatch.setitem(sys.modules, snapstart.RUNTIME_HOOKS_MODULE, fake)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv(settings.CASES_TABLE_NAME, "scrt-cases-test")
    composition.reset()
    yield fake
    composition.reset()


def test_no_runtime_module_means_no_hooks() -> None:
    assert snapstart.runtime_hooks() is None
    assert snapstart.register(before_snapshot=lambda: None, after_restore=lambda: None) is False
    assert composition.SNAPSTART_HOOKS_REGISTERED is False


def test_importing_the_composition_root_on_a_runtime_registers_both_hooks(runtime: FakeRuntimeHooks) -> None:
    reloaded: Any = importlib.reload(composition)
    try:
        assert reloaded.SNAPSTART_HOOKS_REGISTERED is True
        assert [hook.__name__ for hook in runtime.before] == ["before_snapshot"]
        assert [hook.__name__ for hook in runtime.after] == ["after_restore"]
    finally:
        importlib.reload(composition)


def test_a_restore_forgets_clients_secrets_and_fetched_keys_but_keeps_reference_data(
    runtime: FakeRuntimeHooks,
) -> None:
    snapstart.register(before_snapshot=composition.before_snapshot, after_restore=composition.after_restore)
    runtime.snapshot()
    reference = composition.reference_data()
    client_before = composition.dynamodb_client()
    store_before = composition.case_store()

    runtime.restore()

    assert composition.dynamodb_client() is not client_before  # new credentials and connections
    assert composition.case_store() is not store_before
    assert composition.reference_data() is reference  # parsed once, the same everywhere


def test_a_restore_reseeds_random(runtime: FakeRuntimeHooks) -> None:
    snapstart.register(before_snapshot=composition.before_snapshot, after_restore=composition.after_restore)
    random.seed(1234)  # the state every container restored from one snapshot would share
    snapshot_state = random.getstate()
    first_container = random.random()
    random.setstate(snapshot_state)
    runtime.restore()
    assert random.random() != first_container


def test_the_snapshot_holds_the_tracer_and_no_client(runtime: FakeRuntimeHooks) -> None:
    snapstart.register(before_snapshot=composition.before_snapshot, after_restore=composition.after_restore)
    runtime.snapshot()
    assert observability.tracer.is_built
    built_clients = [composition.dynamodb_client._built, composition.s3_client._built]
    assert built_clients == [[], []]  # no credentials or connections in the snapshot


def test_fetched_signing_keys_are_fetched_again_after_a_restore() -> None:
    fetches: list[int] = []
    now = [1000.0]

    def fetch() -> dict[str, Any]:
        fetches.append(1)
        return {"keys": [{"kty": "oct", "k": "c3ludGhldGljLXRlc3Qta2V5", "kid": "k0", "use": "sig"}]}

    keys = SigningKeys("https://idp.invalid/jwks", 300, fetch=fetch, clock=lambda: now[0])
    keys.named("k0")
    keys.named("k0")
    assert len(fetches) == 1  # kept for its lifespan
    # A restored container's monotonic clock can be behind the one the document was fetched by.
    now[0] = 10.0
    keys.named("k0")
    assert len(fetches) == 2
    keys.forget()
    keys.named("k0")
    assert len(fetches) == 3
