"""Jinja2, set up once per container: the app's templates, then the NHS.UK frontend's macros.

Autoescape is on for every template: case text is the caller's and is never trusted as markup.
"""

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment
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
                    _remembering_loader(),
                    PackageLoader("nhsuk_frontend_jinja", "templates"),
                ]
            ),
            # The NHS.UK macros are .jinja files; the app's own are .html: escape both.
            autoescape=select_autoescape(enabled_extensions=("html", "jinja"), default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates never change in a running container: no file is looked at again per page.
            auto_reload=False,
            # The NHS.UK macros read optional parameters that may be absent, several levels deep.
            undefined=ChainableUndefined,
        )
        env.globals["asset"] = lambda logical: asset_manifest()[logical]
        env.globals[RENDERED_COMPONENT] = rendered_component
        from tracker.models.plural import counted

        env.globals["counted"] = counted  # "1 version", "2 versions"
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


# --- the NHS.UK components, remembered -------------------------------------------------------------
# Each NHS.UK macro includes its component's template, which imports and calls other components (a
# date input: a fieldset, a legend, three inputs, each with a label, a hint and an error message):
# drawing every field of a case was most of the edit page's time. The same parameters always give
# the same markup, and most parameters repeat across pages and cases (every label, hint and empty
# box; the same choices ticked), so each component's markup is remembered by its parameters. A
# component given content by a call block is drawn as the package draws it.

RENDERED_COMPONENT = "rendered_component"
COMPONENT_MACRO = re.compile(r"^nhsuk/components/([a-z-]+)/macro\.jinja$")
MACRO_NAME = re.compile(r"{%-?\s*macro\s+(\w+)\(params\s*=\s*{}\)\s*-?%}")
REMEMBERED_COMPONENTS = 4096
"""At most this many components' markup is kept (each key at most ``MAX_REMEMBERED_TEXT``)."""
MAX_REMEMBERED_TEXT = 2_000
"""Parameters holding more text than this are drawn each time: long case text is not kept."""


def _remembering_component_macro(name: str) -> tuple[str, None, Callable[[], bool]] | None:
    """The source of an NHS.UK component's macro that draws through ``rendered_component`` (the
    package's own template, called the same way), or None to load the package's macro as it is."""
    component = COMPONENT_MACRO.match(name)
    if component is None:
        return None
    original = resources.files("nhsuk_frontend_jinja").joinpath("templates", name).read_text(encoding="utf-8")
    macro = MACRO_NAME.search(original)
    if macro is None:
        return None
    template = f"nhsuk/components/{component.group(1)}/template.jinja"
    source = (
        f"{{% macro {macro.group(1)}(params = {{}}) %}}"
        f'{{%- if caller -%}}{{%- include "{template}" -%}}'
        f'{{%- else -%}}{{{{ {RENDERED_COMPONENT}("{template}", params) }}}}{{%- endif -%}}'
        "{% endmacro %}"
    )
    return source, None, lambda: True


_REMEMBERED: "OrderedDict[tuple[str, Any], Markup]" = OrderedDict()
_REMEMBERED_LOCK = threading.Lock()


def _remembering_loader() -> "BaseLoader":
    """The loader of the remembering macros, placed before the package's own."""
    from jinja2 import FunctionLoader

    class RememberingComponents(FunctionLoader):
        def list_templates(self) -> list[str]:
            return []  # the same names as the package's macros, which the package's loader lists

    return RememberingComponents(lambda name: _remembering_component_macro(name))  # looked up when loading


class _NotRemembered(Exception):
    """Parameters that are not plain data, or hold too much text, to be remembered by."""


def _frozen(value: Any, budget: list[int]) -> Any:
    """``value`` as a hashable key, telling markup from text; raises ``_NotRemembered`` once its
    text is over ``budget`` (the characters still allowed)."""
    from jinja2 import Undefined
    from markupsafe import Markup

    if isinstance(value, str):
        budget[0] -= len(value)
        if budget[0] < 0:
            raise _NotRemembered
        return ("markup", str(value)) if isinstance(value, Markup) else value
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, Undefined):
        return ("undefined",)
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda item: str(item[0]))
        return ("mapping", tuple((str(name), _frozen(item, budget)) for name, item in items))
    if isinstance(value, list | tuple):
        return ("list", tuple(_frozen(item, budget) for item in value))
    raise _NotRemembered


def rendered_component(template: str, params: Any) -> "Markup":
    """An NHS.UK component's markup for ``params``, remembered when they are small plain data."""
    budget = [MAX_REMEMBERED_TEXT]
    try:
        key = _frozen(params, budget)
    except _NotRemembered:
        return _render_component(template, params)
    with _REMEMBERED_LOCK:
        found = _REMEMBERED.get((template, key))
        if found is not None:
            _REMEMBERED.move_to_end((template, key))
            return found
    rendered = _render_component(template, params)
    with _REMEMBERED_LOCK:
        _REMEMBERED[(template, key)] = rendered
        while len(_REMEMBERED) > REMEMBERED_COMPONENTS:
            _REMEMBERED.popitem(last=False)  # the least recently drawn goes first
    return rendered


def _render_component(template: str, params: Any) -> "Markup":
    from markupsafe import Markup

    return Markup(environment().get_template(template).render(params=params))  # noqa: S704 - escaped by it


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
