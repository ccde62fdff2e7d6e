"""Least-privilege grants, spelt out action by action (CDK's grant_read_data would include Scan).

Every KMS grant carries ``kms:ViaService``: a role may use a key only through the service that
holds the data (DynamoDB for a table, S3 for a bucket, ...), never to decrypt on its own.
"""

from collections.abc import Sequence

from aws_cdk import Stack, aws_dynamodb, aws_iam, aws_kms, aws_s3, aws_secretsmanager, aws_sqs

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


def via(scope: aws_iam.IRole | aws_sqs.IQueue, service: str) -> dict[str, dict[str, str]]:
    """The condition restricting a KMS grant to calls ``service`` makes on the caller's behalf."""
    return {"StringEquals": {"kms:ViaService": f"{service}.{Stack.of(scope).region}.amazonaws.com"}}


def grant_key(role: aws_iam.IRole, key: aws_kms.IKey, service: str, *actions: str) -> None:
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=list(actions), resources=[key.key_arn], conditions=via(role, service))
    )


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
    grant_key(role, key, "dynamodb", *KEY_DECRYPT_ACTIONS)


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
    grant_key(role, key, "dynamodb", *KEY_ENCRYPT_ACTIONS)


def grant_table_write_under(
    role: aws_iam.IRole, table: aws_dynamodb.ITableV2, key: aws_kms.IKey, partition_prefix: str
) -> None:
    """Writes only to items whose partition key starts with ``partition_prefix`` (IAM's
    ``dynamodb:LeadingKeys``): the rest of the table stays read-only to this role."""
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=list(TABLE_WRITE_ACTIONS),
            resources=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{partition_prefix}*"]}},
        )
    )
    grant_key(role, key, "dynamodb", *KEY_ENCRYPT_ACTIONS)


def grant_objects_put(role: aws_iam.IRole, bucket: aws_s3.IBucket, key: aws_kms.IKey, *prefixes: str) -> None:
    """PutObject under each prefix. SSE-KMS with a bucket key needs GenerateDataKey and, for
    multipart uploads, Decrypt."""
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes]
        )
    )
    grant_key(role, key, "s3", "kms:GenerateDataKey", "kms:Decrypt")


def grant_objects_delete(role: aws_iam.IRole, bucket: aws_s3.IBucket, *prefixes: str) -> None:
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["s3:DeleteObject"],
            resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes],
        )
    )


def grant_objects_read(role: aws_iam.IRole, bucket: aws_s3.IBucket, *keys_or_prefixes: str) -> None:
    """GetObject (and HeadObject) on each key or prefix (ending ``*``), and ListBucket on the bucket,
    unconditioned: without it S3 answers a key that is not there with 403 AccessDenied instead of 404,
    and such a request carries no ``s3:prefix`` for a prefix condition to match. Listing shows object
    keys (case ids, ICB and region codes), which every reader of extracts may know."""
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[bucket.arn_for_objects(key) for key in keys_or_prefixes]
        )
    )
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
    )


def grant_secret_read(role: aws_iam.IRole, secret: aws_secretsmanager.ISecret, key: aws_kms.IKey) -> None:
    # Spelt out on the role: Secret.grant_read would edit the key policy in the stateful stack and
    # make it depend on this one. Every version stage (AWSCURRENT and AWSPREVIOUS) is readable.
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[secret.secret_arn],
        )
    )
    grant_key(role, key, "secretsmanager", "kms:Decrypt")


def grant_queue_send(role: aws_iam.IRole, queue: aws_sqs.IQueue, key: aws_kms.IKey) -> None:
    """SendMessage to a queue encrypted with a customer-managed key needs the key too."""
    role.add_to_principal_policy(
        aws_iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn])
    )
    grant_key(role, key, "sqs", "kms:GenerateDataKey", "kms:Decrypt")
