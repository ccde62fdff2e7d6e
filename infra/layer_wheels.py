"""The layer's third-party wheels: fetched once when the project is installed, installed offline at synth.

``make install`` runs ``python -m infra.layer_wheels`` (the only step of a deploy that needs the
network): pip downloads every pinned requirement of ``layers/shared/requirements.txt`` as a wheel
for Lambda's platform, checking each file against the locked hashes, into ``build/layer-wheels``.
``cdk synth`` then builds the layer from that folder alone (``--no-index``), hash-checked again, so
a synth works offline and from a machine with no pip or uv cache.

Only wheels: nothing is built from source for Lambda on the build machine. ``--no-deps`` because the
requirements file is already the complete, locked closure (``uv export``); it also lets the export
leave out what the layer must not carry (boto3, left to the runtime, and ``docopt``: see
``PRUNED_FROM_LAYER``).
"""

import hashlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.constants import LAYER_REQUIREMENTS, PIP_PLATFORM, PROJECT_ROOT, RUNTIME_PYTHON_VERSION

WHEELHOUSE = PROJECT_ROOT / "build" / "layer-wheels"
# Written after a complete download: the digest of the requirements and of the download command.
FETCHED_MARKER = ".fetched"

# Required by a package in the layer but never imported by the code the layer runs, so left out of
# the export (`make requirements`), each with the reason. docopt exists only as a source
# distribution (no wheel to install for Lambda) and is used by no module of
# notifications-python-client, which lists it for a command-line script it no longer ships.
PRUNED_FROM_LAYER = {"docopt": "source-only; not imported by notifications-python-client"}

# What makes the files right for Lambda and from the lock. Part of the layer's asset hash
# (infra.constructs.layer), so a changed flag can never reuse an old bundle.
SELECTION_FLAGS: tuple[str, ...] = (
    "--platform",
    PIP_PLATFORM,
    "--implementation",
    "cp",
    "--python-version",
    RUNTIME_PYTHON_VERSION,
    "--only-binary=:all:",
    # Supply chain: every requirement (transitive ones included) pinned and hash-checked.
    "--require-hashes",
    "--no-deps",
)
_PIP = (sys.executable, "-m", "pip")
_QUIET = ("--quiet", "--disable-pip-version-check")


class WheelhouseMissing(RuntimeError):
    """The layer cannot be built: its wheels were never fetched, or not for these requirements."""


def download_command(wheelhouse: Path) -> list[str]:
    requirements = ("-r", str(LAYER_REQUIREMENTS))
    return [*_PIP, "download", *_QUIET, *SELECTION_FLAGS, "--dest", str(wheelhouse), *requirements]


def install_command(target: Path, wheelhouse: Path) -> list[str]:
    """Offline: pip looks at the wheelhouse only (``--no-index``), and checks every hash again."""
    return [
        *_PIP,
        "install",
        *_QUIET,
        "--no-compile",
        "--no-index",
        "--find-links",
        str(wheelhouse),
        *SELECTION_FLAGS,
        "--target",
        str(target),
        "-r",
        str(LAYER_REQUIREMENTS),
    ]


def _fingerprint() -> str:
    digest = hashlib.sha256(LAYER_REQUIREMENTS.read_bytes())
    digest.update(" ".join(SELECTION_FLAGS).encode())
    return digest.hexdigest()


def is_fetched(wheelhouse: Path) -> bool:
    marker = wheelhouse / FETCHED_MARKER
    return marker.is_file() and marker.read_text(encoding="utf-8").strip() == _fingerprint()


def fetch(wheelhouse: Path | None = None) -> bool:
    """Download the wheels unless the wheelhouse already holds them; True when pip ran."""
    wheelhouse = wheelhouse or WHEELHOUSE
    if is_fetched(wheelhouse):
        return False
    wheelhouse.mkdir(parents=True, exist_ok=True)
    subprocess.run(download_command(wheelhouse), check=True)  # noqa: S603 - fixed argv, no shell
    (wheelhouse / FETCHED_MARKER).write_text(_fingerprint() + "\n", encoding="utf-8")
    return True


def install(target: Path, wheelhouse: Path | None = None) -> None:
    """Install the layer's requirements into ``target`` from the wheelhouse, with no network."""
    wheelhouse = wheelhouse or WHEELHOUSE
    if not is_fetched(wheelhouse):
        raise WheelhouseMissing(
            f"The layer's wheels are not in {wheelhouse} for the current {LAYER_REQUIREMENTS.name}: "
            "run `make install` (it fetches them; the only step of a deploy that needs the network)."
        )
    subprocess.run(install_command(target, wheelhouse), check=True)  # noqa: S603 - fixed argv, no shell


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    ran = fetch()
    print(f"layer wheels {'fetched into' if ran else 'already in'} {WHEELHOUSE.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
