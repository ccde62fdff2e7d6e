"""The pages on the in-memory store: what each role sees and may do, and what is refused."""

import re
from html import unescape
from typing import Any

from tests.unit.web.conftest import EDITOR, FOREIGN_EDITOR, NATIONAL, OTHER_EDITOR, REGIONAL, VIEWER, Harness
from tracker.logic.commands import UpdateCase, VersionCondition
from tracker.models.enums import Role


def edit_form(web: Harness, case_id: str, caller: Any = EDITOR, **query: str) -> dict[str, list[str]]:
    """The edit form's fields as the browser would send them back, unchanged."""
    page = web.request("GET", f"/app/cases/{case_id}/edit", caller=caller, query=query)
    assert page.status == 200, page.body
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", page.body):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        fields.setdefault(name.group(1), [])
        if tag.startswith("<input"):
            value = re.search(r'value="([^"]*)"', tag)
            kind = re.search(r'type="([^"]+)"', tag)
            if kind and kind.group(1) in ("radio", "checkbox") and " checked" not in tag:
                continue
            fields[name.group(1)].append(unescape(value.group(1)) if value else "")
    for name, selected in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page.body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', selected)
        fields[name] = [chosen.group(1) if chosen else ""]
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page.body, re.S):
        fields[name] = [unescape(text.strip())]
    return {name: values for name, values in fields.items() if values}


# OTHER_EDITOR's versions record no name: they read as the role at the organisation.
OTHER_EDITOR_IN_WORDS = "An ICB editor at NHS Lancashire and South Cumbria Integrated Care Board"

# Publication due in April 2027: not overdue on the fixed day.
ON_TIME: dict[str, Any] = {"incidentDate": "2026-09-01", "dateAdded": "2026-10-01"}


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_the_callers_cases_newest_first_with_links_and_overdue_tags(web: Harness) -> None:
    overdue = web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW", dateAdded="2026-02-02")
    recent = web.submit(**ON_TIME)
    elsewhere = web.submit(FOREIGN_EDITOR, icbCode="QOP")

    page = web.request("GET", "/app/", caller=EDITOR)

    assert page.status == 200
    assert f'href="/app/cases/{recent.case_id}"' in page.body
    assert f'href="/app/cases/{overdue.case_id}"' in page.body
    assert elsewhere.reference not in page.body
    assert page.body.index(recent.reference) < page.body.index(overdue.reference)
    assert page.body.count("nhsuk-tag--red") == 1


def test_the_overdue_filter_keeps_only_overdue_cases(web: Harness) -> None:
    overdue = web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW", dateAdded="2026-02-02")
    on_time = web.submit(**ON_TIME)

    page = web.request("GET", "/app/", caller=EDITOR, query={"overdue": "true"})

    assert overdue.reference in page.body
    assert on_time.reference not in page.body
    assert '<option value="true" selected' in page.body


def test_pages_of_the_list_go_forward_and_back(web: Harness) -> None:
    cases = [web.submit(localReference=f"SYN-{number:03d}") for number in range(30)]

    first = web.request("GET", "/app/", caller=EDITOR)
    next_href = re.search(r'<a class="nhsuk-pagination__link[^"]*" href="([^"]+)" rel="next"', first.body)
    assert next_href, "no next page link"
    second = web.request("GET", "/app/", caller=EDITOR, query=_query(next_href.group(1)))
    previous = re.search(r'href="([^"]+)" rel="prev"', second.body)

    shown_first = set(re.findall(r"QE1-2026-\d{4}", first.body))
    shown_second = set(re.findall(r"QE1-2026-\d{4}", second.body))
    assert len(shown_first) == 25 and len(shown_second) == 5
    assert shown_first | shown_second == {case.reference for case in cases}
    assert previous, "no previous page link"
    again = web.request("GET", "/app/", caller=EDITOR, query=_query(previous.group(1)))
    assert set(re.findall(r"QE1-2026-\d{4}", again.body)) == shown_first


