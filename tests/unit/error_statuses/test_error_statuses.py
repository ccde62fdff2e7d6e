"""The one error table: a domain error's status, whichever entry point answers it."""

from tracker import errors
from tracker.error_statuses import ERROR_KINDS, kind_of


def test_a_stale_if_match_is_a_failed_precondition() -> None:
    # RFC 9110 15.5.13: a condition in a request header field evaluated to false.
    assert kind_of(errors.VersionMismatch("changed")).status == 412


def test_a_form_posted_over_a_stale_version_is_a_conflict() -> None:
    # RFC 9110 15.5.10: the version rode in the form's own fields, not in a conditional header, so
    # the change conflicts with the resource's current state; the page shows both to resolve it.
    kind = kind_of(errors.VersionMismatch("changed"), posted_form=True)
    assert (kind.status, kind.title) == (409, "Conflict")


def test_a_form_post_is_answered_as_the_api_for_every_other_refusal() -> None:
    for error_type, kind in ERROR_KINDS.items():
        if error_type is not errors.VersionMismatch:
            assert kind_of(error_type("refused"), posted_form=True) == kind, error_type.__name__


def test_a_subclass_takes_its_nearest_base_in_a_form_too() -> None:
    class StaleContacts(errors.VersionMismatch):
        pass

    assert kind_of(StaleContacts("changed"), posted_form=True).status == 409
    assert kind_of(StaleContacts("changed")).status == 412
