"""The local API Gateway over real HTTP: the real authorizer guards every route, no handler runs
for a refused token, and handlers get API Gateway REST proxy events."""

import base64
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from local_stack.gateway import Gateway
from local_stack.identity import key_id
from local_stack.stack import LocalStack
from tracker.auth.gateway_responses import GATEWAY_PROBLEMS, GATEWAY_RESPONSES, METHOD_NOT_ALLOWED
from tracker.auth.settings import AUTHORIZER_CACHE_SECONDS, JWT_LEEWAY_ENV

from .conftest import Recorder, TokenFactory

# Case ids are UUIDs: any other id is a path the API does not serve.
SOME_CASE_ID = "0b9e1c1e-1d1f-4a1b-8c1d-1e1f1a1b1c1d"
OTHER_CASE_ID = "5d0c4a8e-2b7f-4c3a-9e1d-6f2a8b4c0d1e"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bad_token(kind: str, stack: LocalStack, token: TokenFactory) -> str | None:
    now = time.time()
    if kind == "no token":
        return None
    if kind == "malformed":
        return "not.a.jwt"
    if kind == "expired":
        return token(ttl_seconds=60, now=now - 3600)
    if kind == "wrong issuer":
        return token(issuer="https://idp.elsewhere.test")
    if kind == "wrong audience":
        return token(audience="some-other-api")
    if kind == "unknown role":
        return token(role="superuser")
    if kind == "unknown org":
        return token(org="ZZZ")
    if kind == "tampered signature":
        header, payload, signature = token().split(".")
        return f"{header}.{payload}.{signature[:-6]}AAAAAA"
    if kind == "tampered claims":
        header, payload, signature = token().split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["role"], claims["org"] = "national", "X24"
        return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    if kind == "alg none":
        header = _b64(
            json.dumps({"alg": "none", "typ": "JWT", "kid": key_id(stack.state.signing_key())}).encode()
        )
        claims = jwt.decode(token(), options={"verify_signature": False})
        return f"{header}.{_b64(json.dumps(claims).encode())}."
    if kind == "foreign key, same kid":
        claims = jwt.decode(token(), options={"verify_signature": False})
        foreign = ec.generate_private_key(ec.SECP256R1())
        return jwt.encode(
            claims, foreign, algorithm="ES256", headers={"kid": key_id(stack.state.signing_key())}
        )
    raise AssertionError(kind)


REFUSALS = {
    "no token": 401,
    "malformed": 401,
    "expired": 401,
    "wrong issuer": 401,
    "wrong audience": 401,
    "tampered signature": 401,
    "tampered claims": 401,
    "alg none": 401,
    "foreign key, same kid": 401,
    "unknown role": 403,
    "unknown org": 403,
}


@pytest.mark.parametrize("kind", list(REFUSALS))
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cases"),
        ("POST", "/cases"),
        ("PATCH", f"/cases/{SOME_CASE_ID}"),
        ("GET", f"/cases/{SOME_CASE_ID}"),
    ],
)
def test_every_refused_token_is_answered_by_the_gateway_and_no_handler_runs(
    stack: LocalStack,
    api: httpx.Client,
    token: TokenFactory,
    recorder: Recorder,
    kind: str,
    method: str,
    path: str,
) -> None:
    value = bad_token(kind, stack, token)
    headers = {} if value is None else {"Authorization": f"Bearer {value}"}
    before = recorder.handler_calls()
    response = api.request(method, path, headers=headers, json={"stage": "CLOSED"})
    assert response.status_code == REFUSALS[kind], response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == REFUSALS[kind]
    # The deployed gateway response's body, with API Gateway's own message in the detail.
    answer = {401: "UNAUTHORIZED", 403: "ACCESS_DENIED"}[REFUSALS[kind]]
    assert response.json() == json.loads(GATEWAY_PROBLEMS[answer].body())
    assert recorder.handler_calls() == before


def test_the_authorizer_cache_is_off_so_every_request_is_authorised(
    api: httpx.Client, token: TokenFactory, recorder: Recorder
) -> None:
    assert AUTHORIZER_CACHE_SECONDS == 0  # what the CDK app deploys and the local gateway mimics
    headers = {"Authorization": f"Bearer {token(role='icb_viewer', org='QE1')}"}
    authorizer_before, handlers_before = recorder.calls["authorizer"], recorder.handler_calls()
    for _ in range(3):
        response = api.get("/cases", headers=headers)
        assert response.status_code == 200, response.text
    assert recorder.calls["authorizer"] == authorizer_before + 3
    assert recorder.handler_calls() == handlers_before + 3


def test_a_denied_token_is_denied_on_every_request(
    api: httpx.Client, token: TokenFactory, recorder: Recorder
) -> None:
    headers = {"Authorization": f"Bearer {token(org='NOPE')}"}
    before = recorder.calls["authorizer"]
    assert [api.get("/cases", headers=headers).status_code for _ in range(2)] == [403, 403]
    assert recorder.calls["authorizer"] == before + 2


