"""API Gateway proxy events in, proxy results out: the web app's request and response."""

import base64
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tracker.logic.cases import MAX_CASE_BYTES
from tracker.web.uploads import MAX_UPLOAD_BYTES, UPLOAD_MEDIA_TYPE, UploadedFile, read_upload

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
# The largest case's full edit form, whatever its characters: URL-encoding writes every byte that is
# not a letter, a digit or one of "*-._" as three, and the field names and rows add less than the
# allowance. Far below Lambda's 6 MB request limit.
MAX_FORM_BYTES = 3 * MAX_CASE_BYTES + 128 * 1024


@dataclass(frozen=True)
class WebRequest:
    method: str
    path: str  # as the browser asked for it, below the stage
    route: str  # the route table's resource path, e.g. /app/cases/{caseId}
    path_parameters: dict[str, str]
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    cookies: dict[str, str]
    headers: dict[str, str]  # names in lower case
    correlation_id: str
    form_too_large: bool = False  # a form post over MAX_FORM_BYTES: not read, refused with 413
    files: dict[str, UploadedFile] = field(default_factory=dict)  # a multipart post's files, by field

    def query_value(self, name: str) -> str:
        values = self.query.get(name) or [""]
        return values[-1].strip()

    def form_value(self, name: str) -> str:
        values = self.form.get(name) or [""]
        return values[-1]

    def form_values(self, name: str) -> list[str]:
        return [value for value in self.form.get(name, []) if value.strip()]


def _cookies(header_values: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in header_values:
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in found:  # the first (most specific path) wins
                found[name] = value.strip().strip('"')
    return found


def request_from_event(event: dict[str, Any]) -> WebRequest:
    headers: dict[str, str] = {}
    cookie_headers: list[str] = []
    for name, values in (event.get("multiValueHeaders") or {}).items():
        lowered = name.lower()
        if lowered == "cookie":
            cookie_headers.extend(values)
        elif values:
            headers[lowered] = values[-1]
    for name, value in (event.get("headers") or {}).items():
        headers.setdefault(name.lower(), value)
        if name.lower() == "cookie" and not cookie_headers:
            cookie_headers.append(value)
    query = {
        name: list(values) for name, values in (event.get("multiValueQueryStringParameters") or {}).items()
    }
    form: dict[str, list[str]] = {}
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    is_form = event.get("httpMethod") == "POST" and media_type == FORM_MEDIA_TYPE
    form_too_large = is_form and len(body) > MAX_FORM_BYTES
    if is_form and not form_too_large:
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    files: dict[str, UploadedFile] = {}
    is_upload = event.get("httpMethod") == "POST" and media_type == UPLOAD_MEDIA_TYPE
    if is_upload:  # a file sent by the import page: its form fields and its files
        form_too_large = len(body) > MAX_UPLOAD_BYTES
        if not form_too_large:
            upload = read_upload(body, headers.get("content-type", ""))
            form, files = upload.form, upload.files
    context = event.get("requestContext") or {}
    return WebRequest(
        method=str(event.get("httpMethod") or "GET").upper(),
        path=str(event.get("path") or ""),
        route=str(event.get("resource") or ""),
        path_parameters=dict(event.get("pathParameters") or {}),
        query=query,
        form=form,
        cookies=_cookies(cookie_headers),
        headers=headers,
        correlation_id=str(context.get("requestId") or ""),
        form_too_large=form_too_large,
        files=files,
    )


@dataclass
class WebResponse:
    status: int
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values

    def to_proxy_result(self) -> dict[str, Any]:
        multi: dict[str, list[str]] = {name: [value] for name, value in self.headers.items()}
        if self.body:
            multi["Content-Type"] = [self.content_type]
        if self.cookies:
            multi["Set-Cookie"] = list(self.cookies)
        return {
            "statusCode": self.status,
            "multiValueHeaders": multi,
            "body": self.body,
            "isBase64Encoded": False,
        }


def redirect(location: str, status: int = 303) -> WebResponse:
    return WebResponse(status, headers={"Location": location})
