"""Providers on the case pages, and an ICB's reminder contacts page: form parsing, the domain's
errors in the summary and beside the box, and who may read or change what."""

import re
from html import unescape
from typing import Any

from tests.unit.web.conftest import EDITOR, FOREIGN_EDITOR, NATIONAL, REGIONAL, VIEWER, Harness
from tests.unit.web.test_pages import _post_edit, edit_form, edit_form_from, text_of
from tracker.access import AccessPolicy, Caller
from tracker.errors import FieldError
from tracker.logic.commands import ReplaceContacts, UpdateCase, VersionCondition
from tracker.models.case import restricted_fields
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.web.contacts import split_addresses
from tracker.web.forms import form_values, parse_form, place_errors, sections_for
from tracker.web.labels import field_label, organisation_name, readable_detail

QE1_EDITOR_IN_WORDS = "An ICB editor at NHS Lancashire and South Cumbria Integrated Care Board"

EDITOR_SECTIONS = sections_for(AccessPolicy(reference_data()).submittable_fields(EDITOR))
PROVIDER = Caller(Role.PROVIDER, "RXL", "provider-1")
BLACKPOOL = "Blackpool Teaching Hospitals NHS Foundation Trust (RXL)"
LANCASHIRE = "Lancashire Teaching Hospitals NHS Foundation Trust (RXN)"
RECOMMENDATION = {
    "recommendationId": "R1",
    "theme": "NEGLECT",
    "text": "Synthetic recommendation text",
    "owner": "Synthetic owner",
    "dueDate": "2027-06-01",
    "status": "IN_PROGRESS",
}


def error_summary(body: str) -> str:
    start = body.index('class="nhsuk-error-summary"')
    return body[start : body.index("</ul>", start)]


# --- the form on its own --------------------------------------------------------------------------


def test_codes_are_read_one_a_line_in_capitals_and_written_back_one_a_line() -> None:
    parsed = parse_form(
        {
            "providersInvolved": [" rxl\r\nR0A, rxn;\n\n"],
            "recommendations-count": ["1"],
            "recommendations[0].ownerProviderCode": [" r0a "],
            "recommendations[0].text": ["Synthetic"],
        },
        EDITOR_SECTIONS,
    )
    assert parsed.document["providersInvolved"] == ["RXL", "R0A", "RXN"]
    assert parsed.document["recommendations"][0]["ownerProviderCode"] == "R0A"
    values = form_values({"providersInvolved": ["RXL", "R0A"]}, EDITOR_SECTIONS)
    assert values["providersInvolved"] == ["RXL\nR0A"]


def test_an_empty_providers_box_removes_every_provider() -> None:
    parsed = parse_form({"providersInvolved": ["  \n "]}, EDITOR_SECTIONS)
    assert "providersInvolved" in parsed.document and parsed.document["providersInvolved"] is None


def test_an_error_about_one_code_names_that_code_and_links_to_the_box() -> None:
    errors = place_errors(
        [FieldError("providersInvolved[1]", "must be the ODS code of a known NHS provider")],
        EDITOR_SECTIONS,
        document={"providersInvolved": ["RXL", "ZZZ99"]},
    )
    assert errors.by_element["providersInvolved"] == (
        "Providers involved (ZZZ99) must be the ODS code of a known NHS provider"
    )
    assert errors.summary == [{"text": errors.by_element["providersInvolved"], "href": "#providersInvolved"}]


def test_pydantics_words_for_a_code_and_a_list_length_are_made_plain() -> None:
    assert readable_detail("String should match pattern '^[A-Z0-9]{3,5}$'") == (
        "must be an ODS code: 3 to 5 capital letters and numbers, for example RXL"
    )
    assert readable_detail("List should have at most 20 items after validation, not 21") == (
        "must list at most 20 (21 given)"
    )
    assert (
        readable_detail("List should have at least 1 item after validation, not 0")
        == "must list at least 1 (0 given)"
    )


def test_ods_names_in_capitals_read_as_names() -> None:
    assert organisation_name("KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST") == (
        "King's College Hospital NHS Foundation Trust"
    )
    assert organisation_name("BARNET, ENFIELD AND HARINGEY MENTAL HEALTH NHS TRUST") == (
        "Barnet, Enfield and Haringey Mental Health NHS Trust"
    )
    assert organisation_name("THE ROYAL WOLVERHAMPTON NHS TRUST") == "The Royal Wolverhampton NHS Trust"
    assert organisation_name("NHS Lancashire and South Cumbria ICB") == "NHS Lancashire and South Cumbria ICB"