def text_of(html: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _query(href: str) -> list[tuple[str, str]]:
    from html import unescape
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(unescape(href)).query)


# --- one case -------------------------------------------------------------------------------------


def test_another_icbs_case_is_not_found_exactly_as_a_missing_one(web: Harness) -> None:
    elsewhere = web.submit(FOREIGN_EDITOR, icbCode="QOP")

    hidden = web.request("GET", f"/app/cases/{elsewhere.case_id}", caller=EDITOR)
    missing = web.request("GET", "/app/cases/00000000-0000-4000-8000-000000000000", caller=EDITOR)

    assert hidden.status == missing.status == 404
    assert elsewhere.reference not in hidden.body
    assert _without_tokens(hidden.body) == _without_tokens(missing.body)


def _without_tokens(body: str) -> str:
    return re.sub(r'value="[^"]+"', "", body)


def test_the_case_page_shows_fields_deadlines_recommendations_and_history(web: Harness) -> None:
    case = web.submit(
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "Synthetic recommendation text",
                "owner": "Synthetic owner",
                "dueDate": "2026-06-01",
                "status": "IN_PROGRESS",
            }
        ]
    )
    # A stage that needs no date of its own, so the stage is the one field the history shows change.
    web.service.update(
        EDITOR, UpdateCase(case.case_id, {"stage": "DECISION_PENDING"}, VersionCondition(frozenset({1})))
    )

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert page.status == 200
    assert "Synthetic Children&#39;s Safeguarding Partnership" in page.body
    assert "Publication due" in page.body and "2 August 2026" in page.body
    assert "Synthetic recommendation text" in page.body
    history = page.body[page.body.index('id="history"') :]
    assert "Version 2" in history and "Stage" in history
    assert "Field Stage Before In progress After Decision pending" in text_of(history)
    assert "Edit this case" in page.body


def test_the_case_page_says_how_many_versions_its_history_holds_in_plain_english(web: Harness) -> None:
    case = web.submit()

    first = text_of(web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR).body)
    assert "History 1 version." in first and "1 versions" not in first
    web.service.update(
        EDITOR, UpdateCase(case.case_id, {"stage": "DECISION_PENDING"}, VersionCondition(frozenset({1})))
    )
    second = text_of(web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR).body)
    assert "History 2 versions." in second


def test_a_viewer_sees_no_edit_controls_and_a_forged_post_is_refused(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id)
    viewer_page = web.request("GET", f"/app/cases/{case.case_id}", caller=VIEWER)
    viewer_cookie = web.cookie_for(VIEWER)
    token = web.request("GET", "/app/", cookie=viewer_cookie).csrf()

    edit_page = web.request("GET", f"/app/cases/{case.case_id}/edit", caller=VIEWER)
    forged = web.request(
        "POST",
        f"/app/cases/{case.case_id}/edit",
        cookie=viewer_cookie,
        form={**form, "csrfToken": [token], "stage": ["CLOSED"]},
    )

    assert "Edit this case" not in viewer_page.body and "/edit" not in viewer_page.body
    assert edit_page.status == 403
    assert forged.status == 403
    assert web.store.cases[case.case_id].version == 1


def test_a_post_without_the_sessions_csrf_token_changes_nothing(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id)
    form["stage"] = ["CLOSED"]

    missing = web.request(
        "POST", f"/app/cases/{case.case_id}/edit", caller=EDITOR, form={**form, "csrfToken": [""]}
    )
    wrong = web.request(
        "POST", f"/app/cases/{case.case_id}/edit", caller=EDITOR, form={**form, "csrfToken": ["x" * 43]}
    )

    assert missing.status == wrong.status == 403
    assert web.store.cases[case.case_id].version == 1


# --- editing --------------------------------------------------------------------------------------


