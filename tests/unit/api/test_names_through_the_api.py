"""People, not identifiers, through the API too (issue 19 item 6): the authorizer passes the person's
name from the identity provider's name claim (``NAME_CLAIM``, ``name`` by default) in its context,
empty when the token names nobody, and a change made through the API records it as the web app's
do (``createdByName``, ``updatedByName``). Driven through the API's handlers, and through the local
gateway with the real authorizer and the local identity provider's tokens."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_stack.gateway import Gateway
from local_stack.identity import issue_token, jwks
from local_stack.lambdas import Functions
from local_stack.state import AUDIENCE, ISSUER, LocalState
from tests.conftest import synthetic_case
from tests.support.api import Api, api_event, response_of
from tracker import settings
from tracker.auth.claims import ClaimNames
from tracker.auth.settings import AuthSettings
from tracker.auth.tokens import SigningKeys, TokenVerifier
from tracker.models.case import SHORT_TEXT_MAX

NAME = "Alex Example"


@pytest.fixture
def state(tmp_path: Path) -> LocalState:
    return LocalState(tmp_path / "state")


@pytest.fixture
def auth_settings() -> AuthSettings:
    return AuthSettings(jwks_url="https://idp.example.test/jwks", issuer=ISSUER, audiences=(AUDIENCE,))


@pytest.fixture
def authorizer(
    monkeypatch: pytest.MonkeyPatch, state: LocalState, auth_settings: AuthSettings
) -> Iterator[Any]:
    """The real authorizer, verifying the local identity provider's tokens with ``auth_settings``."""
    from functions.authorizer import handler

    handler.reset()
    keys = SigningKeys(auth_settings.jwks_url, 300, fetch=lambda: jwks(state))
    monkeypatch.setattr(handler, "verifier", lambda: TokenVerifier(auth_settings, keys))
    yield handler
    handler.reset()


def _authorize(authorizer: Any, token: str) -> dict[str, Any]:
    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-2:123456789012:api/live/POST/cases",
        "headers": {"Authorization": f"Bearer {token}"},
    }
    result: dict[str, Any] = authorizer.lambda_handler(event, None)
    return result


# --- the authorizer -------------------------------------------------------------------------------


def test_the_authorizer_passes_the_persons_name_in_its_context(authorizer: Any, state: LocalState) -> None:
    result = _authorize(authorizer, issue_token(state, "icb_editor", "QE1", name=f"  {NAME}\u202e "))

    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert result["context"]["name"] == NAME  # as the record keeps a name: no direction characters


def test_a_token_naming_nobody_gives_an_empty_name(authorizer: Any, state: LocalState) -> None:
    context = _authorize(authorizer, issue_token(state, "icb_editor", "QE1", name=None))["context"]

    # API Gateway's context holds strings, numbers and booleans only: no name is the empty string.
    assert context["name"] == ""
    assert {context["role"], context["org"]} == {"icb_editor", "QE1"}


def test_a_long_name_is_cut_to_the_records_limit(authorizer: Any, state: LocalState) -> None:
    name = _authorize(authorizer, issue_token(state, "icb_editor", "QE1", name="Alex " * 100))["context"][
        "name"
    ]

    assert 0 < len(name) <= SHORT_TEXT_MAX and name.startswith("Alex Alex")


def test_name_claim_names_the_claim_both_readers_take_the_name_from() -> None:
    environ = {
        settings.JWKS_URL: "https://idp.example.test/jwks",
        settings.JWT_ISSUER: ISSUER,
        settings.JWT_AUDIENCE: AUDIENCE,
        settings.NAME_CLAIM: "nhs.display_name",
    }
    claims = {"nhs": {"display_name": NAME}, "name": "Not this one"}

    # The authorizer's reader and the web app's (composition builds its ClaimNames from the settings).
    assert AuthSettings.from_env(environ).claim_names.person_name(claims) == NAME
    assert ClaimNames.from_settings(settings.Settings.from_environ(environ)).person_name(claims) == NAME
    unset = {name: value for name, value in environ.items() if name != settings.NAME_CLAIM}
    assert AuthSettings.from_env(unset).claim_names.name == "name"
    assert ClaimNames.from_settings(settings.Settings.from_environ(unset)).name == "name"


