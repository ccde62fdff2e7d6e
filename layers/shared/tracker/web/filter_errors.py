"""A list page's filters as read from its address: a value that cannot be read is said, never dropped.

A list that ignored a mistyped or stale filter would show other rows as if filtered. So each filter
that cannot be read is named in the page's NHS.UK error summary, linked to its box (``filter-`` and
its name) and said beside it; the page answers 400 and lists nothing. A download has no form to say
it on: it is refused as unreadable input, and the app's error page names each filter. An absent or
empty value is "any".
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tracker.error_statuses import kind_of
from tracker.errors import FieldError, UnreadableInput
from tracker.web.http import WebRequest

T = TypeVar("T")

NOT_OFFERED = "must be one of the choices offered"
YES_OR_NO = {"true": True, "false": False}
"""A yes-or-no filter's values."""
NOT_VALID = "The filters are not valid."


def box_id(name: str) -> str:
    """The id of a filter's box, where the error summary's link for it leads."""
    return f"filter-{name}"


def yes_or_no(raw: str) -> bool:
    """``true`` or ``false``; anything else is a ValueError (a choice not offered)."""
    if raw not in YES_OR_NO:
        raise ValueError(raw)
    return YES_OR_NO[raw]


@dataclass
class FilterErrors:
    """What is wrong with a list's filters, by filter name, in the order they were read (the form's)."""

    labels: Mapping[str, str]  # a filter's name -> its box's label
    errors: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # name -> (label, detail, anchor)

    def fault(self, name: str, detail: str, anchor: str = "") -> None:
        """The filter ``name`` cannot be read; ``anchor``: the box to lead to, when not its own id
        (a date's day, month or year box). The first fault of a filter is the one said."""
        if name not in self.errors:
            self.errors[name] = (self.labels[name], detail, anchor or box_id(name))

    def choice(self, request: WebRequest, name: str, allowed: Callable[[str], T]) -> T | None:
        """The filter's value as one of its ``allowed`` values (an enum, or a function that raises
        ValueError on anything else); None when absent or empty, and when not allowed (a fault)."""
        raw = request.query_value(name)
        if not raw:
            return None
        try:
            return allowed(raw)
        except ValueError:
            self.fault(name, NOT_OFFERED)
            return None

    def message(self, name: str) -> str:
        """What the filter's box says, or "" when it was read."""
        label, detail, _ = self.errors.get(name, ("", "", ""))
        return f"{label}: {detail}" if label else ""

    def summary(self) -> list[dict[str, str]]:
        """The NHS.UK error summary's list: each fault, linked to its box."""
        return [
            {"text": self.message(name), "href": f"#{anchor}"} for name, (_, _, anchor) in self.errors.items()
        ]

    @property
    def status(self) -> int:
        """The page's status: the error table's for unreadable input when any filter is at fault."""
        return kind_of(UnreadableInput(NOT_VALID)).status if self.errors else 200

    def refuse_if_any(self) -> None:
        """For a download: raises UnreadableInput naming each filter at fault, by its label and its
        parameter (the app's error page says each)."""
        if self.errors:
            raise UnreadableInput(
                NOT_VALID,
                [
                    FieldError(name, f"{label} ({name}): {detail}", "query")
                    for name, (label, detail, _) in self.errors.items()
                ],
            )
