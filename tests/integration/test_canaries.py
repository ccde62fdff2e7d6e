"""Canaries: marker strings and identifier-like values sent in restricted free text (caseInformation,
comments) must never reach a log line, an extract object or an error body.

Everything runs through the whole local stack (gateway, authorizer, handlers, stream poller,
publish_changes, the snapshot job) with every logger at DEBUG, also when a handler or the publisher
fails with an exception whose message quotes the restricted text.
"""

import io
import json
import logging
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from infra.routes import SNAPSHOT_EXTRACT
from local_stack.identity import issue_token
from local_stack.lambdas import handler_available
from local_stack.stack import LocalStack
from tests.conftest import synthetic_case
from tracker.dal.cases import DynamoCaseStore
from tracker.dal.extract_store import ExtractStore
from tracker.observability import logger

pytestmark = pytest.mark.skipif(
    not all(handler_available(f) for f in ("submit_case", "update_case", "query_cases", "publish_changes")),
    reason="the case API and publisher handlers are not in this checkout",
)

ICB = "QRL"  # South East (Y59); no other integration suite writes to it
CANARY = f"canary-{uuid.uuid4().hex[:16]}"
NHS_NUMBER = "9434765919"  # the NHS's published test number, valid by modulus 11
NHS_NUMBER_WRITINGS = [
    NHS_NUMBER,
    "943 476 5919",
    "943-476-5919",
    "(943) 476-5919",
    "9 4 3 4 7 6 5 9 1 9",
    "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # fullwidth digits
    "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",  # Arabic-Indic digits
    "943\u200b476\u200b5919",  # zero-width spaces between the groups
    "NHS9434765919",
]
POSTCODE_WRITINGS = ["ZZ99 3VZ", "zz993vz", "ZZ99-3VZ", "ZZ99\n3VZ"]
# Typed into URLs instead (distinct values, so each sink's finding names its own path).
URL_IDENTIFIERS = ["9990000018", "999 000 0026", "ZZ99 7ZZ"]
MERGE_PATCH = "application/merge-patch+json"


def secrets_in(text: str, writings: list[str] | None = None) -> list[str]:
    """Which canaries or identifiers a text holds, as sent or as any normalised reading of them."""
    readings = {text, unicodedata.normalize("NFKC", text)}
    found = [CANARY] if any(CANARY in reading for reading in readings) else []
    for writing in [*NHS_NUMBER_WRITINGS, *POSTCODE_WRITINGS] if writings is None else writings:
        if any(
            writing in reading or unicodedata.normalize("NFKC", writing) in reading for reading in readings
        ):
            found.append(writing)
    return found


@dataclass
class Capture:
    """Every log line of every logger, the service's Powertools logger included, at DEBUG."""

    stream: io.StringIO = field(default_factory=io.StringIO)

    def text(self) -> str:
        return self.stream.getvalue()

    def mark(self) -> int:
        return len(self.stream.getvalue())

    def since(self, mark: int) -> str:
        return self.stream.getvalue()[mark:]


@pytest.fixture(scope="module")
def logs() -> Iterator[Capture]:
    capture = Capture()
    catch_all = logging.StreamHandler(capture.stream)
    catch_all.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    # The test's own HTTP client logs the URLs it requests: that is the caller's side, not the system's.
    catch_all.addFilter(lambda record: not record.name.startswith(("httpx", "httpcore")))
    root = logging.getLogger()
    previous_root_level = root.level
    root.addHandler(catch_all)
    root.setLevel(logging.DEBUG)
    service_handler = logger.registered_handler
    assert isinstance(service_handler, logging.StreamHandler)
    previous_stream = service_handler.setStream(capture.stream)
    previous_level = logger.log_level
    logger.setLevel("DEBUG")
    try:
        yield capture
    finally:
        logger.setLevel(previous_level)
        service_handler.setStream(previous_stream)
        root.removeHandler(catch_all)
        root.setLevel(previous_root_level)


