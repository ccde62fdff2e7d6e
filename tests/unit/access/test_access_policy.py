"""The access policy, decision by decision, on a small synthetic map of ICBs and regions.

Codes are compared as values: every code a test hands the policy is a fresh string object (as
codes arriving in a token or a query string are), so an identity check could not pass by luck.
"""

import dataclasses
from datetime import date

import pytest

from tracker.access import AccessDenied, AccessPolicy, Caller, ListScope, Refusal, is_known_org
from tracker.models.case import CLIENT_FIELDS
from tracker.models.enums import ReviewType, Role
from tracker.models.fields import REGIONAL_ONLY_FIELDS
from tracker.reference import Icb, ReferenceData, reference_data

REGIONAL_FIELD = "regionalChiefNurseContentToAcceptDhrHealthRecs"
ALL_REGIONS = ("Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63")
ABOLISHED = date(2026, 3, 31)
CREATED = date(2026, 4, 1)


def fresh(code: str) -> str:
    """An equal string that is not the same object (codes come from tokens and URLs at run time)."""
    return "".join(list(code))


def _icb(code: str, region: str, *, abolished: bool = False, predecessors: tuple[str, ...] = ()) -> Icb:
    return Icb(
        code=code,
        name=f"Synthetic ICB {code}",
        region_code=region,
        valid_from=date(2022, 7, 1) if code != "QNW" else CREATED,
        valid_to=ABOLISHED if abolished else None,
        predecessors=predecessors,
    )


# North West (Y62): QE1 and QOP. East of England (Y61): QM7 split on 1 April 2026 into S1Y5D and
# D7T5G; S1Y5D also succeeded QHG. London (Y56): QKK. QNW is a synthetic ICB of Y62 that the
# shipped reference data does not know.
REFERENCE = ReferenceData(
    icbs={
        icb.code: icb
        for icb in (
            _icb("QE1", "Y62"),
            _icb("QOP", "Y62"),
            _icb("QNW", "Y62"),
            _icb("QM7", "Y61", abolished=True),
            _icb("QHG", "Y61", abolished=True),
            _icb("S1Y5D", "Y61", predecessors=("QHG", "QM7")),
            _icb("D7T5G", "Y61", predecessors=("QM7",)),
            _icb("QKK", "Y56"),
        )
    }
)
POLICY = AccessPolicy(REFERENCE)


def caller(role: Role, org: str) -> Caller:
    return Caller(role, fresh(org), "user-1")


EDITOR_QE1 = caller(Role.ICB_EDITOR, "QE1")
EDITOR_S1Y5D = caller(Role.ICB_EDITOR, "S1Y5D")
VIEWER_S1Y5D = caller(Role.ICB_VIEWER, "S1Y5D")
VIEWER_QE1 = caller(Role.ICB_VIEWER, "QE1")
REGIONAL_Y62 = caller(Role.REGIONAL, "Y62")
REGIONAL_Y61 = caller(Role.REGIONAL, "Y61")
NATIONAL = caller(Role.NATIONAL, "X24")
# A national role claimed for an organisation that is not NHS England: on either side of "X24".
NATIONAL_WRONG_ORGS = (caller(Role.NATIONAL, "A00"), caller(Role.NATIONAL, "Y62"))


def refusal(error: pytest.ExceptionInfo[AccessDenied]) -> tuple[Refusal, str | None]:
    return error.value.refusal, error.value.field


# -- who a caller is ---------------------------------------------------------------------------------


def test_the_audit_name_is_role_organisation_and_subject() -> None:
    assert Caller(Role.REGIONAL, "Y62", "sub-9").audit_name == "regional:Y62:sub-9"


def test_a_caller_and_a_list_scope_are_immutable_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        EDITOR_QE1.org = "QOP"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ListScope().icb_codes = ("QOP",)  # type: ignore[misc]
    assert hash(caller(Role.ICB_EDITOR, "QE1")) == hash(EDITOR_QE1)
    assert hash(ListScope(icb_codes=("QE1",))) == hash(ListScope(icb_codes=("QE1",)))


