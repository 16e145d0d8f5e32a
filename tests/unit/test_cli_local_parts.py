"""The local stack's parts without a server: settings read from the Terraform, names, time scale, function
environment, alarms, the HCL expression subset, and the event source mapping's delete/retry rules."""

from __future__ import annotations

import json
import time
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
from imgpipe.local.alarms import alarm_specs
from imgpipe.local.esm import EventSourceMapping, MappingConfig
from imgpipe.local.function import function_environment
from imgpipe.local.hcl_eval import UnsupportedExpression, evaluate
from imgpipe.local.lambda_event import LambdaContext
from imgpipe.local.names import ResourceNames
from imgpipe.local.settings import TerraformSettings, load_settings
from imgpipe.local.timing import LocalTimings
from imgpipe.ops.errors import describe_error
from imgpipe.stack import StackError


@pytest.fixture(scope="module")
def dev() -> TerraformSettings:
    return load_settings("dev")


def test_settings_come_from_tfvars_then_root_defaults_then_module_defaults(dev: TerraformSettings) -> None:
    assert dev.integer("function_timeout_seconds") == 70  # terraform.tfvars
    assert dev.integer("max_receive_count") == 3  # terraform.tfvars (the root's default is 5)
    assert dev.text("log_level") == "INFO"  # modules/lambda_images default, the root does not set it


def test_heredoc_and_missing_values(tmp_path: Path) -> None:
    env = tmp_path / "environments" / "dev"
    env.mkdir(parents=True)
    (env / "variables.tf").write_text('variable "batch_size" {\n  type    = number\n  default = 10\n}\n')
    (env / "terraform.tfvars").write_text('variants = <<-EOT\n  [{"name": "x", "width": 10}]\nEOT\n')
    settings = load_settings("dev", root=tmp_path)
    assert json.loads(settings.text("variants")) == [{"name": "x", "width": 10}]
    assert settings.integer("batch_size") == 10
    with pytest.raises(StackError, match="max_receive_count is not set"):
        settings.integer("max_receive_count")
    with pytest.raises(StackError, match="unknown environment 'qa'"):
        load_settings("qa", root=tmp_path)


def test_names_are_evaluated_from_the_environment_root(dev: TerraformSettings) -> None:
    names = ResourceNames.from_settings(dev)
    assert (names.queue, names.dlq, names.table, names.topic, names.function) == (
        "imgpipe-dev-uploads",
        "imgpipe-dev-uploads-dlq",
        "imgpipe-dev-metadata",
        "imgpipe-dev-alarms",
        "imgpipe-dev-image-processor",
    )
    assert names.bucket == "imgpipe-dev-images-local"
    assert names.function_arn.endswith(":function:imgpipe-dev-image-processor")


@pytest.mark.parametrize(
    ("scale", "timeout", "visibility"), [(0.1, 7, 42), (1 / 70, 1, 6), (1 / 60, 2, 12), (1, 70, 420)]
)
def test_time_scale_keeps_visibility_at_six_function_timeouts(
    dev: TerraformSettings, scale: float, timeout: int, visibility: int
) -> None:
    timings = LocalTimings.from_settings(dev, scale)
    assert (timings.function_timeout_seconds, timings.visibility_timeout_seconds) == (timeout, visibility)


def test_function_environment_is_exactly_the_functions_variable_set(dev: TerraformSettings) -> None:
    environment = function_environment(dev, ResourceNames.from_settings(dev))
    assert set(environment) == ENVIRONMENT_VARIABLES
    assert environment["MAX_RECEIVE_COUNT"] == "3"
    assert environment["DESTINATION_BUCKET"] == "imgpipe-dev-images-local"
    assert function_environment(dev, ResourceNames.from_settings(dev), variants="half")["VARIANTS"] == "half"


def test_alarms_are_read_from_the_module(dev: TerraformSettings) -> None:
    names = ResourceNames.from_settings(dev)
    specs = alarm_specs(
        dev.root,
        dev,
        variables={
            "function_name": names.function,
            "queue_name": names.queue,
            "dlq_name": names.dlq,
            "alarm_topic_arn": "arn:topic",
            "timeout_seconds": 60,
        },
        resources={"aws_lambda_function": {"this": {"function_name": names.function}}},
    )
    by_name = {spec["AlarmName"]: spec for spec in specs}
    assert "imgpipe-dev-uploads-dlq-messages-visible" in by_name
    dlq = by_name["imgpipe-dev-uploads-dlq-messages-visible"]
    assert (dlq["Namespace"], dlq["MetricName"], dlq["Dimensions"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        [{"Name": "QueueName", "Value": "imgpipe-dev-uploads-dlq"}],
    )
    assert dlq["AlarmActions"] == ["arn:topic"]
    duration = by_name["imgpipe-dev-image-processor-duration-p95"]
    assert duration["Threshold"] == 48_000.0  # floor(60 s x 1000 x 0.8)


def test_hcl_subset_evaluates_references_and_refuses_anything_else() -> None:
    scope = {"var": {"n": "x", "t": 60}, "local": {"name": "${var.n}-dev"}}
    assert evaluate("${local.name}-uploads", scope) == "x-dev-uploads"
    assert evaluate("${floor(var.t * 1000 * 0.8)}", scope) == 48_000
    assert evaluate(["${var.t}"], scope) == [60]
    for bad in ("${__import__('os')}", "${var.missing}", "${data.aws_region.current.region}"):
        with pytest.raises(UnsupportedExpression):
            evaluate(bad, scope)


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
    def no_stack(**_: Any) -> None:
        raise AssertionError("the local stack must not start with a bad preset")

    monkeypatch.setattr(local_commands, "LocalStack", no_stack)
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
