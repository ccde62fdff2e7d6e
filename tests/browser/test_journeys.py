"""The tracker web app in a real browser: the journeys people make, each page checked by axe-core."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, Cases, screenshot
from tracker import clock

OVERDUE_RAPID_REVIEW = {
    "reviewType": "RAPID_REVIEW",
    "stage": "RAPID_REVIEW",
    "incidentDate": (clock.today_london() - timedelta(days=120)).isoformat(),
    "dateAdded": (clock.today_london() - timedelta(days=100)).isoformat(),
}


def sign_in(
    page: Any, stack: LocalStack, role: str, org: str, path: str = "/app/", name: str | None = None
) -> None:
    """Through the local identity provider's sign-in page, as a person would (a made-up ``name`` is
    another person; without one, the provider's default person)."""
    page.goto(f"{stack.api_url}{path}")
    page.select_option("select[name=role]", role)
    page.fill("input[name=org]", org)
    if name is not None:
        page.fill("input[name=name]", name)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(stack.api_url) + r"/app/.*"))


def saved(page: Any) -> None:
    """Wait for the page that says the case was saved (a click does not wait for the answer)."""
    page.locator(".nhsuk-notification-banner--success").wait_for(state="visible")


def no_violations(axe: AxeResults, page: Any, name: str) -> None:
    violations = axe.check(page, name)
    assert violations == [], f"axe-core found WCAG violations on {name}: {violations}"


def test_an_icb_editor_finds_an_overdue_case_changes_its_stage_and_sees_the_history(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    overdue = cases.submit(**OVERDUE_RAPID_REVIEW)
    on_time = cases.submit()
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1")
    no_violations(axe, page, "case list")
    screenshot(page, "case-list")

    page.select_option("#filter-overdue", "true")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r".*overdue=true.*"))
    listed = page.locator("table a").all_inner_texts()
    assert overdue["reference"] in listed and on_time["reference"] not in listed
    assert page.locator(".nhsuk-tag--red").count() == len(listed)
    no_violations(axe, page, "case list, overdue filter")

    page.click(f"text={overdue['reference']}")
    page.wait_for_url(re.compile(rf".*/app/cases/{overdue['caseId']}(\?back=.*)?$"))
    assert page.locator("h1").inner_text().endswith(overdue["reference"])
    no_violations(axe, page, "case")
    screenshot(page, "case")

    page.click("text=Edit this case")
    page.wait_for_url(re.compile(r".*/edit$"))
    no_violations(axe, page, "edit")
    screenshot(page, "edit")
    page.select_option("#stage", "DECISION_PENDING")
    page.click("text=Save changes")

    saved(page)
    history = page.locator("#history ~ table").first.inner_text()
    assert "Stage" in history and "Rapid review" in history and "Decision pending" in history
    assert "Version 2" in page.locator("#history ~ h3").first.inner_text()
    assert cases.get(overdue["caseId"])["stage"] == "DECISION_PENDING"
    no_violations(axe, page, "case after saving")


