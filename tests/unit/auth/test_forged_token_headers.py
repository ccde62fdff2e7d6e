"""Tokens whose header does not fit the key it names, keys that share an id, and a JWKS endpoint that
fails: whatever an anonymous caller sends is a 401, never an authorizer error (a 500, counted by the
alarms that watch for an identity provider outage)."""

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tracker.auth import jwks
from tracker.auth.settings import AuthSettings
from tracker.auth.tokens import InvalidToken, TokenVerifier

from .conftest import AUDIENCE, ISSUER, Clock, JwksServer, Keys, public_jwk, static_signing_keys

METHOD_ARN = "arn:aws:execute-api:eu-west-2:123456789012:abc123/prod/GET/cases"
CACHE_SECONDS = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unauthorized(authorizer: Any, token: str) -> None:
    request = {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": {"Authorization": f"Bearer {token}"}}
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(request, None)


@pytest.mark.parametrize(
    ("algorithm", "kid_of"),
    [("ES256", "rsa"), ("RS256", "ec")],
    ids=["ES256 header naming the RSA key", "RS256 header naming the EC key"],
)
def test_a_header_naming_a_real_key_with_the_other_algorithm_is_401(
    authorizer: Any, keys: Keys, algorithm: str, kid_of: str
) -> None:
    kid = keys.rsa_kid if kid_of == "rsa" else keys.ec_kid
    unauthorized(authorizer, keys.token(algorithm=algorithm, kid=kid))


def test_a_key_published_without_alg_is_used_only_with_its_own_key_types_algorithm(
    settings: AuthSettings, keys: Keys
) -> None:
    """``alg`` is optional in a JWK (RFC 7517 §4.4): the key's type then decides."""
    rsa_jwk = public_jwk(keys.rsa, "no-alg-rsa")
    ec_jwk = public_jwk(keys.ec, "no-alg-ec")
    for jwk in (rsa_jwk, ec_jwk):
        del jwk["alg"]
    verifier = TokenVerifier(settings, static_signing_keys({"keys": [rsa_jwk, ec_jwk]}))

    assert verifier.verify(keys.token(algorithm="RS256", kid="no-alg-rsa")).sub == "user-123"
    assert verifier.verify(keys.token(kid="no-alg-ec")).sub == "user-123"
    with pytest.raises(InvalidToken):
        verifier.verify(keys.token(kid="no-alg-rsa"))  # ES256 on an RSA key
    with pytest.raises(InvalidToken):
        verifier.verify(keys.token(algorithm="RS256", kid="no-alg-ec"))  # RS256 on an EC key


def test_an_es256_header_naming_a_key_on_another_curve_is_401(settings: AuthSettings, keys: Keys) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    jwk = public_jwk(p384, "p-384")
    del jwk["alg"]
    verifier = TokenVerifier(settings, static_signing_keys({"keys": [jwk]}))
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60, "role": "national", "org": "X24"}
    header = _b64(json.dumps({"alg": "ES256", "typ": "JWT", "kid": "p-384"}).encode())
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(bytes(64))}"
    with pytest.raises(InvalidToken):
        verifier.verify(forged)


def test_keys_that_share_an_id_each_verify_their_own_tokens(settings: AuthSettings, keys: Keys) -> None:
    """RFC 7517 §4.5 allows several keys with one ``kid`` (of different types, say, during a change of
    algorithm): each is tried, none hides another."""
    second_ec = ec.generate_private_key(ec.SECP256R1())
    shared = "shared-kid"
    document = {
        "keys": [public_jwk(keys.rsa, shared), public_jwk(keys.ec, shared), public_jwk(second_ec, shared)]
    }
    verifier = TokenVerifier(settings, static_signing_keys(document))

    for token in (
        keys.token(algorithm="RS256", kid=shared),
        keys.token(kid=shared),
        keys.token(key=second_ec, kid=shared),
    ):
        assert verifier.verify(token).sub == "user-123"
    with pytest.raises(InvalidToken):
        verifier.verify(keys.token(key=keys.foreign_ec, kid=shared))


# --- a failing JWKS endpoint ----------------------------------------------------------------------


def verifier_for(server: JwksServer) -> TokenVerifier:
    settings = AuthSettings(
        jwks_url=server.url, issuer=ISSUER, audiences=(AUDIENCE,), jwks_cache_seconds=CACHE_SECONDS
    )
    return TokenVerifier(settings)


def test_made_up_key_ids_while_the_endpoint_fails_are_401_and_fetch_at_most_once_per_interval(
    jwks_server: JwksServer, clock: Clock, keys: Keys
) -> None:
    jwks_server.document = keys.jwks()
    verifier = verifier_for(jwks_server)
    verifier.verify(keys.token())
    jwks_server.status = 503
    clock.advance(jwks.UNKNOWN_KEY_REFRESH_SECONDS)

    for attempt in range(20):
        with pytest.raises(InvalidToken):
            verifier.verify(keys.token(kid=f"made-up-{attempt}"))

    assert jwks_server.requests == 2  # the document, then one attempt at a newer one (failed)
    assert verifier.verify(keys.token()).org == "QE1"  # the document, still within its lifespan
    clock.advance(jwks.UNKNOWN_KEY_REFRESH_SECONDS)
    with pytest.raises(InvalidToken):
        verifier.verify(keys.token(kid="made-up-later"))
    assert jwks_server.requests == 3


def test_once_a_fetch_has_failed_the_endpoint_is_not_asked_again_until_the_retry_interval(
    jwks_server: JwksServer, clock: Clock, keys: Keys
) -> None:
    jwks_server.document = keys.jwks()
    verifier = verifier_for(jwks_server)
    verifier.verify(keys.token())
    jwks_server.status = 503
    clock.advance(CACHE_SECONDS)  # the document has expired: keys must be fetched

    for _ in range(10):
        with pytest.raises(jwks.JwksUnavailable):  # an outage: the alarms should see it
            verifier.verify(keys.token())
    assert jwks_server.requests == 2

    jwks_server.status = 200
    clock.advance(jwks.FAILED_FETCH_RETRY_SECONDS)
    assert verifier.verify(keys.token()).org == "QE1"
    assert jwks_server.requests == 3


def test_six_anonymous_requests_with_forged_headers_are_no_authorizer_error(
    authorizer: Any, keys: Keys
) -> None:
    """The issue's case: six requests in five minutes were two critical alarms."""
    for algorithm, kid in [("ES256", keys.rsa_kid), ("RS256", keys.ec_kid)] * 3:
        unauthorized(authorizer, keys.token(algorithm=algorithm, kid=kid))
