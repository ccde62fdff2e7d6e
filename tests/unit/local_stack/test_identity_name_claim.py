"""The local identity provider says who the person is by name, as a real one does with OIDC's
``name`` claim, so the local stack shows people rather than identifiers (issue 19 item 6)."""

import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest

from local_stack.identity import SYNTHETIC_NAME, LocalOidcProvider, issue_token
from local_stack.state import WEB_CLIENT_ID, LocalState
from tracker.auth.claims import ClaimNames

CALLBACK = "http://127.0.0.1:3000/app/callback"
VERIFIER = "v" * 50


@pytest.fixture
def state(tmp_path: Path) -> LocalState:
    return LocalState(tmp_path / "state")


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_a_token_from_scrt_token_carries_a_synthetic_name(state: LocalState) -> None:
    claims = _claims(issue_token(state, "icb_editor", "QE1"))

    assert ClaimNames().person_name(claims) == SYNTHETIC_NAME


def test_a_token_may_be_issued_without_a_name_as_the_forms_platform_s_are(state: LocalState) -> None:
    claims = _claims(issue_token(state, "icb_editor", "QE1", name=None))

    assert ClaimNames().person_name(claims) is None


def _sign_in(provider: LocalOidcProvider, state: LocalState, **chosen: str) -> dict[str, object]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": WEB_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "state": "st",
        "nonce": "nn",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "openid",
    }
    page = provider.authorize_page(urlencode(query)).body.decode()
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    assert form.get("name") == SYNTHETIC_NAME  # the sign-in page offers a name to sign in as
    answer = provider.authorize_submit(
        urlencode({**form, "role": "icb_editor", "org": "QE1", **chosen}).encode()
    )
    code = parse_qs(urlsplit(dict(answer.headers)["Location"]).query)["code"][0]
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }
    secret = base64.b64encode(f"{WEB_CLIENT_ID}:{state.web_client_secret()}".encode()).decode()
    tokens = json.loads(provider.token(urlencode(body).encode(), f"Basic {secret}").body)
    return _claims(tokens["id_token"])


def test_signing_in_locally_gives_the_name_chosen_on_the_sign_in_page(state: LocalState) -> None:
    provider = LocalOidcProvider(state)

    assert _sign_in(provider, state)["name"] == SYNTHETIC_NAME
    assert _sign_in(provider, state, name="Sam Sample")["name"] == "Sam Sample"


def test_another_made_up_name_is_another_person_and_the_synthetic_one_keeps_the_default_user(
    state: LocalState,
) -> None:
    provider = LocalOidcProvider(state)

    alex, sam, sam_again = (
        _sign_in(provider, state),
        _sign_in(provider, state, name="Sam Sample"),
        _sign_in(provider, state, name="Sam Sample"),
    )

    assert alex["sub"] == "local-icb_editor-qe1"  # as scrt token's, so both are the same user
    assert sam["sub"] == sam_again["sub"] == "local-icb_editor-qe1-sam-sample"
