"""Hostile request bodies over real HTTP: too large, wrongly typed, deeply nested, odd Unicode, NUL
bytes, not UTF-8, and base64-encoded events. Each is refused with a 4xx problem and writes nothing:
the whole cases table (cases, versions, reference counters) is compared before and after.
"""

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest

from infra.routes import SUBMIT_CASE, UPDATE_CASE
from local_stack import events
from local_stack.gateway import lambda_response
from local_stack.identity import issue_token
from local_stack.lambdas import handler_available
from local_stack.stack import LocalStack
from tests.conftest import synthetic_case
from tracker.api.requests import MAX_BODY_BYTES
from tracker.dal import schema

pytestmark = pytest.mark.skipif(
    not all(handler_available(f) for f in ("submit_case", "update_case", "query_cases")),
    reason="the case API handlers are not in this checkout",
)

ICB = "QKS"  # no other integration suite writes to it
PROBLEM_JSON = "application/problem+json"
MERGE_PATCH = "application/merge-patch+json"
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024  # a synchronous Lambda response larger than this is a 502


@dataclass
class Target:
    stack: LocalStack
    client: httpx.Client
    editor: dict[str, str]
    case_id: str

    def etag(self) -> str:
        response = self.client.get(f"/cases/{self.case_id}", headers=self.editor)
        assert response.status_code == 200, response.text
        return response.headers["etag"]

    def post(self, body: bytes, content_type: str = "application/json") -> httpx.Response:
        return self.client.post("/cases", content=body, headers={**self.editor, "Content-Type": content_type})

    def patch(self, body: bytes, content_type: str = MERGE_PATCH) -> httpx.Response:
        headers = {**self.editor, "If-Match": self.etag()}
        if content_type:
            headers["Content-Type"] = content_type
        return self.client.patch(f"/cases/{self.case_id}", content=body, headers=headers)


@pytest.fixture(scope="module")
def target(stack: LocalStack) -> Iterator[Target]:
    editor = {"Authorization": f"Bearer {issue_token(stack.state, 'icb_editor', ICB)}"}
    with httpx.Client(base_url=stack.api_url, timeout=60) as client:
        created = client.post("/cases", json=synthetic_case(icbCode=ICB), headers=editor)
        assert created.status_code == 201, created.text
        yield Target(stack, client, editor, created.json()["caseId"])


def table_state(stack: LocalStack) -> set[tuple[str, str, str]]:
    """Every item's keys, version and counter: any write (a case, a version, a reference) shows."""
    table = stack.config.cases_table
    state: set[tuple[str, str, str]] = set()
    for page in stack.dynamodb.get_paginator("scan").paginate(
        TableName=table,
        ProjectionExpression="#pk, #sk, #version, #last",
        ExpressionAttributeNames={
            "#pk": schema.PARTITION_KEY,
            "#sk": schema.SORT_KEY,
            "#version": "version",
            "#last": "lastNumber",
        },
        ConsistentRead=True,
    ):
        for item in page["Items"]:
            counter = item.get("version", item.get("lastNumber", {"N": "-"}))
            state.add((item["pk"]["S"], item["sk"]["S"], next(iter(counter.values()))))
    return state


def refused_without_writing(
    target: Target, send: Callable[[], httpx.Response], statuses: set[int]
) -> httpx.Response:
    before = table_state(target.stack)
    response = send()
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == response.status_code
    assert table_state(target.stack) == before
    return response


def case_json(**overrides: Any) -> bytes:
    return json.dumps(synthetic_case(icbCode=ICB, **overrides), ensure_ascii=False).encode()


def _padding_for(total: int) -> str:
    """caseInformation text that makes the whole submitted body exactly ``total`` bytes."""
    return "x" * (total - len(case_json(caseInformation="")))


# --- size -------------------------------------------------------------------------------------------

OVERSIZED = {
    "valid JSON, 600 KiB of text": case_json(caseInformation="x" * 600 * 1024),
    "one byte over the limit": case_json(caseInformation=_padding_for(MAX_BODY_BYTES + 1)),
    "multibyte text: fewer characters than bytes": case_json(caseInformation="€" * 180_000),
    "not JSON at all": b"\xff" * (MAX_BODY_BYTES + 1),
    "deep nesting, over the limit": b"[" * 300_000 + b"]" * 300_000,
}


@pytest.mark.parametrize("body", OVERSIZED.values(), ids=OVERSIZED.keys())
def test_oversized_bodies_are_413(target: Target, body: bytes) -> None:
    assert len(body) > MAX_BODY_BYTES
    refused_without_writing(target, lambda: target.post(body), {413})
    refused_without_writing(target, lambda: target.patch(body), {413})


def test_a_body_at_the_limit_is_read_not_refused_for_size(target: Target) -> None:
    body = case_json(caseInformation=_padding_for(MAX_BODY_BYTES))
    assert len(body) == MAX_BODY_BYTES
    # Read, then refused as a case too large to store (256 KiB): 422, not 413.
    response = refused_without_writing(target, lambda: target.post(body), {422})
    assert response.json()["errors"][0]["field"] == "caseInformation"


