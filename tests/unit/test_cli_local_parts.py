"""The local twin's parts without an emulator: the function's configuration read from the deployed function,
the event source mapping's delete/retry rules, and the CLI's refusals before anything starts."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

import imgpipe.commands.local as local_commands
from image_processor.config import ENVIRONMENT_VARIABLES, ConfigError
from imgpipe.cli import main
from imgpipe.local.esm import EventSourceMapping, MappingConfig
from imgpipe.local.function import DeployedFunction
from imgpipe.local.lambda_event import LambdaContext
from imgpipe.ops.errors import describe_error

# --- the function's configuration comes from the deployed function -----------------------------------------


def test_the_local_runtime_takes_the_deployed_functions_configuration(aws_credentials: None) -> None:
    # GIVEN a function as Terraform configures one (here created directly in moto)
    with mock_aws():
        iam = boto3.client("iam", region_name="eu-west-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        variables = {name: f"value-{name}" for name in ENVIRONMENT_VARIABLES}
        boto3.client("lambda", region_name="eu-west-1").create_function(
            FunctionName="fn",
            Runtime="python3.12",
            Role=role,
            Handler="image_processor.handler.lambda_handler",
            Code={"ZipFile": _zip()},
            Timeout=7,
            MemorySize=1769,
            Environment={"Variables": variables},
        )
        # WHEN the local runtime reads it
        function = DeployedFunction.read(boto3.client("lambda", region_name="eu-west-1"), "fn")
    # THEN it runs with exactly its variables, plus what Lambda's runtime sets and the emulator's endpoint
    environment = function.environment("http://127.0.0.1:1")
    assert {k: environment[k] for k in ENVIRONMENT_VARIABLES} == variables
    assert (function.timeout_seconds, function.memory_mb, function.region) == (7, 1769, "eu-west-1")
    assert environment["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "7"
    assert environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert set(environment) - set(variables) == {
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_TIMEOUT",
        "POWERTOOLS_TRACE_DISABLED",
    }


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return None\n")
    return out.getvalue()


# --- the event source mapping's rules ---------------------------------------------------------------------


class Queue:
    def __init__(self) -> None:
        self.sqs = boto3.client("sqs", region_name="eu-west-1")
        self.url = self.sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]

    def receive(self, count: int) -> list[dict[str, Any]]:
        for n in range(count):
            self.sqs.send_message(QueueUrl=self.url, MessageBody=f"body-{n}")
        messages: list[dict[str, Any]] = []
        while len(messages) < count:
            messages += self.sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        return messages

    def in_flight(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def queue(aws_credentials: None) -> Iterator[Queue]:
    with mock_aws():
        yield Queue()


def mapping(queue: Queue, handler: Any, timeout: float = 5) -> EventSourceMapping:
    config = MappingConfig(
        queue_url=queue.url,
        queue_arn="arn:aws:sqs:eu-west-1:123456789012:q",
        region="eu-west-1",
        function_name="fn",
        function_arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
        memory_mb=1024,
        timeout_seconds=timeout,
        batch_size=10,
        batching_window_seconds=0,
    )
    return EventSourceMapping(queue.sqs, config, handler)


def test_records_not_reported_failed_are_deleted(queue: Queue) -> None:
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        seen.append(event)
        assert 0 < context.get_remaining_time_in_millis() <= 5000
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    esm = mapping(queue, handler)
    esm._invoke(queue.receive(3))
    record = seen[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:123456789012:q"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert (esm.stats.deleted, esm.stats.item_failures, queue.in_flight()) == (2, 1, 1)


@pytest.mark.parametrize(
    "outcome",
    ["raises", "unknown id", "too slow"],
)
def test_whole_batch_fails_on_exception_invalid_response_or_timeout(queue: Queue, outcome: str) -> None:
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if outcome == "raises":
            raise RuntimeError("BatchProcessingError: all records failed")
        if outcome == "too slow":
            time.sleep(1.1)
            return {"batchItemFailures": []}
        return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}

    esm = mapping(queue, handler, timeout=1)
    esm._invoke(queue.receive(2))
    assert (esm.stats.deleted, esm.stats.batch_failures, queue.in_flight()) == (0, 1, 2)


@pytest.mark.parametrize("command", ["run", "up"])
def test_a_bad_preset_is_a_usage_error_before_the_stack_starts(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_stack(*_: Any, **__: Any) -> None:
        raise AssertionError("the local stack must not start with a bad preset")

    monkeypatch.setattr(local_commands, "start_local_stack", no_stack)
    args = ["--images", str(tmp_path)] if command == "run" else []
    # GIVEN a preset that does not exist WHEN `imgpipe local run|up` starts
    result = CliRunner().invoke(main, ["local", command, *args, "--preset", "bogus"], prog_name="imgpipe")
    # THEN it is a usage error: exit 2, one line naming the option
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "error: Invalid value for '--preset': variants: unknown preset 'bogus'; use one of default, half, web"
        f" or a JSON list (see 'imgpipe local {command} --help')"
    ]


def test_a_function_configuration_error_is_a_configuration_error_exit_2() -> None:
    assert describe_error(ConfigError("VARIANTS", "at least one variant is required")) == (
        "VARIANTS: at least one variant is required",
        2,
    )
