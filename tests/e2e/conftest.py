"""End-to-end tests on the applied stack: environments/dev applied to the local emulator by Terraform
(the session fixture `applied_stack`), consumed by the real handler through the local event source mapping.

Every test here is in the `local-stack` xdist group, except those that start stacks of their own, so one
worker runs them one after the other on one applied stack; each module uses keys of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LOCAL_STACK_GROUP


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the group into the node id
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group(LOCAL_STACK_GROUP))