def test_a_configured_name_claim_reaches_the_authorizers_context(
    monkeypatch: pytest.MonkeyPatch, state: LocalState, auth_settings: AuthSettings, authorizer: Any
) -> None:
    nested = AuthSettings(
        jwks_url=auth_settings.jwks_url,
        issuer=ISSUER,
        audiences=(AUDIENCE,),
        name_claim="nhs.display_name",
    )
    keys = SigningKeys(nested.jwks_url, 300, fetch=lambda: jwks(state))
    monkeypatch.setattr(authorizer, "verifier", lambda: TokenVerifier(nested, keys))
    token = issue_token(state, "icb_editor", "QE1", extra_claims={"nhs": {"display_name": NAME}})

    assert _authorize(authorizer, token)["context"]["name"] == NAME


# --- the API's handlers ---------------------------------------------------------------------------


def _named_event(method: str, path: str, name: str | None, **kwargs: Any) -> dict[str, Any]:
    event = api_event(method, path, identity=("icb_editor", "QE1"), **kwargs)
    if name is not None:
        event["requestContext"]["authorizer"]["name"] = name
    return event


def _call(function: str, event: dict[str, Any]) -> Any:
    from functions.submit_case import handler as submit_handler
    from functions.update_case import handler as update_handler
    from tests.support.api import LambdaContextStub

    handler = {"submit_case": submit_handler, "update_case": update_handler}[function]
    return response_of(handler.lambda_handler(event, LambdaContextStub()))


def test_a_case_recorded_and_changed_through_the_api_records_who_by_name(api: Api) -> None:
    created = _call("submit_case", _named_event("POST", "/cases", NAME, body=synthetic_case()))
    assert created.status == 201, created.body
    assert (created.body["createdByName"], created.body["updatedByName"]) == (NAME, NAME)

    case_id = created.body["caseId"]
    changed = _call(
        "update_case",
        _named_event(
            "PATCH",
            f"/cases/{case_id}",
            "Sam Sample",
            body={"stage": "DECISION_PENDING"},
            headers={"Content-Type": "application/merge-patch+json", "If-Match": created.etag},
        ),
    )
    assert changed.status == 200, changed.body
    assert (changed.body["createdByName"], changed.body["updatedByName"]) == (NAME, "Sam Sample")


@pytest.mark.parametrize("name", ["", None])
def test_a_caller_without_a_name_records_none(api: Api, name: str | None) -> None:
    created = _call("submit_case", _named_event("POST", "/cases", name, body=synthetic_case()))

    assert created.status == 201, created.body
    assert "createdByName" not in created.body and "updatedByName" not in created.body


# --- through the local gateway --------------------------------------------------------------------


def test_through_the_local_gateway_the_authorizers_name_is_recorded(
    api: Api, authorizer: Any, state: LocalState, tmp_path: Path
) -> None:
    from functions.submit_case import handler as submit_handler

    handlers = {"authorizer": authorizer.lambda_handler, "submit_case": submit_handler.lambda_handler}
    gateway = Gateway(Functions(lambda function: handlers[function]), state)
    token = issue_token(state, "icb_editor", "QE1", name=NAME)

    answer = gateway.handle(
        "POST",
        "/cases",
        [("Host", "127.0.0.1"), ("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")],
        json.dumps(synthetic_case()).encode(),
        "127.0.0.1",
        "127.0.0.1:3000",
    )

    assert answer.status == 201, answer.body
    recorded = json.loads(answer.body)
    assert (recorded["createdByName"], recorded["updatedByName"]) == (NAME, NAME)
