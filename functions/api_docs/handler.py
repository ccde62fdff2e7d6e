"""GET /openapi.json and GET /docs: the committed OpenAPI document and Swagger UI over it.

Public routes, kept apart from the function that reads cases so a flood of them cannot use up
that function's concurrency. The document is the file committed in the layer: nothing is
generated at run time, and nothing here reaches a table, bucket or secret.
"""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition  # noqa: F401 - imported for its SnapStart hooks (tracker.snapstart)
from tracker.api.openapi_document import committed_document, swagger_html
from tracker.observability import logger, tracer

CACHE_CONTROL = {"Cache-Control": "max-age=300"}

app = APIGatewayRestResolver()


@app.get("/openapi.json")
def openapi_document() -> Response[str]:
    return Response(200, "application/json", committed_document(), headers=CACHE_CONTROL)


@app.get("/docs")
def swagger_ui() -> Response[str]:
    return Response(200, "text/html", swagger_html(), headers=CACHE_CONTROL)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
