"""The authorizer follows the identity provider's JWKS, served on 127.0.0.1, with a clock the test
moves: keys are fetched once per JWKS_CACHE_SECONDS, a removed key stops verifying within that time,
an added key is picked up at once, and made-up key ids do not make it fetch on every request."""

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tracker.auth import jwks
from tracker.auth.settings import AuthSettings
from tracker.auth.tokens import InvalidToken, TokenVerifier

from .conftest import AUDIENCE, ISSUER, Clock, JwksServer, Keys, public_jwk

CACHE_SECONDS = 300
METHOD_ARN = "arn:aws:execute-api:eu-west-2:123456789012:abc123/prod/GET/cases"


def verifier_for(server: JwksServer, cache_seconds: int = CACHE_SECONDS) -> TokenVerifier:
    settings = AuthSettings(
        jwks_url=server.url, issuer=ISSUER, audiences=(AUDIENCE,), jwks_cache_seconds=cache_seconds
    )
    return TokenVerifier(settings)


@pytest.fixture
def deployed_authorizer(monkeypatch: pytest.MonkeyPatch, jwks_server: JwksServer) -> Any:
    """The real handler, configured from the environment as in Lambda, against the loopback JWKS."""
    from functions.authorizer import handler

    monkeypatch.setenv("JWKS_URL", jwks_server.url)
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("JWKS_CACHE_SECONDS", str(CACHE_SECONDS))
    handler.reset()
    yield handler
    handler.reset()


def effect(authorizer: Any, token: str) -> str:
    event = {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": {"Authorization": f"Bearer {token}"}}
    return str(authorizer.lambda_handler(event, None)["policyDocument"]["Statement"][0]["Effect"])


def test_a_removed_key_stops_verifying_within_the_cache_lifetime(
    deployed_authorizer: Any, jwks_server: JwksServer, clock: Clock, keys: Keys
) -> None:
    retiring = ec.generate_private_key(ec.SECP256R1())
    successor = ec.generate_private_key(ec.SECP256R1())
    jwks_server.document = {"keys": [public_jwk(retiring, "retiring"), public_jwk(successor, "successor")]}
    old_token = keys.token(key=retiring, kid="retiring")
    assert effect(deployed_authorizer, old_token) == "Allow"

    jwks_server.document = {"keys": [public_jwk(successor, "successor")]}  # the provider drops the key
    clock.advance(CACHE_SECONDS - 1)
    assert effect(deployed_authorizer, old_token) == "Allow"  # the cached document still has it
    clock.advance(2)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        deployed_authorizer.lambda_handler(
            {"methodArn": METHOD_ARN, "headers": {"Authorization": f"Bearer {old_token}"}}, None
        )
    assert effect(deployed_authorizer, keys.token(key=successor, kid="successor")) == "Allow"
    assert jwks_server.requests == 2


def test_keys_are_fetched_once_within_the_cache_lifetime(
    jwks_server: JwksServer, clock: Clock, keys: Keys
) -> None:
    jwks_server.document = keys.jwks()
    verifier = verifier_for(jwks_server)
    for _ in range(5):
        verifier.verify(keys.token())
        verifier.verify(keys.token(algorithm="RS256", role="national", org="X24"))
        clock.advance(CACHE_SECONDS / 6)
    assert jwks_server.requests == 1
    clock.advance(CACHE_SECONDS)
    verifier.verify(keys.token())
    assert jwks_server.requests == 2


def test_a_key_added_by_a_rotation_is_picked_up_and_made_up_key_ids_are_rate_limited(
    jwks_server: JwksServer, clock: Clock, keys: Keys
) -> None:
    jwks_server.document = keys.jwks()
    verifier = verifier_for(jwks_server)
    verifier.verify(keys.token())
    added = ec.generate_private_key(ec.SECP256R1())
    jwks_server.document = {"keys": [*keys.jwks()["keys"], public_jwk(added, "added")]}
    clock.advance(jwks.UNKNOWN_KEY_REFRESH_SECONDS)
    assert verifier.verify(keys.token(key=added, kid="added")).org == "QE1"
    assert jwks_server.requests == 2
    for attempt in range(20):
        with pytest.raises(InvalidToken):
            verifier.verify(keys.token(key=added, kid=f"made-up-{attempt}"))
    assert jwks_server.requests == 2  # within UNKNOWN_KEY_REFRESH_SECONDS of the last fetch
    clock.advance(jwks.UNKNOWN_KEY_REFRESH_SECONDS)
    with pytest.raises(InvalidToken):
        verifier.verify(keys.token(key=added, kid="made-up-again"))
    assert jwks_server.requests == 3


def test_an_expired_document_is_not_used_when_the_provider_is_unreachable(
    jwks_server: JwksServer, clock: Clock, keys: Keys
) -> None:
    jwks_server.document = keys.jwks()
    verifier = verifier_for(jwks_server)
    verifier.verify(keys.token())
    jwks_server.close()
    clock.advance(CACHE_SECONDS + 1)
    with pytest.raises(jwks.JwksUnavailable):
        verifier.verify(keys.token())


def test_a_cache_lifetime_of_zero_fetches_on_every_use(
    jwks_server: JwksServer, clock: Clock, keys: Keys
) -> None:
    jwks_server.document = keys.jwks()
    verifier = verifier_for(jwks_server, cache_seconds=0)
    for _ in range(3):
        verifier.verify(keys.token())
    assert jwks_server.requests == 3
