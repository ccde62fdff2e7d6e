"""What a use case answers when it will not act: the access policy's refusal, or a stale version,
in the domain's errors. One translation for every use case, so cases and contacts refuse alike."""

from tracker.access import AccessDenied, Refusal
from tracker.errors import COMMAND, FieldError, NotAllowed, NotVisible, VersionMismatch
from tracker.logic.commands import EXPECTED_VERSION


def refused(denied: AccessDenied, not_found: str) -> NotVisible | NotAllowed:
    """Not visible, worded ``not_found`` as for a thing that does not exist (the two must look the
    same), or not allowed, naming the field refused if any."""
    if denied.refusal is Refusal.NOT_VISIBLE:
        return NotVisible(not_found)
    return NotAllowed(
        denied.detail, [FieldError(denied.field, "may not be set by this caller")] if denied.field else []
    )


def stale(detail: str) -> VersionMismatch:
    """The thing changed since the caller read it; ``detail`` says what to do in the thing's words."""
    return VersionMismatch(
        detail, [FieldError(EXPECTED_VERSION, "does not match the current version", COMMAND)]
    )
