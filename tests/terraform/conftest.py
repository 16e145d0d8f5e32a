"""tests/terraform: every Terraform command here runs through imgpipe.terraform (the mirror or registry)."""

from __future__ import annotations

import pytest

from tests.terraform.tree import Initialized


@pytest.fixture(scope="session")
def initialized() -> Initialized:
    """Every module and environment, initialized without a backend on first use, once per test run."""
    return Initialized()
