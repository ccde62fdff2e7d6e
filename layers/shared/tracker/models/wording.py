"""How coded values, deadlines and dates read to people, in the design system's plain English: one
table for the web pages (``tracker.web.labels``) and the reminder e-mail (``tracker.logic.reminders``),
kept in the domain so that both may import it. A field's label is the catalogue's
(``tracker.models.fields``). Plain data, no third-party import."""

from datetime import date

VALUE_LABELS = {
    "CSPR": "Child safeguarding practice review (CSPR)",
    "SAR": "Safeguarding adult review (SAR)",
    "DHR": "Domestic homicide review (DHR)",
    "DHR_CHILD": "DHR, victim aged 16 or 17",
    "RAPID_REVIEW": "Rapid review",
    "ICB_SAFEGUARDING_LEAD": "ICB safeguarding lead",
    "STEIS": "StEIS",
    "LFPSE": "LFPSE",
    "SEVEN_MINUTE_BRIEFING": "7-minute briefing",
}
"""Coded values whose words do not follow from their code (the rest read as ``value_label`` says)."""

DEADLINE_LABELS = {
    "rapid_review_due": "Rapid review due",
    "publication_due": "Publication due",
    "completion_due": "Completion due",
}
"""A case's deadlines (``Deadlines``' due dates), as a page or an e-mail names them."""


def value_label(value: str) -> str:
    if value in VALUE_LABELS:
        return VALUE_LABELS[value]
    words = value.replace("_", " ").lower()
    return words[:1].upper() + words[1:]


def long_date(day: date) -> str:
    """``1 July 2026``: the design system's date, no leading zero and the month in words."""
    return f"{day.day} {day:%B %Y}"
