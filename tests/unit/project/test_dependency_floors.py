"""The runtime floors in pyproject.toml keep out the releases the tracker is known to break on.

`make test-lowest` runs the unit tests on the floors themselves; these tests stop a floor from
being lowered past a known break, and check the installed PyJWT for the one break that no other
unit test would notice.
"""

import tomllib
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from packaging.requirements import Requirement

from tests.support.make_targets import commands_of

ROOT = Path(__file__).resolve().parents[3]

# (package, newest release the tracker breaks on, why)
KNOWN_BREAKS = [
    ("aws-lambda-powertools", "3.28.0", "renders a different OpenAPI document from the committed one"),
    ("aws-lambda-powertools", "3.27.0", "route decorators take no status_code"),
    ("pydantic", "2.10.6", "no validate_by_alias / serialize_by_alias: cases dump snake_case"),
    ("pyjwt", "2.10.0", "CVE-2024-53861: the issuer is matched as a substring"),
]


def _runtime_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = (Requirement(line) for line in project["dependencies"])
    return {requirement.name.lower(): requirement for requirement in requirements}


@pytest.mark.parametrize(("package", "broken", "why"), KNOWN_BREAKS)
def test_floor_excludes_a_known_break(package: str, broken: str, why: str) -> None:
    assert not _runtime_requirements()[package].specifier.contains(broken), why


ISSUER = "https://idp.example.test"


def _decode_with_our_issuer(issuer_claim: str) -> dict[str, Any]:
    """Decodes as tracker.auth.tokens does: the expected issuer given as one string."""
    key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode({"iss": issuer_claim, "sub": "user-floor"}, key, algorithm="ES256")
    decoded: dict[str, Any] = jwt.decode(token, key.public_key(), algorithms=["ES256"], issuer=ISSUER)
    return decoded


def test_a_token_from_our_issuer_is_accepted() -> None:
    assert _decode_with_our_issuer(ISSUER)["sub"] == "user-floor"


@pytest.mark.parametrize("issuer_claim", ["idp.example", "https://idp.example.tes", "h"])
def test_an_issuer_that_is_only_part_of_ours_is_refused(issuer_claim: str) -> None:
    with pytest.raises(jwt.InvalidIssuerError):
        _decode_with_our_issuer(issuer_claim)


@pytest.mark.subprocess
def test_make_test_lowest_installs_the_floors_and_the_locked_test_tools() -> None:
    """The floors are the point of the run; everything else is what `uv.lock` holds, so that a test
    tool's new release (Hypothesis draws other examples, regex brings other Unicode data) cannot change
    what this run checks between one day and the next."""
    commands = commands_of("test-lowest")
    (export,) = [command for command in commands if command[1:2] == ["export"]]
    assert "--frozen" in export and "--extra" in export and export[export.index("--extra") + 1] == "dev"
    (install,) = [command for command in commands if command[1:3] == ["pip", "install"]]
    constraints = [install[at + 1] for at, arg in enumerate(install) if arg == "--constraint"]
    assert constraints == [".venv-lowest/runtime-floors.txt", ".venv-lowest/test-tools-locked.txt"]
    assert export[export.index("--output-file") + 1] == constraints[1]
