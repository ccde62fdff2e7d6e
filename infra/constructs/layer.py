"""The shared Lambda layer (package ``tracker`` and its third-party wheels), built without Docker.

pip installs the locked, hashed requirements as wheels for Lambda's platform (manylinux aarch64, the
runtime's CPython) from the wheelhouse that ``make install`` fetched (``infra.layer_wheels``), with
no index: the synth needs no network, no container and no cache. The asset hash is the folder's
fingerprint (CDK's ``SOURCE`` hash, which covers requirements.txt and the package source) plus the
bundling options, which carry the pip flags: while none of them changes, the bundle already in
``cdk.out`` is reused and pip does not run; a changed flag rebuilds it.
"""

import shutil
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, aws_lambda
from constructs import Construct

from infra import constants, layer_wheels

# The Lambda runtime ships boto3 and its dependencies; dropping them keeps the layer small.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3")
EXCLUDE = ["**/__pycache__", "**/*.pyc", ".pytest_cache", ".mypy_cache"]


def build_layer(output_dir: Path) -> None:
    """Write the layer's content (``python/…``) into ``output_dir``."""
    target = output_dir / "python"
    layer_wheels.install(target)
    for name in RUNTIME_PROVIDED:
        for path in target.glob(name):
            shutil.rmtree(path)
        for path in target.glob(f"{name}-*.dist-info"):
            shutil.rmtree(path)
    shutil.copytree(
        constants.LAYER_SOURCE / constants.LAYER_PACKAGE,
        target / constants.LAYER_PACKAGE,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


@jsii.implements(ILocalBundling)
class _LocalPipBundling:
    def try_bundle(
        self, output_dir: str, _options: Any
    ) -> bool:  # jsii passes the options struct positionally
        build_layer(Path(output_dir))
        return True


class SharedLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = aws_lambda.LayerVersion(
            self,
            "Layer",
            description="tracker package and its dependencies (pydantic, Powertools, PyJWT, holidays)",
            code=aws_lambda.Code.from_asset(
                str(constants.LAYER_SOURCE),
                asset_hash_type=AssetHashType.SOURCE,
                exclude=EXCLUDE,
                bundling=BundlingOptions(
                    # Never pulled: local bundling always succeeds or raises.
                    image=DockerImage.from_registry("local-bundling-only"),
                    # jsii calls try_bundle(output_dir, options) positionally, unlike the keyword-only
                    # Protocol stub, hence the cast.
                    local=cast(ILocalBundling, _LocalPipBundling()),
                    # Part of the asset hash, so a changed build rebuilds the layer: the pip flags
                    # (platform, Python version, hashes) and what is left to the runtime.
                    environment={
                        "LAYER_PIP_FLAGS": " ".join(layer_wheels.SELECTION_FLAGS),
                        "LAYER_LEFT_TO_RUNTIME": " ".join(RUNTIME_PROVIDED),
                    },
                ),
            ),
            compatible_runtimes=[constants.RUNTIME],
            compatible_architectures=[constants.ARCHITECTURE],
        )
