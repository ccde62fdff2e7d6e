"""Recording a case a section at a time (issue 19 items 3 and 7): a page per section with
"Continue", a page to check the answers, then "Record the case"; the DHR questions only for a DHR
and never a trap; what may be left empty says "(optional)"; several recommendations at once; the
providers' lookup table rendered once, not on every form."""

import re
from html import unescape
from typing import Any

import pytest

from tests.unit.web.conftest import EDITOR, Harness, Page
from tests.unit.web.test_pages import edit_form_from

REVIEW = {
    "reviewType": ["CSPR"],
    "status": ["OPEN"],
    "stage": ["IN_PROGRESS"],
    "designatedProfessional": ["DESIGNATED_NURSE_CHILDREN"],
    "safeguardingPartnership": ["Synthetic Children's Safeguarding Partnership"],
    "themes": ["NEGLECT"],
}
DATES = {
    "incidentDate[day]": ["10"],
    "incidentDate[month]": ["1"],
    "incidentDate[year]": ["2026"],
    "dateAdded[day]": ["2"],
    "dateAdded[month]": ["2"],
    "dateAdded[year]": ["2026"],
}


class Journey:
    """One person recording a case in one session, page by page, as a browser would send it."""

    def __init__(self, web: Harness) -> None:
        self.web = web
        self.cookie = web.cookie_for(EDITOR)
        self.page = web.request("GET", "/app/cases/new", cookie=self.cookie)
        assert self.page.status == 200, self.page.body

    def press(self, action: str, **typed: list[str]) -> Page:
        """Send the page's form with ``typed`` filled in, by the button whose value is ``action``."""
        form: dict[str, list[str]] = {**edit_form_from(self.page.body), **typed}
        form["csrfToken"] = [self.page.csrf()]
        form["action"] = [action]
        self.page = self.web.request("POST", "/app/cases/new", cookie=self.cookie, form=form)
        return self.page

    @property
    def heading(self) -> str:
        found = re.search(r"<h1>(.*?)</h1>", self.page.body, re.S)
        assert found, "no heading"
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())

    @property
    def title(self) -> str:
        found = re.search(r"<title>(.*?)</title>", self.page.body, re.S)
        assert found, "no title"
        return unescape(found.group(1)).split(" - Safeguarding")[0]


def boxes(body: str) -> set[str]:
    """The names of the boxes a person sees (not the hidden fields carrying other sections)."""
    visible = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*name="([^"]+)"', body)
    return set(visible)


def test_each_section_is_its_own_page_and_the_case_is_recorded_after_checking(web: Harness) -> None:
    journey = Journey(web)
    assert journey.title == "The review - Record a case"
    assert "section 1 of 7" in journey.heading and journey.heading.endswith("The review")
    assert "reviewType" in boxes(journey.page.body) and "incidentDate[day]" not in boxes(journey.page.body)

    journey.press("continue", **REVIEW)
    assert journey.page.status == 200
    assert journey.title == "Dates - Record a case"
    assert "section 2 of 7" in journey.heading
    assert "reviewType" not in boxes(journey.page.body)  # carried, not asked again

    journey.press("continue", **DATES)
    titles = [journey.title]
    while journey.title.startswith(("References", "Providers", "Report", "Restricted", "Recommendations")):
        journey.press("continue")
        titles.append(journey.title)
    assert titles == [
        "References - Record a case",
        "Providers involved - Record a case",
        "Report and learning - Record a case",
        "Restricted information - Record a case",
        "Recommendations - Record a case",
        "Check the case before you record it - Record a case",
    ]
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", journey.page.body)).split())
    assert "Child safeguarding practice review (CSPR)" in text and "10 January 2026" in text
    assert web.store.cases == {}  # nothing recorded before "Record the case"

    recorded = journey.press("record")

    assert recorded.status == 303
    (case,) = web.store.cases.values()
    assert case.review_type == "CSPR" and str(case.incident_date) == "2026-01-10"
    assert case.safeguarding_partnership == "Synthetic Children's Safeguarding Partnership"


def test_continue_checks_the_section_on_the_page_and_no_later_one(web: Harness) -> None:
    journey = Journey(web)

    page = journey.press("continue", **{**REVIEW, "themes": []})

    assert page.status == 422
    assert journey.title == "Error: The review - Record a case"
    summary = re.findall(
        r'<a href="(#[^"]+)"[^>]*>\s*([^<]*?)\s*</a>', page.body.split("nhsuk-error-summary__list")[1]
    )
    # Only the review's own problem: the incident date, on a later page, is not asked for yet.
    assert summary[0] == ("#themes", "Select the themes")
    assert len([href for href, _ in summary if href.startswith("#")]) == 1


