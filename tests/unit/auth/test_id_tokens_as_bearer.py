"""The API refuses the web app's ID tokens as bearer tokens by their audience: an ID token is issued
to the web app's client (``aud`` = WEB_OIDC_CLIENT_ID), which is never one of JWT_AUDIENCE's values.
Neither ``typ`` nor ``azp`` is checked: identity providers type access and ID tokens alike (``JWT``),
and an access token's ``azp`` names whichever client obtained it (the forms platform)."""

from pathlib import Path

import pytest

from local_stack.identity import issue_token, jwks
from local_stack.state import AUDIENCE, ISSUER, WEB_CLIENT_ID, LocalState
from tracker.auth.settings import AuthSettings
from tracker.auth.tokens import InvalidToken, SigningKeys, TokenVerifier


@pytest.fixture
def state(tmp_path: Path) -> LocalState:
    return LocalState(tmp_path / "state")


def _api_verifier(state: LocalState) -> TokenVerifier:
    """The API's verifier as the local stack configures it (JWT_AUDIENCE is the API's own name)."""
    settings = AuthSettings(jwks_url="https://idp.example.test/jwks", issuer=ISSUER, audiences=(AUDIENCE,))
    return TokenVerifier(settings, SigningKeys(settings.jwks_url, 300, fetch=lambda: jwks(state)))


def test_an_id_token_of_the_web_app_is_refused_as_a_bearer_token(state: LocalState) -> None:
    verifier = _api_verifier(state)
    id_token = issue_token(
        state,
        "icb_editor",
        "QE1",
        audience=WEB_CLIENT_ID,
        extra_claims={"nonce": "n-1", "azp": WEB_CLIENT_ID},
    )
    with pytest.raises(InvalidToken, match="Audience"):
        verifier.verify(id_token)
    # The same identity provider's access token for the API, same key and claims otherwise, is accepted.
    assert verifier.verify(issue_token(state, "icb_editor", "QE1")).org == "QE1"