def test_an_access_denied_carries_its_refusal_detail_and_field() -> None:
    error = AccessDenied(Refusal.FORBIDDEN, "Not this field.", field="icbCode")
    assert (error.refusal, error.detail, error.field, str(error)) == (
        Refusal.FORBIDDEN,
        "Not this field.",
        "icbCode",
        "Not this field.",
    )
    assert AccessDenied(Refusal.NOT_VISIBLE, "No case.").field is None


def test_a_list_scope_is_empty_only_with_neither_icbs_nor_regions() -> None:
    assert ListScope().is_empty is True
    assert ListScope(icb_codes=("QE1",)).is_empty is False
    assert ListScope(region_codes=("Y62",)).is_empty is False
    assert ListScope(icb_codes=("QE1",), region_codes=("Y62",)).is_empty is False


# -- which organisations a role may act for -------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ICB_EDITOR, Role.ICB_VIEWER])
def test_an_icb_role_acts_only_for_an_icb_in_force_today(role: Role, fixed_today: None) -> None:
    assert is_known_org(role, fresh("QE1"), REFERENCE)
    assert is_known_org(role, fresh("S1Y5D"), REFERENCE)
    assert not is_known_org(role, fresh("QM7"), REFERENCE)  # abolished on 1 April 2026
    assert not is_known_org(role, fresh("Y62"), REFERENCE)  # a region, not an ICB
    assert not is_known_org(role, fresh("X24"), REFERENCE)


def test_an_icb_abolished_later_is_still_in_force_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker import access

    monkeypatch.setattr(access.clock, "today_london", lambda: date(2026, 3, 31))
    assert is_known_org(Role.ICB_EDITOR, fresh("QM7"), REFERENCE)
    assert not is_known_org(Role.ICB_EDITOR, fresh("QNW"), REFERENCE)  # not yet created


def test_a_regional_role_acts_only_for_a_region() -> None:
    assert is_known_org(Role.REGIONAL, fresh("Y62"), REFERENCE)
    assert is_known_org(Role.REGIONAL, fresh("Y56"), REFERENCE)
    assert not is_known_org(Role.REGIONAL, fresh("QE1"), REFERENCE)
    assert not is_known_org(Role.REGIONAL, fresh("X24"), REFERENCE)


def test_the_national_role_acts_only_for_nhs_england() -> None:
    assert is_known_org(Role.NATIONAL, fresh("X24"), REFERENCE)
    for org in ("A00", "X23", "X25", "Y62", "QE1"):
        assert not is_known_org(Role.NATIONAL, fresh(org), REFERENCE), org


def test_the_shipped_reference_data_is_used_unless_another_is_given(fixed_today: None) -> None:
    # QNW exists only in the synthetic map; QE1 in both.
    assert is_known_org(Role.ICB_EDITOR, fresh("QNW"), REFERENCE)
    assert not is_known_org(Role.ICB_EDITOR, fresh("QNW"))
    assert is_known_org(Role.ICB_EDITOR, fresh("QE1"))


# -- reading one case --------------------------------------------------------------------------------


def test_readable_icbs_per_role() -> None:
    assert POLICY.readable_icbs(EDITOR_QE1) == {"QE1"}
    assert POLICY.readable_icbs(EDITOR_S1Y5D) == {"S1Y5D", "QHG", "QM7"}
    assert POLICY.readable_icbs(VIEWER_S1Y5D) == {"S1Y5D", "QHG", "QM7"}
    assert POLICY.readable_icbs(REGIONAL_Y61) == {"QM7", "QHG", "S1Y5D", "D7T5G"}
    assert POLICY.readable_icbs(REGIONAL_Y62) == {"QE1", "QOP", "QNW"}
    assert POLICY.readable_icbs(NATIONAL) is None


