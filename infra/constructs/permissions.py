"""Least-privilege grants, spelt out action by action (CDK's grant_read_data would include Scan)."""

from collections.abc import Sequence

from aws_cdk import Stack, aws_dynamodb, aws_iam, aws_kms, aws_s3, aws_secretsmanager

from tracker.dal import schema

TABLE_READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DescribeTable")
TABLE_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
)
# What DynamoDB calls on a customer-managed-key table need from the key (reads, then writes).
KEY_DECRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
KEY_ENCRYPT_ACTIONS = ("kms:Encrypt", "kms:GenerateDataKey")


def _table_resources(table: aws_dynamodb.ITableV2, indexes: Sequence[schema.IndexDefinition]) -> list[str]:
    # Each index by name (from the schema) rather than index/*: no wildcard to justify.
    return [table.table_arn, *(f"{table.table_arn}/index/{index.name}" for index in indexes)]


def grant_table_read(
    role: aws_iam.IRole,
    table: aws_dynamodb.ITableV2,
    key: aws_kms.IKey,
    indexes: Sequence[schema.IndexDefinition] = (),
) -> None:
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=list(TABLE_READ_ACTIONS), resources=_table_resources(table, indexes))
    )
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=list(KEY_DECRYPT_ACTIONS), resources=[key.key_arn])
    )


def grant_table_read_write(
    role: aws_iam.IRole,
    table: aws_dynamodb.ITableV2,
    key: aws_kms.IKey,
    indexes: Sequence[schema.IndexDefinition] = (),
) -> None:
    grant_table_read(role, table, key, indexes)
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=list(TABLE_WRITE_ACTIONS), resources=[table.table_arn])
    )
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=list(KEY_ENCRYPT_ACTIONS), resources=[key.key_arn])
    )


def grant_objects_write(
    role: aws_iam.IRole, bucket: aws_s3.IBucket, key: aws_kms.IKey, *prefixes: str, delete: bool = False
) -> None:
    actions = ["s3:PutObject", *(["s3:DeleteObject"] if delete else [])]
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=actions, resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes]
        )
    )
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key.key_arn])
    )


def grant_objects_read(
    role: aws_iam.IRole, bucket: aws_s3.IBucket, key: aws_kms.IKey, *prefixes: str
) -> None:
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes]
        )
    )
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}},
        )
    )
    role.add_to_principal_policy(aws_iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))


def grant_secret_read(role: aws_iam.IRole, secret: aws_secretsmanager.ISecret, key: aws_kms.IKey) -> None:
    # Spelt out on the role: Secret.grant_read would edit the key policy in the stateful stack and
    # make it depend on this one.
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[secret.secret_arn],
        )
    )
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["kms:Decrypt"],
            resources=[key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"secretsmanager.{Stack.of(role).region}.amazonaws.com"}
            },
        )
    )
