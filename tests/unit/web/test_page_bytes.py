"""Every page of the web app fits Lambda's response limit in bytes, whatever the stored data.

Lambda refuses a response payload above 6 MiB, the whole proxy result as the Python 3.12+ runtime
writes it (JSON, UTF-8, non-ASCII unescaped, the page a JSON string inside it), and API Gateway then
answers 502 to everyone who opens that page. A page's text grows as it is shown: ``&`` is one byte
in a stored case and five (``&amp;``) on a page, and a history shows a field's value before and
after each change. The cases here are the largest the API accepts (``MAX_CASE_BYTES``) of the
characters that grow most, and of 4-byte characters; short pages link to each other without gaps.
"""

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.conftest import synthetic_case
from tests.unit.web.conftest import EDITOR, OTHER_EDITOR, Harness, Page
from tests.unit.web.test_pages import _post_edit, edit_form, edit_form_from, text_of
from tracker.logic.cases import MAX_CASE_BYTES
from tracker.logic.commands import ReplaceContacts, UpdateCase, VersionCondition
from tracker.models.case import LONG_TEXT_MAX, RESTRICTED_TEXT_MAX, SHORT_TEXT_MAX
from tracker.models.contacts import MAX_CONTACTS, MAX_EMAIL_LENGTH, MAX_LOCAL_PART_LENGTH
from tracker.response_size import carried_bytes
from tracker.web.case_list import LIST_PAGE_SIZE
from tracker.web.case_pages import SHORTENED_NOTE
from tracker.web.http import MAX_FORM_BYTES
from tracker.web.paging import HISTORY_PAGE_SIZE
from tracker.web.rendering import MAX_BODY_BYTES

LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous response payload limit: the whole proxy response, headers included."""
GROWING = ("&", "'")  # one byte stored, five on a page (&amp; and &#39;)
EMOJI = "\U0001f9f8"  # one character, four bytes (synthetic content: a teddy bear)


def payload_bytes(page: Page) -> int:
    """The bytes Lambda's runtime sends for the page (``json.dumps(result, ensure_ascii=False)``)."""
    result = {"statusCode": page.status, "multiValueHeaders": page.headers, "body": page.body}
    return len(json.dumps({**result, "isBase64Encoded": False}, ensure_ascii=False).encode())


def _stored_bytes(document: dict[str, Any]) -> int:
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())


