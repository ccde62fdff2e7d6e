"""Domain errors: what went wrong, in the domain's own words.

They carry no HTTP status: ``tracker.error_statuses`` maps each kind onto a status in one table,
which the API renders as an RFC 9457 problem and the web app as a page. Messages never quote
the caller's text back: restricted free text must not reach logs or responses.
"""

from dataclasses import dataclass, field


def _escape_pointer_token(token: str) -> str:
    # RFC 6901: "~" is written "~0" and "/" is written "~1", in that order.
    return token.replace("~", "~0").replace("/", "~1")


COMMAND = "command"
"""Where an error sits when it names a part of a command rather than of the document (an entry
point says where that part came from: the JSON API maps it onto its header)."""


@dataclass(frozen=True)
class FieldError:
    """One bad field. ``path`` holds the parts of its place in the document (names and indexes)."""

    field: str  # dotted camelCase path, e.g. "recommendations[0].dueDate"; "" for the whole input
    detail: str
    location: str = "body"  # body, query, header, path; or COMMAND, which an entry point places
    path: tuple[str | int, ...] | None = None

    @property
    def pointer(self) -> str:
        """RFC 6901 JSON pointer of the field within its location."""
        parts = self.path if self.path is not None else _parts_of(self.field)
        return "".join("/" + _escape_pointer_token(str(part)) for part in parts)

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "in": self.location, "pointer": self.pointer, "detail": self.detail}


def _parts_of(field_path: str) -> tuple[str, ...]:
    if not field_path:
        return ()
    normalised = field_path.replace("].", "/").replace("[", "/").replace("]", "").replace(".", "/")
    return tuple(normalised.split("/"))


@dataclass(eq=False)
class DomainError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.detail)


class Unauthenticated(DomainError):
    """No caller could be established."""


class NotVisible(DomainError):
    """The thing does not exist, or the caller may not know that it does: the two look the same."""


class NotAllowed(DomainError):
    """The caller may see the thing but not do this, or not set this field."""


class InProgress(DomainError):
    """The same request is being handled right now: try again shortly."""


class PreconditionMissing(DomainError):
    """A change must name the version it was based on."""


class VersionMismatch(DomainError):
    """The thing changed since the caller read it: nothing was written."""


class UnreadableInput(DomainError):
    """The input could not be read at all (malformed JSON, a bad cursor, an unknown filter)."""


class UnsupportedFormat(DomainError):
    """The input is in a format the operation does not take."""


class TooLarge(DomainError):
    """The input is larger than the service accepts."""


class InvalidInput(DomainError):
    """Well-formed but invalid: ``errors`` names each bad field."""


class LimitExceeded(DomainError):
    """The caller sent more requests than its share: try again later."""


class AuditUnavailable(DomainError):
    """The read could not be recorded in the audit of who has seen a case, so it is refused: no
    case is read without a trace. Nothing is wrong with the request: try again shortly."""
