"""A count in words that agree with it ("1 case", "2 cases"): one helper for the web pages and the
reminder e-mail, kept in the domain beside ``tracker.models.wording`` so both may import it."""


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` and the noun in the form it takes: ``counted(1, "case")`` is "1 case",
    ``counted(0, "case")`` "0 cases"; give ``plural`` when adding an "s" is wrong
    (``counted(2, "ICB reply", "ICB replies")``)."""
    noun = singular if number == 1 else (plural if plural is not None else singular + "s")
    return f"{number} {noun}"
