"""The local twin: the emulator, environments/dev applied to it by Terraform, and the function consuming it.

`LocalStack` starts the emulator and runs the real `terraform init` + `apply` of `environments/dev`, the same
root and modules as a deployment, with the S3 backend on a state bucket in the emulator. Local differences are
Terraform variables only: `environments/dev/emulator.tfvars` (kept with the root) plus any the caller passes.
`LocalFunction` then runs `image_processor.handler.lambda_handler` in this process with the configuration
Terraform gave the deployed function, fed by a local event source mapping configured like the deployed one;
the deployed mapping stays disabled (`processing_enabled = false`), so moto never consumes the queue itself.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Self

import boto3

from imgpipe.local.emulator import Emulator
from imgpipe.local.esm import EventSourceMapping, Handler, MappingConfig
from imgpipe.local.function import DeployedFunction, FunctionRuntime, mark_function_thread
from imgpipe.stack import LOCAL_CREDENTIALS, Stack, StackError, open_stack, parse_outputs
from imgpipe.terraform import ROOT, Terraform, TerraformError, artifacts_lock

logger = logging.getLogger(__name__)

DEFAULT_OUTPUTS = Path("build/local/outputs.json")
DEFAULT_FUNCTION_LOG = Path("build/local/function.log")
ENVIRONMENT = "dev"
EMULATOR_TFVARS = "emulator.tfvars"
STATE_BUCKET = "imgpipe-local-tfstate"
STATE_REGION = "us-east-1"
# What would reach a real account from terraform or boto3 in this process.
_REAL_AWS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN")

Progress = Callable[[dict[str, Any]], None]


def build_artifacts(terraform: Terraform, var_files: list[Path], variables: Mapping[str, Any]) -> None:
    """build/function.zip, and build/layer-<arch>.zip for the root's architecture unless it is up to date
    (as `make plan|apply` builds them, so both hash the same zips)."""
    python = sys.executable
    arch = terraform.evaluate("var.function_architecture", variables, var_files)
    layer = [python, str(ROOT / "layers" / "build.py"), "--arch", str(arch), "--if-stale"]
    with artifacts_lock():
        _run([python, str(ROOT / "scripts" / "package_function.py")], "packaging the function")
        _run(layer, f"building the {arch} layer")


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["failed"]
        raise StackError(f"{what} failed: {last[0]}")


class _StartOrUndo:
    """A context manager that cleans up after a failed start: `__exit__` copes with a half-done `_start`."""

    def _start(self) -> None:
        raise NotImplementedError

    def __exit__(self, *_: object) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self


class LocalStack(_StartOrUndo):
    """`with LocalStack() as local:` the emulator with environments/dev applied; leaving stops it."""

    def __init__(
        self,
        *,
        port: int = 0,
        outputs_path: Path | None = DEFAULT_OUTPUTS,
        variables: Mapping[str, Any] | None = None,
        on_progress: Progress | None = None,
        work_dir: Path | None = None,
    ) -> None:
        self.emulator = Emulator(port)
        self.outputs_path = outputs_path
        self.variables = dict(variables or {})
        self.on_progress = on_progress
        self.root = ROOT / "environments" / ENVIRONMENT
        self.var_files = [self.root / EMULATOR_TFVARS]
        self.work_dir = work_dir or ROOT / "build" / "local" / f"terraform-{self.emulator.port}"
        self.outputs: dict[str, dict[str, Any]] = {}
        self.terraform: Terraform | None = None
        self._stack: Stack | None = None

    @property
    def endpoint_url(self) -> str:
        return self.emulator.endpoint_url

    @property
    def stack(self) -> Stack:
        """The same view of the stack the operator commands get from the outputs file."""
        if self._stack is None:
            self._stack = open_stack(parse_outputs(self.outputs, "local stack outputs"))
        return self._stack

    def environ(self) -> dict[str, str]:
        """The environment Terraform runs in: the emulator's endpoint and its fake credentials only."""
        env = {
            k: v for k, v in os.environ.items() if k not in _REAL_AWS and not k.startswith("AWS_ENDPOINT_URL")
        }
        env["AWS_ENDPOINT_URL"] = self.endpoint_url
        env["AWS_ACCESS_KEY_ID"] = LOCAL_CREDENTIALS["aws_access_key_id"]
        env["AWS_SECRET_ACCESS_KEY"] = LOCAL_CREDENTIALS["aws_secret_access_key"]
        return env

    def _start(self) -> None:
        self.emulator.__enter__()
        session = boto3.session.Session(region_name=STATE_REGION, **LOCAL_CREDENTIALS)
        session.client("s3", endpoint_url=self.endpoint_url).create_bucket(Bucket=STATE_BUCKET)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        terraform = Terraform(self.root, data_dir=self.work_dir, environ=self.environ())
        self.terraform = terraform
        self._progress({"type": "imgpipe", "@message": "terraform init"})
        terraform.init(backend=self.backend_config())
        build_artifacts(terraform, self.var_files, self.variables)
        terraform.apply(self.variables, self.var_files, on_event=self._progress)
        self.outputs = terraform.outputs() | {"endpoint_url": {"value": self.endpoint_url}}
        if self.outputs_path is not None:
            self.outputs_path.parent.mkdir(parents=True, exist_ok=True)
            self.outputs_path.write_text(json.dumps(self.outputs, indent=2) + "\n", encoding="utf-8")

    @staticmethod
    def backend_config() -> list[str]:
        """The environments' S3 backend (native lock file included), on the emulator's S3."""
        return [
            f"bucket={STATE_BUCKET}",
            f"region={STATE_REGION}",
            f"key=imgpipe/{ENVIRONMENT}/terraform.tfstate",
            "use_path_style=true",
        ]

    def _progress(self, event: dict[str, Any]) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def destroy(self) -> None:
        """`terraform destroy` of the applied stack (the emulator keeps running)."""
        if self.terraform is None:
            raise TerraformError("the local stack was never applied")
        self.terraform.apply(self.variables, self.var_files, on_event=self._progress, destroy=True)
        self.outputs = {}
        self._stack = None

    def __exit__(self, *_: object) -> None:
        self.emulator.__exit__()
        shutil.rmtree(self.work_dir, ignore_errors=True)
        # The endpoint in it is dead now: a stale file would only mislead the next command.
        if self.outputs_path is not None and self.outputs_path.exists():
            self.outputs_path.unlink()


