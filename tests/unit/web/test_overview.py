"""The overview: counts from the latest snapshot summary, narrowed to the caller, as SVG, table, CSV."""

import csv
import io
from datetime import UTC, date, datetime

from tests.unit.web.conftest import EDITOR, NATIONAL, REGIONAL, VIEWER, Harness
from tracker.access import Caller
from tracker.extracts.summary import SnapshotSummary, SummaryCount
from tracker.models.enums import Role

PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")


def _summary() -> SnapshotSummary:
    return SnapshotSummary(
        snapshotDate=date(2026, 11, 26),
        generatedAt=datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        counts=[
            SummaryCount(
                icbCode="QE1", regionCode="Y62", reviewType="CSPR", status="OPEN", cases=7, overdueCases=2
            ),
            SummaryCount(
                icbCode="QE1", regionCode="Y62", reviewType="DHR", status="CLOSED", cases=3, overdueCases=0
            ),
            SummaryCount(
                icbCode="QOP", regionCode="Y62", reviewType="SAR", status="OPEN", cases=4, overdueCases=1
            ),
            SummaryCount(
                icbCode="QMJ", regionCode="Y56", reviewType="CSPR", status="OPEN", cases=11, overdueCases=5
            ),
        ],
    )


def test_a_regional_team_sees_its_regions_counts_as_charts_and_tables(web: Harness) -> None:
    web.summary[0] = _summary()

    page = web.request("GET", "/app/overview", caller=REGIONAL)

    assert page.status == 200
    assert "14 cases, 3 overdue" in page.body  # Y62 only: 7 + 3 + 4, 2 + 1
    assert page.body.count('<svg role="img"') == 3
    assert "(QMJ)" not in page.body  # another region's ICB
    assert "Lancashire and South Cumbria" in page.body
    assert 'aria-labelledby="by-icb-title by-icb-desc"' in page.body


def test_the_national_team_sees_every_region(web: Harness) -> None:
    web.summary[0] = _summary()
    page = web.request("GET", "/app/overview", caller=NATIONAL)
    assert "25 cases, 8 overdue" in page.body and "(QMJ)" in page.body


def test_the_csv_holds_the_callers_counts_and_nothing_else(web: Harness) -> None:
    web.summary[0] = _summary()

    download = web.request("GET", "/app/overview.csv", caller=REGIONAL)

    assert download.status == 200
    assert download.header("Content-Type").startswith("text/csv")
    assert "attachment" in download.header("Content-Disposition")
    rows = list(csv.DictReader(io.StringIO(download.body)))
    assert [(row["icbCode"], row["cases"], row["overdueCases"]) for row in rows] == [
        ("QE1", "7", "2"),
        ("QE1", "3", "0"),
        ("QOP", "4", "1"),
    ]
    assert list(rows[0]) == [
        "snapshotDate",
        "icbCode",
        "icbName",
        "regionCode",
        "regionName",
        "reviewType",
        "reviewTypeLabel",
        "status",
        "cases",
        "overdueCases",
    ]
    # Names beside codes, so a spreadsheet reader needs no lookup table.
    assert (rows[0]["icbName"], rows[0]["regionName"], rows[0]["reviewTypeLabel"]) == (
        "NHS Lancashire and South Cumbria Integrated Care Board",
        "North West",
        "Child safeguarding practice review (CSPR)",
    )


def test_before_the_first_snapshot_the_overview_says_so(web: Harness) -> None:
    page = web.request("GET", "/app/overview", caller=NATIONAL)
    assert page.status == 200 and "No daily snapshot has been taken yet" in page.body
    assert web.request("GET", "/app/overview.csv", caller=NATIONAL).status == 404


def test_an_icbs_people_see_their_own_icbs_counts_and_no_other(web: Harness) -> None:
    web.summary[0] = _summary()
    for caller in (EDITOR, VIEWER):
        page = web.request("GET", "/app/overview", caller=caller)
        assert page.status == 200
        assert "10 cases, 2 overdue" in page.body  # QE1 only: 7 + 3, 2 + 0
        assert "(QOP)" not in page.body and "(QMJ)" not in page.body  # its region's other ICB, London's
        assert "Greater Manchester" not in page.body
        assert 'href="/app/overview"' in web.request("GET", "/app/", caller=caller).body


def test_an_icbs_csv_holds_its_own_counts_alone(web: Harness) -> None:
    web.summary[0] = _summary()
    download = web.request("GET", "/app/overview.csv", caller=VIEWER)
    assert download.status == 200
    rows = list(csv.DictReader(io.StringIO(download.body)))
    assert [(row["icbCode"], row["cases"], row["overdueCases"]) for row in rows] == [
        ("QE1", "7", "2"),
        ("QE1", "3", "0"),
    ]


def test_a_provider_s_overview_is_its_trust_s_recommendations_never_the_summary(web: Harness) -> None:
    web.summary[0] = _summary()
    page = web.request("GET", "/app/overview", caller=PROVIDER)
    assert page.status == 200
    assert "<h2>By status</h2>" in page.body  # its trust's recommendations (web.provider_overview)
    assert 'id="timeliness"' not in page.body  # nothing of the summary's ICB and region figures
    assert web.request("GET", "/app/overview.csv", caller=PROVIDER).status == 403
    assert 'href="/app/overview"' in web.request("GET", "/app/", caller=PROVIDER).body
