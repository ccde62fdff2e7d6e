"""A long history is shown a page at a time, opening on its newest changes, with links to older
and newer ones: no view reads a whole history, and a conflict page reads only what was saved since
the form was opened (at most ``MAX_PAGE_SIZE`` versions)."""

import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.unit.web.conftest import EDITOR, OTHER_EDITOR, Harness, Page
from tests.unit.web.test_pages import OTHER_EDITOR_IN_WORDS, _post_edit, edit_form, edit_form_from, text_of
from tests.unit.web.test_providers_and_contacts import CONTACTS, _contacts_form, _post_contacts
from tracker.logic.commands import MAX_PAGE_SIZE, ReplaceContacts, UpdateCase, VersionCondition
from tracker.models.case import Case
from tracker.web.paging import HISTORY_PAGE_SIZE

READ = HISTORY_PAGE_SIZE + 1  # a page, and one more to learn whether there are newer changes


@pytest.fixture
def reads(web: Harness) -> list[tuple[int, int]]:
    """Each read of a history, as (the version it read after, how many versions it asked for)."""
    asked: list[tuple[int, int]] = []
    case_versions, contact_changes = web.store.versions, web.contact_store.changes

    def versions(case_id: str, *, after_version: int, limit: int) -> Any:
        asked.append((after_version, limit))
        return case_versions(case_id, after_version=after_version, limit=limit)

    def changes(icb_code: str, *, after_version: int, limit: int) -> Any:
        asked.append((after_version, limit))
        return contact_changes(icb_code, after_version=after_version, limit=limit)

    web.store.versions = versions  # type: ignore[method-assign]
    web.contact_store.changes = changes  # type: ignore[method-assign]
    return asked


def _case_with_versions(web: Harness, count: int) -> Case:
    case = web.submit()
    return _save_versions(web, case, count - 1)