class LocalFunction(_StartOrUndo):
    """`with LocalFunction(stack):` the deployed function's code and configuration, fed by a local mapping."""

    def __init__(
        self,
        stack: Stack,
        *,
        pollers: int | None = None,
        wrap_handler: Callable[[Handler], Handler] | None = None,
        function_log: Path | None = DEFAULT_FUNCTION_LOG,
    ) -> None:
        self.stack = stack
        self.pollers = pollers
        self.wrap_handler = wrap_handler
        self.function_log = function_log
        self.function: DeployedFunction | None = None
        self.mapping: EventSourceMapping | None = None
        self._runtime: FunctionRuntime | None = None

    def mapping_config(self, function: DeployedFunction) -> MappingConfig:
        """The local mapping, configured like the mapping Terraform created for the function."""
        queue_arn = self.stack.queue_arn(self.stack.queue_url)
        found = self.stack.client("lambda").list_event_source_mappings(EventSourceArn=queue_arn)
        mapping = next((m for m in found["EventSourceMappings"] if m["FunctionArn"] == function.arn), None)
        if mapping is None:
            raise StackError(f"{function.name} has no event source mapping for {queue_arn}")
        concurrency = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency") or 2
        return MappingConfig(
            queue_url=self.stack.queue_url,
            queue_arn=queue_arn,
            region=function.region,
            function_name=function.name,
            function_arn=function.arn,
            memory_mb=function.memory_mb,
            timeout_seconds=function.timeout_seconds,
            batch_size=int(mapping["BatchSize"]),
            batching_window_seconds=float(mapping.get("MaximumBatchingWindowInSeconds") or 0),
            # Lambda's SQS poller fleet is capped by maximum_concurrency: one local poller per slot.
            pollers=self.pollers or int(concurrency),
        )

    def _start(self) -> None:
        endpoint = self.stack.endpoint_url
        if endpoint is None:
            raise StackError("the local function needs the emulator's endpoint_url in the stack outputs")
        function = DeployedFunction.read(
            self.stack.client("lambda"), self.stack.outputs.require("function_name")
        )
        self.function = function
        config = self.mapping_config(function)
        self._runtime = FunctionRuntime(function.environment(endpoint), self.function_log).__enter__()
        handler = self._runtime.load_handler()
        if self.wrap_handler is not None:
            handler = self.wrap_handler(handler)
        self.mapping = EventSourceMapping(
            self.stack.client("sqs"),
            config,
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