def test_addresses_are_read_one_a_line_or_as_pasted() -> None:
    assert split_addresses(" a@nhs.example\r\nb@nhs.example; c@nhs.example,\n\n") == [
        "a@nhs.example",
        "b@nhs.example",
        "c@nhs.example",
    ]


# --- providers on the case pages ------------------------------------------------------------------


def test_an_editor_names_two_providers_and_the_case_page_shows_them_by_name_and_code(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id, section="providers")
    assert set(form) == {"csrfToken", "version", "section", "providersInvolved"}
    assert form["providersInvolved"] == [""]  # nothing named yet
    page = web.request(
        "GET", f"/app/cases/{case.case_id}/edit", caller=EDITOR, query={"section": "providers"}
    )
    assert re.search(
        r'<textarea class="nhsuk-textarea[^"]*" id="providersInvolved" name="providersInvolved"', page.body
    )
    assert (
        "Find a provider&#39;s ODS code" in page.body
        and "RXN Lancashire Teaching Hospitals NHS Foundation Trust" in text_of(page.body)
    )

    saved = _post_edit(web, case.case_id, {**form, "providersInvolved": ["RXL\nrxn"]})
    shown = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert saved.status == 303
    assert web.store.cases[case.case_id].providers_involved == ["RXL", "RXN"]
    details = text_of(shown.body[: shown.body.index("<h2>Deadlines")])
    assert f"Providers involved {BLACKPOOL} {LANCASHIRE}" in details
    history = text_of(shown.body[shown.body.index('id="history"') :])
    assert f"Providers involved Before Not given After {BLACKPOOL}; {LANCASHIRE}" in history
    again = edit_form(web, case.case_id, section="providers")
    assert again["providersInvolved"] == ["RXL\nRXN"]


def test_an_unknown_code_is_named_in_the_summary_and_beside_the_box_and_nothing_is_saved(
    web: Harness,
) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id, section="providers")

    page = _post_edit(web, case.case_id, {**form, "providersInvolved": ["RXL\nZZZ99"]})

    assert page.status == 422
    message = "Providers involved (ZZZ99) must be the ODS code of a known NHS provider"
    summary = error_summary(page.body)
    assert 'href="#providersInvolved"' in summary and message in summary
    assert 'id="providersInvolved-error"' in page.body and message in text_of(
        page.body.split('id="providersInvolved-error"')[1]
    )
    assert "RXL\nZZZ99</textarea>" in page.body  # what was typed, kept
    assert web.store.cases[case.case_id].version == 1


def test_a_repeated_code_a_malformed_code_and_too_many_codes_are_each_refused(web: Harness) -> None:
    from tracker.reference import reference_data

    case = web.submit()
    form = edit_form(web, case.case_id, section="providers")
    many = sorted(reference_data().provider_codes)[:21]

    repeated = _post_edit(web, case.case_id, {**form, "providersInvolved": ["RXL RXL"]})
    malformed = _post_edit(web, case.case_id, {**form, "providersInvolved": ["RX!"]})
    too_many = _post_edit(web, case.case_id, {**form, "providersInvolved": ["\n".join(many)]})

    assert repeated.status == malformed.status == too_many.status == 422
    assert "Providers involved must not repeat a provider" in unescape(repeated.body)
    assert "Providers involved (RX!) must be an ODS code: 3 to 5 capital letters and numbers" in unescape(
        malformed.body
    )
    assert "Providers involved must list at most 20 (21 given)" in too_many.body
    assert web.store.cases[case.case_id].version == 1


def test_a_recommendations_owner_must_be_a_provider_involved_and_is_shown_by_name(web: Harness) -> None:
    case = web.submit(providersInvolved=["RXL", "RXN"], recommendations=[RECOMMENDATION])
    form = edit_form(web, case.case_id, section="recommendations")

    outside = _post_edit(web, case.case_id, {**form, "recommendations[0].ownerProviderCode": ["R0A"]})
    inside = _post_edit(web, case.case_id, {**form, "recommendations[0].ownerProviderCode": ["rxn"]})
    shown = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert outside.status == 422
    message = "Owning provider of recommendation 1 must be one of the providers involved (RXL, RXN), not R0A"
    assert message in outside.body and 'href="#recommendations-0-ownerProviderCode"' in outside.body
    assert 'id="recommendations-0-ownerProviderCode-error"' in outside.body
    assert inside.status == 303
    assert web.store.cases[case.case_id].recommendations[0].owner_provider_code == "RXN"  # type: ignore[index]
    table = text_of(shown.body[shown.body.index("<h2>Recommendations") : shown.body.index('id="history"')])
    assert f"Owning provider {LANCASHIRE}" in table


