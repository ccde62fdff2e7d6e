"""What people read for each field and value, in the design system's plain English: a field's label
is the catalogue's (``tracker.models.fields``), a coded value's and a date's are
``tracker.models.wording``'s (shared with the reminder e-mail)."""

import re
from datetime import date, datetime
from typing import Any

from tracker import clock
from tracker.models.fields import FIELD_LABELS

# Re-exported: pages and helpers that read the value table here keep doing so.
from tracker.models.wording import VALUE_LABELS as VALUE_LABELS
from tracker.models.wording import long_date, value_label

# Re-exported: the messages' catalogue is tracker.web.messages.
from tracker.web.messages import readable_detail as readable_detail


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = re.sub(r"([A-Z])", r" \1", name).strip().lower()
    return words[:1].upper() + words[1:]


def options(values: Any) -> list[tuple[str, str]]:
    return [(member.value, value_label(member.value)) for member in values]


def format_date(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return long_date(value)
    return str(value)


def format_time(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        local = value.astimezone(clock.LONDON)
        return f"{local.day} {local:%B %Y} at {local:%H:%M}"
    return str(value)


_ACRONYMS = frozenset({"NHS", "UK", "CIC", "ICB"})
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "on", "upon", "in", "at"})


def organisation_name(name: str) -> str:
    """An ODS name, which ODS writes in capitals, as people read names ("Blackpool Teaching
    Hospitals NHS Foundation Trust"): capitals are harder to read, so the design system avoids them."""
    if name != name.upper():
        return name  # already written in mixed case: kept as written

    def word(position: int, raw: str) -> str:
        bare = raw.strip("\"',()&")
        if bare in _ACRONYMS:
            return raw
        lowered = raw.lower()
        if position > 0 and bare.lower() in _SMALL_WORDS:
            return lowered
        # Each part of a hyphenated word starts with a capital; an apostrophe's "s" stays small.
        return "-".join(part[:1].upper() + part[1:] for part in lowered.split("-"))

    return " ".join(word(position, raw) for position, raw in enumerate(name.split()))
