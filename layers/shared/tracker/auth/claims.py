"""Who a verified token says its holder is: one reader of the identity claims for the API's
authorizer (bearer tokens) and the web app's sign-in (ID tokens), so that with the same settings
both see the same role, organisation and user.

The claims' names are settings (``ROLE_CLAIM``, ``ORG_CLAIM``, ``SUB_CLAIM``, and ``NAME_CLAIM``
for the person's name: ``name`` by default, OpenID Connect's standard claim); a dotted name reaches
a claim nested in objects (``nhs.role``) when no claim has that name itself.
"""

from dataclasses import dataclass
from typing import Any

from tracker import settings
from tracker.models.case import person_name

DEFAULT_NAME_CLAIM = settings.DEFAULT_NAME_CLAIM


def claim(claims: dict[str, Any], name: str) -> Any:
    """A claim by name; a dotted name walks nested objects when no flat claim has that name."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


@dataclass(frozen=True)
class ClaimNames:
    """The names of the claims carrying the role, the organisation code, the user and their name."""

    role: str = settings.DEFAULT_ROLE_CLAIM
    org: str = settings.DEFAULT_ORG_CLAIM
    sub: str = settings.DEFAULT_SUB_CLAIM
    name: str = DEFAULT_NAME_CLAIM

    @classmethod
    def from_settings(cls, config: settings.Settings) -> "ClaimNames":
        return cls(role=config.role_claim, org=config.org_claim, sub=config.sub_claim, name=config.name_claim)

    def subject(self, claims: dict[str, Any]) -> str | None:
        """The user: a non-empty string, or None (a token without one identifies nobody)."""
        value = claim(claims, self.sub)
        return value if isinstance(value, str) and value else None

    def person_name(self, claims: dict[str, Any]) -> str | None:
        """The person's name as a change records it (``tracker.models.case.person_name``), or None:
        a token may carry none (the forms platform's client), and a name is never required."""
        return person_name(claim(claims, self.name))

    def resolved(self, claims: dict[str, Any]) -> dict[str, Any]:
        """The claims, with the role, organisation and user also under their configured names
        (read as above), so that a lookup by a configured name finds a nested claim."""
        found = {name: claim(claims, name) for name in (self.role, self.org, self.sub)}
        return {**claims, **{name: value for name, value in found.items() if value is not None}}
