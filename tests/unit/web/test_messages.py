"""The web app's messages (``tracker.web.messages``): each bad "Record a case" form is answered in
the NHS.UK design system's words, never a pattern, an enumeration's code or a library's words, and
the error summary links to the box that is wrong.

Each form is posted whole, as "Record the case" sends it: the page shows the first section holding a
problem, with that section's problems."""

import re
from html import unescape
from typing import Any, cast

import pytest

from tests.unit.web.conftest import EDITOR, Harness


def good_form() -> dict[str, Any]:
    """A CSPR as the "Record a case" form sends it, every box a person fills in filled."""
    return {
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate[day]": "10",
        "incidentDate[month]": "1",
        "incidentDate[year]": "2026",
        "dateAdded[day]": "2",
        "dateAdded[month]": "2",
        "dateAdded[year]": "2026",
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children's Safeguarding Partnership",
        "themes": ["NEGLECT"],
    }


def recommendation(**parts: str) -> dict[str, str]:
    row = {
        "recommendations-count": "1",
        "recommendations[0].theme": "NEGLECT",
        "recommendations[0].text": "Synthetic recommendation",
        "recommendations[0].owner": "Synthetic owner",
        "recommendations[0].dueDate[day]": "1",
        "recommendations[0].dueDate[month]": "6",
        "recommendations[0].dueDate[year]": "2027",
        "recommendations[0].status": "NOT_STARTED",
    }
    row.update({f"recommendations[0].{name}": value for name, value in parts.items()})
    return row


