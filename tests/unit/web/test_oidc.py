"""Sign-in's two halves without a network: the web app's ID token checks (Authlib), and the local
identity provider's code flow (PKCE S256, one use per code, client authentication)."""

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from local_stack.identity import LocalOidcProvider, issue_token, jwks
from local_stack.state import ISSUER, WEB_CLIENT_ID, LocalState
from tests.support import monotonic
from tests.support.monotonic import MovingClock
from tracker.web.oidc import OidcClient, OidcClientConfig, SignInFailed

CALLBACK = "http://127.0.0.1:3000/app/callback"


@pytest.fixture
def state(tmp_path: Path) -> LocalState:
    return LocalState(tmp_path / "state")


class Answer:
    """An HTTP answer as the web app's client reads it."""

    def __init__(self, status: int, document: dict[str, Any]) -> None:
        self.status_code = status
        self.document = document

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            import requests

            raise requests.HTTPError(f"{self.status_code}")

    def json(self) -> dict[str, Any]:
        return self.document


class FakeProvider:
    """The identity provider as the web app's HTTP session sees it, without a network: its discovery
    document and its JWKS (which the test changes, or makes fail), counting the JWKS requests."""

    def __init__(self, issuer: str, keys: dict[str, Any]) -> None:
        self.discovery = {
            "issuer": issuer,
            "authorization_endpoint": "https://idp.example.test/oauth2/authorize",
            "token_endpoint": "https://idp.example.test/oauth2/token",
            "jwks_uri": "https://idp.example.test/.well-known/jwks.json",
        }
        self.jwks = keys
        self.jwks_status = 200
        self.jwks_requests = 0

    def get(self, url: str, **_: Any) -> Answer:
        if url == self.discovery["jwks_uri"]:
            self.jwks_requests += 1
            return Answer(self.jwks_status, self.jwks)
        return Answer(200, self.discovery)


def _client_of(provider: FakeProvider, client_id: str = WEB_CLIENT_ID) -> OidcClient:
    config = OidcClientConfig(
        "https://idp.example.test/.well-known/openid-configuration",
        client_id,
        "s",
        CALLBACK,
        issuer=str(provider.discovery["issuer"]),
    )
    client = OidcClient(config)
    client._session = lambda *args, **kwargs: provider  # type: ignore[method-assign]
    return client


def _client(state: LocalState) -> OidcClient:
    return _client_of(FakeProvider(ISSUER, jwks(state)))


def test_a_genuine_id_token_gives_its_claims(state: LocalState) -> None:
    token = issue_token(state, "icb_editor", "QE1", audience=WEB_CLIENT_ID, extra_claims={"nonce": "n-1"})
    claims = _client(state)._verify(token, "n-1")
    assert (claims["role"], claims["org"]) == ("icb_editor", "QE1")


@pytest.mark.parametrize(
    "change",
    [
        {"extra_claims": {"nonce": "another"}},  # replayed from another sign-in
        {"audience": "safeguarding-case-review-tracker"},  # an API token, not the web app's
        {"issuer": "https://elsewhere.example"},
        {"now": time.time() - 7200, "ttl_seconds": 600},  # expired
    ],
)
def test_an_id_token_that_is_not_for_this_sign_in_is_refused(
    state: LocalState, change: dict[str, Any]
) -> None:
    arguments: dict[str, Any] = {"audience": WEB_CLIENT_ID, "extra_claims": {"nonce": "n-1"}, **change}
    token = issue_token(state, "icb_editor", "QE1", **arguments)
    with pytest.raises(SignInFailed):
        _client(state)._verify(token, "n-1")


def test_an_id_token_signed_by_another_key_is_refused(state: LocalState, tmp_path: Path) -> None:
    stranger = LocalState(tmp_path / "stranger")
    token = issue_token(stranger, "icb_editor", "QE1", audience=WEB_CLIENT_ID, extra_claims={"nonce": "n"})
    client = _client(state)
    with pytest.raises(SignInFailed):
        client._verify(token, "n")