def _save_versions(web: Harness, case: Case, count: int, caller: Any = EDITOR) -> Case:
    """``count`` more versions, each a new local reference naming its version."""
    for _ in range(count):
        reference = {"localReference": f"SYN-LOCAL-{case.version + 1}"}
        case = web.service.update(
            caller, UpdateCase(case.case_id, reference, VersionCondition(frozenset({case.version})))
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


def _query(href: str | None) -> list[tuple[str, str]]:
    assert href is not None
    return parse_qsl(urlsplit(href).query)


def _follow(web: Harness, href: str | None) -> Page:
    assert href is not None
    parts = urlsplit(href)
    page = web.request("GET", parts.path, caller=EDITOR, query=parse_qsl(parts.query))
    assert page.status == 200, page.body
    return page


def test_a_long_history_opens_on_its_newest_changes_with_links_both_ways(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    case = _case_with_versions(web, 45)
    reads.clear()

    first = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert _versions_shown(first) == list(range(45, 25, -1))  # versions 26 to 45, newest first
    assert "Versions 26 to 45 of 45, newest first." in text_of(first.body)
    assert reads == [(25, READ)]  # one bounded read, of only the newest page
    # The oldest change on a page shows its earlier value as on the older page, not read here.
    assert "Local reference Before See older changes After SYN-LOCAL-26" in text_of(first.body)
    assert "Local reference Before SYN-LOCAL-26 After SYN-LOCAL-27" in text_of(first.body)
    assert _link(first, "Newer changes") is None
    older = _link(first, "Older changes")
    assert older is not None and older.endswith("#history")
    assert _query(older) == [("historyBefore", "26")]  # the versions before the oldest shown

    second = _follow(web, older)
    assert _versions_shown(second) == list(range(25, 5, -1))
    assert "Versions 6 to 25 of 45, newest first." in text_of(second.body)
    newer = _link(second, "Newer changes")
    assert _query(newer) == [("historyAfter", "25")]  # the versions after the newest shown
    assert _versions_shown(_follow(web, newer)) == list(range(45, 25, -1))

    oldest = _follow(web, _link(second, "Older changes"))
    assert _versions_shown(oldest) == [5, 4, 3, 2, 1]  # what is left: never a version twice
    assert "Versions 1 to 5 of 45, newest first." in text_of(oldest.body)
    assert "Case recorded." in text_of(oldest.body)
    assert _link(oldest, "Older changes") is None

    up = _link(oldest, "Newer changes")
    assert _query(up) == [("historyAfter", "5")]
    assert _versions_shown(_follow(web, up)) == list(range(25, 5, -1))
    # One read per view, of only the versions it shows (and one more, to learn if there are more).
    assert reads == [(25, READ), (5, READ), (25, READ), (0, 6), (5, READ)]


@pytest.mark.parametrize("parameter", ["historyAfter", "historyBefore"])
@pytest.mark.parametrize("asked", ["", "abc", "-1", "46", "1.5", " 7x", "\u0663", "9" * 40, "1e3", "²"])
def test_a_history_page_that_is_not_a_version_of_the_case_opens_the_newest_page(
    web: Harness, parameter: str, asked: str
) -> None:
    case = _case_with_versions(web, 45)
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR, query={parameter: asked})
    assert page.status == 200
    assert _versions_shown(page) == list(range(45, 25, -1))


def test_a_page_with_nothing_on_its_side_is_the_newest_page_and_an_old_cursor_is_ignored(
    web: Harness,
) -> None:
    case = _case_with_versions(web, 45)
    for query in ({"historyAfter": "45"}, {"historyBefore": "1"}, {"history": "forged.x"}):
        page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR, query=query)
        assert page.status == 200
        assert _versions_shown(page) == list(range(45, 25, -1))
    near_the_end = web.request(
        "GET", f"/app/cases/{case.case_id}", caller=EDITOR, query={"historyAfter": "40"}
    )
    assert _versions_shown(near_the_end) == [45, 44, 43, 42, 41]
    assert _link(near_the_end, "Newer changes") is None
    assert _query(_link(near_the_end, "Older changes")) == [("historyBefore", "41")]
    within = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR, query={"historyAfter": "3"})
    assert _versions_shown(within) == list(range(23, 3, -1))
    assert _query(_link(within, "Older changes")) == [("historyBefore", "4")]
    assert _query(_link(within, "Newer changes")) == [("historyAfter", "23")]
    before = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR, query={"historyBefore": "30"})
    assert _versions_shown(before) == list(range(29, 9, -1))


def test_a_short_history_is_one_page_without_links(web: Harness) -> None:
    case = _case_with_versions(web, 3)
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)
    assert _versions_shown(page) == [3, 2, 1]
    assert "Newer changes" not in page.body and "Older changes" not in page.body
    assert "newest first." not in page.body


