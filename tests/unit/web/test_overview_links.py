"""Every figure of the overview links to the case list with the filters that reproduce it (issue 20):
followed, the link lists exactly the cases the figure counts, within the caller's scope. The
collection is ``tests.support.overview_cases``; the list is read on the summary's own day, as it is
within the hour the summary is fresh."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.support.overview_cases import DAY, GENERATED_AT, overview_cases
from tests.unit.web.conftest import EDITOR, NATIONAL, REGIONAL, Harness
from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.extracts.summary import SnapshotSummary, SummaryBuilder
from tracker.logic.cases import history_entry
from tracker.models.case import Case
from tracker.models.enums import RecommendationStatus, Role
from tracker.reference import reference_data
from tracker.web import overview

SUCCESSOR_VIEWER = Caller(Role.ICB_VIEWER, "Z9B2Z", "viewer-2")  # North Central London's successor
CALLERS = [EDITOR, REGIONAL, NATIONAL, SUCCESSOR_VIEWER]
REFERENCE = re.compile(r">([A-Z0-9]{3,5}-2026-[0-9]{4})</a>")


@pytest.fixture
def stocked(web: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    builder = SummaryBuilder(DAY)
    for case in overview_cases():
        builder.add(case)
        web.store.create(case, history_entry(case, []))
    web.summary[0] = builder.build(GENERATED_AT)
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2027, 1, 20, 2, 30, tzinfo=UTC))
    return web


def figures_for(summary: SnapshotSummary, caller: Caller) -> dict[str, Any]:
    policy = AccessPolicy(reference_data())
    return overview.figures(
        summary,
        lambda row: policy.shows_overview_figure(caller, row.icbCode, row.regionCode),
        reference_data(),
        every_icb=policy.readable_icbs(caller) is None,
    )


def follow(web: Harness, caller: Caller, link: str) -> list[Case]:
    """The cases the list holds at ``link``, every page of it."""
    by_reference = {case.reference: case for case in web.store.cases.values()}
    found: list[str] = []
    address: str | None = link
    while address is not None:
        parts = urlsplit(address)
        assert parts.path == "/app/", address
        page = web.request("GET", "/app/", caller=caller, query=parse_qsl(parts.query))
        assert page.status == 200, page.body
        found += REFERENCE.findall(page.body)
        older = re.search(r'<a href="([^"]+)" class="nhsuk-pagination__next" rel="next"', page.body)
        address = unescape(older.group(1)) if older else None
    assert len(found) == len(set(found)), f"{link}: a case listed twice"
    return [by_reference[reference] for reference in found]


def case_count_links(figures: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    """(what, link, cases counted) of every figure that counts cases."""
    for chart in figures["charts"]:
        for bar in chart.bars:
            yield f"{chart.key} {bar.label}", bar.link, bar.cases
            yield f"{chart.key} {bar.label} overdue", bar.overdue_link, bar.overdue
    for table in figures["timeliness"]:
        for row in table.rows:
            what = f"{table.key} {row.quarter} {row.area}"
            yield f"{what} all", row.area_link, row.decided + row.not_counted
            yield f"{what} on time", row.on_time_link, row.on_time
            yield f"{what} late", row.late_link, row.late
            yield f"{what} overdue", row.overdue_link, row.overdue
            yield f"{what} not counted", row.not_counted_link, row.not_counted
    for row in figures["themes"].rows:
        yield f"themes {row.cells}", row.link, row.count
    for row in figures["learning"].rows:
        yield f"learning {row.cells}", row.second_link, row.second


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller.role.value)
def test_each_figure_counting_cases_links_to_a_list_of_that_many(stocked: Harness, caller: Caller) -> None:
    figures = figures_for(stocked.summary[0], caller)
    checked = 0
    for what, link, counted in case_count_links(figures):
        assert link, f"{what}: no link"
        assert len(follow(stocked, caller, link)) == counted, what
        checked += 1
    assert checked > 10


def _query(link: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(link).query))


def _in(day: date, query: dict[str, str], start: str, end: str) -> bool:
    return (start not in query or day >= date.fromisoformat(query[start])) and (
        end not in query or day <= date.fromisoformat(query[end])
    )


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller.role.value)
def test_lessons_shared_link_to_the_cases_holding_those_events(stocked: Harness, caller: Caller) -> None:
    for row in figures_for(stocked.summary[0], caller)["learning"].rows:
        assert row.link == row.second_link
        query = _query(row.link)
        events = [
            event
            for case in follow(stocked, caller, row.link)
            for event in case.learning_dissemination or ()
            if event.method.value == query["learningMethod"]
            and _in(event.date, query, "learnedFrom", "learnedTo")
        ]
        assert len(events) == row.count, row.cells


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller.role.value)
def test_recommendations_link_to_the_cases_holding_them(stocked: Harness, caller: Caller) -> None:
    def counted(cases: list[Case], query: dict[str, str]) -> int:
        return sum(
            1
            for case in cases
            for recommendation in case.recommendations or ()
            if query.get("recommendationStatus", recommendation.status.value) == recommendation.status.value
            and query.get("recommendationTheme", recommendation.theme.value) == recommendation.theme.value
            and query.get("recommendationOwner", recommendation.owner_provider_code or "NONE")
            == (recommendation.owner_provider_code or "NONE")
            and (
                "recommendationOverdue" not in query
                or (
                    recommendation.status is not RecommendationStatus.COMPLETE
                    and recommendation.due_date < DAY
                )
            )
        )

    tables = figures_for(stocked.summary[0], caller)["recommendations"]
    assert len(tables) == 3
    for table in tables:
        for row in table.rows:
            listed = follow(stocked, caller, row.link)
            assert counted(listed, _query(row.link)) == row.count and listed, (table.key, row.cells)
            assert _query(row.second_link)["recommendationOverdue"] == "true"
            overdue = follow(stocked, caller, row.second_link)
            assert counted(overdue, _query(row.second_link)) == row.second, (table.key, row.cells)


def test_a_quarters_links_hold_its_cases_on_either_side_of_the_boundary(stocked: Harness) -> None:
    """QE1's CSPRs: case 1 decided 31 March 2026 (on time), cases 2 to 5 from 1 April."""
    (cspr,) = [
        table
        for table in figures_for(stocked.summary[0], EDITOR)["timeliness"]
        if table.key.endswith("cspr-publication")
    ]
    first, second = cspr.rows
    numbers = {
        name: {case.reference for case in follow(stocked, EDITOR, getattr(row, f"{name}_link"))}
        for name, row in (("on_time", first), ("late", second), ("not_counted", second))
    }
    assert numbers == {
        "on_time": {"QE1-2026-0001"},
        "late": {"QE1-2026-0002", "QE1-2026-0003"},
        "not_counted": {"QE1-2026-0004"},
    }
    assert {case.reference for case in follow(stocked, EDITOR, second.area_link)} == {
        "QE1-2026-0002",
        "QE1-2026-0003",
        "QE1-2026-0004",
        "QE1-2026-0005",
    }


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller.role.value)
def test_the_page_shows_every_link_and_no_missing_filter(stocked: Harness, caller: Caller) -> None:
    body = stocked.request("GET", "/app/overview", caller=caller).body
    figures = figures_for(stocked.summary[0], caller)
    links = [link for _, link, _ in case_count_links(figures)]
    links += [row.link for table in figures["recommendations"] for row in table.rows]
    links += [row.second_link for table in figures["recommendations"] for row in table.rows]
    links += [row.link for row in figures["learning"].rows]
    hrefs = {unescape(href) for href in re.findall(r'href="(/app/\?[^"]*)"', body)}
    assert set(links) <= hrefs
    assert "do not link to their cases" not in body and "cannot link" not in body
    assert "up to an hour" in body
