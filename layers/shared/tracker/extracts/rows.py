"""Rows of the extracts from case records, and their bytes (JSON objects and CSV tables).

A row holds exactly the columns of its extract (``tracker.extracts.columns``), in column order;
rendering is deterministic, so the same case version always gives the same bytes.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from tracker.extracts.columns import (
    PROVIDER_CODE_COLUMN,
    RECOMMENDATION_OVERDUE_COLUMN,
    SCHEMA_VERSION,
    Column,
    Origin,
    snapshot_case_provider_columns,
    snapshot_recommendation_columns,
)
from tracker.models.case import Case, restricted_fields
from tracker.models.wording import value_label
from tracker.reference import REGION_NAMES, reference_data
from tracker.rules.deadlines import compute_deadlines


def code_name(field: str, code: Any) -> str | None:
    """The name of ``code`` of the code field ``field`` (``columns.NAME_COLUMNS``); None for no code
    or one the reference data does not know (the code column still says what was recorded)."""
    if not isinstance(code, str) or not code:
        return None
    if field == "icbCode":
        icb = reference_data().icb(code)
        return icb.name if icb else None
    if field == "regionCode":
        return REGION_NAMES.get(code)
    if field == "reviewType":
        return value_label(code)
    provider = reference_data().provider(code)
    return provider.name if provider else None


class _Names(Mapping[str, Any]):
    """The names of a record's codes, looked up only for the columns that ask."""

    def __init__(self, *records: Mapping[str, Any]) -> None:
        self._records = records

    def __getitem__(self, field: str) -> Any:
        for record in self._records:
            if field in record:
                return code_name(field, record[field])
        return None

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


def _project(value: Any, column: Column) -> Any:
    # Nested objects keep only the column's struct fields: an allowlist, so restricted or unknown
    # nested fields cannot slip through.
    if column.struct_fields and isinstance(value, list):
        return [{name: element.get(name) for name in column.struct_fields} for element in value]
    return value


def case_row(
    case: Case, columns: Sequence[Column], *, as_of: date, metadata: Mapping[str, Any]
) -> dict[str, Any]:
    """One row of ``columns`` for ``case``; deadlines are computed as of ``as_of``."""
    record = case.model_dump(mode="json", by_alias=True)
    deadlines = compute_deadlines(case, as_of).model_dump(mode="json", by_alias=True)
    values: dict[Origin, Mapping[str, Any]] = {
        Origin.CASE: record,
        Origin.DEADLINES: deadlines,
        Origin.EXTRACT: {"schemaVersion": SCHEMA_VERSION, **metadata},
        Origin.REFERENCE: _Names(record),
    }
    row = {column.name: _project(values[column.origin].get(column.field), column) for column in columns}
    _assert_unrestricted(row)
    return row


def recommendation_rows(case: Case, *, as_of: date, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    record = case.model_dump(mode="json", by_alias=True)
    overdue = set(compute_deadlines(case, as_of).overdue_recommendation_ids)
    rows = []
    for recommendation in record.get("recommendations") or ():
        row: dict[str, Any] = {}
        for column in snapshot_recommendation_columns():
            if column is RECOMMENDATION_OVERDUE_COLUMN:
                row[column.name] = recommendation["recommendationId"] in overdue
            elif column.origin is Origin.RECOMMENDATION:
                row[column.name] = recommendation.get(column.field)
            elif column.origin is Origin.REFERENCE:
                row[column.name] = _Names(recommendation, record)[column.field]
            elif column.origin is Origin.CASE:
                row[column.name] = record.get(column.field)
            else:
                row[column.name] = {"schemaVersion": SCHEMA_VERSION, **metadata}[column.name]
        _assert_unrestricted(row)
        rows.append(row)
    return rows


def case_provider_rows(case: Case, *, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One bridge row per provider the case names (none for a case naming none)."""
    extract = {"schemaVersion": SCHEMA_VERSION, **metadata}

    def value(column: Column, code: str) -> Any:
        if column is PROVIDER_CODE_COLUMN:
            return code
        if column.origin is Origin.REFERENCE:
            return code_name(column.field, code)
        return case.case_id if column.origin is Origin.CASE else extract[column.name]

    return [
        {column.name: value(column, code) for column in snapshot_case_provider_columns()}
        for code in case.providers_involved or ()
    ]


def _assert_unrestricted(row: Mapping[str, Any]) -> None:
    # Columns already leave restricted fields out; this guards against a future column mistake.
    leaked = restricted_fields() & row.keys()
    if leaked:
        raise RuntimeError("restricted field in an extract row")


def encode_json(row: Mapping[str, Any]) -> bytes:
    """One JSON object on one line (JSON Lines), as Glue's JSON SerDe and DuckDB read it."""
    return (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(element, str) for element in value):
        return "|".join(value)  # enum codes and ids hold no "|"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


NUMERIC_COLUMN_TYPES = frozenset({"tinyint", "smallint", "int", "integer", "bigint", "float", "double"})
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""Leading characters a spreadsheet may read as a formula (OWASP, CSV injection); the fullwidth forms
of the first four too, as escaping them costs nothing and a reader that folds Unicode compatibility
forms would see the ASCII sign."""


def csv_cell(value: Any, column: Column) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula.

    Text starting with a formula trigger gets a leading ``'`` (OWASP's advice): a spreadsheet shows
    it as text, and the ``'`` tells a reader of the raw file the cell was escaped. A number in a
    numeric column is written as the number (``-3`` stays ``-3``), since a number cannot carry a
    formula and escaping it would turn it into text.
    """
    text = _cell(value)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and column.type in NUMERIC_COLUMN_TYPES:
        return text
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _quoted(cell: str) -> str:
    # RFC 4180: a cell holding a comma, a quote or a line break is quoted. csv.writer (before
    # Python 3.13) leaves a lone CR unquoted when rows end in LF, and a reader that takes CR as a
    # line end would split the row there, starting a new row (and a cell that escaped the check).
    if any(char in cell for char in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def encode_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A header row of column names, then one line per row; RFC 4180 quoting, ``\\n`` line ends;
    every cell through ``csv_cell``."""
    lines = [",".join(_quoted(column.name) for column in columns)]
    lines.extend(",".join(_quoted(csv_cell(row[column.name], column)) for column in columns) for row in rows)
    # A row of one empty cell is written "" so that it is not read as a blank line.
    return "".join((line or '""') + "\n" for line in lines).encode("utf-8")
