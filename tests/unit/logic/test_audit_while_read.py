"""A named case's read is recorded while it is read (D121): its "answered" entry is written at the
same time as the case is read, the answer waits for it, and a read refused or failed after shows as
refused, once, in the access log (on one page, whatever the page size)."""

import threading
from datetime import timedelta

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryAuditTrail, InMemoryCaseStore
from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.errors import AuditUnavailable, NotVisible
from tracker.logic.audit import AccessLog, AuditedCaseService, AuditRecorder, ReadAccessLog, as_read
from tracker.logic.cases import CaseService
from tracker.logic.commands import SubmitCase
from tracker.logic.cursor import CursorCodec
from tracker.logic.ports import AuditWriteFailed
from tracker.models.access_log import AccessEntry, Channel, ReadAction, ReadOutcome
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.reference import reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
FOREIGN_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-3")
CODEC = CursorCodec(b"test-cursor-key-0123456789abcdef")
WAIT_SECONDS = 5.0


class SlowTrail(InMemoryAuditTrail):
    """A trail whose write starts, then holds until told to finish."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.finish = threading.Event()

    def record(self, entry: AccessEntry) -> None:
        self.started.set()
        assert self.finish.wait(WAIT_SECONDS), "the write was never let finish"
        super().record(entry)


class WatchedStore(InMemoryCaseStore):
    """A store whose read notes whether the audit write had already started, and lets it finish."""

    def __init__(self, trail: SlowTrail) -> None:
        super().__init__()
        self.trail = trail
        self.write_started_first: list[bool] = []
        self.fail_reads = False
        self.patience = WAIT_SECONDS

    def get(self, case_id: str) -> Case | None:
        self.write_started_first.append(self.trail.started.wait(self.patience))
        self.trail.finish.set()
        if self.fail_reads:
            raise RuntimeError("the store fell over")
        return super().get(case_id)


class Setup:
    def __init__(self, request_id: str | None = "request-1") -> None:
        self.trail = SlowTrail()
        self.store = WatchedStore(self.trail)
        policy = AccessPolicy(reference_data())
        self.plain = CaseService(self.store, policy, reference_data(), lambda: CODEC)
        self.failures: list[int] = []
        recorder = AuditRecorder(
            lambda: self.trail, Channel.API, lambda: request_id, lambda: self.failures.append(1)
        )
        log = AccessLog(self.plain, policy, lambda: self.trail, recorder, lambda: CODEC)
        self.service = AuditedCaseService(self.plain, recorder, log)

    def submit(self) -> str:
        case_id = self.plain.submit(EDITOR, SubmitCase(synthetic_case())).case_id
        self.store.write_started_first.clear()
        return case_id

    def entries(self) -> list[AccessEntry]:
        return list(self.trail.entries.values())


@pytest.fixture(autouse=True)
def _ticking_clock(fixed_today: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(1_000_000))
    noon = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: noon + timedelta(milliseconds=next(ticks)))


def test_the_entry_is_written_while_the_case_is_read_and_the_answer_waits_for_it() -> None:
    setup = Setup()
    case_id = setup.submit()
    case = setup.service.get(EDITOR, case_id)
    assert case.case_id == case_id
    # The store's read found the write already begun: they overlapped (a write made after the
    # read would have left the read waiting, and this False).
    assert setup.store.write_started_first == [True]
    (entry,) = setup.entries()  # written before the answer was returned
    assert (entry.action, entry.outcome, entry.case_ids) == (
        ReadAction.READ_CASE,
        ReadOutcome.ANSWERED,
        (case_id,),
    )


def test_without_a_request_id_to_tie_two_entries_the_read_is_recorded_after_it() -> None:
    setup = Setup(request_id=None)
    case_id = setup.submit()
    setup.trail.finish.set()
    setup.trail.started.clear()
    setup.store.patience = 0.2  # long enough for a write begun on another thread to show
    setup.service.get(EDITOR, case_id)
    assert setup.store.write_started_first == [False]  # waited, then read on: nothing overlapped
    (entry,) = setup.entries()
    assert entry.outcome is ReadOutcome.ANSWERED


def test_a_read_that_fails_is_recorded_refused_and_fails_as_it_did() -> None:
    setup = Setup()
    case_id = setup.submit()
    setup.store.fail_reads = True
    with pytest.raises(RuntimeError, match="fell over"):
        setup.service.get(EDITOR, case_id)
    asked, failed = setup.entries()
    assert (asked.outcome, failed.outcome, failed.refusal) == (
        ReadOutcome.ANSWERED,
        ReadOutcome.REFUSED,
        "internal-error",
    )
    assert (failed.at, failed.request_id) == (asked.at, asked.request_id)


def test_an_entry_that_cannot_be_written_refuses_the_read_after_it() -> None:
    setup = Setup()
    case_id = setup.submit()
    setup.trail.failing = True
    with pytest.raises(AuditUnavailable):
        setup.service.get(EDITOR, case_id)
    assert setup.failures == [1] and setup.entries() == []


def test_a_refused_read_shows_once_as_refused_even_across_a_page_boundary() -> None:
    setup = Setup()
    case_id = setup.submit()
    setup.trail.finish.set()
    setup.service.get(EDITOR, case_id)  # answered
    with pytest.raises(NotVisible):
        setup.service.get(FOREIGN_EDITOR, case_id)  # two entries: answered, then refused
    setup.service.get(EDITOR, case_id)  # answered
    assert len(setup.entries()) == 4
    seen: list[tuple[str, ReadOutcome]] = []
    cursor = None
    while True:  # one entry a page: the refused read's two entries are still one page, shown once
        page = setup.service.access_log(EDITOR, ReadAccessLog(case_id, limit=1, cursor=cursor))
        seen += [(entry.sub, entry.outcome) for entry in page.items if entry.action is ReadAction.READ_CASE]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [
        ("editor-1", ReadOutcome.ANSWERED),
        ("editor-3", ReadOutcome.REFUSED),
        ("editor-1", ReadOutcome.ANSWERED),
    ]


class PickyTrail(InMemoryAuditTrail):
    """A trail that fails the next ``failures[outcome]`` writes of entries with that outcome."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: dict[ReadOutcome, int] = {}

    def record(self, entry: AccessEntry) -> None:
        if self.failures.get(entry.outcome, 0) > 0:
            self.failures[entry.outcome] -= 1
            raise AuditWriteFailed("throttled")
        super().record(entry)


