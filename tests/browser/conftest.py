"""Browser tests: Debian's Chromium, driven by Playwright for Python, against the local stack.

The stack is the integration suite's (real engines where installed, moto server otherwise), with the
web app's settings for the local identity provider. Each simulated person gets a browser with a
fresh profile. Chromium must be at /usr/bin/chromium: without it these tests fail (not skip) and
say how to install it. Playwright's own browser download is not used.
"""

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_stack.identity import issue_token, web_app_environment
from local_stack.stack import LocalStack
from local_stack.state import LocalState
from tests.integration.conftest import stack_config, test_backend
from tracker import clock, composition

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
# The Makefile installs Debian's package there; CHROMIUM=/path/to/chromium (as make takes it) overrides.
CHROMIUM = Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Out of the working tree (build/ is ignored), so a test run leaves it clean; `make screenshots` copies
# them into docs/screenshots on purpose.
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE_REPORT = ROOT / "build" / "axe-results.json"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Install it with "
            "`sudo apt-get install -y chromium` (Playwright's own browser download is not used).",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="package")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    root = tmp_path_factory.mktemp("scrt-web-state")
    config = stack_config(root, test_backend())
    config.extra_env = web_app_environment(LocalState(root), f"http://127.0.0.1:{config.http_port}")
    local = LocalStack(config)
    composition.reset()
    local.start()
    try:
        yield local
    finally:
        local.stop()
        composition.reset()
        shutil.rmtree(root, ignore_errors=True)


class Cases:
    """Cases recorded through the JSON API, as the forms platform records them."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def submit(self, org: str = "QE1", **fields: Any) -> dict[str, Any]:
        today = clock.today_london()
        body = {
            "icbCode": org,
            "reviewType": "CSPR",
            "status": "OPEN",
            "stage": "IN_PROGRESS",
            "incidentDate": (today - timedelta(days=40)).isoformat(),
            "dateAdded": (today - timedelta(days=30)).isoformat(),
            "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
            "safeguardingPartnership": "Synthetic Children's Safeguarding Partnership",
            "themes": ["NEGLECT"],
            "caseInformation": "Synthetic summary for browser tests.",
            **fields,
        }
        token = issue_token(self.stack.state, "icb_editor", org)
        response = httpx.post(
            f"{self.stack.api_url}/cases", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def get(self, case_id: str, org: str = "QE1") -> dict[str, Any]:
        token = issue_token(self.stack.state, "icb_editor", org)
        response = httpx.get(
            f"{self.stack.api_url}/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="package")
def cases(web_stack: LocalStack) -> Cases:
    return Cases(web_stack)


class AxeResults:
    """axe-core's verdict on every page visited, written to build/axe-results.json at the end."""

    def __init__(self) -> None:
        self.pages: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Any, name: str) -> list[dict[str, Any]]:
        # Injected through the DevTools protocol, which the pages' CSP (no inline script) allows.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' '))})))",
            AXE_TAGS,
        )
        self.pages[name] = result
        return list(result)


@pytest.fixture(scope="package")
def axe() -> Iterator[AxeResults]:
    results = AxeResults()
    yield results
    AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
    AXE_REPORT.write_text(json.dumps(results.pages, indent=2, sort_keys=True) + "\n", encoding="utf-8")


Browser = Callable[[], Any]


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def new_browser(chromium: Path, playwright_driver: Any) -> Iterator[Browser]:
    """A browser with a fresh profile per call (one per simulated person); all closed afterwards."""
    opened: list[Any] = []
    profiles: list[str] = []

    def open_one() -> Any:
        profile = tempfile.mkdtemp(prefix="scrt-chromium-")
        profiles.append(profile)
        context = playwright_driver.chromium.launch_persistent_context(
            profile,
            executable_path=str(chromium),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        opened.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield open_one
    for context in opened:
        context.close()
    for profile in profiles:
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
