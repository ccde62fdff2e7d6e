"""The API's route table: which function serves which route, and which routes skip the authorizer.

Imported by the CDK app (API Gateway resources and methods) and by the local stack (dispatch), so
both serve exactly the same API. Plain data: no CDK import, cheap to load.
"""

from dataclasses import dataclass

SUBMIT_CASE = "submit_case"
UPDATE_CASE = "update_case"
QUERY_CASES = "query_cases"
API_DOCS = "api_docs"
AUTHORIZER = "authorizer"
PUBLISH_CHANGES = "publish_changes"
SNAPSHOT_EXTRACT = "snapshot_extract"
REDRIVE_STREAM_FAILURES = "redrive_stream_failures"

# Every Lambda's folder under functions/; each has handler.py with lambda_handler(event, context).
FUNCTIONS = (
    SUBMIT_CASE,
    UPDATE_CASE,
    QUERY_CASES,
    API_DOCS,
    AUTHORIZER,
    PUBLISH_CHANGES,
    SNAPSHOT_EXTRACT,
    REDRIVE_STREAM_FAILURES,
)
HANDLER = "handler.lambda_handler"

HEALTH_BODY = '{"status":"ok"}'


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, {name} for path parameters
    function: str | None  # None: the gateway answers itself with mock_response
    authorized: bool = True
    mock_response: str | None = None
    """JSON body the gateway answers with status 200, invoking no function (API Gateway mock)."""


ROUTES: tuple[Route, ...] = (
    Route("POST", "/cases", SUBMIT_CASE),
    Route("PATCH", "/cases/{caseId}", UPDATE_CASE),
    Route("GET", "/cases", QUERY_CASES),
    Route("GET", "/cases/{caseId}", QUERY_CASES),
    Route("GET", "/cases/{caseId}/history", QUERY_CASES),
    Route("GET", "/reference/icbs", QUERY_CASES),
    # Public routes never reach the function that reads cases, so a flood of them cannot use up
    # its concurrency: the health check costs no invocation, the documents have their own function.
    Route("GET", "/health", None, authorized=False, mock_response=HEALTH_BODY),
    Route("GET", "/openapi.json", API_DOCS, authorized=False),
    Route("GET", "/docs", API_DOCS, authorized=False),
)
