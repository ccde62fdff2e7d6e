"""Faults on the reporting path while the stream is being published: S3 throttling and errors,
DynamoDB throttling, a poison record; then recovery and the redrive.

Faults are injected into botocore itself (a ``before-send`` hook answers for the real endpoint), so
the SDK's own retries, the publisher's partial batch responses and the poller's bounded retries all
run as they would on AWS. Only calls made on the stream poller's thread are faulted: the API keeps
working while its changes fail to publish. After recovery every version of every case is in
``changes/`` exactly once and ``current/`` holds each case once, at its latest version.
"""

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from local_stack.identity import issue_token
from local_stack.lambdas import handler_available
from local_stack.stack import LocalStack
from tests.conftest import synthetic_case
from tracker import composition
from tracker.dal import schema
from tracker.extracts.keys import CHANGES_PREFIX, CURRENT_PREFIX, current_key
from tracker.extracts.redrive import RedriveReport, redrive

pytestmark = pytest.mark.skipif(
    not all(handler_available(f) for f in ("submit_case", "update_case", "publish_changes")),
    reason="the case API and publisher handlers are not in this checkout",
)

ICB, REGION = "QGH", "Y60"  # Midlands; no other integration suite writes to it
POLLER_THREAD = "scrt-stream-poller"
MERGE_PATCH = "application/merge-patch+json"


# --- fault injection ----------------------------------------------------------------------------------


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


S3_THROTTLE = (
    503,
    "application/xml",
    b"<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>",
)
S3_INTERNAL = (
    500,
    "application/xml",
    b"<Error><Code>InternalError</Code><Message>Try again</Message></Error>",
)
STREAMS_THROTTLE = (
    400,
    "application/x-amz-json-1.0",
    json.dumps(
        {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}
    ).encode(),
)
DYNAMODB_THROTTLE = (
    400,
    "application/x-amz-json-1.0",
    json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "message": "Rate exceeded",
        }
    ).encode(),
)


@dataclass
class Fault:
    """Answers a botocore operation with an error response, on the poller's thread only."""

    response: tuple[int, str, bytes]
    times: int | None = None  # how many calls to fault (None: until stopped)
    every: int = 1  # fault every n-th call only (intermittent throttling)
    injected: int = 0
    calls: int = 0
    active: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if threading.current_thread().name != POLLER_THREAD:
            return None
        with self.lock:
            if not self.active or (self.times is not None and self.injected >= self.times):
                return None
            self.calls += 1
            if self.calls % self.every:
                return None
            self.injected += 1
        status, content_type, body = self.response
        headers = HTTPHeaders()
        headers["Content-Type"] = content_type
        return AWSResponse(request.url, status, headers, _Body(body))


FIGURES: Counter[str] = Counter()
"""What this module did, printed at its end for docs/security.md."""


@contextmanager
def faults(client: Any, event: str, fault: Fault) -> Iterator[Fault]:
    client.meta.events.register_first(event, fault)
    try:
        yield fault
    finally:
        fault.active = False
        client.meta.events.unregister(event, fault)
        FIGURES["faults injected"] += fault.injected


# --- the world ----------------------------------------------------------------------------------------


@dataclass
class Writer:
    stack: LocalStack
    client: httpx.Client
    editor: dict[str, str]
    latest: dict[str, int] = field(default_factory=dict)  # case id -> latest version written

    def submit(self) -> str:
        response = self.client.post("/cases", json=synthetic_case(icbCode=ICB), headers=self.editor)
        assert response.status_code == 201, response.text
        case_id = response.json()["caseId"]
        self.latest[case_id] = 1
        return case_id

    def update(self, case_id: str) -> None:
        version = self.latest[case_id]
        response = self.client.patch(
            f"/cases/{case_id}",
            content=json.dumps({"localReference": f"v{version + 1}"}).encode(),
            headers={**self.editor, "Content-Type": MERGE_PATCH, "If-Match": f'"{version}"'},
        )
        assert response.status_code == 200, response.text
        self.latest[case_id] = version + 1

    def cases_with_versions(self, cases: int, updates: int) -> list[str]:
        made = [self.submit() for _ in range(cases)]
        for _ in range(updates):
            for case_id in made:
                self.update(case_id)
        return made


@pytest.fixture
def writer(stack: LocalStack) -> Iterator[Writer]:
    editor = {"Authorization": f"Bearer {issue_token(stack.state, 'icb_editor', ICB)}"}
    with httpx.Client(base_url=stack.api_url, timeout=60) as client:
        yield Writer(stack, client, editor)


