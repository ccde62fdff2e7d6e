"""The local gateway's part in the web app: the identity provider's browser endpoints, and /app/
reaching the web app's function with or without its trailing slash (as API Gateway does)."""

import json
from pathlib import Path
from typing import Any

from local_stack.gateway import Gateway
from local_stack.lambdas import Functions
from local_stack.state import LocalState


def _gateway(tmp_path: Path) -> tuple[Gateway, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def web_app(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "text/html"}, "body": "<p>page</p>"}

    def resolve(function: str) -> Any:
        assert function == "web_app", f"{function} should not be called"
        return web_app

    return Gateway(Functions(resolve), LocalState(tmp_path)), seen


def test_discovery_names_the_browser_endpoints_on_the_stacks_own_host(tmp_path: Path) -> None:
    gateway, _ = _gateway(tmp_path)
    answer = gateway.handle(
        "GET", "/.well-known/openid-configuration", [], b"", "127.0.0.1", "127.0.0.1:3000"
    )
    document = json.loads(answer.body)
    assert answer.status == 200
    assert document["authorization_endpoint"] == "http://127.0.0.1:3000/oauth2/authorize"
    assert document["token_endpoint"] == "http://127.0.0.1:3000/oauth2/token"
    assert document["jwks_uri"] == "http://127.0.0.1:3000/.well-known/jwks.json"
    assert document["code_challenge_methods_supported"] == ["S256"]


def test_app_is_served_with_or_without_its_trailing_slash_and_without_a_bearer_token(tmp_path: Path) -> None:
    gateway, seen = _gateway(tmp_path)
    for path in ("/app", "/app/", "/app/cases/new/"):
        answer = gateway.handle("GET", path, [], b"", "127.0.0.1", "127.0.0.1:3000")
        assert answer.status == 200, path
    assert [(event["resource"], event["path"]) for event in seen] == [
        ("/app", "/app"),
        ("/app", "/app/"),
        ("/app/cases/new", "/app/cases/new/"),
    ]
    assert all("authorizer" not in event["requestContext"] for event in seen)


def test_a_path_the_app_does_not_serve_never_reaches_it(tmp_path: Path) -> None:
    gateway, seen = _gateway(tmp_path)
    for path in ("/app/9434765919", "/app/static/../../etc/passwd", "/app/static/anything.css"):
        assert gateway.handle("GET", path, [], b"", "127.0.0.1", "127.0.0.1:3000").status == 404, path
    assert gateway.handle("DELETE", "/app", [], b"", "127.0.0.1", "127.0.0.1:3000").status == 405
    assert seen == []


def test_the_sign_in_page_is_served_by_the_gateway_itself(tmp_path: Path) -> None:
    gateway, seen = _gateway(tmp_path)
    query = (
        "response_type=code&client_id=scrt-web-local&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fapp%2Fcallback"
        "&state=s&nonce=n&code_challenge=c&code_challenge_method=S256&scope=openid"
    )
    answer = gateway.handle("GET", f"/oauth2/authorize?{query}", [], b"", "127.0.0.1", "127.0.0.1:3000")
    assert answer.status == 200 and b'name="role"' in answer.body and b'name="org"' in answer.body
    assert seen == []
