"""A file's bytes as a table of cells: ``.xlsx`` (first the sheet named Cases, else the first
sheet) or CSV. What cannot be read safely is refused as a whole, with words that say why.

``.xlsx`` is a zip of XML. The zip's own directory is checked before anything is inflated (a zip
bomb declares far more bytes than it holds: refused at once; Python's zip reader never inflates
past a member's declared size), and openpyxl parses the XML through defusedxml (entity expansion
and external entities are refused). Cells are read as openpyxl's read-only reader gives them, with
``data_only``: a formula is its value as last calculated by the spreadsheet, never evaluated here.
CSV is UTF-8 (with or without a byte-order mark) or, failing that, Windows-1252 as Excel writes it.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 100
"""Cells past this many in a row are not read (the template has about 30 columns)."""
MAX_INFLATED_BYTES = 64 * 1024 * 1024
"""What an .xlsx may declare once unzipped: a full 1,000-row file is a few MB of XML."""
MAX_ZIP_MEMBERS = 500
CASES_SHEET = "Cases"
XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"

Cell = str | int | float | bool | date | datetime | time | None


class FileRefused(Exception):
    """The whole file cannot be imported; the message says why, in words for the person importing."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Cell]]]
    """Each row that holds anything, with its row number as the spreadsheet shows it (header = 1)."""
    kind: str
    """``xlsx`` or ``csv``: a report is written in the same format."""


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


TOO_LARGE = (
    f"The file is larger than {megabytes(MAX_FILE_BYTES)}, the most the tracker imports at once. "
    f"Split it into files of at most {MAX_ROWS:,} cases."
)
TOO_MANY_ROWS = (
    f"The file has more than {MAX_ROWS:,} cases, the most the tracker imports at once. "
    f"Split it into files of at most {MAX_ROWS:,} cases."
)
NOT_SAFE = (
    "The file is not a spreadsheet the tracker can read safely. Save it again from your "
    "spreadsheet program as an Excel workbook (.xlsx) or CSV, and import that."
)
NOT_TEXT = "The file is not text in UTF-8 or Windows-1252. Save it from your spreadsheet as CSV (UTF-8)."
NO_HEADERS = "The file has no header row. Use the template: its first row names the columns."


def read_table(data: bytes, filename: str = "") -> Table:
    """The table in ``data``; ``FileRefused`` when it is too large, unsafe or unreadable."""
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(TOO_LARGE)
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _table("xlsx", _xlsx_rows(data))
    return _table("csv", _csv_rows(data))


def _table(kind: str, rows: Iterator[list[Cell]]) -> Table:
    headers: list[str] | None = None
    found: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(rows, start=1):
        cells = list(islice(cells, MAX_COLUMNS))
        if all(is_blank(cell) for cell in cells):
            continue
        if headers is None:
            headers = ["" if cell is None else str(cell).strip() for cell in cells]
            continue
        if len(found) == MAX_ROWS:
            raise FileRefused(TOO_MANY_ROWS)
        found.append((number, cells))
    if headers is None:
        raise FileRefused(NO_HEADERS)
    return Table(headers, found, kind)


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _xlsx_rows(data: bytes) -> Iterator[list[Cell]]:
    _check_zip(data)
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except DefusedXmlException:
        raise FileRefused(NOT_SAFE) from None
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file; each means the same
        raise FileRefused(NOT_SAFE) from None
    try:
        sheet = workbook[CASES_SHEET] if CASES_SHEET in workbook.sheetnames else workbook.worksheets[0]
        # A sheet states its own size; a false one would pad every row to it, so it is not trusted.
        sheet.reset_dimensions()
        yield from _xlsx_sheet_rows(sheet.iter_rows(values_only=True))
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(NOT_SAFE) from None
    finally:
        workbook.close()


def _xlsx_sheet_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[list[Cell]]:
    for row in rows:
        yield [_as_cell(value) for value in islice(row, MAX_COLUMNS)]


def _as_cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool | date | datetime | time):
        return value
    return str(value)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(NOT_SAFE) from None
    if len(members) > MAX_ZIP_MEMBERS or sum(member.file_size for member in members) > MAX_INFLATED_BYTES:
        raise FileRefused(NOT_SAFE)


def decode_text(data: bytes) -> str:
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileRefused(NOT_TEXT) from None


def _csv_rows(data: bytes) -> Iterator[list[Cell]]:
    text = decode_text(data)
    if "\x00" in text:
        raise FileRefused(NOT_TEXT)
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            yield list(row)
    except csv.Error:
        raise FileRefused(
            "The CSV file could not be read: a quoted value is not closed. Save it again from your "
            "spreadsheet as CSV."
        ) from None
