"""The API's OpenAPI 3.1 document, served as committed: ``GET /openapi.json`` and ``GET /docs``.

The document is generated from the API functions' resolvers by ``make openapi`` (``tools/openapi.py``,
dev-only) and committed beside this module; a test fails when it is stale. Nothing is generated
at run time, so serving it adds nothing to cold start.
"""

from functools import lru_cache
from pathlib import Path

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")


@lru_cache(maxsize=1)
def committed_document() -> str:
    return DOCUMENT_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def swagger_html() -> str:
    """Swagger UI over the committed document, with the UI assets Powertools ships (no CDN)."""
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    assets = Path(swagger_ui.__file__).parent
    return generate_swagger_html(
        committed_document().replace("</", "<\\/"),
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
    )
