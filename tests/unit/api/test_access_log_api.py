"""Who has seen a case, through the API over moto: each read by each role recorded (and no other),
GET /cases/{caseId}/access for the case's ICB editors and the national team, and no read answered
when its entry cannot be written (503, the failure counted for the alarm)."""

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api, Identity
from tracker import clock, composition, settings
from tracker.dal import schema
from tracker.dal.audit import entry_of
from tracker.dal.items import from_attribute_values
from tracker.logic.audit import as_read
from tracker.models.access_log import AccessEntry

AUDIT_TABLE = "scrt-audit-test"
EDITOR: Identity = ("icb_editor", "QE1")
VIEWER: Identity = ("icb_viewer", "QE1")
REGIONAL: Identity = ("regional", "Y62")
NATIONAL: Identity = ("national", "X24")
PROVIDER: Identity = ("provider", "RXX")
FOREIGN_EDITOR: Identity = ("icb_editor", "QOP")
EVERY_READER = (EDITOR, VIEWER, REGIONAL, NATIONAL, PROVIDER)
SECRET = "Synthetic restricted note 9Z"


@pytest.fixture
def audited_api(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv(settings.AUDIT_TABLE_NAME, AUDIT_TABLE)
    # fixed_today's noon, a millisecond later at each look: reads happen one after another.
    ticks = iter(range(1_000_000))
    noon = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: noon + timedelta(milliseconds=next(ticks)))
    api.dynamodb.create_table(**schema.create_audit_table_kwargs(AUDIT_TABLE))
    composition.reset()
    yield api
    composition.reset()


def entries(api: Api) -> list[AccessEntry]:
    items = api.dynamodb.scan(TableName=AUDIT_TABLE)["Items"]  # test inspection only
    found = [entry_of(from_attribute_values(item)) for item in items]
    return sorted(found, key=lambda entry: (entry.at, entry.entry_id))


def submitted(api: Api) -> dict[str, Any]:
    response = api.submit(synthetic_case(providersInvolved=["RXX"], comments=SECRET), identity=EDITOR)
    assert response.status == 201, response.body
    return dict(response.body)


@pytest.mark.parametrize("reader", EVERY_READER, ids=lambda identity: identity[0])
def test_every_read_through_the_api_is_recorded_and_no_other(audited_api: Api, reader: Identity) -> None:
    case = submitted(audited_api)
    assert entries(audited_api) == []  # recording a case is not a read of it
    assert audited_api.get(case["caseId"], identity=reader).status == 200
    assert audited_api.history(case["caseId"], identity=reader).status == 200
    listed = audited_api.list_cases(identity=reader)
    assert [item["caseId"] for item in listed.body["items"]] == [case["caseId"]]
    assert audited_api.get_path("/reference/icbs", identity=reader).status == 200  # no case: no entry

    recorded = entries(audited_api)
    assert sorted(entry.action.value for entry in recorded) == ["list_cases", "read_case", "read_history"]
    for entry in recorded:
        assert (entry.role, entry.org, entry.sub) == (reader[0], reader[1], f"user-{reader[1]}")
        assert entry.case_ids == (case["caseId"],)
        assert entry.channel.value == "api" and entry.outcome.value == "answered"
        assert entry.request_id is not None and uuid.UUID(entry.request_id)
        assert SECRET not in entry.canonical().decode()
    assert len({entry.request_id for entry in recorded}) == 3  # each its own request's


def test_a_refused_read_is_recorded_and_still_answered_404(audited_api: Api) -> None:
    case = submitted(audited_api)
    assert audited_api.get(case["caseId"], identity=FOREIGN_EDITOR).status == 404
    recorded = entries(audited_api)
    # The "answered" entry written while it read, and its refusal of the same moment (D121)...
    assert sorted(entry.outcome.value for entry in recorded) == ["answered", "refused"]
    (entry,) = as_read(recorded)  # ...shown once, as refused
    assert (entry.org, entry.outcome.value, entry.refusal) == ("QOP", "refused", "not-found")


@pytest.mark.parametrize("reader", [EDITOR, NATIONAL], ids=lambda identity: identity[0])
def test_the_icb_editors_and_the_national_team_read_the_access_log(
    audited_api: Api, reader: Identity
) -> None:
    case = submitted(audited_api)
    audited_api.get(case["caseId"], identity=PROVIDER)
    audited_api.get(case["caseId"], identity=VIEWER)
    response = audited_api._call(
        "query_cases",
        _event(f"/cases/{case['caseId']}/access", reader, {"limit": "1"}),
    )
    assert response.status == 200, response.body
    assert [item["org"] for item in response.body["items"]] == ["QE1"]  # newest first: the viewer
    assert response.body["items"][0]["role"] == "icb_viewer"
    assert response.body["nextCursor"]
    after = audited_api._call(
        "query_cases",
        _event(
            f"/cases/{case['caseId']}/access", reader, {"limit": "1", "cursor": response.body["nextCursor"]}
        ),
    )
    assert [item["role"] for item in after.body["items"]] == ["provider"]
    asked = [entry for entry in entries(audited_api) if entry.action.value == "read_access_log"]
    assert len(asked) == 2 and {entry.org for entry in asked} == {reader[1]}


@pytest.mark.parametrize(
    ("reader", "status"),
    [(VIEWER, 403), (REGIONAL, 403), (PROVIDER, 403), (FOREIGN_EDITOR, 404)],
    ids=lambda value: value[0] if isinstance(value, tuple) else str(value),
)
def test_nobody_else_reads_the_access_log(audited_api: Api, reader: Identity, status: int) -> None:
    case = submitted(audited_api)
    response = audited_api._call("query_cases", _event(f"/cases/{case['caseId']}/access", reader, {}))
    assert response.status == status
    (entry,) = entries(audited_api)
    assert (entry.action.value, entry.outcome.value) == ("read_access_log", "refused")


def test_no_read_is_answered_when_its_entry_cannot_be_written(
    audited_api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    case = submitted(audited_api)
    audited_api.dynamodb.delete_table(TableName=AUDIT_TABLE)  # the audit store is gone
    capsys.readouterr()
    for response in (
        audited_api.get(case["caseId"]),
        audited_api.history(case["caseId"]),
        audited_api.list_cases(),
    ):
        assert response.status == 503
        assert response.body["type"].endswith("/service-unavailable")
        assert SECRET not in json.dumps(response.body)
    counted = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and settings.AUDIT_WRITE_FAILED_METRIC in line
    ]
    assert [metric[settings.AUDIT_WRITE_FAILED_METRIC] for metric in counted] == [[1.0], [1.0], [1.0]]
    assert all(
        metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == settings.METRICS_NAMESPACE
        for metric in counted
    )


def _event(path: str, identity: Identity, query: dict[str, str]) -> dict[str, Any]:
    from tests.support.api import api_event

    return api_event("GET", path, identity=identity, query=query or None)
