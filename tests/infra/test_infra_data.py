"""The stateful stack: tables from the shared schema, keys, backups, buckets, catalogue."""

import json
from typing import Any

from aws_cdk.assertions import Match

from infra import constants
from tests.infra.infra_support import Synthesized
from tracker.dal import schema
from tracker.extracts import columns as extract_columns
from tracker.extracts import keys as extract_keys

DATA = constants.STATEFUL_STACK_ID


def _tables(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return synthesized.resources(DATA, "AWS::DynamoDB::GlobalTable")


def _cases_table(synthesized: Synthesized) -> dict[str, Any]:
    (table,) = [t for t in _tables(synthesized).values() if "StreamSpecification" in t["Properties"]]
    return table


def _idempotency_table(synthesized: Synthesized) -> dict[str, Any]:
    (table,) = [t for t in _tables(synthesized).values() if "TimeToLiveSpecification" in t["Properties"]]
    return table


def test_cases_table_keys_and_indexes_come_from_the_schema(synthesized: Synthesized) -> None:
    properties = _cases_table(synthesized)["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": schema.SORT_KEY, "KeyType": "RANGE"},
    ]
    assert {
        a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]
    } == dict.fromkeys(schema.KEY_ATTRIBUTES, "S")
    indexes = {index["IndexName"]: index for index in properties["GlobalSecondaryIndexes"]}
    assert set(indexes) == {index.name for index in schema.INDEXES}
    for index in schema.INDEXES:
        assert indexes[index.name]["KeySchema"] == [
            {"AttributeName": index.partition_key, "KeyType": "HASH"},
            {"AttributeName": index.sort_key, "KeyType": "RANGE"},
        ]
        assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}


def test_cases_table_is_recoverable_and_protected(synthesized: Synthesized) -> None:
    table = _cases_table(synthesized)
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["StreamSpecification"] == {"StreamViewType": schema.STREAM_VIEW_TYPE}
    assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    (replica,) = properties["Replicas"]
    assert replica["Region"] == constants.REGION
    assert replica["DeletionProtectionEnabled"] is True
    assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert replica["ContributorInsightsSpecification"] == {"Enabled": True}
    assert "KMSMasterKeyId" in replica["SSESpecification"]


def test_idempotency_table_expires_records_with_the_powertools_ttl(synthesized: Synthesized) -> None:
    properties = _idempotency_table(synthesized)["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": schema.IDEMPOTENCY_PARTITION_KEY, "KeyType": "HASH"}]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": schema.IDEMPOTENCY_TTL_ATTRIBUTE,
        "Enabled": True,
    }
    (replica,) = properties["Replicas"]
    assert replica["DeletionProtectionEnabled"] is True


def test_every_kms_key_rotates_and_is_retained(synthesized: Synthesized) -> None:
    keys = synthesized.resources(DATA, "AWS::KMS::Key")
    assert keys
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["DeletionPolicy"] == "Retain"


def test_cases_table_is_in_a_backup_plan(synthesized: Synthesized) -> None:
    template = synthesized.template(DATA)
    (cases_id,) = [
        logical_id
        for logical_id, table in _tables(synthesized).items()
        if "StreamSpecification" in table["Properties"]
    ]
    template.has_resource_properties(
        "AWS::Backup::BackupSelection",
        {"BackupSelection": {"Resources": [{"Fn::GetAtt": [cases_id, "Arn"]}]}},
    )
    template.has_resource_properties("AWS::Backup::BackupVault", {"EncryptionKeyArn": Match.any_value()})


def test_cursor_secret_is_generated_and_encrypted(synthesized: Synthesized) -> None:
    synthesized.template(DATA).has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "GenerateSecretString": Match.object_like({"PasswordLength": constants.CURSOR_KEY_LENGTH}),
            "KmsKeyId": Match.any_value(),
        },
    )


def _bucket_policy_statements(synthesized: Synthesized) -> dict[str, list[dict[str, Any]]]:
    return {
        policy["Properties"]["Bucket"]["Ref"]: policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in synthesized.resources(DATA, "AWS::S3::BucketPolicy").values()
    }


