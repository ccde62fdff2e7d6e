"""Paging a history on a page: one page of versions per request, with links to the next page and
back, so no view reads a whole history however long it has grown.

The use cases page a history oldest version first with a signed cursor; the page carries that
cursor (``history``) and the cursors of the pages before it (``historyBack``, the last
``MAX_BACK_LINKS``), as the case list carries its own.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from tracker.web.http import WebRequest

HISTORY_PAGE_SIZE = 20
MAX_BACK_LINKS = 20
CURSOR_PARAMETER = "history"
BACK_PARAMETER = "historyBack"
ANCHOR = "#history"


@dataclass(frozen=True)
class HistoryLinks:
    older_href: str | None
    newer_href: str | None


def history_cursor(request: WebRequest) -> str | None:
    return request.query_value(CURSOR_PARAMETER) or None


def history_links(url: str, request: WebRequest, next_cursor: str | None) -> HistoryLinks:
    """``url`` is the page's own address (without a query); ``next_cursor`` the use case's."""
    cursor = history_cursor(request)
    back = [value for value in request.query.get(BACK_PARAMETER, []) if value][-MAX_BACK_LINKS:]
    older_href = newer_href = None
    if cursor:
        earlier = [(CURSOR_PARAMETER, back[-1])] if back else []
        query = urlencode([*earlier, *((BACK_PARAMETER, value) for value in back[:-1])])
        older_href = f"{url}?{query}{ANCHOR}" if query else f"{url}{ANCHOR}"
    if next_cursor:
        trail = [*back, cursor] if cursor else back
        query = urlencode([(CURSOR_PARAMETER, next_cursor), *((BACK_PARAMETER, value) for value in trail)])
        newer_href = f"{url}?{query}{ANCHOR}"
    return HistoryLinks(older_href, newer_href)
