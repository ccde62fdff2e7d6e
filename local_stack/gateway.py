"""A local API Gateway: HTTP on loopback → route table → real authorizer → real handler.

The authorizer result cache follows ``AUTHORIZER_CACHE_SECONDS`` (0, no cache, by default); with a
TTL above 0 an entry never outlives the token's ``exp``.

AWS's limits hold here too, so local tests meet them: an integration that has not answered within
API Gateway's 29 s is a 504, a Lambda response above Lambda's 6 MiB (as the runtime writes it) or
one that is malformed or raised is a 502, each in the deployed gateway responses' problem shape.
"""

import base64
import contextlib
import gzip
import json
import logging
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import jwt

from infra.routes import API_MIN_COMPRESSION_BYTES, AUTHORIZER, HEALTH_BODY, ROUTES, is_served_path
from local_stack import events
from local_stack.identity import LocalOidcProvider, OidcAnswer, discovery_document, jwks_json
from local_stack.lambdas import Functions
from local_stack.state import AUTHORIZE_PATH, DISCOVERY_PATH, JWKS_PATH, TOKEN_PATH, LocalState
from tracker.auth.gateway_responses import GATEWAY_PROBLEMS, METHOD_NOT_ALLOWED
from tracker.auth.settings import AUTHORIZER_CACHE_SECONDS, IDENTITY_HEADER
from tracker.auth.tokens import InvalidToken, bearer_token
from tracker.error_statuses import PROBLEM_CONTENT_TYPE

log = logging.getLogger("scrt.gateway")

LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous response payload limit: the whole proxy response, headers included."""
INTEGRATION_TIMEOUT_SECONDS = 29.0
"""API Gateway REST's default integration timeout."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


COMPRESSIONS: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip.compress, "deflate": zlib.compress}
"""The codings API Gateway compresses a response with (its supported content codings)."""


def preferred_coding(accept_encoding: str | None) -> str | None:
    """The coding to compress with for this Accept-Encoding, as API Gateway chooses: the client's
    most preferred coding (highest q, the first among equals) if it is one API Gateway supports;
    ``*`` stands for gzip. None: send the body as it is."""
    best: tuple[float, str] | None = None
    for entry in (accept_encoding or "").split(","):
        coding, _, parameters = entry.strip().partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if coding and quality > 0 and (best is None or quality > best[0]):
            best = (quality, coding)
    if best is None:
        return None
    coding = "gzip" if best[1] == "*" else best[1]
    return coding if coding in COMPRESSIONS else None


def compressed(response: Response, accept_encoding: str | None) -> Response:
    """``response`` as API Gateway sends it with minimumCompressionSize set: compressed when at
    least API_MIN_COMPRESSION_BYTES and the client prefers a coding it supports."""
    coding = preferred_coding(accept_encoding)
    already = any(name.lower() == "content-encoding" for name, _ in response.headers)
    if coding is None or already or len(response.body) < API_MIN_COMPRESSION_BYTES:
        return response
    headers = [*response.headers, ("Content-Encoding", coding)]
    return Response(response.status, headers, COMPRESSIONS[coding](response.body))


def gateway_response(kind: str, status: int | None = None) -> Response:
    """API Gateway's own answer of ``kind``, as the deployed gateway response writes it; ``status``
    for a default answer (DEFAULT_4XX, DEFAULT_5XX), which stands for several."""
    problem = GATEWAY_PROBLEMS[kind]
    answered = status if status is not None else problem.status
    if answered is None:
        raise ValueError(f"{kind} stands for several statuses: say which")
    return Response(answered, [("Content-Type", PROBLEM_CONTENT_TYPE)], problem.body().encode())


def _json(status: int, document: Any) -> Response:
    return Response(status, [("Content-Type", "application/json")], json.dumps(document).encode())


def function_failed() -> Response:
    """API Gateway's answer when the function raised, or answered malformed or too large."""
    return gateway_response("DEFAULT_5XX", 502)


def integration_timed_out() -> Response:
    return gateway_response("INTEGRATION_TIMEOUT")