@pytest.fixture
def no_leeway(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The authorizer without its clock-skew leeway, so a token is refused the moment it expires."""
    from functions.authorizer import handler

    monkeypatch.setenv(JWT_LEEWAY_ENV, "0")
    handler.reset()
    yield
    monkeypatch.undo()
    handler.reset()


# Long enough that the first, accepted requests (the authorizer may fetch its keys again first) end well
# before the token's exp on a busy machine; a whole-second exp gives at least one second less.
SHORT_TTL_SECONDS = 4


def _wait_past(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()) + 0.3)


@pytest.mark.usefixtures("no_leeway")
def test_a_token_accepted_a_moment_ago_is_refused_once_past_its_exp(
    api: httpx.Client, token: TokenFactory, recorder: Recorder
) -> None:
    issued = time.time()
    headers = {"Authorization": f"Bearer {token(ttl_seconds=SHORT_TTL_SECONDS, now=issued)}"}
    assert api.get("/cases", headers=headers).status_code == 200
    _wait_past(int(issued) + SHORT_TTL_SECONDS)
    before = recorder.handler_calls()
    response = api.get("/cases", headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert recorder.handler_calls() == before


@pytest.mark.usefixtures("no_leeway")
def test_a_cache_above_zero_never_keeps_a_result_past_the_tokens_exp(
    stack: LocalStack, token: TokenFactory, recorder: Recorder
) -> None:
    assert stack.functions is not None
    gateway = Gateway(stack.functions, stack.state, authorizer_cache_seconds=300)

    def get_cases(bearer: str) -> int:
        headers = [("Authorization", f"Bearer {bearer}"), ("Host", "127.0.0.1")]
        return gateway.handle("GET", "/cases", headers, b"", "127.0.0.1", "127.0.0.1").status

    long_lived = token(role="icb_viewer", org="QE1")
    before = recorder.calls["authorizer"]
    assert [get_cases(long_lived) for _ in range(3)] == [200, 200, 200]
    assert recorder.calls["authorizer"] == before + 1  # cached: the TTL is honoured

    issued = time.time()
    short_lived = token(ttl_seconds=SHORT_TTL_SECONDS, now=issued)
    before = recorder.calls["authorizer"]
    assert [get_cases(short_lived) for _ in range(2)] == [200, 200]
    assert recorder.calls["authorizer"] == before + 1
    _wait_past(int(issued) + SHORT_TTL_SECONDS)
    assert get_cases(short_lived) == 401  # not the cached Allow: the entry ended at exp
    assert recorder.calls["authorizer"] == before + 2


def test_health_needs_no_token_unknown_paths_are_404_and_other_methods_405(
    api: httpx.Client, recorder: Recorder
) -> None:
    assert api.get("/health").status_code == 200
    before = recorder.handler_calls()
    for method, path, status, allow in [
        ("GET", "/nowhere", 404, None),
        ("GET", "/cases/9434765919", 404, None),
        ("DELETE", f"/cases/{SOME_CASE_ID}", 405, "GET, PATCH"),
        ("PUT", "/cases", 405, "GET, POST"),
    ]:
        response = api.request(method, path)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers.get("allow") == allow
    assert recorder.handler_calls() == before


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT", "FOO", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", ["/cases", "/health", "/nowhere"])
def test_undeclared_methods_get_the_deployed_apis_problem_not_an_html_page(
    stack: LocalStack, recorder: Recorder, method: str, path: str
) -> None:
    """A path the API serves answers 405 (its ANY mock on AWS); any other path 404."""
    before = recorder.handler_calls()
    status, headers, body = raw_request(
        stack.config.http_port, f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    expected_status, expected_body = (
        METHOD_NOT_ALLOWED if path != "/nowhere" else GATEWAY_RESPONSES["MISSING_AUTHENTICATION_TOKEN"]
    )
    assert status == expected_status
    assert headers["content-type"] == "application/problem+json"
    if method != "HEAD":
        assert json.loads(body) == json.loads(expected_body)
    assert recorder.handler_calls() == before


@pytest.mark.parametrize(
    "request_head",
    [
        "GET /cases HTTP/9.9\r\nHost: x\r\n\r\n",  # version not supported
        "GET\r\n\r\n",  # no request target
        "GET /cases HTTP/1.1\r\nHost: x\r\n" + "X-Long: y\r\n" * 120 + "\r\n",  # too many headers
    ],
)
def test_malformed_requests_get_a_problem_too(stack: LocalStack, request_head: str) -> None:
    status, headers, body = raw_request(stack.config.http_port, request_head)
    assert 400 <= status < 600
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == status
    assert b"<html" not in body.lower()


def raw_request(port: int, head: str) -> tuple[int, dict[str, str], bytes]:
    """One request written byte for byte (httpx would refuse to send some of these)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
        header_block, _, body = received.partition(b"\r\n\r\n")
        lines = header_block.decode("iso-8859-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:])
        }
        length = int(headers.get("content-length", "0"))
        if not head.startswith("HEAD"):
            while len(body) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                body += chunk
    return status, headers, body


def test_the_jwks_is_served_for_the_authorizer(api: httpx.Client, stack: LocalStack) -> None:
    keys = api.get("/.well-known/jwks.json").json()["keys"]
    assert [(k["kty"], k["crv"], k["alg"], k["kid"]) for k in keys] == [
        ("EC", "P-256", "ES256", key_id(stack.state.signing_key()))
    ]
    assert "d" not in keys[0]  # public only


def test_handlers_get_api_gateway_rest_proxy_events(
    api: httpx.Client, token: TokenFactory, recorder: Recorder
) -> None:
    captured: list[dict[str, Any]] = []

    def fake(event: dict[str, Any], context: Any) -> dict[str, Any]:
        captured.append(event)
        assert context.get_remaining_time_in_millis() > 0
        return {
            "statusCode": 299,
            "headers": {"X-One": "1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x00\x01binary").decode(),
            "isBase64Encoded": True,
        }

    recorder.overrides["update_case"] = fake
    try:
        response = api.patch(
            f"/cases/{SOME_CASE_ID}?x=1&status=OPEN&status=CLOSED",
            headers=[
                ("Authorization", f"Bearer {token(role='regional', org='Y62', sub='someone')}"),
                ("If-Match", '"3"'),
                ("X-Repeat", "a"),
                ("X-Repeat", "b"),
                ("Content-Type", "application/merge-patch+json"),
            ],
            content=b'{"stage": "CLOSED"}',
        )
    finally:
        recorder.overrides.pop("update_case")
    assert response.status_code == 299
    assert response.content == b"\x00\x01binary"
    assert response.headers["x-one"] == "1"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    (event,) = captured
    assert event["resource"] == "/cases/{caseId}"
    assert event["path"] == f"/cases/{SOME_CASE_ID}"
    assert event["httpMethod"] == "PATCH"
    assert event["pathParameters"] == {"caseId": SOME_CASE_ID}
    assert event["queryStringParameters"] == {"x": "1", "status": "CLOSED"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1"], "status": ["OPEN", "CLOSED"]}
    assert event["headers"]["If-Match"] == '"3"'
    assert event["multiValueHeaders"]["X-Repeat"] == ["a", "b"]
    # Every media type is binary to the API (API_BINARY_MEDIA_TYPES): bodies arrive base64-encoded.
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b'{"stage": "CLOSED"}'
    context = event["requestContext"]
    assert context["resourcePath"] == "/cases/{caseId}"
    assert context["httpMethod"] == "PATCH"
    assert context["stage"] and context["requestId"] and context["identity"]["sourceIp"] == "127.0.0.1"
    authorizer = context["authorizer"]
    assert (authorizer["role"], authorizer["org"], authorizer["sub"], authorizer["principalId"]) == (
        "regional",
        "Y62",
        "someone",
        "someone",
    )


def test_a_failing_handler_is_a_502_like_api_gateway(
    api: httpx.Client, token: TokenFactory, recorder: Recorder
) -> None:
    def broken(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("boom")

    recorder.overrides["query_cases"] = broken
    try:
        response = api.get("/cases", headers={"Authorization": f"Bearer {token()}"})
    finally:
        recorder.overrides.pop("query_cases")
    assert response.status_code == 502
    assert "boom" not in response.text
    assert response.json() == json.loads(GATEWAY_PROBLEMS["DEFAULT_5XX"].body())


def test_a_response_over_lambdas_limit_in_bytes_is_a_502_over_http(
    api: httpx.Client, token: TokenFactory, recorder: Recorder
) -> None:
    # 1.6 million characters, but 6.4 MB as the runtime writes it: Lambda refuses it, API Gateway 502s.
    body = json.dumps({"items": ["\U0001f9f8" * 1_600_000], "nextCursor": None}, ensure_ascii=False)

    def too_large(event: dict[str, Any], context: Any) -> Any:
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}

    recorder.overrides["query_cases"] = too_large
    try:
        response = api.get("/cases", headers={"Authorization": f"Bearer {token()}"})
    finally:
        recorder.overrides.pop("query_cases")
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Internal server error"


def test_a_chunked_body_reaches_the_handler_whole(
    api: httpx.Client, token: TokenFactory, recorder: Recorder
) -> None:
    captured: list[dict[str, Any]] = []

    def fake(event: dict[str, Any], context: Any) -> dict[str, Any]:
        captured.append(event)
        return {"statusCode": 204, "body": ""}

    def chunks() -> Iterator[bytes]:
        yield b'{"stage": '
        yield b'"CLOSED", "localReference": "'
        yield b"x" * 5000 + b'"}'

    recorder.overrides["update_case"] = fake
    try:
        response = api.patch(
            f"/cases/{OTHER_CASE_ID}",
            headers={"Authorization": f"Bearer {token()}", "If-Match": '"1"'},
            content=chunks(),  # an iterator body is sent with Transfer-Encoding: chunked
        )
    finally:
        recorder.overrides.pop("update_case")
    assert response.status_code == 204
    (event,) = captured
    sent = '{"stage": "CLOSED", "localReference": "' + "x" * 5000 + '"}'
    assert base64.b64decode(event["body"]).decode() == sent
