"""The snapshot's rows carry each case's timeliness, and names beside codes (ICB, region, review
type, trust), so a spreadsheet reader needs no lookup table."""

import csv
import io
from datetime import date

from tests.support.extracts_fixtures import DEVON, build_case
from tracker.extracts.columns import (
    current_columns,
    snapshot_case_columns,
    snapshot_case_provider_columns,
    snapshot_recommendation_columns,
)
from tracker.extracts.keys import (
    SNAPSHOT_CASE_PROVIDERS,
    SNAPSHOT_CASES,
    SNAPSHOT_RECOMMENDATIONS,
    snapshot_key,
)
from tracker.extracts.snapshot import render_snapshot

DAY = date(2026, 12, 1)


def _record(case: object) -> dict[str, object]:
    return case.model_dump(mode="json", by_alias=True, exclude={"deadlines"})  # type: ignore[attr-defined]


def _rows(objects: dict[str, bytes], table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(objects[snapshot_key(table, DAY)].decode())))


def _names(columns: object) -> list[str]:
    return [column.name for column in columns]  # type: ignore[attr-defined]


def test_a_late_cspr_says_so_in_the_snapshot_with_its_days_late() -> None:
    # Decided 1 February 2026, due 1 August; published 1 December: 122 days late.
    late = build_case(icb=DEVON, dateAdded="2026-02-01", publicationDate="2026-12-01", stage="PUBLISHED")
    open_case = build_case(icb=DEVON, dateAdded="2026-11-02", number=2)
    snapshot = render_snapshot([_record(late), _record(open_case)], DAY)
    rows = {row["caseId"]: row for row in _rows(snapshot.objects, SNAPSHOT_CASES)}

    assert {key: rows[late.case_id][key] for key in ("deadline", "deadlineDue", "deadlineMetDate")} == {
        "deadline": "CSPR_PUBLICATION",
        "deadlineDue": "2026-08-01",
        "deadlineMetDate": "2026-12-01",
    }
    assert (rows[late.case_id]["timeliness"], rows[late.case_id]["daysLate"]) == ("LATE", "122")
    assert (rows[open_case.case_id]["timeliness"], rows[open_case.case_id]["daysLate"]) == ("OPEN", "")


def test_names_sit_beside_their_codes_in_every_snapshot_table() -> None:
    case = build_case(icb=DEVON, providersInvolved=["RXX"])
    owned = case.recommendations[0].model_copy(update={"owner_provider_code": "RXX"})  # type: ignore[index]
    case = case.model_copy(update={"recommendations": [owned]})
    snapshot = render_snapshot([_record(case)], DAY)

    columns = _names(snapshot_case_columns())
    for code, name in (
        ("icbCode", "icbName"),
        ("regionCode", "regionName"),
        ("reviewType", "reviewTypeLabel"),
    ):
        assert columns.index(name) == columns.index(code) + 1
    row = _rows(snapshot.objects, SNAPSHOT_CASES)[0]
    assert row["icbName"] == "NHS Devon Integrated Care Board"
    assert row["regionName"] == "South West"
    assert row["reviewTypeLabel"] == "Child safeguarding practice review (CSPR)"

    recommendation = _rows(snapshot.objects, SNAPSHOT_RECOMMENDATIONS)[0]
    recommendation_columns = _names(snapshot_recommendation_columns())
    assert (
        recommendation_columns.index("ownerProviderName")
        == recommendation_columns.index("ownerProviderCode") + 1
    )
    assert recommendation["icbName"] == "NHS Devon Integrated Care Board"
    assert recommendation["ownerProviderName"] == "SURREY AND BORDERS PARTNERSHIP NHS FOUNDATION TRUST"

    provider = _rows(snapshot.objects, SNAPSHOT_CASE_PROVIDERS)[0]
    assert _names(snapshot_case_provider_columns())[-2:] == ["providerCode", "providerName"]
    assert (provider["providerCode"], provider["providerName"]) == (
        "RXX",
        "SURREY AND BORDERS PARTNERSHIP NHS FOUNDATION TRUST",
    )


def test_a_code_the_reference_data_does_not_know_leaves_its_name_empty() -> None:
    case = build_case(icb=DEVON).model_copy(update={"region_code": "Y99"})
    row = _rows(render_snapshot([_record(case)], DAY).objects, SNAPSHOT_CASES)[0]
    assert (row["regionCode"], row["regionName"]) == ("Y99", "")


def test_the_stream_extracts_keep_codes_only() -> None:
    names = set(_names(current_columns()))
    assert not names & {
        "icbName",
        "regionName",
        "reviewTypeLabel",
        "timeliness",
        "daysLate",
        "deadlineMetDate",
    }
