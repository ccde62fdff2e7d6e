"""Who has seen a case: every read recorded, refused when it cannot be, sealed daily, verified.

``AuditedCaseService`` stands in front of the case use cases: each read (a case, its history, a
page of cases, a case found by its reference) is recorded through the ``AuditTrail`` port, answered
or refused. The entry is written before the answer leaves: when it cannot be, the read is refused
with ``AuditUnavailable`` (503) and ``on_failure`` is told (a metric, an alarm), so that no read of
a case leaves no trace. Everything else is handed to the case service unchanged.

A read of one named case is recorded while it is read, not after (D121): its "answered" entry is
written on a worker thread at the same time as the case is read, and the answer waits for both. A
read that is then refused (or fails) adds a "refused" entry of the same moment and request, which
the access log shows in place of the "answered" one; an audit trail may say a read was asked that
was then refused, never the reverse.

``AccessLog`` answers "who has seen this case" for the people who answer for it, and records that
it was asked. ``seal_day`` writes a day's entries as a hash chain into the archive; ``verify_day``
says which entries were added, changed or removed since.
"""

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.error_statuses import kind_of
from tracker.errors import AuditUnavailable, DomainError, NotAllowed
from tracker.logic.commands import (
    DEFAULT_PAGE_SIZE,
    CasePage,
    HistoryPage,
    ListCases,
    ReadHistory,
    Unreadable,
    read,
)
from tracker.logic.cursor import CursorCodec
from tracker.logic.ports import AuditTrail, AuditWriteFailed, SealArchive
from tracker.models.access_log import AccessEntry, AccessLogPage, Channel, ReadAction, ReadOutcome
from tracker.models.case import Case

if TYPE_CHECKING:
    from tracker.logic.cases import CaseService

T = TypeVar("T")

UNAVAILABLE = "The case could not be shown just now: please try again in a few minutes."


def _case_id_or_none(text: str) -> str | None:
    """The text if it is a case id (a UUID as the service writes it): anything else a caller typed
    into a path is never recorded, as it could be anything."""
    try:
        return text if str(uuid.UUID(text)) == text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ReadAccessLog:
    case_id: str
    limit: int | Unreadable = DEFAULT_PAGE_SIZE
    cursor: str | None = None


