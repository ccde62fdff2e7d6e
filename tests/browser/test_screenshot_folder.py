"""The browser tests leave the working tree as they found it: their screenshots go to build/screenshots,
and only `make screenshots` copies them into docs/screenshots, on purpose."""

import uuid
from pathlib import Path
from typing import Any

from tests.browser.conftest import ROOT, screenshot
from tests.support.make_targets import commands_of

COMMITTED_SCREENSHOTS = ROOT / "docs" / "screenshots"
BUILD_SCREENSHOTS = ROOT / "build" / "screenshots"


class PageThatWritesItsPath:
    """Stands in for a Playwright page: writes a placeholder where a screenshot was asked for."""

    def __init__(self) -> None:
        self.written: list[Path] = []

    def screenshot(self, path: str, **options: Any) -> None:
        self.written.append(Path(path))
        Path(path).write_bytes(b"placeholder, not a picture")


def test_a_screenshot_goes_to_the_build_folder_not_to_the_committed_pictures() -> None:
    name = f"probe-{uuid.uuid4().hex}"
    page = PageThatWritesItsPath()
    try:
        screenshot(page, name)
        assert [path.resolve() for path in page.written] == [BUILD_SCREENSHOTS / f"{name}.png"]
        assert not (COMMITTED_SCREENSHOTS / f"{name}.png").exists()
    finally:
        for path in page.written:
            path.unlink(missing_ok=True)


def test_make_screenshots_runs_the_browser_tests_then_copies_their_pictures_into_docs() -> None:
    commands = commands_of("screenshots")
    browser_runs = [at for at, argv in enumerate(commands) if _runs_the_browser_tests(argv)]
    copies = [at for at, argv in enumerate(commands) if _copies_build_pictures_into_docs(argv)]
    assert browser_runs and copies
    assert max(browser_runs) < min(copies)


def _runs_the_browser_tests(argv: list[str]) -> bool:
    return argv[0].endswith("/pytest") and "tests/browser" in argv


def _copies_build_pictures_into_docs(argv: list[str]) -> bool:
    sources = argv[1:-1]
    return (
        argv[0] == "cp"
        and bool(sources)
        and all(source.startswith("build/screenshots/") for source in sources)
        and (argv[-1].rstrip("/") == "docs/screenshots")
    )
