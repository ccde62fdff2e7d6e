"""Running the project's Lambda handlers in-process, one invocation at a time per function.

A Lambda container handles one event at a time; the handlers (Powertools resolvers hold the
current event on a module-level object) rely on that, so each function gets its own lock.
"""

import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.routes import HANDLER, PUBLISH_CHANGES

LambdaHandler = Callable[[dict[str, Any], Any], Any]
FunctionResolver = Callable[[str], LambdaHandler]

log = logging.getLogger("scrt.lambdas")


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Powertools and the handlers read."""

    function_name: str
    timeout_seconds: float = 29.0
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-2:000000000000:function:scrt-{self.function_name}"

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/scrt-{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


# One handler imported at a time. On Lambda each function imports in a process of its own; here the
# gateway's and the stream poller's threads may import two handlers at once, and two threads inside
# a package's circular imports (Powertools' metrics) can each see the other's module half-built.
_IMPORT_LOCK = threading.RLock()


def import_handler(function: str) -> LambdaHandler:
    module_name, attribute = HANDLER.rsplit(".", 1)
    with _IMPORT_LOCK:
        module = importlib.import_module(f"functions.{function}.{module_name}")
    handler: LambdaHandler = getattr(module, attribute)
    return handler


def handler_available(function: str) -> bool:
    try:
        import_handler(function)
    except ModuleNotFoundError as missing:
        if missing.name and missing.name.startswith(f"functions.{function}"):
            return False
        raise
    return True


def log_only_placeholder_publisher(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Stands in for ``functions/publish_changes`` until it exists: logs each change, writes nothing."""
    for record in event.get("Records", []):
        keys = record.get("dynamodb", {}).get("Keys", {})
        log.info(
            "placeholder publisher (publish_changes not installed): %s %s",
            record.get("eventName"),
            {name: next(iter(value.values())) for name, value in keys.items()},
        )
    return {"batchItemFailures": []}


def default_resolver(function: str) -> LambdaHandler:
    if function == PUBLISH_CHANGES and not handler_available(function):
        return log_only_placeholder_publisher
    return import_handler(function)


class Functions:
    """Invokes handlers by function name, serialised per function, resolved lazily on first use."""

    def __init__(self, resolver: FunctionResolver = default_resolver) -> None:
        self._resolver = resolver
        self._handlers: dict[str, LambdaHandler] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, function: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(function, threading.Lock())

    def handler(self, function: str) -> LambdaHandler:
        with self._lock(function):
            if function not in self._handlers:
                self._handlers[function] = self._resolver(function)
            return self._handlers[function]

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        handler = self.handler(function)
        with self._lock(function):
            return handler(event, LambdaContext(function))