# --- the local identity provider ------------------------------------------------------------------


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _authorize(provider: LocalOidcProvider, verifier: str = "v" * 50, role: str = "icb_editor") -> str:
    query = {
        "response_type": "code",
        "client_id": WEB_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "state": "st",
        "nonce": "nn",
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "scope": "openid",
    }
    page = provider.authorize_page(urlencode(query))
    assert page.status == 200
    html = page.body.decode()
    assert re.search(r'<select id="role" name="role">', html) and 'name="org"' in html
    assert html.count("<button") == 1
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))
    answer = provider.authorize_submit(urlencode({**form, "role": role, "org": "qe1"}).encode())
    assert answer.status == 302
    location = dict(answer.headers)["Location"]
    assert location.startswith(CALLBACK + "?")
    found = parse_qs(urlsplit(location).query)
    assert found["state"] == ["st"]
    return found["code"][0]


def _basic(state: LocalState, secret: str | None = None) -> str:
    pair = f"{WEB_CLIENT_ID}:{secret or state.web_client_secret()}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _exchange(provider: LocalOidcProvider, state: LocalState, code: str, verifier: str, **extra: str) -> Any:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    return provider.token(urlencode(body).encode(), extra.get("authorization", _basic(state)))


def test_the_code_flow_issues_an_id_token_for_the_chosen_role_and_org(state: LocalState) -> None:
    provider = LocalOidcProvider(state)
    code = _authorize(provider)
    answer = _exchange(provider, state, code, "v" * 50)
    assert answer.status == 200
    tokens = json.loads(answer.body)
    claims = _client(state)._verify(tokens["id_token"], "nn")
    assert (claims["role"], claims["org"], claims["aud"]) == ("icb_editor", "QE1", WEB_CLIENT_ID)


def test_a_code_works_once_and_only_with_its_verifier_and_the_clients_secret(state: LocalState) -> None:
    provider = LocalOidcProvider(state)
    assert _exchange(provider, state, _authorize(provider), "w" * 50).status == 400  # wrong verifier
    code = _authorize(provider)
    assert _exchange(provider, state, code, "v" * 50, authorization=_basic(state, "wrong")).status == 401
    assert _exchange(provider, state, code, "v" * 50).status == 200
    assert _exchange(provider, state, code, "v" * 50).status == 400  # used


def test_the_provider_refuses_a_callback_that_is_not_the_web_apps_or_a_flow_without_pkce(
    state: LocalState,
) -> None:
    provider = LocalOidcProvider(state)
    base = {
        "response_type": "code",
        "client_id": WEB_CLIENT_ID,
        "code_challenge": "c",
        "code_challenge_method": "S256",
    }
    assert (
        provider.authorize_page(
            urlencode({**base, "redirect_uri": "https://evil.example/app/callback"})
        ).status
        == 400
    )
    assert (
        provider.authorize_page(
            urlencode({**base, "redirect_uri": CALLBACK, "code_challenge_method": "plain"})
        ).status
        == 400
    )
    assert (
        provider.authorize_page(urlencode({**base, "redirect_uri": CALLBACK, "client_id": "other"})).status
        == 400
    )


# --- the whole flow over loopback HTTP: the web app's Authlib client and the local provider -------


