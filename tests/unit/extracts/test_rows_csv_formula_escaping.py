"""Snapshot CSV cells never start a spreadsheet formula: text beginning with = + - @ tab or CR is
written with a leading ' (OWASP, CSV injection); numbers in numeric columns stay numbers."""

import csv
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.extracts_fixtures import build_case, record_of
from tests.support.properties import examples
from tracker.extracts.columns import Column, Origin
from tracker.extracts.keys import SNAPSHOT_CASES, SNAPSHOT_RECOMMENDATIONS, snapshot_key
from tracker.extracts.rows import FORMULA_TRIGGERS, encode_csv
from tracker.extracts.snapshot import render_snapshot

DAY = date(2026, 7, 1)
TEXT = Column("note", "string", Origin.CASE, "note", "Text.", required=False)
COUNT = Column("count", "bigint", Origin.CASE, "count", "A number.", required=False)
CODES = Column("codes", "array<string>", Origin.CASE, "codes", "Codes.", required=False)


def cells(columns: list[Column], row: dict[str, object]) -> list[str]:
    (header, values) = list(csv.reader(io.StringIO(encode_csv(columns, [row]).decode("utf-8"), newline="")))
    assert header == [column.name for column in columns]
    return values


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("https://evil.example/","click")',
        "+1+2",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "\uff1d1+1",  # fullwidth equals sign
        "-",
        "=",
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert cells([TEXT], {"note": text}) == ["'" + text]


@pytest.mark.parametrize(
    "text", ["Synthetic Trust", "2026-01-10", "a=b", "x-y", "e@mail", " =1", "'quoted", ""]
)
def test_other_text_is_written_as_it_is(text: str) -> None:
    assert cells([TEXT], {"note": text}) == [text]


def test_numbers_in_numeric_columns_stay_numbers_and_text_that_looks_numeric_does_not() -> None:
    assert cells([COUNT, TEXT], {"count": -3, "note": "-3"}) == ["-3", "'-3"]
    assert cells([COUNT], {"count": None}) == [""]
    assert cells([TEXT], {"note": -3}) == ["'-3"]  # a number in a text column is text to a reader


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"])
def test_a_line_break_inside_a_cell_cannot_start_a_new_row(separator: str) -> None:
    text = f"Synthetic Board{separator}=1+1"  # no comma or quote, which would get it quoted anyway
    body = encode_csv([TEXT, COUNT], [{"note": text, "count": 1}]).decode("utf-8")
    assert body == f'note,count\n"{text}",1\n'
    for newline in ("", None):  # as written, and as a reader that takes CR as a line end sees it
        rows = list(csv.reader(io.StringIO(body, newline=newline)))
        assert len(rows) == 2
        assert rows[1][1] == "1"


def test_a_list_cell_is_checked_as_the_text_it_becomes() -> None:
    assert cells([CODES], {"codes": ["-A", "B"]}) == ["'-A|B"]
    assert cells([CODES], {"codes": ["A", "B"]}) == ["A|B"]


def test_the_snapshot_escapes_free_text_from_cases_and_recommendations() -> None:
    case = build_case(
        safeguardingPartnership='=HYPERLINK("https://evil.example/","Synthetic Board")',
        localReference="+44-SYN",
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "@SUM(1+1) training",
                "owner": "-Synthetic Trust",
                "dueDate": "2026-03-01",
                "status": "IN_PROGRESS",
            }
        ],
    )
    snapshot = render_snapshot([record_of(case)], DAY)
    (case_row,) = csv.DictReader(io.StringIO(snapshot.objects[snapshot_key(SNAPSHOT_CASES, DAY)].decode()))
    assert case_row["safeguardingPartnership"] == '\'=HYPERLINK("https://evil.example/","Synthetic Board")'
    assert case_row["localReference"] == "'+44-SYN"
    assert case_row["schemaVersion"] == "1"
    assert case_row["reference"] == case.reference
    (recommendation,) = csv.DictReader(
        io.StringIO(snapshot.objects[snapshot_key(SNAPSHOT_RECOMMENDATIONS, DAY)].decode())
    )
    assert (recommendation["text"], recommendation["owner"]) == ("'@SUM(1+1) training", "'-Synthetic Trust")
    every_cell = [
        value
        for body in snapshot.objects.values()
        for row in csv.reader(io.StringIO(body.decode()))
        for value in row
    ]
    assert not [value for value in every_cell if value[:1] in ("=", "+", "-", "@", "\t", "\r")]


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_characters="\r", exclude_categories=["Cs"])),
        min_size=1,
        max_size=4,
    )
)
def test_property_quoting_is_the_csv_modules_for_every_cell_without_a_lone_cr(texts: list[str]) -> None:
    columns = [
        Column(f"c{index}", "string", Origin.CASE, f"c{index}", "Text.") for index in range(len(texts))
    ]
    row = {column.name: text for column, text in zip(columns, texts, strict=True)}
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow([column.name for column in columns])
    writer.writerow(["'" + text if text.startswith(FORMULA_TRIGGERS) else text for text in texts])
    assert encode_csv(columns, [row]).decode("utf-8") == expected.getvalue()
