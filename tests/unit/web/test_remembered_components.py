"""The NHS.UK components' markup remembered by their parameters (issue 19's measure: the edit page
drew every field of a case through the macros on each view): a page draws only the components it
has not drawn before, and every page is the same markup as the package's macros draw."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jinja2 import Environment

from tests.unit.web.conftest import EDITOR, Harness
from tests.unit.web.test_pages import _post_edit, edit_form
from tracker.models.case import Case
from tracker.web import rendering

COMPONENT_TEMPLATE = re.compile(r"^nhsuk/components/[a-z-]+/template\.jinja$")
CHANGING = re.compile(
    r'(name="csrfToken" value=")[^"]+|nonce-[^\'"]+|nonce="[^"]+"|value="[A-Za-z0-9_-]{32}"'
    r"|data-session-ends-at>[^<]+"
)
"""What differs between two requests for the same page: the session's CSRF token, the nonces, the
new case form's one-time key, the time a session ends (a minute may turn between two requests)."""


@pytest.fixture
def fresh_environment() -> Iterator[None]:
    """An environment built for the test, with nothing remembered, and none left behind."""
    rendering.environment.cache_clear()
    rendering._REMEMBERED.clear()
    yield
    rendering.environment.cache_clear()
    rendering._REMEMBERED.clear()


def _components_drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every component template the environment loads to draw it, as a page is rendered."""
    drawn: list[str] = []
    real = Environment.get_template

    def counting(self: Environment, name: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(name, str) and COMPONENT_TEMPLATE.match(name):
            drawn.append(name)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "get_template", counting)
    return drawn


def test_another_cases_edit_page_draws_only_components_not_drawn_before(
    web: Harness, fresh_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = web.submit(localReference="SYN-FIRST"), web.submit(localReference="SYN-SECOND")
    assert web.request("GET", f"/app/cases/{first.case_id}/edit", caller=EDITOR).status == 200
    drawn = _components_drawn(monkeypatch)

    page = web.request("GET", f"/app/cases/{second.case_id}/edit", caller=EDITOR)

    assert page.status == 200 and "SYN-SECOND" in page.body
    # The one box whose value differs (and the page's own heading and hidden fields) is drawn again;
    # every label, hint, empty box and choice the first page drew is not (hundreds without this).
    assert 0 < len(drawn) <= 10, drawn


def _case(web: Harness) -> Case:
    return web.submit(
        providersInvolved=["RXL", "RXN"],
        recommendations=[
            {
                "recommendationId": "R1",
                "theme": "NEGLECT",
                "text": "Synthetic <b>recommendation</b> & text",
                "owner": "Synthetic owner",
                "dueDate": "2026-06-01",
                "status": "IN_PROGRESS",
            }
        ],
    )


def _pages(web: Harness, case: Case) -> list[str]:
    cookie = web.cookie_for(EDITOR)
    bodies = [
        web.request("GET", path, cookie=cookie, query=query).body
        for path, query in (
            ("/app/", None),
            (f"/app/cases/{case.case_id}", None),
            (f"/app/cases/{case.case_id}/edit", None),
            (f"/app/cases/{case.case_id}/edit", {"section": "recommendations"}),
            ("/app/cases/new", None),
        )
    ]
    wrong = edit_form(web, case.case_id)
    wrong.update({"incidentDate[month]": ["13"], "comments": ["Synthetic note quoting 943 476 5919"]})
    bodies.append(_post_edit(web, case.case_id, wrong).body)
    return [CHANGING.sub("", body) for body in bodies]


def test_pages_are_the_markup_the_packages_macros_draw(
    web: Harness, fresh_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(web)
    drawn_first, drawn_again = _pages(web, case), _pages(web, case)
    assert len(rendering._REMEMBERED) > 50  # the pages went through the remembered components

    rendering.environment.cache_clear()
    monkeypatch.setattr(rendering, "_remembering_component_macro", lambda name: None)
    as_the_package_draws = _pages(web, case)

    assert drawn_first == as_the_package_draws
    assert drawn_again == as_the_package_draws


def test_long_text_and_content_given_by_a_call_block_are_drawn_each_time(fresh_environment: None) -> None:
    long_text = "Synthetic long text. " * 200
    first = rendering.rendered_component("nhsuk/components/hint/template.jinja", {"text": long_text})
    assert long_text.strip() in first and not rendering._REMEMBERED

    env = rendering.environment()
    template = env.from_string(
        '{% from "nhsuk/components/fieldset/macro.jinja" import fieldset %}'
        '{% call fieldset({"legend": {"text": "Synthetic legend"}}) %}<p>Synthetic {{ n }}</p>{% endcall %}'
    )
    assert "Synthetic 1" in template.render(n=1) and "Synthetic 2" in template.render(n=2)
