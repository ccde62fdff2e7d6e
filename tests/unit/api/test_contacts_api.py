"""GET and PUT /icbs/{icbCode}/contacts and their history through the real function (moto)."""

from typing import Any

import pytest

from tests.support.api import Api, ApiResponse, LambdaContextStub, api_event, response_of

ADDRESSES = ["lead.one@nhs.example", "lead.two@nhs.example"]
EDITOR = ("icb_editor", "QE1")


def call(method: str, path: str, identity: tuple[str, str] | None = EDITOR, **options: Any) -> ApiResponse:
    from functions.icb_contacts.handler import lambda_handler

    event = api_event(method, path, identity=identity, **options)
    return response_of(lambda_handler(event, LambdaContextStub()))


def put(
    body: Any = None, if_match: str | None = '"0"', identity: tuple[str, str] | None = EDITOR, **options: Any
) -> ApiResponse:
    headers = {"Content-Type": "application/json", **({"If-Match": if_match} if if_match else {})}
    return call("PUT", "/icbs/QE1/contacts", identity, body=body, headers=headers, **options)


def test_read_none_then_replace_with_etags(api: Api) -> None:
    empty = call("GET", "/icbs/QE1/contacts")
    assert empty.status == 200 and empty.etag == '"0"'
    assert empty.body == {"icbCode": "QE1", "emails": [], "version": 0}
    saved = put({"emails": ADDRESSES})
    assert saved.status == 200, saved.body
    assert saved.etag == '"1"' and saved.body["emails"] == ADDRESSES
    assert saved.body["updatedBy"] == "icb_editor:QE1:user-QE1"
    viewer = call("GET", "/icbs/QE1/contacts", ("icb_viewer", "QE1"))
    assert viewer.status == 200 and viewer.body["emails"] == ADDRESSES
    history = call("GET", "/icbs/QE1/contacts/history", ("icb_viewer", "QE1"))
    assert history.status == 200
    assert history.body["nextCursor"] is None
    assert [(item["before"], item["after"]) for item in history.body["items"]] == [([], ADDRESSES)]


@pytest.mark.parametrize(
    ("identity", "status"),
    [
        (("icb_editor", "QOP"), 404),
        (("provider", "RXX"), 404),
        (("regional", "Y56"), 404),
        (("regional", "Y62"), 403),
        (("national", "X24"), 403),
        (None, 401),
    ],
)
def test_others_are_refused_as_the_case_rules_refuse(api: Api, identity: Any, status: int) -> None:
    assert call("GET", "/icbs/QE1/contacts", identity).status == status
    assert put({"emails": ADDRESSES}, identity=identity).status == status
    assert call("GET", "/icbs/QE1/contacts").body["version"] == 0


def test_a_viewer_may_not_replace(api: Api) -> None:
    response = put({"emails": ADDRESSES}, identity=("icb_viewer", "QE1"))
    assert response.status == 403
    assert response.headers["Content-Type"] == "application/problem+json"


def test_if_match_missing_is_428_and_stale_is_412(api: Api) -> None:
    assert put({"emails": ADDRESSES}, if_match=None).status == 428
    assert put({"emails": ADDRESSES}).status == 200
    stale = put({"emails": ["lead.three@nhs.example"]}, if_match='"0"')
    assert stale.status == 412
    assert stale.body["errors"][0]["field"] == "If-Match"
    assert call("GET", "/icbs/QE1/contacts").body["emails"] == ADDRESSES


@pytest.mark.parametrize(
    ("options", "status", "field"),
    [
        ({"body": {"emails": ["not-an-address"]}}, 422, "emails[0]"),
        ({"body": {"emails": [*ADDRESSES, "Lead.One@nhs.example"]}}, 422, "emails[2]"),
        ({"body": {"emails": []}}, 422, "emails"),
        ({"body": {"emails": [f"lead{n}@nhs.example" for n in range(11)]}}, 422, "emails"),
        ({"raw_body": "{not json"}, 400, ""),
    ],
)
def test_bad_input_is_a_problem_naming_the_field_and_changes_nothing(
    api: Api, options: dict[str, Any], status: int, field: str
) -> None:
    response = put(**options)
    assert response.status == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in response.body["errors"]]
    assert call("GET", "/icbs/QE1/contacts").body["version"] == 0


def test_another_media_type_is_415(api: Api) -> None:
    response = call(
        "PUT",
        "/icbs/QE1/contacts",
        body={"emails": ADDRESSES},
        headers={"Content-Type": "text/plain", "If-Match": '"0"'},
    )
    assert response.status == 415


def test_addresses_never_reach_the_logs(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    put({"emails": ADDRESSES})
    put({"emails": ["not-an-address"]}, if_match='"1"')
    output = capsys.readouterr()
    for address in [*ADDRESSES, "not-an-address"]:
        assert address not in output.out + output.err
