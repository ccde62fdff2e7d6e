"""The ``SubmissionLedger`` port on Powertools Idempotency and its DynamoDB table.

Only the new case's id is kept in the idempotency table, never the case itself (restricted free
text stays in the cases table alone). The payload compared on a replay is the submitted document.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from tracker.dal.schema import IDEMPOTENCY_PARTITION_KEY, IDEMPOTENCY_TTL_ATTRIBUTE
from tracker.logic.ports import KeyInProgress, KeyReused

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoSubmissionLedger:
    def __init__(self, client: "DynamoDBClient", table_name: str, ttl_seconds: int) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=ttl_seconds,
        )
        persistence = DynamoDBPersistenceLayer(
            table_name=table_name,
            boto3_client=client,
            key_attr=IDEMPOTENCY_PARTITION_KEY,
            expiry_attr=IDEMPOTENCY_TTL_ATTRIBUTE,
        )

        @idempotent_function(
            data_keyword_argument="request", persistence_store=persistence, config=self._config
        )
        def run(request: dict[str, Any], submit: Callable[[], str]) -> dict[str, str]:
            return {"caseId": submit()}

        self._run = run

    def register_context(self, context: "LambdaContext") -> None:
        """Lets Powertools expire an in-progress record when the invocation times out."""
        self._config.register_lambda_context(context)

    def submit_once(self, key: str, payload: Any, submit: Callable[[], str]) -> str:
        try:
            result: dict[str, str] = self._run(request={"key": key, "payload": payload}, submit=submit)
        except IdempotencyValidationError:
            raise KeyReused from None
        except IdempotencyAlreadyInProgressError:
            raise KeyInProgress from None
        return result["caseId"]
