"""Engine faults under live writes: S3 (SeaweedFS) and DynamoDB Local paused and killed, the whole
stack stopped mid-write, and a redrive run beside live writes. Writers keep submitting (each with
an Idempotency-Key, resent until acknowledged) and patching (If-Match) throughout; afterwards every
acknowledged write is counted against the versions stored and the extract objects:

- every acknowledged version is stored, and every stored version is in ``changes/`` exactly once;
- no case is stored twice for one Idempotency-Key;
- ``current/`` holds each case once, at its latest stored version.

The figures are printed at the end (``docs/security.md`` quotes a run). Size: SCRT_FUZZ_ROUNDS
writes per writer and phase (default 20), SCRT_FUZZ_FAULT_WRITERS writer threads (default 2).
Runs on its own local stack (real engines only: moto keeps nothing across a kill).
"""

import json
import os
import shutil
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from local_stack.identity import issue_token
from local_stack.stack import BACKEND_LOCAL, LocalStack, StackConfig
from tests.conftest import synthetic_case
from tests.integration.conftest import stack_config, test_backend
from tests.integration.test_reporting_faults import DirectoryFailureInbox
from tracker import composition
from tracker.dal import schema
from tracker.extracts.keys import CHANGES_PREFIX, CURRENT_PREFIX, current_key
from tracker.extracts.redrive import redrive

ICB, REGION = "QHL", "Y60"  # Midlands; no other suite on this stack
ROUNDS = int(os.environ.get("SCRT_FUZZ_ROUNDS", "20"))
WRITERS = int(os.environ.get("SCRT_FUZZ_FAULT_WRITERS", "2"))
PAUSE_SECONDS = 3.0
REQUEST_TIMEOUT_SECONDS = 8.0
MERGE_PATCH = "application/merge-patch+json"
DYNAMODB_LOCAL, SEAWEEDFS = "DynamoDB Local", "SeaweedFS"

FIGURES: Counter[str] = Counter()

pytestmark = pytest.mark.skipif(
    test_backend() != BACKEND_LOCAL, reason="needs DynamoDB Local and SeaweedFS (Java and weed)"
)


# --- the stack, restarted on the same state ---------------------------------------------------------