# --- malformed, not UTF-8, not JSON ------------------------------------------------------------------

_VALID = case_json()
MALFORMED = {
    "truncated": _VALID[:-10],
    "latin-1 text": case_json(caseInformation="café").replace("é".encode(), b"\xe9"),
    "UTF-16": json.dumps(synthetic_case(icbCode=ICB)).encode("utf-16"),
    "overlong UTF-8": _VALID.replace(b"Synthetic", b"Synth\xc0\xafetic"),
    "raw NUL before the JSON": b"\x00" + _VALID,
    "raw NUL inside a string": _VALID.replace(b"Synthetic", b"Synth\x00etic"),
    "raw control character inside a string": _VALID.replace(b"Synthetic", b"Synth\x1betic"),
    "deep nesting of arrays": b"[" * 200_000 + b"]" * 200_000,
    "deep nesting of objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "integer of 5000 digits": _VALID[:-1] + b', "localReference": ' + b"9" * 5000 + b"}",
    "XML": b"<case><icbCode>QKS</icbCode></case>",
    "form encoded": b"icbCode=QKS&reviewType=CSPR",
    "whitespace only": b"  \n ",
    "byte order mark": b"\xef\xbb\xbf" + _VALID,
    "two documents": _VALID + _VALID,
    "single quotes": _VALID.replace(b'"', b"'"),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bodies_are_400(target: Target, body: bytes) -> None:
    refused_without_writing(target, lambda: target.post(body), {400})
    refused_without_writing(target, lambda: target.patch(body), {400})


def test_an_empty_submit_body_is_400_like_an_empty_patch(target: Target) -> None:
    refused_without_writing(target, lambda: target.patch(b""), {400})
    refused_without_writing(target, lambda: target.post(b""), {400})


NOT_OBJECTS = {"array": b"[]", "null": b"null", "string": b'"case"', "number": b"42", "true": b"true"}


@pytest.mark.parametrize("body", NOT_OBJECTS.values(), ids=NOT_OBJECTS.keys())
def test_json_that_is_not_an_object_is_422(target: Target, body: bytes) -> None:
    refused_without_writing(target, lambda: target.post(body), {422})
    refused_without_writing(target, lambda: target.patch(body), {422})


def test_nesting_inside_a_field_and_non_finite_numbers_are_422(target: Target) -> None:
    nested = json.loads('{"a":' * 500 + "1" + "}" * 500)
    for body in (
        case_json(caseInformation=nested),
        case_json(themes=float("nan")),
        _VALID[:-1] + b', "localReference": 1e999}',
        _VALID[:-1] + b', "localReference": -Infinity}',
    ):
        refused_without_writing(target, partial(target.post, body), {422})


def test_a_repeated_key_is_read_once_and_authorised_as_read(target: Target) -> None:
    """The last value wins for both the access check and the record: no way to authorise one ICB
    and record another."""
    others = json.dumps({k: v for k, v in synthetic_case().items() if k != "icbCode"})[1:-1]
    body = f'{{"icbCode": "{ICB}", {others}, "icbCode": "QE1"}}'.encode()
    response = refused_without_writing(target, lambda: target.post(body), {403})
    assert response.json()["errors"][0]["field"] == "icbCode"


# --- media types ---------------------------------------------------------------------------------------

WRONG_PATCH_MEDIA_TYPES = [
    "text/plain",
    "application/xml",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "application/json-patch+json",
    "application/jsonx",
    "application/merge-patch+json, text/plain",
    "",  # no Content-Type at all
]


@pytest.mark.parametrize("media_type", WRONG_PATCH_MEDIA_TYPES)
def test_patches_in_other_media_types_are_415(target: Target, media_type: str) -> None:
    refused_without_writing(target, lambda: target.patch(b'{"localReference": "M"}', media_type), {415})


@pytest.mark.parametrize(
    "media_type",
    ["application/merge-patch+json; charset=utf-8", "Application/JSON", "application/json ; charset=UTF-8"],
)
def test_the_two_patch_media_types_are_read_with_parameters_and_in_any_case(
    target: Target, media_type: str
) -> None:
    value = f"media-{len(media_type)}"
    response = target.patch(json.dumps({"localReference": value}).encode(), media_type)
    assert response.status_code == 200, response.text
    assert response.json()["localReference"] == value


# --- odd Unicode ---------------------------------------------------------------------------------------

HOSTILE_TEXT = [
    pytest.param("lone surrogate", "a\ud800b", id="lone surrogate"),
    pytest.param("lone low surrogate", "a\udfffb", id="lone low surrogate"),
    pytest.param("NUL", "a\u0000b", id="NUL"),
    pytest.param("C0 control", "a\u001bb", id="C0 control (ESC)"),
    pytest.param("C1 control", "a\u0085b", id="C1 control (NEL)"),
    pytest.param("bidi override", "invoice\u202egnp.exe", id="bidi override"),
    pytest.param("bidi isolate", "a\u2066b\u2069", id="bidi isolate"),
]


