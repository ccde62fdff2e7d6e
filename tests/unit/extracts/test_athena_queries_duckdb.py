"""The saved Athena queries (infra/queries/*.sql) run with DuckDB against the snapshot CSVs the
snapshot writes for the hand-counted collection of ``tests.support.overview_cases``, and give the
overview's figures. DuckDB reads every cell as text, as Athena's OpenCSVSerde does (an empty cell is
'', not null), and each table is a view over its ``dt=`` folders with ``dt`` as a column, as the Glue
table's partition projection gives it; an older day is there too, so "the latest snapshot" is tested.
"""

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.overview_cases import DAY, GENERATED_AT, overview_cases, records
from tracker.extracts.keys import SNAPSHOT_CASES, SNAPSHOT_RECOMMENDATIONS, snapshot_key
from tracker.extracts.snapshot import render_snapshot
from tracker.extracts.summary import SnapshotSummary, SummaryBuilder
from tracker.reference import reference_data
from tracker.web import overview

QUERIES = Path(__file__).resolve().parents[3] / "infra" / "queries"
GLUE_TABLES = {SNAPSHOT_CASES: "snapshot_cases", SNAPSHOT_RECOMMENDATIONS: "snapshot_recommendations"}
"""Snapshot folder -> its Glue table (infra.constants' GLUE_TABLE_SNAPSHOT_*, whose values the infra
test checks; infra is not imported here, as it loads the CDK)."""


def _summary() -> SnapshotSummary:
    builder = SummaryBuilder(DAY)
    for case in overview_cases():
        builder.add(case)
    return builder.build(GENERATED_AT)


@pytest.fixture(scope="module")
def athena(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("extracts")
    older_day = DAY - timedelta(days=1)
    # The day before held fewer cases: a query reading every day would count them twice.
    for day, day_records in ((older_day, records()[:3]), (DAY, records())):
        for key, body in render_snapshot(day_records, day).objects.items():
            path = root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
    connection = duckdb.connect()
    for folder, table in GLUE_TABLES.items():
        # The test's own paths and dates, no outside input.
        days = " UNION ALL ".join(
            f"SELECT *, '{day.isoformat()}' AS dt FROM read_csv('{root / snapshot_key(folder, day)}', "  # noqa: S608
            "all_varchar = true, header = true, nullstr = '\x01')"
            for day in (older_day, DAY)
        )
        connection.execute(f"CREATE VIEW {table} AS {days}")
    return connection


def _run(athena: Any, name: str) -> list[dict[str, Any]]:
    result = athena.execute((QUERIES / f"{name}.sql").read_text(encoding="utf-8"))
    columns = [column[0] for column in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def test_every_query_file_is_tested_here() -> None:
    assert sorted(path.stem for path in QUERIES.glob("*.sql")) == [
        "cspr_published_late_by_region",
        "overdue_recommendations_by_provider",
        "rapid_review_on_time_by_quarter_region",
        "themes_by_quarter",
    ]


def test_cspr_published_late_by_year_and_region_agree_with_the_overview(athena: Any) -> None:
    rows = _run(athena, "cspr_published_late_by_region")
    # By hand: cases 2 and 3 (North West, 30 and 10 days), case 9 (London, 60 days), all in 2026.
    assert [
        (row["year_published"], row["regionCode"], row["regionName"], row["published_late"]) for row in rows
    ] == [
        (2026, "Y56", "London", 1),
        (2026, "Y62", "North West", 2),
    ]
    assert {row["regionCode"]: row["mean_days_late"] for row in rows} == {"Y56": 60, "Y62": 20}
    figures = overview.figures(_summary(), lambda row: True, reference_data())
    (cspr,) = [table for table in figures["timeliness"] if table.deadline == "CSPR_PUBLICATION"]
    late_by_region: Counter[str] = Counter()
    for row in cspr.rows:
        late_by_region[row.area] += row.late
    assert {row["regionName"]: row["published_late"] for row in rows} == {
        area: late for area, late in late_by_region.items() if late
    }


def test_rapid_reviews_on_time_per_quarter_and_region_agree_with_the_overview(athena: Any) -> None:
    rows = _run(athena, "rapid_review_on_time_by_quarter_region")
    # By hand: cases 7 (on time, 13 January after Christmas) and 8 (a day late), decided in Q4 2026.
    assert [(r["quarter"], r["regionCode"], r["on_time"], r["late"], r["overdue"]) for r in rows] == [
        ("2026-Q4", "Y62", 1, 1, 0)
    ]
    figures = overview.figures(_summary(), lambda row: True, reference_data())
    (rapid,) = [table for table in figures["timeliness"] if table.deadline == "RAPID_REVIEW"]
    assert [(row.quarter, row.area, row.share) for row in rapid.rows] == [
        (rows[0]["quarter"], rows[0]["regionName"], rows[0]["share_on_time"])
    ]


def test_themes_per_quarter_agree_with_the_summary(athena: Any) -> None:
    rows = _run(athena, "themes_by_quarter")
    from_sql = {(r["quarter"], r["reviewType"], r["regionCode"], r["theme"]): r["cases"] for r in rows}
    from_summary: Counter[tuple[str, str, str, str]] = Counter()
    for row in _summary().themes:
        from_summary[(row.quarter, row.reviewType, row.regionCode, row.theme)] += row.cases
    assert from_sql == dict(from_summary)
    # By hand: cases 2, 3 and 4 name neglect; case 5 self-neglect alone (Q2 2026, North West CSPRs).
    assert from_sql[("2026-Q2", "CSPR", "Y62", "NEGLECT")] == 4  # and case 6, Greater Manchester
    assert from_sql[("2026-Q2", "CSPR", "Y62", "SELF_NEGLECT")] == 1


def test_overdue_recommendations_by_provider_agree_with_the_overview(athena: Any) -> None:
    rows = _run(athena, "overdue_recommendations_by_provider")
    # By hand: case 1's R1 (RXX, due 1 December 2026, in progress) is the one overdue.
    assert rows == [
        {
            "ownerProviderCode": "RXX",
            "ownerProviderName": "SURREY AND BORDERS PARTNERSHIP NHS FOUNDATION TRUST",
            "overdue_recommendations": 1,
        }
    ]
    figures = overview.figures(_summary(), lambda row: True, reference_data())
    (by_provider,) = [
        table for table in figures["recommendations"] if table.key == "recommendations-by-owning-provider"
    ]
    overdue = {row.cells[0]: row.second for row in by_provider.rows if row.second}
    assert overdue == {f"{rows[0]['ownerProviderName']} ({rows[0]['ownerProviderCode']})": 1}
