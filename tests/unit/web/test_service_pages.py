"""The accessibility statement, privacy notice and help page: open to anyone, linked from every
page's footer, their variable parts from the settings (a deployment's own, or the defaults)."""

import re
from html import unescape

import pytest

from tests.unit.web.conftest import EDITOR, Harness
from tracker import settings
from tracker.web.http import WebRequest
from tracker.web.service_pages import ACCESSIBILITY_PATH, HELP_PATH, PRIVACY_PATH, ServicePages, ServiceText
from tracker.web.site import Context

PATHS = (ACCESSIBILITY_PATH, PRIVACY_PATH, HELP_PATH)


def signed_out_get(path: str) -> Context:
    return Context(WebRequest("GET", path, path, {}, {}, {}, {}, {}, "test-request"))


def pages(web: Harness, text: ServiceText | None = None) -> ServicePages:
    return ServicePages(web.app.site, web.app.services, text)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def deployment_text(**environ: str) -> ServiceText:
    return ServiceText.from_settings(settings.Settings.from_environ(environ))


def test_the_three_pages_answer_get_without_a_session(web: Harness) -> None:
    routes = pages(web).public_routes()

    assert set(routes) == {("GET", path) for path in PATHS}
    for (_, path), page in routes.items():
        response = page(signed_out_get(path))
        assert response.status == 200, path
        assert "Sign out" not in response.body  # nobody is signed in on them


def test_defaults_name_the_placeholder_help_mailbox_and_nhs_england_as_controller(web: Harness) -> None:
    routes = pages(web, deployment_text()).public_routes()

    help_page = text_of(routes[("GET", HELP_PATH)](signed_out_get(HELP_PATH)).body)
    privacy = text_of(routes[("GET", PRIVACY_PATH)](signed_out_get(PRIVACY_PATH)).body)

    assert settings.DEFAULT_WEB_HELP_EMAIL in help_page
    assert "NHS England is the data controller" in privacy
    assert "This is the service's default notice" in privacy


def test_a_deployments_settings_replace_the_defaults(web: Harness) -> None:
    text = deployment_text(
        WEB_HELP_EMAIL="case-reviews@example.test",
        WEB_HELP_HOURS="every day, 8am to 8pm",
        WEB_PRIVACY_CONTROLLER="A synthetic controller",
        WEB_PRIVACY_EMAIL="dpo@example.test",
        WEB_PRIVACY_NOTICE_URL="https://example.test/approved-notice",
        WEB_ACCESSIBILITY_TESTED_ON="2027-03-01",
    )
    routes = pages(web, text).public_routes()

    help_page = text_of(routes[("GET", HELP_PATH)](signed_out_get(HELP_PATH)).body)
    privacy_html = routes[("GET", PRIVACY_PATH)](signed_out_get(PRIVACY_PATH)).body
    privacy = text_of(privacy_html)
    statement = text_of(routes[("GET", ACCESSIBILITY_PATH)](signed_out_get(ACCESSIBILITY_PATH)).body)

    assert "case-reviews@example.test" in help_page
    assert settings.DEFAULT_WEB_HELP_EMAIL not in help_page
    assert "We read emails every day, 8am to 8pm." in help_page
    assert "A synthetic controller is the data controller" in privacy
    assert "mailto:dpo@example.test" in privacy_html
    assert 'href="https://example.test/approved-notice"' in privacy_html
    assert "default notice" not in privacy  # the approved notice replaces the default's warning
    assert "last tested on 1 March 2027" in statement


def test_the_accessibility_statement_lists_known_issues_or_says_there_are_none(web: Harness) -> None:
    clean = pages(web, deployment_text()).accessibility(signed_out_get(ACCESSIBILITY_PATH)).body
    issues = deployment_text(
        WEB_ACCESSIBILITY_KNOWN_ISSUES="Charts have no keyboard focus\n\nThe CSV download is not tagged"
    )
    partial = pages(web, issues).accessibility(signed_out_get(ACCESSIBILITY_PATH)).body

    assert "fully compliant" in text_of(clean)
    assert "We do not know of any part of this service" in text_of(clean)
    assert "partially compliant" in text_of(partial)
    assert re.findall(
        r"<li>\s*(Charts have no keyboard focus|The CSV download is not tagged)\s*</li>", partial
    ) == [
        "Charts have no keyboard focus",
        "The CSV download is not tagged",
    ]


def test_the_statement_says_how_it_was_tested_and_names_the_enforcement_body(web: Harness) -> None:
    statement = text_of(pages(web, deployment_text()).accessibility(signed_out_get(ACCESSIBILITY_PATH)).body)

    for expected in (
        "WCAG",
        "2.2 AA",
        "axe",
        "Chromium",
        "keyboard",
        "320",
        "Equality and Human Rights Commission",
    ):
        assert expected in statement, expected
    assert f"last tested on {settings.DEFAULT_WEB_ACCESSIBILITY_TESTED_ON.day} December 2026" in statement


def test_the_privacy_notice_gives_the_lawful_bases_of_special_category_data(web: Harness) -> None:
    privacy = text_of(pages(web, deployment_text()).privacy(signed_out_get(PRIVACY_PATH)).body)

    for basis in ("Article 6(1)(e)", "Article 9(2)(g)", "9(2)(h)", "Health and Social Care Act 2012"):
        assert basis in privacy, basis


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_HELP_EMAIL", "not an address"),
        ("WEB_PRIVACY_EMAIL", "dpo@"),
        ("WEB_PRIVACY_NOTICE_URL", "http://example.test/notice"),
        ("WEB_ACCESSIBILITY_TESTED_ON", "last spring"),
    ],
)
def test_a_setting_that_cannot_be_right_is_refused(name: str, value: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        settings.Settings.from_environ({name: value})


def test_every_page_links_the_three_from_its_footer(web: Harness) -> None:
    page = web.request("GET", "/app/signed-out")

    footer = page.body[page.body.index("<footer") :]
    for path in PATHS:
        assert f'href="{path}"' in footer, path


@pytest.mark.parametrize("path", PATHS)
def test_the_web_app_and_the_gateway_serve_them_to_anyone(web: Harness, path: str) -> None:
    signed_out = web.request("GET", path)
    signed_in = web.request("GET", path, caller=EDITOR)

    assert signed_out.status == 200, signed_out.location  # never sent to sign in
    assert signed_in.status == 200
    assert "<h1>" in signed_out.body
