"""Rotation of the cursor signing key: each rotation puts a new random value.

The secret string is the HMAC key itself. Nothing outside Secrets Manager holds a copy, so the
"set" and "test" steps have no external system to update. Stages after a rotation: AWSCURRENT
(the new key, signs new cursors) and AWSPREVIOUS (the key before, still verifies cursors issued
before the rotation); Secrets Manager moves AWSPREVIOUS itself when AWSCURRENT moves.

Runs with the Lambda runtime's own boto3: no layer.
"""

import secrets
from collections.abc import Callable
from typing import Any

# No environment setting: the secret comes in each event (a test checks the CDK environment).
REQUIRED_SETTINGS: frozenset[str] = frozenset()

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
KEY_BYTES = 32  # 64 hexadecimal characters, as long as the generated first key


class RotationError(RuntimeError):
    """Secrets Manager asked for something this rotation cannot do; it retries, then alarms."""


def new_key() -> str:
    return secrets.token_hex(KEY_BYTES)


def handler(event: dict[str, Any], context: Any, client: Any = None) -> None:
    if client is None:
        import boto3  # the runtime's; imported here so tests need no AWS client

        client = boto3.client("secretsmanager")
    secret_id, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    metadata = client.describe_secret(SecretId=secret_id)
    if not metadata.get("RotationEnabled"):
        raise RotationError("rotation is not enabled on the secret")
    stages = metadata.get("VersionIdsToStages", {})
    if token not in stages:
        raise RotationError("the version to rotate to is not a version of the secret")
    if CURRENT in stages[token]:
        return  # already done: Secrets Manager may repeat a step
    if PENDING not in stages[token]:
        raise RotationError("the version to rotate to is not pending")
    STEPS[step](client, secret_id, token)


def create_secret(client: Any, secret_id: str, token: str) -> None:
    try:
        client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
    except client.exceptions.ResourceNotFoundException:
        client.put_secret_value(
            SecretId=secret_id, ClientRequestToken=token, SecretString=new_key(), VersionStages=[PENDING]
        )


def set_secret(client: Any, secret_id: str, token: str) -> None:
    """Nothing to do: no other system holds the key."""


def test_secret(client: Any, secret_id: str, token: str) -> None:
    value = client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
    if len(value["SecretString"]) < 2 * KEY_BYTES:
        raise RotationError("the pending key is too short")


def finish_secret(client: Any, secret_id: str, token: str) -> None:
    stages = client.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    current = next(version for version, names in stages.items() if CURRENT in names)
    if current == token:
        return
    client.update_secret_version_stage(
        SecretId=secret_id, VersionStage=CURRENT, MoveToVersionId=token, RemoveFromVersionId=current
    )


STEPS: dict[str, Callable[[Any, str, str], None]] = {
    "createSecret": create_secret,
    "setSecret": set_secret,
    "testSecret": test_secret,
    "finishSecret": finish_secret,
}