def test_errors_are_shown_in_the_summary_and_beside_the_field(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit()
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1", f"/app/cases/{case['caseId']}/edit")
    page.fill("#comments", "Synthetic note quoting 943 476 5919")
    page.click("text=Save changes")

    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for(state="visible")
    assert page.evaluate("document.activeElement.closest('.nhsuk-error-summary') !== null")  # focused by JS
    assert "NHS number" in page.locator("#comments-error").inner_text()
    no_violations(axe, page, "edit with errors")
    screenshot(page, "edit-errors")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "comments"


def test_the_second_of_two_editors_sees_the_first_ones_change_and_reapplies_theirs(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit()
    first, second = new_browser(), new_browser()
    sign_in(first, web_stack, "icb_editor", "QE1", f"/app/cases/{case['caseId']}/edit")
    sign_in(second, web_stack, "icb_editor", "QE1", f"/app/cases/{case['caseId']}/edit", name="Sam Sample")

    first.select_option("#stage", "DECISION_PENDING")  # a stage that needs no date of its own
    first.click("text=Save changes")
    saved(first)  # the first editor's save has finished before the second presses the button
    second.fill("#localReference", "SYN-SECOND-EDITOR")
    second.click("text=Save changes")
    second.locator("h1:has-text('Someone else saved this case first')").wait_for()
    theirs = second.locator("table").first.inner_text()
    assert "Stage" in theirs and "Decision pending" in theirs
    assert cases.get(case["caseId"])["version"] == 2
    assert "localReference" not in cases.get(case["caseId"])  # nothing of the second editor saved yet
    no_violations(axe, second, "conflict")
    screenshot(second, "conflict")

    second.click("text=Save changes")
    saved(second)
    stored = cases.get(case["caseId"])
    assert (stored["version"], stored["stage"], stored["localReference"]) == (
        3,
        "DECISION_PENDING",
        "SYN-SECOND-EDITOR",
    )


def test_the_regional_team_answers_its_dhr_question_and_nothing_else(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    dhr = cases.submit(reviewType="DHR", themes=["DOMESTIC_ABUSE"])
    other = cases.submit()
    page = new_browser()
    sign_in(page, web_stack, "regional", "Y62", f"/app/cases/{dhr['caseId']}")

    page.click("text=Answer the DHR question")
    page.wait_for_url(re.compile(r".*/edit$"))
    fields = page.locator("form#main-form [name]").evaluate_all("els => els.map(e => e.name)")
    assert set(fields) == {
        "csrfToken",
        "version",
        "section",
        "regionalChiefNurseContentToAcceptDhrHealthRecs",
    }
    no_violations(axe, page, "regional DHR question")
    screenshot(page, "regional-dhr-question")
    page.check("input[name=regionalChiefNurseContentToAcceptDhrHealthRecs][value=YES]")
    page.click("text=Save changes")
    saved(page)
    assert cases.get(dhr["caseId"])["regionalChiefNurseContentToAcceptDhrHealthRecs"] == "YES"

    page.goto(f"{web_stack.api_url}/app/cases/{other['caseId']}")
    assert page.locator("text=Edit this case").count() == 0
    assert page.locator("text=Answer the DHR question").count() == 0
    response = page.goto(f"{web_stack.api_url}/app/cases/{other['caseId']}/edit")
    assert response is not None and response.status == 403
    assert page.locator("h1").inner_text() == "You cannot do this"
    assert page.locator(".app-correlation-id").inner_text().strip()
    no_violations(axe, page, "forbidden")
    screenshot(page, "forbidden")


def test_a_viewer_has_no_edit_controls_and_a_forged_post_is_refused(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    case = cases.submit()
    page = new_browser()
    sign_in(page, web_stack, "icb_viewer", "QE1", f"/app/cases/{case['caseId']}")
    assert page.locator("a[href$='/edit'], button:has-text('Edit')").count() == 0
    no_violations(axe, page, "case (viewer)")
    token = page.locator("input[name=csrfToken]").first.get_attribute("value")

    forged = page.request.post(
        f"{web_stack.api_url}/app/cases/{case['caseId']}/edit",
        form={"csrfToken": token or "", "version": "1", "stage": "CLOSED"},
        max_redirects=0,
    )

    assert forged.status == 403
    page.set_content(forged.text())
    assert cases.get(case["caseId"])["version"] == 1


def test_a_provider_reads_the_cases_naming_it_without_restricted_text_or_controls(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    named = cases.submit(providersInvolved=["RXL"], comments="Synthetic restricted comment for providers")
    not_named = cases.submit()
    page = new_browser()
    sign_in(page, web_stack, "provider", "RXL")

    listed = page.locator("table a").all_inner_texts()
    assert named["reference"] in listed and not_named["reference"] not in listed
    page.click(f"text={named['reference']}")
    page.wait_for_url(re.compile(rf".*/app/cases/{named['caseId']}$"))
    content = page.content()
    assert "Synthetic restricted comment" not in content and "Synthetic summary" not in content
    assert page.locator("a[href$='/edit']").count() == 0
    no_violations(axe, page, "case (provider)")
    screenshot(page, "case-provider")


def test_another_icbs_case_is_not_found(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    elsewhere = cases.submit(org="QOP")
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1")

    response = page.goto(f"{web_stack.api_url}/app/cases/{elsewhere['caseId']}")

    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert elsewhere["reference"] not in page.content()
    no_violations(axe, page, "not found")
    screenshot(page, "not-found")


def test_recording_a_case(web_stack: LocalStack, new_browser: Browser, axe: AxeResults) -> None:
    """A section a page: the review, the dates, then Continue through what may stay empty, check the
    answers and record."""
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1")
    page.click("header >> text=Record a case")
    page.wait_for_url(re.compile(r".*/app/cases/new$"))
    assert page.title().startswith("The review - Record a case")
    no_violations(axe, page, "record a case")
    screenshot(page, "record-a-case")
    added = clock.today_london() - timedelta(days=3)
    page.select_option("#reviewType", "SAR")
    page.check("input[name=status][value=OPEN]")
    page.select_option("#stage", "NOTIFIED")
    page.select_option("#designatedProfessional", "DESIGNATED_PROFESSIONAL_ADULTS")
    page.fill("#safeguardingPartnership", "Synthetic Safeguarding Adults Board")
    page.check("input[name=themes][value=SELF_NEGLECT]")
    with page.expect_navigation():
        page.click("button:has-text('Continue')")
    assert page.title().startswith("Dates - Record a case")
    for prefix, day in (("incidentDate", added - timedelta(days=10)), ("dateAdded", added)):
        page.fill(f"#{prefix}-day", str(day.day))
        page.fill(f"#{prefix}-month", str(day.month))
        page.fill(f"#{prefix}-year", str(day.year))
    while not page.title().startswith("Check the case"):
        with page.expect_navigation():
            page.click("button:has-text('Continue')")
    assert "Safeguarding adult review (SAR)" in page.locator("main").inner_text()
    page.locator("button:has-text('Record the case')").first.click()

    saved(page)
    assert re.match(r"QE1-\d{4}-\d{4}", page.locator("h1").inner_text().split("\n")[-1])


def test_the_overview_shows_the_latest_snapshot_as_charts_and_tables(
    web_stack: LocalStack, cases: Cases, new_browser: Browser, axe: AxeResults
) -> None:
    cases.submit(**OVERDUE_RAPID_REVIEW)
    assert web_stack.functions is not None
    web_stack.functions.invoke("snapshot_extract", {"snapshotDate": clock.today_london().isoformat()})
    page = new_browser()
    sign_in(page, web_stack, "national", "X24", "/app/overview")

    # Cases by ICB, review type and status, then timeliness (a chart for each deadline the stack's
    # cases have met or missed, so their number depends on the other journeys' cases): each chart
    # with its figures in a table, then the tables of themes, lessons shared and recommendations.
    charts = page.locator("figure svg[role=img]").count()
    assert charts >= 4
    assert page.locator("table").count() >= charts
    assert page.get_by_role("columnheader", name="Share on time").count() >= 1
    no_violations(axe, page, "overview")
    screenshot(page, "overview")
    with page.expect_download() as download:
        page.click("text=Download these counts (CSV)")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith(
        "snapshotDate,icbCode,icbName,regionCode,regionName,reviewType,reviewTypeLabel,status,cases,overdueCases"
    )
    assert "Synthetic" not in text


def test_sign_out_ends_the_session(web_stack: LocalStack, new_browser: Browser, axe: AxeResults) -> None:
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1")
    copied = next(c["value"] for c in page.context.cookies() if c["name"] == "scrt-session")
    replay = {"Cookie": f"scrt-session={copied}"}
    assert httpx.get(f"{web_stack.api_url}/app/", headers=replay).status_code == 200  # a live copy
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r".*/app/signed-out$"))
    # The copy taken before signing out is refused now (ended on the server, not only dropped here).
    replayed = httpx.get(f"{web_stack.api_url}/app/", headers=replay)
    assert replayed.status_code == 303 and "/app/sign-in?next=" in replayed.headers["location"]
    assert page.locator("h1").inner_text() == "You have signed out"
    no_violations(axe, page, "signed out")
    screenshot(page, "signed-out")

    page.goto(f"{web_stack.api_url}/app/")
    assert "/oauth2/authorize" in page.url  # sent to sign in again
    screenshot(page, "local-identity-provider-sign-in")
    assert page.context.cookies() == [] or all(c["name"] != "scrt-session" for c in page.context.cookies())


def test_the_main_journey_works_by_keyboard_alone(
    web_stack: LocalStack, cases: Cases, new_browser: Browser
) -> None:
    case = cases.submit(**OVERDUE_RAPID_REVIEW)
    page = new_browser()
    page.goto(f"{web_stack.api_url}/app/")
    tab_to(page, "select[name=role]")
    page.keyboard.type("icb_editor")
    tab_to(page, "input[name=org]")
    page.keyboard.press("Control+A")
    page.keyboard.type("QE1")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/app/$"))

    tab_to(page, f"a[href$='{case['caseId']}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/app/cases/{case['caseId']}$"))
    tab_to(page, "a[href$='/edit']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/edit$"))
    tab_to(page, "#stage")
    page.keyboard.type("Decision pending")
    tab_to(page, "button.nhsuk-button:has-text('Save changes')")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r".*saved=1$"))
    assert cases.get(case["caseId"])["stage"] == "DECISION_PENDING"


def tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Press Tab until ``selector`` has the focus (a keyboard user's only way round the page)."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_the_accessibility_check_finds_a_violation_when_there_is_one(
    new_browser: Browser, axe: AxeResults
) -> None:
    """The checks above could fail: on a page with a known fault, axe-core reports it."""
    page = new_browser()
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,"><a href="#"></a></main></html>')
    found = {violation["id"] for violation in axe.check(page, "known faults (control)")}
    axe.pages.pop("known faults (control)")
    assert {"image-alt", "link-name"} <= found
