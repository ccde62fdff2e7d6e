"""The committed static files are the ones tools/web_assets.py makes from node_modules' nhsuk-frontend."""

import json
import re
from importlib.metadata import version
from pathlib import Path

from tools.web_assets import TARGET, build


def test_the_committed_static_files_are_current() -> None:
    wanted = build()
    present = {path.name: path.read_bytes() for path in TARGET.iterdir() if path.is_file()}
    assert present == wanted, "stale: run `.venv/bin/python -m tools.web_assets`"


def test_the_css_and_js_match_the_version_the_jinja_macros_were_made_for() -> None:
    manifest = json.loads((TARGET / "manifest.json").read_text(encoding="utf-8"))
    assert version("nhsuk-frontend-jinja") == "0.10.2"
    assert manifest["nhsukFrontendVersion"] == "10.6.1"


def test_the_css_loads_nothing_from_another_site() -> None:
    css = next(Path(TARGET).glob("nhsuk-frontend-*.css")).read_text(encoding="utf-8")
    assert not re.search(r"url\((https?:)?//", css)
    for image in re.findall(r"url\(([^)]+)\)", css):
        assert (TARGET / image).is_file(), image


def test_warming_compiles_every_page_template() -> None:
    from tracker.web import rendering

    names = rendering.warm()
    assert {
        "layout.html",
        "list.html",
        "case.html",
        "edit.html",
        "new.html",
        "overview.html",
        "error.html",
    } <= set(names)
