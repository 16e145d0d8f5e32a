"""Find a deployed (or local) stack from its outputs and hand out boto3 clients for it.

The CLI never guesses resource names: everything comes from `terraform output -json` of an environment root,
or from a file of the same shape (the local stack writes one). Configuration problems raise `StackError`,
which the CLI prints as one line with exit status 2.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import boto3
from botocore.config import Config

REQUIRED_OUTPUTS = (
    "bucket_name",
    "queue_url",
    "dlq_url",
    "metadata_table_name",
    "alarm_topic_arn",
    "function_name",
)
# The local emulator accepts any credentials; these are only used when none are configured.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
DEFAULT_REGION = "us-east-1"


class StackError(Exception):
    """The stack cannot be found or used: a configuration problem (exit status 2)."""


@dataclass(frozen=True)
class Outputs:
    """The stack outputs, flattened from the `{"name": {"value": ...}}` shape."""

    values: Mapping[str, Any]
    source: str

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def require(self, name: str) -> str:
        value = self.values.get(name)
        if not value:
            raise StackError(f"{self.source} has no output {name!r}")
        return str(value)

    @property
    def endpoint_url(self) -> str | None:
        value = self.values.get("endpoint_url")
        return str(value) if value else None

    @property
    def alarm_names(self) -> tuple[str, ...]:
        return tuple(str(name) for name in self.values.get("alarm_names") or ())


def parse_outputs(data: Any, source: str) -> Outputs:
    """Accept `terraform output -json` (`{"x": {"value": v, ...}}`) or a flat `{"x": v}` mapping."""
    if not isinstance(data, Mapping):
        raise StackError(f"{source} is not a JSON object of outputs")
    values = {
        str(name): (item["value"] if isinstance(item, Mapping) and "value" in item else item)
        for name, item in data.items()
    }
    if not values:
        raise StackError(
            f"{source} has no outputs (has the stack been applied / is `imgpipe local up` running?)"
        )
    missing = [name for name in REQUIRED_OUTPUTS if not values.get(name)]
    if missing:
        raise StackError(f"{source} lacks the outputs: {', '.join(missing)}")
    return Outputs(values=values, source=source)


def load_outputs_file(path: Path) -> Outputs:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StackError(
            f"outputs file {path} not found (start the local stack with `imgpipe local up`)"
        ) from None
    except OSError as exc:
        raise StackError(f"cannot read outputs file {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StackError(f"outputs file {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    return parse_outputs(data, f"outputs file {path}")


def environments_dir() -> Path:
    """`environments/` of the checkout: the working directory's if it has one, else the one beside `src/`."""
    here = Path.cwd() / "environments"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "environments"


