"""The cursor key's rotation function, driven through Secrets Manager's four steps against an
in-memory stand-in that moves stages the way Secrets Manager does."""

import re
import uuid
from typing import Any

import pytest

from infra.rotation import cursor_key

SECRET = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:scrt-cursor-key-AbCdEf"


class ResourceNotFoundException(Exception):
    pass


class FakeSecretsManager:
    """Versions and stages of one secret; update_secret_version_stage moves AWSPREVIOUS as AWS does."""

    class exceptions:
        ResourceNotFoundException = ResourceNotFoundException

    def __init__(self, first_value: str) -> None:
        self.values: dict[str, str] = {"v1": first_value}
        self.stages: dict[str, list[str]] = {"v1": ["AWSCURRENT"]}
        self.rotation_enabled = True
        self.puts = 0

    def describe_secret(self, SecretId: str) -> dict[str, Any]:
        assert SecretId == SECRET
        return {"RotationEnabled": self.rotation_enabled, "VersionIdsToStages": self.stages}

    def start_rotation(self) -> str:
        token = str(uuid.uuid4())
        self.stages[token] = ["AWSPENDING"]
        return token

    def get_secret_value(self, SecretId: str, VersionId: str, VersionStage: str) -> dict[str, str]:
        if VersionId not in self.values or VersionStage not in self.stages.get(VersionId, []):
            raise ResourceNotFoundException(VersionId)
        return {"SecretString": self.values[VersionId]}

    def put_secret_value(
        self,
        SecretId: str,
        ClientRequestToken: str,
        SecretString: str,
        VersionStages: list[str],
    ) -> None:
        self.puts += 1
        self.values[ClientRequestToken] = SecretString
        self.stages[ClientRequestToken] = list(VersionStages)

    def update_secret_version_stage(
        self,
        SecretId: str,
        VersionStage: str,
        MoveToVersionId: str,
        RemoveFromVersionId: str,
    ) -> None:
        assert VersionStage == "AWSCURRENT"
        for stages in self.stages.values():
            if "AWSPREVIOUS" in stages:
                stages.remove("AWSPREVIOUS")
        self.stages[RemoveFromVersionId] = ["AWSPREVIOUS"]
        self.stages[MoveToVersionId] = ["AWSCURRENT"]

    def value_at(self, stage: str) -> str:
        (version,) = [version for version, stages in self.stages.items() if stage in stages]
        return self.values[version]


def rotate(client: FakeSecretsManager, steps: tuple[str, ...] = tuple(cursor_key.STEPS)) -> str:
    token = client.start_rotation()
    for step in steps:
        cursor_key.handler({"SecretId": SECRET, "ClientRequestToken": token, "Step": step}, None, client)
    return token


def test_a_rotation_makes_a_new_current_key_and_keeps_the_old_one_as_previous() -> None:
    client = FakeSecretsManager("first-key-" + "a" * 54)
    rotate(client)
    current = client.value_at("AWSCURRENT")
    assert re.fullmatch(r"[0-9a-f]{64}", current)
    assert client.value_at("AWSPREVIOUS") == "first-key-" + "a" * 54
    second = rotate(client)
    assert client.value_at("AWSPREVIOUS") == current  # cursors signed before still verify
    assert client.values[second] == client.value_at("AWSCURRENT") != current


def test_a_repeated_step_changes_nothing() -> None:
    client = FakeSecretsManager("k" * 64)
    token = client.start_rotation()
    event = {"SecretId": SECRET, "ClientRequestToken": token}
    cursor_key.handler({**event, "Step": "createSecret"}, None, client)
    pending = client.values[token]
    cursor_key.handler({**event, "Step": "createSecret"}, None, client)
    assert client.values[token] == pending and client.puts == 1
    for step in ("setSecret", "testSecret", "finishSecret", "finishSecret"):
        cursor_key.handler({**event, "Step": step}, None, client)
    assert client.value_at("AWSCURRENT") == pending


def test_refuses_a_secret_without_rotation_or_an_unknown_version() -> None:
    client = FakeSecretsManager("k" * 64)
    client.rotation_enabled = False
    with pytest.raises(cursor_key.RotationError, match="not enabled"):
        rotate(client)
    client.rotation_enabled = True
    with pytest.raises(cursor_key.RotationError, match="not a version"):
        cursor_key.handler(
            {"SecretId": SECRET, "ClientRequestToken": "nope", "Step": "createSecret"}, None, client
        )


def test_keys_are_random() -> None:
    assert len({cursor_key.new_key() for _ in range(50)}) == 50