def engines_unavailable(down: list[str]) -> Response:
    """The local /health when an engine is down (dev-only: the deployed /health is a mock)."""
    document = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": f"Not answering: {', '.join(down)}. The local stack restarts an engine that exits.",
    }
    headers = [("Content-Type", PROBLEM_CONTENT_TYPE), ("Cache-Control", "no-store")]
    return Response(503, headers, json.dumps(document).encode())


def payload_bytes(result: Any) -> int:
    """The bytes of a handler's result as the Python 3.12+ runtime sends it (its marshaller writes
    ``json.dumps(result, ensure_ascii=False)``); one that is not JSON is over any limit."""
    try:
        return len(json.dumps(result, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        return LAMBDA_RESPONSE_LIMIT_BYTES + 1


def policy_allows(result: dict[str, Any], arn: str) -> bool:
    """IAM evaluation of an authorizer policy: an explicit Deny wins, otherwise an Allow is needed."""
    statements = result.get("policyDocument", {}).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if not any(a in ("execute-api:Invoke", "execute-api:*", "*") for a in actions):
            continue
        if not any(fnmatchcase(arn, resource) for resource in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def token_expiry(identity: str) -> float | None:
    """The bearer token's ``exp`` (epoch seconds), or None. Read without verifying: it only bounds
    how long a result the authorizer has just given for this very token may be reused."""
    try:
        claims = jwt.decode(bearer_token(identity), options={"verify_signature": False})
    except (InvalidToken, jwt.PyJWTError):
        return None
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)


class AuthorizerCache:
    """API Gateway's authorizer result cache, keyed by the identity source.

    TTL 0 (``AUTHORIZER_CACHE_SECONDS``): nothing is kept. Above 0, an entry lasts the TTL or until
    the token's ``exp``, whichever comes first, and a token without a readable ``exp`` is not kept.
    """

    def __init__(self, ttl_seconds: float = AUTHORIZER_CACHE_SECONDS) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= time.monotonic():
                self._entries.pop(key, None)
                return None
            return entry[1]

    def put(self, key: str, result: dict[str, Any]) -> None:
        if self.ttl_seconds <= 0:
            return
        expiry = token_expiry(key)
        if expiry is None:
            return
        lifetime = min(self.ttl_seconds, expiry - time.time())
        if lifetime <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + lifetime, result)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def lambda_response(result: Any) -> Response:
    """A Lambda proxy integration response; anything malformed is API Gateway's 502."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        log.error("handler returned a malformed proxy response: %r", type(result).__name__)
        return function_failed()
    size = payload_bytes(result)
    if size > LAMBDA_RESPONSE_LIMIT_BYTES:
        log.error("handler's response is %d bytes, over Lambda's %d", size, LAMBDA_RESPONSE_LIMIT_BYTES)
        return function_failed()
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(value)) for value in values)
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return Response(int(result["statusCode"]), headers, raw)


class Gateway:
    def __init__(
        self,
        functions: Functions,
        state: LocalState,
        authorizer_cache_seconds: float = AUTHORIZER_CACHE_SECONDS,
        integration_timeout_seconds: float = INTEGRATION_TIMEOUT_SECONDS,
        engines_down: Callable[[], list[str]] = list,
    ) -> None:
        self.functions = functions
        self.state = state
        self.integration_timeout_seconds = integration_timeout_seconds
        self.engines_down = engines_down
        self.authorizer_cache = AuthorizerCache(authorizer_cache_seconds)
        self._jwks = jwks_json(state)
        self.oidc = LocalOidcProvider(state)  # the web app's sign-in (dev-only)

    def handle(
        self,
        method: str,
        target: str,
        raw_headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        host: str,
    ) -> Response:
        answer = self._answer(method, target, raw_headers, body, source_ip, host)
        accept_encoding = next((v for k, v in raw_headers if k.lower() == "accept-encoding"), None)
        return compressed(answer, accept_encoding)

    def _answer(
        self,
        method: str,
        target: str,
        raw_headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        host: str,
    ) -> Response:
        split = urlsplit(target)
        path = split.path or "/"
        if method == "GET" and path == JWKS_PATH:
            return Response(200, [("Content-Type", "application/json")], self._jwks)
        if method == "GET" and path == DISCOVERY_PATH:
            return _json(200, discovery_document(host))
        answer = self._identity_provider(method, path, split.query, raw_headers, body)
        if answer is not None:
            return Response(answer.status, answer.headers, answer.body)
        if not is_served_path(path):  # as the WAF's first rule answers a path the API does not serve
            return gateway_response("MISSING_AUTHENTICATION_TOKEN")
        # API Gateway finds a resource with or without a trailing slash (the web app's /app/).
        resource_path = path.rstrip("/") or "/"
        match = events.match_route(method, resource_path)
        if match is None:  # a served path, another method: the resource's ANY mock answers 405
            status, problem = METHOD_NOT_ALLOWED
            allowed = ", ".join(
                sorted({route.method for route in ROUTES if events.match_route(route.method, resource_path)})
            )
            headers = [
                ("Content-Type", PROBLEM_CONTENT_TYPE),
                ("Allow", allowed),
                ("Cache-Control", "no-store"),
            ]
            return Response(status, headers, problem.encode())
        user_agent = next((v for k, v in raw_headers if k.lower() == "user-agent"), None)
        context = events.request_context(match, method, path, source_ip, user_agent, host)
        authorizer_context: dict[str, Any] | None = None
        if match.route.authorized:
            outcome = self._authorize(match, method, path, split.query, raw_headers, context)
            if isinstance(outcome, Response):
                return outcome
            authorizer_context = outcome
        if match.route.mock_response == HEALTH_BODY:
            down = self.engines_down()
            if down:  # on AWS the services are AWS's; here the engines are ours to report
                return engines_unavailable(down)
        if match.route.function is None:  # an API Gateway mock integration: no function runs
            mock_body = getattr(match.route, "mock_response", None) or ""
            return Response(200, [("Content-Type", "application/json")], mock_body.encode())
        event = events.proxy_event(
            match, method, path, split.query, raw_headers, body, context, authorizer_context
        )
        return self._integrate(match.route.function, event)

    def _integrate(self, function: str, event: dict[str, Any]) -> Response:
        """The function's answer, or API Gateway's 504 once the integration timeout has passed. The
        invocation runs on in its thread (Lambda too runs on to its own timeout); its answer is dropped."""
        outcome: list[Any] = []

        def invoke() -> None:
            try:
                outcome.append(lambda_response(self.functions.invoke(function, event)))
            except Exception:
                log.exception("%s raised", function)
                outcome.append(function_failed())

        worker = threading.Thread(target=invoke, name=f"scrt-invoke-{function}", daemon=True)
        worker.start()
        worker.join(self.integration_timeout_seconds)
        if worker.is_alive():
            log.error("%s did not answer within %.0f s", function, self.integration_timeout_seconds)
            return integration_timed_out()
        response: Response = outcome[0]
        return response

    def _identity_provider(
        self, method: str, path: str, query: str, raw_headers: list[tuple[str, str]], body: bytes
    ) -> OidcAnswer | None:
        """The local identity provider's browser endpoints (sign-in page and token), or None."""
        if path == AUTHORIZE_PATH and method == "GET":
            return self.oidc.authorize_page(query)
        if path == AUTHORIZE_PATH and method == "POST":
            return self.oidc.authorize_submit(body)
        if path == TOKEN_PATH and method == "POST":
            authorization = next((v for k, v in raw_headers if k.lower() == "authorization"), "")
            return self.oidc.token(body, authorization)
        return None

    def _authorize(
        self,
        match: events.Match,
        method: str,
        path: str,
        query: str,
        raw_headers: list[tuple[str, str]],
        context: dict[str, Any],
    ) -> Response | dict[str, Any]:
        identity = next((v for k, v in raw_headers if k.lower() == IDENTITY_HEADER.lower()), "")
        if not identity.strip():
            return gateway_response("UNAUTHORIZED")  # API Gateway: identity source missing
        arn = events.method_arn(method, path)
        result = self.authorizer_cache.get(identity)
        if result is None:
            event = events.authorizer_event(match, method, path, query, raw_headers, context)
            started = time.monotonic()
            try:
                result = self.functions.invoke(AUTHORIZER, event)
            except Exception as error:
                if str(error) == "Unauthorized":
                    return gateway_response("UNAUTHORIZED")
                log.exception("the authorizer failed")
                return gateway_response("AUTHORIZER_FAILURE")
            if not isinstance(result, dict) or "policyDocument" not in result or "principalId" not in result:
                log.error("the authorizer returned no policy")
                return gateway_response("AUTHORIZER_CONFIGURATION_ERROR")
            result = {**result, "_latency": int((time.monotonic() - started) * 1000)}
            self.authorizer_cache.put(identity, result)
        if not policy_allows(result, arn):
            return gateway_response("ACCESS_DENIED")
        authorizer_context: dict[str, Any] = {
            **dict((result.get("context") or {}).items()),
            "principalId": result["principalId"],
            "integrationLatency": result.get("_latency", 0),
        }
        return authorizer_context


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Answers go out at once: with Nagle's algorithm a keep-alive response waited ~40 ms for an ACK.
    disable_nagle_algorithm = True
    server_version = "scrt-local-gateway"
    gateway: Gateway  # set on the subclass built by serve_http

    def _read_body(self) -> bytes:
        """The request body, whether sent with Content-Length or chunked (as API Gateway accepts)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        started = time.monotonic()
        body = self._read_body()
        raw_headers = [(name, value) for name, value in self.headers.items()]
        host = self.headers.get("Host") or "127.0.0.1"
        try:
            response = self.gateway.handle(
                self.command, self.path, raw_headers, body, self.client_address[0], host
            )
        except Exception:
            log.exception("local gateway failure")
            response = _json(500, {"message": "Internal server error"})
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if "content-type" not in names and response.body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        path = self.path.split("?", 1)[0]
        log.info(
            "%s %s %d %.0f ms",
            self.command,
            # A path the API does not serve may be an identifier someone typed: it is not logged.
            path
            if is_served_path(path) or path.startswith(("/.well-known/", "/oauth2/"))
            else "(a path the API does not serve)",
            response.status,
            (time.monotonic() - started) * 1000,
        )

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler answers a method without a do_<METHOD> with its own 501 HTML page;
        # every method (TRACE, PROPFIND, anything) goes to the gateway, which answers a method or
        # route the API does not declare as API Gateway does.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests refused before they reach the gateway (malformed request line, oversized
        headers, ...): a problem+json body like every other answer, never an HTML page."""
        try:
            title = HTTPStatus(code).phrase
        except ValueError:
            title = "Error"
        body = json.dumps({"type": "about:blank", "title": title, "status": code}).encode()
        self.log_error("code %d, message %s", code, message)
        # A request line too broken to name its version leaves HTTP/0.9, which gets no status line
        # or headers at all; API Gateway answers every client in HTTP/1.1.
        self.request_version = self.protocol_version
        self.close_connection = True
        self.send_response(code, message)
        self.send_header("Content-Type", PROBLEM_CONTENT_TYPE)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one access line per request is logged by _dispatch


KEEP_ALIVE_IDLE_SECONDS = 60.0
"""A connection idle this long is closed (browsers keep connections open between requests)."""


class _TrackingHttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its open connections, so ``stop`` can close them: a browser's
    keep-alive connection would otherwise keep being served by a stack that has stopped."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.stopping = False
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)  # its handler thread reads EOF and ends

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not self.stopping:  # a connection cut by stop() is not an error worth a traceback
            super().handle_error(request, client_address)


class HttpServer:
    def __init__(self, gateway: Gateway, port: int) -> None:
        handler = type(
            "BoundRequestHandler",
            (_RequestHandler,),
            {"gateway": gateway, "timeout": KEEP_ALIVE_IDLE_SECONDS},
        )
        self.server = _TrackingHttpServer(("127.0.0.1", port), handler)
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, name="scrt-http", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close every open connection (idle keep-alive ones included), and return:
        handler threads are daemons, and one still running a request finds its connection closed."""
        self.server.stopping = True
        if self._thread.is_alive():
            self.server.shutdown()  # waits for serve_forever's loop: at most its 0.1 s poll interval
        self.server.close_connections()
        self.server.server_close()
