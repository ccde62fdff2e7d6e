"""Never a silent gap (issue 21 item 5): a function that reads cases cannot run without its audit
table. The setting is required (the CDK environment is checked against REQUIRED_SETTINGS), and a
function without it fails when it builds its case service, before any read, rather than answering
reads that nobody recorded."""

import importlib

import pytest

from tests.conftest import synthetic_case
from tests.support.api import AUDIT_TABLE, Api
from tracker import composition, settings
from tracker.dal.audit import entry_of
from tracker.dal.items import from_attribute_values

READING_FUNCTIONS = ("functions.query_cases", "functions.web_app")


@pytest.mark.parametrize("module", READING_FUNCTIONS)
def test_the_functions_that_read_cases_require_the_audit_table(module: str) -> None:
    required: frozenset[str] = importlib.import_module(module).REQUIRED_SETTINGS
    assert settings.AUDIT_TABLE_NAME in required


@pytest.mark.parametrize("service", [composition.api_case_service, composition.web_case_service])
def test_without_the_audit_table_no_case_service_is_built(
    api: Api, monkeypatch: pytest.MonkeyPatch, service: object
) -> None:
    monkeypatch.delenv(settings.AUDIT_TABLE_NAME)
    composition.reset()
    with pytest.raises(settings.ConfigurationError, match=settings.AUDIT_TABLE_NAME):
        service()  # type: ignore[operator]


def test_without_the_audit_table_a_case_is_not_answered(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = api.submit(synthetic_case()).body["caseId"]
    monkeypatch.delenv(settings.AUDIT_TABLE_NAME)
    composition.reset()
    response = api.get(case_id)
    assert response.status == 500
    assert case_id not in str(response.body)


def test_the_api_fixture_records_reads_in_its_audit_table(api: Api) -> None:
    case_id = api.submit(synthetic_case()).body["caseId"]
    assert api.get(case_id).status == 200
    items = api.dynamodb.scan(TableName=AUDIT_TABLE)["Items"]  # test inspection only
    assert [entry_of(from_attribute_values(item)).case_ids for item in items] == [(case_id,)]
