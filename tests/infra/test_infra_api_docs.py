"""functions/api_docs, the function behind the public document routes: it serves the committed
OpenAPI document and Swagger UI, and reaches no data (the CDK role grants it none either)."""

import ast
import json
from dataclasses import dataclass
from typing import Any

import pytest

from functions.api_docs import handler
from infra import constants
from infra.routes import API_DOCS, ROUTES
from tracker.api.openapi_document import committed_document


@dataclass
class Context:
    function_name: str = "api_docs"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:111122223333:function:api_docs"
    aws_request_id: str = "request-1"


def _event(path: str) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "*/*"},
        "multiValueHeaders": {"Accept": ["*/*"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": "request-1",
            "stage": constants.API_STAGE,
            "path": f"/{constants.API_STAGE}{path}",
            "httpMethod": "GET",
            "resourcePath": path,
            "identity": {"sourceIp": "192.0.2.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_serves_the_committed_openapi_document() -> None:
    response = handler.lambda_handler(_event("/openapi.json"), Context())
    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert json.loads(response["body"]) == json.loads(committed_document())


def test_serves_swagger_ui_over_it() -> None:
    response = handler.lambda_handler(_event("/docs"), Context())
    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["text/html"]
    assert "swagger" in response["body"].lower()


@pytest.mark.parametrize("path", sorted({route.path for route in ROUTES if route.function == API_DOCS}))
def test_every_route_the_table_gives_it_is_served(path: str) -> None:
    assert handler.lambda_handler(_event(path), Context())["statusCode"] == 200


def test_imports_nothing_that_reaches_data() -> None:
    tree = ast.parse(handler.__loader__.get_source(handler.__name__) or "")  # type: ignore[union-attr]
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    forbidden = ("boto3", "botocore", "tracker.dal", "tracker.composition", "tracker.logic")
    assert not {name for name in imported if name and name.startswith(forbidden)}
