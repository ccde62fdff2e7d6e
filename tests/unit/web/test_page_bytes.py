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
from urllib.parse import parse_qsl, urlsplit

from tests.conftest import synthetic_case
from tests.unit.web.conftest import EDITOR, Harness, Page
from tracker.logic.cases import MAX_CASE_BYTES
from tracker.logic.commands import UpdateCase, VersionCondition
from tracker.models.case import LONG_TEXT_MAX, RESTRICTED_TEXT_MAX, SHORT_TEXT_MAX
from tracker.web.paging import HISTORY_PAGE_SIZE

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
