"""The authorizer accepts a provider token only for a trust in the provider reference data."""

from typing import Any

import pytest

from tracker.auth.settings import AuthSettings
from tracker.auth.tokens import NotAllowed, SigningKeys, TokenVerifier

from .conftest import Keys


def test_a_provider_token_for_a_known_trust_is_verified(
    keys: Keys, settings: AuthSettings, signing_keys: SigningKeys
) -> None:
    identity = TokenVerifier(settings, signing_keys).verify(keys.token(role="provider", org="RXX"))
    assert (identity.role.value, identity.org) == ("provider", "RXX")


@pytest.mark.parametrize("org", ["ZZ999", "QE1", "Y62", "X24", "rxx"])  # ZZ999 is made up
def test_a_provider_token_for_anything_else_is_not_allowed(
    keys: Keys, settings: AuthSettings, signing_keys: SigningKeys, org: Any
) -> None:
    with pytest.raises(NotAllowed):
        TokenVerifier(settings, signing_keys).verify(keys.token(role="provider", org=org))


def test_the_authorizer_allows_a_provider_with_its_role_and_org_in_the_context(
    authorizer: Any, keys: Keys
) -> None:
    token = keys.token(role="provider", org="R0A")
    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-2:123456789012:abc123/prod/GET/cases",
        "headers": {"Authorization": f"Bearer {token}"},
    }
    result = authorizer.lambda_handler(event, None)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert (result["context"]["role"], result["context"]["org"]) == ("provider", "R0A")
