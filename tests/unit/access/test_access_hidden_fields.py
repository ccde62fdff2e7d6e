"""Which case fields a caller is shown nothing of: the access policy answers, role by role."""

import pytest

from tracker.access import AccessPolicy, Caller
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.reference import reference_data

ORGS = {
    Role.ICB_EDITOR: "QE1",
    Role.ICB_VIEWER: "QE1",
    Role.REGIONAL: "Y62",
    Role.NATIONAL: "X24",
    Role.PROVIDER: "RXL",
}


def _marked_restricted() -> set[str]:
    """The fields the case model marks restricted, read from its JSON schema."""
    properties = Case.model_json_schema(by_alias=True)["properties"]
    return {name for name, schema in properties.items() if schema.get("x-restricted")}


def test_a_provider_is_shown_nothing_of_the_restricted_free_text() -> None:
    hidden = AccessPolicy(reference_data()).hidden_fields(Caller(Role.PROVIDER, "RXL", "provider-1"))
    assert hidden == _marked_restricted()
    assert {"caseInformation", "comments"} <= hidden


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.PROVIDER])
def test_every_other_role_is_shown_every_field(role: Role) -> None:
    assert AccessPolicy(reference_data()).hidden_fields(Caller(role, ORGS[role], "user-1")) == frozenset()
