"""Shared fixtures: fake AWS credentials, moto resources, the function's environment, a Lambda context.

Generic on purpose (the function, local-stack and Terraform tests use them):
- `aws_credentials`: fake credentials and region; variables that could reach a real account are removed.
- `aws`: an `AwsFactory` inside `moto.mock_aws()`: `bucket()`, `queue()`, `table()`, `notify()`, `client()`.
- `function_env`: `function_env(table, **overrides)` -> every variable of `ENVIRONMENT_VARIABLES`, as
  Terraform would set it (defaults from docs/function.md).
- `lambda_context`: a `FakeLambdaContext` (tests/function_events.py), with a request id of its own.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3

# Imported before any test creates a client: moto's botocore hook is then on every client (including those the
# handler module creates at import) and routes it to moto whenever a mock is active.
import moto
import pytest

from image_processor.adapters.metadata import table_definition
from image_processor.records import TTL_ATTRIBUTE
from tests.function_env import function_environment
from tests.function_events import REGION, FakeLambdaContext

# Terraform and its AWS provider are Go programs that build a schema of the whole provider on every start, and
# the suites start them hundreds of times: a less eager garbage collector takes a quarter off their CPU time
# (lambda_images' suites: 30.4 -> 22.1 s of CPU) for ~40 MB more per process. A value the caller set wins.
os.environ.setdefault("GOGC", "400")

REAL_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed region; nothing in the environment can reach a real AWS account."""
    for name in REAL_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    # Outside Lambda, Powertools disables tracing by itself; say so explicitly anyway.
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


@dataclass(frozen=True)
class Queue:
    url: str
    arn: str
    name: str


class AwsFactory:
    """Creates moto resources with sensible defaults; every method returns what a test needs to use them."""

    def __init__(self, region: str = REGION) -> None:
        self.region = region
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    def bucket(self, name: str | None = None, *, versioned: bool = False) -> str:
        name = name or f"imgpipe-test-{uuid.uuid4().hex[:8]}"
        s3 = self.client("s3")
        location = {} if self.region == "us-east-1" else {"LocationConstraint": self.region}
        s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
        if versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def queue(
        self,
        name: str | None = None,
        *,
        dead_letter: Queue | None = None,
        max_receive_count: int = 3,
        visibility_timeout: int = 30,
    ) -> Queue:
        """A standard queue; with `dead_letter`, a redrive policy after `max_receive_count` receives."""
        name = name or f"imgpipe-test-{uuid.uuid4().hex[:8]}"
        attributes = {"VisibilityTimeout": str(visibility_timeout)}
        if dead_letter is not None:
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dead_letter.arn, "maxReceiveCount": str(max_receive_count)}
            )
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Queue(url=url, arn=arn, name=name)

    def table(self, name: str | None = None, *, ttl: bool = False) -> str:
        """The metadata table exactly as the function expects it (keys and the `by_status` index)."""
        name = name or f"imgpipe-test-{uuid.uuid4().hex[:8]}"
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(**table_definition(name))
        if ttl:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
            )
        return name

    def notify(self, bucket: str, queue: Queue, prefix: str = "uploads/") -> None:
        """S3 -> SQS notifications for ObjectCreated under `prefix` (moto then sends the s3:TestEvent)."""
        self.client("s3").put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": queue.arn,
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
                    }
                ]
            },
        )

    def stack_outputs(self, name: str = "imgpipe-test") -> dict[str, dict[str, Any]]:
        """A small stack in the shape of the environments' outputs (bucket, queue + DLQ, table, topic, two
        alarms), for the operator commands' unit tests. What the Terraform really builds is tested on the
        applied stack (tests/e2e)."""
        bucket = self.bucket(f"{name}-images", versioned=True)
        dlq = self.queue(f"{name}-uploads-dlq")
        queue = self.queue(f"{name}-uploads", dead_letter=dlq, visibility_timeout=6)
        table = self.table(f"{name}-metadata")
        topic = self.client("sns").create_topic(Name=f"{name}-alarms")["TopicArn"]
        alarms = [f"{name}-image-processor-errors", f"{dlq.name}-messages-visible"]
        for alarm in alarms:
            self.client("cloudwatch").put_metric_alarm(
                AlarmName=alarm,
                Namespace="AWS/Lambda",
                MetricName="Errors",
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=0,
                ComparisonOperator="GreaterThanThreshold",
                AlarmActions=[topic],
            )
        values = {
            "bucket_name": bucket,
            "queue_url": queue.url,
            "queue_arn": queue.arn,
            "dlq_url": dlq.url,
            "dlq_arn": dlq.arn,
            "metadata_table_name": table,
            "alarm_topic_arn": topic,
            "alarm_names": alarms,
            "function_name": f"{name}-image-processor",
            "aws_region": self.region,
            "source_prefix": "uploads/",
            "destination_prefix": "processed/",
        }
        return {key: {"value": value} for key, value in values.items()}


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[AwsFactory]:
    with moto.mock_aws():
        yield AwsFactory()


@pytest.fixture
def function_env() -> Callable[..., dict[str, str]]:
    """`function_env(table, VARIANTS="half", ...)`: the full function environment, overrides applied."""
    return function_environment


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(aws_request_id=str(uuid.uuid4()))


# --- the applied stack: environments/dev on the local emulator, by `terraform apply` -----------------------

# The function timeout of the applied stack: its queue's visibility timeout is 6 s, so a trip to the DLQ
# (dev's max_receive_count = 3 receives) takes seconds.
APPLIED_FUNCTION_TIMEOUT_SECONDS = 1
LOCAL_STACK_GROUP = "local-stack"


@pytest.fixture(scope="session")
def applied_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The emulator with environments/dev applied by Terraform, once per test session (one xdist worker runs
    every test of the `local-stack` group). The group's last test destroys it (tests/e2e/test_cycle.py)."""
    from imgpipe.local.twin import LocalStack  # noqa: PLC0415  (only the tests that use it pay the import)

    outputs = tmp_path_factory.mktemp("applied") / "outputs.json"
    variables = {"function_timeout_seconds": APPLIED_FUNCTION_TIMEOUT_SECONDS}
    with LocalStack(outputs_path=outputs, variables=variables) as local:
        yield local


def pytest_configure(config: pytest.Config) -> None:
    # The interpreters tests start (the hostile runner, the CLI, the emulator, import probes) must import the
    # code under test as this process does, ahead of an installed copy that may be another checkout's.
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    ours = [str(path) for path in config.getini("pythonpath") if str(path) not in inherited]
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([*ours, *inherited])
    config.add_cleanup(lambda: _restore("PYTHONPATH", saved))


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The test that destroys the applied stack runs after every other test of its group."""
    items.sort(key=lambda item: item.get_closest_marker("destroys_stack") is not None)
