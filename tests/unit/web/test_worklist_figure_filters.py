"""The worklist's further filters (issue 20): the decision's dates, the deadline, a theme, a learning
event, a recommendation. A plain GET form (no JavaScript); a bad value is an NHS.UK error summary
naming the field, linking to its box, and no list (never a list that ignores the filter)."""

import re
from html import unescape
from typing import Any

import pytest

from tests.unit.web.conftest import EDITOR, Harness

# Today is 26 November 2026 (the harness's clock).
DECIDED_31_MARCH: dict[str, Any] = {"incidentDate": "2026-03-01", "dateAdded": "2026-03-31"}
DECIDED_1_APRIL: dict[str, Any] = {"incidentDate": "2026-03-01", "dateAdded": "2026-04-01"}


def references(body: str) -> set[str]:
    return set(re.findall(r">(QE1-[0-9]{4}-[0-9]{4})</a>", body))


def error_summary(body: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the error summary."""
    summary = re.search(r'<div class="nhsuk-error-summary".*?</div>\s*</div>', body, re.S)
    assert summary, "no error summary"
    return [
        (href, unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary.group(0), re.S)
    ]


@pytest.fixture
def two_sides_of_a_quarter(web: Harness) -> tuple[str, str]:
    march = web.submit(**DECIDED_31_MARCH, themes=["SELF_NEGLECT"])
    april = web.submit(**DECIDED_1_APRIL)
    return march.reference, april.reference


def test_the_decision_date_boxes_filter_both_ends_included(
    web: Harness, two_sides_of_a_quarter: tuple[str, str]
) -> None:
    march, april = two_sides_of_a_quarter
    form = {"decidedFrom[day]": "1", "decidedFrom[month]": "4", "decidedFrom[year]": "2026"}
    page = web.request("GET", "/app/", caller=EDITOR, query=form)
    assert page.status == 200 and references(page.body) == {april}
    # The boxes show what was asked, and the next page or a case keeps it as one date.
    assert 'name="decidedFrom[month]" type="text" value="4"' in page.body
    assert "decidedFrom%3D2026-04-01" in page.body  # the case's way back to this list
    to_march = web.request("GET", "/app/", caller=EDITOR, query={"decidedTo": "2026-03-31"})
    assert references(to_march.body) == {march}


def test_an_overviews_link_opens_the_further_filters_with_its_values(
    web: Harness, two_sides_of_a_quarter: tuple[str, str]
) -> None:
    march, _ = two_sides_of_a_quarter
    page = web.request(
        "GET", "/app/", caller=EDITOR, query={"theme": "SELF_NEGLECT", "timeliness": "OVERDUE"}
    )
    assert references(page.body) == {march}
    assert re.search(r"<details[^>]* open>", page.body)
    assert '<option value="SELF_NEGLECT" selected' in page.body
    assert '<option value="OVERDUE" selected' in page.body
    plain = web.request("GET", "/app/", caller=EDITOR)
    assert re.search(r"<details[^>]*>", plain.body) and not re.search(r"<details[^>]* open>", plain.body)


@pytest.mark.parametrize(
    ("query", "anchor", "words"),
    [
        (
            {"decidedFrom[day]": "31", "decidedFrom[month]": "2", "decidedFrom[year]": "2026"},
            "#filter-decidedFrom-day",
            "Decision to review made on or after: must be a real date",
        ),
        (
            {"learnedTo[day]": "1", "learnedTo[year]": "2026"},
            "#filter-learnedTo-month",
            "Learning shared on or before: must include a month",
        ),
        ({"decidedTo": "2026-13-01"}, "#filter-decidedTo-day", "Decision to review made on or before"),
        (
            {"decidedFrom": "2026-07-01", "decidedTo": "2026-06-30"},
            "#filter-decidedTo-day",
            "must be the same as or after decision to review made on or after",
        ),
        ({"recommendationOwner": "R-X1"}, "#filter-recommendationOwner", "Recommendation owned by"),
        ({"theme": "NOT_A_THEME"}, "#filter-theme", "Theme: must be one of the choices offered"),
        ({"timeliness": "LATE,SOON"}, "#filter-timeliness", "Review's deadline"),
        ({"recommendationOverdue": "maybe"}, "#filter-recommendationOverdue", "Recommendation overdue"),
    ],
)
def test_a_bad_filter_is_an_error_summary_naming_the_field_and_no_list(
    web: Harness, two_sides_of_a_quarter: tuple[str, str], query: dict[str, str], anchor: str, words: str
) -> None:
    page = web.request("GET", "/app/", caller=EDITOR, query=query)
    assert page.status == 400
    ((href, text),) = error_summary(page.body)
    assert href == anchor and words in text
    assert f'id="{anchor[1:]}"' in page.body  # the link leads to the box at fault
    assert "nhsuk-error-message" in page.body  # and the field says it too
    assert references(page.body) == set() and "Correct the filters to see the cases." in page.body


def test_an_owning_provider_is_typed_in_any_letter_case(web: Harness) -> None:
    owned = web.submit(
        providersInvolved=["RXX"],
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "Synthetic recommendation",
                "owner": "Synthetic owner",
                "dueDate": "2026-06-01",
                "status": "IN_PROGRESS",
                "ownerProviderCode": "RXX",
            }
        ],
    )
    web.submit()
    page = web.request("GET", "/app/", caller=EDITOR, query={"recommendationOwner": "rxx"})
    assert references(page.body) == {owned.reference}
    overdue = web.request(
        "GET", "/app/", caller=EDITOR, query={"recommendationOwner": "RXX", "recommendationOverdue": "true"}
    )
    assert references(overdue.body) == {owned.reference}
