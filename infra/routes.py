"""The API's route table: which function serves which route, and which routes skip the authorizer.

Imported by the CDK app (API Gateway resources and methods) and by the local stack (dispatch), so
both serve exactly the same API. Plain data: no CDK import, cheap to load.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

SUBMIT_CASE = "submit_case"
UPDATE_CASE = "update_case"
QUERY_CASES = "query_cases"
API_DOCS = "api_docs"
AUTHORIZER = "authorizer"
PUBLISH_CHANGES = "publish_changes"
SNAPSHOT_EXTRACT = "snapshot_extract"
REDRIVE_STREAM_FAILURES = "redrive_stream_failures"
WEB_APP = "web_app"
ICB_CONTACTS = "icb_contacts"
SEND_REMINDERS = "send_reminders"
SEAL_AUDIT = "seal_audit"

# Every Lambda's folder under functions/; each has handler.py with lambda_handler(event, context).
FUNCTIONS = (
    SUBMIT_CASE,
    UPDATE_CASE,
    QUERY_CASES,
    API_DOCS,
    AUTHORIZER,
    PUBLISH_CHANGES,
    SNAPSHOT_EXTRACT,
    REDRIVE_STREAM_FAILURES,
    WEB_APP,
    ICB_CONTACTS,
    SEND_REMINDERS,
    SEAL_AUDIT,
)
HANDLER = "handler.lambda_handler"

HEALTH_BODY = '{"status":"ok"}'

API_MIN_COMPRESSION_BYTES = 1024
"""API Gateway's minimumCompressionSize, kept here so the local gateway compresses alike: a response
of at least this many bytes is gzipped for a client that prefers it (every web page and asset, the
stylesheet's 278 KB to about 30 KB, and the API's larger JSON); below it (redirects, small errors)
gzip saves nothing worth the time."""

# Every body is binary to API Gateway: it hands the functions every request body base64-encoded, and
# returns a response the function marked isBase64Encoded as its bytes. The import page's uploads
# (multipart .xlsx) and downloads (.xlsx) need it, and API Gateway decides a response's kind by the
# client's first Accept type, which a browser's navigation does not let us choose (AWS's advice for
# browsers is */*). The local gateway encodes bodies the same way, so handlers are tested as deployed.
API_BINARY_MEDIA_TYPES = ("*/*",)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, {name} for path parameters
    function: str | None  # None: the gateway answers itself with mock_response
    authorized: bool = True
    mock_response: str | None = None
    """JSON body the gateway answers with status 200, invoking no function (API Gateway mock)."""


ROUTES: tuple[Route, ...] = (
    Route("POST", "/cases", SUBMIT_CASE),
    Route("PATCH", "/cases/{caseId}", UPDATE_CASE),
    Route("GET", "/cases", QUERY_CASES),
    Route("GET", "/cases/{caseId}", QUERY_CASES),
    Route("GET", "/cases/{caseId}/history", QUERY_CASES),
    Route("GET", "/cases/{caseId}/access", QUERY_CASES),
    Route("GET", "/reference/icbs", QUERY_CASES),
    Route("GET", "/icbs/{icbCode}/contacts", ICB_CONTACTS),
    Route("PUT", "/icbs/{icbCode}/contacts", ICB_CONTACTS),
    Route("GET", "/icbs/{icbCode}/contacts/history", ICB_CONTACTS),
    # A region's reminder contacts: the same function and store as an ICB's.
    Route("GET", "/regions/{regionCode}/contacts", ICB_CONTACTS),
    Route("PUT", "/regions/{regionCode}/contacts", ICB_CONTACTS),
    Route("GET", "/regions/{regionCode}/contacts/history", ICB_CONTACTS),
    # Public routes never reach the function that reads cases, so a flood of them cannot use up
    # its concurrency: the health check costs no invocation, the documents have their own function.
    Route("GET", "/health", None, authorized=False, mock_response=HEALTH_BODY),
    Route("GET", "/openapi.json", API_DOCS, authorized=False),
    Route("GET", "/docs", API_DOCS, authorized=False),
    # The tracker web app: people in a browser. It signs them in itself (OpenID Connect) and keeps
    # them in a session cookie, so the gateway's bearer authorizer does not run; each page is listed
    # (no greedy path), so only these shapes reach the function or a log.
    Route("GET", "/app", WEB_APP, authorized=False),
    Route("GET", "/app/sign-in", WEB_APP, authorized=False),
    Route("GET", "/app/callback", WEB_APP, authorized=False),
    Route("POST", "/app/sign-out", WEB_APP, authorized=False),
    # "Stay signed in" from the timeout warning: the web app checks the session and its CSRF token.
    Route("POST", "/app/session", WEB_APP, authorized=False),
    Route("GET", "/app/signed-out", WEB_APP, authorized=False),
    # The accessibility statement, privacy notice and help: open to anyone, signed in or not.
    Route("GET", "/app/accessibility", WEB_APP, authorized=False),
    Route("GET", "/app/privacy", WEB_APP, authorized=False),
    Route("GET", "/app/help", WEB_APP, authorized=False),
    Route("GET", "/app/cases/new", WEB_APP, authorized=False),
    Route("POST", "/app/cases/new", WEB_APP, authorized=False),
    Route("GET", "/app/cases/{caseId}", WEB_APP, authorized=False),
    Route("GET", "/app/cases/{caseId}/edit", WEB_APP, authorized=False),
    Route("POST", "/app/cases/{caseId}/edit", WEB_APP, authorized=False),
    Route("GET", "/app/cases/{caseId}/access", WEB_APP, authorized=False),
    Route("GET", "/app/overview", WEB_APP, authorized=False),
    Route("GET", "/app/overview.csv", WEB_APP, authorized=False),
    Route("GET", "/app/icbs/{icbCode}/contacts", WEB_APP, authorized=False),
    Route("POST", "/app/icbs/{icbCode}/contacts", WEB_APP, authorized=False),
    Route("GET", "/app/regions/{regionCode}/contacts", WEB_APP, authorized=False),
    Route("POST", "/app/regions/{regionCode}/contacts", WEB_APP, authorized=False),
    # A provider's recommendations across the reviews naming it, as a page and as a CSV.
    Route("GET", "/app/recommendations", WEB_APP, authorized=False),
    Route("GET", "/app/recommendations.csv", WEB_APP, authorized=False),
    # Bringing existing cases in from a spreadsheet: the form, then check, confirm or the report.
    Route("GET", "/app/import", WEB_APP, authorized=False),
    Route("POST", "/app/import", WEB_APP, authorized=False),
    Route("GET", "/app/static/{asset}", WEB_APP, authorized=False),
)


def methods_by_path() -> dict[str, list[str]]:
    """The methods each path serves: another method there is answered 405 with these in Allow."""
    methods: dict[str, list[str]] = {}
    for route in ROUTES:
        methods.setdefault(route.path, []).append(route.method)
    return {path: sorted(found) for path, found in methods.items()}


# What a path parameter may be. Anything else is no route at all: it is refused before any log
# records the path (so an identifier typed into a URL never reaches a log).
PATH_PARAMETER_PATTERNS = {
    "caseId": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "icbCode": "[A-Z0-9]{3,5}",  # an ODS code's shape; whether the ICB exists is the function's answer
    "regionCode": "[A-Z0-9]{3,5}",  # likewise for a region
    "asset": "[a-z0-9-]+-[0-9a-f]{16}[.](?:css|js|svg)",  # the web app's content-hashed files
}


# Methods whose requests carry a body the function reads (case narratives, web forms, contacts).
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def path_patterns(paths: Iterable[str], stage: str | None = None, max_chars: int | None = None) -> list[str]:
    """Regular expressions that together match exactly these paths (``{name}`` as its parameter's
    shape, ``/<stage>`` in front optional, as the WAF sees paths) and nothing else.

    Without ``max_chars``, one expression a path; with it, paths are joined into alternations of at
    most ``max_chars`` characters each (WAF's quota), so a few expressions cover many paths. Groups
    are non-capturing: WAF does not support capturing subexpressions."""
    prefix = f"(?:/{re.escape(stage)})?" if stage else ""
    shapes = []
    for path in sorted(set(paths)):
        parts = re.split(r"(\{[^}]+\})", path)
        shapes.append(
            "".join(
                PATH_PARAMETER_PATTERNS[part[1:-1]] if part.startswith("{") else re.escape(part)
                for part in parts
            )
        )
    if max_chars is None:
        return [f"^{prefix}{shape}/?$" for shape in shapes]
    head, tail = f"^{prefix}(?:", ")/?$"
    groups: list[list[str]] = []
    for shape in shapes:
        if len(head + shape + tail) > max_chars:
            raise ValueError(f"the path shape {shape!r} alone is longer than {max_chars} characters")
        if groups and len(head + "|".join([*groups[-1], shape]) + tail) <= max_chars:
            groups[-1].append(shape)
        else:
            groups.append([shape])
    return [head + "|".join(group) + tail for group in groups]


def served_path_patterns(stage: str | None = None, max_chars: int | None = None) -> list[str]:
    """Regular expressions that together match every path the API serves and nothing else. Used by
    the WAF and the local gateway."""
    return path_patterns((route.path for route in ROUTES), stage, max_chars)


_SERVED_PATHS = [re.compile(pattern) for pattern in served_path_patterns()]


def is_served_path(path: str) -> bool:
    return any(pattern.match(path) for pattern in _SERVED_PATHS)
