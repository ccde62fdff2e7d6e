"""What the deployed app serves is compressed: API Gateway gzips a response of at least
API_MIN_COMPRESSION_BYTES for a client that accepts it (the web app's pages and assets, the API's
JSON), and a deployment's own service-page text reaches the web function from CDK context."""

import gzip
import json
from pathlib import Path

import pytest
from aws_cdk import App

from infra import constants, deployment
from infra.routes import API_MIN_COMPRESSION_BYTES, WEB_APP
from tests.infra.infra_support import Synthesized
from tests.infra.test_infra_functions import function_of
from tracker import settings
from tracker.web import rendering

SERVICE = constants.STATELESS_STACK_ID
API_GATEWAY_MAX_COMPRESSION_SIZE = 10_485_760  # the largest value API Gateway accepts


def test_the_rest_api_compresses_responses(synthesized: Synthesized) -> None:
    (api,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RestApi").values()
    minimum = api["Properties"].get("MinimumCompressionSize")

    assert minimum == API_MIN_COMPRESSION_BYTES
    assert 0 <= minimum <= API_GATEWAY_MAX_COMPRESSION_SIZE


def test_every_body_is_binary_so_uploads_and_spreadsheet_downloads_survive(synthesized: Synthesized) -> None:
    """A browser's first Accept type is text/html, so only */* lets a function's base64 .xlsx reach it
    as bytes; the handlers decode every request body (tracker.api.requests.request_body)."""
    (api,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RestApi").values()

    assert api["Properties"].get("BinaryMediaTypes") == ["*/*"]


def test_every_static_asset_is_large_enough_to_be_compressed_and_gains_from_it() -> None:
    for name in rendering.asset_manifest().values():
        if not name.endswith((".css", ".js", ".svg")):
            continue
        content = rendering.static_file(name)
        assert content is not None, name
        if len(content) >= API_MIN_COMPRESSION_BYTES:
            assert len(gzip.compress(content)) < len(content), name
    stylesheet = rendering.static_file(rendering.asset_manifest()["nhsuk-frontend.css"])
    assert stylesheet is not None and len(stylesheet) >= API_MIN_COMPRESSION_BYTES


SERVICE_TEXT = {
    settings.WEB_HELP_EMAIL: "case-reviews@example.test",
    settings.WEB_PRIVACY_NOTICE_URL: "https://example.test/privacy",
    settings.WEB_ACCESSIBILITY_KNOWN_ISSUES: "Charts cannot be zoomed separately",
}


def test_service_page_text_is_context_checked_by_the_settings_model() -> None:
    assert deployment.from_context(App().node).service_pages == {}
    given = deployment.from_context(
        App(context={constants.CONTEXT_SERVICE_PAGES: json.dumps(SERVICE_TEXT)}).node
    )
    assert dict(given.service_pages) == SERVICE_TEXT


@pytest.mark.parametrize(
    "value",
    [
        json.dumps({settings.WEB_HELP_EMAIL: "nobody"}),  # not an address
        json.dumps({settings.WEB_PRIVACY_NOTICE_URL: "http://example.test/privacy"}),  # not https
        json.dumps({settings.CASES_TABLE_NAME: "another-table"}),  # not a service page's setting
        json.dumps([settings.WEB_HELP_EMAIL]),
    ],
)
def test_bad_service_page_text_stops_the_synth(value: str) -> None:
    with pytest.raises(deployment.DeploymentConfigError, match=constants.CONTEXT_SERVICE_PAGES):
        deployment.from_context(App(context={constants.CONTEXT_SERVICE_PAGES: value}).node)


def test_the_web_function_gets_no_service_text_by_default(synthesized: Synthesized) -> None:
    _, function = function_of(synthesized, WEB_APP)
    variables = function["Properties"]["Environment"]["Variables"]

    # None is set: the settings model's defaults apply.
    assert not set(variables) & set(settings.WEB_SERVICE_PAGE_SETTINGS)


def test_the_web_function_gets_the_deployments_service_text(tmp_path: Path, stub_functions: Path) -> None:
    """A second synthesis (about 20 seconds), with the text as an operator gives it in cdk.json."""
    from infra.app import build_app

    context = {
        "aws:cdk:bundling-stacks": [],
        constants.CONTEXT_FUNCTIONS_ROOT: str(stub_functions),
        constants.CONTEXT_SERVICE_PAGES: SERVICE_TEXT,
    }
    build_app(context=context, outdir=str(tmp_path)).synth()
    template = json.loads((tmp_path / f"{SERVICE}.template.json").read_text())
    functions = Synthesized(tmp_path, {SERVICE: template}, [])
    _, function = function_of(functions, WEB_APP)
    variables = function["Properties"]["Environment"]["Variables"]

    assert {name: variables.get(name) for name in SERVICE_TEXT} == SERVICE_TEXT
