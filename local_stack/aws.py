"""boto3 clients for the local engines, and provisioning from the shared table definitions."""

import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from local_stack.state import REGION, Credentials
from tracker.dal.schema import (
    IDEMPOTENCY_TTL_ATTRIBUTE,
    create_audit_table_kwargs,
    create_idempotency_table_kwargs,
    create_table_kwargs,
)

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, s3={"addressing_style": "path"})


def client(service: str, endpoint: str, credentials: Credentials) -> Any:
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        config=_CONFIG,
    )


def _retry(action: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except (ClientError, EndpointConnectionError, ConnectionError) as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} failed: {error}") from error
            time.sleep(0.2)


def ensure_table(dynamodb: Any, kwargs: dict[str, Any]) -> None:
    name = kwargs["TableName"]
    existing = _retry(lambda: dynamodb.list_tables()["TableNames"], "listing tables")
    if name not in existing:
        dynamodb.create_table(**kwargs)
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150})


def provision(dynamodb: Any, s3: Any, cases_table: str, idempotency_table: str, bucket: str) -> None:
    """Create the tables and the bucket from the same definitions the CDK app uses (idempotent)."""
    ensure_table(dynamodb, create_table_kwargs(cases_table))
    ensure_table(dynamodb, create_idempotency_table_kwargs(idempotency_table))
    try:
        dynamodb.update_time_to_live(
            TableName=idempotency_table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": IDEMPOTENCY_TTL_ATTRIBUTE},
        )
    except ClientError as error:  # already enabled on a restart
        if "already enabled" not in str(error).lower():
            raise

    def create_bucket() -> None:
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.head_bucket(Bucket=bucket)

    _retry(create_bucket, f"creating bucket {bucket}")


def provision_audit(dynamodb: Any, s3: Any, audit_table: str, archive_bucket: str) -> None:
    """The read audit's table (from the definition the CDK app uses) and its seals' bucket. The
    local engines have no Object Lock: seals are written without it here (AUDIT_SEAL_OBJECT_LOCK)."""
    ensure_table(dynamodb, create_audit_table_kwargs(audit_table))

    def create_bucket() -> None:
        try:
            s3.head_bucket(Bucket=archive_bucket)
        except ClientError:
            s3.create_bucket(Bucket=archive_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.head_bucket(Bucket=archive_bucket)

    _retry(create_bucket, f"creating bucket {archive_bucket}")


def stream_arn(dynamodb: Any, table: str) -> str:
    description = dynamodb.describe_table(TableName=table)["Table"]
    arn = description.get("LatestStreamArn")
    if not arn:
        raise RuntimeError(f"table {table} has no stream")
    return str(arn)