CASES = {  # ICB of a case -> its region
    "QE1": "Y62",
    "QOP": "Y62",
    "QM7": "Y61",
    "S1Y5D": "Y61",
    "D7T5G": "Y61",
    "QKK": "Y56",
}
READABLE = [
    (EDITOR_QE1, {"QE1"}),
    (EDITOR_S1Y5D, {"S1Y5D", "QM7"}),
    (caller(Role.ICB_EDITOR, "D7T5G"), {"D7T5G", "QM7"}),
    (VIEWER_QE1, {"QE1"}),
    (VIEWER_S1Y5D, {"S1Y5D", "QM7"}),
    (REGIONAL_Y62, {"QE1", "QOP"}),
    (REGIONAL_Y61, {"QM7", "S1Y5D", "D7T5G"}),
    (caller(Role.REGIONAL, "Y56"), {"QKK"}),
    (caller(Role.REGIONAL, "Y63"), set()),
    (NATIONAL, set(CASES)),
    *((wrong, set()) for wrong in NATIONAL_WRONG_ORGS),
]


@pytest.mark.parametrize(("who", "readable"), READABLE, ids=lambda value: getattr(value, "audit_name", ""))
def test_who_reads_which_case(who: Caller, readable: set[str]) -> None:
    for icb, region in CASES.items():
        assert POLICY.can_read(who, fresh(icb), fresh(region)) is (icb in readable), icb
        if icb in readable:
            POLICY.ensure_readable(who, fresh(icb), fresh(region))
        else:
            with pytest.raises(AccessDenied) as error:
                POLICY.ensure_readable(who, fresh(icb), fresh(region))
            assert refusal(error) == (Refusal.NOT_VISIBLE, None)
            assert error.value.detail == "No case with this id."


def test_a_regional_reader_goes_by_the_case_region_not_its_icb() -> None:
    # The region recorded on the case decides (a case keeps the region it was filed under).
    assert POLICY.can_read(REGIONAL_Y62, fresh("QKK"), fresh("Y62"))
    assert not POLICY.can_read(REGIONAL_Y62, fresh("QE1"), fresh("Y61"))
    assert not POLICY.can_read(REGIONAL_Y62, fresh("QE1"), fresh("Y63"))


# -- submitting --------------------------------------------------------------------------------------


def test_an_icb_editor_submits_for_its_own_icb_with_any_icb_fields() -> None:
    POLICY.ensure_can_submit(EDITOR_QE1, fresh("QE1"))
    POLICY.ensure_can_submit(EDITOR_QE1, fresh("QE1"), frozenset({"localReference", "themes", "status"}))


@pytest.mark.parametrize("icb", ["QOP", "QA1", "S1Y5D", "QM7"])
def test_an_icb_editor_submits_for_no_other_icb(icb: str) -> None:
    with pytest.raises(AccessDenied) as error:
        POLICY.ensure_can_submit(EDITOR_S1Y5D if icb == "QM7" else EDITOR_QE1, fresh(icb))
    assert refusal(error) == (Refusal.FORBIDDEN, "icbCode")
    assert error.value.detail == "An ICB editor may only submit cases for its own ICB."


def test_an_icb_editor_may_not_submit_the_regional_field() -> None:
    with pytest.raises(AccessDenied) as error:
        POLICY.ensure_can_submit(EDITOR_QE1, fresh("QE1"), frozenset({"localReference", REGIONAL_FIELD}))
    assert refusal(error) == (Refusal.FORBIDDEN, REGIONAL_FIELD)
    assert error.value.detail == f"Only the regional team of the case's region may set {REGIONAL_FIELD}."


@pytest.mark.parametrize(
    "who", [VIEWER_QE1, REGIONAL_Y62, NATIONAL, *NATIONAL_WRONG_ORGS], ids=lambda who: who.audit_name
)
def test_no_other_role_submits(who: Caller) -> None:
    with pytest.raises(AccessDenied) as error:
        POLICY.ensure_can_submit(who, fresh("QE1"))
    assert refusal(error) == (Refusal.FORBIDDEN, None)
    assert error.value.detail == f"The {who.role.value} role cannot submit cases."


# -- editing -----------------------------------------------------------------------------------------


def test_the_regional_only_fields_are_the_dhr_acceptance_answer() -> None:
    assert frozenset({REGIONAL_FIELD}) == REGIONAL_ONLY_FIELDS


