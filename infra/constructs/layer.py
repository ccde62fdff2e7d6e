"""The shared Lambda layer (package ``tracker`` and its third-party wheels), built without Docker.

pip installs the locked, hashed requirements (``--require-hashes``) as wheels for Lambda's platform
(manylinux aarch64, the runtime's CPython) on the build machine, so no container is needed. The
asset hash is the folder's fingerprint (CDK's ``SOURCE`` hash, which covers requirements.txt and
the package source) plus the bundling options: while neither changes, the bundle already in
``cdk.out`` is reused and pip does not run.
"""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, aws_lambda
from constructs import Construct

from infra import constants

# The Lambda runtime ships boto3 and its dependencies; dropping them keeps the layer small.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3")
EXCLUDE = ["**/__pycache__", "**/*.pyc", ".pytest_cache", ".mypy_cache"]


def pip_command(output_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--platform",
        constants.PIP_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        constants.RUNTIME_PYTHON_VERSION,
        "--only-binary=:all:",
        # Supply chain: requirements.txt is exported from uv.lock with every wheel's hash; pip
        # refuses any package (transitive ones included) that is unpinned or hashes differently.
        "--require-hashes",
        "--target",
        str(output_dir),
        "-r",
        str(constants.LAYER_REQUIREMENTS),
    ]


def build_layer(output_dir: Path) -> None:
    """Write the layer's content (``python/…``) into ``output_dir``."""
    target = output_dir / "python"
    subprocess.run(pip_command(target), check=True)  # noqa: S603 - fixed argv, no shell
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
                    # Part of the asset hash: a new platform or Python version rebuilds the layer.
                    environment={
                        "PIP_PLATFORM": constants.PIP_PLATFORM,
                        "PYTHON_VERSION": constants.RUNTIME_PYTHON_VERSION,
                    },
                ),
            ),
            compatible_runtimes=[constants.RUNTIME],
            compatible_architectures=[constants.ARCHITECTURE],
        )
