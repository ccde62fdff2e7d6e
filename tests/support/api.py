"""Drive the API functions in-process, as API Gateway would after the authorizer."""

import importlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from infra.routes import QUERY_CASES, Route
from local_stack.events import Match, match_route, proxy_event, request_context
from tracker.dal import schema
from tracker.dal.items import from_attribute_values

CASES_TABLE = "scrt-cases-test"
IDEMPOTENCY_TABLE = "scrt-idempotency-test"
AUDIT_TABLE = "scrt-read-audit-test"  # every read of a case is recorded (issue 21)


@dataclass
class LambdaContextStub:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:test-function"
    aws_request_id: str = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def etag(self) -> str:
        return self.headers["ETag"]


def api_event(
    method: str,
    path: str,
    *,
    identity: tuple[str, str] | None,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The REST proxy (v1) event the local stack's gateway builds; ``identity`` is the authorizer's."""
    match = match_route(method, path) or Match(Route(method, path, QUERY_CASES), {})
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    context = request_context(match, method, path, "127.0.0.1", "pytest", "127.0.0.1")
    authorizer = {"role": identity[0], "org": identity[1], "sub": f"user-{identity[1]}"} if identity else None
    return proxy_event(
        match,
        method,
        path,
        urlencode(query or {}),
        list(all_headers.items()),
        text.encode(),
        context,
        authorizer,
    )


def response_of(raw: dict[str, Any]) -> ApiResponse:
    headers = dict(raw.get("headers") or {})
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        headers.setdefault(name, values[0])
    body = raw.get("body")
    content_type = headers.get("Content-Type", "")
    parsed = json.loads(body) if body and "json" in content_type else body
    return ApiResponse(raw["statusCode"], headers, parsed)


def create_tables(client: Any) -> None:
    client.create_table(**schema.create_table_kwargs(CASES_TABLE))
    client.create_table(**schema.create_idempotency_table_kwargs(IDEMPOTENCY_TABLE))
    client.create_table(**schema.create_audit_table_kwargs(AUDIT_TABLE))


def reset_caches() -> None:
    """Forget per-container singletons so each test gets clients bound to its own moto backend."""
    from tracker import composition

    composition.reset()


Identity = tuple[str, str]
EDITOR_QE1: Identity = ("icb_editor", "QE1")


class Api:
    """Calls the real handlers the way API Gateway's proxy integration does."""

    def __init__(self, dynamodb: Any) -> None:
        self.dynamodb = dynamodb

    def _call(self, function: str, event: dict[str, Any]) -> ApiResponse:
        handler = importlib.import_module(f"functions.{function}.handler")
        return response_of(handler.lambda_handler(event, LambdaContextStub()))

    def submit(
        self,
        body: Any,
        identity: Identity | None = EDITOR_QE1,
        headers: dict[str, str] | None = None,
        raw_body: str | None = None,
    ) -> ApiResponse:
        event = api_event("POST", "/cases", identity=identity, body=body, raw_body=raw_body, headers=headers)
        return self._call("submit_case", event)

    def patch(
        self,
        case_id: str,
        patch: Any,
        if_match: str | None,
        identity: Identity | None = EDITOR_QE1,
        raw_body: str | None = None,
        content_type: str = "application/merge-patch+json",
    ) -> ApiResponse:
        headers = {"Content-Type": content_type}
        if if_match is not None:
            headers["If-Match"] = if_match
        event = api_event(
            "PATCH",
            f"/cases/{case_id}",
            identity=identity,
            body=patch,
            raw_body=raw_body,
            headers=headers,
        )
        return self._call("update_case", event)

    def get(self, case_id: str, identity: Identity | None = EDITOR_QE1) -> ApiResponse:
        event = api_event(
            "GET",
            f"/cases/{case_id}",
            identity=identity,
        )
        return self._call("query_cases", event)

    def history(self, case_id: str, identity: Identity | None = EDITOR_QE1) -> ApiResponse:
        event = api_event(
            "GET",
            f"/cases/{case_id}/history",
            identity=identity,
        )
        return self._call("query_cases", event)

    def list_cases(self, identity: Identity | None = EDITOR_QE1, **query: str) -> ApiResponse:
        event = api_event("GET", "/cases", identity=identity, query=query or None)
        return self._call("query_cases", event)

    def get_path(self, path: str, identity: Identity | None = EDITOR_QE1) -> ApiResponse:
        """Whatever the route table sends GET ``path`` to (an unknown path to query_cases' resolver)."""
        match = match_route("GET", path)
        if match is not None and match.route.function is None:
            mock = match.route.mock_response or ""
            return ApiResponse(200, {"Content-Type": "application/json"}, json.loads(mock))
        function = match.route.function if match is not None and match.route.function else QUERY_CASES
        return self._call(function, api_event("GET", path, identity=identity))

    def table_items(self) -> list[dict[str, Any]]:
        items = self.dynamodb.scan(TableName=CASES_TABLE)["Items"]  # test inspection only, never in the app
        return [from_attribute_values(item) for item in items]
