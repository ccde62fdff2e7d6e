"""Who has seen this case, in a real browser (issue 21 item 4): a viewer opens a case, the ICB's
editor then finds the viewer's read on the "Who has seen this case" page, newest first with their
own look at it on top; the viewer is refused the page. Each page is checked by axe-core."""

from typing import Any

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tests.browser.test_journeys import no_violations, sign_in

VIEWER_NAME = "Robin Sample"  # made up


def _rows(page: Any) -> list[str]:
    return [str(row.inner_text()) for row in page.locator("tbody tr").all()]


def test_the_editor_sees_who_has_read_the_case(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit()
    access = f"/app/cases/{case['caseId']}/access"

    viewer = new_browser()
    sign_in(viewer, web_stack, "icb_viewer", "QE1", f"/app/cases/{case['caseId']}", name=VIEWER_NAME)
    assert case["reference"] in viewer.content()
    refused = viewer.goto(f"{web_stack.api_url}{access}")
    assert refused is not None and refused.status == 403

    editor = new_browser()
    sign_in(editor, web_stack, "icb_editor", "QE1", access)
    assert editor.locator("h1").inner_text().endswith("Who has seen this case")
    rows = _rows(editor)
    assert "Looked at who has seen it in the tracker" in rows[0]  # the editor's own look, newest
    assert any(VIEWER_NAME in row and "Opened the case in the tracker" in row for row in rows)
    assert any(
        VIEWER_NAME in row and "Looked at who has seen it" in row and "(refused)" in row for row in rows
    )
    assert "Synthetic summary for browser tests." not in editor.content()
    no_violations(axe, editor, "who has seen this case")
    screenshot(editor, "who-has-seen-this-case")
