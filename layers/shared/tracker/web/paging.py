"""Paging a history on a page: up to ``HISTORY_PAGE_SIZE`` versions per request, as many of them as
fit the page's byte budget, with links to the versions either side, so no view reads a whole
history however long it has grown, and no version is ever left out between two pages.

A page names where it is in the history by a plain version number (the reader may see the whole
history anyway, so there is nothing to sign): ``historyBefore`` (the versions before it, the newest
of them kept when they do not all fit) or ``historyAfter`` (the versions after it, the oldest kept).
"Older changes" leads to the versions before the oldest shown, "Newer changes" to those after the
newest shown, so a page cut short by its budget links to exactly what it left out. Without either
parameter the newest page is shown. Shared by the case page and the contacts page.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar
from urllib.parse import urlencode

from tracker.logic.numbers import whole_number
from tracker.response_size import carried_bytes
from tracker.web.http import WebRequest, WebResponse
from tracker.web.rendering import MAX_BODY_BYTES

HISTORY_PAGE_SIZE = 20
ANCHOR = "#history"
HISTORY_TEMPLATE = "_history.html"
"""The template whose macros render one version of a history, and a page's versions and links."""
AFTER_PARAMETER = "historyAfter"
"""The query parameter naming the version a page of history starts after (a plain number)."""
BEFORE_PARAMETER = "historyBefore"
"""The query parameter naming the version a page of history ends before (a plain number)."""


@dataclass(frozen=True)
class HistoryLinks:
    older_href: str | None
    newer_href: str | None


@dataclass(frozen=True)
class HistoryWindow:
    """The versions a page may show, ``first`` to ``last``, and the end it keeps when they do not
    all fit its budget: the end beside the page it was reached from, so nothing falls between."""

    first: int
    last: int
    keeps_newest: bool

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def history_window(request: WebRequest, latest: int) -> HistoryWindow:
    """The versions ``historyAfter`` or ``historyBefore`` asks for, at most ``HISTORY_PAGE_SIZE``;
    the newest page when neither names a version with versions on that side of it (after: 0 to
    ``latest`` - 1; before: 2 to ``latest``)."""
    after = whole_number(request.query_value(AFTER_PARAMETER))
    if after is not None and after < latest:
        return HistoryWindow(after + 1, min(after + HISTORY_PAGE_SIZE, latest), keeps_newest=False)
    before = whole_number(request.query_value(BEFORE_PARAMETER))
    if before is not None and 1 < before <= latest:
        return HistoryWindow(max(1, before - HISTORY_PAGE_SIZE), before - 1, keeps_newest=True)
    return HistoryWindow(max(1, latest - HISTORY_PAGE_SIZE + 1), latest, keeps_newest=True)


class Version(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Version)
V_co = TypeVar("V_co", bound=Version, covariant=True)


class VersionsRead(Protocol[V_co]):
    """What a history use case answers: ``HistoryPage``, ``ContactsHistoryPage``."""

    @property
    def items(self) -> Sequence[V_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


def read_window(window: HistoryWindow, read: Callable[[int, int], VersionsRead[V]]) -> list[V]:
    """Every version of the window, oldest first, read by ``read(after_version, limit)``. A read
    may end early (the service stops at its response's byte budget and says there is more): the
    next starts after the last version it returned, until the window's last version or the end."""
    versions: list[V] = []
    after, wanted = window.first - 1, window.size
    while wanted > 0:
        page = read(after, wanted)
        versions.extend(page.items[:wanted])
        if not page.items or page.next_cursor is None:
            break
        after, wanted = page.items[-1].version, window.last - page.items[-1].version
    return versions


@dataclass(frozen=True)
class ShownHistory:
    """A page's part of a history: its versions, rendered, newest first; which versions they are
    when not the whole history; and the links to the rest."""

    entries: Sequence[str]
    span: dict[str, int] | None
    links: HistoryLinks


NO_HISTORY = ShownHistory((), None, HistoryLinks(None, None))


def fit_history(
    url: str,
    window: HistoryWindow,
    versions: Sequence[V],
    render: Callable[[V], str],
    budget: int,
    latest: int,
) -> ShownHistory:
    """The versions of the window (oldest first) that fit ``budget`` bytes once rendered, counted
    from the end the window keeps; always one, so every page moves on (one version and its case
    fit Lambda's response limit whatever the case holds: see tests/unit/web/test_page_bytes.py).
    ``url`` is the page's own address without a query."""
    if not versions:
        return NO_HISTORY
    ordered = list(reversed(versions)) if window.keeps_newest else list(versions)
    kept: list[tuple[V, str]] = []
    used = 0
    for version in ordered:
        rendered = render(version)
        used += carried_bytes(rendered)
        if kept and used > budget:
            break
        kept.append((version, rendered))
    if not window.keeps_newest:
        kept.reverse()
    newest, oldest = kept[0][0].version, kept[-1][0].version
    older = f"{url}?{urlencode({BEFORE_PARAMETER: oldest})}{ANCHOR}" if oldest > 1 else None
    newer = f"{url}?{urlencode({AFTER_PARAMETER: newest})}{ANCHOR}" if newest < latest else None
    span = None if older is None and newer is None else {"first": oldest, "last": newest, "latest": latest}
    return ShownHistory([rendered for _, rendered in kept], span, HistoryLinks(older, newer))


def page_with_history(
    render_page: Callable[[ShownHistory], WebResponse],
    url: str,
    window: HistoryWindow,
    versions: Sequence[V],
    render_version: Callable[[V], str],
    latest: int,
) -> WebResponse:
    """The page with as many of the window's versions as fit ``MAX_BODY_BYTES`` beside the rest of
    it: the page is rendered without them first, to measure what is left (the links and the line
    naming the versions shown come out of the room left for headers). Versions are rendered one at
    a time and only until the budget is spent, so a page of large versions never builds them all."""
    without = render_page(NO_HISTORY)
    if not versions:
        return without
    budget = MAX_BODY_BYTES - carried_bytes(without.body)
    return render_page(fit_history(url, window, versions, render_version, budget, latest))
