"""Fixtures for the function under moto: a bucket, the metadata table, the environment, a cold start."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.function_env import cold_started
from tests.integration.function_pipeline import Pipeline


@pytest.fixture
def make_pipeline(
    aws: Any, function_env: Callable[..., dict[str, str]], lambda_context: Any
) -> Iterator[Callable[..., Pipeline]]:
    """`make_pipeline(versioned=False, bucket=None, table=None, **environment_overrides)`: a cold start."""
    with ExitStack() as started:

        def build(
            *, versioned: bool = False, bucket: str | None = None, table: str | None = None, **env: str
        ) -> Pipeline:
            bucket_name = bucket or aws.bucket(versioned=versioned)
            table_name = table or aws.table()
            handler = started.enter_context(cold_started(function_env(table_name, **env)))
            return Pipeline(handler=handler, bucket=bucket_name, table=table_name, context=lambda_context)

        yield build


@pytest.fixture
def pipeline(make_pipeline: Callable[..., Pipeline]) -> Pipeline:
    return make_pipeline()
