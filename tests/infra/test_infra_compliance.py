"""cdk-nag (AwsSolutions, HIPAA Security, NIST 800-53 R5) and cfn-lint over every stack of the synthesized app
(cfn-lint fails on any error or warning but W3005)."""

from pathlib import Path

import pytest
from aws_cdk import App, Stack, aws_s3
from cfnlint.api import lint_file
from cfnlint.config import ManualArgs

from infra import constants
from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge, add_nag_packs
from tests.infra.conftest import STACKS
from tests.infra.infra_support import Synthesized, synthesize

# W3005 (DependsOn already implied by a reference) is how CDK writes explicit dependencies it also
# references; it is harmless and not ours to rewrite in generated templates.
CFN_LINT_IGNORED = ["W3005"]


def test_nag_packs_report_no_unacknowledged_finding(synthesized: Synthesized) -> None:
    assert synthesized.findings == []


def _unsafe_app(context: dict[str, object] | None = None, outdir: str | None = None) -> App:
    app = App(context=context, outdir=outdir)
    stack = Stack(app, "Unsafe")
    aws_s3.Bucket(stack, "Plain")
    acknowledged = aws_s3.Bucket(stack, "Acknowledged")
    acknowledge(acknowledged, "negative control: acknowledged findings disappear", f"{AWS_SOLUTIONS}-S1")
    add_nag_packs(app)
    return app


def test_nag_packs_do_run_and_acknowledgements_apply(tmp_path: Path) -> None:
    """A negative control: the same wiring finds an unencrypted, unlogged bucket in every pack."""
    findings = synthesize(_unsafe_app, tmp_path, {})
    assert {finding["pack"] for finding in findings} == {AWS_SOLUTIONS, HIPAA, NIST}
    s1 = {finding["path"] for finding in findings if finding["rule"] == f"{AWS_SOLUTIONS}-S1"}
    assert s1 == {"Unsafe/Plain/Resource"}


def test_acknowledgements_need_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        acknowledge(Stack(App(), "S"), " ", f"{AWS_SOLUTIONS}-S1")


@pytest.mark.parametrize("stack_id", STACKS)
def test_cfn_lint_passes(synthesized: Synthesized, stack_id: str) -> None:
    """Every stack, with no finding at all: errors and warnings alike (but W3005, above)."""
    matches = lint_file(
        synthesized.outdir / f"{stack_id}.template.json",
        config=ManualArgs(regions=[constants.REGION], ignore_checks=CFN_LINT_IGNORED),
    )
    assert [str(match) for match in matches] == []
