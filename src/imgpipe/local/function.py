"""The function's execution environment in this process: its environment variables, its logs, its cold start.

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
from pathlib import Path
from typing import Any, TextIO

from imgpipe.local.names import ResourceNames
from imgpipe.local.settings import TerraformSettings
from imgpipe.local.timing import LocalTimings
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


def function_environment(
    settings: TerraformSettings, names: ResourceNames, variants: str | None = None
) -> dict[str, str]:
    """The set modules/lambda_images sets (config.ENVIRONMENT_VARIABLES), from the same values."""
    inputs = names.function_inputs
    return {
        "METADATA_TABLE": names.table,
        "SOURCE_PREFIX": str(inputs["source_prefix"]),
        "DESTINATION_PREFIX": str(inputs["destination_prefix"]),
        # The root passes the stack's own bucket.
        "DESTINATION_BUCKET": names.bucket,
        "VARIANTS": variants or settings.text("variants"),
        "MAX_INPUT_PIXELS": str(settings.integer("max_input_pixels")),
        "MAX_INPUT_BYTES": str(settings.integer("max_input_bytes")),
        "CACHE_CONTROL": settings.text("cache_control"),
        "MAX_RECEIVE_COUNT": str(settings.integer("max_receive_count")),
        "METADATA_TTL_DAYS": str(settings.integer("metadata_ttl_days")),
        "POWERTOOLS_SERVICE_NAME": str(inputs["service_name"]),
        "POWERTOOLS_METRICS_NAMESPACE": str(inputs["metrics_namespace"]),
        # Not set by the root: modules/lambda_images' default.
        "POWERTOOLS_LOG_LEVEL": settings.text("log_level").upper(),
    }


def runtime_environment(
    names: ResourceNames, settings: TerraformSettings, timings: LocalTimings, endpoint_url: str
) -> dict[str, str]:
    """What Lambda's runtime sets, plus the emulator endpoint and fake credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
        "AWS_REGION": names.region,
        "AWS_DEFAULT_REGION": names.region,
        "AWS_LAMBDA_FUNCTION_NAME": names.function,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(settings.integer("function_memory_mb")),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timings.function_timeout_seconds),
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
