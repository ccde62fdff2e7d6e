"""Whole numbers as entry points receive them in text (a version, a page size, a form's row count
or date part): read one way everywhere, so odd input is refused as unreadable, never a crash."""

LONGEST_NUMBER = 12
"""Digits: beyond any version, page size, row count or date part, and cheap to read."""


def whole_number(text: str) -> int | None:
    """The number ``text`` writes in ASCII digits, or None.

    ``'²'.isdigit()`` is true yet ``int('²')`` fails; ``int('٣')`` reads an Arabic-Indic 3 that no
    record holds; ``int`` refuses more than 4,300 digits. None of them is a number here."""
    if text.isascii() and text.isdigit() and len(text) <= LONGEST_NUMBER:
        return int(text)
    return None
