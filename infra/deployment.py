"""What one deployment may change without editing code: context values, checked at synth time.

``cdk synth -c tracker:sarCompletionMonths=9`` or the ``context`` block of cdk.json; the defaults
are in ``infra.constants``. A bad value stops the synth with a message naming the key.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs import Node
from pydantic import ValidationError

from infra import constants
from infra.routes import FUNCTIONS
from tracker import settings
from tracker.dal import schema


class DeploymentConfigError(ValueError):
    """A context value the app cannot deploy with."""


@dataclass(frozen=True)
class DeploymentConfig:
    functions_root: Path
    sar_completion_months: int
    reserved_concurrency: Mapping[str, int]
    alarm_email: str | None
    table_indexes: tuple[schema.IndexDefinition, ...] = schema.INDEXES
    service_pages: Mapping[str, str] = field(default_factory=dict)
    """The web app's service-page settings this deployment sets (the rest keep their defaults)."""

    @property
    def total_reserved_concurrency(self) -> int:
        """Every reservation the app makes, the secret rotation function's included."""
        return sum(self.reserved_concurrency.values()) + constants.ROTATION_RESERVED_CONCURRENCY

    @property
    def account_concurrency_needed(self) -> int:
        """The account's Lambda concurrent-executions quota this deployment needs at least."""
        return self.total_reserved_concurrency + constants.LAMBDA_MIN_UNRESERVED_CONCURRENCY


def from_context(node: Node) -> DeploymentConfig:
    functions_root = Path(node.try_get_context(constants.CONTEXT_FUNCTIONS_ROOT) or constants.FUNCTIONS_ROOT)
    return DeploymentConfig(
        functions_root=functions_root
        if functions_root.is_absolute()
        else constants.PROJECT_ROOT / functions_root,
        sar_completion_months=_sar_completion_months(
            node.try_get_context(constants.CONTEXT_SAR_COMPLETION_MONTHS)
        ),
        reserved_concurrency=_reserved_concurrency(
            node.try_get_context(constants.CONTEXT_RESERVED_CONCURRENCY)
        ),
        alarm_email=node.try_get_context(constants.CONTEXT_ALARM_EMAIL) or None,
        table_indexes=_table_indexes(node.try_get_context(constants.CONTEXT_TABLE_INDEXES)),
        service_pages=_service_pages(node.try_get_context(constants.CONTEXT_SERVICE_PAGES)),
    )


def _service_pages(value: object) -> dict[str, str]:
    if value is None:
        return {}
    given: Any = json.loads(value) if isinstance(value, str) else value
    if not isinstance(given, dict):
        raise DeploymentConfigError(f"{constants.CONTEXT_SERVICE_PAGES} must be a JSON object")
    unknown = sorted(set(given) - set(settings.WEB_SERVICE_PAGE_SETTINGS))
    if unknown:
        raise DeploymentConfigError(
            f"{constants.CONTEXT_SERVICE_PAGES}: {', '.join(unknown)} is not a service page's setting"
        )
    values = {name: str(text) for name, text in given.items()}
    # The web function's own model decides what is valid, so synth refuses what it would refuse.
    try:
        settings.Settings.from_environ(values)
    except ValidationError as error:
        raise DeploymentConfigError(
            f"{constants.CONTEXT_SERVICE_PAGES} is not valid: {error.errors()[0]['loc'][0]} "
            f"{error.errors()[0]['msg']}"
        ) from error
    return values


def _table_indexes(value: object) -> tuple[schema.IndexDefinition, ...]:
    if value is None:
        return schema.INDEXES
    try:
        count = int(str(value))
    except ValueError:
        count = -1
    if not 1 <= count <= len(schema.INDEXES):
        raise DeploymentConfigError(
            f"{constants.CONTEXT_TABLE_INDEXES}={value!r}: a whole number from 1 to {len(schema.INDEXES)}"
        )
    return schema.INDEXES[:count]


def _sar_completion_months(value: object) -> int:
    if value is None:
        return constants.SAR_COMPLETION_MONTHS
    # The functions' own model decides what is valid, so synth refuses what they would refuse.
    try:
        parsed = settings.Settings.model_validate({settings.SAR_COMPLETION_MONTHS: value})
    except ValidationError as error:
        raise DeploymentConfigError(
            f"{constants.CONTEXT_SAR_COMPLETION_MONTHS}={value!r} is not valid: {error.errors()[0]['msg']}"
        ) from error
    return parsed.sar_completion_months


def _reserved_concurrency(value: object) -> dict[str, int]:
    reserved = dict(constants.RESERVED_CONCURRENCY)
    if value is None:
        return reserved
    overrides: Any = json.loads(value) if isinstance(value, str) else value
    if not isinstance(overrides, dict):
        raise DeploymentConfigError(f"{constants.CONTEXT_RESERVED_CONCURRENCY} must be a JSON object")
    for name, count in overrides.items():
        if name not in FUNCTIONS:
            raise DeploymentConfigError(f"{constants.CONTEXT_RESERVED_CONCURRENCY}: no function {name!r}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise DeploymentConfigError(
                f"{constants.CONTEXT_RESERVED_CONCURRENCY}: {name} needs a whole number of at least 1"
            )
        reserved[name] = count
    return reserved