def test_an_icb_editor_edits_its_own_and_predecessor_cases() -> None:
    POLICY.ensure_can_edit(EDITOR_QE1, fresh("QE1"), fresh("Y62"), frozenset({"localReference", "status"}))
    POLICY.ensure_can_edit(EDITOR_S1Y5D, fresh("QM7"), fresh("Y61"), frozenset({"stage"}))
    POLICY.ensure_can_edit(EDITOR_QE1, fresh("QE1"), fresh("Y62"), frozenset())


def test_an_icb_editor_may_not_set_the_regional_field() -> None:
    with pytest.raises(AccessDenied) as error:
        POLICY.ensure_can_edit(
            EDITOR_QE1, fresh("QE1"), fresh("Y62"), frozenset({"localReference", REGIONAL_FIELD})
        )
    assert refusal(error) == (Refusal.FORBIDDEN, REGIONAL_FIELD)
    assert error.value.detail == f"Only the regional team of the case's region may set {REGIONAL_FIELD}."


def test_a_regional_caller_edits_only_the_regional_field() -> None:
    POLICY.ensure_can_edit(REGIONAL_Y62, fresh("QE1"), fresh("Y62"), frozenset({REGIONAL_FIELD}))
    POLICY.ensure_can_edit(REGIONAL_Y62, fresh("QE1"), fresh("Y62"), frozenset())
    # Fields on either side of the regional field in sorted order: the first other one is named.
    for changed, named in (
        ({"status"}, "status"),
        ({"localReference", REGIONAL_FIELD}, "localReference"),
        ({"stage", "status", REGIONAL_FIELD}, "stage"),
    ):
        with pytest.raises(AccessDenied) as error:
            POLICY.ensure_can_edit(REGIONAL_Y62, fresh("QE1"), fresh("Y62"), frozenset(changed))
        assert refusal(error) == (Refusal.FORBIDDEN, named)
        assert error.value.detail == f"The regional role may not change {named}."


@pytest.mark.parametrize("who", [VIEWER_QE1, NATIONAL], ids=lambda who: who.audit_name)
def test_a_viewer_or_national_reader_edits_nothing(who: Caller) -> None:
    for changed in (frozenset(), frozenset({"localReference"}), frozenset({REGIONAL_FIELD})):
        with pytest.raises(AccessDenied) as error:
            POLICY.ensure_can_edit(who, fresh("QE1"), fresh("Y62"), changed)
        assert refusal(error) == (Refusal.FORBIDDEN, None)
        assert error.value.detail == f"The {who.role.value} role cannot change cases."


@pytest.mark.parametrize(
    ("who", "changed"),
    [
        (caller(Role.ICB_EDITOR, "QOP"), {"localReference"}),
        (caller(Role.ICB_EDITOR, "QOP"), {REGIONAL_FIELD}),
        (caller(Role.ICB_VIEWER, "QOP"), {"localReference"}),
        (REGIONAL_Y61, {REGIONAL_FIELD}),
        (REGIONAL_Y61, {"localReference"}),
        (NATIONAL_WRONG_ORGS[0], {"localReference"}),
    ],
    ids=lambda value: getattr(value, "audit_name", ""),
)
def test_a_case_out_of_sight_is_not_found_before_any_field_is_judged(who: Caller, changed: set[str]) -> None:
    """404 before 403: a caller who cannot see a case learns nothing about what it may change."""
    with pytest.raises(AccessDenied) as error:
        POLICY.ensure_can_edit(who, fresh("QE1"), fresh("Y62"), frozenset(changed))
    assert refusal(error) == (Refusal.NOT_VISIBLE, None)


# -- what the forms and pages offer ------------------------------------------------------------------

