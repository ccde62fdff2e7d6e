"""The case list's filters behind the overview's figures (issue 20), judged on the hand-counted
collection of ``tests.support.overview_cases`` as it stands on its summary's day (20 January 2027):
the quarter of the decision to review (a range on ``dateAdded``, across 31 March and 1 April 2026),
how a deadline stands, a theme, a learning event, and a recommendation's status, theme, owner and
whether it is overdue, all on the same recommendation. A filter only narrows the caller's scope."""

from datetime import UTC, date, datetime

import pytest

from tests.support.memory import InMemoryCaseStore
from tests.support.overview_cases import overview_cases
from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.logic.cases import CaseService, history_entry
from tracker.logic.commands import NO_OWNING_PROVIDER, ListCases
from tracker.logic.cursor import CursorCodec
from tracker.models.case import Timeliness
from tracker.models.enums import DisseminationMethod, RecommendationStatus, Role, Theme
from tracker.reference import reference_data

NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
MANCHESTER_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-2")
OWNING_PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")
SECOND_QUARTER_2026: dict[str, object] = {"decided_from": date(2026, 4, 1), "decided_to": date(2026, 6, 30)}
LAST_QUARTER_2026: dict[str, object] = {"learned_from": date(2026, 10, 1), "learned_to": date(2026, 12, 31)}


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> CaseService:
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2027, 1, 20, 12, 0, tzinfo=UTC))
    store = InMemoryCaseStore()
    for case in overview_cases():
        store.create(case, history_entry(case, []))
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    return CaseService(store, AccessPolicy(reference), reference, lambda: codec)


def numbers(service: CaseService, caller: Caller = NATIONAL, /, **filters: object) -> set[int]:
    """The collection's numbers (``QE1-2026-0005`` is 5) of every case the list holds, every page."""
    found: list[int] = []
    cursor = None
    while True:
        page = service.list(caller, ListCases(limit=3, cursor=cursor, **filters))  # type: ignore[arg-type]
        found += [int(case.reference.rsplit("-", 1)[1]) for case in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(found) == len(set(found)), "a case listed twice"
    return set(found)


def test_the_quarter_of_the_decision_is_a_range_on_date_added_both_ends_included(
    service: CaseService,
) -> None:
    # Case 1 was decided on 31 March 2026, case 2 on 1 April: either side of the boundary.
    assert numbers(service, **SECOND_QUARTER_2026) == {2, 3, 4, 5, 6, 9}
    assert numbers(service, decided_from=date(2026, 1, 1), decided_to=date(2026, 3, 31)) == {1}
    assert numbers(service, decided_from=date(2026, 12, 18)) == {7, 8}
    assert numbers(service, decided_to=date(2026, 4, 1)) == {1, 2}


def test_timeliness_is_how_the_deadline_stands_today(service: CaseService) -> None:
    assert numbers(service, timeliness=frozenset({Timeliness.LATE})) == {2, 3, 8, 9}
    assert numbers(service, timeliness=frozenset({Timeliness.ON_TIME})) == {1, 6, 7}
    assert numbers(service, timeliness=frozenset({Timeliness.OVERDUE})) == {5}
    not_counted = frozenset(
        {Timeliness.OPEN, Timeliness.EMBARGOED, Timeliness.CLOSED_UNMET, Timeliness.DATE_NOT_RECORDED}
    )
    assert numbers(service, timeliness=not_counted) == {4, 10}


def test_a_theme_is_any_of_the_cases_themes(service: CaseService) -> None:
    assert numbers(service, theme=Theme.SELF_NEGLECT) == {5}
    # The overview's "April to June 2026, CSPR, QE1, neglect: 3" as QE1 reads it.
    assert numbers(service, EDITOR, theme=Theme.NEGLECT, **SECOND_QUARTER_2026) == {2, 3, 4}


def test_a_learning_event_matches_on_its_method_and_date_together(service: CaseService) -> None:
    briefing = DisseminationMethod.SEVEN_MINUTE_BRIEFING
    assert numbers(service, learning_method=briefing) == {1, 2, 3}
    assert numbers(service, **LAST_QUARTER_2026) == {2, 3}
    assert numbers(service, learning_method=DisseminationMethod.LOCAL_EVENT, **LAST_QUARTER_2026) == {2}
    # Case 1's briefing was on 5 January 2027: the next quarter's.
    assert numbers(service, learning_method=briefing, learned_from=date(2027, 1, 1)) == {1}
    # Case 2's local event (10 November) and briefing (3 November) are two events: neither is both.
    assert (
        numbers(service, learning_method=DisseminationMethod.LOCAL_EVENT, learned_to=date(2026, 11, 5))
        == set()
    )


def test_a_recommendations_status_theme_owner_and_overdue_hold_on_one_recommendation(
    service: CaseService,
) -> None:
    assert numbers(service, recommendation_status=RecommendationStatus.COMPLETE) == {1}
    assert numbers(service, recommendation_status=RecommendationStatus.NOT_STARTED) == {2}
    assert numbers(service, recommendation_theme=Theme.NEGLECT) == {1, 2}
    assert numbers(service, recommendation_owner="RXX") == {1}
    assert numbers(service, recommendation_owner=NO_OWNING_PROVIDER) == {2}
    assert numbers(service, recommendation_overdue=True) == {1}
    assert numbers(service, recommendation_overdue=False) == {1, 2}
    # Case 1's overdue recommendation is about neglect; its domestic abuse one is complete.
    assert numbers(service, recommendation_theme=Theme.DOMESTIC_ABUSE, recommendation_overdue=True) == set()
    assert numbers(
        service, recommendation_status=RecommendationStatus.COMPLETE, recommendation_owner="RXX"
    ) == {1}


def test_filtering_by_owning_provider_never_widens_a_scope(service: CaseService) -> None:
    # Case 1's recommendations are RXX's, but the case is QE1's.
    assert numbers(service, MANCHESTER_EDITOR, recommendation_owner="RXX") == set()
    # A provider reads only the cases naming it; the filter does not reach the others.
    named = numbers(service, OWNING_PROVIDER)
    assert numbers(service, OWNING_PROVIDER, recommendation_owner="RXX") <= named


def test_the_new_filters_are_part_of_a_cursors_scope_only_when_set() -> None:
    plain = ListCases()
    assert plain.cursor_scope("a") == ListCases(theme=None).cursor_scope("a")
    assert ListCases(theme=Theme.NEGLECT).cursor_scope("a") != plain.cursor_scope("a")
    assert ListCases(recommendation_overdue=False).cursor_scope("a") != plain.cursor_scope("a")
    assert ListCases(decided_to=date(2026, 3, 31)).cursor_scope("a") != ListCases(
        decided_to=date(2026, 6, 30)
    ).cursor_scope("a")