def test_an_editor_changes_the_stage_and_the_history_records_it(web: Harness) -> None:
    case = web.submit()
    cookie = web.cookie_for(EDITOR)
    form = edit_form(web, case.case_id)
    form["stage"] = ["DECISION_PENDING"]  # a stage that needs no date of its own
    form["csrfToken"] = [web.request("GET", "/app/", cookie=cookie).csrf()]

    saved = web.request("POST", f"/app/cases/{case.case_id}/edit", cookie=cookie, form=form)

    assert saved.status == 303
    assert saved.location == f"/app/cases/{case.case_id}?saved=1"
    stored = web.store.cases[case.case_id]
    assert (stored.version, stored.stage.value) == (2, "DECISION_PENDING")
    assert stored.case_information == case.case_information  # nothing else changed
    assert web.store.history[case.case_id][-1].changed_fields == ["stage"]


def _post_edit(web: Harness, case_id: str, form: dict[str, list[str]], caller: Any = EDITOR) -> Any:
    cookie = web.cookie_for(caller)
    form = {**form, "csrfToken": [web.request("GET", "/app/", cookie=cookie).csrf()]}
    return web.request("POST", f"/app/cases/{case_id}/edit", cookie=cookie, form=form)


def test_errors_are_summarised_and_shown_beside_their_fields_by_the_domains_rules(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id)
    form.update(
        {
            "publicationDate[day]": ["1"],
            "publicationDate[month]": ["1"],
            "publicationDate[year]": ["2026"],  # before dateAdded (2 February 2026)
        }
    )

    page = _post_edit(web, case.case_id, form)

    assert page.status == 422
    assert "nhsuk-error-summary" in page.body
    assert 'href="#publicationDate-day"' in page.body
    assert 'id="publicationDate--error-message"' in page.body or 'id="publicationDate-error"' in page.body
    assert (
        "Publication date must be the same as or after the date the decision to review was made"
        in text_of(page.body)
    )
    assert web.store.cases[case.case_id].version == 1
    assert 'value="2026"' in page.body  # what the user typed is kept, to correct


def test_patient_identifiers_in_free_text_are_refused_beside_the_field(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id)
    form["comments"] = ["Synthetic note quoting 943 476 5919"]

    page = _post_edit(web, case.case_id, form)

    assert page.status == 422
    assert 'href="#comments"' in page.body
    assert "Comments (restricted) must not contain an NHS number" in text_of(page.body)
    assert web.store.cases[case.case_id].comments is None


def test_a_date_that_is_not_a_date_is_refused_by_the_form(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id)
    form["incidentDate[month]"] = ["thirteenth"]

    page = _post_edit(web, case.case_id, form)

    assert page.status == 422
    assert "Incident date must be a real date" in page.body
    assert web.store.cases[case.case_id].version == 1


def test_recommendations_are_added_changed_and_removed(web: Harness) -> None:
    case = web.submit(
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "First synthetic",
                "owner": "Owner A",
                "dueDate": "2026-12-01",
                "status": "NOT_STARTED",
            },
            {
                "recommendationId": "R2",
                "theme": "NEGLECT",
                "text": "Second synthetic",
                "owner": "Owner B",
                "dueDate": "2026-12-01",
                "status": "NOT_STARTED",
            },
        ]
    )
    form = edit_form(web, case.case_id, section="recommendations")
    assert form["recommendations-count"] == ["3"]
    form["recommendations[0].remove"] = ["yes"]
    form["recommendations[1].status"] = ["COMPLETE"]
    form.update(
        {
            "recommendations[2].theme": ["SELF_NEGLECT"],
            "recommendations[2].text": ["Third synthetic"],
            "recommendations[2].owner": ["Owner C"],
            "recommendations[2].dueDate[day]": ["5"],
            "recommendations[2].dueDate[month]": ["1"],
            "recommendations[2].dueDate[year]": ["2027"],
            "recommendations[2].status": ["NOT_STARTED"],
        }
    )

    page = _post_edit(web, case.case_id, form)

    assert page.status == 303, page.body
    stored = web.store.cases[case.case_id].recommendations or []
    assert [(r.recommendation_id, r.status.value) for r in stored] == [
        ("R2", "COMPLETE"),
        ("R1", "NOT_STARTED"),
    ]
    assert stored[1].text == "Third synthetic"  # the new row took the first free id
    assert web.store.cases[case.case_id].stage == case.stage  # one section edited, the rest kept


