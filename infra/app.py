"""The CDK app: ``cdk synth`` runs ``python -m infra.app`` (see cdk.json)."""

from typing import Any

from aws_cdk import App, Environment

from infra import constants, deployment
from infra.nag import add_nag_packs
from infra.stacks import AccountSetupStack, StatefulStack, StatelessStack, tag_everything


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """The whole app. ``context`` adds context values (tests skip bundling and stub the code with it);
    CLI context (cdk.json, ``-c key=value``) wins over both it and the feature flags."""
    # Feature flags first, so ``context`` and then CLI context may override them.
    app = App(context={**constants.FEATURE_FLAGS, **(context or {})}, outdir=outdir)
    config = deployment.from_context(app.node)
    # The account comes from the deploying credentials; the region is fixed (UK-only hosting).
    env = Environment(region=constants.REGION)
    AccountSetupStack(
        app,
        constants.ACCOUNT_SETUP_STACK_ID,
        env=env,
        description="Safeguarding Case Review Tracker: account-wide settings (once per account and region)",
    )
    stateful = StatefulStack(
        app,
        constants.STATEFUL_STACK_ID,
        env=env,
        description="Safeguarding Case Review Tracker: keys, tables, buckets, audit trails, Glue, Athena",
        config=config,
    )
    StatelessStack(
        app,
        constants.STATELESS_STACK_ID,
        env=env,
        description="Safeguarding Case Review Tracker: functions, API, reporting, monitoring (stateless)",
        stateful=stateful,
        config=config,
    )
    tag_everything(app)
    add_nag_packs(app)
    return app


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()
