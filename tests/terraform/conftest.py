"""tests/terraform: every Terraform command here runs through imgpipe.terraform (the mirror or registry)."""

from __future__ import annotations

import pytest

from imgpipe.terraform import Terraform
from tests.terraform.tree import DIRECTORIES, REPO


@pytest.fixture(scope="session")
def initialized() -> dict[str, Terraform]:
    """Every module and environment, initialized without a backend, each with a data directory of its own."""
    found = {}
    for name in DIRECTORIES:
        terraform = Terraform(
            REPO / name, data_dir=REPO / "build" / "terraform" / "check" / name.replace("/", "-")
        )
        terraform.init()
        found[name] = terraform
    return found