def test_a_new_case_names_its_providers(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    csrf = web.request("GET", "/app/", cookie=cookie).csrf()
    # The providers section of "Record a case" (its own page since the form has sections).
    page = web.request(
        "POST", "/app/cases/new", cookie=cookie, form={"csrfToken": csrf, "action": "change-providers"}
    )
    form = edit_form_from(page.body)
    form.update(
        {
            "reviewType": ["SAR"],
            "status": ["OPEN"],
            "stage": ["NOTIFIED"],
            "designatedProfessional": ["DESIGNATED_PROFESSIONAL_ADULTS"],
            "safeguardingPartnership": ["Synthetic Safeguarding Adults Board"],
            "themes": ["NEGLECT"],
            "incidentDate[day]": ["3"],
            "incidentDate[month]": ["3"],
            "incidentDate[year]": ["2026"],
            "dateAdded[day]": ["20"],
            "dateAdded[month]": ["3"],
            "dateAdded[year]": ["2026"],
            "providersInvolved": ["RXL\nR0A"],
        }
    )
    form["csrfToken"] = [csrf]

    recorded = web.request("POST", "/app/cases/new", cookie=cookie, form=form)

    assert 'name="providersInvolved"' in page.body
    assert recorded.status == 303
    stored = next(iter(web.store.cases.values()))
    assert stored.providers_involved == ["RXL", "R0A"]


def test_a_provider_lists_and_reads_only_cases_naming_it_without_restricted_text_or_controls(
    web: Harness,
) -> None:
    named = web.submit(providersInvolved=["RXL"], comments="Synthetic restricted comment")
    other = web.submit(providersInvolved=["RXN"])

    listing = web.request("GET", "/app/", caller=PROVIDER)
    page = web.request("GET", f"/app/cases/{named.case_id}", caller=PROVIDER)
    hidden = web.request("GET", f"/app/cases/{other.case_id}", caller=PROVIDER)
    edit = web.request("GET", f"/app/cases/{named.case_id}/edit", caller=PROVIDER)

    assert named.reference in listing.body and other.reference not in listing.body
    assert "Record a case" not in listing.body and "Reminder contacts" not in listing.body
    assert page.status == 200 and BLACKPOOL in page.body
    assert "Synthetic restricted comment" not in page.body and "Synthetic summary" not in page.body
    assert "Case information" not in page.body and "Comments (restricted)" not in page.body
    assert "/edit" not in page.body
    assert hidden.status == 404 and other.reference not in hidden.body
    assert edit.status == 403


def test_a_providers_case_history_shows_nothing_of_restricted_fields(web: Harness) -> None:
    case = web.submit(providersInvolved=["RXL"], comments="Synthetic restricted comment")
    web.service.update(
        EDITOR,
        UpdateCase(
            case.case_id,
            {"comments": "Synthetic later comment", "caseInformation": None},
            VersionCondition(frozenset({1})),
        ),
    )
    web.service.update(
        EDITOR,
        UpdateCase(
            case.case_id,
            {"comments": None, "localReference": "SYN-LOCAL-1"},
            VersionCondition(frozenset({2})),
        ),
    )

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=PROVIDER)
    editors = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert page.status == 200
    shown = text_of(page.body)
    for label in (field_label(name) for name in restricted_fields()):
        assert label in text_of(editors.body)  # the editor's history names them
        assert label not in shown
    history = text_of(page.body[page.body.index('id="history"') :])
    assert "Local reference Before Not given After SYN-LOCAL-1" in history
    assert "Version 2:" in history and "No changes to what you can see." in history


# --- reminder contacts ----------------------------------------------------------------------------

CONTACTS = "/app/icbs/QE1/contacts"


def _contacts_form(web: Harness, caller: Caller = EDITOR) -> dict[str, list[str]]:
    page = web.request("GET", CONTACTS, caller=caller)
    assert page.status == 200, page.body
    form = edit_form_from(page.body)
    textarea = re.search(r'<textarea[^>]*name="emails"[^>]*>(.*?)</textarea>', page.body, re.S)
    assert textarea, "no emails box"
    form["emails"] = [unescape(textarea.group(1))]
    return {name: values for name, values in form.items() if name in ("csrfToken", "version", "emails")}


