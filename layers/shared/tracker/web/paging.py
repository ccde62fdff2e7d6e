"""Paging a history on a page: one page of versions per request, with links to the pages either
side, so no view reads a whole history however long it has grown.

A page names the version it starts after (``historyAfter``, a plain number: the reader may see the
whole history anyway, so there is nothing to sign); without it, the newest page is shown. Shared
by the case page and the contacts page.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from tracker.web.http import WebRequest

HISTORY_PAGE_SIZE = 20
ANCHOR = "#history"


@dataclass(frozen=True)
class HistoryLinks:
    older_href: str | None
    newer_href: str | None


AFTER_PARAMETER = "historyAfter"
"""The query parameter naming the version a page of history starts after (a plain number)."""
_LONGEST_VERSION = 12  # digits: far beyond any version, and short enough to read cheaply


@dataclass(frozen=True)
class HistoryWindow:
    """Which page of a history to show (the versions after ``after``, up to a page of them) and
    the links to the pages either side."""

    after: int
    links: HistoryLinks


def history_window(url: str, request: WebRequest, latest: int) -> HistoryWindow:
    """The page ``historyAfter`` asks for, or the newest page (the last ``HISTORY_PAGE_SIZE``
    versions) when it is absent or not a version from 0 to ``latest``. ``url`` is the page's own
    address without a query. A page never starts later than the newest page does, so every page is
    full; the oldest page is always versions 1 to 20, repeating some of the next when the history
    is not a whole number of pages long."""
    newest = max(0, latest - HISTORY_PAGE_SIZE)
    raw = request.query_value(AFTER_PARAMETER)
    after = newest
    if raw.isascii() and raw.isdigit() and len(raw) <= _LONGEST_VERSION and int(raw) <= latest:
        after = min(int(raw), newest)
    older_href = newer_href = None
    if after > 0:
        older = urlencode({AFTER_PARAMETER: max(0, after - HISTORY_PAGE_SIZE)})
        older_href = f"{url}?{older}{ANCHOR}"
    if after < newest:
        newer = after + HISTORY_PAGE_SIZE
        # The newest page has no parameter: opened later, it shows what was saved since.
        newer_href = (
            f"{url}{ANCHOR}" if newer >= newest else f"{url}?{urlencode({AFTER_PARAMETER: newer})}{ANCHOR}"
        )
    return HistoryWindow(after, HistoryLinks(older_href=older_href, newer_href=newer_href))
