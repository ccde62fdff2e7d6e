"""API Gateway REST API (v1) proxy events and REQUEST authorizer events, as API Gateway builds them."""

import base64
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from infra.routes import ROUTES, Route

ACCOUNT_ID = "000000000000"
API_ID = "scrtlocal"
STAGE = "local"
REGION = "eu-west-2"


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[A-Za-z0-9_]+\})", path)
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") and part.endswith("}") else re.escape(part)
        for part in parts
    )
    return re.compile(f"^{regex}$")


_COMPILED: tuple[tuple[Route, re.Pattern[str]], ...] = tuple(
    (route, _pattern(route.path)) for route in ROUTES
)


def match_route(method: str, path: str) -> Match | None:
    """The route of the route table serving this method and path (API Gateway resources)."""
    for route, pattern in _COMPILED:
        found = pattern.match(path)
        if found and route.method == method.upper():
            return Match(route, dict(found.groupdict()))
    return None


def multi_value_query(query: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(key, []).append(value)
    return values


def method_arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{method.upper()}{path}"


def _request_time(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _identity(source_ip: str, user_agent: str | None) -> dict[str, Any]:
    return {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": source_ip,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": user_agent,
        "user": None,
    }


def _headers(raw_headers: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in raw_headers:
        single[name] = value  # API Gateway keeps the last value in `headers`
        multi.setdefault(name, []).append(value)
    return single, multi


def _body(raw: bytes) -> tuple[str | None, bool]:
    """The body as API Gateway hands it to a function: base64-encoded, since every media type is
    binary to the deployed API (``API_BINARY_MEDIA_TYPES``)."""
    if not raw:
        return None, False
    return base64.b64encode(raw).decode(), True


def request_context(
    match: Match, method: str, path: str, source_ip: str, user_agent: str | None, host: str
) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    request_id = str(uuid.uuid4())
    return {
        "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, match.route.path).hex[:6],
        "resourcePath": match.route.path,
        "httpMethod": method.upper(),
        "extendedRequestId": request_id.replace("-", "")[:16] + "=",
        "requestTime": _request_time(now_ms),
        "path": f"/{STAGE}{path}",
        "accountId": ACCOUNT_ID,
        "protocol": "HTTP/1.1",
        "stage": STAGE,
        "domainPrefix": host.split(":", 1)[0],
        "requestTimeEpoch": now_ms,
        "requestId": request_id,
        "identity": _identity(source_ip, user_agent),
        "domainName": host,
        "apiId": API_ID,
    }


def authorizer_event(
    match: Match,
    method: str,
    path: str,
    query: str,
    raw_headers: list[tuple[str, str]],
    context: dict[str, Any],
) -> dict[str, Any]:
    """The event API Gateway sends a REQUEST authorizer."""
    headers, multi_headers = _headers(raw_headers)
    multi_query = multi_value_query(query)
    return {
        "type": "REQUEST",
        "methodArn": method_arn(method, path),
        "resource": match.route.path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
    }


def proxy_event(
    match: Match,
    method: str,
    path: str,
    query: str,
    raw_headers: list[tuple[str, str]],
    body: bytes,
    context: dict[str, Any],
    authorizer_context: dict[str, Any] | None,
) -> dict[str, Any]:
    """The Lambda proxy integration event (REST API, payload format 1.0)."""
    headers, multi_headers = _headers(raw_headers)
    multi_query = multi_value_query(query)
    text, is_base64 = _body(body)
    request_context = dict(context)
    if authorizer_context is not None:
        request_context["authorizer"] = authorizer_context
    return {
        "resource": match.route.path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": text,
        "isBase64Encoded": is_base64,
    }
