"""The field catalogue (``tracker.models.fields``) and the case model name the same fields, and say
the same of each: a field added to the model without its entry, or an entry the model lacks, fails."""

import ast
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tracker.models import fields as catalogue
from tracker.models.case import Case, CaseFields, ServerFields, restricted_fields
from tracker.models.fields import (
    CLIENT_FIELD_SPECS,
    DHR_ONLY_FIELDS,
    FIELD_LABELS,
    REGIONAL_ONLY_FIELDS,
    SECTIONS,
    SERVER_FIELD_SPECS,
    FieldSpec,
    Kind,
)

NO_GAPS: dict[str, set[str]] = {
    "missing from the catalogue": set(),
    "not in the model": set(),
    "twice": set(),
}


def _wire_fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {field.alias or name: field for name, field in model.model_fields.items()}


def catalogue_gaps(model: type[BaseModel], specs: Iterable[FieldSpec]) -> dict[str, set[str]]:
    """What the model and the catalogue disagree on: fields only one of them names, entries twice."""
    in_model = set(_wire_fields(model))
    names = [spec.name for spec in specs]
    return {
        "missing from the catalogue": in_model - set(names),
        "not in the model": set(names) - in_model,
        "twice": {name for name in names if names.count(name) > 1},
    }


def _found_in(annotation: Any, wanted: Any) -> list[Any]:
    """Every type within ``annotation`` (through Optional, list, Annotated) that ``wanted`` accepts."""
    found, pending = [], [annotation]
    while pending:
        current = pending.pop()
        if wanted(current):
            found.append(current)
        pending.extend(get_args(current))
    return found


def _row_model(field: FieldInfo) -> type[BaseModel] | None:
    models = _found_in(field.annotation, lambda t: isinstance(t, type) and issubclass(t, BaseModel))
    return models[0] if models else None


def _with_parts() -> list[tuple[type[BaseModel], FieldSpec]]:
    """Every (model, entry) pair: the case's fields, the server's, and the fields of each row; an
    entry the model lacks is left to the tests of the same fields, which name it."""
    pairs: list[tuple[type[BaseModel], FieldSpec]] = [(CaseFields, spec) for spec in CLIENT_FIELD_SPECS]
    pairs += [(ServerFields, spec) for spec in SERVER_FIELD_SPECS]
    for spec in CLIENT_FIELD_SPECS:
        field = _wire_fields(CaseFields).get(spec.name)
        row_model = _row_model(field) if field is not None else None
        if row_model is not None:
            pairs += [(row_model, part) for part in spec.parts]
    return [(model, spec) for model, spec in pairs if spec.name in _wire_fields(model)]


EVERY_ENTRY = _with_parts()


def _id(value: Any) -> str:
    return f"{value[0].__name__}.{value[1].name}" if isinstance(value, tuple) else str(value)


# --- the same fields -------------------------------------------------------------------------------


def test_every_client_field_has_one_entry_and_every_entry_a_field() -> None:
    assert catalogue_gaps(CaseFields, CLIENT_FIELD_SPECS) == NO_GAPS


def test_every_server_field_has_one_entry_and_every_entry_a_field() -> None:
    assert catalogue_gaps(ServerFields, SERVER_FIELD_SPECS) == NO_GAPS


@pytest.mark.parametrize("spec", CLIENT_FIELD_SPECS, ids=lambda spec: spec.name)
def test_a_list_of_objects_is_rows_whose_parts_are_the_fields_of_one_object(spec: FieldSpec) -> None:
    field = _wire_fields(CaseFields).get(spec.name)
    assert field is not None, f"{spec.name} is not a field of the case record"
    row_model = _row_model(field)
    assert (spec.kind is Kind.ROWS) is (row_model is not None)
    if row_model is not None:
        assert catalogue_gaps(row_model, spec.parts) == NO_GAPS
    else:
        assert spec.parts == ()