@dataclass
class Traffic:
    stack: LocalStack
    client: httpx.Client
    editor: dict[str, str]
    refusals: list[httpx.Response] = field(default_factory=list)
    accepted_case_ids: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def headers(self, role: str, org: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.stack.state, role, org)}"}

    def refused(self, response: httpx.Response, status: int) -> None:
        assert response.status_code == status, response.text[:300]
        self.refusals.append(response)

    def submit(self, body: dict[str, Any]) -> httpx.Response:
        return self.client.post("/cases", json=body, headers=self.editor)

    def patch(
        self,
        case_id: str,
        body: bytes,
        if_match: str,
        who: dict[str, str] | None = None,
        media: str = MERGE_PATCH,
    ) -> httpx.Response:
        headers = {**(who or self.editor), "Content-Type": media, "If-Match": if_match}
        return self.client.patch(f"/cases/{case_id}", content=body, headers=headers)


@pytest.fixture(scope="module")
def traffic(stack: LocalStack, logs: Capture) -> Iterator[Traffic]:
    """Accepted and refused requests carrying canaries, all sent with the log capture on."""
    with httpx.Client(base_url=stack.api_url, timeout=60) as client:
        run = Traffic(stack, client, {})
        run.editor = run.headers("icb_editor", ICB)
        _send_accepted(run)
        _send_refused_submits(run)
        _send_refused_patches(run)
        yield run


def _send_accepted(run: Traffic) -> None:
    body = synthetic_case(
        icbCode=ICB,
        caseInformation=f"{CANARY} information: the family moved twice",
        comments=f"{CANARY} comments",
    )
    key = {"Idempotency-Key": f"canary-{uuid.uuid4()}"}
    created = run.client.post("/cases", json=body, headers={**run.editor, **key})
    assert created.status_code == 201, created.text
    replay = run.client.post("/cases", json=body, headers={**run.editor, **key})
    assert replay.json()["caseId"] == created.json()["caseId"]
    case_id = created.json()["caseId"]
    updated = run.patch(case_id, json.dumps({"comments": f"{CANARY} updated comments"}).encode(), '"1"')
    assert updated.status_code == 200, updated.text
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/history", f"/cases?icbCode={ICB}"):
        assert run.client.get(path, headers=run.editor).status_code == 200
    run.accepted_case_ids.append(case_id)
    run.versions[case_id] = 2


def _send_refused_submits(run: Traffic) -> None:
    for writing in NHS_NUMBER_WRITINGS + POSTCODE_WRITINGS:
        for name in ("caseInformation", "comments"):
            response = run.submit(synthetic_case(icbCode=ICB, **{name: f"{CANARY} seen at {writing} today"}))
            run.refused(response, 422)
            assert response.json()["errors"][0]["field"] == name
    for value in (
        CANARY + " " + "x" * 4000,  # longer than restricted text may be
        {"nested": CANARY},
        [CANARY],
        12345,
    ):
        run.refused(run.submit(synthetic_case(icbCode=ICB, caseInformation=value)), 422)
    # Restricted text in a request refused for another reason: the reason wins, the text stays out.
    run.refused(run.submit(synthetic_case(icbCode="QE1", caseInformation=CANARY)), 403)
    run.refused(run.submit(synthetic_case(icbCode=ICB, caseInformation=CANARY, themes=[])), 422)
    run.refused(run.submit(synthetic_case(icbCode=ICB, caseInformation=CANARY, reviewType="NOPE")), 422)
    run.refused(run.submit(synthetic_case(icbCode=ICB, comments=CANARY, caseId=str(uuid.uuid4()))), 422)
    truncated = json.dumps(synthetic_case(icbCode=ICB, caseInformation=CANARY))[:-5].encode()
    response = run.client.post(
        "/cases", content=truncated, headers={**run.editor, "Content-Type": "application/json"}
    )
    run.refused(response, 400)
    viewer = run.headers("icb_viewer", ICB)
    run.refused(
        run.client.post("/cases", json=synthetic_case(icbCode=ICB, caseInformation=CANARY), headers=viewer),
        403,
    )


