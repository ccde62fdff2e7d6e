"""A rapid review linked by its reference on the edit page and the case page (issue 19 item 3): the
edit form shows the stored id as the rapid review's reference, a typed reference is saved as that
case's id, one the editor cannot see is an error beside the box, and the case page links the rapid
review by its reference, never by the id only an address bar would show."""

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl

from tests.unit.web.conftest import EDITOR, FOREIGN_EDITOR, OTHER_EDITOR, Harness
from tests.unit.web.test_pages import _post_edit, edit_form, edit_form_from, text_of
from tracker.logic.commands import UpdateCase, VersionCondition
from tracker.models.case import Case

CONVERTED: dict[str, Any] = {
    "incidentDate": "2026-09-01",
    "dateAdded": "2026-10-01",
    "convertedDate": "2026-10-15",
}


def _rapid_review(web: Harness, caller: Any = EDITOR) -> Case:
    return web.submit(caller, icbCode=caller.org, reviewType="RAPID_REVIEW", stage="RAPID_REVIEW")


def _summary_errors(body: str) -> list[tuple[str, str]]:
    listed = body.split("nhsuk-error-summary__list")[1].split("</ul>")[0]
    return [
        (href, unescape(text))
        for href, text in re.findall(r'<a href="(#[^"]+)"[^>]*>\s*([^<]*?)\s*</a>', listed)
    ]


def test_the_edit_form_shows_the_linked_rapid_review_by_its_reference(web: Harness) -> None:
    rapid = _rapid_review(web)
    case = web.submit(**CONVERTED, convertedFromCaseId=rapid.case_id)

    form = edit_form(web, case.case_id)

    assert form["convertedFromCaseId"] == [rapid.reference]
    page = web.request("GET", f"/app/cases/{case.case_id}/edit", caller=EDITOR)
    assert rapid.case_id not in page.body


def test_a_typed_reference_is_saved_as_the_rapid_reviews_id(web: Harness) -> None:
    rapid = _rapid_review(web)
    case = web.submit(**{name: value for name, value in CONVERTED.items() if name != "convertedDate"})
    form = edit_form(web, case.case_id)
    form["convertedFromCaseId"] = [f" {rapid.reference.lower()} "]
    form.update(
        {"convertedDate[day]": ["15"], "convertedDate[month]": ["10"], "convertedDate[year]": ["2026"]}
    )

    saved = _post_edit(web, case.case_id, form)

    assert saved.status == 303, saved.body
    stored = web.store.cases[case.case_id]
    assert stored.converted_from_case_id == rapid.case_id
    assert stored.version == 2


def test_the_form_sent_back_unchanged_keeps_the_link_and_saves_nothing(web: Harness) -> None:
    rapid = _rapid_review(web)
    case = web.submit(**CONVERTED, convertedFromCaseId=rapid.case_id)

    saved = _post_edit(web, case.case_id, edit_form(web, case.case_id))

    assert saved.status == 303
    assert saved.location == f"/app/cases/{case.case_id}?saved=0"
    assert web.store.cases[case.case_id].converted_from_case_id == rapid.case_id


def test_a_link_to_a_case_out_of_sight_is_shown_as_stored_and_kept_when_sent_back(web: Harness) -> None:
    elsewhere = _rapid_review(web, FOREIGN_EDITOR)
    case = web.submit(**CONVERTED, convertedFromCaseId=elsewhere.case_id)

    form = edit_form(web, case.case_id)
    assert form["convertedFromCaseId"] == [elsewhere.case_id]  # nothing about the other ICB's case told
    form["stage"] = ["DECISION_PENDING"]
    saved = _post_edit(web, case.case_id, form)

    assert saved.status == 303, saved.body
    stored = web.store.cases[case.case_id]
    assert (stored.converted_from_case_id, stored.stage.value) == (elsewhere.case_id, "DECISION_PENDING")


def test_a_reference_the_editor_cannot_see_is_an_error_beside_the_box_and_nothing_is_saved(
    web: Harness,
) -> None:
    hidden = _rapid_review(web, FOREIGN_EDITOR)
    case = web.submit(**CONVERTED, convertedFromCaseId=_rapid_review(web).case_id)
    form = edit_form(web, case.case_id)
    form["convertedFromCaseId"] = [hidden.reference]
    form["stage"] = ["DECISION_PENDING"]

    refused = _post_edit(web, case.case_id, form)

    assert refused.status == 422
    message = f"No rapid review with reference {hidden.reference} that you can see"
    assert _summary_errors(refused.body) == [("#convertedFromCaseId", message)]
    beside = re.search(r'id="convertedFromCaseId-error">(.*?)</span>\s*<input', refused.body, re.S)
    assert beside and message in text_of(beside.group(1))
    assert f'value="{hidden.reference}"' in refused.body  # what was typed is drawn again
    assert web.store.cases[case.case_id].version == 1