def test_an_error_in_a_row_after_a_removed_row_is_shown_on_the_row_the_user_typed_in(web: Harness) -> None:
    case = web.submit(
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "First synthetic",
                "owner": "Owner A",
                "dueDate": "2026-12-01",
                "status": "NOT_STARTED",
            },
        ]
    )
    form = edit_form(web, case.case_id, section="recommendations")
    form["recommendations[0].remove"] = ["yes"]
    form["recommendations[1].text"] = ["A new synthetic recommendation without an owner"]

    page = _post_edit(web, case.case_id, form)

    assert page.status == 422
    assert 'href="#recommendations-1-' in page.body  # form row 1, although it is item 0 of the patch
    assert "of recommendation 2" in page.body


def test_when_someone_saved_first_the_user_sees_their_change_and_can_reapply(web: Harness) -> None:
    case = web.submit()
    mine = edit_form(web, case.case_id)  # opened at version 1
    web.service.update(
        OTHER_EDITOR,
        UpdateCase(
            case.case_id,
            {"stage": "REPORT_SIGNED_OFF", "reportSignedOffDate": "2026-06-01"},
            VersionCondition(frozenset({1})),
        ),
    )
    mine["localReference"] = ["SYN-MINE-1"]

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409
    assert "Someone else saved this case first" in page.body
    assert f"{OTHER_EDITOR_IN_WORDS} saved version 2" in text_of(page.body)
    assert "icb_editor:QE1:editor-2" not in page.body  # a person, not an identifier
    assert "Stage When you opened the form In progress Now Report signed off" in text_of(page.body)
    assert "SYN-MINE-1" in page.body
    stored = web.store.cases[case.case_id]
    assert (stored.version, stored.local_reference) == (2, None)  # nothing overwritten, nothing lost
    # The form now carries version 2 with both changes: saving it keeps theirs and applies mine.
    again = dict(edit_form_from(page.body).items())
    assert again["version"] == ["2"] and again["stage"] == ["REPORT_SIGNED_OFF"]
    assert again["localReference"] == ["SYN-MINE-1"]
    assert _post_edit(web, case.case_id, again).status == 303
    stored = web.store.cases[case.case_id]
    assert (stored.version, stored.stage.value, stored.local_reference) == (
        3,
        "REPORT_SIGNED_OFF",
        "SYN-MINE-1",
    )


def edit_form_from(body: str) -> dict[str, list[str]]:
    class _Page:
        status = 200

    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("radio", "checkbox") and " checked" not in tag):
            continue
        fields.setdefault(name.group(1), []).append(unescape(value.group(1)) if value else "")
    for name, selected in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', selected)
        fields[name] = [chosen.group(1) if chosen else ""]
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S):
        fields[name] = [unescape(text.strip())]
    fields.pop("csrfToken", None)
    return fields


def test_the_regional_team_sees_only_its_dhr_question_and_can_change_nothing_else(web: Harness) -> None:
    case = web.submit(reviewType="DHR", themes=["DOMESTIC_ABUSE"])
    form = edit_form(web, case.case_id, caller=REGIONAL)
    assert set(form) == {"csrfToken", "version", "section"}  # no answer yet: the radios are unticked
    page = web.request("GET", f"/app/cases/{case.case_id}/edit", caller=REGIONAL)
    assert 'name="regionalChiefNurseContentToAcceptDhrHealthRecs"' in page.body
    assert 'name="stage"' not in page.body and 'name="icbChiefNurseAssuredDhrHealthRecs"' not in page.body

    answered = _post_edit(
        web, case.case_id, {**form, "regionalChiefNurseContentToAcceptDhrHealthRecs": ["YES"]}, REGIONAL
    )
    forged = _post_edit(web, case.case_id, {"version": ["2"], "stage": ["CLOSED"]}, REGIONAL)

    assert answered.status == 303
    assert forged.status == 403
    stored = web.store.cases[case.case_id]
    assert stored.regional_chief_nurse_content_to_accept_dhr_health_recs is not None
    assert (stored.version, stored.stage.value) == (2, "IN_PROGRESS")