ICB_DHR_FIELD = "icbChiefNurseAssuredDhrHealthRecs"
PROVIDER_RXX = caller(Role.PROVIDER, "RXX")
EVERY_ICB_FIELD = CLIENT_FIELDS - {REGIONAL_FIELD}
EDITABLE = [
    # (who, the case's ICB, its review type, what the caller may change on it)
    (EDITOR_QE1, "QE1", ReviewType.DHR, EVERY_ICB_FIELD),
    (EDITOR_QE1, "QE1", ReviewType.DHR_CHILD, EVERY_ICB_FIELD),
    (EDITOR_QE1, "QE1", ReviewType.CSPR, EVERY_ICB_FIELD - {ICB_DHR_FIELD}),
    (EDITOR_S1Y5D, "QM7", ReviewType.SAR, EVERY_ICB_FIELD - {ICB_DHR_FIELD}),
    (EDITOR_QE1, "QOP", ReviewType.DHR, frozenset()),
    (REGIONAL_Y62, "QE1", ReviewType.DHR, {REGIONAL_FIELD}),
    (REGIONAL_Y62, "QOP", ReviewType.DHR_CHILD, {REGIONAL_FIELD}),
    (REGIONAL_Y62, "QE1", ReviewType.CSPR, frozenset()),
    (REGIONAL_Y61, "QE1", ReviewType.DHR, frozenset()),
    (VIEWER_QE1, "QE1", ReviewType.DHR, frozenset()),
    (NATIONAL, "QE1", ReviewType.DHR, frozenset()),
    (PROVIDER_RXX, "QE1", ReviewType.DHR, frozenset()),
]


@pytest.mark.parametrize(
    ("who", "icb", "review_type", "editable"),
    EDITABLE,
    ids=lambda value: getattr(value, "audit_name", str(value))[:40],
)
def test_the_fields_a_caller_may_change_on_a_case(
    who: Caller, icb: str, review_type: ReviewType, editable: frozenset[str]
) -> None:
    """What the web form offers: none of a case the caller may not edit, the DHR questions only on
    a DHR, the regional team its answer alone."""
    assert POLICY.editable_fields(who, fresh(icb), fresh(CASES[icb]), review_type) == editable


@pytest.mark.parametrize(
    ("who", "icb", "review_type"),
    [(who, icb, review_type) for who, icb, review_type, editable in EDITABLE if editable],
    ids=lambda value: getattr(value, "audit_name", str(value)),
)
def test_every_field_offered_is_one_the_api_lets_the_caller_change(
    who: Caller, icb: str, review_type: ReviewType
) -> None:
    offered = POLICY.editable_fields(who, fresh(icb), fresh(CASES[icb]), review_type)
    POLICY.ensure_can_edit(who, fresh(icb), fresh(CASES[icb]), offered)


def test_what_each_role_sets_on_a_case_it_may_edit() -> None:
    assert POLICY.settable_fields(EDITOR_QE1) == EVERY_ICB_FIELD
    assert POLICY.settable_fields(REGIONAL_Y62) == {REGIONAL_FIELD}
    for who in (VIEWER_QE1, NATIONAL, PROVIDER_RXX):
        assert POLICY.settable_fields(who) == frozenset(), who.audit_name


def test_only_an_icb_editor_records_a_case_with_every_field_but_the_regional_answer() -> None:
    assert POLICY.submittable_fields(EDITOR_QE1) == EVERY_ICB_FIELD
    assert POLICY.may_record(EDITOR_QE1) is True
    for who in (VIEWER_QE1, REGIONAL_Y62, NATIONAL, PROVIDER_RXX):
        assert POLICY.submittable_fields(who) == frozenset(), who.audit_name
        assert POLICY.may_record(who) is False, who.audit_name


def test_the_overview_is_an_icbs_a_regions_and_the_nations_never_a_providers() -> None:
    assert all(POLICY.sees_overview(who) for who in (EDITOR_QE1, VIEWER_QE1, REGIONAL_Y62, NATIONAL))
    assert not POLICY.sees_overview(PROVIDER_RXX)