def test_every_bucket_is_encrypted_private_versioned_and_tls_only(synthesized: Synthesized) -> None:
    buckets = synthesized.resources(DATA, "AWS::S3::Bucket")
    statements = _bucket_policy_statements(synthesized)
    assert len(buckets) >= 4
    for logical_id, bucket in buckets.items():
        properties = bucket["Properties"]
        assert bucket["DeletionPolicy"] == "Retain"
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert properties["LifecycleConfiguration"]["Rules"]
        denies_plain_http = [
            s
            for s in statements[logical_id]
            if s["Effect"] == "Deny"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denies_plain_http, f"{logical_id} accepts plain HTTP"


def test_data_buckets_use_kms_and_log_access(synthesized: Synthesized) -> None:
    buckets = synthesized.resources(DATA, "AWS::S3::Bucket")
    logged = [b for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    # All but the access-log bucket itself log to it, and those hold data: KMS.
    assert len(logged) == len(buckets) - 1
    for bucket in logged:
        (rule,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert "KMSMasterKeyID" in rule["ServerSideEncryptionByDefault"]


def _glue_tables(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        table["Properties"]["TableInput"]["Name"]: table["Properties"]["TableInput"]
        for table in synthesized.resources(DATA, "AWS::Glue::Table").values()
    }


def test_glue_tables_project_partitions_for_each_extract(synthesized: Synthesized) -> None:
    tables = _glue_tables(synthesized)
    changes = tables[constants.GLUE_TABLE_CHANGES]
    assert changes["Parameters"]["projection.enabled"] == "true"
    assert changes["Parameters"]["projection.dt.type"] == "date"
    assert [key["Name"] for key in changes["PartitionKeys"]] == ["dt"]
    current = tables[constants.GLUE_TABLE_CURRENT]
    assert [key["Name"] for key in current["PartitionKeys"]] == ["region", "icb"]
    assert current["Parameters"]["projection.region.type"] == "enum"
    assert current["Parameters"]["projection.icb.type"] == "enum"
    for name in (constants.GLUE_TABLE_SNAPSHOT_CASES, constants.GLUE_TABLE_SNAPSHOT_RECOMMENDATIONS):
        assert [key["Name"] for key in tables[name]["PartitionKeys"]] == ["dt"]
        assert tables[name]["Parameters"]["skip.header.line.count"] == "1"
    for table in tables.values():
        assert table["TableType"] == "EXTERNAL_TABLE"
        assert "${" in json.dumps(table["Parameters"]["storage.location.template"])


def test_glue_columns_are_the_extract_columns(synthesized: Synthesized) -> None:
    tables = _glue_tables(synthesized)
    expected = {
        constants.GLUE_TABLE_CHANGES: extract_columns.changes_columns(),
        constants.GLUE_TABLE_CURRENT: extract_columns.current_columns(),
        constants.GLUE_TABLE_SNAPSHOT_CASES: extract_columns.snapshot_case_columns(),
        constants.GLUE_TABLE_SNAPSHOT_RECOMMENDATIONS: extract_columns.snapshot_recommendation_columns(),
    }
    for name, columns in expected.items():
        glue = tables[name]["StorageDescriptor"]["Columns"]
        assert [column["Name"] for column in glue] == [column.name for column in columns]
    # No restricted free text reaches a table.
    for table in tables.values():
        names = {column["Name"] for column in table["StorageDescriptor"]["Columns"]}
        assert not names & {"caseInformation", "comments"}
    assert extract_keys.CHANGES_PREFIX in json.dumps(
        tables[constants.GLUE_TABLE_CHANGES]["StorageDescriptor"]
    )


def test_athena_workgroup_enforces_encrypted_results(synthesized: Synthesized) -> None:
    synthesized.template(DATA).has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": constants.ATHENA_WORKGROUP,
            "WorkGroupConfiguration": Match.object_like(
                {
                    "EnforceWorkGroupConfiguration": True,
                    "ResultConfiguration": Match.object_like(
                        {"EncryptionConfiguration": Match.object_like({"EncryptionOption": "SSE_KMS"})}
                    ),
                }
            ),
        },
    )