def _post_contacts(web: Harness, form: dict[str, list[str]], caller: Caller = EDITOR) -> Any:
    cookie = web.cookie_for(caller)
    form = {**form, "csrfToken": [web.request("GET", "/app/", cookie=cookie).csrf()]}
    return web.request("POST", CONTACTS, cookie=cookie, form=form)


def test_an_editor_sets_the_contacts_and_the_page_shows_them_and_who_changed_them(web: Harness) -> None:
    empty = web.request("GET", CONTACTS, caller=EDITOR)
    form = _contacts_form(web)

    saved = _post_contacts(web, {**form, "emails": ["lead.one@nhs.example\nteam.two@nhs.example"]})
    page = web.request("GET", f"{CONTACTS}", caller=EDITOR, query={"saved": "1"})

    assert "No contacts yet" in empty.body and form["version"] == ["0"]
    assert saved.status == 303 and saved.location == f"{CONTACTS}?saved=1"
    assert web.contact_store.current["QE1"].emails == ["lead.one@nhs.example", "team.two@nhs.example"]
    shown = text_of(page.body)
    assert "The contacts were saved." in shown
    assert "Contact 1 lead.one@nhs.example Contact 2 team.two@nhs.example" in shown
    history = text_of(page.body[page.body.index('id="history"') :])
    assert "Version 1:" in history and f"by {QE1_EDITOR_IN_WORDS}" in history
    assert "icb_editor:QE1" not in history  # people, not identifiers
    assert "Email addresses Before None After lead.one@nhs.example; team.two@nhs.example" in history
    assert _contacts_form(web)["version"] == ["1"]


def test_a_second_change_records_before_and_after(web: Harness) -> None:
    web.contacts.replace(
        EDITOR, ReplaceContacts("QE1", {"emails": ["lead.one@nhs.example"]}, VersionCondition(frozenset({0})))
    )
    form = _contacts_form(web)

    saved = _post_contacts(web, {**form, "emails": ["team.two@nhs.example"]})
    page = web.request("GET", CONTACTS, caller=VIEWER)

    assert saved.status == 303
    history = text_of(page.body[page.body.index('id="history"') :])
    assert history.index("Version 2:") < history.index("Version 1:")  # newest first
    assert "Email addresses Before lead.one@nhs.example After team.two@nhs.example" in history


def test_a_bad_address_is_named_in_the_summary_and_beside_the_box_and_nothing_is_saved(web: Harness) -> None:
    form = _contacts_form(web)

    page = _post_contacts(web, {**form, "emails": ["lead.one@nhs.example\nnot-an-address"]})

    assert page.status == 422
    assert page.body.count('class="nhsuk-error-summary"') == 1
    message = "Email address 2 (not-an-address) must be an email address"
    summary = error_summary(page.body)
    assert 'href="#emails"' in summary and message in summary
    assert message in text_of(page.body.split('id="emails-error"')[1])
    assert "lead.one@nhs.example\nnot-an-address</textarea>" in page.body
    assert "<title>Error: " in page.body
    assert "QE1" not in web.contact_store.current


def test_no_address_and_a_repeated_address_are_refused(web: Harness) -> None:
    form = _contacts_form(web)

    empty = _post_contacts(web, {**form, "emails": ["  "]})
    repeated = _post_contacts(web, {**form, "emails": ["lead@nhs.example\nLEAD@nhs.example"]})

    assert empty.status == repeated.status == 422
    assert "Email addresses must list at least 1 (0 given)" in empty.body
    assert "Email address 2 (LEAD@nhs.example) repeats an address already listed" in repeated.body
    assert "QE1" not in web.contact_store.current


def test_a_stale_save_writes_nothing_and_shows_what_changed_meanwhile(web: Harness) -> None:
    form = _contacts_form(web)  # read at version 0
    web.contacts.replace(
        Caller(Role.ICB_EDITOR, "QE1", "editor-2"),
        ReplaceContacts("QE1", {"emails": ["first.saver@nhs.example"]}, VersionCondition(frozenset({0}))),
    )

    conflict = _post_contacts(web, {**form, "emails": ["second.saver@nhs.example"]})

    assert conflict.status == 409
    assert web.contact_store.current["QE1"].emails == ["first.saver@nhs.example"]
    shown = text_of(conflict.body)
    assert "Someone else saved these contacts first" in shown
    assert f"{QE1_EDITOR_IN_WORDS} saved version 1" in shown and "icb_editor:" not in shown
    assert (
        "When you opened the page None Now first.saver@nhs.example "
        "Yours, not saved yet second.saver@nhs.example"
    ) in shown
    again = edit_form_from(conflict.body)
    assert again["version"] == ["1"]
    assert "second.saver@nhs.example</textarea>" in conflict.body

    resaved = _post_contacts(web, {"version": again["version"], "emails": ["second.saver@nhs.example"]})
    assert resaved.status == 303
    assert web.contact_store.current["QE1"].emails == ["second.saver@nhs.example"]