@pytest.fixture
def served(state: LocalState) -> Iterator[tuple[str, LocalOidcProvider]]:
    """The local identity provider's discovery, token and JWKS endpoints on a loopback port."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from local_stack.identity import discovery_document, jwks_json
    from local_stack.state import DISCOVERY_PATH, JWKS_PATH, TOKEN_PATH

    provider = LocalOidcProvider(state)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            host = self.headers["Host"]
            if self.path == DISCOVERY_PATH:
                self._answer(
                    200, json.dumps(discovery_document(host)).encode(), [("Content-Type", "application/json")]
                )
            elif self.path == JWKS_PATH:
                self._answer(200, jwks_json(state), [("Content-Type", "application/json")])
            else:
                self._answer(404, b"", [])

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == TOKEN_PATH:
                answer = provider.token(body, self.headers.get("Authorization") or "")
                self._answer(answer.status, answer.body, answer.headers)
            else:
                self._answer(404, b"", [])

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", provider
    finally:
        server.shutdown()
        server.server_close()


def test_the_web_apps_client_signs_in_at_the_local_provider_over_http(
    state: LocalState, served: tuple[str, LocalOidcProvider]
) -> None:
    from local_stack.state import DISCOVERY_PATH

    provider_url, provider = served
    client = OidcClient(
        OidcClientConfig(
            f"{provider_url}{DISCOVERY_PATH}",
            WEB_CLIENT_ID,
            state.web_client_secret(),
            CALLBACK,
            issuer=ISSUER,  # the local provider's issuer is not its loopback URL (JWT_ISSUER, as the API)
        )
    )

    url, pending = client.begin("/app/cases/new")
    sent = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{provider_url}/oauth2/authorize?")
    assert sent["code_challenge_method"] == ["S256"] and sent["state"] == [pending.state]
    assert sent["nonce"] == [pending.nonce] and sent["redirect_uri"] == [CALLBACK]
    assert sent["code_challenge"] == [_challenge(pending.code_verifier)]

    # The browser's part: the sign-in page, then the form sent back (to the provider on the server).
    page = provider.authorize_page(urlsplit(url).query)
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.body.decode()))
    back = provider.authorize_submit(urlencode({**form, "role": "regional", "org": "Y62"}).encode())
    code = parse_qs(urlsplit(dict(back.headers)["Location"]).query)["code"][0]

    claims = client.finish(code, pending)

    assert (claims["role"], claims["org"], claims["nonce"]) == ("regional", "Y62", pending.nonce)
    with pytest.raises(SignInFailed):
        client.finish(code, pending)  # a code is redeemed once


@pytest.mark.parametrize(
    ("stored", "used"), [("", None), ("none", None), ("None ", None), ("s3cret", "s3cret")]
)
def test_an_empty_or_none_client_secret_is_a_public_client(stored: str, used: str | None) -> None:
    from tracker.web.oidc import client_secret_or_none

    assert client_secret_or_none(stored) == used
    client = OidcClient(OidcClientConfig("https://idp.example.test/x", "web", used, CALLBACK))
    assert client._session().token_endpoint_auth_method == ("none" if used is None else "client_secret_basic")


# --- the discovery document and the authorized party -----------------------------------------------

IDP = "https://idp.example.test/tenant-1"
GOOD_DOCUMENT = {
    "issuer": IDP,
    "authorization_endpoint": f"{IDP}/oauth2/authorize",
    "token_endpoint": f"{IDP}/oauth2/token",
    "jwks_uri": f"{IDP}/.well-known/jwks.json",
}


def _config(discovery_url: str = f"{IDP}/.well-known/openid-configuration") -> OidcClientConfig:
    return OidcClientConfig(discovery_url, "web", None, "https://tracker.example.test/app/callback")


def test_a_discovery_document_for_the_configured_issuer_with_https_endpoints_is_used() -> None:
    from tracker.web.oidc import checked_metadata

    assert checked_metadata(GOOD_DOCUMENT, _config())["token_endpoint"] == f"{IDP}/oauth2/token"
    assert checked_metadata({**GOOD_DOCUMENT, "issuer": IDP + "/"}, _config())["issuer"] == IDP + "/"


@pytest.mark.parametrize(
    "change",
    [
        {"issuer": "https://idp.example.test/tenant-2"},  # another tenant's document
        {"issuer": "https://evil.example/tenant-1"},
        {"issuer": None},
        {"jwks_uri": "http://idp.example.test/tenant-1/.well-known/jwks.json"},
        {"token_endpoint": "http://idp.example.test/tenant-1/oauth2/token"},
        {"authorization_endpoint": "http://idp.example.test/tenant-1/oauth2/authorize"},
        {"token_endpoint": "http://127.0.0.1:1@evil.example/token"},  # looks local, is not
        {"jwks_uri": None},
    ],
)
def test_a_discovery_document_naming_another_issuer_or_plain_http_endpoints_is_refused(
    change: dict[str, Any],
) -> None:
    from tracker.web.oidc import checked_metadata

    with pytest.raises(SignInFailed):
        checked_metadata({**GOOD_DOCUMENT, **change}, _config())


def test_plain_http_endpoints_are_accepted_on_loopback_only() -> None:
    from tracker.web.oidc import checked_metadata

    local = "http://127.0.0.1:3000"
    document = {
        "issuer": local,
        "authorization_endpoint": f"{local}/oauth2/authorize",
        "token_endpoint": f"{local}/oauth2/token",
        "jwks_uri": f"{local}/.well-known/jwks.json",
    }
    assert checked_metadata(document, _config(f"{local}/.well-known/openid-configuration"))
    with pytest.raises(SignInFailed):
        checked_metadata(
            {**document, "jwks_uri": "http://10.0.0.8/.well-known/jwks.json"},
            _config(f"{local}/.well-known/openid-configuration"),
        )


def test_an_explicit_issuer_replaces_the_one_read_from_the_discovery_url() -> None:
    from dataclasses import replace

    from tracker.web.oidc import checked_metadata

    config = replace(_config("https://login.example.test/.well-known/openid-configuration"), issuer=IDP)
    assert checked_metadata(GOOD_DOCUMENT, config)["issuer"] == IDP
    with pytest.raises(SignInFailed):
        checked_metadata(
            GOOD_DOCUMENT, _config("https://login.example.test/.well-known/openid-configuration")
        )


@pytest.mark.parametrize(
    ("claims", "accepted"),
    [
        ({"aud": [WEB_CLIENT_ID, "another-client"], "azp": WEB_CLIENT_ID}, True),
        ({"aud": [WEB_CLIENT_ID, "another-client"]}, False),  # no azp with several audiences
        ({"aud": [WEB_CLIENT_ID, "another-client"], "azp": "another-client"}, False),
        ({"aud": WEB_CLIENT_ID, "azp": "another-client"}, False),
        ({"aud": WEB_CLIENT_ID, "azp": WEB_CLIENT_ID}, True),
        ({"aud": [WEB_CLIENT_ID]}, True),
    ],
)
def test_an_id_token_for_several_audiences_must_name_the_web_app_as_authorized_party(
    state: LocalState, claims: dict[str, Any], accepted: bool
) -> None:
    token = issue_token(state, "icb_editor", "QE1", extra_claims={"nonce": "n-1", **claims})
    if accepted:
        assert _client(state)._verify(token, "n-1")["org"] == "QE1"
    else:
        with pytest.raises(SignInFailed):
            _client(state)._verify(token, "n-1")


# --- the identity provider's keys: kept for JWKS_CACHE_SECONDS, chosen by id and algorithm ----------

WEB_ISSUER = "https://idp.example.test/tenant-1"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    return monotonic.install(monkeypatch)


def _jwk(private_key: Any, kid: str) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    if isinstance(private_key, rsa.RSAPrivateKey):
        jwk = dict(RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True), alg="RS256")
    else:
        jwk = dict(ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True), alg="ES256")
    return {**jwk, "kid": kid, "use": "sig"}


def _id_token(private_key: Any, kid: str, algorithm: str = "ES256", nonce: str = "n-1") -> str:
    import jwt

    now = int(time.time())
    claims = {
        "iss": WEB_ISSUER,
        "aud": WEB_CLIENT_ID,
        "sub": "synthetic-user",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "role": "icb_editor",
        "org": "QE1",
    }
    return jwt.encode(claims, private_key, algorithm=algorithm, headers={"kid": kid})


def _ec() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _rsa() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_a_key_the_provider_withdrew_stops_verifying_within_the_cache_lifetime(clock: MovingClock) -> None:
    from tracker.settings import DEFAULT_JWKS_CACHE_SECONDS

    retiring, successor = _ec(), _ec()
    provider = FakeProvider(WEB_ISSUER, {"keys": [_jwk(retiring, "retiring"), _jwk(successor, "successor")]})
    client = _client_of(provider)
    assert client._verify(_id_token(retiring, "retiring"), "n-1")["org"] == "QE1"

    provider.jwks = {"keys": [_jwk(successor, "successor")]}  # the provider withdraws the key
    clock.advance(DEFAULT_JWKS_CACHE_SECONDS - 1)
    assert client._verify(_id_token(retiring, "retiring"), "n-1")["org"] == "QE1"  # still cached
    clock.advance(2)
    with pytest.raises(SignInFailed):
        client._verify(_id_token(retiring, "retiring"), "n-1")
    assert client._verify(_id_token(successor, "successor"), "n-1")["org"] == "QE1"
    assert provider.jwks_requests == 2


def test_keys_that_share_an_id_each_verify_their_own_id_tokens(clock: MovingClock) -> None:
    rsa_key, ec_key, second_ec = _rsa(), _ec(), _ec()
    shared = "shared-kid"
    provider = FakeProvider(
        WEB_ISSUER, {"keys": [_jwk(rsa_key, shared), _jwk(ec_key, shared), _jwk(second_ec, shared)]}
    )
    client = _client_of(provider)
    for token in (
        _id_token(rsa_key, shared, "RS256"),
        _id_token(ec_key, shared),
        _id_token(second_ec, shared),
    ):
        assert client._verify(token, "n-1")["sub"] == "synthetic-user"
    with pytest.raises(SignInFailed):
        client._verify(_id_token(_ec(), shared), "n-1")


def test_an_id_token_whose_header_names_a_key_with_the_other_algorithm_is_refused(
    clock: MovingClock,
) -> None:
    rsa_key, ec_key = _rsa(), _ec()
    provider = FakeProvider(WEB_ISSUER, {"keys": [_jwk(rsa_key, "rsa"), _jwk(ec_key, "ec")]})
    client = _client_of(provider)
    with pytest.raises(SignInFailed):
        client._verify(_id_token(ec_key, "rsa"), "n-1")
    with pytest.raises(SignInFailed):
        client._verify(_id_token(rsa_key, "ec", "RS256"), "n-1")


def test_id_tokens_naming_unknown_keys_do_not_each_fetch_the_jwks(clock: MovingClock) -> None:
    from tracker.auth.jwks import UNKNOWN_KEY_REFRESH_SECONDS

    key = _ec()
    provider = FakeProvider(WEB_ISSUER, {"keys": [_jwk(key, "known")]})
    client = _client_of(provider)
    assert client._verify(_id_token(key, "known"), "n-1")
    provider.jwks_status = 503  # and the endpoint starts failing

    for attempt in range(5):
        with pytest.raises(SignInFailed):
            client._verify(_id_token(key, f"made-up-{attempt}"), "n-1")
    assert provider.jwks_requests == 1
    clock.advance(UNKNOWN_KEY_REFRESH_SECONDS)
    for attempt in range(5):
        with pytest.raises(SignInFailed):
            client._verify(_id_token(key, f"made-up-later-{attempt}"), "n-1")
    assert provider.jwks_requests == 2  # one attempt at a newer document, failed
    assert client._verify(_id_token(key, "known"), "n-1")  # the document still within its lifespan


@pytest.mark.parametrize(
    ("configured", "published"),
    [(IDP, IDP + "/"), (IDP + "/", IDP), (IDP, IDP.upper())],
)
def test_the_discovery_documents_issuer_must_be_the_configured_one_exactly(
    configured: str, published: str
) -> None:
    """OpenID Connect Discovery §4.3: identical, not equal after removing a slash (the ID token's
    ``iss`` is then checked against the document's, and the API's JWT_ISSUER is compared exactly)."""
    from dataclasses import replace

    from tracker.web.oidc import checked_metadata

    with pytest.raises(SignInFailed):
        checked_metadata({**GOOD_DOCUMENT, "issuer": published}, replace(_config(), issuer=configured))
    assert checked_metadata({**GOOD_DOCUMENT, "issuer": configured}, replace(_config(), issuer=configured))
