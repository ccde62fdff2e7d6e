"""The folded table of the providers a case may name, under a form's providers box.

Apart from ``web.forms`` because it is drawn by the templates (``web.rendering``), which draw the
forms' own fields with ``web.forms``' helpers: in either module it would make an import circle.
"""

from functools import lru_cache
from typing import TYPE_CHECKING

from tracker.web import rendering
from tracker.web.display import provider_list

if TYPE_CHECKING:
    from markupsafe import Markup

    from tracker.reference import ReferenceData


def provider_lookup_html(reference: "ReferenceData") -> "Markup":
    """The providers and their codes: the same on every form of a day, so rendered once (its 239
    rows, rendered on each edit page, were most of that page's time)."""
    return _provider_table(tuple(provider_list(reference)))


@lru_cache(maxsize=2)  # today's list, and yesterday's for a page rendered across midnight
def _provider_table(providers: tuple[tuple[str, str], ...]) -> "Markup":
    return rendering.render_macro("_fields.html", "provider_table", providers)
