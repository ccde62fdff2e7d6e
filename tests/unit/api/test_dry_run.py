"""POST /cases?dryRun=true: every rule of a submission, nothing written (issue 22 item 2)."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import EDITOR_QE1, IDEMPOTENCY_TABLE, Api, ApiResponse, Identity, api_event

SYNTHETIC_NHS_NUMBER = "943 476 5919"  # passes the modulus 11 check; made up


def dry_run(
    api: Api,
    body: Any,
    identity: Identity = EDITOR_QE1,
    flag: str = "true",
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> ApiResponse:
    event = api_event(
        "POST",
        "/cases",
        identity=identity,
        body=body,
        raw_body=raw_body,
        headers=headers,
        query={"dryRun": flag},
    )
    return api._call("submit_case", event)


def nothing_written(api: Api) -> bool:
    idempotency = api.dynamodb.scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    return api.table_items() == [] and idempotency == []


def test_a_valid_case_answers_200_with_what_would_be_recorded_and_writes_nothing(api: Api) -> None:
    response = dry_run(api, synthetic_case(), headers={"Idempotency-Key": "import-row-2"})
    assert response.status == 200
    assert response.body["reviewType"] == "CSPR"
    assert response.body["icbCode"] == "QE1"
    for server_field in ("caseId", "reference", "version", "createdAt"):
        assert server_field not in response.body
    assert "Location" not in response.headers and "ETag" not in response.headers
    assert nothing_written(api)


def test_a_dry_run_takes_no_reference_number(api: Api) -> None:
    assert dry_run(api, synthetic_case()).status == 200
    created = api.submit(synthetic_case())
    assert created.status == 201
    assert created.body["reference"] == "QE1-2026-0001"


def test_the_same_key_submits_for_real_after_a_dry_run(api: Api) -> None:
    headers = {"Idempotency-Key": "import-row-3"}
    assert dry_run(api, synthetic_case(), headers=headers).status == 200
    assert api.submit(synthetic_case(localReference="changed after the check"), headers=headers).status == 201


def test_patient_identifiable_data_is_refused_as_a_submission_is(api: Api) -> None:
    body = synthetic_case(caseInformation=f"NHS number {SYNTHETIC_NHS_NUMBER}")
    checked, submitted = dry_run(api, body), None
    assert checked.status == 422
    assert [error["field"] for error in checked.body["errors"]] == ["caseInformation"]
    assert nothing_written(api)
    submitted = api.submit(body)
    assert (submitted.status, submitted.body["errors"]) == (checked.status, checked.body["errors"])


@pytest.mark.parametrize(
    "overrides",
    [
        {"dateAdded": "2025-01-01"},  # before the incident: a record rule
        {"providersInvolved": ["ZZ999"]},  # not a known provider: a provider rule
        {"themes": []},
        {"icbCode": "QE1", "reviewType": "OTHER"},  # Other needs its words
    ],
    ids=["record rule", "provider rule", "model", "consistency"],
)
def test_each_rule_answers_the_422_a_submission_would(api: Api, overrides: dict[str, Any]) -> None:
    body = synthetic_case(**overrides)
    checked = dry_run(api, body)
    assert checked.status == 422
    assert nothing_written(api)
    submitted = api.submit(body)
    assert (submitted.status, submitted.body["errors"]) == (422, checked.body["errors"])


@pytest.mark.parametrize(
    ("identity", "body"),
    [
        (("icb_viewer", "QE1"), synthetic_case()),
        (("icb_editor", "QOP"), synthetic_case()),  # another ICB's case
        (EDITOR_QE1, synthetic_case(regionalChiefNurseContentToAcceptDhrHealthRecs="YES", reviewType="DHR")),
    ],
    ids=["viewer", "another ICB", "the region's field"],
)
def test_access_answers_the_403_a_submission_would(
    api: Api, identity: Identity, body: dict[str, Any]
) -> None:
    assert dry_run(api, body, identity=identity).status == 403
    assert api.submit(body, identity=identity).status == 403
    assert nothing_written(api)


def test_a_flag_that_is_neither_true_nor_false_is_400_after_access(api: Api) -> None:
    bad = dry_run(api, synthetic_case(), flag="yes")
    assert bad.status == 400
    assert [(error["field"], error["in"]) for error in bad.body["errors"]] == [("dryRun", "query")]
    assert dry_run(api, synthetic_case(), identity=("icb_viewer", "QE1"), flag="yes").status == 403
    assert nothing_written(api)


def test_dry_run_false_records_the_case(api: Api) -> None:
    response = dry_run(api, synthetic_case(), flag="false")
    assert response.status == 201
    assert response.body["reference"] == "QE1-2026-0001"


def test_a_malformed_body_or_a_bad_key_is_400_in_a_dry_run_too(api: Api) -> None:
    assert dry_run(api, None, raw_body="{not json").status == 400
    assert dry_run(api, synthetic_case(), headers={"Idempotency-Key": "k" * 129}).status == 400
    assert nothing_written(api)
