"""One local stack for the whole integration package, on the real engines, on free loopback ports.

DynamoDB Local and SeaweedFS when Java and the engines are installed; moto server otherwise
(``SCRT_TEST_BACKEND=moto`` forces it). Every handler is wrapped so tests can count invocations
and, for a moment, swap in a fake.
"""

import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.routes import PUBLISH_CHANGES
from local_stack import engines
from local_stack.identity import issue_token
from local_stack.lambdas import LambdaHandler, default_resolver
from local_stack.stack import BACKEND_LOCAL, BACKEND_MOTO, LocalStack, StackConfig
from tracker import composition

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


def test_backend() -> str:
    import os

    forced = os.environ.get("SCRT_TEST_BACKEND")
    if forced:
        return forced
    return BACKEND_LOCAL if engines.missing_local_engines() is None else BACKEND_MOTO


test_backend.__test__ = False  # type: ignore[attr-defined]


class Recorder:
    """Wraps every function: counts invocations, keeps events, allows a temporary override."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.overrides: dict[str, LambdaHandler] = {}

    def resolver(self, function: str) -> LambdaHandler:
        real = default_resolver(function)

        def recording(event: dict[str, Any], context: Any) -> Any:
            self.calls[function] += 1
            self.events[function].append(event)
            return self.overrides.get(function, real)(event, context)

        return recording

    def handler_calls(self) -> int:
        """Invocations of the functions a request reaches: not the authorizer, nor the stream's consumer,
        which the stack's poller calls whenever an earlier test's change arrives."""
        return sum(count for name, count in self.calls.items() if name not in {"authorizer", PUBLISH_CHANGES})


@pytest.fixture(scope="package")
def recorder() -> Recorder:
    return Recorder()


def stack_config(state_root: Path, backend: str, **overrides: Any) -> StackConfig:
    if backend == BACKEND_MOTO:
        http_port, s3_port = engines.free_ports(2)
        config = StackConfig(
            state_root=str(state_root), backend=backend, http_port=http_port, s3_port=s3_port
        )
    else:
        weed = engines.WeedPorts.all_free()
        weed_taken = [port for _, port in weed.named()]
        http_port = engines.free_port(taken=weed_taken)
        config = StackConfig(
            state_root=str(state_root),
            backend=backend,
            http_port=http_port,
            dynamodb_port=engines.free_port(taken=[*weed_taken, http_port]),
            s3_port=weed.s3,
            weed_ports=weed,
        )
    config.poll_interval_seconds = 0.2
    for name, value in overrides.items():
        setattr(config, name, value)
    return config


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory, recorder: Recorder) -> Iterator[LocalStack]:
    root = tmp_path_factory.mktemp("scrt-state")
    local = LocalStack(stack_config(root, test_backend()), resolver=recorder.resolver)
    composition.reset()  # whatever earlier tests built belongs to another environment
    local.start()
    try:
        yield local
    finally:
        local.stop()
        composition.reset()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def api(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        yield client


TokenFactory = Callable[..., str]


@pytest.fixture
def token(stack: LocalStack) -> TokenFactory:
    def make(role: str = "icb_editor", org: str = "QE1", **kwargs: Any) -> str:
        return issue_token(stack.state, role, org, **kwargs)

    return make