def test_the_check_finds_a_field_the_catalogue_misses_and_an_entry_the_model_lacks() -> None:
    class WithUncataloguedField(CaseFields):
        uncatalogued_note: str | None = None

    extra = FieldSpec("retiredNote", "Retired note", Kind.TEXT)
    assert catalogue_gaps(WithUncataloguedField, (*CLIENT_FIELD_SPECS, extra)) == {
        "missing from the catalogue": {"uncataloguedNote"},
        "not in the model": {"retiredNote"},
        "twice": set(),
    }
    assert catalogue_gaps(CaseFields, (*CLIENT_FIELD_SPECS, CLIENT_FIELD_SPECS[0]))["twice"] == {
        CLIENT_FIELD_SPECS[0].name
    }


# --- the same things said of each ------------------------------------------------------------------


@pytest.mark.parametrize(("model", "spec"), EVERY_ENTRY, ids=_id)
def test_an_entrys_coded_values_are_the_enumeration_the_model_accepts(
    model: type[BaseModel], spec: FieldSpec
) -> None:
    enums = _found_in(
        _wire_fields(model)[spec.name].annotation, lambda t: isinstance(t, type) and issubclass(t, StrEnum)
    )
    assert spec.choices == (enums[0] if enums else None)


@pytest.mark.parametrize(("model", "spec"), EVERY_ENTRY, ids=_id)
def test_an_entry_is_a_date_or_a_moment_exactly_when_the_model_says_so(
    model: type[BaseModel], spec: FieldSpec
) -> None:
    annotation = _wire_fields(model)[spec.name].annotation
    assert spec.is_date is bool(_found_in(annotation, lambda t: t is date))
    assert (spec.kind is Kind.TIMESTAMP) is bool(_found_in(annotation, lambda t: t is datetime))


@pytest.mark.parametrize(("model", "spec"), EVERY_ENTRY, ids=_id)
def test_the_models_description_is_the_catalogues(model: type[BaseModel], spec: FieldSpec) -> None:
    assert _wire_fields(model)[spec.name].description == spec.description


def test_restricted_text_is_what_the_catalogue_marks() -> None:
    marked = {spec.name for _, spec in EVERY_ENTRY if spec.restricted}
    assert restricted_fields(Case) == marked == {"caseInformation", "comments"}
    for model, spec in EVERY_ENTRY:
        if model not in (CaseFields, ServerFields):
            assert spec.name not in restricted_fields(model) or spec.restricted


def test_each_name_has_one_label_wherever_it_stands() -> None:
    labels: dict[str, set[str]] = {}
    for _, spec in EVERY_ENTRY:
        labels.setdefault(spec.name, set()).add(spec.label)
    assert {name: words for name, words in labels.items() if len(words) != 1 or "" in words} == {}
    assert {name: words.pop() for name, words in labels.items()} == FIELD_LABELS


def test_every_section_holds_a_field_and_every_form_field_a_known_section() -> None:
    used = {spec.section for spec in CLIENT_FIELD_SPECS if spec.section is not None}
    assert used == set(SECTIONS)
    assert [spec.name for spec in CLIENT_FIELD_SPECS if spec.section is None] == ["icbCode"]


def test_the_dhr_questions_are_dhr_only_and_the_regional_answer_regional_only() -> None:
    assert DHR_ONLY_FIELDS == (
        "icbChiefNurseAssuredDhrHealthRecs",
        "regionalChiefNurseContentToAcceptDhrHealthRecs",
    )
    assert frozenset({"regionalChiefNurseContentToAcceptDhrHealthRecs"}) == REGIONAL_ONLY_FIELDS


def test_the_catalogue_is_plain_data_for_a_small_cold_start() -> None:
    """No pydantic or other third-party import: every function imports the models."""
    tree = ast.parse(Path(catalogue.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported <= {"dataclasses", "enum", "tracker.models.enums"}