def test_the_regional_team_has_no_edit_control_on_a_case_that_is_not_a_dhr(web: Harness) -> None:
    case = web.submit()
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=REGIONAL)
    assert page.status == 200 and "/edit" not in page.body
    assert web.request("GET", f"/app/cases/{case.case_id}/edit", caller=REGIONAL).status == 403


def test_a_provider_reads_what_the_domain_gives_it_with_no_edit_control(web: Harness) -> None:
    from tracker.access import Caller

    case = web.submit(providersInvolved=["RXL"], comments="Synthetic restricted comment")
    provider = Caller(Role.PROVIDER, "RXL", "provider-1")

    listing = web.request("GET", "/app/", caller=provider)
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=provider)

    assert listing.status == 200 and case.reference in listing.body
    assert page.status == 200
    assert "Synthetic restricted comment" not in page.body
    assert "Synthetic summary for tests only." not in page.body
    assert "/edit" not in page.body and "Record a case" not in page.body


# --- recording a case -----------------------------------------------------------------------------


def _new_form(web: Harness) -> dict[str, list[str]]:
    page = web.request("GET", "/app/cases/new", caller=EDITOR)
    assert page.status == 200
    form = edit_form_from(page.body)
    form.update(
        {
            "reviewType": ["SAR"],
            "status": ["OPEN"],
            "stage": ["NOTIFIED"],
            "designatedProfessional": ["DESIGNATED_PROFESSIONAL_ADULTS"],
            "safeguardingPartnership": ["Synthetic Safeguarding Adults Board"],
            "themes": ["NEGLECT", "SELF_NEGLECT"],
            "incidentDate[day]": ["3"],
            "incidentDate[month]": ["3"],
            "incidentDate[year]": ["2026"],
            "dateAdded[day]": ["20"],
            "dateAdded[month]": ["3"],
            "dateAdded[year]": ["2026"],
        }
    )
    return form


def test_an_icb_editor_records_a_case_once_however_often_the_form_is_sent(web: Harness) -> None:
    form = _new_form(web)
    cookie = web.cookie_for(EDITOR)
    form["csrfToken"] = [web.request("GET", "/app/", cookie=cookie).csrf()]

    first = web.request("POST", "/app/cases/new", cookie=cookie, form=form)
    again = web.request("POST", "/app/cases/new", cookie=cookie, form=form)

    assert first.status == again.status == 303
    assert first.location == again.location
    assert len(web.store.cases) == 1
    stored = next(iter(web.store.cases.values()))
    assert (stored.icb_code, stored.review_type.value, stored.date_added.isoformat()) == (
        "QE1",
        "SAR",
        "2026-03-20",
    )


def test_a_new_case_with_missing_fields_names_each_one(web: Harness) -> None:
    form = _new_form(web)
    form["stage"] = [""]
    form["themes"] = []

    page = _post_edit_new(web, form)

    assert page.status == 422
    assert 'href="#stage"' in page.body and 'href="#themes"' in page.body
    assert not web.store.cases


def _post_edit_new(web: Harness, form: dict[str, list[str]]) -> Any:
    cookie = web.cookie_for(EDITOR)
    form = {**form, "csrfToken": [web.request("GET", "/app/", cookie=cookie).csrf()]}
    return web.request("POST", "/app/cases/new", cookie=cookie, form=form)


def test_only_icb_editors_may_record_cases(web: Harness) -> None:
    for caller in (VIEWER, REGIONAL, NATIONAL):
        assert web.request("GET", "/app/cases/new", caller=caller).status == 403
        assert "Record a case" not in web.request("GET", "/app/", caller=caller).body
