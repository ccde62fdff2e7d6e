"""Reading a file's bytes into a table: each file kind, encodings, limits and unsafe files."""

import io
import time
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from tracker.imports.reading import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    NOT_SAFE,
    TOO_LARGE,
    TOO_MANY_ROWS,
    FileRefused,
    read_table,
)
from tracker.imports.template import template_xlsx


def _xlsx(rows: list[list[object]], title: str = "Cases") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return out.getvalue()


def test_an_xlsx_is_read_with_date_cells_and_row_numbers_as_the_spreadsheet_shows() -> None:
    data = _xlsx([["Review type", "Incident date"], [None, None], ["CSPR", datetime(2026, 1, 10)]])
    table = read_table(data, "cases.xlsx")
    assert table.kind == "xlsx"
    assert table.headers == ["Review type", "Incident date"]
    assert table.rows == [(3, ["CSPR", datetime(2026, 1, 10)])]  # the empty row 2 is skipped, not renumbered


def test_a_formula_is_read_as_its_cached_value_and_never_evaluated() -> None:
    data = _xlsx([["Review type", "Local reference"], ["SAR", "=1+1"]])
    # As a spreadsheet program saves it: the formula and the value it last calculated.
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>1+1</f><v />" in sheet
    cached = sheet.replace(b'<c r="B2">', b'<c r="B2" t="str">').replace(
        b"<f>1+1</f><v />", b"<f>1+1</f><v>LR-7</v>"
    )
    data = _replace_member(data, "xl/worksheets/sheet1.xml", cached)
    assert read_table(data).rows == [(2, ["SAR", "LR-7"])]


def test_the_cases_sheet_is_read_whichever_sheet_comes_first() -> None:
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["not a case"])
    cases = workbook.create_sheet("Cases")
    cases.append(["Review type"])
    cases.append(["SAR"])
    out = io.BytesIO()
    workbook.save(out)
    assert read_table(out.getvalue()).rows == [(2, ["SAR"])]


@pytest.mark.parametrize(
    "encoded",
    [
        "Safeguarding partnership\nCôté Children\N{RIGHT SINGLE QUOTATION MARK}s Partnership\n".encode(),
        b"\xef\xbb\xbf"
        + "Safeguarding partnership\nCôté Children\N{RIGHT SINGLE QUOTATION MARK}s Partnership\n".encode(),
        "Safeguarding partnership\r\nCôté Children\N{RIGHT SINGLE QUOTATION MARK}s Partnership\r\n".encode(
            "cp1252"
        ),
    ],
    ids=["utf-8", "utf-8 with a byte-order mark", "windows-1252 as Excel writes it"],
)
def test_csv_is_read_in_utf8_with_or_without_a_bom_or_in_windows_1252(encoded: bytes) -> None:
    table = read_table(encoded, "cases.csv")
    assert table.kind == "csv"
    assert table.headers == ["Safeguarding partnership"]
    assert table.rows == [(2, ["Côté Children\N{RIGHT SINGLE QUOTATION MARK}s Partnership"])]


def test_a_quoted_csv_value_across_lines_is_one_cell() -> None:
    table = read_table(b'Lessons learnt,Review type\n"line one\nline two",SAR\n')
    assert table.rows == [(2, ["line one\nline two", "SAR"])]


def test_a_file_over_5_mb_is_refused_with_a_message_that_says_so() -> None:
    with pytest.raises(FileRefused) as refused:
        read_table(b"Review type\n" + b"x" * MAX_FILE_BYTES, "big.csv")
    assert str(refused.value) == TOO_LARGE
    assert "5 MB" in TOO_LARGE


def test_1000_rows_are_read_and_1001_refused_with_a_message_that_says_so() -> None:
    header = b"Review type\n"
    assert len(read_table(header + b"SAR\n" * MAX_ROWS).rows) == MAX_ROWS
    with pytest.raises(FileRefused) as refused:
        read_table(header + b"SAR\n" * (MAX_ROWS + 1))
    assert str(refused.value) == TOO_MANY_ROWS
    assert "1,000" in TOO_MANY_ROWS


def test_a_zip_bomb_like_xlsx_is_refused_quickly() -> None:
    inflated = b"<worksheet>" + b" " * (80 * 1024 * 1024) + b"</worksheet>"
    bomb = _replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", inflated)
    assert len(bomb) < MAX_FILE_BYTES  # small on the wire: only its declared size gives it away
    started = time.monotonic()
    with pytest.raises(FileRefused) as refused:
        read_table(bomb, "bomb.xlsx")
    assert time.monotonic() - started < 1.0
    assert str(refused.value) == NOT_SAFE


def test_xml_entity_expansion_in_an_xlsx_is_refused_quickly() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
            for n in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    bomb = _replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", laughs)
    started = time.monotonic()
    with pytest.raises(FileRefused) as refused:
        read_table(bomb, "laughs.xlsx")
    assert time.monotonic() - started < 1.0
    assert str(refused.value) == NOT_SAFE


def test_a_damaged_xlsx_is_refused_not_crashed_on() -> None:
    with pytest.raises(FileRefused) as refused:
        read_table(b"PK\x03\x04 not really a zip", "cases.xlsx")
    assert str(refused.value) == NOT_SAFE


def test_a_file_with_no_header_row_is_refused() -> None:
    with pytest.raises(FileRefused):
        read_table(b"\n\n , \n", "empty.csv")


def test_openpyxl_parses_through_defusedxml() -> None:
    """Without defusedxml openpyxl falls back to the standard library's parser, which expands
    entities: the dependency must be installed where the layer runs."""
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True