def test_a_problem_found_on_recording_shows_its_section_with_what_was_typed(web: Harness) -> None:
    journey = Journey(web)
    journey.press("continue", **REVIEW)
    journey.press("continue", **DATES)
    journey.press("continue", steisNumber=["Synthetic-1"])  # references
    journey.press("continue", providersInvolved=["ZZ9"])  # providers: known only to the service
    while not journey.title.startswith("Check"):
        journey.press("continue")

    page = journey.press("record")

    assert page.status == 422
    assert journey.title == "Error: Providers involved - Record a case"
    assert "Providers involved (ZZ9) must be the ODS code of a known NHS provider" in unescape(page.body)
    assert 'value="Synthetic-1"' in page.body  # the references section's answer is still carried
    assert web.store.cases == {}


def test_the_dhr_questions_are_a_section_only_for_a_dhr(web: Harness) -> None:
    journey = Journey(web)
    journey.press("continue", **{**REVIEW, "reviewType": ["DHR"], "themes": ["DOMESTIC_ABUSE"]})

    assert "section 2 of 8" in journey.heading
    journey.press("continue", **DATES)
    while not journey.title.startswith(("Domestic", "Check")):
        journey.press("continue")
    assert journey.title == "Domestic homicide review questions - Record a case"
    assert "icbChiefNurseAssuredDhrHealthRecs" in boxes(journey.page.body)
    assert "regionalChiefNurseContentToAcceptDhrHealthRecs" not in boxes(journey.page.body)  # the region's


def test_a_dhr_answer_left_from_before_the_review_type_changed_is_dropped_not_a_trap(web: Harness) -> None:
    journey = Journey(web)
    journey.press("continue", **{**REVIEW, "reviewType": ["DHR"], "themes": ["DOMESTIC_ABUSE"]})
    journey.press("continue", **DATES)
    while not journey.title.startswith("Domestic"):
        journey.press("continue")
    journey.press("continue", icbChiefNurseAssuredDhrHealthRecs=["YES"])
    assert journey.title.startswith("Check")

    journey.press("change-review", **{})
    assert journey.title == "The review - Record a case"
    journey.press("continue", reviewType=["SAR"])
    while not journey.title.startswith("Check"):
        journey.press("continue")
    assert "Domestic homicide review questions" not in journey.page.body
    recorded = journey.press("record")

    assert recorded.status == 303, recorded.body
    (case,) = web.store.cases.values()
    assert case.review_type == "SAR"
    assert case.icb_chief_nurse_assured_dhr_health_recs is None


