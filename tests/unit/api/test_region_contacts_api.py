"""GET and PUT /regions/{regionCode}/contacts and their history through the real contacts function
(moto): the regional team of the region keeps them, with ETags and history as an ICB's."""

from typing import Any

import pytest

from tests.support.api import Api, ApiResponse, LambdaContextStub, api_event, response_of

ADDRESSES = ["regional.lead@nhs.example", "regional.team@nhs.example"]
REGIONAL = ("regional", "Y62")


def call(method: str, path: str, identity: tuple[str, str] | None = REGIONAL, **options: Any) -> ApiResponse:
    from functions.icb_contacts.handler import lambda_handler

    event = api_event(method, path, identity=identity, **options)
    return response_of(lambda_handler(event, LambdaContextStub()))


def put(
    body: Any, if_match: str | None = '"0"', identity: tuple[str, str] | None = REGIONAL, region: str = "Y62"
) -> ApiResponse:
    headers = {"Content-Type": "application/json", **({"If-Match": if_match} if if_match else {})}
    return call("PUT", f"/regions/{region}/contacts", identity, body=body, headers=headers)


def test_the_regional_team_reads_none_then_replaces_them_with_etags_and_history(api: Api) -> None:
    empty = call("GET", "/regions/Y62/contacts")
    assert empty.status == 200 and empty.etag == '"0"'
    assert empty.body == {"regionCode": "Y62", "emails": [], "version": 0}
    saved = put({"emails": ADDRESSES})
    assert saved.status == 200, saved.body
    assert saved.etag == '"1"' and saved.body["regionCode"] == "Y62" and saved.body["emails"] == ADDRESSES
    assert put({"emails": ADDRESSES[:1]}).status == 412  # stale: still at "0"
    history = call("GET", "/regions/Y62/contacts/history")
    assert history.status == 200
    assert [(item["before"], item["after"]) for item in history.body["items"]] == [([], ADDRESSES)]
    # The ICB routes never answer for a region, nor the region routes for an ICB.
    assert call("GET", "/icbs/Y62/contacts").status == 404
    assert call("GET", "/regions/QE1/contacts", ("icb_editor", "QE1")).status == 404


@pytest.mark.parametrize(
    ("identity", "status"),
    [
        (("regional", "Y56"), 404),
        (("icb_editor", "QE1"), 404),
        (("provider", "RXX"), 404),
        (("national", "X24"), 403),
        (None, 401),
    ],
)
def test_others_are_refused(api: Api, identity: Any, status: int) -> None:
    assert call("GET", "/regions/Y62/contacts", identity).status == status
    assert call("GET", "/regions/Y62/contacts/history", identity).status == status
    assert put({"emails": ADDRESSES}, identity=identity).status == status
    assert call("GET", "/regions/Y62/contacts").body["version"] == 0
