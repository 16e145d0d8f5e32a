"""Fixtures for the function under moto: a bucket, the metadata table, the environment, a cold start."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.function_pipeline import HANDLER, Pipeline, cold_start


@pytest.fixture
def make_pipeline(
    aws: Any,
    function_env: Callable[..., dict[str, str]],
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Pipeline]]:
    """`make_pipeline(versioned=False, bucket=None, table=None, **environment_overrides)`: a cold start."""

    def build(
        *, versioned: bool = False, bucket: str | None = None, table: str | None = None, **env: str
    ) -> Pipeline:
        bucket_name = bucket or aws.bucket(versioned=versioned)
        table_name = table or aws.table()
        for name, value in function_env(table_name, **env).items():
            monkeypatch.setenv(name, value)
        return Pipeline(handler=cold_start(), bucket=bucket_name, table=table_name, context=lambda_context)

    yield build
    sys.modules.pop(HANDLER, None)


@pytest.fixture
def pipeline(make_pipeline: Callable[..., Pipeline]) -> Pipeline:
    return make_pipeline()
