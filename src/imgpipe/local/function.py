"""The function's execution environment in this process: the variables Terraform gave the deployed function,
its logs, its cold start.

The handler module reads its configuration and creates its clients at import, so the variables are set first
and the handler module is (re)imported afterwards: every local stack starts with a cold start.
On exit the previous environment comes back, so a test process is left as it was found.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from imgpipe.stack import LOCAL_CREDENTIALS

Handler = Callable[[dict[str, Any], Any], Any]
HANDLER_MODULE = "image_processor.handler"
# Variables that would point boto3 somewhere other than the emulator.
CLEARED = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


@dataclass(frozen=True)
class DeployedFunction:
    """What Terraform configured on the function (GetFunctionConfiguration), which the local runtime obeys."""

    name: str
    arn: str
    region: str
    memory_mb: int
    timeout_seconds: int
    variables: Mapping[str, str]

    @classmethod
    def read(cls, lambda_client: Any, name: str) -> DeployedFunction:
        config = lambda_client.get_function_configuration(FunctionName=name)
        return cls(
            name=config["FunctionName"],
            arn=config["FunctionArn"],
            region=config["FunctionArn"].split(":")[3],
            memory_mb=int(config["MemorySize"]),
            timeout_seconds=int(config["Timeout"]),
            variables=dict((config.get("Environment") or {}).get("Variables") or {}),
        )

    def environment(self, endpoint_url: str) -> dict[str, str]:
        """Its variables plus what Lambda's runtime sets, the emulator endpoint and fake credentials."""
        return {
            **self.variables,
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.timeout_seconds),
            # No X-Ray daemon locally.
            "POWERTOOLS_TRACE_DISABLED": "true",
        }


class _ThreadRouter:
    """A sys.stdout/sys.stderr stand-in: writes from function threads go to the function log (CloudWatch Logs,
    locally a file), everything else to the real stream, so progress bars stay readable."""

    def __init__(self, real: TextIO, log: TextIO, marker: threading.local) -> None:
        self._real, self._log, self._marker = real, log, marker

    def _target(self) -> TextIO:
        return self._log if getattr(self._marker, "function", False) else self._real

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


_function_thread = threading.local()


def mark_function_thread() -> None:
    """Called by each poller thread: its output is the function's log."""
    _function_thread.function = True


def _purge_function_modules() -> None:
    # Only the handler module holds per-cold-start state (settings, clients, Powertools objects); the modules
    # it uses are stateless, and keeping them keeps exception classes identical for the rest of the process.
    sys.modules.pop(HANDLER_MODULE, None)


class FunctionRuntime:
    """Context manager: environment set, logs routed, handler imported (a cold start); undone on exit."""

    def __init__(self, environment: Mapping[str, str], log_path: Path | None = None) -> None:
        self._environment = dict(environment)
        self._log_path = log_path
        self._saved: dict[str, str | None] = {}
        self._log: TextIO | None = None
        self._streams: tuple[TextIO, TextIO] | None = None
        self.handler: Handler | None = None

    def __enter__(self) -> FunctionRuntime:
        for name in (*CLEARED, *self._environment):
            self._saved[name] = os.environ.get(name)
        for name in CLEARED:
            os.environ.pop(name, None)
        os.environ.update(self._environment)
        if self._log_path is not None:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self._log_path.open("a", encoding="utf-8", buffering=1)
            self._streams = (sys.stdout, sys.stderr)
            sys.stdout = _ThreadRouter(sys.stdout, self._log, _function_thread)
            sys.stderr = _ThreadRouter(sys.stderr, self._log, _function_thread)
        return self

    def load_handler(self) -> Handler:
        """Import the handler fresh (its module-level code is the cold start)."""
        _purge_function_modules()
        module = importlib.import_module(HANDLER_MODULE)
        self.handler = module.lambda_handler
        return self.handler

    def __exit__(self, *_: object) -> None:
        _purge_function_modules()
        if self._streams is not None:
            sys.stdout, sys.stderr = self._streams
        if self._log is not None:
            self._log.close()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
