"""The daily whole-collection snapshot: a CSV per table (cases, recommendations) and the overview
summary, written in one pass over the table.

Each case is read, turned into its rows of every table and counted in the summary, then dropped:
the tables stream to S3 in parts (``ExtractBucket.open_upload``), so memory stays flat however many
cases there are. Rows come in the order the reader gives them (region by region, oldest update
first), which is the same for the same table, so a rerun over an unchanged table gives the same
bytes. The reader takes only cases last updated before it started, so a case updated during the
run is written once (at its older version) or not at all, and is in the next day's snapshot.

People open these in spreadsheets, so every cell goes through ``rows.csv_cell``: text that a
spreadsheet would run as a formula is written with a leading ``'``.

A new table is one more ``SnapshotTable`` in ``TABLES`` (and its name in ``keys.SNAPSHOT_TABLES``).
"""

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from tracker import clock
from tracker.extracts.columns import (
    SCHEMA_VERSION,
    Column,
    snapshot_case_columns,
    snapshot_case_provider_columns,
    snapshot_recommendation_columns,
)
from tracker.extracts.keys import (
    CSV_CONTENT_TYPE,
    SNAPSHOT_CASE_PROVIDERS,
    SNAPSHOT_CASES,
    SNAPSHOT_RECOMMENDATIONS,
    snapshot_key,
)
from tracker.extracts.ports import ExtractBucket, ExtractUpload
from tracker.extracts.rows import case_provider_rows, case_row, encode_csv, recommendation_rows
from tracker.extracts.summary import SnapshotSummary, SummaryBuilder, write_summary
from tracker.models.case import Case
from tracker.rules.deadlines import compute_deadlines

RowsOf = Callable[[Case, date, Mapping[str, Any]], Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class SnapshotTable:
    """One CSV of the snapshot: its name (a folder under the day), its columns, a case's rows."""

    name: str
    columns: Callable[[], Sequence[Column]]
    rows_of: RowsOf


def _case_rows(case: Case, day: date, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [case_row(case, snapshot_case_columns(), as_of=day, metadata=metadata)]


def _recommendation_rows(case: Case, day: date, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    return recommendation_rows(case, as_of=day, metadata=metadata)


def _case_provider_rows(case: Case, day: date, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    return case_provider_rows(case, metadata=metadata)


TABLES: tuple[SnapshotTable, ...] = (
    SnapshotTable(SNAPSHOT_CASES, snapshot_case_columns, _case_rows),
    SnapshotTable(SNAPSHOT_RECOMMENDATIONS, snapshot_recommendation_columns, _recommendation_rows),
    SnapshotTable(SNAPSHOT_CASE_PROVIDERS, snapshot_case_provider_columns, _case_provider_rows),
)


@dataclass(frozen=True)
class Snapshot:
    day: date
    keys: list[str]  # the tables' keys, in ``TABLES`` order
    row_counts: dict[str, int]  # table name -> rows written
    summary: SnapshotSummary
    # Case items the model rejects are left out rather than failing the day's whole snapshot;
    # their ids are reported (never the validation message, which can quote restricted text).
    rejected_case_ids: list[str] = field(default_factory=list)
    objects: dict[str, bytes] = field(default_factory=dict)  # key -> bytes, from render_snapshot only

    @property
    def case_count(self) -> int:
        return self.row_counts[SNAPSHOT_CASES]

    @property
    def recommendation_count(self) -> int:
        return self.row_counts[SNAPSHOT_RECOMMENDATIONS]


class _TableWriter:
    def __init__(self, table: SnapshotTable, sink: ExtractUpload) -> None:
        self.table = table
        self.sink = sink
        self.columns = table.columns()
        self._header = encode_csv(self.columns, [])
        self.rows = 0
        sink.write(self._header)

    def add(self, case: Case, day: date, metadata: Mapping[str, Any]) -> None:
        rows = list(self.table.rows_of(case, day, metadata))
        if rows:
            # encode_csv is the one home of the CSV rules; the header it repeats is cut off.
            self.sink.write(encode_csv(self.columns, rows)[len(self._header) :])
            self.rows += len(rows)


def stream_snapshot(
    records: Iterable[dict[str, Any]],
    day: date,
    open_sink: Callable[[str], ExtractUpload],
    tables: Sequence[SnapshotTable] = TABLES,
    generated_at: datetime | None = None,
) -> Snapshot:
    """One pass over the case ``records`` (the stored fields of each case, as the table's reader
    gives them): every table's rows to its sink and the summary's counts.

    Sinks are completed only once every case has been read; on any error they are aborted, so a
    failed run leaves the previous objects in place.
    """
    writers: list[_TableWriter] = []
    summary = SummaryBuilder(day)
    rejected: list[str] = []
    metadata = {"snapshotDate": day.isoformat()}
    try:
        for table in tables:
            writers.append(_TableWriter(table, open_sink(snapshot_key(table.name, day))))
        for record in records:
            try:
                case = Case.model_validate(record)
            except ValidationError:
                rejected.append(str(record.get("caseId")))
                continue
            for writer in writers:
                writer.add(case, day, metadata)
            summary.add(case, deadlines=compute_deadlines(case, day))
        for writer in writers:
            writer.sink.complete()
    except BaseException:
        for writer in writers:
            # Best effort: the first error is the one to report, and the bucket's lifecycle rule
            # removes incomplete uploads that could not be aborted.
            with contextlib.suppress(Exception):
                writer.sink.abort()
        raise
    return Snapshot(
        day=day,
        keys=[snapshot_key(table.name, day) for table in tables],
        row_counts={writer.table.name: writer.rows for writer in writers},
        summary=summary.build(generated_at or clock.now_utc()),
        rejected_case_ids=sorted(rejected),
    )


class _MemorySink:
    def __init__(self, key: str, objects: dict[str, bytes]) -> None:
        self._key, self._objects, self._parts = key, objects, bytearray()

    def write(self, data: bytes) -> None:
        self._parts += data

    def complete(self) -> None:
        self._objects[self._key] = bytes(self._parts)

    def abort(self) -> None:
        self._parts = bytearray()


def render_snapshot(records: Iterable[dict[str, Any]], day: date) -> Snapshot:
    """The snapshot's tables in memory (``.objects``): for tests and small tables only."""
    objects: dict[str, bytes] = {}
    snapshot = stream_snapshot(records, day, lambda key: _MemorySink(key, objects))
    return replace(snapshot, objects=objects)


def write_snapshot(store: ExtractBucket, records: Iterable[dict[str, Any]], day: date) -> Snapshot:
    """Stream the day's tables to the bucket, then its summary (a rerun overwrites the day's objects).

    The summary goes last, so "latest" never names a day whose tables are not all written.
    """
    snapshot = stream_snapshot(
        records, day, lambda key: store.open_upload(key, CSV_CONTENT_TYPE, SCHEMA_VERSION)
    )
    write_summary(store, snapshot.summary)
    return snapshot


def snapshot_day(event: dict[str, Any]) -> date:
    """The day a snapshot invocation is for.

    ``{"snapshotDate": "YYYY-MM-DD"}`` reruns a day; an EventBridge schedule's ``time`` is used
    otherwise (its date in England), so a retried invocation writes the same partition.
    """
    if event.get("snapshotDate"):
        return date.fromisoformat(str(event["snapshotDate"]))
    if event.get("time"):
        moment = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
        return moment.astimezone(clock.LONDON).date()
    return clock.today_london()
