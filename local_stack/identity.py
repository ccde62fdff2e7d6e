"""The local identity provider: an EC P-256 key generated on first run, its JWKS, and tokens."""

import base64
import hashlib
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from local_stack.state import AUDIENCE, ISSUER, SIGNING_KEY_ID_PREFIX, LocalState
from tracker.auth.settings import DEFAULT_ORG_CLAIM, DEFAULT_ROLE_CLAIM

DEFAULT_TTL_SECONDS = 3600


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
) -> str:
    """A token the local stack's authorizer accepts (if role and org are known)."""
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
    }
    claims.update(extra_claims or {})
    key = state.signing_key()
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": key_id(key)})
