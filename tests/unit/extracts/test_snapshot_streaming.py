"""The snapshot streams: parts as bytes arrive, nothing visible until complete, aborted on failure."""

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.support.extracts_fixtures import BUCKET, DEVON, DORSET, Stack, build_case, record_of
from tracker import composition
from tracker.dal import extract_store
from tracker.extracts.columns import Column, Origin
from tracker.extracts.keys import LATEST_SUMMARY_KEY, SNAPSHOT_CASES, snapshot_key
from tracker.extracts.snapshot import TABLES, SnapshotTable, render_snapshot, stream_snapshot, write_snapshot
from tracker.extracts.summary import load_latest_summary

DAY = date(2026, 7, 1)


def test_a_large_table_is_sent_in_parts_and_reads_back_whole(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_store, "PART_SIZE", 5 * 1024 * 1024)  # S3's smallest part
    calls: list[str] = []
    client = composition.s3_client()
    real_upload_part = client.upload_part

    def counting_upload_part(**request: Any) -> Any:
        calls.append(request["Key"])
        return real_upload_part(**request)

    monkeypatch.setattr(client, "upload_part", counting_upload_part)
    store = composition.extract_store()
    upload = store.open_upload("snapshots/dt=2026-07-01/cases/cases.csv", "text/csv", 1)
    line = b"x" * 1023 + b"\n"
    for _ in range(6 * 1024):  # 6 MiB: one full part and a last, smaller one
        upload.write(line)
    assert store.get_optional(upload.key) is None  # nothing visible before complete
    upload.complete()
    assert len(calls) == 2
    assert store.get(upload.key) == line * (6 * 1024)
    assert stack.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_failure_mid_read_aborts_every_upload_and_keeps_the_previous_objects(stack: Stack) -> None:
    stack.create(build_case())
    composition.run_snapshot(DAY)
    before = stack.objects("snapshots/")

    def failing_items() -> Iterator[dict[str, Any]]:
        yield record_of(build_case(number=2))
        raise RuntimeError("the table read failed")

    with pytest.raises(RuntimeError):
        write_snapshot(composition.extract_store(), failing_items(), DAY)
    assert stack.objects("snapshots/") == before
    assert stack.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_the_run_writes_the_summary_of_the_same_pass(stack: Stack) -> None:
    stack.create(build_case(icb=DEVON, number=1))  # R1 overdue on DAY
    stack.create(build_case(icb=DORSET, number=2, recommendations=None))
    composition.run_snapshot(DAY)
    summary = load_latest_summary(composition.extract_store())
    assert summary is not None and summary.snapshotDate == DAY
    assert {(c.icbCode, c.cases, c.overdueCases) for c in summary.counts} == {("QJK", 1, 1), ("QVV", 1, 0)}
    assert LATEST_SUMMARY_KEY in stack.objects("snapshots/")


def test_another_table_is_one_more_entry() -> None:
    """A bridge table (one row per case and theme here) streams beside the others in the same pass."""

    def theme_rows(case: Any, day: date, metadata: Any) -> list[dict[str, Any]]:
        return [{"caseId": case.case_id, "theme": theme.value} for theme in case.themes or ()]

    columns = [
        Column(name="caseId", type="string", origin=Origin.CASE, field="caseId", description="The case."),
        Column(name="theme", type="string", origin=Origin.CASE, field="themes", description="A theme."),
    ]
    bridge = SnapshotTable(SNAPSHOT_CASES, lambda: columns, theme_rows)
    objects: dict[str, bytes] = {}

    class Sink:
        def __init__(self, key: str) -> None:
            self.key, self.data = key, b""

        def write(self, data: bytes) -> None:
            self.data += data

        def complete(self) -> None:
            objects[self.key] = self.data

        def abort(self) -> None:
            pass

    case = build_case()
    stream_snapshot([record_of(case)], DAY, Sink, tables=(bridge,))
    rows = list(csv.DictReader(io.StringIO(objects[snapshot_key(SNAPSHOT_CASES, DAY)].decode())))
    assert rows == [
        {"caseId": case.case_id, "theme": "NEGLECT"},
        {"caseId": case.case_id, "theme": "DOMESTIC_ABUSE"},
    ]
    assert len(TABLES) == 3  # cases, recommendations and the case_providers bridge
    assert render_snapshot([record_of(case)], DAY).row_counts == {
        "cases": 1,
        "recommendations": 2,
        "case_providers": 0,
    }


def test_a_failing_abort_does_not_hide_the_error_or_stop_the_other_aborts() -> None:
    aborted: list[str] = []

    class Sink:
        def __init__(self, key: str) -> None:
            self.key = key

        def write(self, data: bytes) -> None:
            pass

        def complete(self) -> None:
            pass

        def abort(self) -> None:
            aborted.append(self.key)
            raise PermissionError("no s3:AbortMultipartUpload")

    def failing_items() -> Iterator[dict[str, Any]]:
        yield record_of(build_case())
        raise RuntimeError("the table read failed")

    with pytest.raises(RuntimeError, match="the table read failed"):
        stream_snapshot(failing_items(), DAY, Sink)
    assert len(aborted) == len(TABLES)