class Restartable:
    """One local stack on a fixed state folder and ports, stopped and started again at will."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.stack = self._start()

    def _start(self) -> LocalStack:
        composition.reset()
        return LocalStack(self.config).start()

    def restart(self) -> None:
        self.stack.stop()
        self.stack = self._start()
        FIGURES["stack restarts"] += 1

    def engine_pid(self, name: str) -> int:
        engine = next(engine for engine in self.stack.engines if getattr(engine, "name", "") == name)
        pid: int = engine.pid  # type: ignore[attr-defined]
        return pid


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restartable]:
    root = tmp_path_factory.mktemp("scrt-faults")
    config = stack_config(root, BACKEND_LOCAL, poller_max_retries=2)
    running = Restartable(config)
    try:
        yield running
    finally:
        running.stack.stop()
        composition.reset()
        shutil.rmtree(root, ignore_errors=True)


# --- writers -----------------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the API acknowledged, across every writer."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acked_versions: dict[str, int] = field(default_factory=dict)  # case -> newest version acknowledged
    keys: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> case id
    submits: int = 0
    patches: int = 0
    unacknowledged: int = 0


class Writer(threading.Thread):
    def __init__(self, world: Restartable, ledger: Ledger, writes: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.world, self.ledger, self.writes, self.stop_event = world, ledger, writes, stop
        self.known: dict[str, int] = {}
        self.pending_key: str | None = None

    def _headers(self) -> dict[str, str]:
        token = issue_token(self.world.stack.state, "icb_editor", ICB)
        return {"Authorization": f"Bearer {token}"}

    def _submit(self, client: httpx.Client) -> None:
        key = self.pending_key or f"fault-{uuid.uuid4()}"
        self.pending_key = key  # resent with the same key until acknowledged
        response = client.post(
            "/cases",
            json=synthetic_case(icbCode=ICB),
            headers={**self._headers(), "Idempotency-Key": key},
        )
        if response.status_code != 201:
            raise httpx.HTTPError(f"submit {response.status_code}")
        case_id = response.json()["caseId"]
        self.pending_key = None
        self.known[case_id] = 1
        with self.ledger.lock:
            previous = self.ledger.keys.setdefault(key, case_id)
            assert previous == case_id, "one Idempotency-Key gave two cases"
            self.ledger.submits += 1
            self.ledger.acked_versions.setdefault(case_id, 1)

    def _patch(self, client: httpx.Client, case_id: str) -> None:
        version = self.known[case_id]
        response = client.patch(
            f"/cases/{case_id}",
            content=json.dumps({"localReference": f"w{uuid.uuid4().hex[:8]}"}).encode(),
            headers={**self._headers(), "Content-Type": MERGE_PATCH, "If-Match": f'"{version}"'},
        )
        if response.status_code == 412:  # an unacknowledged patch of ours was applied after all
            current = client.get(f"/cases/{case_id}", headers=self._headers())
            if current.status_code == 200:
                self.known[case_id] = current.json()["version"]
            raise httpx.HTTPError("stale")
        if response.status_code != 200:
            raise httpx.HTTPError(f"patch {response.status_code}")
        self.known[case_id] = response.json()["version"]
        with self.ledger.lock:
            self.ledger.patches += 1
            newest = max(self.ledger.acked_versions.get(case_id, 0), self.known[case_id])
            self.ledger.acked_versions[case_id] = newest

    def run(self) -> None:
        done = 0
        while done < self.writes and not self.stop_event.is_set():
            try:
                with httpx.Client(
                    base_url=self.world.stack.api_url, timeout=REQUEST_TIMEOUT_SECONDS
                ) as client:
                    if not self.known or self.pending_key or done % 4 == 0:
                        self._submit(client)
                    else:
                        self._patch(client, sorted(self.known)[done % len(self.known)])
                done += 1
            except (httpx.HTTPError, OSError):
                with self.ledger.lock:
                    self.ledger.unacknowledged += 1
                time.sleep(0.2)


@contextmanager
def writing(world: Restartable, ledger: Ledger, writes: int = ROUNDS) -> Iterator[list[Writer]]:
    """Writers running for the block, then given until every write is acknowledged to finish."""
    stop = threading.Event()
    writers = [Writer(world, ledger, writes, stop) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        yield writers
    finally:
        deadline = time.monotonic() + 180
        for writer in writers:
            writer.join(max(deadline - time.monotonic(), 0.1))
        stop.set()
        for writer in writers:
            writer.join(10)


def wait_for_writes(ledger: Ledger, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while ledger.submits + ledger.patches < count and time.monotonic() < deadline:
        time.sleep(0.1)


# --- faults --------------------------------------------------------------------------------------------


def pause(world: Restartable, engine: str, seconds: float = PAUSE_SECONDS) -> None:
    pid = world.engine_pid(engine)
    os.killpg(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.killpg(pid, signal.SIGCONT)
    FIGURES[f"{engine} paused"] += 1


def kill(world: Restartable, engine: str) -> None:
    os.killpg(world.engine_pid(engine), signal.SIGKILL)
    FIGURES[f"{engine} killed"] += 1
    time.sleep(1.0)  # writes fail for a moment, as they would while a service is down
    world.restart()


# --- what must hold --------------------------------------------------------------------------------------


def stored_versions(case_id: str) -> list[int]:
    store = composition.case_store()
    versions: list[int] = []
    while True:
        page = store.versions(case_id, after_version=versions[-1] if versions else 0, limit=100)
        versions += [entry.version for entry in page]
        if len(page) < 100:
            return versions


def bucket_keys(stack: LocalStack, prefix: str) -> list[str]:
    return [
        item["Key"]
        for page in stack.s3.get_paginator("list_objects_v2").paginate(
            Bucket=stack.config.bucket, Prefix=prefix
        )
        for item in page.get("Contents", [])
    ]


def problems(stack: LocalStack, ledger: Ledger) -> tuple[list[str], Counter[str]]:
    found: list[str] = []
    counts: Counter[str] = Counter()
    changes = Counter(key.rsplit("/", 1)[1] for key in bucket_keys(stack, CHANGES_PREFIX))
    current = bucket_keys(stack, CURRENT_PREFIX)
    for case_id, acked in sorted(ledger.acked_versions.items()):
        versions = stored_versions(case_id)
        counts["stored versions"] += len(versions)
        if versions != list(range(1, len(versions) + 1)) or len(versions) < acked:
            found.append(f"{case_id}: stored {versions[-3:]}, acknowledged up to {acked}")
        for version in versions:
            copies = changes[f"{case_id}.v{version:06d}.json"]
            counts["changes/ objects"] += copies
            if copies != 1:
                found.append(f"{case_id} v{version}: {copies} objects in changes/")
        beyond = [name for name in changes if name.startswith(f"{case_id}.v") and name.endswith(".json")]
        if len(beyond) != len(versions):
            found.append(f"{case_id}: {len(beyond)} changes/ objects for {len(versions)} versions")
        copies_now = [key for key in current if case_id in key]
        if copies_now != [current_key(REGION, ICB, case_id)]:
            found.append(f"{case_id}: current/ holds {copies_now}")
            continue
        counts["current/ objects"] += 1
        row = json.loads(stack.s3.get_object(Bucket=stack.config.bucket, Key=copies_now[0])["Body"].read())
        if versions and row.get("version") != versions[-1]:
            found.append(f"{case_id}: current/ at v{row.get('version')}, stored up to v{versions[-1]}")
    return found, counts


def run_redrive(stack: LocalStack) -> None:
    report = redrive(
        DirectoryFailureInbox(stack.state.failed_batches_dir),
        composition.case_store(),
        composition.extract_store(),
    )
    FIGURES["redrives"] += 1
    FIGURES["failure records redriven"] += report.records


def settle(world: Restartable, ledger: Ledger, timeout: float = 120) -> Counter[str]:
    """Wait for the stream to catch up, redriving what it gave up on; fail with what is still wrong."""
    deadline = time.monotonic() + timeout
    while True:
        found, counts = problems(world.stack, ledger)
        if not found:
            return counts
        if time.monotonic() > deadline:
            pytest.fail("\n".join(found[:20]))
        run_redrive(world.stack)
        time.sleep(1.0)


def phase(world: Restartable, ledger: Ledger, name: str, fault: Callable[[], None]) -> None:
    before = ledger.submits + ledger.patches
    with writing(world, ledger):
        wait_for_writes(ledger, before + WRITERS * 2)  # the fault lands mid-burst
        fault()
    FIGURES["phases"] += 1
    settle(world, ledger)
    FIGURES[f"{name}: writes acknowledged"] += ledger.submits + ledger.patches - before


# --- the suite ------------------------------------------------------------------------------------------


def test_acknowledged_writes_survive_engine_faults_and_each_version_is_extracted_once(
    world: Restartable, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = Ledger()
    phase(world, ledger, "S3 paused", lambda: pause(world, SEAWEEDFS))
    phase(world, ledger, "DynamoDB paused", lambda: pause(world, DYNAMODB_LOCAL))
    phase(world, ledger, "S3 killed", lambda: kill(world, SEAWEEDFS))
    phase(world, ledger, "DynamoDB killed", lambda: kill(world, DYNAMODB_LOCAL))
    phase(world, ledger, "stack stopped mid-write", world.restart)

    # A redrive of every case beside live writes: its reads go stale while the stream publishes newer
    # versions, which current/ must keep.
    failures = Path(world.stack.state.failed_batches_dir)
    failures.mkdir(parents=True, exist_ok=True)
    with writing(world, ledger):
        for round_number in range(3):
            record = {
                "records": [
                    {
                        "keys": {
                            schema.PARTITION_KEY: {"S": schema.case_pk(case_id)},
                            schema.SORT_KEY: {"S": "CASE"},
                        }
                    }
                    for case_id in sorted(ledger.acked_versions)
                ]
            }
            (failures / f"synthetic-redrive-{round_number}.json").write_text(json.dumps(record))
            run_redrive(world.stack)
            FIGURES["cases redriven beside live writes"] += len(record["records"])
    counts = settle(world, ledger)

    assert ledger.submits > 0 and ledger.patches > 0
    assert len(set(ledger.keys.values())) == len(ledger.keys)  # one case per Idempotency-Key
    FIGURES["submits acknowledged"] = ledger.submits
    FIGURES["patches acknowledged"] = ledger.patches
    FIGURES["writes not acknowledged (failed or timed out)"] = ledger.unacknowledged
    FIGURES["cases"] = len(ledger.acked_versions)
    FIGURES["versions acknowledged (newest per case)"] = sum(ledger.acked_versions.values())
    FIGURES.update(counts)
    FIGURES["lost, duplicated or stale"] = 0
    with capsys.disabled():
        print(
            f"\nengine faults (writers {WRITERS}, rounds {ROUNDS}): "
            + ", ".join(f"{name} {count}" for name, count in sorted(FIGURES.items()))
        )