class DirectoryFailureInbox:
    """The redrive's inbox over the local stack's ``failed-batches/`` (one JSON file per batch);
    a record redriven is moved to ``redriven/``, as the S3 inbox deletes it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for path in sorted(self.folder.glob("*.json")):
            yield str(path), json.loads(path.read_text())

    def done(self, record_id: str) -> None:
        path = Path(record_id)
        (self.folder / "redriven").mkdir(exist_ok=True)
        path.replace(self.folder / "redriven" / path.name)


def run_redrive(stack: LocalStack) -> RedriveReport:
    inbox = DirectoryFailureInbox(stack.state.failed_batches_dir)
    report = redrive(inbox, composition.case_store(), composition.extract_store())
    FIGURES["redrives"] += 1
    FIGURES["failure records redriven"] += report.records
    return report


def failed_batches_naming(stack: LocalStack, case_ids: set[str]) -> list[Path]:
    found = []
    for path in sorted(stack.state.failed_batches_dir.glob("*.json")):
        named = {
            record["keys"][schema.PARTITION_KEY]["S"] for record in json.loads(path.read_text())["records"]
        }
        if {schema.case_pk(case_id) for case_id in case_ids} & named:
            found.append(path)
    return found


# --- what the bucket must hold ------------------------------------------------------------------------


def bucket_keys(stack: LocalStack, prefix: str) -> list[str]:
    return [
        item["Key"]
        for page in stack.s3.get_paginator("list_objects_v2").paginate(
            Bucket=stack.config.bucket, Prefix=prefix
        )
        for item in page.get("Contents", [])
    ]


def extract_problems(stack: LocalStack, latest: dict[str, int]) -> list[str]:
    """Empty when every version is in changes/ exactly once and current/ is each case's latest."""
    problems: list[str] = []
    changes = Counter(
        (key.rsplit("/", 1)[1].split(".v")[0], key.rsplit(".v", 1)[1])
        for key in bucket_keys(stack, CHANGES_PREFIX)
        if key.rsplit("/", 1)[1].split(".v")[0] in latest
    )
    for case_id, last in latest.items():
        for version in range(1, last + 1):
            count = changes[(case_id, f"{version:06d}.json")]
            if count != 1:
                problems.append(f"{case_id} v{version}: {count} objects in changes/")
        extra = [suffix for (name, suffix) in changes if name == case_id and not suffix.endswith(".json")]
        problems += [f"{case_id}: unexpected {suffix}" for suffix in extra]
    current = bucket_keys(stack, CURRENT_PREFIX)
    for case_id, last in latest.items():
        copies = [key for key in current if case_id in key]
        if copies != [current_key(REGION, ICB, case_id)]:
            problems.append(f"{case_id}: current/ holds {copies}")
            continue
        row = json.loads(stack.s3.get_object(Bucket=stack.config.bucket, Key=copies[0])["Body"].read())
        if row.get("version") != last:
            problems.append(f"{case_id}: current/ at version {row.get('version')}, latest is {last}")
    return problems


def assert_nothing_lost(stack: LocalStack, latest: dict[str, int]) -> None:
    assert extract_problems(stack, latest) == []
    FIGURES["versions verified exactly once"] += sum(latest.values())
    FIGURES["cases verified in current/"] += len(latest)