def largest_case(char: str, **overrides: Any) -> dict[str, Any]:
    """A case the API accepts, every free-text field full of ``char`` and recommendations added
    until the stored case is ``MAX_CASE_BYTES`` to within a few characters."""
    long_text = char * LONG_TEXT_MAX
    short_text = char * SHORT_TEXT_MAX
    document = synthetic_case(
        safeguardingPartnership=short_text,
        localReference=short_text,
        otherIdentifiers=[{"type": "OTHER", "value": short_text} for _ in range(10)],
        caseInformation=char * RESTRICTED_TEXT_MAX,
        comments=char * RESTRICTED_TEXT_MAX,
        lessonsLearnt=long_text,
        goodPractice=long_text,
        recommendations=[],
        **overrides,
    )
    recommendations: list[dict[str, Any]] = document["recommendations"]
    while True:
        recommendation = {
            "recommendationId": f"R{len(recommendations) + 1}",
            "theme": "NEGLECT",
            "text": long_text,
            "owner": short_text,
            "dueDate": "2027-03-01",
            "status": "IN_PROGRESS",
            "evidence": long_text,
        }
        recommendations.append(recommendation)
        over = _stored_bytes(document) - MAX_CASE_BYTES
        if over >= 0:
            # The last one's evidence, then its text, cut to what is left, in whole characters.
            cut = -(-over // len(char.encode()))
            recommendation["evidence"] = char * max(1, LONG_TEXT_MAX - cut)
            cut -= LONG_TEXT_MAX - len(recommendation["evidence"])
            recommendation["text"] = char * (LONG_TEXT_MAX - max(0, cut))
            assert 0 <= MAX_CASE_BYTES - _stored_bytes(document) < 8
            return document


def _update(web: Harness, case_id: str, version: int, change: dict[str, Any], caller: Any = EDITOR) -> Any:
    return web.service.update(caller, UpdateCase(case_id, change, VersionCondition(frozenset({version}))))


def case_of_largest_versions(web: Harness, versions: int) -> Any:
    """A case whose every version is as large as the API accepts and changes every text field."""
    case = web.submit(**largest_case(GROWING[0]))
    for number in range(2, versions + 1):
        change = largest_case(GROWING[(number - 1) % 2], stage="IN_PROGRESS")
        case = _update(web, case.case_id, case.version, change)
    return case


def _versions_shown(page: Page) -> list[int]:
    history = page.body[page.body.index('id="history"') :]
    return [int(found) for found in re.findall(r"Version (\d+):", history)]


def _link(page: Page, label: str) -> str | None:
    found = re.search(rf'<a[^>]*href="([^"]+)"[^>]*>(?:(?!</a>).)*{label}', page.body, re.S)
    return found.group(1).replace("&amp;", "&") if found else None


def _follow(web: Harness, href: str) -> Page:
    parts = urlsplit(href)
    page = web.request("GET", parts.path, caller=EDITOR, query=parse_qsl(parts.query))
    assert page.status == 200, page.body[:2000]
    return page


def _walk(web: Harness, start: Page, label: str) -> list[Page]:
    """The page, then every page its ``label`` link leads to, in turn."""
    pages = [start]
    while (href := _link(pages[-1], label)) is not None:
        assert len(pages) < 100, "the links go round in a circle"
        pages.append(_follow(web, href))
    return pages


@pytest.mark.slow
def test_a_case_of_the_largest_growing_versions_is_shown_whole_on_pages_within_lambdas_limit(
    web: Harness,
) -> None:
    case = case_of_largest_versions(web, HISTORY_PAGE_SIZE + 3)
    newest = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)
    assert newest.status == 200

    older = _walk(web, newest, "Older changes")
    sizes = [payload_bytes(page) for page in older]
    assert max(sizes) <= LAMBDA_RESPONSE_LIMIT_BYTES, sizes
    # Every version once, newest first, from page to page: none left out, none between pages lost.
    shown = [version for page in older for version in _versions_shown(page)]
    assert shown == list(range(case.version, 0, -1)), shown
    assert _versions_shown(newest)[0] == case.version

    # And back up: newer pages continue where the page left off, up to the newest version.
    newer = _walk(web, older[-1], "Newer changes")
    assert max(payload_bytes(page) for page in newer) <= LAMBDA_RESPONSE_LIMIT_BYTES
    climbed = [version for page in newer for version in reversed(_versions_shown(page))]
    assert sorted(set(climbed)) == list(range(1, case.version + 1)), climbed
    assert climbed == sorted(climbed)  # never a step back down


def _recommendation_rows(form: dict[str, list[str]], count: int, char: str) -> dict[str, list[str]]:
    """``form`` (the recommendations section as read) with ``count`` rows of ``char`` text in place
    of its rows."""
    kept = {name: values for name, values in form.items() if not name.startswith("recommendations[")}
    first_row = {
        name.split(".", 1)[1]: values
        for name, values in form.items()
        if name.startswith("recommendations[0].")
    }
    for index in range(count):
        row = {**first_row, "recommendationId": [f"R{index + 1}"]}
        row.update(
            text=[char * LONG_TEXT_MAX], evidence=[char * LONG_TEXT_MAX], owner=[char * SHORT_TEXT_MAX]
        )
        kept.update({f"recommendations[{index}].{part}": values for part, values in row.items()})
    kept["recommendations-count"] = [str(count)]
    return kept


