"""Helpers for the end-to-end tests: polling, the applied queue's settings, the CLI as an operator runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imgpipe.stack import Stack


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def queue_settings(stack: Stack) -> tuple[int, int]:
    """The main queue's visibility timeout and maxReceiveCount, as Terraform set them."""
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.queue_url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
    )["Attributes"]
    return int(attributes["VisibilityTimeout"]), int(
        json.loads(attributes["RedrivePolicy"])["maxReceiveCount"]
    )


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, timeout: float = 120) -> CliResult:
    """`imgpipe ARGS` in its own process, as against a running `imgpipe local up`.

    Not click's CliRunner: the local stack runs the function in this process, and Powertools prints its EMF
    metrics to whatever `sys.stdout` is at that moment, which during a CliRunner call is the captured output.
    """
    done = subprocess.run(
        [sys.executable, "-c", "from imgpipe.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)
