"""The Lambda layer carries exactly the versions the tests ran with.

pyproject.toml's first four dependencies are the layer's packages; layers/requirements.txt pins them
(and their own dependencies, installed with --no-deps). The two must agree, or the deployed function runs
other code than the one tested.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = REPO / "pyproject.toml"
REQUIREMENTS = REPO / "layers" / "requirements.txt"
LAYER_PACKAGES = 4  # pyproject's first four dependencies are the layer's
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!-]+)$")
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six"}


def normalize(name: str) -> str:
    """PEP 503 name normalization: Pillow == pillow, typing_extensions == typing-extensions."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, str]:
    result = {}
    for line in lines:
        match = PIN.match(line)
        assert match, f"not an exact pin (name==version): {line!r}"
        result[normalize(match["name"])] = match["version"]
    return result


def layer_requirements() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return [line for line in lines if line]


def pyproject_layer_dependencies() -> list[str]:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return [dependency.replace(" ", "") for dependency in dependencies[:LAYER_PACKAGES]]


def test_pyproject_pins_the_layer_packages_exactly() -> None:
    # GIVEN pyproject's first four dependencies
    # THEN each is an exact pin
    assert len(pins(pyproject_layer_dependencies())) == LAYER_PACKAGES


def test_layer_requirements_pin_the_same_versions_as_pyproject() -> None:
    # GIVEN the layer's requirements and pyproject's layer dependencies
    layer = pins(layer_requirements())
    tested = pins(pyproject_layer_dependencies())
    # THEN the layer holds each of them at the same version
    assert {name: layer.get(name) for name in tested} == tested
    # AND lists them first, in the same order
    assert list(layer)[:LAYER_PACKAGES] == list(tested)


def test_layer_requirements_are_all_exact_pins_without_runtime_packages() -> None:
    # GIVEN the layer's requirements (installed with --no-deps, so every package must be listed)
    layer = pins(layer_requirements())
    # THEN nothing the Lambda runtime already provides is bundled, and no package is listed twice
    assert not RUNTIME_PROVIDED.intersection(layer)
    assert len(layer) == len(layer_requirements())
