"""The stream poller on the engine's real DynamoDB stream: every change handed over exactly once,
also when the publisher reports a failed record or raises; bounded retries end in failed-batches/."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_stack.poller import StreamPoller, first_failure
from local_stack.stack import LocalStack
from tracker.dal.schema import create_table_kwargs


class RecordingPublisher:
    """Acknowledges records like publish_changes; can fail chosen records a number of times."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.acknowledged: list[str] = []  # item ids, in the order they were successfully handled
        self.events: list[dict[str, Any]] = []
        self.fail_times: dict[str, int] = {}  # item id -> how many more times to report it failed
        self.raise_times = 0

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        ids = [record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]]
        self.calls.append(ids)
        if self.raise_times > 0:
            self.raise_times -= 1
            raise RuntimeError("injected publisher crash")
        for record, item_id in zip(event["Records"], ids, strict=True):
            if self.fail_times.get(item_id, 0) > 0:
                self.fail_times[item_id] -= 1
                return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
            self.acknowledged.append(item_id)
        return {"batchItemFailures": []}


@pytest.fixture
def table(stack: LocalStack) -> Iterator[str]:
    name = f"poller-{uuid.uuid4().hex[:8]}"
    stack.dynamodb.create_table(**create_table_kwargs(name))
    stack.dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
    yield name
    stack.dynamodb.delete_table(TableName=name)


def put(stack: LocalStack, table: str, count: int) -> list[str]:
    ids = [f"CASE#{uuid.uuid4()}" for _ in range(count)]
    for item_id in ids:
        stack.dynamodb.put_item(
            TableName=table,
            Item={"pk": {"S": item_id}, "sk": {"S": "CASE"}, "blob": {"B": b"\x00\x01"}, "n": {"N": "1"}},
        )
    return ids


def poller(
    stack: LocalStack, table: str, publisher: RecordingPublisher, tmp_path: Path, **kw: Any
) -> StreamPoller:
    return StreamPoller(
        stack.dynamodb,
        stack.streams,
        table,
        publisher,
        tmp_path / "checkpoints.json",
        tmp_path / "failed-batches",
        retry_delay_seconds=0.01,
        **kw,
    )


def drain_until(p: StreamPoller, publisher: RecordingPublisher, count: int) -> None:
    for _ in range(50):
        p.drain()
        if len(publisher.acknowledged) >= count:
            return
    raise AssertionError(f"only {len(publisher.acknowledged)} of {count} records handed over")


def test_every_change_reaches_the_publisher_once_in_lambdas_event_shape(
    stack: LocalStack, table: str, tmp_path: Path
) -> None:
    ids = put(stack, table, 7)
    publisher = RecordingPublisher()
    p = poller(stack, table, publisher, tmp_path, batch_size=3)
    drain_until(p, publisher, 7)
    assert publisher.acknowledged == ids
    assert all(len(call) <= 3 for call in publisher.calls)  # batching
    record = publisher.events[0]["Records"][0]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventName"] == "INSERT"
    assert record["awsRegion"] == "eu-west-2"
    assert (
        record["eventSourceARN"] == stack.dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    )
    change = record["dynamodb"]
    assert isinstance(change["ApproximateCreationDateTime"], int)
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert change["NewImage"]["blob"] == {"B": "AAE="}  # binary base64-encoded, as Lambda delivers it
    json.dumps(publisher.events)  # the whole event is plain JSON

    # A new poller on the same checkpoints hands nothing over again (restart without replay).
    again = RecordingPublisher()
    poller(stack, table, again, tmp_path).drain()
    assert again.calls == []


def test_a_reported_failure_is_retried_from_the_first_failed_record_and_nothing_is_duplicated(
    stack: LocalStack, table: str, tmp_path: Path
) -> None:
    ids = put(stack, table, 6)
    publisher = RecordingPublisher()
    publisher.fail_times[ids[3]] = 2
    p = poller(stack, table, publisher, tmp_path, batch_size=10)
    drain_until(p, publisher, 6)
    assert publisher.acknowledged == ids  # each exactly once, in order
    first_call = next(call for call in publisher.calls if ids[0] in call)
    assert first_call[:4] == ids[:4]
    retries = [call for call in publisher.calls if call and call[0] == ids[3]]
    assert len(retries) == 2 and all(ids[0] not in call for call in retries)
    assert not (tmp_path / "failed-batches").exists()


def test_a_crashing_publisher_is_retried_with_the_whole_batch(
    stack: LocalStack, table: str, tmp_path: Path
) -> None:
    ids = put(stack, table, 4)
    publisher = RecordingPublisher()
    publisher.raise_times = 1
    drain_until(poller(stack, table, publisher, tmp_path, batch_size=10), publisher, 4)
    assert publisher.acknowledged == ids


def test_bounded_retries_keep_the_failed_batch_for_an_operator_and_move_on(
    stack: LocalStack, table: str, tmp_path: Path
) -> None:
    ids = put(stack, table, 3)
    publisher = RecordingPublisher()
    publisher.fail_times[ids[1]] = 100  # never succeeds
    p = poller(stack, table, publisher, tmp_path, batch_size=10, max_retries=2)
    for _ in range(50):
        p.drain()
        if p.stats.failed_batches:
            break
    (kept,) = list((tmp_path / "failed-batches").glob("*.json"))
    document = json.loads(kept.read_text())
    assert document["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert document["DDBStreamBatchInfo"]["batchSize"] == 2  # the failed record and the one after it
    assert [r["keys"]["pk"]["S"] for r in document["records"]] == ids[1:]
    assert "NewImage" not in kept.read_text()  # metadata only: no restricted free text copied
    assert publisher.acknowledged == ids[:1]
    assert len([call for call in publisher.calls if ids[1] in call]) == 3  # first try + 2 retries

    # The stream moves on: later changes still flow.
    later = put(stack, table, 1)
    drain_until(p, publisher, 2)
    assert publisher.acknowledged == [ids[0], *later]


def test_first_failure_follows_lambdas_rules() -> None:
    seqs = ["1", "2", "3"]
    assert first_failure(None, seqs) is None
    assert first_failure({"batchItemFailures": []}, seqs) is None
    assert first_failure({"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "2"}]}, seqs) == 1
    assert first_failure({"batchItemFailures": [{"itemIdentifier": "9"}]}, seqs) == 0
    assert first_failure({"batchItemFailures": [{"itemIdentifier": ""}]}, seqs) == 0
