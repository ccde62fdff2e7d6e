"""The local gateway compresses as the deployed API does (API Gateway's minimumCompressionSize):
a response of at least API_MIN_COMPRESSION_BYTES is gzipped for a client whose preferred coding is
gzip, anything smaller or for a client that does not ask is sent as it is."""

import gzip
import zlib
from pathlib import Path
from typing import Any

import pytest

from infra.routes import API_DOCS, API_MIN_COMPRESSION_BYTES
from local_stack.gateway import Gateway
from local_stack.lambdas import Functions, LambdaHandler
from local_stack.state import LocalState

LARGE = "{" + '"text": "' + "a synthetic page " * 200 + '"}'
SMALL = '{"ok": true}'


def answering(body: str) -> LambdaHandler:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}

    return handler


def get(tmp_path: Path, body: str, *headers: tuple[str, str]) -> Any:
    gateway = Gateway(Functions(lambda function: answering(body)), LocalState(str(tmp_path)))
    return gateway.handle(
        "GET", "/openapi.json", [("Host", "127.0.0.1"), *headers], b"", "127.0.0.1", "127.0.0.1"
    )


def header(response: Any, name: str) -> str | None:
    return next((value for key, value in response.headers if key.lower() == name.lower()), None)


def test_the_sizes_are_what_the_test_assumes() -> None:
    assert len(SMALL) < API_MIN_COMPRESSION_BYTES <= len(LARGE)
    assert API_DOCS  # the route the requests take: a function, answering through the gateway


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "br;q=0.5, gzip", "*"])
def test_a_large_response_is_gzipped_for_a_client_preferring_gzip(tmp_path: Path, accept: str) -> None:
    response = get(tmp_path, LARGE, ("Accept-Encoding", accept))

    assert header(response, "Content-Encoding") == "gzip"
    assert gzip.decompress(response.body).decode() == LARGE
    assert len(response.body) < len(LARGE)


def test_deflate_when_the_client_prefers_it(tmp_path: Path) -> None:
    response = get(tmp_path, LARGE, ("Accept-Encoding", "deflate, gzip;q=0.5"))

    assert header(response, "Content-Encoding") == "deflate"
    assert zlib.decompress(response.body).decode() == LARGE


@pytest.mark.parametrize(
    "headers",
    [
        (),  # no Accept-Encoding: as it is
        (("Accept-Encoding", "identity"),),
        (("Accept-Encoding", "gzip;q=0"),),
        (("Accept-Encoding", "br"),),  # API Gateway's codings are gzip and deflate only
        (("Accept-Encoding", "br, gzip;q=0.5"),),  # its preferred coding is not one of them
    ],
)
def test_a_client_that_does_not_prefer_gzip_gets_the_body_as_it_is(
    tmp_path: Path, headers: tuple[tuple[str, str], ...]
) -> None:
    response = get(tmp_path, LARGE, *headers)

    assert header(response, "Content-Encoding") is None
    assert response.body.decode() == LARGE


def test_a_small_response_is_not_compressed(tmp_path: Path) -> None:
    response = get(tmp_path, SMALL, ("Accept-Encoding", "gzip"))

    assert header(response, "Content-Encoding") is None
    assert response.body.decode() == SMALL
