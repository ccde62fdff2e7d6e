"""Jinja2, set up once per container: the app's templates, then the NHS.UK frontend's macros.

Autoescape is on for every template: case text is the caller's and is never trusted as markup.
"""

import json
import re
import threading
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from tracker.response_size import carried_bytes as carried_bytes  # re-exported for the page modules

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

STATIC_PACKAGE = "tracker.web"
_LOCK = threading.Lock()

MAX_BODY_BYTES = 5 * 1024 * 1024
"""The bytes a page's body may take in its Lambda response (``carried_bytes``): Lambda refuses a
response payload above 6 MiB (API Gateway then answers 502), and the rest is left for the status,
headers and cookies."""


@lru_cache(maxsize=1)
def asset_manifest() -> dict[str, str]:
    """Logical asset name → content-hashed file name (written by tools/web_assets.py)."""
    text = resources.files(STATIC_PACKAGE).joinpath("static", "manifest.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def static_file(name: str) -> bytes | None:
    """A hashed static file by name, or None for anything the manifest does not list."""
    if name not in asset_manifest().values() or name == "manifest.json":
        return None
    return resources.files(STATIC_PACKAGE).joinpath("static", name).read_bytes()


@lru_cache(maxsize=1)
def environment() -> "Environment":
    from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, select_autoescape

    with _LOCK:
        env = Environment(
            loader=ChoiceLoader(
                [
                    PackageLoader("tracker.web", "templates"),
                    PackageLoader("nhsuk_frontend_jinja", "templates"),
                ]
            ),
            # The NHS.UK macros are .jinja files; the app's own are .html: escape both.
            autoescape=select_autoescape(enabled_extensions=("html", "jinja"), default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            # The NHS.UK macros read optional parameters that may be absent, several levels deep.
            undefined=ChainableUndefined,
        )
        env.globals["asset"] = lambda logical: asset_manifest()[logical]
        from tracker.web.forms import element_id, row_count_name, row_name, rows_to_draw

        env.globals["element_id"] = element_id
        env.globals["row_name"] = row_name
        env.globals["row_count_name"] = row_count_name
        env.globals["rows_to_draw"] = rows_to_draw
        env.globals["choices"] = _choices
        env.filters["mine_cells"] = lambda change: [
            {"text": change["field"]},
            {"text": change["mine"]},
            {"text": change["now"]},
        ]
        env.filters["bar_cells"] = lambda bar: [
            {"text": bar.label},
            {"text": str(bar.cases), "format": "numeric"},
            {"text": str(bar.overdue), "format": "numeric"},
        ]
        env.filters["compact"] = _compact
        env.filters["provider_cells"] = lambda pair: [{"text": pair[0]}, {"text": pair[1]}]
        env.filters["history_cells"] = lambda change: [
            {"text": change["field"]},
            {"text": change["before"]},
            {"text": change["after"]},
        ]
        return env


_BETWEEN_TAGS = re.compile(r">\s+<")
_SPACES = re.compile(r"\s+")


def _compact(html: Any) -> Any:
    """Rendered markup without the macros' indentation (the 239 providers' table is a third the
    size): only runs of white space change, which HTML outside <pre> and <textarea> reads as one.
    The input is markup this environment has already escaped, so it stays markup."""
    from markupsafe import Markup

    return Markup(_BETWEEN_TAGS.sub("><", _SPACES.sub(" ", str(html))))  # noqa: S704 - escaped already


def _choices(listed: Any, current: list[str], flag: str) -> list[dict[str, Any]]:
    return [{"value": value, "text": text, flag: value in current} for value, text in listed]


def warm() -> list[str]:
    """Compile every template and import the sign-in libraries: pure code, nothing secret or
    connected, so SnapStart can keep it in the snapshot (the first page then renders at once). The
    pages themselves are imported by the handler, with the app that routes to them."""
    import authlib.integrations.requests_client  # noqa: F401 - imported to be in the snapshot
    import joserfc.jwt  # noqa: F401 - imported to be in the snapshot

    env = environment()
    names = [name for name in env.list_templates(extensions=["html"]) if "/" not in name]
    for name in names:
        env.get_template(name)
    asset_manifest()
    return names


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def render_macro(template: str, macro: str, *arguments: Any) -> "Markup":
    """One macro of a template, called with ``arguments``: a part of a page, measured before the
    page is put together (a history version, to fit the page's byte budget)."""
    rendered: Markup = getattr(environment().get_template(template).module, macro)(*arguments)
    return rendered
