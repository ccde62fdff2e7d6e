"""current/ never moves backwards, whoever writes it: a redrive that read a case before the stream
published a newer version must not put the older one back, nor leave a copy at an ICB the case has
moved from. The race is staged exactly: the newer version is written and published between the
redrive's read of the case and its writes."""

import json
from typing import Any

import pytest

from functions.publish_changes import handler as publish_handler
from tests.support.extracts_fixtures import DORSET, FakeContext, Stack, build_case, lambda_event
from tracker import composition
from tracker.dal.extract_store import ExtractStore
from tracker.extracts.columns import SCHEMA_VERSION
from tracker.extracts.keys import JSON_CONTENT_TYPE, current_key
from tracker.extracts.redrive import redrive
from tracker.models.case import Case


class OneFailureRecord:
    """An inbox holding one failure record naming ``case_id``."""

    def __init__(self, case_id: str) -> None:
        self.record = {"records": [{"keys": {"pk": {"S": f"CASE#{case_id}"}, "sk": {"S": "CASE"}}}]}
        self.redriven: list[str] = []

    def records(self) -> Any:
        if not self.redriven:
            yield "failure-1", self.record

    def done(self, record_id: str) -> None:
        self.redriven.append(record_id)


class RacedCaseStore:
    """The real case store, except that right after the redrive reads the case's latest state the
    stream writes ``newer`` and publishes it, as a live update would."""

    def __init__(self, stack: Stack, newer: Any) -> None:
        self._store = composition.case_store()
        self._stack = stack
        self._newer = newer
        self.raced = False

    def versions(self, case_id: str, *, after_version: int, limit: int) -> Any:
        return self._store.versions(case_id, after_version=after_version, limit=limit)

    def get(self, case_id: str) -> Case | None:
        found = self._store.get(case_id)
        if not self.raced:
            self.raced = True
            self._newer()
            publish(self._stack)
        return found


def publish(stack: Stack) -> None:
    response = publish_handler.lambda_handler(lambda_event(stack.read_stream()), FakeContext())
    assert response["batchItemFailures"] == []


def current_versions(stack: Stack) -> dict[str, int]:
    return {key: json.loads(body)["version"] for key, body in stack.objects("current/").items()}


def test_a_redrive_racing_a_newer_publish_leaves_the_newer_version_in_current(stack: Stack) -> None:
    case = stack.create(build_case())
    case = stack.update(case, localReference="L-2")
    publish(stack)
    updated: list[Case] = []
    raced = RacedCaseStore(stack, lambda: updated.append(stack.update(case, localReference="L-3")))

    report = redrive(OneFailureRecord(case.case_id), raced, composition.extract_store())  # type: ignore[arg-type]

    assert raced.raced and report.cases == 1
    assert current_versions(stack) == {current_key(case.region_code, case.icb_code, case.case_id): 3}


def test_a_redrive_racing_a_move_to_another_icb_leaves_one_copy_at_the_new_icb(stack: Stack) -> None:
    case = stack.create(build_case())
    publish(stack)
    raced = RacedCaseStore(stack, lambda: stack.update(case, icbCode=DORSET[0], regionCode=DORSET[1]))

    redrive(OneFailureRecord(case.case_id), raced, composition.extract_store())  # type: ignore[arg-type]

    assert current_versions(stack) == {current_key(DORSET[1], DORSET[0], case.case_id): 2}


KEY = current_key("Y58", "QJK", "00000000-0000-4000-8000-000000000001")


def put_version(store: ExtractStore, version: int) -> bool:
    body = json.dumps({"version": version}).encode()
    return store.put_latest(KEY, body, JSON_CONTENT_TYPE, SCHEMA_VERSION, version=version)


def stored_version(store: ExtractStore) -> int:
    version: int = json.loads(store.get(KEY))["version"]
    return version


def test_the_extract_store_keeps_the_newer_version_whichever_write_comes_last(stack: Stack) -> None:
    store = composition.extract_store()
    assert put_version(store, 5) is True
    assert put_version(store, 4) is False
    assert stored_version(store) == 5
    assert put_version(store, 6) is True
    assert stored_version(store) == 6


def test_an_object_written_before_versions_were_kept_as_metadata_is_judged_by_its_body(
    stack: Stack,
) -> None:
    store = composition.extract_store()
    store.put(KEY, json.dumps({"version": 7}).encode(), JSON_CONTENT_TYPE, SCHEMA_VERSION)
    assert put_version(store, 6) is False
    assert stored_version(store) == 7


def test_a_write_that_lands_between_the_check_and_the_put_is_not_overwritten(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer puts version 9 after this one read the stored version (3) and before its
    conditional put of version 8: the put is refused, read again, and given up."""
    store = composition.extract_store()
    put_version(store, 3)
    client = store._client
    real_put = client.put_object
    interleaved: list[int] = []

    def put_after_a_rival(**kwargs: Any) -> Any:
        if not interleaved:
            interleaved.append(9)
            real_put(
                Bucket=kwargs["Bucket"],
                Key=kwargs["Key"],
                Body=json.dumps({"version": 9}).encode(),
                Metadata={**kwargs["Metadata"], "case-version": "9"},
            )
        return real_put(**kwargs)

    monkeypatch.setattr(client, "put_object", put_after_a_rival)
    assert put_version(store, 8) is False
    assert stored_version(store) == 9
