"""Lists and histories fit Lambda's response limit in bytes, whatever characters the cases hold.

Lambda refuses a response payload above 6 MiB (API Gateway then answers 502 to every reader of
that page). The payload is the proxy response as the Python 3.12+ runtime writes it: JSON,
UTF-8, non-ASCII characters unescaped, the body a JSON string inside it. A 4-byte character is
one character but four bytes, so a budget counting characters let 25 large cases through.
"""

import importlib
import json
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api, ApiResponse, LambdaContextStub, api_event, response_of

LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous response payload limit: the whole proxy response, headers included."""
CASES = 25
EMOJI = "\U0001f9f8"  # one character, four bytes in UTF-8 (synthetic content: a teddy bear)
BIG_TEXT = EMOJI * 4000  # the longest text a recommendation may hold, 16,000 bytes
RECOMMENDATIONS = 15  # with caseInformation, just under the 256 KiB a stored case may hold


def big_case() -> dict[str, Any]:
    recommendations = [
        {
            "recommendationId": f"R{number}",
            "theme": "NEGLECT",
            "text": BIG_TEXT,
            "owner": "Synthetic Trust",
            "dueDate": "2027-03-01",
            "status": "IN_PROGRESS",
        }
        for number in range(1, RECOMMENDATIONS + 1)
    ]
    return synthetic_case(caseInformation=BIG_TEXT, recommendations=recommendations)


def payload_bytes(raw: dict[str, Any]) -> int:
    """The bytes Lambda's Python 3.12+ runtime sends for a handler's result (its marshaller uses
    ``json.dumps(result, ensure_ascii=False)``)."""
    return len(json.dumps(raw, ensure_ascii=False).encode())


def call(function: str, event: dict[str, Any]) -> tuple[int, ApiResponse]:
    handler = importlib.import_module(f"functions.{function}.handler")
    raw = handler.lambda_handler(event, LambdaContextStub())
    return payload_bytes(raw), response_of(raw)


def submit_big(api: Api) -> str:
    response = api.submit(None, raw_body=json.dumps(big_case(), ensure_ascii=False))
    assert response.status == 201, response.body
    return str(response.body["caseId"])


def read_every_page(path: str, identity: tuple[str, str]) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a list or history, page by page, and each page's payload size."""
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    cursor: str | None = None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        size, response = call("query_cases", api_event("GET", path, identity=identity, query=query))
        assert response.status == 200, response.body
        sizes.append(size)
        items.extend(response.body["items"])
        cursor = response.body["nextCursor"]
        if cursor is None:
            return items, sizes


@pytest.mark.slow
def test_a_list_of_large_cases_of_four_byte_characters_fits_lambdas_limit(api: Api) -> None:
    created = {submit_big(api) for _ in range(CASES)}
    for identity in (("icb_editor", "QE1"), ("regional", "Y62"), ("national", "X24")):
        items, sizes = read_every_page("/cases", identity)
        assert max(sizes) <= LAMBDA_RESPONSE_LIMIT_BYTES, (identity, sizes)
        assert {item["caseId"] for item in items} == created  # nothing skipped, nothing twice
        assert len(items) == CASES
        assert len(sizes) > 1  # the 25 cases need more than one page


@pytest.mark.slow
def test_a_history_of_large_versions_of_four_byte_characters_fits_lambdas_limit(api: Api) -> None:
    case_id = submit_big(api)
    for version in range(1, CASES):
        changed = api.patch(case_id, {"localReference": f"L{version}"}, f'"{version}"')
        assert changed.status == 200, changed.body
    items, sizes = read_every_page(f"/cases/{case_id}/history", ("icb_editor", "QE1"))
    assert max(sizes) <= LAMBDA_RESPONSE_LIMIT_BYTES, sizes
    assert [item["version"] for item in items] == list(range(1, CASES + 1))
    assert len(sizes) > 1
