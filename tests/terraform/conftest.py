"""tests/terraform: every Terraform command here runs through imgpipe.terraform (the mirror or registry)."""

from __future__ import annotations

import pytest

from imgpipe.terraform import Terraform
from tests.terraform.tree import MODULES, REPO


@pytest.fixture(scope="session")
def initialized() -> dict[str, Terraform]:
    """Every module and environment, initialized without a backend, each with a data directory of its own."""
    dirs = [f"modules/{m}" for m in MODULES] + [
        "environments/dev",
        "environments/staging",
        "environments/prod",
    ]
    found = {}
    for name in dirs:
        terraform = Terraform(
            REPO / name, data_dir=REPO / "build" / "terraform" / "check" / name.replace("/", "-")
        )
        terraform.init()
        found[name] = terraform
    return found
