"""GIVEN a function that fails some records transiently WHEN they exhaust maxReceiveCount THEN they reach the
DLQ (the rest are processed and deleted); AND WHEN the failure is gone and an operator runs
`imgpipe dlq redrive`, THEN they are processed and nothing is lost."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from imgpipe.local.esm import Handler
from imgpipe.local.twin import LocalFunction, LocalStack
from imgpipe.ops import dlq, metadata
from tests.e2e.helpers import queue_settings, run_cli, wait_for
from tests.fixtures_images import photo_jpeg

FLAKY = "flaky"


class Outage:
    """Wraps the real handler: while `active`, records naming a `flaky` key fail the way a throttled call
    does (reported in batchItemFailures); the others go to the real handler. When every record of a batch
    fails, it raises instead, as Powertools does (BatchProcessingError): the whole batch is retried."""

    def __init__(self) -> None:
        self.active = threading.Event()
        self.active.set()
        self.failed_receives = 0

    def wrap(self, real: Handler) -> Handler:
        def handler(event: dict[str, Any], context: Any) -> Any:
            records = event["Records"]
            failing = [r for r in records if self.active.is_set() and FLAKY in r["body"]]
            if failing and len(failing) == len(records):
                self.failed_receives += len(failing)
                raise RuntimeError("simulated outage: every record failed")
            healthy = [r for r in records if r not in failing]
            response = real({**event, "Records": healthy}, context) if healthy else {"batchItemFailures": []}
            self.failed_receives += len(failing)
            failures = list(response.get("batchItemFailures", []))
            return {"batchItemFailures": failures + [{"itemIdentifier": r["messageId"]} for r in failing]}

        return handler


@pytest.fixture(scope="module")
def outage() -> Outage:
    return Outage()


@pytest.fixture(scope="module")
def local(applied_stack: LocalStack, outage: Outage) -> Iterator[LocalStack]:
    with LocalFunction(applied_stack.stack, function_log=None, wrap_handler=outage.wrap):
        yield applied_stack


def test_transient_failures_reach_the_dlq_and_redrive_processes_them(
    local: LocalStack, outage: Outage
) -> None:
    stack = local.stack
    s3 = stack.client("s3")
    keys = ["uploads/dlq/flaky-1.jpg", "uploads/dlq/flaky-2.jpg", "uploads/dlq/fine.jpg"]
    for key in keys:
        s3.put_object(Bucket=stack.bucket, Key=key, Body=photo_jpeg((320, 240)))

    # THEN the healthy upload is processed; the flaky ones are dead-lettered after maxReceiveCount receives.
    visibility, receives = queue_settings(stack)
    timeout = (receives + 2) * visibility
    wait_for(lambda: dlq.depth(stack, stack.dlq_url).visible == 2, timeout, "two messages in the DLQ")
    assert outage.failed_receives >= 2 * receives
    assert (metadata.get(stack, "uploads/dlq/fine.jpg") or {}).get("status") == "PROCESSED"
    assert metadata.get(stack, "uploads/dlq/flaky-1.jpg") is None  # the function never got to it

    outputs = ["--outputs", str(local.outputs_path)]
    peek = run_cli(*outputs, "dlq", "peek", "--json")
    assert peek.exit_code == 0, peek.output
    peeked = json.loads(peek.stdout)
    assert sorted(key for message in peeked for key in message["keys"]) == keys[:2]
    assert all(message["receive_count"] >= receives for message in peeked)

    # WHEN the outage is over and the operator redrives
    outage.active.clear()
    redrive = run_cli(*outputs, "dlq", "redrive")
    assert redrive.exit_code == 0, redrive.output
    assert "2 moved, 0 failed, of 2" in redrive.stdout

    # THEN both are processed, the DLQ is empty and nothing is lost.
    def processed() -> bool:
        return all((metadata.get(stack, key) or {}).get("status") == "PROCESSED" for key in keys)

    wait_for(processed, 30, "the redriven uploads to be processed")
    assert dlq.depth(stack, stack.dlq_url).visible == 0
    query = run_cli(*outputs, "metadata", "query", "--status", "PROCESSED", "--json")
    assert sorted(r["key"] for r in json.loads(query.stdout) if r["key"] in keys) == sorted(keys)
