"""The function's full environment for tests (exactly `image_processor.config.ENVIRONMENT_VARIABLES`), and the
handler's cold start in an environment."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType

import pytest
from aws_lambda_powertools.metrics.provider import cold_start as cold_start_flag

from image_processor.config import ENVIRONMENT_VARIABLES

HANDLER = "image_processor.handler"


def function_environment(table: str, **overrides: str) -> dict[str, str]:
    """Every variable the function reads (and modules/lambda_images sets), with `overrides` applied."""
    env = {
        "METADATA_TABLE": table,
        "SOURCE_PREFIX": "uploads/",
        "DESTINATION_PREFIX": "processed/",
        "DESTINATION_BUCKET": "",
        "VARIANTS": "default",
        "MAX_INPUT_PIXELS": "50000000",
        "MAX_INPUT_BYTES": "52428800",
        "CACHE_CONTROL": "public, max-age=86400",
        "MAX_RECEIVE_COUNT": "3",
        "METADATA_TTL_DAYS": "0",
        "POWERTOOLS_SERVICE_NAME": "imgpipe-test",
        "POWERTOOLS_METRICS_NAMESPACE": "imgpipe-test",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    unknown = set(overrides) - ENVIRONMENT_VARIABLES
    if unknown:
        raise KeyError(f"not function variables: {sorted(unknown)}")
    env.update(overrides)
    assert set(env) == ENVIRONMENT_VARIABLES
    return env


@contextmanager
def cold_started(environment: Mapping[str, str]) -> Iterator[ModuleType]:
    """The handler module imported afresh with `environment` set: its module-level code reads the settings and
    creates the clients, so this is the cold start of a new execution environment (Powertools' cold-start
    flag raised again too). Afterwards the variables are restored and the handler module is dropped."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        cold_start_flag.is_cold_start = True
        sys.modules.pop(HANDLER, None)
        try:
            yield importlib.import_module(HANDLER)
        finally:
            sys.modules.pop(HANDLER, None)