def test_the_case_conflict_page_reads_only_the_versions_since_the_form(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    case = _case_with_versions(web, 3)
    mine = edit_form(web, case.case_id)  # opened at version 3
    web.service.update(
        OTHER_EDITOR,
        UpdateCase(
            case.case_id,
            {"stage": "REPORT_SIGNED_OFF", "reportSignedOffDate": "2026-06-01"},
            VersionCondition(frozenset({3})),
        ),
    )
    mine["localReference"] = ["SYN-MINE-1"]
    reads.clear()

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409
    assert reads == [(2, MAX_PAGE_SIZE + 2)]  # the form's version 3 and up to 100 after it
    assert f"{OTHER_EDITOR_IN_WORDS} saved version 4" in text_of(page.body)
    assert "icb_editor:QE1:editor-2" not in page.body  # a person, not an identifier
    assert "Stage When you opened the form In progress Now Report signed off" in text_of(page.body)


def test_a_conflict_after_30_versions_on_a_long_history_reapplies_the_users_change(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    case = _case_with_versions(web, 120)
    mine = edit_form(web, case.case_id)  # opened at version 120
    case = web.service.update(
        OTHER_EDITOR,
        UpdateCase(
            case.case_id,
            {"stage": "REPORT_SIGNED_OFF", "reportSignedOffDate": "2026-06-01"},
            VersionCondition(frozenset({120})),
        ),
    )
    case = _save_versions(web, case, 29, OTHER_EDITOR)  # 30 versions saved meanwhile
    assert case.version == 150
    mine["comments"] = ["Synthetic comment of mine"]
    reads.clear()

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409
    assert reads == [(119, MAX_PAGE_SIZE + 2)]  # only versions 120 to 150, never the whole history
    shown = text_of(page.body)
    assert f"{OTHER_EDITOR_IN_WORDS} saved version 150" in shown
    assert "Stage When you opened the form In progress Now Report signed off" in shown
    assert "Local reference When you opened the form SYN-LOCAL-120 Now SYN-LOCAL-150" in shown
    # Reapplied onto the current version: their stage and reference kept, the user's comment added.
    again = edit_form_from(page.body)
    assert again["version"] == ["150"] and again["stage"] == ["REPORT_SIGNED_OFF"]
    assert again["localReference"] == ["SYN-LOCAL-150"]
    assert "Synthetic comment of mine</textarea>" in page.body

    again["comments"] = ["Synthetic comment of mine"]
    assert _post_edit(web, case.case_id, again).status == 303
    saved = web.service.get(EDITOR, case.case_id)
    assert (saved.version, saved.stage.value, saved.local_reference, saved.comments) == (
        151,
        "REPORT_SIGNED_OFF",
        "SYN-LOCAL-150",
        "Synthetic comment of mine",
    )


def test_a_conflict_after_more_than_a_page_of_versions_reads_none_and_reapplies_nothing(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    case = _case_with_versions(web, 2)
    mine = edit_form(web, case.case_id)  # opened at version 2
    case = web.service.update(
        OTHER_EDITOR,
        UpdateCase(
            case.case_id,
            {"stage": "REPORT_SIGNED_OFF", "reportSignedOffDate": "2026-06-01"},
            VersionCondition(frozenset({2})),
        ),
    )
    case = _save_versions(web, case, MAX_PAGE_SIZE, OTHER_EDITOR)  # 101 saved meanwhile
    mine["comments"] = ["Synthetic comment of mine"]
    reads.clear()

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409 and reads == []
    shown = text_of(page.body)
    # Who saved the 101 versions is not read: nobody, the user included, is called someone else.
    assert "Version 103 was saved while you were editing" in shown and "the case's history" in shown
    assert "Someone else" not in shown
    assert "Comments (restricted) You sent Synthetic comment of mine Now Not given" in shown
    # Not reapplied: the stage the form still held would undo the other editor's change.
    again = edit_form_from(page.body)
    assert again["version"] == ["103"] and again["stage"] == ["REPORT_SIGNED_OFF"]
    assert "Synthetic comment of mine</textarea>" not in page.body


def test_a_conflict_after_exactly_a_page_of_versions_still_reapplies(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    case = _case_with_versions(web, 2)
    mine = edit_form(web, case.case_id)
    case = _save_versions(web, case, MAX_PAGE_SIZE, OTHER_EDITOR)  # exactly 100 saved meanwhile
    mine["comments"] = ["Synthetic comment of mine"]
    reads.clear()

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409 and reads == [(1, MAX_PAGE_SIZE + 2)]
    assert edit_form_from(page.body)["localReference"] == [f"SYN-LOCAL-{MAX_PAGE_SIZE + 2}"]
    assert "Synthetic comment of mine</textarea>" in page.body


def _contacts_versions(web: Harness, start: int, count: int, caller: Any = EDITOR) -> None:
    for version in range(start, start + count):
        emails = {"emails": [f"synthetic.{version}@nhs.example"]}
        web.contacts.replace(caller, ReplaceContacts("QE1", emails, VersionCondition(frozenset({version}))))


def test_the_contacts_history_opens_on_its_newest_changes_and_pages_older_and_newer(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    _contacts_versions(web, 0, 25)
    reads.clear()

    page = web.request("GET", CONTACTS, caller=EDITOR)

    assert reads == [(5, READ)]
    assert re.findall(r"Version (\d+):", page.body) == [str(v) for v in range(25, 5, -1)]
    assert _link(page, "Newer changes") is None
    older = _link(page, "Older changes")
    assert _query(older) == [("historyBefore", "6")]
    earlier = _follow(web, older)
    assert re.findall(r"Version (\d+):", earlier.body) == ["5", "4", "3", "2", "1"]
    assert _link(earlier, "Older changes") is None
    newer = _link(earlier, "Newer changes")
    assert _query(newer) == [("historyAfter", "5")]
    assert re.findall(r"Version (\d+):", _follow(web, newer).body) == [str(v) for v in range(25, 5, -1)]
    bad = web.request("GET", CONTACTS, caller=EDITOR, query={"historyAfter": "26"})
    assert re.findall(r"Version (\d+):", bad.body) == [str(v) for v in range(25, 5, -1)]


def test_a_contacts_conflict_reads_only_the_changes_since_the_form(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    _contacts_versions(web, 0, MAX_PAGE_SIZE + 20)  # a history longer than any one read
    form = _contacts_form(web)  # read at version 120
    _contacts_versions(web, MAX_PAGE_SIZE + 20, 30, OTHER_EDITOR)  # 30 saved meanwhile
    reads.clear()

    conflict = _post_contacts(web, {**form, "emails": ["second.saver@nhs.example"]})

    assert conflict.status == 409
    assert reads == [(120, MAX_PAGE_SIZE + 1), (130, READ)]  # the changes since, the page's history
    shown = text_of(conflict.body)
    assert (
        "An ICB editor at NHS Lancashire and South Cumbria Integrated Care Board saved version 150" in shown
    ), shown
    assert "When you opened the page synthetic.119@nhs.example Now synthetic.149@nhs.example" in shown


def test_a_contacts_conflict_after_more_than_a_page_of_changes_reads_none_of_them(
    web: Harness, reads: list[tuple[int, int]]
) -> None:
    form = _contacts_form(web)  # read at version 0
    _contacts_versions(web, 0, MAX_PAGE_SIZE + 1)
    reads.clear()

    conflict = _post_contacts(web, {**form, "emails": ["second.saver@nhs.example"]})

    assert conflict.status == 409
    assert reads == [(MAX_PAGE_SIZE + 1 - HISTORY_PAGE_SIZE, READ)]  # only the page's own history
    assert "When you opened the page" not in text_of(conflict.body)


def _large_recommendations(tag: str) -> list[dict[str, Any]]:
    """15 recommendations of nearly 4,000 four-byte characters each: a case near its 256 KiB."""
    return [
        {
            "recommendationId": f"R{number}",
            "theme": "NEGLECT",
            "text": tag + "\U0001f9f8" * 3990,
            "owner": "Synthetic Trust",
            "dueDate": "2027-03-01",
            "status": "IN_PROGRESS",
        }
        for number in range(1, 16)
    ]


@pytest.mark.slow
def test_a_page_of_large_changes_fits_lambdas_limit_and_shows_the_newest(web: Harness) -> None:
    case = web.submit(recommendations=_large_recommendations("v1 "))
    for version in range(2, HISTORY_PAGE_SIZE + 1):
        change = {"recommendations": _large_recommendations(f"v{version} ")}
        case = web.service.update(
            EDITOR, UpdateCase(case.case_id, change, VersionCondition(frozenset({case.version})))
        )
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)
    proxy = {"statusCode": page.status, "multiValueHeaders": page.headers, "body": page.body}
    payload = len(json.dumps({**proxy, "isBase64Encoded": False}, ensure_ascii=False).encode())
    assert payload <= 6 * 1024 * 1024, payload  # 8,012,819 bytes before the fix
    assert _versions_shown(page)[0] == HISTORY_PAGE_SIZE  # the newest change is on the newest page
