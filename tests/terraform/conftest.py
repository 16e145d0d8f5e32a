"""pytest wiring of tests/terraform: markers, the import path of its helper modules, a fixture tree."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if (
    str(HERE) not in sys.path
):  # hcl.py, schema.py, validator.py, tftree.py are plain modules next to the tests
    sys.path.insert(0, str(HERE))

from tftree import write_fixture_tree  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "checkov: runs the checkov binary (tens of seconds)")
    config.addinivalue_line("markers", "network: needs the package registries")


@pytest.fixture
def fixture_tree(tmp_path: Path) -> Path:
    return write_fixture_tree(tmp_path / "fixture")
