"""End-to-end tests on the local stack: moto's server provisioned from environments/dev, the real handler.

Every test here shares one xdist group, so a single worker runs them one after the other (each local stack
owns the process environment while it runs). The time scale makes the function timeout 1 s and the queue's
visibility timeout 6 s, so a trip to the DLQ takes seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from imgpipe.local.settings import TerraformSettings, load_settings

FUNCTION_TIMEOUT_SECONDS = 1


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the group into the node id
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("local-stack"))


@pytest.fixture(scope="session")
def dev_settings() -> TerraformSettings:
    return load_settings("dev")


@pytest.fixture(scope="session")
def time_scale(dev_settings: TerraformSettings) -> float:
    return FUNCTION_TIMEOUT_SECONDS / dev_settings.integer("function_timeout_seconds")
