"""GET /cases: filters, ordering, paging and the tamper-evident cursor."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api
from tracker import clock


@pytest.fixture
def twelve_cases(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Twelve QE1 cases, each updated a minute after the last (CSPR, SAR and DHR in turn)."""
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    made = []
    for number in range(12):
        moment = start + timedelta(minutes=number)
        monkeypatch.setattr(clock, "now_utc", lambda moment=moment: moment)
        review_type = ("CSPR", "SAR", "DHR")[number % 3]
        response = api.submit(synthetic_case(reviewType=review_type, dateAdded="2026-11-02"))
        assert response.status == 201
        made.append(response.body)
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    return made


def test_newest_update_first_and_default_limit(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    response = api.list_cases()
    ids = [item["caseId"] for item in response.body["items"]]
    assert ids == [case["caseId"] for case in reversed(twelve_cases)]
    assert response.body["nextCursor"] is None


def test_pages_cover_everything_once(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        response = api.list_cases(limit="5", **({"cursor": cursor} if cursor else {}))
        assert response.status == 200
        seen.extend(item["caseId"] for item in response.body["items"])
        pages += 1
        cursor = response.body["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [case["caseId"] for case in reversed(twelve_cases)]


def test_filters(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    sars = api.list_cases(reviewType="SAR").body["items"]
    assert len(sars) == 4 and {item["reviewType"] for item in sars} == {"SAR"}
    assert api.list_cases(status="CLOSED").body["items"] == []
    assert len(api.list_cases(stage="IN_PROGRESS").body["items"]) == 12
    recent = api.list_cases(updatedSince="2026-11-20T09:09:00Z").body["items"]
    assert [item["caseId"] for item in recent] == [case["caseId"] for case in reversed(twelve_cases[9:])]
    assert len(api.list_cases(updatedSince="2026-11-21").body["items"]) == 0


def test_overdue_filter(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    old = api.submit(synthetic_case(dateAdded="2026-03-02", incidentDate="2026-03-01")).body
    overdue = api.list_cases(overdue="true").body["items"]
    assert [item["caseId"] for item in overdue] == [old["caseId"]]
    assert len(api.list_cases(overdue="false").body["items"]) == 12


def test_filtered_pages_follow_the_cursor(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    first = api.list_cases(reviewType="CSPR", limit="3")
    assert len(first.body["items"]) == 3
    second = api.list_cases(reviewType="CSPR", limit="3", cursor=first.body["nextCursor"])
    assert [item["reviewType"] for item in second.body["items"]] == ["CSPR"]
    assert second.body["nextCursor"] is None


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "ten"),
        ("reviewType", "UNKNOWN"),
        ("status", "open"),
        ("overdue", "yes"),
        ("updatedSince", "last week"),
        # Real times that fall outside the calendar once moved to UTC (were 500, OverflowError).
        ("updatedSince", "9999-12-31T23:59:59-01:00"),
        ("updatedSince", "0001-01-01T00:00:00+01:00"),
        ("updatedSince", "\uff12\uff10\uff12\uff16-11-20"),  # 2026 in full-width digits
        ("updatedSince", "2026-11-2\u00b2"),  # a superscript two
        ("icbCode", "ZZZ"),
        ("sortBy", "name"),
    ],
)
def test_bad_query_values_are_400_naming_the_parameter(api: Api, parameter: str, value: str) -> None:
    response = api.list_cases(("icb_editor", "QE1"), **{parameter: value})
    assert response.status == 400
    assert response.body["errors"][0] == {**response.body["errors"][0], "field": parameter, "in": "query"}


def test_tampered_cursor_is_400(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    cursor = api.list_cases(limit="5").body["nextCursor"]
    payload, signature = cursor.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    for bad in (f"{flipped}.{signature}", f"{payload}.{signature[:-1]}", "garbage", f"{payload}."):
        response = api.list_cases(limit="5", cursor=bad)
        assert response.status == 400, bad
        assert response.body["errors"][0]["field"] == "cursor"


def test_cursor_is_bound_to_caller_and_filters(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    cursor = api.list_cases(limit="5").body["nextCursor"]
    assert api.list_cases(limit="5", reviewType="SAR", cursor=cursor).status == 400
    assert api.list_cases(identity=("regional", "Y62"), limit="5", cursor=cursor).status == 400
    assert api.list_cases(limit="5", cursor=cursor).status == 200


def test_limit_100_accepted(api: Api, twelve_cases: list[dict[str, Any]]) -> None:
    assert len(api.list_cases(limit="100").body["items"]) == 12


def test_lists_never_scan(
    api: Api, twelve_cases: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker import composition as clients

    client = clients.dynamodb_client()

    def refuse_scan(*_: Any, **__: Any) -> None:
        raise AssertionError("a list must Query an index, never Scan")

    monkeypatch.setattr(client, "scan", refuse_scan)
    for identity in (("icb_editor", "QE1"), ("regional", "Y62"), ("national", "X24")):
        assert len(api.list_cases(identity=identity).body["items"]) == 12


def test_an_empty_cursor_is_400_naming_it(api: Api) -> None:
    response = api.list_cases(cursor="")
    assert response.status == 400
    assert [error["field"] for error in response.body["errors"]] == ["cursor"]
