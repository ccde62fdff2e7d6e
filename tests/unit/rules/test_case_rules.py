"""Each rule of the case record, through the same validation the API uses."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tracker.errors import InvalidInput
from tracker.models.case import CaseFields, restricted_fields
from tracker.rules.case_rules import validate_case_fields


def fields_at_fault(body: Any) -> set[str]:
    with pytest.raises(InvalidInput) as raised:
        validate_case_fields(body)
    return {error.field for error in raised.value.errors}


pytestmark = pytest.mark.usefixtures("fixed_today")


def test_valid_case_passes() -> None:
    fields = validate_case_fields(synthetic_case())
    assert fields.icb_code == "QE1"
    assert [theme.value for theme in fields.themes] == ["NEGLECT", "DOMESTIC_ABUSE"]


@pytest.mark.parametrize(
    "missing",
    [
        "icbCode",
        "reviewType",
        "status",
        "stage",
        "incidentDate",
        "dateAdded",
        "designatedProfessional",
        "safeguardingPartnership",
        "themes",
    ],
)
def test_mandatory_fields(missing: str) -> None:
    body = synthetic_case()
    del body[missing]
    assert fields_at_fault(body) == {missing}


@pytest.mark.parametrize("field", ["incidentDate", "dateAdded", "reportSignedOffDate"])
def test_dates_not_in_the_future_in_london(field: str) -> None:
    # "Today" is pinned to 2026-11-26 in Europe/London; the next day is the future.
    body = synthetic_case(incidentDate="2026-01-01", dateAdded="2026-01-02")
    body[field] = "2026-11-27"
    assert field in fields_at_fault(body)


def test_today_is_not_the_future() -> None:
    validate_case_fields(synthetic_case(incidentDate="2026-11-26", dateAdded="2026-11-26"))


def test_dates_in_order() -> None:
    assert fields_at_fault(synthetic_case(incidentDate="2026-03-01", dateAdded="2026-02-01")) == {"dateAdded"}
    body = synthetic_case(reportSignedOffDate="2026-05-01", publicationDate="2026-04-01")
    assert fields_at_fault(body) == {"publicationDate"}
    assert fields_at_fault(synthetic_case(reportSignedOffDate="2026-01-20")) == {"reportSignedOffDate"}


def test_closed_needs_sign_off_publication_or_embargo() -> None:
    assert fields_at_fault(synthetic_case(status="CLOSED", stage="CLOSED")) == {"status"}
    validate_case_fields(synthetic_case(status="CLOSED", stage="CLOSED", reportSignedOffDate="2026-06-01"))
    validate_case_fields(synthetic_case(status="CLOSED", stage="PUBLISHED", publicationDate="2026-07-01"))
    validate_case_fields(synthetic_case(status="CLOSED", stage="EMBARGOED", embargoed=True))


def test_other_review_type_needs_its_text() -> None:
    assert fields_at_fault(synthetic_case(reviewType="OTHER")) == {"reviewTypeOther"}
    validate_case_fields(synthetic_case(reviewType="OTHER", reviewTypeOther="Multi-agency learning review"))
    assert fields_at_fault(synthetic_case(reviewTypeOther="Only for OTHER")) == {"reviewTypeOther"}


@pytest.mark.parametrize(
    "field", ["icbChiefNurseAssuredDhrHealthRecs", "regionalChiefNurseContentToAcceptDhrHealthRecs"]
)
def test_dhr_only_fields(field: str) -> None:
    assert fields_at_fault(synthetic_case(**{field: "YES"})) == {field}
    for review_type in ("DHR", "DHR_CHILD"):
        validate_case_fields(synthetic_case(reviewType=review_type, **{field: "PENDING"}))


def test_report_url_must_be_https() -> None:
    assert fields_at_fault(synthetic_case(reportUrl="http://example.org/report.pdf")) == {"reportUrl"}
    validate_case_fields(synthetic_case(reportUrl="https://example.org/report.pdf"))


@pytest.mark.parametrize("themes", [[], ["NEGLECT", "SEXUAL_ABUSE", "MODERN_SLAVERY", "SELF_NEGLECT"]])
def test_one_to_three_themes(themes: list[str]) -> None:
    assert fields_at_fault(synthetic_case(themes=themes)) == {"themes"}


def test_unknown_theme_and_repeated_theme() -> None:
    assert fields_at_fault(synthetic_case(themes=["NOT_A_THEME"])) == {"themes[0]"}
    assert fields_at_fault(synthetic_case(themes=["NEGLECT", "NEGLECT"])) == {"themes"}


@pytest.mark.parametrize("field", ["caseInformation", "comments"])
def test_restricted_text_maximum_length(field: str) -> None:
    assert fields_at_fault(synthetic_case(**{field: "x" * 4001})) == {field}
    validate_case_fields(synthetic_case(**{field: "x" * 4000}))


# 943 476 5919 passes the modulus 11 check (NHS Digital's published test number pattern).
@pytest.mark.parametrize("text", ["child known as 9434765919 locally", "ref 943 476 5919", "943-476-5919"])
def test_free_text_with_nhs_number_is_refused(text: str) -> None:
    assert fields_at_fault(synthetic_case(comments=text)) == {"comments"}


def test_ten_digits_failing_modulus_11_are_allowed() -> None:
    validate_case_fields(synthetic_case(comments="invoice 9434765918 settled"))


@pytest.mark.parametrize("field", ["caseInformation", "lessonsLearnt", "goodPractice", "localReference"])
@pytest.mark.parametrize("postcode", ["ZZ1 1ZZ", "zz99 9zz", "ZZ11ZZ"])
def test_free_text_with_full_postcode_is_refused(field: str, postcode: str) -> None:
    assert fields_at_fault(synthetic_case(**{field: f"lived near {postcode} at the time"})) == {field}


def test_partial_postcode_is_allowed() -> None:
    validate_case_fields(synthetic_case(lessonsLearnt="Families in the ZZ1 district were offered support."))


def test_error_never_echoes_the_rejected_text() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_case_fields(synthetic_case(comments="canary-9434765919"))
    assert "canary" not in repr([error.as_dict() for error in raised.value.errors])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("embargoed", "yes"),
        ("embargoed", 1),
        ("incidentDate", 1767225600),
        ("incidentDate", "2026-01-10T00:00:00"),
        ("incidentDate", "2026-02-30"),
        ("reviewType", "cspr"),
        ("safeguardingPartnership", 12),
    ],
)
def test_strict_types(field: str, value: Any) -> None:
    assert fields_at_fault(synthetic_case(**{field: value})) == {field}


def test_unknown_and_snake_case_fields_are_refused() -> None:
    assert fields_at_fault(synthetic_case(favouriteColour="blue")) == {"favouriteColour"}
    assert fields_at_fault(synthetic_case(icb_code="QE1")) == {"icb_code"}


def test_server_owned_fields_are_refused() -> None:
    assert fields_at_fault(synthetic_case(caseId="x", version=3)) == {"caseId", "version"}


def test_recommendations_validated_and_unique() -> None:
    recommendation = {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "Share the learning with primary care.",
        "owner": "Designated nurse",
        "dueDate": "2027-01-31",
        "status": "NOT_STARTED",
    }
    validate_case_fields(synthetic_case(recommendations=[recommendation]))
    assert fields_at_fault(synthetic_case(recommendations=[recommendation, recommendation])) == {
        "recommendations"
    }
    assert fields_at_fault(synthetic_case(recommendations=[{**recommendation, "status": "DONE"}])) == {
        "recommendations[0].status"
    }


def test_conversion_fields_go_together() -> None:
    case_id = "3f2b8c1e-0000-4000-8000-000000000001"
    assert fields_at_fault(synthetic_case(convertedFromCaseId=case_id)) == {"convertedDate"}
    validate_case_fields(synthetic_case(convertedFromCaseId=case_id, convertedDate="2026-03-01"))


def test_body_must_be_an_object() -> None:
    assert fields_at_fault(["not", "an", "object"]) == {""}


def test_restricted_fields_come_from_the_model() -> None:
    assert restricted_fields() == {"caseInformation", "comments"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("steisNumber", "943 476 5919"), ("otherIdentifiers", [{"type": "POLICE", "value": "9434765919"}])],
)
def test_identifier_fields_refuse_nhs_numbers(field: str, value: Any) -> None:
    assert fields_at_fault(synthetic_case(**{field: value})) == {
        field if field == "steisNumber" else f"{field}[0].value"
    }


def test_recommendation_id_refuses_nhs_numbers() -> None:
    recommendation = {
        "recommendationId": "9434765919",
        "theme": "NEGLECT",
        "text": "Share the learning.",
        "owner": "Designated nurse",
        "dueDate": "2027-01-31",
        "status": "NOT_STARTED",
    }
    assert fields_at_fault(synthetic_case(recommendations=[recommendation])) == {
        "recommendations[0].recommendationId"
    }


def test_converted_from_case_id_must_be_a_case_id() -> None:
    body = synthetic_case(convertedFromCaseId="ZZ1 1ZZ 9434765919", convertedDate="2026-03-01")
    assert fields_at_fault(body) == {"convertedFromCaseId"}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/report?nhs=9434765919",
        "https://example.org/reports/943-476-5919.pdf",
        "https://example.org/report?postcode=ZZ99%203VZ",
    ],
)
def test_a_report_url_carrying_an_identifier_is_refused(fixed_today: None, url: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_case_fields(synthetic_case(reportUrl=url))
    assert [error.field for error in raised.value.errors] == ["reportUrl"]


def test_an_ordinary_report_url_is_kept(fixed_today: None) -> None:
    url = "https://example.org/reviews/2026/cspr-summary.pdf?version=2"
    assert validate_case_fields(synthetic_case(reportUrl=url)).report_url == url


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"])
def test_control_and_direction_override_characters_are_refused_in_free_text(
    fixed_today: None, character: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_case_fields(synthetic_case(comments=f"synthetic{character}text"))
    assert raised.value.errors[0].field == "comments"


def test_tabs_newlines_and_ordinary_unicode_are_kept(fixed_today: None) -> None:
    text = "Café, Ŵŷ Llŷn — line one\r\n\tline two 😀"
    assert validate_case_fields(synthetic_case(comments=text)).comments == text


def test_a_flood_of_unknown_fields_is_refused_naming_only_the_first(fixed_today: None) -> None:
    document = {**synthetic_case(), **{f"unknown{number:05d}": 1 for number in range(5000)}}
    with pytest.raises(InvalidInput) as raised:
        validate_case_fields(document)
    errors = raised.value.errors
    assert len(errors) == 21
    assert errors[0].field == "unknown00000" and "4980 more" in errors[-1].detail


def test_every_field_the_catalogue_marks_dhr_only_is_refused_outside_a_dhr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rule reads the catalogue's DHR-only fields: marking another field so is enough."""
    from tracker.rules import case_rules

    monkeypatch.setattr(case_rules, "DHR_ONLY_FIELDS", (*case_rules.DHR_ONLY_FIELDS, "localReference"))
    case = CaseFields.model_validate(synthetic_case(reviewType="CSPR", localReference="LR-1"))
    refused = dict(case_rules.case_rule_problems(case))
    # In labels, never the codes DHR_CHILD or the field's camelCase name.
    assert refused["localReference"] == (
        "The question \u201cLocal reference\u201d is only for domestic homicide reviews "
        "(Domestic homicide review (DHR) or DHR, victim aged 16 or 17): leave it unanswered, "
        "or choose one of those review types"
    )
    dhr = CaseFields.model_validate(synthetic_case(reviewType="DHR", localReference="LR-1"))
    assert all(field != "localReference" for field, _ in case_rules.case_rule_problems(dhr))


def test_a_rapid_review_is_completed_in_the_past_and_after_the_decision_to_review() -> None:
    # "Today" is pinned to 2026-11-26 in Europe/London.
    rapid = {"reviewType": "RAPID_REVIEW", "incidentDate": "2026-03-01", "dateAdded": "2026-03-10"}

    assert "rapidReviewCompletedDate" in fields_at_fault(
        synthetic_case(**rapid, rapidReviewCompletedDate="2026-11-27")
    )
    assert "rapidReviewCompletedDate" in fields_at_fault(
        synthetic_case(**rapid, rapidReviewCompletedDate="2026-03-09")
    )
    validate_case_fields(synthetic_case(**rapid, rapidReviewCompletedDate="2026-03-20"))