@pytest.mark.slow
def test_a_conflict_over_the_largest_versions_fits_lambdas_limit_and_keeps_the_users_text(
    web: Harness,
) -> None:
    case = web.submit(**largest_case(GROWING[0]))
    read = edit_form(web, case.case_id, section="recommendations")  # opened at version 1
    _update(web, case.case_id, 1, largest_case(GROWING[1], stage="IN_PROGRESS"), OTHER_EDITOR)
    # The user's rows of '"' (five bytes on a page, three in the form) up to the form's size limit.
    rows = max(
        count
        for count in range(1, 40)
        if len(urlencode({**_recommendation_rows(read, count, '"'), "csrfToken": "x" * 64}, doseq=True))
        <= MAX_FORM_BYTES
    )
    mine = _recommendation_rows(read, rows, '"')

    page = _post_edit(web, case.case_id, mine)

    assert page.status == 409
    assert payload_bytes(page) <= LAMBDA_RESPONSE_LIMIT_BYTES, payload_bytes(page)
    assert carried_bytes(page.body) <= MAX_BODY_BYTES, carried_bytes(page.body)  # 5,575,341 before
    # What the user typed is never shortened: it is on the page whole, and in the form to save again.
    form = edit_form_from(page.body)
    assert form["recommendations-count"] == [str(rows + 1)]  # and a blank row to add another
    assert [form[f"recommendations[{index}].evidence"] for index in range(rows)] == [
        ['"' * LONG_TEXT_MAX]
    ] * rows
    assert text_of(page.body).count('"' * LONG_TEXT_MAX) >= 2 * rows  # the table's "you sent" and the form
    # Someone else's values are shortened here, saying where the whole text is.
    assert SHORTENED_NOTE.strip() in text_of(page.body)


@pytest.mark.slow
def test_the_case_list_of_the_largest_cases_fits_and_every_case_is_on_a_page(web: Harness) -> None:
    """The list shows no case text, and a page the service cut at its byte budget links on."""
    references = {web.submit(**largest_case(EMOJI)).reference for _ in range(LIST_PAGE_SIZE + 1)}
    pages = _walk(web, web.request("GET", "/app/", caller=EDITOR), "Older cases")
    assert max(payload_bytes(page) for page in pages) <= LAMBDA_RESPONSE_LIMIT_BYTES
    listed = [
        found
        for page in pages
        for found in re.findall(r'href="[^"]*/cases/[^"]+">(QE1-[0-9-]+)</a>', page.body)
    ]
    assert sorted(listed) == sorted(references)  # each once, none lost between pages
    assert len(re.findall(r">QE1-[0-9-]+</a>", pages[0].body)) < LIST_PAGE_SIZE  # the service's cut


def _largest_addresses(version: int) -> list[str]:
    """``MAX_CONTACTS`` addresses of ``MAX_EMAIL_LENGTH`` characters, their local parts of '&'."""
    addresses = []
    for number in range(MAX_CONTACTS):
        local = "&" * (MAX_LOCAL_PART_LENGTH - 4) + f"v{chr(97 + version % 26)}{chr(97 + number)}x"
        domain_length = MAX_EMAIL_LENGTH - len(local) - 1 - len(".example")
        labels = ["a" * 63] * (domain_length // 64) + ["b" * (domain_length % 64)]  # 63 and a dot each
        addresses.append(f"{local}@{'.'.join(labels)}.example")
    assert all(len(address) == MAX_EMAIL_LENGTH for address in addresses)
    return addresses


def test_the_contacts_history_of_the_largest_lists_fits_lambdas_limit(web: Harness) -> None:
    for version in range(HISTORY_PAGE_SIZE + 2):
        emails = {"emails": _largest_addresses(version)}
        web.contacts.replace(EDITOR, ReplaceContacts("QE1", emails, VersionCondition(frozenset({version}))))
    pages = _walk(web, web.request("GET", "/app/icbs/QE1/contacts", caller=EDITOR), "Older changes")
    assert max(payload_bytes(page) for page in pages) <= LAMBDA_RESPONSE_LIMIT_BYTES
    shown = [int(found) for page in pages for found in re.findall(r"Version (\d+):", page.body)]
    assert shown == list(range(HISTORY_PAGE_SIZE + 2, 0, -1))