class AuditRecorder:
    """Writes entries for one entry point (``channel``): ``request_id`` says which request is being
    answered, ``on_failure`` hears of every entry that could not be written.

    In the web app a page is what a person opens: the case page reads the case, then a page of its
    history, in one request, and the case's entry ("opened the case") covers the history it shows.
    So the recorder remembers the case a web request has opened (per thread: the local stack answers
    requests on threads), and ``opened_by`` tells the history read it is part of that page."""

    def __init__(
        self,
        trail: Callable[[], AuditTrail],
        channel: Channel,
        request_id: Callable[[], str | None] = lambda: None,
        on_failure: Callable[[], None] = lambda: None,
    ) -> None:
        self._trail = trail
        self._channel = channel
        self._request_id = request_id
        self._on_failure = on_failure
        self._opened = threading.local()

    def _entry(
        self,
        caller: Caller,
        action: ReadAction,
        case_ids: Iterable[str],
        refusal: BaseException | None,
        of: AccessEntry | None = None,
    ) -> AccessEntry:
        """A new entry; ``of``: the "answered" entry of the read it refuses (its moment and request)."""
        return AccessEntry.model_validate(
            {
                "entryId": str(uuid.uuid4()),
                "at": of.at if of else clock.format_timestamp(clock.now_utc()),
                "role": caller.role.value,
                "org": caller.org,
                "sub": caller.sub,
                "name": caller.name,
                "action": action,
                "caseIds": tuple(case_ids),
                "channel": self._channel,
                "requestId": of.request_id if of else self._request_id(),
                "outcome": ReadOutcome.ANSWERED if refusal is None else ReadOutcome.REFUSED,
                "refusal": None if refusal is None else kind_of(refusal).slug,
            }
        )

    def _written(self, write: Callable[[], None]) -> None:
        try:
            write()
        except AuditWriteFailed:
            self._on_failure()
            raise AuditUnavailable(UNAVAILABLE) from None

    def _remember(self, caller: Caller, entry: AccessEntry) -> None:
        answered_one_case = (
            entry.action is ReadAction.READ_CASE
            and entry.outcome is ReadOutcome.ANSWERED
            and len(entry.case_ids) == 1
        )
        self._opened.page = (entry.request_id, caller, entry.case_ids[0]) if answered_one_case else None

    def record(
        self,
        caller: Caller,
        action: ReadAction,
        case_ids: Iterable[str],
        refusal: BaseException | None = None,
    ) -> None:
        entry = self._entry(caller, action, case_ids, refusal)
        trail = self._trail()
        self._written(lambda: trail.record(entry))
        self._remember(caller, entry)

    def opened_by(self, caller: Caller, case_id: str | None) -> bool:
        """Whether this web request's page has already recorded ``caller`` opening ``case_id`` (never
        for the API, where each read is a request of its own, nor without a request id to tell)."""
        request_id = self._request_id()
        return (
            self._channel is Channel.WEB
            and request_id is not None
            and case_id is not None
            and getattr(self._opened, "page", None) == (request_id, caller, case_id)
        )

    def around(
        self,
        caller: Caller,
        action: ReadAction,
        named: str | None,
        read_it: Callable[[], T],
        answer_recorded: bool = False,
    ) -> T:
        """``read_it()``, recorded: answered with the case ids it showed, or refused (recorded, then
        the refusal raised as it was). Recorded after the read, a fault of the service itself (not a
        refusal) is not a read; recorded while it reads (D121), a fault is recorded as refused.
        ``answer_recorded``: an entry already written covers the answer (a refusal still is one)."""
        if action in RECORDED_WHILE_READ and named is not None and not answer_recorded and self._request_id():
            return self._while_read(caller, action, named, read_it)
        try:
            result = read_it()
        except DomainError as refusal:
            self.record(caller, action, [named] if named else [], refusal)
            raise
        if not answer_recorded:
            self.record(caller, action, _shown_ids(result) or ([named] if named else []))
        return result

    def _while_read(self, caller: Caller, action: ReadAction, named: str, read_it: Callable[[], T]) -> T:
        """A read of one named case, its "answered" entry written while it is read (D121). The
        answer leaves only once that entry is written; a refusal, or a fault, adds a "refused" entry
        of the same moment and request, which the access log shows in its place."""
        answered = self._entry(caller, action, [named], None)
        trail = self._trail()  # built here, not on the worker: one client per container
        writing = _writer().submit(trail.record, answered)
        try:
            result = read_it()
        except Exception as refusal:
            self._refused_after(caller, answered, writing, refusal)
            raise
        self._written(writing.result)
        if _shown_ids(result) not in ([], [named]):  # never for one case's read: said, not assumed
            self.record(caller, action, _shown_ids(result))
        self._remember(caller, answered)
        return result

    def _refused_after(
        self, caller: Caller, answered: AccessEntry, writing: "Future[None]", refusal: Exception
    ) -> None:
        """Record that a read whose "answered" entry was being written was refused (or failed): the
        "refused" entry is written whatever became of the first (tried twice), as it is the one the
        access log shows. Only when it cannot be written is the read refused with 503 (D121)."""
        refused = self._entry(caller, answered.action, answered.case_ids, refusal, of=answered)
        trail = self._trail()
        try:
            writing.result()
        except AuditWriteFailed:
            self._on_failure()  # counted; the refusal's entry below is the one that matters
        for attempt in range(REFUSAL_WRITE_ATTEMPTS):
            try:
                trail.record(refused)
                return
            except AuditWriteFailed:
                if attempt == REFUSAL_WRITE_ATTEMPTS - 1:
                    self._on_failure()
                    raise AuditUnavailable(UNAVAILABLE) from None


REFUSAL_WRITE_ATTEMPTS = 2
"""A refusal's entry is tried twice: without it, a refused read's "answered" entry would stand alone."""


RECORDED_WHILE_READ = frozenset({ReadAction.READ_CASE, ReadAction.READ_HISTORY})
"""Reads whose entry is written while they read (D121); not a read of the access log, whose page
would then race to show its own entry."""

_WRITER: list[ThreadPoolExecutor] = []
_WRITER_LOCK = threading.Lock()


def _writer() -> ThreadPoolExecutor:
    """The threads that write entries while a read goes on: made once per container, on first use
    (a function that never reads a case never starts one)."""
    with _WRITER_LOCK:
        if not _WRITER:
            _WRITER.append(ThreadPoolExecutor(max_workers=4, thread_name_prefix="scrt-audit"))
        return _WRITER[0]


