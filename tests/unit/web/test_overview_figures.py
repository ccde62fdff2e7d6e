"""Each overview figure against the hand-counted collection of ``tests.support.overview_cases``:
timeliness per quarter and area (a region's ICBs, the nation's regions), themes, lessons shared,
recommendations; each links to the list's filters that reproduce it; the time it was computed is
shown."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from tests.support.overview_cases import DAY, GENERATED_AT, overview_cases
from tests.unit.web.conftest import EDITOR, NATIONAL, REGIONAL, Harness
from tracker.access import Caller
from tracker.extracts.summary import SnapshotSummary, SummaryBuilder
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.web import overview

LANCASHIRE = "NHS Lancashire and South Cumbria Integrated Care Board (QE1)"
# NHS West and North London succeeded North Central London (QMJ) on 1 April 2026.
WEST_AND_NORTH_LONDON_VIEWER = Caller(Role.ICB_VIEWER, "Z9B2Z", "viewer-2")


def _summary() -> SnapshotSummary:
    builder = SummaryBuilder(DAY)
    for case in overview_cases():
        builder.add(case)
    return builder.build(GENERATED_AT)


def _table(body: str, key: str) -> list[list[str]]:
    """The rows (cells as text) of the first table after the heading with id ``key``."""
    start = body.index(f'id="{key}"')
    table = body[body.index("<tbody", start) : body.index("</tbody>", start)]
    rows = re.findall(r"<tr\b.*?</tr>", table, re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[dh]\b.*?</t[dh]>", row, re.S)
        ]
        for row in rows
    ]


@pytest.fixture
def regional_page(web: Harness) -> str:
    web.summary[0] = _summary()
    page = web.request("GET", "/app/overview", caller=REGIONAL)
    assert page.status == 200
    return page.body


def test_a_region_sees_cspr_timeliness_per_quarter_for_each_of_its_icbs(regional_page: str) -> None:
    rows = _table(regional_page, "timeliness-cspr-publication")
    # Quarter, ICB, on time, late, overdue, share, median days late, not counted.
    assert rows == [
        [
            "January to March 2026",
            "NHS Lancashire and South Cumbria Integrated Care Board (QE1)",
            "1",
            "0",
            "0",
            "100%",
            "none",
            "0",
        ],
        [
            "April to June 2026",
            "NHS Lancashire and South Cumbria Integrated Care Board (QE1)",
            "0",
            "2",
            "1",
            "0%",
            "10",
            "1",
        ],
        [
            "April to June 2026",
            "NHS Greater Manchester Integrated Care Board (QOP)",
            "1",
            "0",
            "0",
            "100%",
            "none",
            "0",
        ],
    ]
    assert "QMJ" not in regional_page  # London's ICB: another region


def test_a_rapid_review_completed_on_its_due_date_after_christmas_is_on_time(regional_page: str) -> None:
    assert _table(regional_page, "timeliness-rapid-review") == [
        [
            "October to December 2026",
            "NHS Lancashire and South Cumbria Integrated Care Board (QE1)",
            "1",
            "1",
            "0",
            "50%",
            "1",
            "0",
        ],
    ]


def test_an_open_review_not_yet_due_is_not_counted_in_the_share(regional_page: str) -> None:
    assert _table(regional_page, "timeliness-dhr-completion") == [
        [
            "October to December 2026",
            "NHS Lancashire and South Cumbria Integrated Care Board (QE1)",
            "0",
            "0",
            "0",
            "none due yet",
            "none",
            "1",
        ],
    ]


def test_the_nation_sees_timeliness_per_region(web: Harness) -> None:
    web.summary[0] = _summary()
    body = web.request("GET", "/app/overview", caller=NATIONAL).body
    assert _table(body, "timeliness-cspr-publication") == [
        ["January to March 2026", "North West", "1", "0", "0", "100%", "none", "0"],
        ["April to June 2026", "London", "0", "1", "0", "0%", "60", "0"],
        # 1 on time of 4 met or past due; days late 10 and 30: the lower middle is 10.
        ["April to June 2026", "North West", "1", "2", "1", "25%", "10", "1"],
    ]


def test_timeliness_has_a_chart_with_its_figures_in_words(regional_page: str) -> None:
    desc = re.search(r'<desc id="timeliness-cspr-publication-desc">(.*?)</desc>', regional_page, re.S)
    assert desc is not None
    assert (
        "April to June 2026, NHS Lancashire and South Cumbria Integrated Care Board (QE1): "
        "0% on time (0 of 3), median 10 days late" in unescape(desc.group(1))
    )


def test_themes_by_quarter_review_type_and_area(regional_page: str) -> None:
    rows = _table(regional_page, "themes")
    counts = {(row[0], row[1], row[2], row[3]): row[4] for row in rows}
    lancashire = "NHS Lancashire and South Cumbria Integrated Care Board (QE1)"
    cspr = "Child safeguarding practice review (CSPR)"
    # Cases 2, 3 and 4 name neglect in April to June; case 5 self-neglect alone.
    assert counts[("April to June 2026", cspr, lancashire, "Neglect")] == "3"
    assert counts[("April to June 2026", cspr, lancashire, "Self neglect")] == "1"
    assert counts[("October to December 2026", "Rapid review", lancashire, "Neglect")] == "2"


def test_lessons_shared_by_quarter_of_the_event_and_how(regional_page: str) -> None:
    lancashire = "NHS Lancashire and South Cumbria Integrated Care Board (QE1)"
    assert _table(regional_page, "learning") == [
        # Quarter, how, ICB, events, cases: the quarters in time order, then by how's code.
        ["October to December 2026", "Local event", lancashire, "1", "1"],
        ["October to December 2026", "7-minute briefing", lancashire, "2", "2"],
        ["January to March 2027", "7-minute briefing", lancashire, "1", "1"],
    ]


def test_recommendations_by_status_and_owning_provider_with_those_overdue(regional_page: str) -> None:
    assert _table(regional_page, "recommendations-by-status") == [
        ["Complete", "1", "0"],
        ["In progress", "1", "1"],
        ["Not started", "1", "0"],
    ]
    assert _table(regional_page, "recommendations-by-owning-provider") == [
        ["No NHS provider named", "1", "0"],
        ["SURREY AND BORDERS PARTNERSHIP NHS FOUNDATION TRUST (RXX)", "2", "1"],
    ]
    assert _table(regional_page, "recommendations-by-theme") == [
        ["Domestic abuse", "1", "0"],
        ["Neglect", "2", "1"],
    ]


def test_each_count_links_to_the_list_filters_that_reproduce_it(regional_page: str) -> None:
    assert 'href="/app/?icbCode=QE1">8</a>' in regional_page
    assert 'href="/app/?icbCode=QE1&amp;overdue=true">' in regional_page
    assert 'href="/app/?reviewType=CSPR">' in regional_page
    assert 'href="/app/?status=OPEN">' in regional_page
    # Timeliness: the area links to its reviews of the type decided in the quarter, each number to
    # those whose deadline stands so (followed in test_overview_links).
    quarter = "decidedFrom=2026-04-01&amp;decidedTo=2026-06-30"
    assert f'href="/app/?reviewType=CSPR&amp;icbCode=QOP&amp;{quarter}">' in regional_page
    assert (
        f'href="/app/?reviewType=CSPR&amp;icbCode=QE1&amp;{quarter}&amp;timeliness=LATE">2</a>'
        in regional_page
    )
    assert 'href="/app/?reviewType=ANY_DHR&amp;icbCode=QE1&amp;decidedFrom=2026-10-01' in regional_page
    assert (
        'href="/app/?recommendationStatus=IN_PROGRESS&amp;recommendationOverdue=true">1</a>' in regional_page
    )
    assert "no filter by" not in regional_page


@pytest.fixture
def icb_page(web: Harness) -> str:
    web.summary[0] = _summary()
    page = web.request("GET", "/app/overview", caller=EDITOR)
    assert page.status == 200
    return page.body


def test_an_icb_sees_its_own_cspr_timeliness_and_not_its_regions_other_icb(icb_page: str) -> None:
    # Case 6 (Manchester, on time in April to June) is in the region's figures, not in QE1's.
    assert _table(icb_page, "timeliness-cspr-publication") == [
        ["January to March 2026", LANCASHIRE, "1", "0", "0", "100%", "none", "0"],
        ["April to June 2026", LANCASHIRE, "0", "2", "1", "0%", "10", "1"],
    ]
    assert "(QOP)" not in icb_page and "Greater Manchester" not in icb_page
    assert "North West" not in icb_page  # never the region's name, nor its totals


def test_an_icb_sees_its_own_counts_themes_lessons_and_recommendations(icb_page: str) -> None:
    # Cases 1 to 5, 7, 8 and 10 are QE1's: 8 cases.
    assert 'href="/app/?icbCode=QE1">8</a>' in icb_page
    assert "8 cases" in icb_page
    assert {row[2] for row in _table(icb_page, "themes")} == {LANCASHIRE}
    assert {row[2] for row in _table(icb_page, "learning")} == {LANCASHIRE}
    # Both cases with recommendations (1 and 2) are QE1's.
    assert _table(icb_page, "recommendations-by-status") == [
        ["Complete", "1", "0"],
        ["In progress", "1", "1"],
        ["Not started", "1", "0"],
    ]


def test_a_successor_icb_sees_its_predecessors_figures_and_no_one_elses(web: Harness) -> None:
    web.summary[0] = _summary()
    page = web.request("GET", "/app/overview", caller=WEST_AND_NORTH_LONDON_VIEWER)
    assert page.status == 200
    # Case 9 alone: QMJ's CSPR decided 2 April 2026, published 60 days late.
    assert _table(page.body, "timeliness-cspr-publication") == [
        [
            "April to June 2026",
            "NHS North Central London Integrated Care Board (QMJ)",
            "0",
            "1",
            "0",
            "0%",
            "60",
            "0",
        ],
    ]
    assert 'id="timeliness-rapid-review"' not in page.body
    assert "1 case, none overdue" in page.body
    assert "(QE1)" not in page.body and "(QOP)" not in page.body
    # Case 9 has no recommendation: the other ICBs' are not counted.
    section = page.body[page.body.index('id="recommendations-by-status"') :]
    assert "None recorded yet." in section[: section.index("<h2")]


def test_the_page_says_when_its_figures_were_computed(regional_page: str) -> None:
    assert "computed at 02:00 on 20 January 2027" in regional_page


def test_a_summary_written_before_timeliness_was_counted_still_shows(web: Harness) -> None:
    old = SnapshotSummary.model_validate(
        {"snapshotDate": "2026-11-26", "generatedAt": "2026-11-26T02:00:00Z", "counts": []}
    )
    web.summary[0] = old
    page = web.request("GET", "/app/overview", caller=NATIONAL)
    assert page.status == 200 and "No review with a deadline yet." in page.body


def test_figures_more_than_an_hour_old_say_so(web: Harness) -> None:
    """The summary is recomputed hourly: one older than that (the clock here reads 26 November 2026,
    12:00) says the last update has not run; a fresh one does not."""
    old = SnapshotSummary.model_validate(
        {"snapshotDate": "2026-11-26", "generatedAt": "2026-11-26T10:30:00Z", "counts": []}
    )
    web.summary[0] = old
    assert (
        "These figures are more than an hour old" in web.request("GET", "/app/overview", caller=NATIONAL).body
    )
    web.summary[0] = old.model_copy(update={"generatedAt": datetime(2026, 11, 26, 11, 30, tzinfo=UTC)})
    assert "more than an hour old" not in web.request("GET", "/app/overview", caller=NATIONAL).body


def test_only_a_caller_reading_every_icb_sees_figures_by_region() -> None:
    """An ICB whose predecessor lay in another region would see rows of two regions: still per ICB,
    never under a region's name; the national team's rows of several regions are per region."""

    def every_row(row: object) -> bool:
        return True

    summary = _summary()
    per_icb = overview.figures(summary, every_row, reference_data(), every_icb=False)
    per_region = overview.figures(summary, every_row, reference_data(), every_icb=True)
    assert per_icb["area_heading"] == "ICB"
    assert {row.area for table in per_icb["timeliness"] for row in table.rows} >= {
        LANCASHIRE,
        "NHS North Central London Integrated Care Board (QMJ)",
    }
    assert per_region["area_heading"] == "Region"
