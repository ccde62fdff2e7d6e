"""The largest case the API accepts can be saved from the web app's full edit form, whatever its
characters (URL-encoding writes most of them as three bytes or more); a form larger than any case
can make is refused as too large, with its own page, not as a stale form."""

from urllib.parse import urlencode

import pytest

from tests.unit.web.conftest import EDITOR, Harness
from tests.unit.web.test_page_bytes import largest_case
from tests.unit.web.test_pages import _post_edit, edit_form
from tracker.web.http import MAX_FORM_BYTES


@pytest.mark.parametrize("char", ["&", "\u00e9", "\U0001f7e9"], ids=["ampersand", "accented", "emoji"])
def test_the_largest_case_saves_from_its_full_edit_form(web: Harness, char: str) -> None:
    case = web.submit(**largest_case(char))
    form = edit_form(web, case.case_id)
    form["stage"] = ["NOTIFIED"]
    assert len(urlencode(form, doseq=True)) > 512 * 1024  # the old limit, which refused it

    saved = _post_edit(web, case.case_id, form)

    assert saved.status == 303, saved.body[:500]
    after = web.service.get(EDITOR, case.case_id)
    assert after.version == 2 and after.stage == "NOTIFIED"
    assert after.recommendations == case.recommendations


def test_a_form_larger_than_any_case_is_refused_as_too_large_and_changes_nothing(web: Harness) -> None:
    case = web.submit()
    form = edit_form(web, case.case_id)
    form["lessonsLearnt"] = ["&" * (MAX_FORM_BYTES // 3 + 1)]

    refused = _post_edit(web, case.case_id, form)

    assert refused.status == 413
    assert "too large" in refused.body
    assert web.service.get(EDITOR, case.case_id).version == 1