def test_a_viewer_reads_the_contacts_without_a_form_and_a_forged_post_is_refused(web: Harness) -> None:
    web.contacts.replace(
        EDITOR, ReplaceContacts("QE1", {"emails": ["lead.one@nhs.example"]}, VersionCondition(frozenset({0})))
    )

    page = web.request("GET", CONTACTS, caller=VIEWER)
    forged = _post_contacts(web, {"version": ["1"], "emails": ["viewer@nhs.example"]}, VIEWER)

    assert page.status == 200 and "lead.one@nhs.example" in page.body
    assert 'name="emails"' not in page.body and "Save contacts" not in page.body
    assert forged.status == 403 and "You cannot do this" in forged.body
    assert web.contact_store.current["QE1"].emails == ["lead.one@nhs.example"]


def test_a_post_without_the_csrf_token_is_refused_before_anything_is_read(web: Harness) -> None:
    page = web.request(
        "POST",
        CONTACTS,
        caller=EDITOR,
        form={"version": ["0"], "emails": ["lead@nhs.example"], "csrfToken": [""]},
    )
    assert page.status == 403
    assert "QE1" not in web.contact_store.current


def test_others_get_the_same_404_and_403_pages_as_for_cases(web: Harness) -> None:
    missing_case = web.request("GET", "/app/cases/00000000-0000-4000-8000-000000000000", caller=EDITOR)
    foreign = web.request("GET", CONTACTS, caller=FOREIGN_EDITOR)
    provider = web.request("GET", CONTACTS, caller=PROVIDER)
    unknown = web.request("GET", "/app/icbs/ZZZ/contacts", caller=EDITOR)
    regional = web.request("GET", CONTACTS, caller=REGIONAL)
    national = web.request("GET", CONTACTS, caller=NATIONAL)
    foreign_post = _post_contacts(web, {"version": ["0"], "emails": ["x@nhs.example"]}, FOREIGN_EDITOR)

    assert foreign.status == provider.status == unknown.status == foreign_post.status == 404
    assert all("Page not found" in page.body for page in (foreign, provider, unknown, missing_case))
    assert regional.status == national.status == 403
    assert "QE1" not in web.contact_store.current


def test_icb_users_have_the_contacts_page_in_the_header_and_others_do_not(web: Harness) -> None:
    link = 'href="/app/icbs/QE1/contacts"'
    assert link in web.request("GET", "/app/", caller=EDITOR).body
    assert link in web.request("GET", "/app/", caller=VIEWER).body
    regional = web.request("GET", "/app/", caller=REGIONAL).body
    assert link not in regional and 'href="/app/regions/Y62/contacts"' in regional  # its region's own
    for caller in (NATIONAL, PROVIDER):
        assert "Reminder contacts" not in web.request("GET", "/app/", caller=caller).body


def test_signed_out_the_contacts_page_sends_to_sign_in(web: Harness) -> None:
    page = web.request("GET", CONTACTS)
    assert page.status == 303 and "/app/sign-in?next=%2Fapp%2Ficbs%2FQE1%2Fcontacts" in page.location


def test_an_editor_of_a_successor_keeps_its_predecessors_contacts(web: Harness) -> None:
    successor = Caller(Role.ICB_EDITOR, "S1Y5D", "editor-4")  # took over QHG on 1 April 2026
    cookie = web.cookie_for(successor)
    page = web.request("GET", "/app/icbs/QHG/contacts", cookie=cookie)
    form = edit_form_from(page.body)

    saved = web.request(
        "POST",
        "/app/icbs/QHG/contacts",
        cookie=cookie,
        form={"csrfToken": [page.csrf()], "version": form["version"], "emails": ["central.east@nhs.example"]},
    )

    assert page.status == 200 and "(QHG)" in page.body and 'name="emails"' in page.body
    assert saved.status == 303 and saved.location == "/app/icbs/QHG/contacts?saved=1"
    assert web.contact_store.current["QHG"].emails == ["central.east@nhs.example"]
