"""No trap (issue 19 item 3): a DHR question answered on a case whose review type then changes to
another type cannot be unanswered (a radio cannot be cleared), so the form clears it rather than
refusing the save forever."""

from tests.unit.web.conftest import Harness
from tests.unit.web.test_pages import _post_edit, edit_form


def test_changing_a_dhr_to_another_review_type_clears_its_dhr_answer_instead_of_refusing(
    web: Harness,
) -> None:
    case = web.submit(reviewType="DHR", themes=["DOMESTIC_ABUSE"], icbChiefNurseAssuredDhrHealthRecs="YES")
    form = edit_form(web, case.case_id)
    assert form["icbChiefNurseAssuredDhrHealthRecs"] == ["YES"]  # answered, and a radio cannot be unticked

    page = _post_edit(web, case.case_id, {**form, "reviewType": ["SAR"]})

    assert page.status == 303, page.body
    stored = web.store.cases[case.case_id]
    assert stored.review_type == "SAR"
    assert stored.icb_chief_nurse_assured_dhr_health_recs is None


def test_a_dhr_keeps_its_answer(web: Harness) -> None:
    case = web.submit(reviewType="DHR", themes=["DOMESTIC_ABUSE"], icbChiefNurseAssuredDhrHealthRecs="YES")
    form = edit_form(web, case.case_id)

    page = _post_edit(web, case.case_id, {**form, "reviewType": ["DHR_CHILD"]})

    assert page.status == 303, page.body
    assert web.store.cases[case.case_id].icb_chief_nurse_assured_dhr_health_recs == "YES"
