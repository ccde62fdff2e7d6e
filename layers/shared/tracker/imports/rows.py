"""A table's rows as case documents (the JSON a client submits), each with the problems found in
reading its cells. Only how a cell is written is judged here (a date that is not one, a value not
in a column's list); every rule of the case record is the API's, applied by its dry run.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tracker.imports.columns import (
    ICB_COLUMN,
    REFERENCE_HEADER,
    Column,
    HeaderMatch,
    match_headers,
)
from tracker.imports.reading import Cell, Table, is_blank
from tracker.models.fields import Kind
from tracker.models.wording import value_label
from tracker.web.messages import REAL_DATE, field_message

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_WORDED = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_LIST_SEPARATORS = re.compile(r"\s*[;,\n|]\s*")
_CODE_SEPARATORS = re.compile(r"[\s,;|]+")
EXCEL_ERRORS = frozenset(
    {"#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!"}
)
DATE_WORDS = "must be a date written as 15/03/2026 or 15 March 2026"
YES_NO_WORDS = "must be Yes or No"
CHOICE_DETAIL = "Input should be one of the list"  # field_message says it as the web forms do
YES = frozenset({"yes", "y", "true"})
NO = frozenset({"no", "n", "false"})


@dataclass(frozen=True)
class Problem:
    column: str  # the column's header as the template writes it (its label); "" for the whole row
    message: str  # a whole sentence that names the column


@dataclass
class ImportRow:
    number: int  # the row number a spreadsheet shows
    cells: list[Cell]  # as read, for the report
    document: dict[str, Any]  # the case as the API takes it
    problems: list[Problem] = field(default_factory=list)
    reference: str | None = None  # from a report read back in: created already, not sent again


@dataclass(frozen=True)
class ImportFile:
    table: Table
    headers: HeaderMatch
    rows: list[ImportRow]

    @property
    def file_problems(self) -> list[str]:
        """What is wrong with the file's columns, worded for a person."""
        found = [
            f"The column {header!r} is not one the tracker knows: rename it as the template does, or "
            "remove it. Its values were not imported."
            for header in self.headers.unknown
        ]
        found += [
            f"The column {label!r} appears more than once: keep one." for label in self.headers.repeated
        ]
        return found


def read_rows(table: Table, icb_code: str) -> ImportFile:
    """Every row of ``table`` as a case of ``icb_code`` (the ICB the file is imported for)."""
    headers = match_headers(table.headers)
    reference_at = headers.report_columns.get(REFERENCE_HEADER)
    rows = []
    for number, cells in table.rows:
        row = _row(number, cells, headers, icb_code)
        if reference_at is not None and reference_at < len(cells) and not is_blank(cells[reference_at]):
            row.reference = str(cells[reference_at]).strip()
        if row.document.keys() - {ICB_COLUMN.name} or row.problems or row.reference:
            rows.append(row)  # a row holding only a report's own columns (its summary) is not a case
    return ImportFile(table, headers, rows)


def _row(number: int, cells: list[Cell], headers: HeaderMatch, icb_code: str) -> ImportRow:
    row = ImportRow(number, cells, {ICB_COLUMN.name: icb_code})
    for position, column in headers.columns.items():
        cell = cells[position] if position < len(cells) else None
        if is_blank(cell):
            continue
        if isinstance(cell, str) and cell.strip() in EXCEL_ERRORS:
            row.problems.append(
                Problem(
                    column.label,
                    f"{column.label} holds a formula error ({cell.strip()}): correct the formula",
                )
            )
            continue
        try:
            value = _value(column, cell)
        except _Unreadable as unreadable:
            row.problems.append(
                Problem(column.label, field_message(column.label, unreadable.detail, column.kind))
            )
            continue
        if column.spec is ICB_COLUMN:
            if value != icb_code:
                row.problems.append(
                    Problem(column.label, f"ICB must be {icb_code}, the ICB this file is imported for")
                )
            continue
        row.document[column.name] = value
    return row


class _Unreadable(Exception):
    def __init__(self, detail: str) -> None:
        self.detail = detail


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a number a spreadsheet stored as 1234.0
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def _value(column: Column, cell: Cell) -> Any:
    kind = column.kind
    if kind is Kind.DATE:
        return read_date(cell).isoformat()
    if kind is Kind.YES_NO:
        return _yes_no(cell)
    if kind in (Kind.SELECT, Kind.RADIOS):
        assert column.spec.choices is not None
        return _coded_value(column.spec.choices, _text(cell))
    if kind is Kind.CHECKBOXES:
        assert column.spec.choices is not None
        choices = column.spec.choices
        return [_coded_value(choices, part) for part in _LIST_SEPARATORS.split(_text(cell)) if part]
    if kind is Kind.PROVIDER_CODES:
        return [code.upper() for code in _CODE_SEPARATORS.split(_text(cell)) if code]
    if kind in (Kind.PROVIDER_CODE, Kind.ICB_CODE):
        return _text(cell).upper()
    return _text(cell)


def read_date(cell: Cell) -> date:
    """A date cell, or text written ``15/03/2026``, ``15 March 2026`` (or ``15 Mar 2026``) or
    ``2026-03-15``: day first, as in the UK."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if not isinstance(cell, str):
        raise _Unreadable(DATE_WORDS)
    text = cell.strip()
    slashed, worded, iso = _SLASHED.match(text), _WORDED.match(text), _ISO.match(text)
    if slashed:
        day, month, year = (int(part) for part in slashed.groups())
    elif worded:
        day, year = int(worded.group(1)), int(worded.group(3))
        month_number = MONTHS.get(worded.group(2).casefold())
        if month_number is None:
            raise _Unreadable(DATE_WORDS)
        month = month_number
    elif iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        raise _Unreadable(DATE_WORDS)
    try:
        return date(year, month, day)
    except ValueError:
        raise _Unreadable(REAL_DATE) from None


def _yes_no(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    text = _text(cell).casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise _Unreadable(YES_NO_WORDS)


def _choice_key(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text).strip().casefold()


def _coded_value(choices: type[StrEnum], text: str) -> str:
    """A coded value given by its words (as the drop-down list offers it) or its code."""
    for member in choices:
        if _choice_key(text) in (_choice_key(member.value), _choice_key(value_label(member.value))):
            return member.value
    raise _Unreadable(CHOICE_DETAIL)


def idempotency_key(icb_code: str, document: dict[str, Any]) -> str:
    """The row's Idempotency-Key: the same ICB and the same case (as read, whatever the file's
    format, column order or spelling of a value) give the same key, so importing a file again
    creates only what is missing; a row changed by a fix is a new case to the API."""
    content = json.dumps({"icb": icb_code, "case": document}, sort_keys=True, separators=(",", ":"))
    return "import-" + hashlib.sha256(content.encode()).hexdigest()
