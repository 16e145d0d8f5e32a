"""The user's own cycle on the emulator: `terraform apply` (the session's applied stack) -> an upload
processed end to end -> a second plan shows only what the emulator does not store -> `make plan ENV=dev`
sees the same stack -> `terraform destroy` leaves no bucket, queue, table, function or alarm.

The destroy test runs after every other test of the `local-stack` group (tests/conftest.py orders it last).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from image_processor.config import ENVIRONMENT_VARIABLES
from imgpipe.local.function import DeployedFunction
from imgpipe.local.twin import STATE_BUCKET, STATE_REGION, LocalFunction, LocalStack
from imgpipe.ops import metadata
from imgpipe.terraform import Change
from tests.e2e.helpers import wait_for
from tests.fixtures_images import photo_jpeg

REPO = Path(__file__).resolve().parents[2]
# What the AWS provider reads back from moto differently from what it wrote, so that a plan right after the
# apply proposes to write it again; AWS stores it, so on AWS this plan shows no changes. moto keeps no key
# rotation period (GetKeyRotationStatus has no RotationPeriodInDays). Nothing else may differ: a difference
# of ours (a value the provider normalises, a computed argument we set) would show here.
EMULATOR_DIFFERENCES = [
    Change("module.kms.aws_kms_key.this", ("update",), ("rotation_period_in_days",)),
]


def test_the_deployed_function_gets_exactly_the_variables_it_reads(applied_stack: LocalStack) -> None:
    stack = applied_stack.stack
    deployed = DeployedFunction.read(stack.client("lambda"), stack.outputs.require("function_name"))
    assert set(deployed.variables) == ENVIRONMENT_VARIABLES
    assert deployed.variables["DESTINATION_BUCKET"] == stack.bucket
    assert deployed.variables["METADATA_TABLE"] == stack.table
    assert (deployed.variables["SOURCE_PREFIX"], deployed.variables["DESTINATION_PREFIX"]) == (
        stack.source_prefix,
        stack.destination_prefix,
    )


def test_a_second_plan_changes_only_what_the_emulator_does_not_store(applied_stack: LocalStack) -> None:
    assert applied_stack.terraform is not None
    changes = applied_stack.terraform.plan_changes(applied_stack.variables, applied_stack.var_files)
    assert changes == EMULATOR_DIFFERENCES


def make_plan(
    applied_stack: LocalStack, environment: str, tf_args: list[str]
) -> subprocess.CompletedProcess[str]:
    """The user's own `make plan ENV=...`, pointed at the emulator as docs/deploy.md describes
    (AWS_ENDPOINT_URL and the emulator's state bucket); each environment has its own state key there."""
    env = {
        **applied_stack.environ(),
        "IMGPIPE_STATE_BUCKET": STATE_BUCKET,
        "IMGPIPE_STATE_REGION": STATE_REGION,
    }
    done = subprocess.run(
        ["make", "plan", f"ENV={environment}", f"TF_ARGS={' '.join(['-no-color', *tf_args])}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_make_plan_env_dev_reads_the_same_state_on_the_emulator(applied_stack: LocalStack) -> None:
    # GIVEN the variables this session applied
    arguments = [f"-var-file={path.name}" for path in applied_stack.var_files]
    arguments += [f"-var={name}={value}" for name, value in applied_stack.variables.items()]
    # WHEN `make plan ENV=dev` runs
    done = make_plan(applied_stack, "dev", arguments)
    # THEN it plans against the applied state: only the emulator's differences
    assert f"Plan: 0 to add, {len(EMULATOR_DIFFERENCES)} to change, 0 to destroy." in done.stdout, (
        done.stdout[-3000:]
    )


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_make_plan_of_the_other_environments_creates_their_dashboard(
    applied_stack: LocalStack, environment: str
) -> None:
    # GIVEN an environment not applied here (its own, empty state on the emulator)
    # WHEN `make plan ENV=<environment>` runs (it builds that environment's layer architecture itself)
    done = make_plan(applied_stack, environment, [])
    # THEN the plan creates the whole stack, the dashboard among it, and its URL is an output
    assert "module.lambda_images.aws_cloudwatch_dashboard.this will be created" in done.stdout
    assert "+ dashboard_url" in done.stdout, done.stdout[-3000:]
    assert "to change, 0 to destroy." in done.stdout and "Plan: 0 to add" not in done.stdout


@pytest.mark.destroys_stack
def test_apply_process_destroy_leaves_nothing_behind(applied_stack: LocalStack) -> None:
    stack = applied_stack.stack
    assert len(stack.outputs.alarm_names) == 5
    # GIVEN an upload processed end to end on the applied stack
    with LocalFunction(stack, function_log=None):
        stack.client("s3").put_object(
            Bucket=stack.bucket, Key="uploads/cycle/last.jpg", Body=photo_jpeg((64, 48))
        )
        wait_for(
            lambda: (metadata.get(stack, "uploads/cycle/last.jpg") or {}).get("status") == "PROCESSED",
            30,
            "the upload to be processed",
        )
    s3, sqs, dynamodb = stack.client("s3"), stack.client("sqs"), stack.client("dynamodb")
    lambda_client, cloudwatch = stack.client("lambda"), stack.client("cloudwatch")

    # WHEN the stack is destroyed with Terraform (dev has force_destroy: the bucket goes with its objects)
    began = time.monotonic()
    applied_stack.destroy()
    seconds = time.monotonic() - began
    print(f"terraform destroy: {seconds:.0f} s", file=sys.stderr)

    # THEN nothing of it is left; only the state bucket (the backend's, not the stack's) remains
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [STATE_BUCKET]
    assert sqs.list_queues().get("QueueUrls", []) == []
    assert dynamodb.list_tables()["TableNames"] == []
    assert lambda_client.list_functions()["Functions"] == []
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