def wait_until(condition: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def settled(stack: LocalStack, latest: dict[str, int], timeout: float = 30) -> None:
    wait_until(lambda: not extract_problems(stack, latest), timeout, "the extracts to settle")


# --- the tests ----------------------------------------------------------------------------------------


def test_throttling_is_retried_until_every_version_is_published_once(writer: Writer) -> None:
    """Intermittent S3 throttling is absorbed by the SDK's retries; a burst of DynamoDB throttling
    longer than the SDK's three attempts by the poller's retry of the batch."""
    stack = writer.stack
    s3 = composition.s3_client()
    dynamodb = composition.dynamodb_client()
    with (
        faults(s3, "before-send.s3.PutObject", Fault(S3_THROTTLE, times=10, every=2)) as s3_throttle,
        faults(dynamodb, "before-send.dynamodb.GetItem", Fault(DYNAMODB_THROTTLE, times=4)) as db_throttle,
    ):
        made = writer.cases_with_versions(cases=3, updates=2)
        settled(stack, writer.latest)
    assert (s3_throttle.injected, db_throttle.injected) == (10, 4)  # every fault was met and absorbed
    assert failed_batches_naming(stack, set(made)) == []  # absorbed by retries: nothing given up
    assert_nothing_lost(stack, writer.latest)


def test_s3_errors_outlasting_every_retry_are_recovered_by_the_redrive(writer: Writer) -> None:
    stack = writer.stack
    s3 = composition.s3_client()
    with faults(s3, "before-send.s3.PutObject", Fault(S3_INTERNAL)) as outage:
        made = writer.cases_with_versions(cases=3, updates=1)
        # The outage lasts until the poller has given up on a batch of each case.
        wait_until(
            lambda: all(failed_batches_naming(stack, {case_id}) for case_id in made),
            45,
            "the poller to give up",
        )
    assert outage.injected > 0
    lost = extract_problems(stack, writer.latest)
    assert lost  # the outage did lose changes, until the redrive below

    # The stream moves on: a case written after the outage is published without help.
    later = writer.submit()
    settled(stack, {later: 1})

    report = run_redrive(stack)
    assert report.cases >= len(made)
    assert_nothing_lost(stack, writer.latest)
    assert failed_batches_naming(stack, set(made)) == []  # every record it named is done

    # Running it again finds nothing to do and changes nothing.
    before = {
        key: stack.s3.head_object(Bucket=stack.config.bucket, Key=key)["ETag"]
        for key in bucket_keys(stack, "")
    }
    again = run_redrive(stack)
    assert (again.records, again.cases) == (0, 0)
    after = {
        key: stack.s3.head_object(Bucket=stack.config.bucket, Key=key)["ETag"]
        for key in bucket_keys(stack, "")
    }
    assert {key for key in after if any(case_id in key for case_id in made)} == {
        key for key in before if any(case_id in key for case_id in made)
    }


@dataclass
class Poison:
    case_id: str
    good: list[str]


def _poison_item(stack: LocalStack, template_case_id: str) -> str:
    """A copy of a real case item under a new id, with a value the model refuses (as a bad manual
    edit or a migration gone wrong would leave): every record of it fails to publish."""
    table = stack.config.cases_table
    key = {
        schema.PARTITION_KEY: {"S": schema.case_pk(template_case_id)},
        schema.SORT_KEY: {"S": schema.CASE_SK},
    }
    item = stack.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    poison_id = str(uuid.uuid4())
    poisoned = json.loads(json.dumps(item).replace(template_case_id, poison_id))
    poisoned["reviewType"] = {"S": "NOT_A_REVIEW_TYPE"}
    stack.dynamodb.put_item(TableName=table, Item=poisoned)
    FIGURES["poison items"] += 1
    return poison_id


def _remove_poison(stack: LocalStack, poison_id: str) -> None:
    key = {schema.PARTITION_KEY: {"S": schema.case_pk(poison_id)}, schema.SORT_KEY: {"S": schema.CASE_SK}}
    stack.dynamodb.delete_item(TableName=stack.config.cases_table, Key=key)


@contextmanager
def poisoned_stream(writer: Writer) -> Iterator[Poison]:
    """A good case, then a poison item and three more good changes in one batch; the poison is
    removed afterwards (whose REMOVE record fails too: its old image is the poison)."""
    stack = writer.stack
    first = writer.submit()
    settled(stack, writer.latest)
    # Hold the poller's reads so the poison and the changes after it arrive as one batch.
    with faults(stack.streams, "before-send.dynamodbstreams.GetRecords", Fault(STREAMS_THROTTLE)) as hold:
        poison_id = _poison_item(stack, first)
        followers = [writer.submit() for _ in range(3)]
        writer.update(followers[0])
        wait_until(lambda: hold.injected > 0, 10, "the poller to be held")
    try:
        wait_until(lambda: bool(failed_batches_naming(stack, {poison_id})), 30, "the poison to be given up")
        yield Poison(poison_id, [first, *followers])
    finally:
        given_up = len(failed_batches_naming(stack, {poison_id}))
        _remove_poison(stack, poison_id)
        wait_until(
            lambda: len(failed_batches_naming(stack, {poison_id})) > given_up,
            30,
            "the removal to be given up",
        )


@pytest.fixture(autouse=True)
def redrive_left_overs(stack: LocalStack) -> Iterator[None]:
    """Whatever a test leaves in failed-batches/ is redriven, so the suites after it start clean."""
    yield
    run_redrive(stack)


def test_a_poison_record_is_set_aside_and_the_stream_moves_on(writer: Writer) -> None:
    stack = writer.stack
    with poisoned_stream(writer) as poison:
        (kept,) = failed_batches_naming(stack, {poison.case_id})
        named = {
            record["keys"][schema.PARTITION_KEY]["S"] for record in json.loads(kept.read_text())["records"]
        }
        assert {schema.case_pk(case_id) for case_id in poison.good[1:]} <= named  # held back with it
        assert "NewImage" not in kept.read_text()  # keys only: no case data copied out
        later = writer.submit()
        settled(stack, {later: 1})  # changes after the poison are published without help
    # The operator removed the poison; the redrive now republishes what the poison held back.
    report = run_redrive(stack)
    assert report.records >= 2
    assert_nothing_lost(stack, writer.latest)
    assert failed_batches_naming(stack, {poison.case_id, *poison.good}) == []
    assert [key for key in bucket_keys(stack, "") if poison.case_id in key] == []


def test_the_redrive_republishes_good_cases_while_a_poison_is_still_there(writer: Writer) -> None:
    stack = writer.stack
    with poisoned_stream(writer) as poison:
        report = run_redrive(stack)
        assert report.cases_failed == [poison.case_id]  # reported, not a reason to stop
        assert_nothing_lost(stack, writer.latest)
        assert len(failed_batches_naming(stack, {poison.case_id})) == 1  # its record kept for the next run
        assert [key for key in bucket_keys(stack, "") if poison.case_id in key] == []


def test_zz_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: prints what was injected and verified."""
    if FIGURES["redrives"] < 3:
        pytest.skip("run alone or filtered: the figures would be partial")
    assert FIGURES["faults injected"] > 0 and FIGURES["versions verified exactly once"] > 0
    with capsys.disabled():
        print(
            "\nreporting faults: " + ", ".join(f"{name} {count}" for name, count in sorted(FIGURES.items()))
        )
