"""The accessibility statement, privacy notice and help page in a real browser: reached from the
footer signed out and signed in, free of WCAG violations, reflowing at 320 px; the stylesheet and
scripts arrive compressed, and a second page downloads only its HTML (the assets are kept)."""

import re
from typing import Any

from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, screenshot
from tests.browser.test_journeys import no_violations, sign_in

FOOTER_PAGES = {
    "Get help": ("Get help", "help"),
    "Accessibility statement": (
        "Accessibility statement for Safeguarding case reviews",
        "accessibility-statement",
    ),
    "Privacy notice": ("Privacy notice", "privacy-notice"),
}
NARROWEST = 320  # CSS pixels: WCAG 1.4.10 reflow


def _follow_footer_link(page: Any, text: str) -> None:
    page.locator("footer").get_by_role("link", name=text).click()
    page.wait_for_load_state("load")


def test_each_footer_page_is_open_signed_out_and_has_no_violations(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults
) -> None:
    page = new_browser()
    page.goto(f"{web_stack.api_url}/app/signed-out")
    for link, (heading, name) in FOOTER_PAGES.items():
        _follow_footer_link(page, link)
        assert "/oauth2/authorize" not in page.url  # not sent to sign in
        assert page.locator("h1").inner_text() == heading
        no_violations(axe, page, name)
        screenshot(page, name)
        page.set_viewport_size({"width": NARROWEST, "height": 800})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROWEST, name
        page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("a[href^='mailto:']").first.inner_text() == "scrt-privacy@example.nhs.uk"


def test_a_signed_in_person_reaches_them_from_any_page(web_stack: LocalStack, new_browser: Browser) -> None:
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1")
    _follow_footer_link(page, "Get help")

    assert page.locator("h1").inner_text() == "Get help"
    assert page.locator("a[href='mailto:scrt-help@example.nhs.uk']").count() == 1


def test_assets_arrive_compressed_and_a_second_page_downloads_only_its_html(
    web_stack: LocalStack, new_browser: Browser
) -> None:
    page = new_browser()
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    seen: dict[str, dict[str, Any]] = {}
    devtools.on(
        "Network.responseReceived",
        lambda event: seen.setdefault(event["requestId"], {}).update(
            url=event["response"]["url"],
            encoding={k.lower(): v for k, v in event["response"]["headers"].items()}.get("content-encoding"),
            from_cache=event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"),
        ),
    )
    devtools.on(
        "Network.requestServedFromCache",
        lambda event: seen.setdefault(event["requestId"], {}).update(from_cache=True),
    )
    devtools.on(
        "Network.loadingFinished",
        lambda event: seen.setdefault(event["requestId"], {}).update(wire=event["encodedDataLength"]),
    )

    page.goto(f"{web_stack.api_url}/app/help")
    page.wait_for_load_state("networkidle")
    first = dict(seen)
    stylesheets = [r for r in first.values() if str(r.get("url", "")).endswith(".css")]
    assert stylesheets and all(r["encoding"] == "gzip" for r in stylesheets)
    assert sum(r.get("wire", 0) for r in first.values()) < 150_000

    seen.clear()
    _follow_footer_link(page, "Privacy notice")
    page.wait_for_load_state("networkidle")
    from_network = [r for r in seen.values() if not r.get("from_cache") and r.get("wire")]

    assert [re.sub(r".*/app/", "/app/", r["url"]) for r in from_network] == ["/app/privacy"]