def error_summary(body: str) -> list[tuple[str, str]]:
    """The error summary's links: (href, text), in order."""
    listed = re.search(r'class="nhsuk-list nhsuk-error-summary__list"[^>]*>(.*?)</ul>', body, re.S)
    assert listed, "no error summary on the page"
    return [
        (href, " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split()))
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', listed.group(1), re.S)
    ]


def post_new(web: Harness, changes: dict[str, Any]) -> Any:
    cookie = web.cookie_for(EDITOR)
    page = web.request("GET", "/app/cases/new", cookie=cookie)
    form = {**good_form(), **changes, "csrfToken": page.csrf(), "submissionKey": "one-key-per-test"}
    return web.request("POST", "/app/cases/new", cookie=cookie, form=form)


BAD_FORMS = [
    pytest.param(
        {"incidentDate[month]": "13"},
        [("#incidentDate-month", "Incident date must be a real date")],
        id="a month that does not exist links to the month box",
    ),
    pytest.param(
        {"incidentDate[day]": "30", "incidentDate[month]": "2"},
        [("#incidentDate-day", "Incident date must be a real date")],
        id="a day the month does not have links to the day box",
    ),
    pytest.param(
        {"incidentDate[year]": "26"},
        [("#incidentDate-year", "Incident date must be a real date")],
        id="a year of 2 digits links to the year box",
    ),
    pytest.param(
        {"incidentDate[month]": ""},
        [("#incidentDate-month", "Incident date must include a month")],
        id="an empty month box",
    ),
    pytest.param(
        {"incidentDate[day]": "", "incidentDate[year]": ""},
        [("#incidentDate-day", "Incident date must include a day and year")],
        id="empty day and year boxes",
    ),
    pytest.param(
        {"incidentDate[year]": "2027"},
        [("#incidentDate-day", "Incident date must be today or in the past")],
        id="a future incident date is one error, not two",
    ),
    pytest.param(
        {
            "convertedFromCaseId": "not-a-case",
            "convertedDate[day]": "3",
            "convertedDate[month]": "3",
            "convertedDate[year]": "2026",
        },
        [("#convertedFromCaseId", "No rapid review with reference not-a-case that you can see")],
        id="a rapid review is typed as its reference, and one not found says so",
    ),
    pytest.param(
        {
            "status": "CLOSED",
            "stage": "REPORT_SIGNED_OFF",
            "reportSignedOffDate[day]": "",
            "publicationDate[year]": "",
        },
        [
            (
                "#status",
                "Status can be Closed only once the report is signed off, published or embargoed: "
                "enter the date it was signed off, a publication date today or in the past, "
                "or select yes for embargoed",
            ),
        ],
        id="status Closed in words, not CLOSED (the dates section's problem shows on its own page)",
    ),
    pytest.param(
        {"reviewType": "OTHER"},
        [("#reviewTypeOther", "Enter the other review type, or choose a review type other than Other")],
        id="other review type in words, not OTHER",
    ),
    pytest.param(
        {"providersInvolved": "RXX", **recommendation(ownerProviderCode="RJ1")},
        [
            (
                "#recommendations-0-ownerProviderCode",
                "Owning provider of recommendation 1 must be one of the providers involved (RXX), not RJ1",
            )
        ],
        id="an owning provider not involved is named",
    ),
    pytest.param(
        {
            "reviewType": "",
            "safeguardingPartnership": "",
            "themes": [],
            "incidentDate[day]": "",
            "incidentDate[month]": "",
            "incidentDate[year]": "",
        },
        [
            ("#reviewType", "Select the review type"),
            ("#safeguardingPartnership", "Enter the safeguarding partnership"),
            ("#themes", "Select the themes"),
        ],
        id="empty required fields say Enter or Select (the first section with a problem is shown)",
    ),
    pytest.param(
        {"incidentDate[day]": "", "incidentDate[month]": "", "incidentDate[year]": ""},
        [("#incidentDate-day", "Enter the incident date")],
        id="an empty required date says Enter",
    ),
    pytest.param(
        {**recommendation(theme="", owner="", status="")},
        [
            ("#recommendations-0-theme", "Select the theme of recommendation 1"),
            ("#recommendations-0-owner", "Enter the owner of recommendation 1"),
            ("#recommendations-0-status", "Select the status of recommendation 1"),
        ],
        id="a row's empty parts name the row",
    ),
    pytest.param(
        {**recommendation(dueDate_month="")},
        [("#recommendations-0-dueDate-month", "Due date of recommendation 1 must include a month")],
        id="a row's date links to its month box",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), BAD_FORMS)
def test_each_bad_form_is_answered_in_plain_english_linking_to_the_wrong_box(
    web: Harness, changes: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    changes = {name.replace("dueDate_month", "dueDate[month]"): value for name, value in changes.items()}

    page = post_new(web, changes)

    assert page.status == 422
    assert error_summary(page.body) == expected
    for href, _text in expected:  # the link goes somewhere: the box is on the page
        assert f'id="{href[1:]}"' in page.body


def test_no_message_speaks_the_codes_language(web: Harness) -> None:
    for param in BAD_FORMS:
        form = cast(dict[str, str], param.values[0])
        changes = {name.replace("dueDate_month", "dueDate[month]"): value for name, value in form.items()}
        for _href, text in error_summary(post_new(web, changes).body):
            assert not re.search(r"\b[A-Z]{2,}_[A-Z_]+\b|\bCLOSED\b|\bOTHER\b|should match|\.\.|\^", text), (
                text
            )
            assert not re.search(r"\b[a-z]+[A-Z][a-z]+\b", text), text  # no camelCase field names


def test_every_problem_of_a_box_is_reported_in_the_summary_and_beside_the_box(web: Harness) -> None:
    page = post_new(web, {"providersInvolved": "ZZ9\nRXX\nZZ8"})

    assert page.status == 422
    expected = [
        ("#providersInvolved", "Providers involved (ZZ9) must be the ODS code of a known NHS provider"),
        ("#providersInvolved", "Providers involved (ZZ8) must be the ODS code of a known NHS provider"),
    ]
    assert error_summary(page.body) == expected
    beside = re.search(r'id="providersInvolved-error"[^>]*>(.*?</span>.*?)</span>', page.body, re.S)
    assert beside, "no message beside the providers box"
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", beside.group(1))).split())
    for _href, message in expected:
        assert message in text


def test_a_pattern_is_said_in_words_never_shown() -> None:
    from tracker.web.messages import field_message

    case_id = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    assert field_message("Converted from rapid review", f"String should match pattern '{case_id}'") == (
        "Converted from rapid review must be a case id as the case's address shows it, "
        "for example 0d3c8f1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f"
    )
    assert field_message("Identifier", "String should match pattern '^[a-z]+$'") == (
        "Identifier is not written as the hint shows"
    )
    assert field_message("Local reference", "String should have at most 200 characters") == (
        "Local reference must be 200 characters or fewer"
    )
