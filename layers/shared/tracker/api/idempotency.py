"""``Idempotency-Key`` for POST /cases, through Powertools Idempotency on a DynamoDB table.

The key is scoped to the caller (role, org and subject), so one user's key can never replay
another's response. The payload compared is the parsed body: the same key with another body is a
422. Only the new case's id is kept in the idempotency table, never the case itself (restricted
free text stays in the cases table alone); a replay answers with the case's first version.
"""

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import config
from tracker.access import Caller
from tracker.errors import Conflict, FieldError, Unprocessable

if TYPE_CHECKING:
    from tracker.models.case import Case

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
    def submit(request: dict[str, Any], caller: Caller) -> dict[str, str]:
        return {"caseId": case_service().submit_document(caller, request["body"]).case_id}

    return submit


def submit_once(caller: Caller, idempotency_key: str, raw_body: str | None) -> "Case":
    """Submit at most once per caller and key; a replay returns the case as first recorded."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    from tracker.api.resolver import case_service
    from tracker.logic.cases import parse_json

    service = case_service()
    body, malformed = parse_json(raw_body)
    if malformed:
        return service.submit(caller, raw_body)  # refused in the contract's order; nothing remembered
    service.ensure_can_submit(caller, body)
    request = {"key": f"{caller.role.value}:{caller.org}:{caller.sub}:{idempotency_key}", "body": body}
    try:
        result: dict[str, str] = _submit_function()(request=request, caller=caller)
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
    return service.first_version(caller, result["caseId"])
