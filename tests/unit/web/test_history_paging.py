"""A long history is shown a page at a time, with links to newer and older changes: no view reads a
whole history, and the conflict pages read at most one bounded page."""

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.unit.web.conftest import EDITOR, OTHER_EDITOR, Harness, Page
from tests.unit.web.test_pages import _post_edit, edit_form, edit_form_from, text_of
from tests.unit.web.test_providers_and_contacts import CONTACTS, _contacts_form, _post_contacts
from tracker.logic.commands import MAX_PAGE_SIZE, ReplaceContacts, UpdateCase, VersionCondition
from tracker.models.case import Case
from tracker.web.paging import HISTORY_PAGE_SIZE


@pytest.fixture
def reads(web: Harness) -> list[int]:
    """How many versions each read of a history asked for (case and contacts stores alike)."""
    asked: list[int] = []
    case_versions, contact_changes = web.store.versions, web.contact_store.changes

    def versions(case_id: str, *, after_version: int, limit: int) -> Any:
        asked.append(limit)
        return case_versions(case_id, after_version=after_version, limit=limit)

    def changes(icb_code: str, *, after_version: int, limit: int) -> Any:
        asked.append(limit)
        return contact_changes(icb_code, after_version=after_version, limit=limit)

    web.store.versions = versions  # type: ignore[method-assign]
    web.contact_store.changes = changes  # type: ignore[method-assign]
    return asked


def _case_with_versions(web: Harness, count: int) -> Case:
    case = web.submit()
    for version in range(1, count):
        reference = {"localReference": f"SYN-LOCAL-{version + 1}"}
        case = web.service.update(
            EDITOR, UpdateCase(case.case_id, reference, VersionCondition(frozenset({version})))
        )
    return case


def _versions_shown(page: Page) -> list[int]:
    history = page.body[page.body.index('id="history"') :]
    return [int(found) for found in re.findall(r"Version (\d+):", history)]


def _link(page: Page, label: str) -> str | None:
    found = re.search(rf'href="([^"]+)"[^>]*>\s*<span class="nhsuk-pagination__title">\s*{label}', page.body)
    if found is None:
        found = re.search(rf'<a[^>]*href="([^"]+)"[^>]*>(?:(?!</a>).)*{label}', page.body, re.S)
    return unescape(found.group(1)) if found else None


def _follow(web: Harness, href: str) -> Page:
    parts = urlsplit(href)
    return web.request("GET", parts.path, caller=EDITOR, query=parse_qsl(parts.query))


def test_a_long_history_is_shown_a_page_at_a_time_with_links_both_ways(
    web: Harness, reads: list[int]
) -> None:
    case = _case_with_versions(web, 45)
    reads.clear()

    first = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert _versions_shown(first) == list(range(20, 0, -1))  # newest first within the page
    assert "Versions 1 to 20 of 45, newest first." in text_of(first.body)
    assert reads == [HISTORY_PAGE_SIZE + 1]  # one bounded read
    assert _link(first, "Older changes") is None
    newer = _link(first, "Newer changes")
    assert newer is not None and newer.endswith("#history")

    second = _follow(web, newer)
    assert _versions_shown(second) == list(range(40, 20, -1))
    # The oldest change on a page shows its earlier value as on the older page, not read here.
    assert "Local reference Before See older changes After SYN-LOCAL-21" in text_of(second.body)
    assert "Local reference Before SYN-LOCAL-21 After SYN-LOCAL-22" in text_of(second.body)

    third = _follow(web, _link(second, "Newer changes") or "")
    assert _versions_shown(third) == [45, 44, 43, 42, 41]
    assert _link(third, "Newer changes") is None

    back = _follow(web, _link(third, "Older changes") or "")
    assert _versions_shown(back) == list(range(40, 20, -1))
    assert _versions_shown(_follow(web, _link(back, "Older changes") or "")) == list(range(20, 0, -1))
    assert all(limit <= HISTORY_PAGE_SIZE + 1 for limit in reads) and len(reads) == 5


