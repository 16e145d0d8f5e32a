"""`terraform validate` with the AWS provider 5.100 (the mirrored one): every module and the dev root are
valid, with no warning (a deprecated attribute would be one); and the environments share everything but
tfvars, so validating staging or prod would validate dev's files again (validate reads no tfvars: their plans
are in tests/e2e/test_cycle.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terraform.tree import MODULES, Initialized


@pytest.mark.parametrize("directory", [*(f"modules/{m}" for m in MODULES), "environments/dev"])
def test_validate_is_clean(initialized: Initialized, directory: str) -> None:
    result = initialized[directory].validate()
    assert (result["valid"], result["error_count"], result["warning_count"]) == (True, 0, 0), result[
        "diagnostics"
    ]


def test_the_environments_differ_only_in_their_tfvars() -> None:
    dev = Path(__file__).resolve().parents[2] / "environments" / "dev"
    for other in ("staging", "prod"):
        directory = dev.parent / other
        files = sorted(p.name for p in directory.iterdir() if p.suffix == ".tf")
        assert files == sorted(p.name for p in dev.iterdir() if p.suffix == ".tf")
        for name in files:
            assert (directory / name).resolve() == (dev / name).resolve(), f"{other}/{name} is not dev's"