def _send_refused_patches(run: Traffic) -> None:
    case_id = run.accepted_case_ids[0]
    current = f'"{run.versions[case_id]}"'
    for writing in NHS_NUMBER_WRITINGS[:4] + POSTCODE_WRITINGS[:2]:
        run.refused(
            run.patch(case_id, json.dumps({"comments": f"{CANARY} {writing}"}).encode(), current), 422
        )
    with_canary = json.dumps({"caseInformation": f"{CANARY} patched"}).encode()
    run.refused(run.patch(case_id, with_canary, '"99"'), 412)
    run.refused(run.patch(case_id, with_canary, current, who=run.headers("icb_viewer", ICB)), 403)
    run.refused(run.patch(case_id, with_canary, current, who=run.headers("icb_editor", "QE1")), 404)
    run.refused(run.patch(case_id, with_canary, current, who=run.headers("regional", "Y59")), 403)
    run.refused(run.patch(case_id, with_canary[:-3], current), 400)
    run.refused(run.patch(case_id, with_canary, current, media="text/plain"), 415)
    big = json.dumps({"caseInformation": CANARY + "x" * 600 * 1024}).encode()
    run.refused(run.patch(case_id, big, current), 413)
    run.refused(run.patch(case_id, json.dumps({"comments": {"x": CANARY}}).encode(), current), 422)
    run.refused(run.patch(case_id, json.dumps({"comments": CANARY, "version": 7}).encode(), current), 422)


def _send_identifiers_in_urls(run: Traffic) -> list[httpx.Response]:
    answers = []
    for writing in URL_IDENTIFIERS:
        case_history = f"/cases/{run.accepted_case_ids[0]}/history"
        for url, status in (
            (httpx.URL("/cases", params={"cursor": writing}), 400),
            (httpx.URL(f"/cases/{writing}"), 404),
            (httpx.URL(f"/cases/{writing}/history"), 404),
            (httpx.URL(case_history, params={"cursor": writing}), 400),
            (httpx.URL("/cases", params={"icbCode": writing}), 400),
            (httpx.URL("/cases", params={"stage": writing}), 400),
        ):
            response = run.client.get(url, headers=run.editor)
            assert response.status_code == status, (url, response.text)
            answers.append(response)
    return answers


# --- error bodies -----------------------------------------------------------------------------------


def test_identifiers_typed_into_urls_are_refused_without_being_quoted(traffic: Traffic) -> None:
    for response in _send_identifiers_in_urls(traffic):
        assert secrets_in(response.text, URL_IDENTIFIERS) == [], response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_identifiers_typed_into_a_url_path_stay_out_of_the_logs(traffic: Traffic, logs: Capture) -> None:
    mark = logs.mark()
    _send_identifiers_in_urls(traffic)
    leaking = [line[:200] for line in logs.since(mark).splitlines() if secrets_in(line, URL_IDENTIFIERS)]
    assert leaking == []


def test_no_refusal_quotes_restricted_text_or_identifiers(traffic: Traffic) -> None:
    assert len(traffic.refusals) > 45  # the fixture sent them all (51)
    leaks = [
        (response.request.method, response.status_code, secrets_in(response.text))
        for response in traffic.refusals
        if secrets_in(response.text)
    ]
    assert leaks == []
    for response in traffic.refusals:
        assert response.headers["content-type"] == "application/problem+json"


