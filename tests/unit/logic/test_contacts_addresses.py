"""Contact addresses: taken exactly as written (no trailing line break hides a repeat), never holding
a patient identifier, and published as a pattern that schema-driven tools can generate from.

NHS numbers here are made up (943 476 5919 is the NHS's published test number); postcodes are
``ZZ``-area test postcodes; domains are ``example`` ones.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.properties import examples
from tracker.errors import InvalidInput
from tracker.logic.contacts import validate_contacts

DOCUMENT = Path(__file__).resolve().parents[3] / "layers/shared/tracker/api/openapi.json"
CONTACTS_PATH = "/icbs/{icbCode}/contacts"
REFUSED_NHS = "must not contain an NHS number: this collection takes no patient-identifiable data"
REFUSED_POSTCODE = "must not contain a full postcode: this collection takes no patient-identifiable data"
# Refusals of rules the document cannot state: addresses repeat without regard to case, and the
# identifier guard reads the text.
BEYOND_THE_SCHEMA = ("repeats an address already listed", REFUSED_NHS, REFUSED_POSTCODE)


def refusals(document: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        validate_contacts(document)
    return [(error.field, error.detail) for error in refused.value.errors]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "\u2028"])
def test_an_address_with_a_trailing_line_break_is_refused_not_stored_twice(ending: str) -> None:
    fields = [field for field, _ in refusals({"emails": ["lead@nhs.example", "lead@nhs.example" + ending]})]
    assert fields == ["emails[1]"]
    assert [field for field, _ in refusals({"emails": ["lead@nhs.example" + ending]})] == ["emails[0]"]


@pytest.mark.parametrize(
    ("address", "detail"),
    [
        ("9434765919@nhs.example", REFUSED_NHS),
        ("943.476.5919@nhs.example", REFUSED_NHS),
        ("lead-943-476-5919@nhs.example", REFUSED_NHS),
        ("zz99.3vz@nhs.example", REFUSED_POSTCODE),
        ("lead@zz99-3vz.example", REFUSED_POSTCODE),
    ],
)
def test_the_identifier_guard_reads_contact_addresses(address: str, detail: str) -> None:
    assert refusals({"emails": ["lead@nhs.example", address]}) == [("emails[1]", detail)]


@pytest.mark.parametrize(
    "address",
    [
        "safeguarding.team@nhs.net",
        "england.qe1-safeguarding@nhs.net",
        "lead.2026@nhs.example",
        "icb.qhm.safeguarding+reviews@nhs.example",
        "a" * 64 + "@nhs.example",
        "a." * 31 + "aa@nhs.example",  # 64 before the @, dots included
    ],
)
def test_ordinary_addresses_are_accepted_as_written(address: str) -> None:
    assert validate_contacts({"emails": [address]}) == [address]


@pytest.mark.parametrize("address", ["a" * 65 + "@nhs.example", "a." * 32 + "a@nhs.example"])
def test_more_than_64_characters_before_the_at_sign_is_refused(address: str) -> None:
    assert [field for field, _ in refusals({"emails": [address]})] == ["emails[0]"]


def _email_schema() -> dict[str, Any]:
    document = json.loads(DOCUMENT.read_text())
    body = document["paths"][CONTACTS_PATH]["put"]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    items: dict[str, Any] = document["components"]["schemas"][name]["properties"]["emails"]["items"]
    return items


@pytest.mark.parametrize(
    ("address", "admitted"),
    [
        ("lead@nhs.example", True),
        ("lead@nhs.example\n", False),
        ("a" * 64 + "@nhs.example", True),
        ("a" * 65 + "@nhs.example", False),
        ("lead..one@nhs.example", False),
        (".lead@nhs.example", False),
        ("lead@nhs", False),
    ],
)
def test_the_published_address_schema_reads_as_an_ecma_262_engine_reads_it(
    address: str, admitted: bool
) -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="an ECMA-262 regular expression engine")
    assert jsonschema_rs.validator_for(_email_schema()).is_valid(address) is admitted
    assert (address in validate_contacts_or_none(address)) is admitted


def validate_contacts_or_none(address: str) -> list[str]:
    try:
        return validate_contacts({"emails": [address]})
    except InvalidInput:
        return []


schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")
CONTACTS_PUT = schemathesis.openapi.from_path(str(DOCUMENT))[CONTACTS_PATH]["PUT"]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=CONTACTS_PUT.as_strategy())
def test_schemathesis_generates_bodies_the_service_accepts(case: Any) -> None:
    """Every body Schemathesis draws from the committed document is one the service takes, but for
    the rules no schema can state."""
    try:
        assert validate_contacts(case.body) == case.body["emails"]
    except InvalidInput as refused:
        assert all(error.detail.startswith(BEYOND_THE_SCHEMA) for error in refused.errors), (
            case.body,
            refused.errors,
        )