@pytest.mark.parametrize(("kind", "text"), HOSTILE_TEXT)
@pytest.mark.parametrize("field", ["caseInformation", "safeguardingPartnership"])
def test_hostile_characters_in_text_are_refused(target: Target, kind: str, text: str, field: str) -> None:
    body = json.dumps({field: text}).encode()  # JSON escapes: the bytes on the wire are ASCII
    submitted = json.dumps(synthetic_case(icbCode=ICB, **{field: text})).encode()
    refused_without_writing(target, lambda: target.post(submitted), {400, 422})
    refused_without_writing(target, lambda: target.patch(body), {400, 422})


def test_ordinary_unicode_is_kept_exactly(target: Target) -> None:
    """The refusals above are not a refusal of non-ASCII: accents, Welsh, emoji, tabs and newlines stay."""
    text = "Café, Ŵŷ Llŷn, naïve 😀 — line one\n\tline two"
    response = target.post(case_json(caseInformation=text))
    assert response.status_code == 201, response.text
    assert response.json()["caseInformation"] == text
    stored = target.client.get(f"/cases/{response.json()['caseId']}", headers=target.editor)
    assert stored.json()["caseInformation"] == text


# --- base64-encoded events -----------------------------------------------------------------------------


def base64_event(method: str, path: str, raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """A proxy event with ``isBase64Encoded``, as API Gateway sends for a binary media type."""
    match = events.match_route(method, path)
    assert match is not None
    context = events.request_context(match, method, path, "127.0.0.1", "pytest", "127.0.0.1")
    authorizer = {"role": "icb_editor", "org": ICB, "sub": "base64", "principalId": "base64"}
    event = events.proxy_event(match, method, path, "", list(headers.items()), b"", context, authorizer)
    event.update(body=base64.b64encode(raw).decode(), isBase64Encoded=True)
    return event


BASE64_BODIES = {
    "an oversized case": case_json(caseInformation="x" * 600 * 1024),
    "NUL bytes": b"\x00" * 64,
    "not UTF-8": b"\xff\xfe\xfd" * 20,
    "decodes to digits": base64.b64decode("12345678"),  # its base64 text is itself valid JSON
}


def _submitted_and_patched(target: Target, raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    return [
        (SUBMIT_CASE, base64_event("POST", "/cases", raw, {"Content-Type": "application/json"})),
        (
            UPDATE_CASE,
            base64_event(
                "PATCH",
                f"/cases/{target.case_id}",
                raw,
                {"Content-Type": MERGE_PATCH, "If-Match": target.etag()},
            ),
        ),
    ]


@pytest.mark.parametrize("raw", BASE64_BODIES.values(), ids=BASE64_BODIES.keys())
def test_base64_encoded_bodies_that_are_not_json_are_refused_and_write_nothing(
    target: Target, raw: bytes
) -> None:
    """API Gateway base64-encodes every body (API_BINARY_MEDIA_TYPES): the handlers decode it, and
    bytes that are not a JSON document in UTF-8, or too many of them, are refused without a write."""
    functions = target.stack.functions
    assert functions is not None
    for function, event in _submitted_and_patched(target, raw):
        before = table_state(target.stack)
        result = lambda_response(functions.invoke(function, event))
        assert 400 <= result.status < 500, result
        assert (("Content-Type", PROBLEM_JSON)) in result.headers
        assert json.loads(result.body)["status"] == result.status
        assert table_state(target.stack) == before


def test_a_base64_encoded_case_is_read_as_the_case_it_encodes(target: Target) -> None:
    functions = target.stack.functions
    assert functions is not None
    event = base64_event("POST", "/cases", _VALID, {"Content-Type": "application/json"})

    result = lambda_response(functions.invoke(SUBMIT_CASE, event))

    assert result.status == 201, result
    assert json.loads(result.body)["caseInformation"] == json.loads(_VALID)["caseInformation"]


# --- what a refusal costs -------------------------------------------------------------------------------


def _many_unknown_fields() -> bytes:
    """As many short unknown field names as fit in the size limit (about 65,000)."""
    body = json.dumps(synthetic_case(icbCode=ICB), separators=(",", ":"))[:-1]
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names = (a + b + c for a in letters for b in letters for c in letters)
    parts: list[str] = []
    size = len(body) + 1
    for name in names:
        piece = f',"{name}":0'
        if size + len(piece) > MAX_BODY_BYTES:
            break
        parts.append(piece)
        size += len(piece)
    return (body + "".join(parts) + "}").encode()


def test_a_refusal_stays_small_whatever_the_body(target: Target) -> None:
    body = _many_unknown_fields()
    assert len(body) <= MAX_BODY_BYTES
    response = refused_without_writing(target, lambda: target.post(body), {400, 422})
    assert len(response.content) < LAMBDA_RESPONSE_LIMIT
    assert len(response.content) <= 64 * 1024  # a bounded list of errors, not one per field sent