def _shown_ids(result: object) -> list[str]:
    if isinstance(result, Case):
        return [result.case_id]
    if isinstance(result, CasePage):
        return [case.case_id for case in result.items]
    return []


class AuditedCaseService:
    """The case use cases with every read recorded (``get``, ``history``, ``list``, ``list_pages``,
    ``find_by_reference``), and the case's access log (``access_log``); writes and the rest are the
    case service's own, unchanged."""

    def __init__(self, cases: "CaseService", recorder: AuditRecorder, access_log: "AccessLog") -> None:
        self._cases = cases
        self._recorder = recorder
        self._access_log = access_log

    def get(self, caller: Caller, case_id: str) -> Case:
        return self._recorder.around(
            caller, ReadAction.READ_CASE, _case_id_or_none(case_id), lambda: self._cases.get(caller, case_id)
        )

    def history(self, caller: Caller, query: ReadHistory) -> HistoryPage:
        case_id = _case_id_or_none(query.case_id)
        return self._recorder.around(
            caller,
            ReadAction.READ_HISTORY,
            case_id,
            lambda: self._cases.history(caller, query),
            # The web case page: its "opened the case" entry covers the history it shows.
            answer_recorded=self._recorder.opened_by(caller, case_id),
        )

    def list(self, caller: Caller, query: ListCases) -> CasePage:
        """One entry for the page, with every case id it showed; a page that showed no case (or a
        list refused before reading) showed nothing, and is not recorded."""
        return self._listed(caller, self._cases.list(caller, query))

    def list_pages(self, caller: Caller, query: ListCases, max_pages: int) -> CasePage:
        """Several pages of the list read for one page a person opens: one entry, with every case id
        they held (none when they held no case)."""
        return self._listed(caller, self._cases.list_pages(caller, query, max_pages))

    def _listed(self, caller: Caller, shown: CasePage) -> CasePage:
        if shown.items:
            self._recorder.record(caller, ReadAction.LIST_CASES, [case.case_id for case in shown.items])
        return shown

    def find_by_reference(self, caller: Caller, reference: str) -> Case:
        # The reference typed is not recorded (it may be anything); the case found is.
        return self._recorder.around(
            caller,
            ReadAction.FIND_BY_REFERENCE,
            None,
            lambda: self._cases.find_by_reference(caller, reference),
        )

    def access_log(self, caller: Caller, query: "ReadAccessLog") -> AccessLogPage:
        return self._access_log.read(caller, query)

    def __getattr__(self, name: str) -> Any:
        # submit, update, first_version, reference_of, with_deadlines: the case service's own.
        return getattr(self._cases, name)


class AccessLog:
    """A case's access log, newest first, for its ICB's editors and the national team."""

    def __init__(
        self,
        cases: "CaseService",
        policy: AccessPolicy,
        trail: Callable[[], AuditTrail],
        recorder: AuditRecorder,
        cursor_codec: Callable[[], CursorCodec],
    ) -> None:
        self._cases = cases
        self._policy = policy
        self._trail = trail
        self._recorder = recorder
        self._cursor_codec = cursor_codec

    def read(self, caller: Caller, query: ReadAccessLog) -> AccessLogPage:
        """404 when the caller may not see the case, 403 when it may but does not answer for it;
        asking is recorded either way, answered or refused."""
        return self._recorder.around(
            caller,
            ReadAction.READ_ACCESS_LOG,
            _case_id_or_none(query.case_id),
            lambda: self._page(caller, query),
        )

    def _page(self, caller: Caller, query: ReadAccessLog) -> AccessLogPage:
        case = self._cases.get(caller, query.case_id)
        if not self._policy.may_read_access_log(caller, case.icb_code):
            raise NotAllowed("Only the case's ICB editors and the national team see who has read it.")
        limit = read(query.limit)
        scope = f"access:{query.case_id}:{caller.audit_name}:{limit}"
        before = self._cursor_codec().decode(query.cursor, scope) if query.cursor else None
        found = self._trail().case_entries(case.case_id, before=before, limit=limit + 2)
        page, rest = found[:limit], found[limit:]
        if page and rest and _same_read(page[-1][1], rest[0][1]):
            page.append(rest.pop(0))  # a read's two entries (D121) stay on one page
        next_cursor = self._cursor_codec().encode(page[-1][0], scope) if rest else None
        return AccessLogPage.model_validate(
            {"items": as_read([entry for _, entry in page]), "nextCursor": next_cursor}
        )


