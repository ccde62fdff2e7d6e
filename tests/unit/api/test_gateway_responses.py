"""API Gateway's own answers (no handler runs) come from one table: the CDK app templates each from
API Gateway's message, and the local gateway writes the same document with that message filled in,
so a caller reads the same body locally and deployed."""

import json

import pytest

from local_stack.gateway import Response, function_failed, gateway_response, integration_timed_out
from tracker.auth.gateway_responses import GATEWAY_PROBLEMS, MESSAGE_VARIABLE

# What API Gateway puts in $context.error.message for each answer the local gateway plays.
API_GATEWAY_MESSAGES = {
    "UNAUTHORIZED": "Unauthorized",
    "ACCESS_DENIED": "User is not authorized to access this resource with an explicit deny",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "AUTHORIZER_FAILURE": None,  # API Gateway answers {"message": null} when the authorizer raised
    "AUTHORIZER_CONFIGURATION_ERROR": None,
    "INTEGRATION_TIMEOUT": "Endpoint request timed out",
}


def deployed_body(response_type: str, message: str | None) -> dict[str, object]:
    """The body the deployed gateway answers: its template, with the message API Gateway sends."""
    template = GATEWAY_PROBLEMS[response_type].template()
    document: dict[str, object] = json.loads(template.replace(MESSAGE_VARIABLE, json.dumps(message)))
    return document


def local_body(response: Response) -> dict[str, object]:
    assert dict(response.headers)["Content-Type"] == "application/problem+json"
    document: dict[str, object] = json.loads(response.body)
    return document


@pytest.mark.parametrize("response_type", sorted(API_GATEWAY_MESSAGES))
def test_the_local_gateway_answers_as_the_deployed_one(response_type: str) -> None:
    message = API_GATEWAY_MESSAGES[response_type]
    response = (
        integration_timed_out() if response_type == "INTEGRATION_TIMEOUT" else gateway_response(response_type)
    )

    assert local_body(response) == deployed_body(response_type, message)
    assert response.status == GATEWAY_PROBLEMS[response_type].status
    assert local_body(response)["detail"] == message


def test_a_failed_function_is_the_default_5xx_with_api_gateways_message() -> None:
    response = function_failed()

    assert response.status == 502
    # DEFAULT_5XX stands for several statuses: its template names none.
    assert local_body(response) == deployed_body("DEFAULT_5XX", "Internal server error")


def test_every_template_is_json_whatever_the_message() -> None:
    for response_type, problem in GATEWAY_PROBLEMS.items():
        for message in ("Unauthorized", None, 'a "quoted" message'):
            document = deployed_body(response_type, message)
            assert document["detail"] == message
            assert document["type"] == "about:blank"
            assert document.get("status") == problem.status
