"""The web app and closed trusts: the provider lookup offers open trusts only, an old case still
shows a closed trust by name, and naming one for a later incident is refused in plain English."""

import re
from html import unescape

from tests.unit.web.conftest import EDITOR, Harness
from tests.unit.web.test_pages import _post_edit, edit_form, text_of

MANCHESTER = "Central Manchester University Hospitals NHS Foundation Trust (RW3)"


def _lookup_codes(body: str) -> set[str]:
    """The codes in the folded table of providers under the providers box."""
    start = body.index("NHS providers and their ODS codes")
    table = body[start : body.index("</table>", start)]
    return set(re.findall(r"<td[^>]*>\s*([A-Z0-9]{3,5})\s*</td>", table))


def test_the_lookup_offers_open_trusts_only(web: Harness) -> None:
    cookie = web.cookie_for(EDITOR)
    csrf = web.request("GET", "/app/", cookie=cookie).csrf()
    # The providers section of "Record a case", where the lookup is.
    page = web.request(
        "POST", "/app/cases/new", cookie=cookie, form={"csrfToken": csrf, "action": "change-providers"}
    )
    assert page.status == 200
    offered = _lookup_codes(page.body)
    assert {"R0A", "RTG", "RYR", "RC9", "R0B"} <= offered
    assert offered.isdisjoint({"RW3", "RJF", "RXH", "RC1", "RLN"})


def test_an_old_case_shows_a_closed_trust_by_name(web: Harness) -> None:
    case = web.submit(incidentDate="2016-05-01", dateAdded="2017-01-09", providersInvolved=["RW3"])
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)
    assert page.status == 200
    assert MANCHESTER in text_of(page.body)


def test_naming_a_closed_trust_for_a_later_incident_says_when_it_closed_and_what_to_use(web: Harness) -> None:
    case = web.submit(providersInvolved=["RXL"])
    form = edit_form(web, case.case_id, section="providers")
    refused = _post_edit(web, case.case_id, {**form, "providersInvolved": ["RXL\nRXH"]})
    assert refused.status == 422
    shown = unescape(refused.body)
    assert "Providers involved (RXH) must not be RXH for an incident on or after 1 April 2021" in shown
    assert "use its successor RYR instead" in shown
    assert web.store.cases[case.case_id].version == 1