def load_env_outputs(env: str, base: Path | None = None) -> Outputs:
    """Run `terraform output -json` in `environments/<env>`."""
    base = base or environments_dir()
    known = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    if env not in known:
        raise StackError(f"unknown environment {env!r} (known: {', '.join(known) or 'none'} under {base})")
    terraform = shutil.which("terraform")
    if terraform is None:
        raise StackError("terraform is not on PATH: install it, or pass --outputs FILE")
    terraform = str(Path(terraform).resolve())  # it runs in the environment's directory
    environ = dict(os.environ)
    if environ.get("AWS_ENDPOINT_URL"):
        # `make apply ENV=... ` against the emulator keeps its working data apart (scripts/terraform_env.py).
        environ.setdefault("TF_DATA_DIR", str(base.parent / "build" / "terraform" / f"emulator-{env}"))
    try:
        done = subprocess.run(
            [terraform, "output", "-json", "-no-color"],
            cwd=base / env,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StackError(f"`terraform output -json` in environments/{env} timed out") from None
    except OSError as exc:
        raise StackError(f"cannot run {terraform}: {exc.strerror}") from None
    if done.returncode != 0:
        raise StackError(f"`terraform output -json` in environments/{env}: {_terraform_error(done.stderr)}")
    try:
        data = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        raise StackError(f"`terraform output -json` in environments/{env} did not print JSON") from None
    return parse_outputs(data, f"environment {env!r} (terraform output)")


def _terraform_error(stderr: str) -> str:
    """The `Error: ...` line of terraform's boxed diagnostics (warnings come first and are not the point)."""
    lines = [line.strip("\u2502\u2577\u2575 ").strip() for line in stderr.splitlines()]
    errors = [line for line in lines if line.startswith("Error:")]
    return (errors or [line for line in lines if line] or ["failed"])[0]


class _Output:
    """A stack output the commands cannot do without, read as an attribute of the `Stack`."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, stack: None, owner: type[Stack]) -> _Output: ...
    @overload
    def __get__(self, stack: Stack, owner: type[Stack] | None = None) -> str: ...
    def __get__(self, stack: Stack | None, owner: type[Stack] | None = None) -> str | _Output:
        # Looked up on the class (help(), mock's spec), it is itself, as a property would be.
        return self if stack is None else stack.outputs.require(self.name)

    def __set__(self, stack: Stack, value: object) -> None:
        raise AttributeError(f"{self.name} is an output of the stack, not to be set on it")


@dataclass
class Stack:
    """Outputs plus a boto3 session pointed at the right endpoint; clients are created once each."""

    outputs: Outputs
    session: boto3.session.Session
    endpoint_url: str | None
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.session.region_name or DEFAULT_REGION

    def client(self, service: str) -> Any:
        if service not in self._clients:
            # Operator commands are interactive: fail fast rather than retry for a minute.
            config = Config(
                retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30
            )
            self._clients[service] = self.session.client(
                service, endpoint_url=self.endpoint_url, config=config
            )
        return self._clients[service]

    bucket = _Output("bucket_name")
    queue_url = _Output("queue_url")
    dlq_url = _Output("dlq_url")
    table = _Output("metadata_table_name")
    source_prefix = _Output("source_prefix")  # uploads under it are processed
    destination_prefix = _Output("destination_prefix")  # variants are written under it

    def source_key(self, path: str) -> str:
        """`2026/cat.jpg` and `uploads/2026/cat.jpg` both mean the upload `uploads/2026/cat.jpg`."""
        path = path.lstrip("/")
        return path if path.startswith(self.source_prefix) else self.source_prefix + path

    def queue_arn(self, url: str) -> str:
        known = {self.queue_url: "queue_arn", self.dlq_url: "dlq_arn"}.get(url)
        if known and self.outputs.get(known):
            return str(self.outputs.get(known))
        attributes = self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])


def open_stack(outputs: Outputs) -> Stack:
    """A session for the outputs: their region; endpoint from `endpoint_url` or AWS_ENDPOINT_URL."""
    endpoint = outputs.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    region = outputs.get("aws_region") or None
    session = boto3.session.Session(region_name=region)
    if session.region_name is None:
        session = boto3.session.Session(region_name=DEFAULT_REGION)
    if session.get_credentials() is None:
        if not outputs.endpoint_url:
            raise StackError(
                "no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            )
        session = boto3.session.Session(region_name=session.region_name, **LOCAL_CREDENTIALS)
    return Stack(outputs=outputs, session=session, endpoint_url=endpoint)


@dataclass
class StackRef:
    """What the `imgpipe` group options selected; resolved only by the commands that need AWS."""

    outputs_file: Path | None = None
    env: str | None = None
    _stack: Stack | None = None

    def open(self) -> Stack:
        if self._stack is None:
            if self.outputs_file and self.env:
                raise StackError("pass either --outputs or --env, not both")
            if self.outputs_file:
                outputs = load_outputs_file(self.outputs_file)
            elif self.env:
                outputs = load_env_outputs(self.env)
            else:
                raise StackError(
                    "no stack selected: pass --outputs FILE or --env NAME (or IMGPIPE_OUTPUTS / IMGPIPE_ENV)"
                )
            self._stack = open_stack(outputs)
        return self._stack
