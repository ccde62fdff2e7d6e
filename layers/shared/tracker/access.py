"""One access policy for the roles (ICB editor and viewer, regional, national, provider), on every operation.

Object-level: every read and write asks this module about the very case it touches. List queries
ask it for the caller's scope (which ICBs, which regions), so a list never reads outside it; the
data-access layer maps a scope onto its own partitions.
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from tracker import clock
from tracker.models.case import CLIENT_FIELDS, restricted_fields
from tracker.models.enums import DHR_REVIEW_TYPES, ReviewType, Role
from tracker.models.fields import DHR_ONLY_FIELDS, REGIONAL_ONLY_FIELDS
from tracker.reference import NHS_ENGLAND_ORG, ReferenceData, reference_data

# What each role may set on a case it may edit: an ICB editor every field but the regional team's
# answer, the regional team that answer alone; no other role changes a case.
FIELDS_SET_BY_ROLE = {
    Role.ICB_EDITOR: CLIENT_FIELDS - REGIONAL_ONLY_FIELDS,
    Role.REGIONAL: REGIONAL_ONLY_FIELDS,
}


@dataclass(frozen=True)
class Caller:
    role: Role
    org: str
    sub: str
    name: str | None = None  # the person's name from the identity provider, if it gives one

    @property
    def audit_name(self) -> str:
        """Who made a change, as recorded in createdBy/updatedBy and history."""
        return f"{self.role.value}:{self.org}:{self.sub}"


ROLE_IN_WORDS = {
    Role.ICB_EDITOR: "An ICB editor",
    Role.ICB_VIEWER: "An ICB viewer",
    Role.REGIONAL: "Someone in the regional team",
    Role.NATIONAL: "Someone in the national team",
    Role.PROVIDER: "Someone",
}
"""Who acted, in words, when no name was recorded: the role as a page says it."""


def acted_as(audit_name: str) -> tuple[str, str] | None:
    """The role in words and the organisation code of an ``audit_name`` (``role:org:sub``), or None
    for one this service did not write."""
    parts = audit_name.split(":", 2)
    if len(parts) != 3:
        return None
    try:
        return ROLE_IN_WORDS[Role(parts[0])], parts[1]
    except ValueError:
        return None


class Refusal(StrEnum):
    NOT_VISIBLE = "not_visible"  # answered exactly as if the case did not exist (404)
    FORBIDDEN = "forbidden"  # visible, but this action or field is not allowed (403)


class AccessDenied(Exception):
    def __init__(self, refusal: Refusal, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.refusal = refusal
        self.detail = detail
        self.field = field


@dataclass(frozen=True)
class ListScope:
    """What a list may read: the cases of these ICBs, of these regions, and the cases naming these
    providers (read through their link items); ``provider_icb_code`` narrows the providers' cases to
    one ICB."""

    icb_codes: tuple[str, ...] = ()
    region_codes: tuple[str, ...] = ()
    provider_codes: tuple[str, ...] = ()
    provider_icb_code: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.icb_codes and not self.region_codes and not self.provider_codes


def is_known_org(role: Role, org: str, reference: ReferenceData | None = None) -> bool:
    """Whether ``org`` is a valid organisation for ``role`` today (the authorizer refuses others).

    An ICB that no longer exists (abolished on 1 April 2026) is not: its staff act for a successor.
    """
    reference = reference or reference_data()
    if role in (Role.ICB_EDITOR, Role.ICB_VIEWER):
        return org in reference.current_icb_codes(clock.today_london())
    if role is Role.REGIONAL:
        return org in reference.region_codes
    if role is Role.PROVIDER:
        return org in reference.provider_codes
    return org == NHS_ENGLAND_ORG


class AccessPolicy:
    def __init__(self, reference: ReferenceData) -> None:
        self._reference = reference

    def readable_icbs(self, caller: Caller) -> frozenset[str] | None:
        """ICB codes whose cases the caller may read; None means every ICB (national)."""
        if caller.role in (Role.ICB_EDITOR, Role.ICB_VIEWER):
            return self._reference.with_predecessors(caller.org)
        if caller.role is Role.REGIONAL:
            return self._reference.icbs_in_region(caller.org)
        return None

    def can_read(
        self, caller: Caller, icb_code: str, region_code: str, providers: Collection[str] = ()
    ) -> bool:
        """Whether the caller may read a case of this ICB and region naming these providers."""
        if caller.role is Role.NATIONAL:
            return caller.org == NHS_ENGLAND_ORG
        if caller.role is Role.REGIONAL:
            return region_code == caller.org
        if caller.role is Role.PROVIDER:
            return caller.org in providers
        readable = self.readable_icbs(caller)
        return readable is not None and icb_code in readable

    def sees_restricted_text(self, caller: Caller) -> bool:
        """Whether the caller may read restricted free text: a provider never does."""
        return caller.role is not Role.PROVIDER

    def hidden_fields(self, caller: Caller) -> frozenset[str]:
        """The case fields (camelCase) the caller is shown nothing of, neither value nor name nor
        that they changed: a provider's are the restricted free text."""
        return frozenset() if self.sees_restricted_text(caller) else restricted_fields()

    def submittable_fields(self, caller: Caller) -> frozenset[str]:
        """The fields the caller may set on a case it records: none unless it may record cases."""
        if caller.role is not Role.ICB_EDITOR:
            return frozenset()
        return FIELDS_SET_BY_ROLE[caller.role]

    def may_record(self, caller: Caller) -> bool:
        return bool(self.submittable_fields(caller))

    def may_import(self, caller: Caller) -> bool:
        """Whether the caller may bring cases in from a spreadsheet (the web app's import page):
        whoever may record a case, for its own ICB; every row is still judged as a submission."""
        return self.may_record(caller)

    def settable_fields(self, caller: Caller) -> frozenset[str]:
        """The fields the caller may set on any case it may edit (the regional team: its answer)."""
        return FIELDS_SET_BY_ROLE.get(caller.role, frozenset())

    def editable_fields(
        self, caller: Caller, icb_code: str, region_code: str, review_type: ReviewType
    ) -> frozenset[str]:
        """The fields the caller may change on a case of this ICB, region and review type, as the
        web form offers them: none of a case it may not edit, the DHR questions only on a DHR.
        ``ensure_can_edit`` still judges every change made."""
        if not self.can_read(caller, icb_code, region_code):
            return frozenset()
        fields = self.settable_fields(caller)
        return fields if review_type in DHR_REVIEW_TYPES else fields - frozenset(DHR_ONLY_FIELDS)

    def sees_overview(self, caller: Caller) -> bool:
        """Whether the caller has the overview of the snapshot's figures: an ICB's people, regional
        and national teams; a provider has its trust's recommendations instead."""
        return caller.role in (Role.ICB_EDITOR, Role.ICB_VIEWER, Role.REGIONAL, Role.NATIONAL)

    def shows_overview_figure(self, caller: Caller, icb_code: str, region_code: str) -> bool:
        """Whether the overview counts, for the caller, a summary row of this ICB and region: the
        rows of the cases it may read (an ICB its own and its predecessors', a region its region's,
        the national team every region's), so no figure is wider than the caller's list."""
        return self.sees_overview(caller) and self.can_read(caller, icb_code, region_code)

    def may_read_access_log(self, caller: Caller, icb_code: str) -> bool:
        """Whether the caller may read who has seen a case of this ICB: the ICB's editors (and a
        successor's) and the national team, who answer for the case; nobody else."""
        if caller.role is Role.NATIONAL:
            return caller.org == NHS_ENGLAND_ORG
        return caller.role is Role.ICB_EDITOR and icb_code in (self.readable_icbs(caller) or frozenset())

    def may_read_owned_recommendations(self, caller: Caller, provider_code: str) -> bool:
        """Whether the caller reads the recommendations a trust owns across the reviews naming it:
        the trust's own provider staff (a provider the reference data knows), no one else. What each
        case may show is still ``can_read``'s answer, case by case."""
        return (
            caller.role is Role.PROVIDER
            and caller.org == provider_code
            and provider_code in self._reference.provider_codes
        )

    def ensure_readable(
        self, caller: Caller, icb_code: str, region_code: str, providers: Collection[str] = ()
    ) -> None:
        if not self.can_read(caller, icb_code, region_code, providers):
            raise AccessDenied(Refusal.NOT_VISIBLE, "No case with this id.")

    def ensure_can_submit(self, caller: Caller, icb_code: str, fields: frozenset[str] = frozenset()) -> None:
        if caller.role is not Role.ICB_EDITOR:
            raise AccessDenied(Refusal.FORBIDDEN, f"The {caller.role.value} role cannot submit cases.")
        if icb_code != caller.org:
            raise AccessDenied(
                Refusal.FORBIDDEN, "An ICB editor may only submit cases for its own ICB.", field="icbCode"
            )
        for field in sorted(fields & REGIONAL_ONLY_FIELDS):
            raise AccessDenied(
                Refusal.FORBIDDEN, f"Only the regional team of the case's region may set {field}.", field
            )

    def ensure_can_edit(
        self,
        caller: Caller,
        icb_code: str,
        region_code: str,
        changed_fields: frozenset[str],
        providers: Collection[str] = (),
    ) -> None:
        """Raise unless the caller may make this change: 404 before 403, field by field."""
        self.ensure_readable(caller, icb_code, region_code, providers)
        if caller.role is Role.ICB_EDITOR:
            for field in sorted(changed_fields & REGIONAL_ONLY_FIELDS):
                raise AccessDenied(
                    Refusal.FORBIDDEN, f"Only the regional team of the case's region may set {field}.", field
                )
            return
        if caller.role is Role.REGIONAL:
            for field in sorted(changed_fields - REGIONAL_ONLY_FIELDS):
                raise AccessDenied(Refusal.FORBIDDEN, f"The regional role may not change {field}.", field)
            return
        raise AccessDenied(Refusal.FORBIDDEN, f"The {caller.role.value} role cannot change cases.")

    def ensure_can_move_to(self, caller: Caller, new_icb_code: str) -> None:
        """A case moved to another ICB must stay within what the editor may edit."""
        readable = self.readable_icbs(caller) or frozenset()
        if new_icb_code not in readable:
            raise AccessDenied(
                Refusal.FORBIDDEN, "A case can only be moved to an ICB the editor acts for.", field="icbCode"
            )

    def ensure_can_read_contacts(self, caller: Caller, icb_code: str) -> None:
        """An ICB's contacts are its editors' and viewers' (and a successor's): 404 and 403 as for cases.

        Whoever could not see the ICB's cases is answered as if the ICB had none (404); a regional
        or national team, who sees the cases but does not keep the contacts, gets 403.
        """
        region_code = self._reference.region_of(icb_code)
        if region_code is None or caller.role is Role.PROVIDER:
            raise AccessDenied(Refusal.NOT_VISIBLE, "No contacts for this ICB.")
        if caller.role in (Role.ICB_EDITOR, Role.ICB_VIEWER):
            if icb_code not in (self.readable_icbs(caller) or frozenset()):
                raise AccessDenied(Refusal.NOT_VISIBLE, "No contacts for this ICB.")
            return
        if not self.can_read(caller, icb_code, region_code):
            raise AccessDenied(Refusal.NOT_VISIBLE, "No contacts for this ICB.")
        raise AccessDenied(
            Refusal.FORBIDDEN, f"The {caller.role.value} role does not keep an ICB's contacts."
        )

    def ensure_can_edit_contacts(self, caller: Caller, icb_code: str) -> None:
        """Only an editor of the ICB (or of a successor) changes its contacts; viewers read them."""
        self.ensure_can_read_contacts(caller, icb_code)
        if caller.role is not Role.ICB_EDITOR:
            raise AccessDenied(
                Refusal.FORBIDDEN, f"The {caller.role.value} role cannot change an ICB's contacts."
            )

    def can_read_contacts(self, caller: Caller, icb_code: str) -> bool:
        try:
            self.ensure_can_read_contacts(caller, icb_code)
        except AccessDenied:
            return False
        return True

    def can_edit_contacts(self, caller: Caller, icb_code: str) -> bool:
        try:
            self.ensure_can_edit_contacts(caller, icb_code)
        except AccessDenied:
            return False
        return True

    def ensure_can_keep_region_contacts(self, caller: Caller, region_code: str) -> None:
        """A region's reminder contacts are its regional team's alone, to read and to change.

        The national team, who sees the region's cases but does not keep its contacts, gets 403;
        anyone else (another region, an ICB, a provider), or a code that is no region, 404."""
        if region_code in self._reference.region_codes:
            if caller.role is Role.REGIONAL and caller.org == region_code:
                return
            if caller.role is Role.NATIONAL and caller.org == NHS_ENGLAND_ORG:
                raise AccessDenied(Refusal.FORBIDDEN, "The national role does not keep a region's contacts.")
        raise AccessDenied(Refusal.NOT_VISIBLE, "No contacts for this region.")

    def can_edit_region_contacts(self, caller: Caller, region_code: str) -> bool:
        try:
            self.ensure_can_keep_region_contacts(caller, region_code)
        except AccessDenied:
            return False
        return True

    def lookup_scope(self, caller: Caller, icb_codes: Collection[str]) -> ListScope:
        """Where to look for a case that may be in any of these ICBs (a reference's lineage), within
        what the caller may read: those of them whose cases it may list, in one read; for a trust,
        its own links, read once (they are narrowed by an ICB with a filter, not a key, so reading
        them ICB by ICB would read them whole each time)."""
        if not icb_codes:
            return ListScope()
        if caller.role is Role.PROVIDER:
            return self.list_scope(caller)
        readable = tuple(code for code in sorted(icb_codes) if not self.list_scope(caller, code).is_empty)
        return ListScope(icb_codes=readable)

    def list_scope(self, caller: Caller, icb_filter: str | None = None) -> ListScope:
        """What a list query may read: never anything outside the caller's scope.

        A filter narrows the scope; a filter outside it gives an empty scope, not a wider one.
        """
        if caller.role in (Role.ICB_EDITOR, Role.ICB_VIEWER):
            icbs = sorted(self.readable_icbs(caller) or ())
            if icb_filter is not None:
                icbs = [code for code in icbs if code == icb_filter]
            return ListScope(icb_codes=tuple(icbs))
        if caller.role is Role.PROVIDER:
            # Only the cases naming the provider, through its link items, never an ICB or region.
            if caller.org not in self._reference.provider_codes:
                return ListScope()
            return ListScope(provider_codes=(caller.org,), provider_icb_code=icb_filter)
        if icb_filter is not None:
            region = self._reference.region_of(icb_filter)
            if region is None or not self.can_read(caller, icb_filter, region):
                return ListScope()
            return ListScope(icb_codes=(icb_filter,))
        if caller.role is Role.REGIONAL:
            return ListScope(region_codes=(caller.org,))
        if caller.role is Role.NATIONAL and caller.org == NHS_ENGLAND_ORG:
            return ListScope(region_codes=tuple(sorted(self._reference.region_codes)))
        return ListScope()
