"""The bytes a response body takes on its way out of Lambda: the one measure behind the API's page
budget (``tracker.logic.cases.MAX_PAGE_BYTES``) and the web app's (``tracker.web.rendering``)."""

import json


def carried_bytes(text: str) -> int:
    """The UTF-8 bytes ``text`` takes in a Lambda proxy response's body: a JSON string as the
    Python 3.12+ runtime writes it (non-ASCII unescaped, quotes, backslashes and line breaks
    escaped), less its two quotes. Characters, not bytes, would count a 4-byte character once."""
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2
