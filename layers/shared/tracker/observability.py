"""Logger, Tracer and Metrics of every function, set up once.

botocore logs request and response bodies at DEBUG, and those hold case items with restricted
text: it is held at INFO whatever level an operator sets for the service.

The tracer is built on first use, not at import: Powertools' Tracer imports the X-Ray SDK (and
botocore with it) when constructed, which is most of a handler's import time; the authorizer and
api_docs never trace an AWS call. With SnapStart the before-snapshot hook builds it (``warm``), so
a restored container has it already.
"""

import functools
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

from tracker import settings

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logging.getLogger("botocore").setLevel(logging.INFO)

F = TypeVar("F", bound=Callable[..., Any])


class DeferredTracer:
    """Powertools' ``Tracer``, constructed the first time a traced handler runs (or ``build``)."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._tracer: Tracer | None = None
        self._lock = threading.Lock()

    @property
    def is_built(self) -> bool:
        return self._tracer is not None

    def build(self) -> "Tracer":
        with self._lock:
            if self._tracer is None:
                from aws_lambda_powertools import Tracer

                self._tracer = Tracer(service=self._service)
            return self._tracer

    def capture_lambda_handler(
        self,
        lambda_handler: F | None = None,
        *,
        capture_response: bool | None = None,
        capture_error: bool | None = None,
    ) -> Any:
        """As ``Tracer.capture_lambda_handler``; the real decorator is applied on the first call."""

        def decorate(handler: F) -> F:
            traced: list[Callable[..., Any]] = []

            @functools.wraps(handler)
            def run(event: Any, context: Any) -> Any:
                if not traced:
                    traced.append(
                        self.build().capture_lambda_handler(
                            handler, capture_response=capture_response, capture_error=capture_error
                        )
                    )
                return traced[0](event, context)

            return run  # type: ignore[return-value]

        return decorate(lambda_handler) if lambda_handler is not None else decorate

    def __getattr__(self, name: str) -> Any:
        # put_annotation, put_metadata, capture_method, provider...: the real tracer's.
        return getattr(self.build(), name)


logger = Logger(service=settings.SERVICE_NAME)
tracer = DeferredTracer(service=settings.SERVICE_NAME)
metrics = Metrics(namespace=settings.METRICS_NAMESPACE, service=settings.SERVICE_NAME)


def warm() -> None:
    """Build what is otherwise built on first use (SnapStart's before-snapshot hook calls this)."""
    tracer.build()
