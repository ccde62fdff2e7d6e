"""The CDK app: ``cdk synth`` runs ``python -m infra.app`` (see cdk.json)."""

from pathlib import Path
from typing import Any

from aws_cdk import App, Environment

from infra import constants
from infra.nag import add_nag_packs
from infra.stacks import StatefulStack, StatelessStack, tag_everything


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """The whole app. ``context`` adds context values (tests skip bundling and stub the code with it);
    CLI context (cdk.json, ``-c key=value``) wins over both it and the feature flags."""
    # Feature flags first, so ``context`` and then CLI context may override them.
    app = App(context={**constants.FEATURE_FLAGS, **(context or {})}, outdir=outdir)
    # The account comes from the deploying credentials; the region is fixed (UK-only hosting).
    env = Environment(region=constants.REGION)
    stateful = StatefulStack(
        app,
        constants.STATEFUL_STACK_ID,
        env=env,
        description="Safeguarding Case Review Tracker: keys, tables, buckets, Glue and Athena (stateful)",
    )
    functions_root = Path(
        app.node.try_get_context(constants.CONTEXT_FUNCTIONS_ROOT) or constants.FUNCTIONS_ROOT
    )
    StatelessStack(
        app,
        constants.STATELESS_STACK_ID,
        env=env,
        description="Safeguarding Case Review Tracker: functions, API, reporting, monitoring (stateless)",
        stateful=stateful,
        functions_root=functions_root
        if functions_root.is_absolute()
        else constants.PROJECT_ROOT / functions_root,
        api_cloud_watch_role=_flag(
            app.node.try_get_context(constants.CONTEXT_API_CLOUDWATCH_ROLE), default=True
        ),
        alarm_email=app.node.try_get_context(constants.CONTEXT_ALARM_EMAIL) or None,
    )
    tag_everything(app)
    add_nag_packs(app)
    return app


def _flag(value: object, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "yes"}


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()
