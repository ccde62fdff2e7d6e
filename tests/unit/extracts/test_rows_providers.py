"""Providers in the extracts: the providersInvolved column and the daily case_providers bridge."""

import csv
import io
import json
from datetime import date

from tests.support.extracts_fixtures import DEVON, build_case, record_of
from tracker.extracts.columns import changes_columns, current_columns, snapshot_case_provider_columns
from tracker.extracts.keys import SNAPSHOT_CASE_PROVIDERS, SNAPSHOT_CASES, snapshot_key
from tracker.extracts.rows import case_row
from tracker.extracts.snapshot import render_snapshot

DAY = date(2026, 11, 26)


def _rows(objects: dict[str, bytes], table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(objects[snapshot_key(table, DAY)].decode())))


def test_the_bridge_has_one_row_per_case_and_provider_named() -> None:
    two = build_case(providersInvolved=["RXX", "R0A"], number=1)
    none = build_case(number=2)
    removed = build_case(providersInvolved=["R1A"], number=3).model_copy(update={"providers_involved": []})
    snapshot = render_snapshot([record_of(case) for case in (two, none, removed)], DAY)
    bridge = _rows(snapshot.objects, SNAPSHOT_CASE_PROVIDERS)
    assert list(bridge[0]) == [column.name for column in snapshot_case_provider_columns()]
    assert list(bridge[0]) == ["schemaVersion", "snapshotDate", "caseId", "providerCode", "providerName"]
    assert sorted((row["caseId"], row["providerCode"]) for row in bridge) == sorted(
        [(two.case_id, "RXX"), (two.case_id, "R0A")]
    )
    assert {row["snapshotDate"] for row in bridge} == {DAY.isoformat()}
    assert snapshot.row_counts[SNAPSHOT_CASE_PROVIDERS] == 2
    cases = {row["caseId"]: row for row in _rows(snapshot.objects, SNAPSHOT_CASES)}
    assert cases[two.case_id]["providersInvolved"] == "RXX|R0A"  # lists of codes are |-joined
    assert cases[none.case_id]["providersInvolved"] == ""


def test_changes_and_current_rows_carry_providers_involved_without_restricted_text() -> None:
    case = build_case(icb=DEVON, providersInvolved=["RXX"], caseInformation="Synthetic restricted note Q3")
    for columns in (changes_columns(), current_columns()):
        row = case_row(case, columns, as_of=DAY, metadata={"changeType": "CREATED", "changedAt": "x"})
        assert row["providersInvolved"] == ["RXX"]
        assert "Synthetic restricted note Q3" not in json.dumps(row)