class Refusals:
    """A foreign ICB's editor asking for a case, on a trail that fails as told; the request id
    changes at each look, as a stack serving requests on threads could make it."""

    def __init__(self) -> None:
        self.trail = PickyTrail()
        policy = AccessPolicy(reference_data())
        self.plain = CaseService(InMemoryCaseStore(), policy, reference_data(), lambda: CODEC)
        self.failures: list[int] = []
        request_ids = (f"request-{number}" for number in range(1_000))
        recorder = AuditRecorder(
            lambda: self.trail, Channel.API, lambda: next(request_ids), lambda: self.failures.append(1)
        )
        log = AccessLog(self.plain, policy, lambda: self.trail, recorder, lambda: CODEC)
        self.service = AuditedCaseService(self.plain, recorder, log)
        self.case_id = self.plain.submit(EDITOR, SubmitCase(synthetic_case())).case_id

    def shown(self) -> list[tuple[str, ReadOutcome]]:
        return [(entry.sub, entry.outcome) for entry in as_read(list(self.trail.entries.values()))]


def test_a_refusal_s_entry_carries_its_read_s_moment_and_request_however_the_source_moves() -> None:
    refusals = Refusals()
    with pytest.raises(NotVisible):
        refusals.service.get(FOREIGN_EDITOR, refusals.case_id)
    asked, refused = sorted(refusals.trail.entries.values(), key=lambda entry: entry.outcome.value)
    assert (refused.at, refused.request_id) == (asked.at, asked.request_id)
    assert refusals.shown() == [("editor-3", ReadOutcome.REFUSED)]


def test_a_refusal_is_recorded_even_when_its_answered_entry_could_not_be() -> None:
    refusals = Refusals()
    refusals.trail.failures[ReadOutcome.ANSWERED] = 1
    with pytest.raises(NotVisible):  # refused as it was: its refusal is recorded
        refusals.service.get(FOREIGN_EDITOR, refusals.case_id)
    assert refusals.shown() == [("editor-3", ReadOutcome.REFUSED)]
    assert refusals.failures == [1]  # the failed write is still counted (the alarm's metric)


def test_a_refusal_s_entry_is_tried_again_once_so_no_answered_entry_stands_alone() -> None:
    refusals = Refusals()
    refusals.trail.failures[ReadOutcome.REFUSED] = 1
    with pytest.raises(NotVisible):
        refusals.service.get(FOREIGN_EDITOR, refusals.case_id)
    assert refusals.shown() == [("editor-3", ReadOutcome.REFUSED)]
    assert refusals.failures == []


def test_a_refusal_that_cannot_be_recorded_is_a_503_and_counted() -> None:
    refusals = Refusals()
    refusals.trail.failures[ReadOutcome.REFUSED] = 2
    with pytest.raises(AuditUnavailable):
        refusals.service.get(FOREIGN_EDITOR, refusals.case_id)
    assert refusals.failures == [1]
