"""The stateful stack: tables from the shared schema, locked backups, buckets, audit trails,
the cursor secret's rotation, the catalogue."""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra import constants
from tests.infra.infra_support import Synthesized, actions_of, statements_of_role
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
    (table,) = [
        t
        for t in _tables(synthesized).values()
        if t["Properties"].get("TimeToLiveSpecification", {}).get("AttributeName")
        == schema.IDEMPOTENCY_TTL_ATTRIBUTE
    ]
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
    assert len(buckets) == 5
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


def _bucket(synthesized: Synthesized, path: str) -> tuple[str, dict[str, Any]]:
    return synthesized.one(DATA, "AWS::S3::Bucket", path)


def test_data_buckets_use_kms_and_log_access_to_the_landing_bucket(synthesized: Synthesized) -> None:
    landing_id, _ = _bucket(synthesized, "Audit/AccessLogs")
    archive_id, _ = _bucket(synthesized, "Audit/AccessLogArchive")
    data_buckets = {
        logical_id: bucket
        for logical_id, bucket in synthesized.resources(DATA, "AWS::S3::Bucket").items()
        if logical_id not in {landing_id, archive_id}
    }
    assert len(data_buckets) == 3
    for bucket in data_buckets.values():
        assert bucket["Properties"]["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": landing_id}
        (rule,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert "KMSMasterKeyID" in rule["ServerSideEncryptionByDefault"]


def test_access_logs_are_archived_under_compliance_object_lock(synthesized: Synthesized) -> None:
    """S3 delivers server access logs only to a bucket without Object Lock: they land unlocked and
    are replicated at once into the locked archive, which deletes from the landing bucket never reach."""
    buckets = synthesized.resources(DATA, "AWS::S3::Bucket")
    # The landing bucket is the one every other logged bucket names as its log destination.
    (landing_id,) = {
        bucket["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
        for bucket in buckets.values()
        if "LoggingConfiguration" in bucket["Properties"]
    }
    landing = buckets[landing_id]
    assert "ObjectLockEnabled" not in landing["Properties"]
    (rule,) = landing["Properties"]["ReplicationConfiguration"]["Rules"]
    archive_id = rule["Destination"]["Bucket"]["Fn::GetAtt"][0]
    archive = buckets[archive_id]
    assert rule["Status"] == "Enabled"
    assert rule.get("DeleteMarkerReplication", {"Status": "Disabled"}) == {"Status": "Disabled"}
    assert archive["Properties"]["ObjectLockEnabled"] is True
    lock = archive["Properties"]["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert retention["Days"] == constants.AUDIT_TRAIL_RETENTION_DAYS
    # Nothing may expire before the lock would let it.
    for lifecycle in archive["Properties"]["LifecycleConfiguration"]["Rules"]:
        assert lifecycle.get("ExpirationInDays", constants.AUDIT_TRAIL_RETENTION_DAYS) >= (
            constants.AUDIT_TRAIL_RETENTION_DAYS
        )
    assert archive["DeletionPolicy"] == "Retain"


def test_audit_trail_retention_is_the_records_code_figure(synthesized: Synthesized) -> None:
    """8 years (Records Management Code of Practice, see docs/deploy.md), in the one unit
    CloudWatch Logs and S3 both accept."""
    assert constants.AUDIT_TRAIL_RETENTION_DAYS == 2922
    (waf_logs,) = [
        group
        for group in synthesized.resources(DATA, "AWS::Logs::LogGroup").values()
        if str(group["Properties"].get("LogGroupName", "")).startswith("aws-waf-logs-")
    ]
    assert waf_logs["Properties"]["RetentionInDays"] == constants.AUDIT_TRAIL_RETENTION_DAYS
    assert waf_logs["DeletionPolicy"] == "Retain"


def test_backup_vault_is_locked_in_compliance_mode_around_every_rule(synthesized: Synthesized) -> None:
    (vault,) = synthesized.resources(DATA, "AWS::Backup::BackupVault").values()
    lock = vault["Properties"]["LockConfiguration"]
    # ChangeableForDays is what makes a vault lock compliance mode (governance mode has none).
    assert lock["ChangeableForDays"] == constants.BACKUP_VAULT_LOCK_GRACE.to_days() >= 3
    (plan,) = synthesized.resources(DATA, "AWS::Backup::BackupPlan").values()
    rules = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rules
    for rule in rules:
        # A recovery point outside the lock's bounds would fail its backup job.
        assert lock["MinRetentionDays"] <= rule["Lifecycle"]["DeleteAfterDays"] <= lock["MaxRetentionDays"]
    assert vault["DeletionPolicy"] == "Retain"


def test_backup_vault_policy_denies_deleting_recovery_points(synthesized: Synthesized) -> None:
    (vault,) = synthesized.resources(DATA, "AWS::Backup::BackupVault").values()
    statements = vault["Properties"]["AccessPolicy"]["Statement"]
    assert any(
        statement["Effect"] == "Deny"
        and statement["Principal"] == {"AWS": "*"}
        and "backup:DeleteRecoveryPoint"
        in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        for statement in statements
    )


def _generated_secret(synthesized: Synthesized, construct_id: str) -> str:
    secret_id, _ = synthesized.one(DATA, "AWS::SecretsManager::Secret", f"Data/{construct_id}")
    return secret_id


@pytest.mark.parametrize("construct_id", ["CursorSigningKey", "WebSessionKey"])
def test_generated_keys_rotate_with_a_function_that_only_touches_them(
    synthesized: Synthesized, construct_id: str
) -> None:
    secret_id = _generated_secret(synthesized, construct_id)
    generated = {_generated_secret(synthesized, name) for name in ("CursorSigningKey", "WebSessionKey")}
    (schedule,) = [
        s
        for s in synthesized.resources(DATA, "AWS::SecretsManager::RotationSchedule").values()
        if s["Properties"]["SecretId"] == {"Ref": secret_id}
    ]
    properties = schedule["Properties"]
    days = int(properties["RotationRules"]["ScheduleExpression"].removeprefix("rate(").split()[0])
    assert days == constants.CURSOR_KEY_ROTATION.to_days()
    rotation_id, rotation = synthesized.one(DATA, "AWS::Lambda::Function", "Data/RotateCursorKey/Function")
    assert properties["RotationLambdaARN"] == {"Fn::GetAtt": [rotation_id, "Arn"]}
    assert rotation["Properties"]["Handler"] == "cursor_key.handler"
    assert "Layers" not in rotation["Properties"]
    role_id, _ = synthesized.one(DATA, "AWS::IAM::Role", "Data/RotateCursorKey/Role")
    statements = statements_of_role(synthesized.templates[DATA], role_id)
    secret_actions = {
        action
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in actions_of(statement)
        if action.startswith("secretsmanager:")
    }
    assert secret_actions == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    }
    # Only the generated keys: never the secrets other services issue.
    touched = {
        resource["Ref"]
        for statement in statements
        if statement["Effect"] == "Allow" and actions_of(statement) & secret_actions
        for resource in (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
    }
    assert secret_id in touched
    assert touched <= generated
    (permission,) = [
        p["Properties"]
        for p in synthesized.resources(DATA, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [rotation_id, "Arn"]}
        and p["Properties"]["SourceArn"] == {"Ref": secret_id}
    ]
    assert permission["Principal"] == "secretsmanager.amazonaws.com"


def test_secrets_other_services_issue_are_retained_and_never_rotated_by_us(synthesized: Synthesized) -> None:
    rotated = {
        s["Properties"]["SecretId"]["Ref"]
        for s in synthesized.resources(DATA, "AWS::SecretsManager::RotationSchedule").values()
    }
    for construct_id in ("WebOidcClientSecret", "NotifyApiKey"):
        secret_id, secret = synthesized.one(
            DATA, "AWS::SecretsManager::Secret", f"ExternalSecrets/{construct_id}"
        )
        assert secret_id not in rotated
        assert secret["DeletionPolicy"] == "Retain"
        assert "KmsKeyId" in secret["Properties"]


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
    for name in (
        constants.GLUE_TABLE_SNAPSHOT_CASES,
        constants.GLUE_TABLE_SNAPSHOT_RECOMMENDATIONS,
        constants.GLUE_TABLE_SNAPSHOT_CASE_PROVIDERS,
    ):
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
        constants.GLUE_TABLE_SNAPSHOT_CASE_PROVIDERS: extract_columns.snapshot_case_provider_columns(),
    }
    for name, columns in expected.items():
        glue = tables[name]["StorageDescriptor"]["Columns"]
        assert [column["Name"] for column in glue] == [column.name for column in columns]
    # The providers a case names reach every case table, so dashboards can filter per provider.
    for name in (
        constants.GLUE_TABLE_CURRENT,
        constants.GLUE_TABLE_CHANGES,
        constants.GLUE_TABLE_SNAPSHOT_CASES,
    ):
        assert "providersInvolved" in {c["Name"] for c in tables[name]["StorageDescriptor"]["Columns"]}, name
    bridge = tables[constants.GLUE_TABLE_SNAPSHOT_CASE_PROVIDERS]["StorageDescriptor"]["Columns"]
    assert {"caseId", "providerCode"} <= {c["Name"] for c in bridge}
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


def test_parts_of_a_failed_snapshot_upload_are_gone_within_a_day(synthesized: Synthesized) -> None:
    bucket_id, bucket = synthesized.one(DATA, "AWS::S3::Bucket", "Reporting/Extracts")
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    aborts = [
        r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        for r in rules
        if "AbortIncompleteMultipartUpload" in r
    ]
    assert aborts == [1], bucket_id


def test_no_lifecycle_rule_expires_objects_and_delete_markers_together(synthesized: Synthesized) -> None:
    """S3 refuses a rule with both an expiration (days or date) and ExpiredObjectDeleteMarker,
    whatever the marker's value: the bucket would fail to deploy."""
    rules = [
        (stack_id, logical_id, rule)
        for stack_id in synthesized.templates
        for logical_id, bucket in synthesized.resources(stack_id, "AWS::S3::Bucket").items()
        for rule in bucket["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    ]
    assert rules
    refused = [
        (stack_id, logical_id, rule.get("Id"))
        for stack_id, logical_id, rule in rules
        if "ExpiredObjectDeleteMarker" in rule and {"ExpirationInDays", "ExpirationDate"} & set(rule)
    ]
    assert refused == []