def test_an_icb_sees_the_overview_figures_of_its_own_icb_and_of_those_it_succeeded() -> None:
    for who in (EDITOR_QE1, VIEWER_QE1):
        assert POLICY.shows_overview_figure(who, fresh("QE1"), fresh("Y62")), who.audit_name
        # QOP is in the same region: a region's figures are not an ICB's.
        assert not POLICY.shows_overview_figure(who, fresh("QOP"), fresh("Y62")), who.audit_name
    for who in (EDITOR_S1Y5D, VIEWER_S1Y5D):
        for icb in ("S1Y5D", "QM7", "QHG"):
            assert POLICY.shows_overview_figure(who, fresh(icb), fresh("Y61")), (who.audit_name, icb)
        # D7T5G shares the predecessor QM7, not its cases since.
        assert not POLICY.shows_overview_figure(who, fresh("D7T5G"), fresh("Y61")), who.audit_name


def test_a_region_sees_its_regions_overview_figures_and_the_nation_every_regions() -> None:
    assert POLICY.shows_overview_figure(REGIONAL_Y62, fresh("QOP"), fresh("Y62"))
    assert not POLICY.shows_overview_figure(REGIONAL_Y62, fresh("QM7"), fresh("Y61"))
    assert all(POLICY.shows_overview_figure(NATIONAL, fresh("QKK"), fresh(region)) for region in ALL_REGIONS)


def test_a_provider_or_a_national_role_of_another_organisation_sees_no_overview_figure() -> None:
    for who in (PROVIDER_RXX, *NATIONAL_WRONG_ORGS):
        assert not POLICY.shows_overview_figure(who, fresh("QE1"), fresh("Y62")), who.audit_name


def test_an_icbs_contacts_are_read_by_its_people_and_changed_by_its_editors() -> None:
    assert POLICY.can_read_contacts(EDITOR_QE1, fresh("QE1"))
    assert POLICY.can_read_contacts(VIEWER_QE1, fresh("QE1"))
    assert POLICY.can_read_contacts(EDITOR_S1Y5D, fresh("QM7"))
    assert not POLICY.can_read_contacts(EDITOR_QE1, fresh("QOP"))
    for who in (REGIONAL_Y62, NATIONAL, PROVIDER_RXX):
        assert not POLICY.can_read_contacts(who, fresh("QE1")), who.audit_name
        assert not POLICY.can_read_contacts(who, fresh(who.org)), who.audit_name
    assert POLICY.can_edit_contacts(EDITOR_QE1, fresh("QE1"))
    assert not POLICY.can_edit_contacts(VIEWER_QE1, fresh("QE1"))
    assert not POLICY.can_edit_contacts(EDITOR_QE1, fresh("QOP"))


# -- moving a case to another ICB ------------------------------------------------------------------


def test_an_editor_moves_a_case_only_to_an_icb_it_acts_for() -> None:
    POLICY.ensure_can_move_to(EDITOR_S1Y5D, fresh("S1Y5D"))
    POLICY.ensure_can_move_to(EDITOR_S1Y5D, fresh("QM7"))
    for target in ("D7T5G", "QE1", "ZZZ"):
        with pytest.raises(AccessDenied) as error:
            POLICY.ensure_can_move_to(EDITOR_S1Y5D, fresh(target))
        assert refusal(error) == (Refusal.FORBIDDEN, "icbCode")
        assert error.value.detail == "A case can only be moved to an ICB the editor acts for."


def test_a_national_reader_moves_no_case() -> None:
    with pytest.raises(AccessDenied) as error:
        POLICY.ensure_can_move_to(NATIONAL, fresh("QE1"))
    assert refusal(error) == (Refusal.FORBIDDEN, "icbCode")


# -- list scopes -------------------------------------------------------------------------------------


def test_an_icb_caller_lists_its_icb_and_predecessors_in_code_order() -> None:
    assert POLICY.list_scope(EDITOR_QE1) == ListScope(icb_codes=("QE1",))
    assert POLICY.list_scope(EDITOR_S1Y5D) == ListScope(icb_codes=("QHG", "QM7", "S1Y5D"))
    assert POLICY.list_scope(VIEWER_S1Y5D) == ListScope(icb_codes=("QHG", "QM7", "S1Y5D"))


