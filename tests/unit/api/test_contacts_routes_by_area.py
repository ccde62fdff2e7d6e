"""An ICB's contacts and a region's answer alike through the real contacts function (moto): the same
preconditions, refusals, problems and paged history, each route for its own kind of area and keeper.

The ICB and region modules test each kind's own rules (who keeps them, the body each answers);
these pin what the two kinds share, so a route of one kind cannot drift from the other's.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.api import Api, ApiResponse, LambdaContextStub, api_event, response_of


@dataclass(frozen=True)
class Area:
    kind: str
    path: str  # the contacts' route
    code_field: str  # the body's name for the area's code
    code: str
    keeper: tuple[str, str]  # an identity that may replace them
    outsider: tuple[str, str]  # an identity that may not see them at all


ICB = Area("icb", "/icbs/QE1/contacts", "icbCode", "QE1", ("icb_editor", "QE1"), ("icb_editor", "QOP"))
REGION = Area(
    "region", "/regions/Y62/contacts", "regionCode", "Y62", ("regional", "Y62"), ("regional", "Y56")
)
AREAS = pytest.mark.parametrize("area", [ICB, REGION], ids=lambda area: area.kind)
PROBLEM = "application/problem+json"


def call(method: str, path: str, identity: tuple[str, str] | None, **options: Any) -> ApiResponse:
    from functions.icb_contacts.handler import lambda_handler

    event = api_event(method, path, identity=identity, **options)
    return response_of(lambda_handler(event, LambdaContextStub()))


def put(
    area: Area,
    emails: list[str],
    if_match: str | None,
    identity: tuple[str, str] | None = None,
    content_type: str = "application/json",
) -> ApiResponse:
    headers = {"Content-Type": content_type, **({"If-Match": if_match} if if_match else {})}
    return call("PUT", area.path, identity or area.keeper, body={"emails": emails}, headers=headers)


def addresses(area: Area, count: int) -> list[str]:
    return [f"{area.kind}.contact{number}@nhs.example" for number in range(count)]


@AREAS
def test_a_change_needs_the_version_read_and_a_stale_one_changes_nothing(api: Api, area: Area) -> None:
    missing = put(area, addresses(area, 1), if_match=None)
    assert missing.status == 428 and missing.headers["Content-Type"] == PROBLEM
    assert put(area, addresses(area, 1), if_match='"0"').status == 200
    stale = put(area, addresses(area, 2), if_match='"0"')
    assert stale.status == 412 and stale.headers["Content-Type"] == PROBLEM
    assert [error["field"] for error in stale.body["errors"]] == ["If-Match"]
    current = call("GET", area.path, area.keeper)
    assert current.etag == '"1"'
    assert current.body[area.code_field] == area.code and current.body["emails"] == addresses(area, 1)


@AREAS
def test_the_same_addresses_again_make_no_new_version(api: Api, area: Area) -> None:
    assert put(area, addresses(area, 2), if_match='"0"').etag == '"1"'
    again = put(area, addresses(area, 2), if_match='"1"')
    assert again.status == 200 and again.etag == '"1"'
    assert len(call("GET", f"{area.path}/history", area.keeper).body["items"]) == 1


@AREAS
@pytest.mark.parametrize(
    ("options", "status"),
    [
        ({"raw_body": "{not json", "headers": {"If-Match": '"0"'}}, 400),
        ({"body": {"emails": ["not-an-address"]}, "headers": {"If-Match": '"0"'}}, 422),
        (
            {
                "body": {"emails": ["a@nhs.example"]},
                "headers": {"Content-Type": "text/plain", "If-Match": '"0"'},
            },
            415,
        ),
    ],
    ids=["unreadable", "invalid", "another media type"],
)
def test_a_bad_body_is_a_problem_and_changes_nothing(
    api: Api, area: Area, options: dict[str, Any], status: int
) -> None:
    response = call("PUT", area.path, area.keeper, **options)
    assert response.status == status, response.body
    assert response.headers["Content-Type"] == PROBLEM
    assert call("GET", area.path, area.keeper).body["version"] == 0


@AREAS
def test_the_history_is_paged_oldest_first_by_limit_and_cursor(api: Api, area: Area) -> None:
    for version in range(3):
        assert put(area, addresses(area, version + 1), if_match=f'"{version}"').status == 200
    first = call("GET", f"{area.path}/history", area.keeper, query={"limit": "2"})
    assert first.status == 200
    assert [item["version"] for item in first.body["items"]] == [1, 2]
    assert first.body["nextCursor"]
    rest = call(
        "GET", f"{area.path}/history", area.keeper, query={"limit": "2", "cursor": first.body["nextCursor"]}
    )
    assert [item["version"] for item in rest.body["items"]] == [3]
    assert rest.body["items"][0]["before"] == addresses(area, 2)
    assert rest.body["nextCursor"] is None
    too_many = call("GET", f"{area.path}/history", area.keeper, query={"limit": "101"})
    assert too_many.status == 400 and too_many.headers["Content-Type"] == PROBLEM


@AREAS
def test_an_outsider_is_answered_404_on_every_route_and_nothing_changes(api: Api, area: Area) -> None:
    answers = [
        call("GET", area.path, area.outsider),
        call("GET", f"{area.path}/history", area.outsider),
        put(area, addresses(area, 1), if_match='"0"', identity=area.outsider),
    ]
    assert [(answer.status, answer.headers["Content-Type"]) for answer in answers] == [(404, PROBLEM)] * 3
    assert call("GET", area.path, area.keeper).body["version"] == 0