def test_a_form_posted_whole_ignores_dhr_answers_on_another_review_type(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    csrf = web.request("GET", "/app/cases/new", cookie=cookie).csrf()
    form: dict[str, Any] = {
        **REVIEW,
        **DATES,
        "icbChiefNurseAssuredDhrHealthRecs": ["YES"],
        "csrfToken": [csrf],
    }

    page = web.request("POST", "/app/cases/new", cookie=cookie, form=form)

    assert page.status == 303, page.body
    (case,) = web.store.cases.values()
    assert case.icb_chief_nurse_assured_dhr_health_recs is None


@pytest.mark.parametrize(
    ("label", "optional"),
    [
        ("Local reference", True),
        ("StEIS number", True),
        ("Providers involved", True),
        ("Safeguarding partnership", False),
        ("Review type", False),
        ("Recommendation id", True),  # left empty, the next free id is filled in
        ("Due date", False),
    ],
)
def test_what_may_be_left_empty_says_optional(web: Harness, label: str, optional: bool) -> None:
    cookie = web.cookie_for(EDITOR)
    csrf = web.request("GET", "/app/cases/new", cookie=cookie).csrf()
    pages = [
        web.request(
            "POST", "/app/cases/new", cookie=cookie, form={"csrfToken": csrf, "action": "change-" + key}
        )
        for key in ("review", "identifiers", "providers", "recommendations")
    ]
    text = " ".join(" ".join(unescape(re.sub(r"<[^>]+>", " ", page.body)).split()) for page in pages)
    assert (f"{label} (optional)" in text) is optional
    assert label in text


def test_several_recommendations_are_added_at_once_and_another_row_on_request(web: Harness) -> None:
    journey = Journey(web)
    journey.press("continue", **REVIEW)
    journey.press("continue", **DATES)
    while not journey.title.startswith("Recommendations"):
        journey.press("continue")
    assert re.findall(r'name="recommendations\[(\d+)\]\.text"', journey.page.body) == ["0", "1", "2"]
    assert "Add a recommendation" in journey.page.body and "Add another recommendation" in journey.page.body

    journey.press("add-recommendations")
    assert journey.title == "Recommendations - Record a case"
    assert re.findall(r'name="recommendations\[(\d+)\]\.text"', journey.page.body) == ["0", "1", "2", "3"]

    def recommendation(index: int, text: str) -> dict[str, list[str]]:
        prefix = f"recommendations[{index}]."
        return {
            prefix + "theme": ["NEGLECT"],
            prefix + "text": [text],
            prefix + "owner": ["Synthetic owner"],
            prefix + "dueDate[day]": ["1"],
            prefix + "dueDate[month]": ["6"],
            prefix + "dueDate[year]": ["2027"],
            prefix + "status": ["NOT_STARTED"],
        }

    journey.press("continue", **recommendation(0, "First synthetic"), **recommendation(2, "Second synthetic"))
    assert journey.title.startswith("Check"), journey.title
    journey.press("record")

    (case,) = web.store.cases.values()
    assert [(item.recommendation_id, item.text) for item in case.recommendations or []] == [
        ("R1", "First synthetic"),
        ("R2", "Second synthetic"),
    ]


def test_a_carried_row_count_is_never_more_than_the_form_draws(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    csrf = web.request("GET", "/app/cases/new", cookie=cookie).csrf()
    form = {"csrfToken": csrf, "action": "change-review", "recommendations-count": "100000"}

    page = web.request("POST", "/app/cases/new", cookie=cookie, form=form)

    assert page.status == 200
    (carried,) = re.findall(r'name="recommendations-count" value="(\d+)"', page.body)
    assert int(carried) == 101  # the record's 100, and the blank row


def test_the_providers_lookup_table_is_rendered_once_for_every_form(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.web import provider_lookup, rendering

    provider_lookup._provider_table.cache_clear()
    rendered: list[str] = []
    real = rendering.render_macro

    def counting(template: str, macro: str, *arguments: Any) -> Any:
        rendered.append(macro)
        return real(template, macro, *arguments)

    monkeypatch.setattr(rendering, "render_macro", counting)
    cookie = web.cookie_for(EDITOR)
    csrf = web.request("GET", "/app/cases/new", cookie=cookie).csrf()
    pages = [
        web.request(
            "POST", "/app/cases/new", cookie=cookie, form={"csrfToken": csrf, "action": "change-providers"}
        )
        for _ in range(3)
    ]

    assert rendered.count("provider_table") == 1
    for page in pages:
        assert "NHS providers and their ODS codes" in page.body
        assert re.search(r"<td[^>]*>\s*RXL\s*</td>", page.body)


def test_a_rapid_review_is_linked_by_its_reference_typed_into_the_form(web: Harness) -> None:
    rapid = web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW")
    journey = Journey(web)
    journey.press("continue", **REVIEW)
    journey.press(
        "continue",
        **DATES,
        **{"convertedDate[day]": ["3"], "convertedDate[month]": ["3"], "convertedDate[year]": ["2026"]},
    )
    assert journey.title == "References - Record a case"
    assert "Converted from rapid review (reference) (optional)" in unescape(journey.page.body)

    refused = journey.press("continue", convertedFromCaseId=["QE1-2026-9999"])
    assert refused.status == 422
    summary = re.findall(
        r'<a href="(#[^"]+)"[^>]*>\s*([^<]*?)\s*</a>', refused.body.split("nhsuk-error-summary__list")[1]
    )
    assert summary[0] == (
        "#convertedFromCaseId",
        "No rapid review with reference QE1-2026-9999 that you can see",
    )

    journey.press("continue", convertedFromCaseId=[rapid.reference])
    continue_to_check = journey.title
    while not journey.title.startswith("Check"):
        journey.press("continue")
    assert rapid.reference in unescape(journey.page.body), continue_to_check
    recorded = journey.press("record")

    assert recorded.status == 303, recorded.body
    stored = [case for case in web.store.cases.values() if case.case_id != rapid.case_id]
    assert [case.converted_from_case_id for case in stored] == [rapid.case_id]
