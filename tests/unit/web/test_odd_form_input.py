"""What a form does with input no browser of ours would send: a row count far beyond what the
record accepts, and digits that are not ASCII (``'²'.isdigit()`` is true, yet ``int('²')`` fails).

Each is answered with a 4xx naming the field, never a 500, and never more rows drawn than the form
accepts."""

import re
from typing import Any

import pytest

from tests.unit.web.conftest import EDITOR, VIEWER, Harness
from tests.unit.web.test_pages import _post_edit, _post_edit_new, edit_form, edit_form_from, text_of
from tests.unit.web.test_providers_and_contacts import CONTACTS, _contacts_form, _post_contacts
from tracker.models.case import CaseFields

ROW_LISTS = {
    "otherIdentifiers": "identifiers",
    "learningDissemination": "report",
    "recommendations": "recommendations",
}
"""Each list of rows, and the section of "Record a case" that asks for it."""
ODD_DIGITS = ("²", "٣", "1" * 5000)  # a superscript, an Arabic-Indic digit, more digits than int() reads


def record_limit(name: str) -> int:
    """How many items the case record accepts in a list, as its JSON schema says."""
    schema = CaseFields.model_json_schema(by_alias=True)["properties"][name]
    return int(next(option["maxItems"] for option in schema["anyOf"] if option.get("type") == "array"))


def drawn_rows(body: str, name: str) -> set[int]:
    """The rows of a list the page draws, by their index in the boxes' names."""
    return {int(index) for index in re.findall(rf'name="{name}\[(\d+)\]\.', body)}


# --- 3: the number of rows drawn is the form's own limit ------------------------------------------


def test_a_new_case_form_drawn_again_after_an_error_draws_no_more_rows_than_the_record_accepts(
    web: Harness,
) -> None:
    form = {f"{name}-count": [str(record_limit(name) * 4 + 7)] for name in ROW_LISTS}
    form["incidentDate[day]"] = ["31"]
    form["incidentDate[month]"] = ["2"]
    form["incidentDate[year]"] = ["nope"]

    page = _post_edit_new(web, form)

    assert page.status == 422
    assert "Incident date must be a real date" in text_of(page.body)
    for name, section in ROW_LISTS.items():
        # Carried to the other sections' pages: the count the form may draw, never the one sent.
        counts = re.findall(rf'name="{name}-count" value="(\d+)"', page.body)
        assert counts == [str(record_limit(name) + 1)], name
        # Its own section's page: every row the record accepts and the blank one, none beyond.
        cookie = web.cookie_for(EDITOR)
        carried = {**edit_form_from(page.body), "action": [f"change-{section}"]}
        carried["csrfToken"] = [web.request("GET", "/app/", cookie=cookie).csrf()]
        shown = web.request("POST", "/app/cases/new", cookie=cookie, form=carried)
        assert drawn_rows(shown.body, name) == set(range(record_limit(name) + 1)), name


def test_an_edit_form_drawn_again_keeps_the_rows_it_was_sent_within_the_limit(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id, section="recommendations")
    limit = record_limit("recommendations")
    form["recommendations-count"] = [str(limit * 30)]
    form["recommendations[0].text"] = ["Synthetic recommendation"]
    form["recommendations[0].dueDate[day]"] = ["40"]
    form["recommendations[0].dueDate[month]"] = ["1"]
    form["recommendations[0].dueDate[year]"] = ["2027"]

    page = _post_edit(web, case.case_id, form)

    assert page.status == 422
    assert drawn_rows(page.body, "recommendations") == set(range(limit + 1))
    assert "Synthetic recommendation" in page.body  # what was typed is drawn again


# --- 5: odd digits in the web form's fields are a 4xx naming the field ----------------------------


@pytest.mark.parametrize("odd", ODD_DIGITS)
@pytest.mark.parametrize("part", ["day", "month", "year"])
def test_odd_digits_in_a_date_box_are_named_beside_the_date(web: Harness, part: str, odd: str) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id, section="dates")
    form[f"publicationDate[{part}]"] = [odd]
    for other, value in {"day": "3", "month": "4", "year": "2026"}.items():
        if other != part:
            form[f"publicationDate[{other}]"] = [value]

    page = _post_edit(web, case.case_id, form)

    assert page.status == 422
    assert "Publication date must be a real date" in text_of(page.body)
    assert web.store.cases[case.case_id].version == case.version


@pytest.mark.parametrize("odd", ODD_DIGITS)
def test_odd_digits_in_the_forms_version_are_a_400_naming_the_version(web: Harness, odd: str) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id, section="review")
    form["version"] = [odd]
    form["stage"] = ["PUBLISHED"]

    page = _post_edit(web, case.case_id, form)

    assert page.status == 400
    assert "Version must be a whole number" in text_of(page.body)
    assert web.store.cases[case.case_id].version == case.version


@pytest.mark.parametrize("odd", ODD_DIGITS)
def test_odd_digits_in_a_row_count_are_a_400_naming_the_list_and_nothing_is_removed(
    web: Harness, odd: str
) -> None:
    recommendation = {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "Synthetic recommendation",
        "owner": "Synthetic owner",
        "dueDate": "2027-06-01",
        "status": "IN_PROGRESS",
    }
    case = web.submit(recommendations=[recommendation])
    form = edit_form(web, case.case_id, section="recommendations")
    form["recommendations-count"] = [odd]

    page = _post_edit(web, case.case_id, form)

    assert page.status == 400
    assert "Recommendations row count must be a whole number" in text_of(page.body)
    assert web.store.cases[case.case_id].recommendations == case.recommendations


def test_a_viewer_sending_an_odd_version_is_refused_before_the_form_is_read(web: Harness) -> None:
    case = web.submit()
    form = {**edit_form(web, case.case_id, section="review"), "version": ["²"]}

    assert _post_edit(web, case.case_id, form, caller=VIEWER).status == 403


@pytest.mark.parametrize("odd", ODD_DIGITS)
def test_odd_digits_in_the_contacts_version_are_a_400_naming_the_version(web: Harness, odd: str) -> None:
    form: dict[str, Any] = {**_contacts_form(web), "emails": ["lead.one@nhs.example"], "version": [odd]}

    page = _post_contacts(web, form)

    assert page.status == 400
    assert "Version must be a whole number" in text_of(page.body)
    assert "QE1" not in web.contact_store.current


def test_a_viewer_sending_an_odd_contacts_version_is_refused_as_before(web: Harness) -> None:
    form: dict[str, Any] = {"emails": ["lead.one@nhs.example"], "version": ["²"]}

    assert _post_contacts(web, form, caller=VIEWER).status == 403
    assert web.request("GET", CONTACTS, caller=EDITOR).status == 200