def test_a_wrong_reference_is_reported_with_the_forms_other_errors(web: Harness) -> None:
    case = web.submit(**CONVERTED, convertedFromCaseId=_rapid_review(web).case_id)
    form = edit_form(web, case.case_id)
    form["convertedFromCaseId"] = ["QE1-2026-9999"]
    form["incidentDate[month]"] = ["13"]

    refused = _post_edit(web, case.case_id, form)

    assert refused.status in (400, 422)
    fields = [href for href, _ in _summary_errors(refused.body)]
    assert "#convertedFromCaseId" in fields and any(href.startswith("#incidentDate") for href in fields)
    assert web.store.cases[case.case_id].version == 1


def test_the_case_page_links_the_rapid_review_by_its_reference(web: Harness) -> None:
    rapid = _rapid_review(web)
    case = web.submit(**CONVERTED, convertedFromCaseId=rapid.case_id)

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert page.status == 200
    details = page.body[: page.body.index('id="history"')]
    assert re.search(rf'<a [^>]*href="/app/cases/{rapid.case_id}"[^>]*>\s*{rapid.reference}\s*</a>', details)
    assert rapid.case_id not in text_of(details)


def test_the_case_page_never_shows_the_id_of_a_linked_case_out_of_sight(web: Harness) -> None:
    elsewhere = _rapid_review(web, FOREIGN_EDITOR)
    case = web.submit(**CONVERTED, convertedFromCaseId=elsewhere.case_id)

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=OTHER_EDITOR)

    assert page.status == 200
    assert elsewhere.case_id not in page.body
    assert elsewhere.reference not in page.body
    assert "Converted from" in text_of(page.body)


def test_when_someone_saved_first_the_link_is_shown_and_kept_by_its_reference(web: Harness) -> None:
    rapid = _rapid_review(web)
    case = web.submit(**{name: value for name, value in CONVERTED.items() if name != "convertedDate"})
    mine = edit_form(web, case.case_id)  # opened at version 1
    web.service.update(
        OTHER_EDITOR,
        UpdateCase(case.case_id, {"stage": "DECISION_PENDING"}, VersionCondition(frozenset({1}))),
    )
    mine["convertedFromCaseId"] = [rapid.reference]
    mine.update(
        {"convertedDate[day]": ["15"], "convertedDate[month]": ["10"], "convertedDate[year]": ["2026"]}
    )

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409
    assert rapid.case_id not in page.body
    assert f"Converted from rapid review (reference) Yours {rapid.reference} Now Not given" in text_of(
        page.body
    )
    again = edit_form_from(page.body)
    assert again["convertedFromCaseId"] == [rapid.reference]
    assert _post_edit(web, case.case_id, again).status == 303
    stored = web.store.cases[case.case_id]
    assert (stored.version, stored.stage.value, stored.converted_from_case_id) == (
        3,
        "DECISION_PENDING",
        rapid.case_id,
    )


def test_the_history_names_a_linked_case_by_its_reference_never_its_id(web: Harness) -> None:
    rapid, elsewhere = _rapid_review(web), _rapid_review(web, FOREIGN_EDITOR)
    case = web.submit(**{name: value for name, value in CONVERTED.items() if name != "convertedDate"})
    linked = {"convertedFromCaseId": rapid.case_id, "convertedDate": "2026-10-15"}
    web.service.update(EDITOR, UpdateCase(case.case_id, linked, VersionCondition(frozenset({1}))))
    moved = {"convertedFromCaseId": elsewhere.case_id}
    web.service.update(EDITOR, UpdateCase(case.case_id, moved, VersionCondition(frozenset({2}))))

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    history = text_of(page.body[page.body.index('id="history"') :])
    label = "Converted from rapid review (reference)"
    assert f"{label} Before Not given After {rapid.reference}" in history
    assert f"{label} Before {rapid.reference} After A case you cannot see" in history
    assert rapid.case_id not in page.body.replace(f"/app/cases/{rapid.case_id}", "")
    assert elsewhere.case_id not in page.body


def test_paging_the_history_keeps_the_way_back_to_the_list(web: Harness) -> None:
    from tests.unit.web.test_history_paging import _case_with_versions, _link
    from tests.unit.web.test_worklist import _back_link

    case = _case_with_versions(web, 25)  # two pages of history
    list_query = "reviewType=SAR&q=QE1"

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR, query={"back": list_query})
    older = _link(page, "Older changes")
    assert older is not None and older.endswith("#history")
    path, _, query = older.removesuffix("#history").partition("?")
    older_page = web.request("GET", path, caller=EDITOR, query=parse_qsl(query))

    assert "Version 1:" in text_of(older_page.body)  # the older page itself
    assert _back_link(older_page.body) == "/app/?reviewType=SAR&q=QE1"
    newer = _link(older_page, "Newer changes")
    assert newer is not None and ("back", list_query) in parse_qsl(
        newer.partition("?")[2].removesuffix("#history")
    )
