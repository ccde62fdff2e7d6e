"""``Idempotency-Key`` for POST /cases, through Powertools Idempotency on a DynamoDB table.

The key is scoped to the caller (role, org and subject), so one user's key can never replay
another's response. The stored payload is the parsed body: the same key with another body is a 422.
"""

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import config
from tracker.access import Caller
from tracker.errors import Conflict, FieldError, Unprocessable

_CONFIG = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="body",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=config.idempotency_ttl_seconds(),
)


def register_context(context: LambdaContext) -> None:
    _CONFIG.register_lambda_context(context)


@lru_cache(maxsize=1)
def _submit_function() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function

    from tracker.api.resolver import case_service
    from tracker.dal.clients import dynamodb_client

    persistence = DynamoDBPersistenceLayer(
        table_name=config.idempotency_table_name(), boto3_client=dynamodb_client()
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=_CONFIG)
    def submit(request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        case = case_service().submit(caller, request["body"])
        return {
            "statusCode": 201,
            "headers": {
                "Location": f"/cases/{case.case_id}",
                "ETag": f'"{case.version}"',
                "Cache-Control": "no-store",
            },
            "body": case.model_dump_json(exclude_none=True),
        }

    return submit


def submit_once(caller: Caller, idempotency_key: str, body: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    request = {"key": f"{caller.role.value}:{caller.org}:{caller.sub}:{idempotency_key}", "body": body}
    try:
        result: dict[str, Any] = _submit_function()(request=request, caller=caller)
    except IdempotencyValidationError:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different body.",
            [FieldError("Idempotency-Key", "was used with a different body", "header")],
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "A request with this Idempotency-Key is still in progress: retry shortly.",
            [FieldError("Idempotency-Key", "is in progress", "header")],
        ) from None
    return result
