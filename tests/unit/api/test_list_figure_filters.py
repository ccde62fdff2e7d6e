"""GET /cases: the filters behind the overview's figures (issue 20) as query parameters, and a bad
value of any of them is a 400 problem naming it. Today is 26 November 2026 (``fixed_today``)."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api


def _recommendation(theme: str, due: str, status: str, provider: str | None = None) -> dict[str, Any]:
    row = {
        "recommendationId": "R1",
        "theme": theme,
        "text": "Synthetic recommendation",
        "owner": "Synthetic owner",
        "dueDate": due,
        "status": status,
    }
    return {**row, "ownerProviderCode": provider} if provider else row


@pytest.fixture
def three_cases(api: Api) -> dict[str, str]:
    """A: decided 31 March 2026 (overdue), self-neglect, a local event in May, RXX's overdue
    recommendation on neglect. B: decided 1 April (overdue), a complete recommendation naming no
    provider. C: decided 1 October (not yet due)."""
    bodies = {
        "A": synthetic_case(
            dateAdded="2026-03-31",
            themes=["SELF_NEGLECT"],
            providersInvolved=["RXX"],
            learningDissemination=[{"method": "LOCAL_EVENT", "date": "2026-05-01"}],
            recommendations=[_recommendation("NEGLECT", "2026-06-01", "IN_PROGRESS", "RXX")],
        ),
        "B": synthetic_case(
            dateAdded="2026-04-01",
            recommendations=[_recommendation("DOMESTIC_ABUSE", "2027-06-01", "COMPLETE")],
        ),
        "C": synthetic_case(dateAdded="2026-10-01"),
    }
    made = {}
    for name, body in bodies.items():
        response = api.submit(body)
        assert response.status == 201, response.body
        made[response.body["caseId"]] = name
    return made


def listed(api: Api, made: dict[str, str], **query: str) -> set[str]:
    response = api.list_cases(("icb_editor", "QE1"), **query)
    assert response.status == 200, response.body
    assert response.body["nextCursor"] is None
    return {made[item["caseId"]] for item in response.body["items"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"decidedFrom": "2026-04-01"}, {"B", "C"}),
        ({"decidedTo": "2026-03-31"}, {"A"}),
        ({"decidedFrom": "2026-04-01", "decidedTo": "2026-06-30"}, {"B"}),
        ({"timeliness": "OPEN"}, {"C"}),
        ({"timeliness": "OVERDUE,OPEN"}, {"A", "B", "C"}),
        ({"theme": "SELF_NEGLECT"}, {"A"}),
        ({"learningMethod": "LOCAL_EVENT", "learnedFrom": "2026-04-01", "learnedTo": "2026-06-30"}, {"A"}),
        ({"learningMethod": "LOCAL_EVENT", "learnedFrom": "2026-07-01"}, set()),
        ({"recommendationStatus": "COMPLETE"}, {"B"}),
        ({"recommendationTheme": "NEGLECT", "recommendationOverdue": "true"}, {"A"}),
        ({"recommendationTheme": "DOMESTIC_ABUSE", "recommendationOverdue": "true"}, set()),
        ({"recommendationOwner": "RXX"}, {"A"}),
        ({"recommendationOwner": "NONE"}, {"B"}),
    ],
)
def test_each_filter_through_the_api(
    api: Api, three_cases: dict[str, str], query: dict[str, str], expected: set[str]
) -> None:
    assert listed(api, three_cases, **query) == expected


def test_a_filtered_list_pages_with_its_cursor(api: Api, three_cases: dict[str, str]) -> None:
    first = api.list_cases(timeliness="OVERDUE", limit="1")
    assert first.status == 200 and len(first.body["items"]) == 1
    second = api.list_cases(timeliness="OVERDUE", limit="1", cursor=first.body["nextCursor"])
    assert second.status == 200
    names = {three_cases[item["caseId"]] for item in first.body["items"] + second.body["items"]}
    assert names == {"A", "B"}
    # The cursor is bound to its filters.
    assert api.list_cases(timeliness="OPEN", limit="1", cursor=first.body["nextCursor"]).status == 400


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("decidedFrom", "2026-13-01"),
        ("decidedFrom", "1 April 2026"),
        ("decidedTo", "\uff12\uff10\uff12\uff16-04-01"),  # 2026 in full-width digits
        ("decidedTo", "2026-04-01T00:00:00Z"),
        ("timeliness", "LATELY"),
        ("timeliness", "LATE,"),
        ("theme", "neglect"),
        ("learningMethod", "PODCAST"),
        ("learnedFrom", "2026-02-30"),
        ("learnedTo", ""),
        ("recommendationStatus", "DONE"),
        ("recommendationTheme", "UNKNOWN"),
        ("recommendationOwner", "R-X1"),
        ("recommendationOwner", "TOOLONG"),
        ("recommendationOwner", "rxx"),
        ("recommendationOverdue", "yes"),
    ],
)
def test_bad_values_are_400_naming_the_parameter(api: Api, parameter: str, value: str) -> None:
    response = api.list_cases(("icb_editor", "QE1"), **{parameter: value})
    assert response.status == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert [(error["field"], error["in"]) for error in response.body["errors"]] == [(parameter, "query")]


@pytest.mark.parametrize(("start", "end"), [("decidedFrom", "decidedTo"), ("learnedFrom", "learnedTo")])
def test_a_range_ending_before_it_starts_is_400_naming_its_end(api: Api, start: str, end: str) -> None:
    response = api.list_cases(("icb_editor", "QE1"), **{start: "2026-07-01", end: "2026-06-30"})
    assert response.status == 400
    assert [error["field"] for error in response.body["errors"]] == [end]


def test_an_owner_the_reference_data_no_longer_lists_is_still_a_filter(api: Api) -> None:
    """The overview counts a dropped trust's recommendations under its code: its link must list."""
    from tracker.reference import reference_data

    assert "ZZZ99" not in reference_data().provider_codes
    response = api.list_cases(("icb_editor", "QE1"), recommendationOwner="ZZZ99")
    assert response.status == 200, response.body
    assert response.body["items"] == []
