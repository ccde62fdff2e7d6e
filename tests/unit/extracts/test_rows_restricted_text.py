"""A canary in the restricted free text reaches no extract object, no log line and no error."""

import logging
import sys
from typing import Any

import pytest

from functions.publish_changes import handler as publish_handler
from functions.snapshot_extract import handler as snapshot_handler
from tests.support.extracts_fixtures import (
    CANARY,
    TABLE,
    FakeContext,
    Stack,
    build_case,
    lambda_event,
)
from tracker.dal.extract_store import ExtractStore
from tracker.dal.items import case_item, to_attribute_values


class _CurrentStdout:
    """Writes to whatever sys.stdout is now (capsys swaps it between test phases)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def verbose_logs(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> pytest.LogCaptureFixture:
    """Every log line at DEBUG: Powertools' JSON lines (extras included) in capsys, records in caplog."""
    caplog.set_level(logging.DEBUG)
    for module in (publish_handler, snapshot_handler):
        module.logger.setLevel(logging.DEBUG)
        # The handler's stream was bound to sys.stdout at import, before capsys replaced it.
        monkeypatch.setattr(module.logger.registered_handler, "stream", _CurrentStdout())
    return caplog


def test_canary_in_restricted_fields_appears_in_no_extract_and_no_log(
    stack: Stack,
    verbose_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = stack.create(build_case(caseInformation=f"{CANARY} info", comments=f"{CANARY} comment"))
    stack.update(
        case, stage="REPORT_SIGNED_OFF", reportSignedOffDate="2026-06-01", comments=f"{CANARY} again"
    )
    # A malformed case item (an attribute the model does not know, holding the canary) fails
    # validation, whose message would quote it: the error path must not.
    bad = {**case_item(build_case(number=9).model_dump(mode="json", by_alias=True)), "stray": CANARY}
    bad["caseInformation"] = CANARY
    stack.dynamodb.put_item(TableName=TABLE, Item=to_attribute_values(bad))
    records = stack.read_stream()

    responses: list[Any] = [publish_handler.lambda_handler(lambda_event(records), FakeContext())]
    assert responses[0]["batchItemFailures"], "the malformed item's record fails"

    # And an S3 failure on a record of the canary case.
    real_put = ExtractStore.put

    def failing_put(
        self: ExtractStore, key: str, body: bytes, content_type: str, schema_version: int
    ) -> None:
        if case.case_id in key:
            raise RuntimeError(f"simulated failure quoting {body.decode()}")
        real_put(self, key, body, content_type, schema_version)

    monkeypatch.setattr(ExtractStore, "put", failing_put)
    with pytest.raises(Exception) as entire_batch_failed:
        publish_handler.lambda_handler(lambda_event(records[:1]), FakeContext())
    monkeypatch.setattr(ExtractStore, "put", real_put)
    snapshot = snapshot_handler.lambda_handler({"snapshotDate": "2026-07-01"}, FakeContext())
    assert (snapshot["cases"], snapshot["rejectedCaseIds"]) == (1, [bad["caseId"]])
    responses.append(snapshot)

    objects = stack.objects()
    assert any(key.startswith("changes/") for key in objects)
    assert any(key.startswith("current/") for key in objects)
    assert any(key.startswith("snapshots/") for key in objects)
    for key, content in objects.items():
        assert CANARY.encode() not in content, key
    captured = capsys.readouterr()
    assert '"message":"published"' in captured.out, "the handler's JSON log lines were captured"
    assert '"message":"publish failed"' in captured.out
    assert CANARY not in captured.out + captured.err
    assert CANARY not in verbose_logs.text
    assert all(CANARY not in str(record.__dict__) for record in verbose_logs.records)
    assert CANARY not in str(responses)
    assert CANARY not in str(entire_batch_failed.value)
