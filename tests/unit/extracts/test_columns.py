"""Columns come from the models; docs/extracts.md is what they render; keys are well-formed."""

from datetime import date
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from tracker.extracts.columns import (
    Origin,
    changes_columns,
    current_columns,
    model_columns,
    snapshot_case_columns,
    snapshot_recommendation_columns,
)
from tracker.extracts.dictionary import EXTRACTS, render_data_dictionary
from tracker.extracts.keys import change_key, current_key, snapshot_key
from tracker.models.case import RESTRICTED, Case, Deadlines, Recommendation, WireModel, restricted_fields

DOCS = Path(__file__).resolve().parents[3] / "docs" / "extracts.md"
ALL_EXTRACTS = (changes_columns, current_columns, snapshot_case_columns, snapshot_recommendation_columns)


def aliases(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def test_docs_extracts_md_is_the_rendered_data_dictionary() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_data_dictionary(), (
        "regenerate: cd layers/shared && python -m tracker.extracts.dictionary > ../../docs/extracts.md"
    )


def test_the_dictionary_lists_every_column_of_every_extract() -> None:
    text = render_data_dictionary()
    for extract in EXTRACTS:
        section = text.split(f"## {extract.title}\n", 1)[1].split("\n## ", 1)[0]
        listed = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
        assert listed == [column.name for column in extract.columns()]


def test_every_unrestricted_case_field_is_a_column_and_no_restricted_one_is() -> None:
    restricted = restricted_fields()
    assert restricted == {"caseInformation", "comments"}
    for columns in (changes_columns(), current_columns()):
        case_fields = {column.field for column in columns if column.origin is Origin.CASE}
        assert case_fields == aliases(Case) - restricted - {"deadlines"}
    for extract_columns in ALL_EXTRACTS:
        names = [column.name for column in extract_columns()]
        assert len(names) == len(set(names)), "column names are unique within an extract"
        assert not restricted & set(names)
    recommendation_fields = {
        column.field for column in snapshot_recommendation_columns() if column.origin is Origin.RECOMMENDATION
    }
    assert recommendation_fields == aliases(Recommendation) - restricted_fields(Recommendation)
    deadline_fields = {
        column.field for column in snapshot_case_columns() if column.origin is Origin.DEADLINES
    }
    assert deadline_fields == aliases(Deadlines)


def test_stream_extracts_keep_only_deadline_dates_which_do_not_depend_on_the_day() -> None:
    kept = {column.name for column in current_columns() if column.origin is Origin.DEADLINES}
    assert kept == {"rapidReviewDue", "publicationDue", "completionDue", "deadlineDue"}


def test_types_come_from_the_model() -> None:
    by_name = {column.name: column for column in changes_columns()}
    assert by_name["version"].type == "bigint"
    assert by_name["dateAdded"].type == "date"
    assert by_name["updatedAt"].type == "timestamp"
    assert by_name["embargoed"].type == "boolean"
    assert by_name["themes"].type == "array<string>"
    assert by_name["recommendations"].type.startswith("array<struct<recommendationId:string,")
    assert "`SAR`" in by_name["reviewType"].description
    assert by_name["caseId"].required and not by_name["steisNumber"].required


def test_restricted_text_nested_in_an_object_is_left_out_too() -> None:
    class Note(WireModel):
        topic: str
        detail: str | None = Field(default=None, json_schema_extra={RESTRICTED: True})

    class Record(WireModel):
        notes: list[Note]
        secret: str = Field(json_schema_extra={RESTRICTED: True})

    [notes] = model_columns(Record, Origin.CASE)
    assert (notes.name, notes.type, notes.struct_fields) == (
        "notes",
        "array<struct<topic:string>>",
        ("topic",),
    )


def test_keys() -> None:
    assert change_key("c-1", 7, date(2026, 5, 4)) == "changes/dt=2026-05-04/c-1.v000007.json"
    assert (
        change_key("c-1", 7, date(2026, 5, 4), removed=True)
        == "changes/dt=2026-05-04/c-1.v000007.removed.json"
    )
    assert current_key("Y58", "QJK", "c-1") == "current/region=Y58/icb=QJK/c-1.json"
    assert snapshot_key("cases", date(2026, 7, 1)) == "snapshots/dt=2026-07-01/cases/cases.csv"
    for unsafe in ("../x", "a/b", "", ".hidden"):
        with pytest.raises(ValueError):
            current_key("Y58", "QJK", unsafe)
    with pytest.raises(ValueError):
        snapshot_key("other", date(2026, 7, 1))
