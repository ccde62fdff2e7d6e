"""The case form on its own: case ↔ form values, and domain errors placed beside their boxes."""

import pytest

from tracker.access import AccessPolicy, Caller
from tracker.errors import FieldError
from tracker.logic.numbers import whole_number
from tracker.models.case import CaseFields
from tracker.models.enums import ReviewType, Role
from tracker.reference import reference_data
from tracker.web.forms import Rows, form_values, parse_form, place_errors, sections_for

POLICY = AccessPolicy(reference_data())
EDITOR_SECTIONS = sections_for(POLICY.submittable_fields(Caller(Role.ICB_EDITOR, "QE1", "synthetic-editor")))


def test_a_case_survives_the_round_trip_through_the_form() -> None:
    document = {
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": "2026-01-10",
        "dateAdded": "2026-02-02",
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Partnership",
        "themes": ["NEGLECT", "DOMESTIC_ABUSE"],
        "embargoed": False,
        "otherIdentifiers": [{"type": "POLICE", "value": "SYN-POL-1"}],
        "recommendations": [
            {
                "recommendationId": "R7",
                "theme": "NEGLECT",
                "text": "Synthetic",
                "owner": "Owner",
                "dueDate": "2026-12-01",
                "status": "NOT_STARTED",
            }
        ],
    }

    values = form_values(document, EDITOR_SECTIONS)
    parsed = parse_form(values, EDITOR_SECTIONS)

    assert values["incidentDate[day]"] == ["10"] and values["embargoed"] == ["no"]
    assert not parsed.errors
    kept = {name: value for name, value in parsed.document.items() if value is not None}
    assert kept == document


def test_empty_boxes_become_null_so_the_patch_removes_the_value() -> None:
    parsed = parse_form({"localReference": ["  "], "publicationDate[day]": [""]}, EDITOR_SECTIONS)
    assert parsed.document["localReference"] is None
    assert parsed.document["publicationDate"] is None
    assert parsed.document["recommendations"] is None


def _names(fields: frozenset[str]) -> list[str]:
    return [item.name for section in sections_for(fields) for item in section.fields]


def test_the_regional_team_gets_its_question_only_and_only_on_a_dhr() -> None:
    regional = Caller(Role.REGIONAL, "Y62", "synthetic-regional")
    on_a_dhr = POLICY.editable_fields(regional, "QE1", "Y62", ReviewType.DHR)
    assert _names(on_a_dhr) == ["regionalChiefNurseContentToAcceptDhrHealthRecs"]
    assert sections_for(POLICY.editable_fields(regional, "QE1", "Y62", ReviewType.SAR)) == []
    editor_names = set(_names(POLICY.submittable_fields(Caller(Role.ICB_EDITOR, "QE1", "synthetic-editor"))))
    assert "regionalChiefNurseContentToAcceptDhrHealthRecs" not in editor_names
    assert "icbChiefNurseAssuredDhrHealthRecs" in editor_names


def test_an_icb_editor_is_offered_the_dhr_section_only_on_a_dhr() -> None:
    editor = Caller(Role.ICB_EDITOR, "QE1", "synthetic-editor")
    keys = {ReviewType.DHR: "dhr", ReviewType.CSPR: None}
    for review_type, dhr_key in keys.items():
        sections = sections_for(POLICY.editable_fields(editor, "QE1", "Y62", review_type))
        assert ("dhr" in [section.key for section in sections]) is (dhr_key is not None), review_type


def test_errors_name_the_box_and_the_summary_links_to_it() -> None:
    errors = place_errors(
        [
            FieldError("stage", "Field required"),
            FieldError("publicationDate", "must not be before reportSignedOffDate"),
            FieldError("themes[1]", "Input should be 'NEGLECT', ..."),
            FieldError("recommendations[0].dueDate", "must be a date written YYYY-MM-DD"),
        ],
        EDITOR_SECTIONS,
        {"recommendations": [2]},
    )
    # In tracker.web.messages' words: what to do, and the labels of the fields named.
    assert errors.by_element["stage"] == "Select the stage"
    assert errors.by_element["publicationDate"] == (
        "Publication date must be the same as or after the report signed off"
    )
    assert errors.by_element["themes"] == "Select one of the choices offered for the themes"
    assert "recommendations-2-dueDate" in errors.by_element
    assert [item["href"] for item in errors.summary] == [
        "#stage",
        "#publicationDate-day",
        "#themes",
        "#recommendations-2-dueDate-day",
    ]


def test_each_list_offers_as_many_rows_as_the_record_accepts_items() -> None:
    schema = CaseFields.model_json_schema(by_alias=True)["properties"]
    lists = [item for section in EDITOR_SECTIONS for item in section.fields if isinstance(item, Rows)]
    assert {rows.name for rows in lists} == {"otherIdentifiers", "learningDissemination", "recommendations"}
    for rows in lists:
        array = next(option for option in schema[rows.name]["anyOf"] if option.get("type") == "array")
        assert rows.max_rows == array["maxItems"], rows.name


@pytest.mark.parametrize("text", ["\u00b2", "\u0663", "1" * 5000, "-1", "+1", "1.0", " 1", ""])
def test_only_ascii_digits_make_a_whole_number(text: str) -> None:
    assert whole_number(text) is None


def test_a_whole_number_is_read_from_its_ascii_digits() -> None:
    assert whole_number("0042") == 42


def test_a_row_count_that_is_not_a_whole_number_is_reported_not_read_as_no_rows() -> None:
    parsed = parse_form(
        {"recommendations-count": ["\u00b2"], "recommendations[0].text": ["Synthetic"]}, EDITOR_SECTIONS
    )
    assert parsed.unreadable == [FieldError("recommendations", "row count must be a whole number")]
    assert "recommendations" not in parsed.document  # so no patch removes the list


def test_a_row_count_beyond_the_limit_reads_no_more_rows_than_the_record_accepts() -> None:
    identifiers = next(
        item for section in EDITOR_SECTIONS for item in section.fields if item.name == "otherIdentifiers"
    )
    assert isinstance(identifiers, Rows)
    form = {"otherIdentifiers-count": ["1000"]}
    form |= {f"otherIdentifiers[{index}].value": [f"SYN-{index}"] for index in range(1000)}
    parsed = parse_form(form, EDITOR_SECTIONS)
    assert parsed.row_positions["otherIdentifiers"] == list(range(identifiers.max_rows + 1))
