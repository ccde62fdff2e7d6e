"""SnapStart: every function that answers a caller runs from a published version's snapshot, and
API Gateway (routes and authorizer) invokes that version through the live alias, never $LATEST."""

from typing import Any

from infra import constants
from infra.routes import AUTHORIZER, ROUTES
from tests.infra.infra_support import Synthesized
from tests.infra.test_infra_api import SERVICE, function_behind, invoked_target, methods
from tests.infra.test_infra_functions import function_of

# Functions a person or the forms platform waits on: every routed function and the authorizer.
CALLER_FACING = sorted({route.function for route in ROUTES if route.function is not None} | {AUTHORIZER})


def _resources(synthesized: Synthesized, resource_type: str) -> dict[str, dict[str, Any]]:
    return synthesized.resources(SERVICE, resource_type)


def _live_alias_of(synthesized: Synthesized, function_id: str) -> str:
    aliases = [
        alias_id
        for alias_id, alias in _resources(synthesized, "AWS::Lambda::Alias").items()
        if synthesized.logical_id_of(alias["Properties"]["FunctionName"]) == function_id
    ]
    assert len(aliases) == 1, f"{function_id}: expected one alias, found {aliases}"
    return aliases[0]


def test_every_caller_facing_function_has_snapstart_on_published_versions(synthesized: Synthesized) -> None:
    for name in CALLER_FACING:
        _, function = function_of(synthesized, name)
        assert function["Properties"].get("SnapStart") == {"ApplyOn": "PublishedVersions"}, name


def test_each_caller_facing_function_has_a_live_alias_on_a_published_version(
    synthesized: Synthesized,
) -> None:
    versions = _resources(synthesized, "AWS::Lambda::Version")
    for name in CALLER_FACING:
        function_id, _ = function_of(synthesized, name)
        alias = _resources(synthesized, "AWS::Lambda::Alias")[_live_alias_of(synthesized, function_id)]
        assert alias["Properties"]["Name"] == constants.LIVE_ALIAS
        version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert versions[version_id]["Properties"]["FunctionName"] == {"Ref": function_id}, name


def test_api_routes_invoke_the_alias_not_latest(synthesized: Synthesized) -> None:
    aliases = _resources(synthesized, "AWS::Lambda::Alias")
    proxied = [m for m in methods(synthesized).values() if m["Integration"]["Type"] == "AWS_PROXY"]
    assert proxied
    for method in proxied:
        target = invoked_target(method["Integration"]["Uri"])
        assert target in aliases, f"integration invokes {target}, not an alias"


def test_the_authorizer_invokes_its_alias(synthesized: Synthesized) -> None:
    (authorizer,) = _resources(synthesized, "AWS::ApiGateway::Authorizer").values()
    target = invoked_target(authorizer["Properties"]["AuthorizerUri"])
    function_id, _ = function_of(synthesized, AUTHORIZER)
    assert target in _resources(synthesized, "AWS::Lambda::Alias")
    assert function_behind(synthesized, target) == function_id


def test_api_gateway_may_invoke_each_alias(synthesized: Synthesized) -> None:
    permissions = _resources(synthesized, "AWS::Lambda::Permission").values()
    invocable = {
        synthesized.logical_id_of(p["Properties"]["FunctionName"])
        for p in permissions
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    for name in CALLER_FACING:
        function_id, _ = function_of(synthesized, name)
        assert _live_alias_of(synthesized, function_id) in invocable, name


def test_a_deploy_removes_the_version_before(synthesized: Synthesized) -> None:
    """A SnapStart version's cache is billed while the version exists; old ones must not pile up."""
    versions = _resources(synthesized, "AWS::Lambda::Version")
    assert versions
    for version_id, version in versions.items():
        assert version.get("DeletionPolicy") == "Delete", version_id
