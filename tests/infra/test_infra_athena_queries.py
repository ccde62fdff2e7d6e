"""The saved Athena queries (issue 20 item 6) and the hourly overview summary: each query in
infra/queries is a named query of the workgroup over the catalogue's database, and the snapshot
function runs hourly with the summary-only flag, alarmed when it stops."""

import json

from infra import constants
from infra.constructs.reporting_store import named_query_sql
from infra.routes import SNAPSHOT_EXTRACT
from tests.infra.infra_support import Synthesized
from tests.infra.test_infra_functions import function_of
from tests.infra.test_infra_monitoring import alarms_on, fires
from tracker import settings
from tracker.extracts.summary import SUMMARY_ONLY

DATA = constants.STATEFUL_STACK_ID
SERVICE = constants.STATELESS_STACK_ID


def test_every_query_file_is_a_named_query_of_the_workgroup(synthesized: Synthesized) -> None:
    queries = {
        query["Properties"]["QueryString"]: query
        for query in synthesized.resources(DATA, "AWS::Athena::NamedQuery").values()
    }
    files = sorted(path.stem for path in constants.ATHENA_QUERIES_DIR.glob("*.sql"))
    assert files == sorted(constants.ATHENA_NAMED_QUERIES)
    for name, description in constants.ATHENA_NAMED_QUERIES.items():
        query = queries[named_query_sql(name)]
        assert query["Properties"]["Name"] == description
        assert query["Properties"]["Database"] == constants.GLUE_DATABASE
        assert query["Properties"]["WorkGroup"] == constants.ATHENA_WORKGROUP
        # Created after the workgroup it names, which CloudFormation cannot infer from a plain name.
        workgroup = [
            logical_id
            for logical_id, resource in synthesized.resources(DATA, "AWS::Athena::WorkGroup").items()
            if resource["Properties"]["Name"] == constants.ATHENA_WORKGROUP
        ]
        assert set(workgroup) <= set(query.get("DependsOn", []))


def test_the_queries_read_only_the_catalogues_snapshot_tables() -> None:
    tables = {constants.GLUE_TABLE_SNAPSHOT_CASES, constants.GLUE_TABLE_SNAPSHOT_RECOMMENDATIONS}
    for name in constants.ATHENA_NAMED_QUERIES:
        sql = named_query_sql(name)
        assert any(f"FROM {table}" in sql for table in tables), name


def test_the_glue_snapshot_table_has_the_timeliness_and_name_columns(synthesized: Synthesized) -> None:
    (cases,) = [
        table["Properties"]["TableInput"]
        for table in synthesized.resources(DATA, "AWS::Glue::Table").values()
        if table["Properties"]["TableInput"]["Name"] == constants.GLUE_TABLE_SNAPSHOT_CASES
    ]
    columns = [column["Name"] for column in cases["StorageDescriptor"]["Columns"]]
    for name in (
        "deadline",
        "deadlineDue",
        "deadlineMetDate",
        "timeliness",
        "daysLate",
        "icbName",
        "regionName",
    ):
        assert name in columns


def test_the_summary_runs_hourly_on_the_snapshot_function_with_its_flag(synthesized: Synthesized) -> None:
    snapshot_id, _ = function_of(synthesized, SNAPSHOT_EXTRACT)
    (rule,) = [
        rule["Properties"]
        for rule in synthesized.resources(SERVICE, "AWS::Events::Rule").values()
        if rule["Properties"].get("ScheduleExpression") == "rate(1 hour)"
    ]
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [snapshot_id, "Arn"]}
    assert json.loads(target["Input"]) == {SUMMARY_ONLY: True}
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 3600


def test_two_hours_without_a_summary_alarm(synthesized: Synthesized) -> None:
    (alarm,) = alarms_on(synthesized, settings.METRICS_NAMESPACE, constants.SUMMARY_METRIC)
    assert fires(alarm, [1, None, None])
    assert not fires(alarm, [1, 1, None])
