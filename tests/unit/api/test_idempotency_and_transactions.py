"""Idempotent submits and the case/history transaction."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api
from tracker.dal import schema
from tracker.dal.items import to_attribute_values


def case_items(api: Api) -> list[dict[str, Any]]:
    return [item for item in api.table_items() if item[schema.ENTITY_TYPE_ATTRIBUTE] == schema.ENTITY_CASE]


def history_versions(api: Api, case_id: str) -> list[int]:
    return sorted(
        item["version"]
        for item in api.table_items()
        if item[schema.ENTITY_TYPE_ATTRIBUTE] == schema.ENTITY_HISTORY and item["case"]["caseId"] == case_id
    )


def test_replay_with_same_key_and_body_returns_the_first_response(api: Api) -> None:
    headers = {"Idempotency-Key": "form-4711"}
    first = api.submit(synthetic_case(), headers=headers)
    again = api.submit(synthetic_case(), headers=headers)
    assert first.status == again.status == 201
    assert again.body == first.body
    assert again.headers["Location"] == first.headers["Location"]
    assert again.etag == first.etag
    assert len(case_items(api)) == 1


def test_same_key_with_another_body_is_422(api: Api) -> None:
    headers = {"Idempotency-Key": "form-4712"}
    assert api.submit(synthetic_case(), headers=headers).status == 201
    response = api.submit(synthetic_case(localReference="different"), headers=headers)
    assert response.status == 422
    assert response.body["errors"][0]["field"] == "Idempotency-Key"
    assert len(case_items(api)) == 1


def test_keys_are_scoped_to_the_caller(api: Api) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    mine = api.submit(synthetic_case(), headers=headers)
    theirs = api.submit(synthetic_case(icbCode="QOP"), identity=("icb_editor", "QOP"), headers=headers)
    assert theirs.status == 201
    assert theirs.body["caseId"] != mine.body["caseId"]
    assert len(case_items(api)) == 2


def test_a_refused_submit_is_not_remembered(api: Api) -> None:
    headers = {"Idempotency-Key": "form-4713"}
    assert api.submit(synthetic_case(themes=[]), headers=headers).status == 422
    assert api.submit(synthetic_case(), headers=headers).status == 201
    assert len(case_items(api)) == 1


def test_empty_idempotency_key_is_400(api: Api) -> None:
    response = api.submit(synthetic_case(), headers={"Idempotency-Key": ""})
    assert response.status == 400
    assert case_items(api) == []


def test_every_version_has_its_history_item(api: Api) -> None:
    case = api.submit(synthetic_case()).body
    for version, reference in enumerate(("A", "B", "C"), start=1):
        assert api.patch(case["caseId"], {"localReference": reference}, f'"{version}"').status == 200
    [item] = case_items(api)
    assert item["version"] == 4
    assert history_versions(api, case["caseId"]) == [1, 2, 3, 4]


def test_failed_condition_leaves_nothing_half_written(api: Api) -> None:
    """A history item already at the next version cancels the whole transaction: no case change."""
    case = api.submit(synthetic_case()).body
    squatter = {
        schema.PARTITION_KEY: schema.case_pk(case["caseId"]),
        schema.SORT_KEY: schema.history_sk(2),
        schema.ENTITY_TYPE_ATTRIBUTE: schema.ENTITY_HISTORY,
        "version": 2,
        "case": {"caseId": case["caseId"]},
    }
    api.dynamodb.put_item(TableName="scrt-cases-test", Item=to_attribute_values(squatter))
    response = api.patch(case["caseId"], {"localReference": "never stored"}, '"1"')
    assert response.status == 412
    [item] = case_items(api)
    assert item["version"] == 1 and "localReference" not in item


def test_stale_write_between_read_and_write_is_refused(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two editors read version 1; the second write loses the race at the condition, not the read."""
    from tracker.dal.cases import DynamoCaseStore

    case = api.submit(synthetic_case()).body
    real_replace = DynamoCaseStore.replace

    def racing_replace(self: DynamoCaseStore, new_case: Any, entry: Any, expected_version: int) -> None:
        monkeypatch.setattr(DynamoCaseStore, "replace", real_replace)
        # Another editor's change lands first.
        assert api.patch(case["caseId"], {"localReference": "first"}, '"1"').status == 200
        real_replace(self, new_case, entry, expected_version)

    monkeypatch.setattr(DynamoCaseStore, "replace", racing_replace)
    response = api.patch(case["caseId"], {"localReference": "second"}, '"1"')
    assert response.status == 412
    assert api.get(case["caseId"]).body["localReference"] == "first"
    assert history_versions(api, case["caseId"]) == [1, 2]


def test_the_idempotency_table_never_holds_restricted_text(api: Api) -> None:
    body = synthetic_case(caseInformation="canary-information", comments="canary-comments")
    first = api.submit(body, headers={"Idempotency-Key": "form-4714"})
    replay = api.submit(body, headers={"Idempotency-Key": "form-4714"})
    assert replay.body == first.body
    assert replay.body["caseInformation"] == "canary-information"
    stored = api.dynamodb.scan(TableName="scrt-idempotency-test")["Items"]  # test inspection only
    assert len(stored) == 1
    assert "canary" not in repr(stored)


def test_a_replay_after_an_update_still_returns_the_first_response(api: Api) -> None:
    headers = {"Idempotency-Key": "form-4715"}
    first = api.submit(synthetic_case(), headers=headers)
    assert api.patch(first.body["caseId"], {"localReference": "later"}, '"1"').status == 200
    replay = api.submit(synthetic_case(), headers=headers)
    assert (replay.status, replay.body, replay.etag) == (201, first.body, '"1"')


def test_a_transaction_conflict_is_a_412_not_a_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from tracker import composition as clients

    case = api.submit(synthetic_case()).body
    client = clients.dynamodb_client()

    def conflicting(**_: Any) -> None:
        raise client.exceptions.TransactionCanceledException(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
            },
            "TransactWriteItems",
        )

    monkeypatch.setattr(client, "transact_write_items", conflicting)
    assert isinstance(client.exceptions.TransactionCanceledException, type)
    assert issubclass(client.exceptions.TransactionCanceledException, ClientError)
    response = api.patch(case["caseId"], {"localReference": "X"}, '"1"')
    assert response.status == 412


def test_the_same_key_still_in_progress_is_409(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A retry that arrives while the first request is still being processed is told to wait."""
    from tracker.logic.cases import CaseService

    headers = {"Idempotency-Key": "form-4716"}
    real_record = CaseService._record
    retries: list[Any] = []

    def slow_record(self: CaseService, caller: Any, document: Any) -> Any:
        if not retries:
            retries.append(api.submit(synthetic_case(), headers=headers))  # arrives mid-flight
        return real_record(self, caller, document)

    monkeypatch.setattr(CaseService, "_record", slow_record)
    first = api.submit(synthetic_case(), headers=headers)
    assert first.status == 201
    (retry,) = retries
    assert retry.status == 409
    assert retry.body["errors"][0]["field"] == "Idempotency-Key"
    assert len(case_items(api)) == 1