def test_a_short_history_is_one_page_without_links(web: Harness) -> None:
    case = _case_with_versions(web, 3)
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)
    assert _versions_shown(page) == [3, 2, 1]
    assert "Newer changes" not in page.body and "Older changes" not in page.body
    assert "newest first." not in page.body


def test_a_forged_history_cursor_is_a_400_page(web: Harness) -> None:
    case = web.submit()
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR, query={"history": "forged.x"})
    assert page.status == 400


def test_the_case_conflict_page_reads_one_bounded_page(web: Harness, reads: list[int]) -> None:
    case = _case_with_versions(web, 3)
    mine = edit_form(web, case.case_id)  # opened at version 3
    web.service.update(
        OTHER_EDITOR,
        UpdateCase(case.case_id, {"stage": "REPORT_SIGNED_OFF"}, VersionCondition(frozenset({3}))),
    )
    mine["localReference"] = ["SYN-MINE-1"]
    reads.clear()

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409
    assert reads == [MAX_PAGE_SIZE + 1]
    assert "icb_editor:QE1:editor-2 saved version 4" in text_of(page.body)
    assert "Stage When you opened the form In progress Now Report signed off" in text_of(page.body)


def test_a_conflict_on_a_case_with_a_long_history_reads_none_of_it_and_still_offers_the_form(
    web: Harness, reads: list[int]
) -> None:
    case = _case_with_versions(web, MAX_PAGE_SIZE + 1)
    mine = edit_form(web, case.case_id)
    web.service.update(
        OTHER_EDITOR,
        UpdateCase(case.case_id, {"stage": "REPORT_SIGNED_OFF"}, VersionCondition(frozenset({case.version}))),
    )
    mine["comments"] = ["Synthetic comment of mine"]
    reads.clear()

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409 and reads == []
    shown = text_of(page.body)
    assert "Someone else saved version 102" in shown and "the case's history" in shown
    assert "Comments (restricted) You sent Synthetic comment of mine Now Not given" in shown
    # Not reapplied: the stage the form still held would undo the other editor's change.
    again = edit_form_from(page.body)
    assert again["version"] == ["102"] and again["stage"] == ["REPORT_SIGNED_OFF"]
    assert "Synthetic comment of mine</textarea>" not in page.body


def test_the_contacts_history_is_paged_and_its_conflict_reads_one_bounded_page(
    web: Harness, reads: list[int]
) -> None:
    for version in range(25):
        emails = {"emails": [f"synthetic.{version}@nhs.example"]}
        web.contacts.replace(EDITOR, ReplaceContacts("QE1", emails, VersionCondition(frozenset({version}))))
    reads.clear()

    page = web.request("GET", CONTACTS, caller=EDITOR)

    assert reads == [HISTORY_PAGE_SIZE + 1]
    assert re.findall(r"Version (\d+):", page.body) == [str(v) for v in range(20, 0, -1)]
    newer = _link(page, "Newer changes")
    assert newer is not None
    later = _follow(web, newer)
    assert re.findall(r"Version (\d+):", later.body) == ["25", "24", "23", "22", "21"]

    form = _contacts_form(web)  # read at version 25
    web.contacts.replace(
        OTHER_EDITOR,
        ReplaceContacts("QE1", {"emails": ["first.saver@nhs.example"]}, VersionCondition(frozenset({25}))),
    )
    reads.clear()
    conflict = _post_contacts(web, {**form, "emails": ["second.saver@nhs.example"]})
    assert conflict.status == 409
    assert reads == [MAX_PAGE_SIZE + 1, HISTORY_PAGE_SIZE + 1]  # the conflict's page, the page's history
    assert "When you opened the page synthetic.24@nhs.example Now first.saver@nhs.example" in text_of(
        conflict.body
    )
