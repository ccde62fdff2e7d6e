"""The local gateway enforces what API Gateway and Lambda enforce, so a test on the local stack
meets them: a Lambda response above 6 MiB is API Gateway's 502, an integration answering after
29 s its 504, each with the deployed gateway responses' problem shape."""

import json
import threading
import time
from pathlib import Path
from typing import Any

from infra.routes import API_DOCS
from local_stack.gateway import (
    INTEGRATION_TIMEOUT_SECONDS,
    LAMBDA_RESPONSE_LIMIT_BYTES,
    Gateway,
)
from local_stack.lambdas import Functions, LambdaHandler
from local_stack.state import LocalState

EMOJI = "\U0001f9f8"  # one character, four bytes in UTF-8


def test_the_limits_are_aws_own() -> None:
    assert LAMBDA_RESPONSE_LIMIT_BYTES == 6_291_456  # Lambda: 6 MiB, the whole proxy response
    assert INTEGRATION_TIMEOUT_SECONDS == 29.0  # API Gateway REST: the default integration timeout


def gateway(tmp_path: Path, handler: LambdaHandler, **options: Any) -> Gateway:
    def resolver(function: str) -> LambdaHandler:
        assert function == API_DOCS
        return handler

    return Gateway(Functions(resolver), LocalState(str(tmp_path)), **options)


def get_docs(gw: Gateway) -> Any:
    return gw.handle("GET", "/openapi.json", [("Host", "127.0.0.1")], b"", "127.0.0.1", "127.0.0.1")


def answering(body: str) -> LambdaHandler:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}

    return handler


def payload_bytes(body: str) -> int:
    """What the Python 3.12+ runtime sends for ``answering(body)``'s result."""
    return len(json.dumps(answering(body)({}, None), ensure_ascii=False).encode())


def test_a_response_over_lambdas_limit_in_bytes_is_a_502_problem(tmp_path: Path) -> None:
    # Under the limit in characters (1.6 million), over it in bytes (6.4 MB): bytes count.
    body = json.dumps({"items": [EMOJI * 1_600_000]}, ensure_ascii=False)
    assert len(body) < LAMBDA_RESPONSE_LIMIT_BYTES < payload_bytes(body)
    response = get_docs(gateway(tmp_path, answering(body)))
    assert response.status == 502
    assert ("Content-Type", "application/problem+json") in response.headers
    problem = json.loads(response.body)
    assert problem["title"] == "Server Error" and problem["detail"] == "Internal server error"


def test_a_response_just_within_the_limit_is_passed_on(tmp_path: Path) -> None:
    overhead = payload_bytes("")
    body = "x" * (LAMBDA_RESPONSE_LIMIT_BYTES - overhead)
    assert payload_bytes(body) == LAMBDA_RESPONSE_LIMIT_BYTES
    response = get_docs(gateway(tmp_path, answering(body)))
    assert response.status == 200 and len(response.body) == len(body)
    over = get_docs(gateway(tmp_path, answering(body + "x")))
    assert over.status == 502


def test_an_integration_slower_than_the_timeout_is_a_504_problem_at_the_timeout(tmp_path: Path) -> None:
    release = threading.Event()

    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        release.wait(10)
        return answering("{}")(event, context)

    gw = gateway(tmp_path, slow, integration_timeout_seconds=0.5)
    began = time.monotonic()
    try:
        response = get_docs(gw)
    finally:
        release.set()
    took = time.monotonic() - began
    assert response.status == 504
    assert 0.5 <= took < 3, took
    assert ("Content-Type", "application/problem+json") in response.headers
    problem = json.loads(response.body)
    assert problem == {
        "type": "about:blank",
        "title": "Gateway Timeout",
        "status": 504,
        "detail": "Endpoint request timed out",
    }


def test_an_integration_within_the_timeout_answers(tmp_path: Path) -> None:
    def quick(event: dict[str, Any], context: Any) -> dict[str, Any]:
        time.sleep(0.1)
        return answering('{"ok":true}')(event, context)

    response = get_docs(gateway(tmp_path, quick, integration_timeout_seconds=2))
    assert response.status == 200 and json.loads(response.body) == {"ok": True}
