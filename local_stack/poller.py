"""Feeds the cases table's DynamoDB stream to ``publish_changes`` as Lambda's event source mapping does.

- every shard of the stream, parents before children, each in sequence order;
- batches of up to ``batch_size`` records in Lambda's DynamoDB event shape (``eventSourceARN``
  added, ``ApproximateCreationDateTime`` in epoch seconds, binary values base64-encoded);
- ``ReportBatchItemFailures`` semantics: records before the first failed ``itemIdentifier`` are
  done; the batch is retried from the first failed record; an exception, or a response naming a
  record that is not in the batch, fails the whole batch;
- bounded retries, then an on-failure record is written to ``failed-batches/`` in the state
  directory (like Lambda's on-failure destination: batch metadata and keys, never the images, so
  restricted free text is not copied) and logged; the poller moves on;
- checkpoints (last sequence number per shard) are kept on disk, so a restart does not replay.
"""

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

log = logging.getLogger("scrt.poller")

Publisher = Callable[[dict[str, Any]], Any]


def _lambda_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _lambda_value(item) for key, item in value.items()}
    if isinstance(value, list | set | tuple):
        return [_lambda_value(item) for item in value]
    return value


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A DynamoDB Streams record as Lambda delivers it."""
    change = dict(record.get("dynamodb", {}))
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    elif isinstance(created, int | float):
        change["ApproximateCreationDateTime"] = int(created)
    result: dict[str, Any] = {
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": _lambda_value(change),
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:
        result["userIdentity"] = record["userIdentity"]
    return result


def first_failure(response: Any, sequence_numbers: list[str]) -> int | None:
    """Index of the first failed record, None when the whole batch succeeded."""
    if not isinstance(response, dict):
        return None
    failures = response.get("batchItemFailures")
    if not failures:
        return None
    indexes: list[int] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in sequence_numbers:
            return 0  # Lambda treats an invalid identifier as a failure of the whole batch
        indexes.append(sequence_numbers.index(identifier))
    return min(indexes)


@dataclass
class ShardState:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    finished: bool = False


@dataclass
class PollerStats:
    delivered: int = 0
    retries: int = 0
    failed_batches: list[Path] = field(default_factory=list)


class StreamPoller:
    def __init__(
        self,
        dynamodb: Any,
        streams: Any,
        table: str,
        publish: Publisher,
        checkpoints_file: Path,
        failed_batches_dir: Path,
        *,
        region: str = "eu-west-2",
        batch_size: int = 100,
        max_retries: int = 3,
        retry_delay_seconds: float = 0.2,
        poll_interval_seconds: float = 0.5,
    ) -> None:
        self.dynamodb = dynamodb
        self.streams = streams
        self.table = table
        self.publish = publish
        self.checkpoints_file = checkpoints_file
        self.failed_batches_dir = failed_batches_dir
        self.region = region
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.retry_delay_seconds = retry_delay_seconds
        self.poll_interval_seconds = poll_interval_seconds
        self.stats = PollerStats()
        self._stream_arn: str | None = None
        self._shards: dict[str, ShardState] = {}
        self._checkpoints: dict[str, dict[str, str]] = self._load_checkpoints()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- checkpoints -------------------------------------------------------------------------
    def _load_checkpoints(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.checkpoints_file.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _checkpoint(self, shard_id: str, sequence_number: str) -> None:
        assert self._stream_arn is not None
        self._checkpoints.setdefault(self._stream_arn, {})[shard_id] = sequence_number
        self.checkpoints_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.checkpoints_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._checkpoints, indent=1))
        tmp.replace(self.checkpoints_file)

    # --- shards ------------------------------------------------------------------------------
    def _discover(self) -> None:
        arn = self.dynamodb.describe_table(TableName=self.table)["Table"].get("LatestStreamArn")
        if not arn:
            raise RuntimeError(f"table {self.table} has no stream")
        if arn != self._stream_arn:
            self._stream_arn = arn
            self._shards = {}
        start: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StreamArn": arn}
            if start:
                kwargs["ExclusiveStartShardId"] = start
            description = self.streams.describe_stream(**kwargs)["StreamDescription"]
            for shard in description.get("Shards", []):
                if shard["ShardId"] not in self._shards:
                    self._shards[shard["ShardId"]] = ShardState(shard["ShardId"], shard.get("ParentShardId"))
            start = description.get("LastEvaluatedShardId")
            if not start:
                break

    def _ready(self, shard: ShardState) -> bool:
        if shard.finished:
            return False
        parent = self._shards.get(shard.parent_id) if shard.parent_id else None
        return parent is None or parent.finished

    def _iterator(self, shard: ShardState) -> str:
        assert self._stream_arn is not None
        done = self._checkpoints.get(self._stream_arn, {}).get(shard.shard_id)
        kwargs: dict[str, Any] = {"StreamArn": self._stream_arn, "ShardId": shard.shard_id}
        if done:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=done)
        else:
            kwargs.update(ShardIteratorType="TRIM_HORIZON")
        return str(self.streams.get_shard_iterator(**kwargs)["ShardIterator"])

    # --- polling -----------------------------------------------------------------------------
    def poll_once(self) -> int:
        """Read every ready shard once; returns the number of records handed over."""
        self._discover()
        handed = 0
        for shard in list(self._shards.values()):
            if not self._ready(shard):
                continue
            if shard.iterator is None:
                shard.iterator = self._iterator(shard)
            try:
                page = self.streams.get_records(ShardIterator=shard.iterator, Limit=self.batch_size)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                    shard.iterator = None
                    continue
                raise
            records = page.get("Records", [])
            if records:
                self._deliver(shard.shard_id, records)
                handed += len(records)
            shard.iterator = page.get("NextShardIterator")
            if shard.iterator is None:
                shard.finished = True
        return handed

    def drain(self, timeout: float = 10.0) -> int:
        """Poll until a round hands nothing over (tests and ``scrt`` commands)."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            handed = self.poll_once()
            total += handed
            if handed == 0:
                break
        return total

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        assert self._stream_arn is not None
        pending = records
        attempts = 0
        while pending:
            sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in pending]
            event = {"Records": [lambda_record(r, self._stream_arn, self.region) for r in pending]}
            try:
                failed_at = first_failure(self.publish(event), sequence_numbers)
                reason = "batchItemFailures"
            except Exception as error:
                log.exception("publish_changes raised on a batch of %d", len(pending))
                failed_at, reason = 0, f"{type(error).__name__}: {error}"
            if failed_at is None:
                self.stats.delivered += len(pending)
                self._checkpoint(shard_id, sequence_numbers[-1])
                return
            if failed_at > 0:
                self.stats.delivered += failed_at
                self._checkpoint(shard_id, sequence_numbers[failed_at - 1])
                pending = pending[failed_at:]
                attempts = 0  # progress: the retry budget applies to the new first record
            attempts += 1
            if attempts > self.max_retries:
                self._give_up(shard_id, pending, reason, attempts)
                self._checkpoint(shard_id, pending[-1]["dynamodb"]["SequenceNumber"])
                return
            self.stats.retries += 1
            if self._stop.wait(min(self.retry_delay_seconds * 2 ** (attempts - 1), 5.0)):
                return  # stopping: not checkpointed, so the next run delivers these records again

    def _give_up(self, shard_id: str, records: list[dict[str, Any]], reason: str, attempts: int) -> None:
        first = records[0]["dynamodb"]
        last = records[-1]["dynamodb"]
        document = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts},
            "reason": reason,
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": self._stream_arn,
            },
            "records": [
                {"eventName": r.get("eventName"), "keys": r["dynamodb"].get("Keys")} for r in records
            ],
            "timestamp": datetime.now(UTC).isoformat(),
        }
        self.failed_batches_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.failed_batches_dir / f"{stamp}-{shard_id[-12:]}-{first['SequenceNumber']}.json"
        path.write_text(json.dumps(_lambda_value(document), indent=2, default=str))
        self.stats.failed_batches.append(path)
        log.error(
            "publish_changes failed %d times on %d record(s) from %s; gave up, kept the batch in %s",
            attempts,
            len(records),
            first["SequenceNumber"],
            path,
        )

    # --- background thread ---------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scrt-stream-poller", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                handed = self.poll_once()
            except Exception:
                log.exception("stream poller error; retrying in 2 s")
                self._stop.wait(2.0)
                continue
            if handed == 0:
                self._stop.wait(self.poll_interval_seconds)

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the thread to stop and wait at most ``timeout``: a call in flight to a stalled engine
        must not hold up the stack's stop (the thread is a daemon and ends with the process)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