@pytest.mark.parametrize("who", [EDITOR_S1Y5D, VIEWER_S1Y5D], ids=lambda who: who.audit_name)
def test_an_icb_filter_narrows_an_icb_callers_scope_to_that_icb(who: Caller) -> None:
    for code in ("QHG", "QM7", "S1Y5D"):
        assert POLICY.list_scope(who, fresh(code)) == ListScope(icb_codes=(code,)), code
    for outside in ("D7T5G", "QE1", "QKK", "ZZZ"):
        scope = POLICY.list_scope(who, fresh(outside))
        assert scope == ListScope() and scope.is_empty, outside


def test_a_lookup_reads_in_one_go_the_icbs_of_a_lineage_the_caller_may_list_and_for_a_trust_its_links() -> (
    None
):
    lineage = REFERENCE.lineage("QM7")
    assert lineage == {"QM7", "QHG", "S1Y5D", "D7T5G"}
    assert POLICY.lookup_scope(EDITOR_S1Y5D, lineage) == ListScope(icb_codes=("QHG", "QM7", "S1Y5D"))
    assert POLICY.lookup_scope(REGIONAL_Y61, lineage) == ListScope(icb_codes=("D7T5G", "QHG", "QM7", "S1Y5D"))
    assert POLICY.lookup_scope(NATIONAL, lineage) == ListScope(icb_codes=("D7T5G", "QHG", "QM7", "S1Y5D"))
    assert POLICY.lookup_scope(REGIONAL_Y62, lineage).is_empty  # another region's
    assert POLICY.lookup_scope(EDITOR_QE1, lineage).is_empty
    assert POLICY.lookup_scope(PROVIDER_RXX, lineage).is_empty  # a trust this reference data does not know
    shipped = AccessPolicy(reference_data())
    assert shipped.lookup_scope(PROVIDER_RXX, lineage) == ListScope(
        provider_codes=("RXX",)
    )  # its links, once
    for who in (EDITOR_S1Y5D, NATIONAL, PROVIDER_RXX, *NATIONAL_WRONG_ORGS):
        assert POLICY.lookup_scope(who, frozenset()).is_empty
    for wrong in NATIONAL_WRONG_ORGS:
        assert POLICY.lookup_scope(wrong, lineage).is_empty


def test_a_regional_caller_lists_its_region() -> None:
    assert POLICY.list_scope(REGIONAL_Y62) == ListScope(region_codes=("Y62",))
    assert POLICY.list_scope(REGIONAL_Y61) == ListScope(region_codes=("Y61",))


def test_an_icb_filter_narrows_a_regional_scope_to_an_icb_of_its_region() -> None:
    assert POLICY.list_scope(REGIONAL_Y62, fresh("QOP")) == ListScope(icb_codes=("QOP",))
    assert POLICY.list_scope(REGIONAL_Y61, fresh("QM7")) == ListScope(icb_codes=("QM7",))


@pytest.mark.parametrize("icb_filter", ["QKK", "QM7", "S1Y5D", "ZZZ"])
def test_a_regional_caller_filtering_outside_its_region_gets_an_empty_scope(icb_filter: str) -> None:
    """Never the other region's partition: the filter narrows, it never widens."""
    assert POLICY.list_scope(REGIONAL_Y62, fresh(icb_filter)) == ListScope()


def test_the_national_reader_lists_every_region_or_one_filtered_icb() -> None:
    assert POLICY.list_scope(NATIONAL) == ListScope(region_codes=ALL_REGIONS)
    assert POLICY.list_scope(NATIONAL, fresh("QKK")) == ListScope(icb_codes=("QKK",))
    assert POLICY.list_scope(NATIONAL, fresh("QM7")) == ListScope(icb_codes=("QM7",))
    assert POLICY.list_scope(NATIONAL, fresh("ZZZ")) == ListScope()  # no such ICB


@pytest.mark.parametrize("who", NATIONAL_WRONG_ORGS, ids=lambda who: who.audit_name)
def test_a_national_role_for_another_organisation_lists_nothing(who: Caller) -> None:
    assert POLICY.list_scope(who) == ListScope()
    assert POLICY.list_scope(who, fresh("QKK")) == ListScope()
