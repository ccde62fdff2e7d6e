"""People, not identifiers (issue 19 items 6 and 7): who did what reads as a person, the conflict
page knows the user's own saves, a save that changes nothing says so, a recommendation's change
reads as that recommendation's, and the recommendations table takes its headings from the catalogue."""

import re
from html import unescape
from typing import Any

from tests.unit.web.conftest import EDITOR, Harness
from tests.unit.web.test_pages import edit_form
from tracker.access import Caller
from tracker.error_statuses import kind_of
from tracker.errors import VersionMismatch
from tracker.logic.commands import UpdateCase, VersionCondition
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.models.fields import client_field
from tracker.reference import reference_data

ALEX = Caller(Role.ICB_EDITOR, "QE1", "editor-alex", name="Alex Example")
SAM = Caller(Role.ICB_EDITOR, "QE1", "editor-sam", name="Sam Sample")
FORMS_PLATFORM = Caller(Role.ICB_EDITOR, "QE1", "forms-platform-client")  # no name claim
# The web page's own editor, saving elsewhere (another tab): the same identity as the session's.
EDITOR_ELSEWHERE = Caller(EDITOR.role, EDITOR.org, EDITOR.sub, name="Casey Example")
IDENTIFIER = re.compile(r"icb_editor:QE1:")


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def change(web: Harness, caller: Caller, case: Case, body: dict[str, Any]) -> Case:
    condition = VersionCondition(frozenset({web.store.cases[case.case_id].version}))
    return web.service.update(caller, UpdateCase(case.case_id, body, condition))


def post_edit(web: Harness, case_id: str, form: dict[str, list[str]]) -> Any:
    cookie = web.cookie_for(EDITOR)
    form = {**form, "csrfToken": [web.request("GET", "/app/", cookie=cookie).csrf()]}
    return web.request("POST", f"/app/cases/{case_id}/edit", cookie=cookie, form=form)


def icb_name(code: str) -> str:
    icb = reference_data().icb(code)
    assert icb is not None
    return icb.name


def test_the_case_page_names_who_recorded_and_who_changed_it(web: Harness) -> None:
    case = web.submit(ALEX)
    change(web, SAM, case, {"localReference": "LR-7"})

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    text = text_of(page.body)
    assert "Version 2: " in text and ", by Sam Sample" in text
    assert ", by Alex Example" in text
    assert "Created by Alex Example" in text and "Last updated by Sam Sample" in text
    assert not IDENTIFIER.search(page.body)


def test_a_version_without_a_name_reads_as_the_role_at_its_organisation(web: Harness) -> None:
    case = web.submit(FORMS_PLATFORM)

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    text = text_of(page.body)
    assert f"by An ICB editor at {icb_name('QE1')}" in text
    assert f"Created by An ICB editor at {icb_name('QE1')}" in text
    assert not IDENTIFIER.search(page.body)
    assert "forms-platform-client" not in page.body


def test_the_conflict_page_says_you_saved_it_elsewhere_not_someone_else(web: Harness) -> None:
    case = web.submit(ALEX)
    form = edit_form(web, case.case_id)
    change(web, EDITOR_ELSEWHERE, case, {"localReference": "LR-other-tab"})
    form["safeguardingPartnership"] = ["Synthetic Partnership Renamed"]

    page = post_edit(web, case.case_id, form)

    assert page.status == kind_of(VersionMismatch(""), posted_form=True).status
    text = text_of(page.body)
    assert "You saved this case in another tab or window at" in text
    assert "Someone else" not in text and "someone else" not in text
    assert not IDENTIFIER.search(page.body)


def test_the_conflict_page_names_the_other_person(web: Harness) -> None:
    case = web.submit(ALEX)
    form = edit_form(web, case.case_id)
    change(web, SAM, case, {"localReference": "LR-sam"})
    form["safeguardingPartnership"] = ["Synthetic Partnership Renamed"]

    page = post_edit(web, case.case_id, form)

    text = text_of(page.body)
    assert "Sam Sample saved version 2 while you were editing" in text
    assert not IDENTIFIER.search(page.body)