def test_an_internal_error_quoting_restricted_text_answers_without_it(
    traffic: Traffic, logs: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_create(self: DynamoCaseStore, case: Any, entry: Any) -> None:
        raise RuntimeError(f"could not store {case.case_information}")  # quotes the restricted text

    mark = logs.mark()
    monkeypatch.setattr(DynamoCaseStore, "create", failing_create)
    response = traffic.submit(synthetic_case(icbCode=ICB, caseInformation=f"{CANARY} for the 500"))
    monkeypatch.undo()
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["correlationId"]
    assert secrets_in(response.text) == []
    assert "RuntimeError" in logs.since(mark)  # the failure was logged, by its type only
    assert secrets_in(logs.since(mark)) == []


# --- extracts ----------------------------------------------------------------------------------------


def _wait_for_versions(stack: LocalStack, versions: dict[str, int], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    missing: set[str] = set()
    while time.monotonic() < deadline:
        keys = {
            item["Key"]
            for page in stack.s3.get_paginator("list_objects_v2").paginate(
                Bucket=stack.config.bucket, Prefix="changes/"
            )
            for item in page.get("Contents", [])
        }
        missing = {
            f"{case_id}.v{version:06d}"
            for case_id, last in versions.items()
            for version in range(1, last + 1)
            if not any(f"/{case_id}.v{version:06d}.json" in key for key in keys)
        }
        if not missing:
            return
        time.sleep(0.3)
    raise AssertionError(f"versions never published: {sorted(missing)}")


def test_a_publisher_failure_quoting_restricted_text_logs_without_it(
    traffic: Traffic, logs: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_put = ExtractStore.put
    failures = {"left": 2}

    def flaky_put(self: ExtractStore, key: str, body: bytes, content_type: str, schema_version: int) -> None:
        if failures["left"] > 0 and b'"caseId"' in body:
            failures["left"] -= 1
            raise ValueError(f"S3 refused {CANARY} in {body[:200]!r}")  # quotes what it was given
        real_put(self, key, body, content_type, schema_version)

    mark = logs.mark()
    monkeypatch.setattr(ExtractStore, "put", flaky_put)
    created = traffic.submit(synthetic_case(icbCode=ICB, comments=f"{CANARY} publisher path"))
    assert created.status_code == 201, created.text
    case_id = created.json()["caseId"]
    traffic.accepted_case_ids.append(case_id)
    traffic.versions[case_id] = 1
    _wait_for_versions(traffic.stack, {case_id: 1})
    monkeypatch.undo()
    assert failures["left"] == 0  # the failures happened and were retried past
    assert "publish failed" in logs.since(mark)
    assert secrets_in(logs.since(mark)) == []


def test_no_extract_object_holds_restricted_text_or_identifiers(traffic: Traffic) -> None:
    stack = traffic.stack
    _wait_for_versions(stack, traffic.versions)
    assert stack.functions is not None
    summary = stack.functions.invoke(SNAPSHOT_EXTRACT, {})
    assert summary["cases"] >= len(traffic.accepted_case_ids)
    objects = 0
    for page in stack.s3.get_paginator("list_objects_v2").paginate(Bucket=stack.config.bucket):
        for item in page.get("Contents", []):
            body = stack.s3.get_object(Bucket=stack.config.bucket, Key=item["Key"])["Body"].read()
            text = body.decode("utf-8", errors="replace")
            assert secrets_in(text) == [], item["Key"]
            assert secrets_in(item["Key"]) == []
            objects += 1
    # The canary cases are in the extracts (by id), just not their restricted text.
    listing = json.dumps(
        [
            item["Key"]
            for page in stack.s3.get_paginator("list_objects_v2").paginate(Bucket=stack.config.bucket)
            for item in page.get("Contents", [])
        ]
    )
    assert all(case_id in listing for case_id in traffic.accepted_case_ids)
    assert objects > 0


def test_no_local_failure_record_or_idempotency_item_holds_restricted_text(traffic: Traffic) -> None:
    state = traffic.stack.state
    for path in [state.checkpoints_file, *state.failed_batches_dir.glob("*.json")]:
        if path.exists():
            assert secrets_in(path.read_text(errors="replace")) == [], path
    for page in traffic.stack.dynamodb.get_paginator("scan").paginate(
        TableName=traffic.stack.config.idempotency_table
    ):
        for item in page["Items"]:
            assert secrets_in(json.dumps(item)) == []


# --- logs (last: every test above has added to them) ------------------------------------------------


def test_zz_no_log_line_holds_restricted_text_or_identifiers(traffic: Traffic, logs: Capture) -> None:
    text = logs.text()
    assert "request refused" in text and "published" in text  # the capture saw the handlers and publisher
    leaking = [line[:200] for line in text.splitlines() if secrets_in(line)]
    assert leaking == []
