"""The contacts page answers a refused save with the status the one error table gives the refusal:
it writes none of its own."""

import pytest

from tests.unit.web.conftest import Harness
from tests.unit.web.test_providers_and_contacts import _contacts_form, _post_contacts
from tracker import error_statuses, errors
from tracker.access import Caller
from tracker.error_statuses import ErrorKind
from tracker.logic.commands import ReplaceContacts, VersionCondition
from tracker.models.enums import Role

# A status no table would give: the page can only answer it by asking the table.
UNUSED = ErrorKind(418, "Synthetic", "synthetic")


def test_an_invalid_address_is_answered_with_the_tables_status(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(error_statuses.ERROR_KINDS, errors.InvalidInput, UNUSED)
    form = _contacts_form(web)

    page = _post_contacts(web, {**form, "emails": ["not-an-address"]})

    assert page.status == 418
    assert "must be an email address" in page.body


def test_a_stale_save_is_answered_with_the_tables_status_for_a_form(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(error_statuses.FORM_POST_KINDS, errors.VersionMismatch, UNUSED)
    form = _contacts_form(web)  # read at version 0
    web.contacts.replace(
        Caller(Role.ICB_EDITOR, "QE1", "editor-2"),
        ReplaceContacts("QE1", {"emails": ["first.saver@nhs.example"]}, VersionCondition(frozenset({0}))),
    )

    conflict = _post_contacts(web, {**form, "emails": ["second.saver@nhs.example"]})

    assert conflict.status == 418
    assert "Someone else saved these contacts first" in conflict.body


def test_without_a_change_to_the_table_the_statuses_are_422_and_409(web: Harness) -> None:
    form = _contacts_form(web)
    invalid = _post_contacts(web, {**form, "emails": ["not-an-address"]})
    web.contacts.replace(
        Caller(Role.ICB_EDITOR, "QE1", "editor-2"),
        ReplaceContacts("QE1", {"emails": ["first.saver@nhs.example"]}, VersionCondition(frozenset({0}))),
    )
    stale = _post_contacts(web, {**form, "emails": ["second.saver@nhs.example"]})
    assert (invalid.status, stale.status) == (422, 409)
