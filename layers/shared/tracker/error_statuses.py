"""The one table from a domain error to the HTTP status and words that stand for it.

The API renders a kind as an RFC 9457 problem (``tracker.api.problems``), the web app as a page
(its error page, or the form again with the errors or the conflict); neither keeps a table of its
own, nor writes a refusal's status by hand. The order in which errors win (401, 404, 403, 428,
412, 400, 422) is the use cases' business; this module only says which status and title stand for
each kind of error.
"""

from dataclasses import dataclass

from tracker import errors
from tracker.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
"""RFC 9457's media type: the API's problems and the ones API Gateway answers by itself."""


@dataclass(frozen=True)
class ErrorKind:
    status: int
    title: str
    slug: str  # the problem type's last path segment


ERROR_KINDS: dict[type[DomainError], ErrorKind] = {
    errors.Unauthenticated: ErrorKind(401, "Unauthorized", "unauthorized"),
    errors.NotVisible: ErrorKind(404, "Not found", "not-found"),
    errors.NotAllowed: ErrorKind(403, "Forbidden", "forbidden"),
    errors.InProgress: ErrorKind(409, "Conflict", "conflict"),
    errors.PreconditionMissing: ErrorKind(428, "Precondition required", "precondition-required"),
    errors.VersionMismatch: ErrorKind(412, "Precondition failed", "precondition-failed"),
    errors.UnreadableInput: ErrorKind(400, "Bad request", "bad-request"),
    errors.TooLarge: ErrorKind(413, "Content too large", "content-too-large"),
    errors.UnsupportedFormat: ErrorKind(415, "Unsupported media type", "unsupported-media-type"),
    errors.InvalidInput: ErrorKind(422, "Validation failed", "validation-error"),
    errors.LimitExceeded: ErrorKind(429, "Too many requests", "too-many-requests"),
    errors.AuditUnavailable: ErrorKind(503, "Service unavailable", "service-unavailable"),
}
INTERNAL = ErrorKind(500, "Internal error", "internal-error")
"""Anything that is not a domain error: a fault of the service, never the caller's."""


FORM_POST_KINDS: dict[type[DomainError], ErrorKind] = {
    # The version a form was read at rides in the form's own fields, not in a conditional header:
    # RFC 9110 makes a stale one a conflict with the resource's current state (15.5.10), which the
    # page shows to resolve; 412 is for a condition in a header field (15.5.13), the API's If-Match.
    errors.VersionMismatch: ErrorKind(409, "Conflict", "conflict"),
}
"""Where a web form's post is answered otherwise than the API; every other kind is as above."""


def kind_of(error: BaseException, *, posted_form: bool = False) -> ErrorKind:
    """The kind of ``error`` or of the nearest of its bases in the table; ``INTERNAL`` otherwise.
    ``posted_form``: the refusal of a web form's post (``FORM_POST_KINDS`` first)."""
    tables = (FORM_POST_KINDS, ERROR_KINDS) if posted_form else (ERROR_KINDS,)
    for error_type in type(error).__mro__:
        for table in tables:
            if error_type in table:
                return table[error_type]
    return INTERNAL