def test_a_save_that_changes_nothing_says_so_and_makes_no_version(web: Harness) -> None:
    case = web.submit(ALEX)
    form = edit_form(web, case.case_id)

    saved = post_edit(web, case.case_id, form)

    assert saved.status == 303
    assert web.store.cases[case.case_id].version == 1
    shown = web.request("GET", saved.location.split("?")[0], caller=EDITOR, query=_query(saved.location))
    text = text_of(shown.body)
    assert "No changes were saved" in text
    assert "The case was saved." not in text


def test_a_save_that_changes_something_still_says_it_was_saved(web: Harness) -> None:
    case = web.submit(ALEX)
    form = edit_form(web, case.case_id)
    form["safeguardingPartnership"] = ["Synthetic Partnership Renamed"]

    saved = post_edit(web, case.case_id, form)

    shown = web.request("GET", saved.location.split("?")[0], caller=EDITOR, query=_query(saved.location))
    assert "The case was saved." in text_of(shown.body)
    assert "No changes were saved" not in text_of(shown.body)


def _query(location: str) -> dict[str, str]:
    query = location.split("?", 1)[1] if "?" in location else ""
    return dict(part.split("=", 1) for part in query.split("&") if part)


RECOMMENDATIONS = [
    {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "First synthetic recommendation",
        "owner": "Owner A",
        "dueDate": "2026-12-01",
        "status": "NOT_STARTED",
    },
    {
        "recommendationId": "R2",
        "theme": "NEGLECT",
        "text": "Second synthetic recommendation",
        "owner": "Owner B",
        "dueDate": "2026-12-01",
        "status": "IN_PROGRESS",
    },
]


def _history_of_version(body: str, version: int) -> str:
    text = text_of(body)
    start = text.index(f"Version {version}:")
    end = text.find("Version ", start + 1)
    return text[start : end if end != -1 else None]


def test_a_recommendations_change_reads_as_that_recommendations_change(web: Harness) -> None:
    case = web.submit(ALEX, recommendations=RECOMMENDATIONS)
    changed = [dict(row) for row in RECOMMENDATIONS]
    changed[1]["status"] = "COMPLETE"
    change(web, SAM, case, {"recommendations": changed})

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    version_2 = _history_of_version(page.body, 2)
    # the responsive table repeats each column's heading in its cell
    assert "Recommendation R2: Status Before In progress After Complete" in version_2
    assert "First synthetic recommendation" not in version_2  # not the whole list again
    assert "R1" not in version_2


def test_added_and_removed_recommendations_read_as_such(web: Harness) -> None:
    case = web.submit(ALEX, recommendations=RECOMMENDATIONS[:1])
    change(web, SAM, case, {"recommendations": RECOMMENDATIONS[1:]})

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    version_2 = _history_of_version(page.body, 2)
    assert "Recommendation R1: removed" in version_2
    assert "Recommendation R2: added" in version_2
    assert "Second synthetic recommendation" in version_2  # what was added, in words


def test_the_recommendations_table_headings_are_the_catalogues_labels(web: Harness) -> None:
    case = web.submit(ALEX, recommendations=RECOMMENDATIONS)

    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    table = page.body[page.body.index("<caption") : page.body.index("</thead>")]
    headings = [text_of(cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
    assert headings == [part.label for part in client_field("recommendations").parts]


def test_when_who_saved_meanwhile_is_not_read_nobody_is_called_someone_else(web: Harness) -> None:
    case = web.submit(ALEX)
    form = edit_form(web, case.case_id)
    form["version"] = ["0"]  # a version no history holds: who saved since is not known
    change(web, EDITOR_ELSEWHERE, case, {"localReference": "LR-unknown"})

    page = post_edit(web, case.case_id, form)

    text = text_of(page.body)
    assert "This case changed while you were editing" in text
    assert "Version 2 was saved while you were editing" in text
    assert "Someone else" not in text and "You saved" not in text
