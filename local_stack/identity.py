"""The local identity provider: an EC P-256 key generated on first run, its JWKS, and tokens."""

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from local_stack.state import (
    AUDIENCE,
    AUTHORIZE_PATH,
    DISCOVERY_PATH,
    ISSUER,
    JWKS_PATH,
    SIGNING_KEY_ID_PREFIX,
    TOKEN_PATH,
    WEB_CLIENT_ID,
    LocalState,
)
from tracker.auth.claims import DEFAULT_NAME_CLAIM
from tracker.auth.settings import DEFAULT_ORG_CLAIM, DEFAULT_ROLE_CLAIM

DEFAULT_TTL_SECONDS = 3600
SYNTHETIC_NAME = "Alex Example"
"""The person a local token names (OIDC's ``name`` claim), made up: the local stack shows people."""


def _b64url_uint(value: int, length: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(length, "big")).rstrip(b"=").decode()


def key_id(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SIGNING_KEY_ID_PREFIX + hashlib.sha256(der).hexdigest()[:16]


def jwks(state: LocalState) -> dict[str, Any]:
    key = state.signing_key()
    numbers = key.public_key().public_numbers()
    return {
        "keys": [
            {
                "kty": "EC",
                "crv": "P-256",
                "use": "sig",
                "alg": "ES256",
                "kid": key_id(key),
                "x": _b64url_uint(numbers.x, 32),
                "y": _b64url_uint(numbers.y, 32),
            }
        ]
    }


def jwks_json(state: LocalState) -> bytes:
    return json.dumps(jwks(state)).encode()


def person_sub(role: str, org: str, name: str | None) -> str | None:
    """The user a local sign-in names: another made-up name is another person (so two people of one
    ICB can meet on the conflict page); the synthetic name, or none, is ``issue_token``'s default."""
    if not name or name == SYNTHETIC_NAME:
        return None
    person = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"local-{role}-{org}-{person}".lower() if person else None


def issue_token(
    state: LocalState,
    role: str,
    org: str,
    *,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    sub: str | None = None,
    role_claim: str = DEFAULT_ROLE_CLAIM,
    org_claim: str = DEFAULT_ORG_CLAIM,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    now: float | None = None,
    extra_claims: dict[str, Any] | None = None,
    name: str | None = SYNTHETIC_NAME,
    name_claim: str = DEFAULT_NAME_CLAIM,
) -> str:
    """A token the local stack's authorizer accepts (if role and org are known), naming a synthetic
    person unless ``name`` is None (as a machine client's token names none)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": sub or f"local-{role}-{org}".lower(),
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": str(uuid.uuid4()),
        role_claim: role,
        org_claim: org,
        **({name_claim: name} if name else {}),
    }
    claims.update(extra_claims or {})
    key = state.signing_key()
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": key_id(key)})


# --- OpenID Connect for the web app (dev-only) ---------------------------------------------------
# The endpoints a browser sign-in needs: discovery, authorize (a sign-in page where you choose a role
# and an organisation: no passwords, this never leaves loopback), token (authorization code with
# PKCE S256 and the client's secret), and the JWKS above. Codes live in memory for a minute.

CODE_TTL_SECONDS = 60
ID_TOKEN_TTL_SECONDS = 600
ROLES = ("icb_editor", "icb_viewer", "regional", "national", "provider")


def web_app_environment(state: LocalState, api_url: str) -> dict[str, str]:
    """The settings the web app needs to sign people in at this identity provider."""
    from tracker import settings

    return {
        settings.WEB_BASE_URL: api_url,
        settings.WEB_OIDC_DISCOVERY_URL: f"{api_url}{DISCOVERY_PATH}",
        settings.WEB_OIDC_CLIENT_ID: WEB_CLIENT_ID,
        settings.WEB_OIDC_CLIENT_SECRET: state.web_client_secret(),
        settings.WEB_SESSION_KEY: state.web_session_key(),
    }


def discovery_document(host: str) -> dict[str, Any]:
    base = f"http://{host}"
    return {
        "issuer": ISSUER,
        "jwks_uri": f"{base}{JWKS_PATH}",
        "authorization_endpoint": f"{base}{AUTHORIZE_PATH}",
        "token_endpoint": f"{base}{TOKEN_PATH}",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid"],
        "claims_supported": ["sub", DEFAULT_NAME_CLAIM, DEFAULT_ROLE_CLAIM, DEFAULT_ORG_CLAIM],
    }


@dataclass(frozen=True)
class OidcAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    role: str
    org: str
    name: str
    expires: float


_AUTHORIZE_PARAMETERS = (
    "client_id",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "scope",
)
_PAGE_STYLE = (
    "body{font-family:Arial,sans-serif;margin:2rem;max-width:40rem}"
    "label{display:block;margin:1rem 0 .25rem;font-weight:bold}"
    "input,select{font-size:1rem;padding:.3rem}button{margin-top:1.5rem;font-size:1rem;padding:.5rem 1rem}"
)
_PAGE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
]


def _problem(status: int, error: str, description: str) -> OidcAnswer:
    body = json.dumps({"error": error, "error_description": description}).encode()
    return OidcAnswer(status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], body)


def _is_local_callback(redirect_uri: str) -> bool:
    parts = urlsplit(redirect_uri)
    return (
        parts.scheme == "http"
        and parts.hostname in ("127.0.0.1", "localhost")
        and parts.path.endswith("/app/callback")
    )


def _first(values: dict[str, list[str]], name: str) -> str:
    return (values.get(name) or [""])[-1]


class LocalOidcProvider:
    """The local identity provider's browser side. One per gateway; safe across its threads."""

    def __init__(self, state: LocalState, client_id: str = WEB_CLIENT_ID) -> None:
        self.state = state
        self.client_id = client_id
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def _check_request(self, values: dict[str, list[str]]) -> OidcAnswer | None:
        if _first(values, "client_id") != self.client_id:
            return _problem(400, "invalid_client", "unknown client_id")
        if not _is_local_callback(_first(values, "redirect_uri")):
            return _problem(400, "invalid_request", "redirect_uri is not a registered callback")
        if _first(values, "code_challenge_method") != "S256" or not _first(values, "code_challenge"):
            return _problem(400, "invalid_request", "PKCE with S256 is required")
        return None

    def authorize_page(self, query: str) -> OidcAnswer:
        values = parse_qs(query, keep_blank_values=True)
        refused = self._check_request(values)
        if refused is not None:
            return refused
        if _first(values, "response_type") != "code":
            return _problem(400, "unsupported_response_type", "only the code flow is supported")
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(_first(values, name))}">'
            for name in _AUTHORIZE_PARAMETERS
        )
        options = "".join(f'<option value="{role}">{role}</option>' for role in ROLES)
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in (local identity provider)</title>
<style>{_PAGE_STYLE}</style></head>
<body><main><h1>Sign in to the local stack</h1>
<p>Development only: choose who to be. Nothing here is ever deployed.</p>
<form method="post" action="{AUTHORIZE_PATH}">{hidden}
<label for="role">Role</label><select id="role" name="role">{options}</select>
<label for="org">Organisation code</label>
<input id="org" name="org" value="QE1" autocomplete="off" spellcheck="false">
<label for="name">Your name (made up)</label>
<input id="name" name="name" value="{html.escape(SYNTHETIC_NAME)}" autocomplete="off" spellcheck="false">
<button type="submit">Sign in</button></form></main></body></html>"""
        return OidcAnswer(200, _PAGE_HEADERS, page.encode())

    def authorize_submit(self, body: bytes) -> OidcAnswer:
        values = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        refused = self._check_request(values)
        if refused is not None:
            return refused
        role, org = _first(values, "role").strip(), _first(values, "org").strip().upper()
        name = _first(values, "name").strip()
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._grants = {key: grant for key, grant in self._grants.items() if grant.expires > now}
            self._grants[code] = _Grant(
                client_id=self.client_id,
                redirect_uri=_first(values, "redirect_uri"),
                code_challenge=_first(values, "code_challenge"),
                nonce=_first(values, "nonce") or None,
                role=role,
                org=org,
                name=name,
                expires=now + CODE_TTL_SECONDS,
            )
        redirect_uri = _first(values, "redirect_uri")
        query = urlencode({"code": code, "state": _first(values, "state")})
        separator = "&" if "?" in redirect_uri else "?"
        return OidcAnswer(
            302, [("Location", f"{redirect_uri}{separator}{query}"), ("Cache-Control", "no-store")], b""
        )

    def _client_authenticated(self, values: dict[str, list[str]], authorization: str) -> bool:
        secret = self.state.web_client_secret()
        if authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            client_id, _, given = decoded.partition(":")
            client_id, given = unquote_plus(client_id), unquote_plus(given)
        else:
            client_id, given = _first(values, "client_id"), _first(values, "client_secret")
        return client_id == self.client_id and hmac.compare_digest(given.encode(), secret.encode())

    def token(self, body: bytes, authorization: str) -> OidcAnswer:
        values = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        if not self._client_authenticated(values, authorization):
            return _problem(401, "invalid_client", "client authentication failed")
        if _first(values, "grant_type") != "authorization_code":
            return _problem(400, "unsupported_grant_type", "only authorization_code is supported")
        with self._lock:
            grant = self._grants.pop(_first(values, "code"), None)  # a code works once
        if grant is None or grant.expires < time.time():
            return _problem(400, "invalid_grant", "unknown or expired code")
        if _first(values, "redirect_uri") != grant.redirect_uri:
            return _problem(400, "invalid_grant", "redirect_uri does not match")
        verifier = _first(values, "code_verifier")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not hmac.compare_digest(challenge, grant.code_challenge):
            return _problem(400, "invalid_grant", "the PKCE code_verifier does not match")
        extra = {"nonce": grant.nonce} if grant.nonce else {}
        id_token = issue_token(
            self.state,
            grant.role,
            grant.org,
            ttl_seconds=ID_TOKEN_TTL_SECONDS,
            audience=self.client_id,
            extra_claims=extra,
            sub=person_sub(grant.role, grant.org, grant.name),
            name=grant.name or None,
        )
        access_token = issue_token(
            self.state,
            grant.role,
            grant.org,
            ttl_seconds=ID_TOKEN_TTL_SECONDS,
            sub=person_sub(grant.role, grant.org, grant.name),
            name=grant.name or None,
        )
        document = {
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": ID_TOKEN_TTL_SECONDS,
            "scope": "openid",
        }
        return OidcAnswer(
            200,
            [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            json.dumps(document).encode(),
        )
