"""The whole local stack as one context manager: emulator, resources, function, event source mapping."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from imgpipe.local.esm import EventSourceMapping, Handler, MappingConfig
from imgpipe.local.function import (
    FunctionRuntime,
    function_environment,
    mark_function_thread,
    runtime_environment,
)
from imgpipe.local.names import ResourceNames
from imgpipe.local.provision import provision
from imgpipe.local.server import LocalServer
from imgpipe.local.settings import TerraformSettings, load_settings
from imgpipe.local.timing import LocalTimings
from imgpipe.stack import LOCAL_CREDENTIALS, Stack, open_stack, parse_outputs

logger = logging.getLogger(__name__)

DEFAULT_OUTPUTS = Path("build/local/outputs.json")
DEFAULT_FUNCTION_LOG = Path("build/local/function.log")


class LocalStack:
    """`with LocalStack() as local:` gives a provisioned, running stack; leaving the block shuts it down."""

    def __init__(
        self,
        *,
        port: int = 0,
        outputs_path: Path | None = DEFAULT_OUTPUTS,
        environment: str = "dev",
        time_scale: float | None = None,
        variants: str | None = None,
        pollers: int | None = None,
        wrap_handler: Callable[[Handler], Handler] | None = None,
        function_log: Path | None = DEFAULT_FUNCTION_LOG,
        settings: TerraformSettings | None = None,
    ) -> None:
        self.settings = settings or load_settings(environment)
        self.names = ResourceNames.from_settings(self.settings)
        self.timings = LocalTimings.from_settings(self.settings, time_scale)
        self.server = LocalServer(port)
        self.outputs_path = outputs_path
        self.variants = variants
        # Lambda's SQS poller fleet is capped by the mapping's maximum_concurrency: one local poller per slot.
        self.pollers = pollers or self.settings.integer("maximum_concurrency")
        self.wrap_handler = wrap_handler
        self.function_log = function_log
        self.outputs: dict[str, dict[str, Any]] = {}
        self.mapping: EventSourceMapping | None = None
        self._runtime: FunctionRuntime | None = None
        self._stack: Stack | None = None

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    @property
    def stack(self) -> Stack:
        """The same view of the stack the operator commands get from the outputs file."""
        if self._stack is None:
            self._stack = open_stack(parse_outputs(self.outputs, "local stack outputs"))
        return self._stack

    def __enter__(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        endpoint = self.server.start()
        session = boto3.session.Session(region_name=self.names.region, **LOCAL_CREDENTIALS)
        self.outputs = provision(session, endpoint, self.settings, self.timings, self.names)
        if self.outputs_path is not None:
            self.outputs_path.parent.mkdir(parents=True, exist_ok=True)
            self.outputs_path.write_text(json.dumps(self.outputs, indent=2) + "\n", encoding="utf-8")
        environment = function_environment(self.settings, self.names, self.variants)
        environment |= runtime_environment(self.names, self.settings, self.timings, endpoint)
        self._runtime = FunctionRuntime(environment, self.function_log).__enter__()
        handler = self._runtime.load_handler()
        if self.wrap_handler is not None:
            handler = self.wrap_handler(handler)
        self.mapping = EventSourceMapping(
            session.client("sqs", endpoint_url=endpoint),
            MappingConfig(
                queue_url=self.outputs["queue_url"]["value"],
                queue_arn=self.outputs["queue_arn"]["value"],
                region=self.names.region,
                function_name=self.names.function,
                function_arn=self.names.function_arn,
                memory_mb=self.settings.integer("function_memory_mb"),
                timeout_seconds=self.timings.function_timeout_seconds,
                batch_size=self.settings.integer("batch_size"),
                batching_window_seconds=self.timings.batching_window_seconds,
                pollers=self.pollers,
            ),
            handler,
            on_thread_start=mark_function_thread if self.function_log else None,
        )
        self.mapping.start()

    def __exit__(self, *_: object) -> None:
        if self.mapping is not None:
            self.mapping.stop()
            self.mapping = None
        if self._runtime is not None:
            self._runtime.__exit__()
            self._runtime = None
        self.server.stop()
        # The endpoint in it is dead now: a stale file would only mislead the next command.
        if self.outputs_path is not None and self.outputs_path.exists():
            self.outputs_path.unlink()
