"""Domain errors: what went wrong, in terms the API maps onto RFC 9457 problems.

Free of HTTP machinery; each carries the status it stands for so the mapping lives in one place.
Messages never quote the caller's text back: restricted free text must not reach logs or responses.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str  # dotted camelCase path, e.g. "recommendations[0].dueDate"; "" for the whole body
    detail: str
    location: str = "body"  # body, query, header, path

    @property
    def pointer(self) -> str:
        """RFC 6901 JSON pointer of the field within its location."""
        if not self.field:
            return ""
        return "/" + self.field.replace("].", "/").replace("[", "/").replace("]", "").replace(".", "/")

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "in": self.location, "pointer": self.pointer, "detail": self.detail}


@dataclass(eq=False)
class DomainError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    status = 500
    title = "Internal error"
    slug = "internal-error"

    def __post_init__(self) -> None:
        super().__init__(self.detail)


class Unauthorized(DomainError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionRequired(DomainError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class PreconditionFailed(DomainError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class BadRequest(DomainError):
    status, title, slug = 400, "Bad request", "bad-request"


class UnsupportedMediaType(DomainError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class Unprocessable(DomainError):
    status, title, slug = 422, "Validation failed", "validation-error"
