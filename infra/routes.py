"""The API's route table: which function serves which route, and which routes skip the authorizer.

Imported by the CDK app (API Gateway resources and methods) and by the local stack (dispatch), so
both serve exactly the same API. Plain data: no CDK import, cheap to load.
"""

from dataclasses import dataclass

SUBMIT_CASE = "submit_case"
UPDATE_CASE = "update_case"
QUERY_CASES = "query_cases"
AUTHORIZER = "authorizer"
PUBLISH_CHANGES = "publish_changes"
SNAPSHOT_EXTRACT = "snapshot_extract"

# Every Lambda's folder under functions/; each has handler.py with lambda_handler(event, context).
FUNCTIONS = (SUBMIT_CASE, UPDATE_CASE, QUERY_CASES, AUTHORIZER, PUBLISH_CHANGES, SNAPSHOT_EXTRACT)
HANDLER = "handler.lambda_handler"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway resource path, {name} for path parameters
    function: str
    authorized: bool = True


ROUTES: tuple[Route, ...] = (
    Route("POST", "/cases", SUBMIT_CASE),
    Route("PATCH", "/cases/{caseId}", UPDATE_CASE),
    Route("GET", "/cases", QUERY_CASES),
    Route("GET", "/cases/{caseId}", QUERY_CASES),
    Route("GET", "/cases/{caseId}/history", QUERY_CASES),
    Route("GET", "/reference/icbs", QUERY_CASES),
    Route("GET", "/health", QUERY_CASES, authorized=False),
    Route("GET", "/openapi.json", QUERY_CASES, authorized=False),
    Route("GET", "/docs", QUERY_CASES, authorized=False),
)