def _same_read(one: AccessEntry, other: AccessEntry) -> bool:
    """Two entries of one read: its "answered" entry written while it was read, and the "refused"
    one written when it was refused (D121), of the same moment, request, action, case and reader."""
    return one.request_id is not None and (
        one.at,
        one.request_id,
        one.action,
        one.case_ids,
        one.org,
        one.sub,
    ) == (other.at, other.request_id, other.action, other.case_ids, other.org, other.sub)


def as_read(entries: list[AccessEntry]) -> list[AccessEntry]:
    """The entries as the reads went: a read refused after its "answered" entry was written shows
    as refused, once."""
    refused = [entry for entry in entries if entry.outcome is ReadOutcome.REFUSED]
    return [
        entry
        for entry in entries
        if entry.outcome is ReadOutcome.REFUSED or not any(_same_read(entry, other) for other in refused)
    ]


# --- the daily seal ------------------------------------------------------------------------------

SEAL_FORMAT = "scrt-access-seal/1"


def _chain_start(day: date) -> str:
    return hashlib.sha256(f"{SEAL_FORMAT}:{day.isoformat()}".encode()).hexdigest()


def chain_head(day: date, digests: Iterable[str]) -> str:
    """The hash chain over a day's entries in order: each link is SHA-256 of the link before and
    the entry's own digest, so no entry can be changed, dropped, added or moved unnoticed."""
    head = _chain_start(day)
    for digest in digests:
        head = hashlib.sha256(bytes.fromhex(head) + bytes.fromhex(digest)).hexdigest()
    return head


def _ordered(entries: Iterable[AccessEntry]) -> list[AccessEntry]:
    """The canonical order: by time, then by entry id."""
    return sorted(entries, key=lambda entry: (entry.at, entry.entry_id))


def seal_body(day: date, entries: Iterable[AccessEntry]) -> bytes:
    ordered = _ordered(entries)
    listed = [{"entryId": entry.entry_id, "sha256": entry.digest()} for entry in ordered]
    seal = {
        "format": SEAL_FORMAT,
        "day": day.isoformat(),
        "count": len(listed),
        "head": chain_head(day, (item["sha256"] for item in listed)),
        "entries": listed,
    }
    return json.dumps(seal, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Sealed:
    day: date
    count: int
    head: str


def seal_day(trail: AuditTrail, archive: SealArchive, day: date) -> Sealed:
    """Seal a finished UTC day's entries into the archive (written once: SealExists after)."""
    body = seal_body(day, trail.day_entries(day))
    archive.put_seal(day, body)
    seal = json.loads(body)
    return Sealed(day, seal["count"], seal["head"])


@dataclass(frozen=True)
class Verification:
    """What differs between a day's entries now and its seal; all empty when they agree."""

    day: date
    sealed: bool
    entries: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seal_broken: bool = False  # the seal's own chain does not add up: the seal itself was altered

    @property
    def intact(self) -> bool:
        return self.sealed and not (self.added or self.changed or self.removed or self.seal_broken)


def verify_day(trail: AuditTrail, archive: SealArchive, day: date) -> Verification:
    """Compare the day's entries with its seal: each entry added, changed or removed since."""
    body = archive.get_seal(day)
    entries = _ordered(trail.day_entries(day))
    if body is None:
        return Verification(day, sealed=False, entries=len(entries), added=[e.entry_id for e in entries])
    seal = json.loads(body)
    listed: list[dict[str, str]] = seal["entries"]
    sealed_digests = {item["entryId"]: item["sha256"] for item in listed}
    current = {entry.entry_id: entry.digest() for entry in entries}
    broken = (
        seal.get("day") != day.isoformat()
        or seal.get("count") != len(listed)
        or seal.get("head") != chain_head(day, (item["sha256"] for item in listed))
    )
    return Verification(
        day,
        sealed=True,
        entries=len(entries),
        added=[entry_id for entry_id in current if entry_id not in sealed_digests],
        changed=[
            entry_id
            for entry_id, digest in current.items()
            if entry_id in sealed_digests and sealed_digests[entry_id] != digest
        ],
        removed=[item["entryId"] for item in listed if item["entryId"] not in current],
        seal_broken=broken,
    )
