"""Operator commands (`dlq`, `metadata`, `reprocess`, `alarms`, `presign`) through click's runner, on a small
stack of the outputs' shape in moto's in-process mock (fast; tests/e2e runs them on the applied Terraform).
Exit codes as docs/architecture.md fixes them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shlex
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.auth
import botocore.client
import botocore.signers
import pytest
from click.testing import CliRunner
from moto import mock_aws

from image_processor.engine.limits import DEFAULT_MAX_INPUT_BYTES
from image_processor.events import S3ObjectRef, notification_body
from imgpipe.cli import main
from imgpipe.ops import dlq as dlq_ops
from imgpipe.ops import presign as presign_ops
from imgpipe.stack import open_stack, parse_outputs
from tests.conftest import AwsFactory

REGION = "eu-west-1"
# A lease that ran out long ago: its function died holding the claim.
LEASE_RAN_OUT = int(datetime(2026, 11, 22, 5, 10, tzinfo=UTC).timestamp())
LONG_AGO_MS = 1_700_000_000_000  # SQS move task timestamps are epoch milliseconds


class Env:
    """The provisioned stack: its outputs file and a few helpers to put state into it."""

    def __init__(self, outputs_file: Path, outputs: dict[str, Any]) -> None:
        self.outputs_file = outputs_file
        self.values = {k: v["value"] for k, v in outputs.items()}
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.cloudwatch = boto3.client("cloudwatch", region_name=REGION)

    def cli(self, *args: str) -> Any:
        # prog_name: the usage hints then read as the console script prints them.
        return CliRunner().invoke(main, ["--outputs", str(self.outputs_file), *args], prog_name="imgpipe")

    def cli_json(self, *args: str) -> Any:
        """The command's JSON output; it must have succeeded."""
        result = self.cli(*args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def record(
        self,
        key: str,
        status: str,
        processed_at: str,
        reason: str | None = None,
        version: str = "v1",
        sk: str | None = None,
    ) -> None:
        bucket = self.values["bucket_name"]
        item: dict[str, Any] = {
            "pk": {"S": f"{bucket}/{key}"},
            "sk": {"S": sk or f"v#{version}"},
            "bucket": {"S": bucket},
            "key": {"S": key},
            "status": {"S": status},
            "processed_at": {"S": processed_at},
            "duration_ms": {"N": "12"},
            "claim_token": {"S": "internal"},
            "source": {"M": {"format": {"S": "JPEG"}, "width": {"N": "640"}, "height": {"N": "480"}}},
            "variants": {"L": [{"M": {"name": {"S": "thumbnail"}, "key": {"S": "processed/x.jpg"}}}]},
        }
        if reason:
            item["reason"] = {"S": reason}
        self.dynamodb.put_item(TableName=self.values["metadata_table_name"], Item=item)

    def claim(self, key: str, version: str, claimed_at: str, lease_until: int) -> None:
        """An IN_PROGRESS item as the function's claim leaves it (no result attributes, no processed_at)."""
        bucket = self.values["bucket_name"]
        item = {
            "pk": {"S": f"{bucket}/{key}"},
            "sk": {"S": f"v#{version}"},
            "bucket": {"S": bucket},
            "key": {"S": key},
            "status": {"S": "IN_PROGRESS"},
            "claim_token": {"S": "internal"},
            "claimed_at": {"S": claimed_at},
            "lease_until": {"N": str(lease_until)},
            "attempts": {"N": "1"},
        }
        self.dynamodb.put_item(TableName=self.values["metadata_table_name"], Item=item)

    def dead_letter(self, body: str) -> str:
        return str(self.sqs.send_message(QueueUrl=self.values["dlq_url"], MessageBody=body)["MessageId"])

    def drain(self, url_output: str) -> None:
        url = self.values[url_output]
        while messages := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def depth(self, url_output: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.values[url_output], AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.fixture
def env(aws_credentials: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        outputs = AwsFactory(REGION).stack_outputs()
        path = tmp_path / "outputs.json"
        path.write_text(json.dumps(outputs))
        yield Env(path, outputs)


def s3_event(key: str, bucket: str = "b", version: str | None = "v1", etag: str | None = None) -> str:
    return notification_body([S3ObjectRef(bucket, key, version_id=version, etag=etag)], region=REGION)


def answer(monkeypatch: pytest.MonkeyPatch, operation: str, reply: Callable[[dict[str, Any]], Any]) -> None:
    """The test plays the service for one operation (moto lacks it, or cannot fail it); moto does the rest."""
    original = botocore.client.BaseClient._make_api_call

    def calling(self: Any, name: str, params: dict[str, Any]) -> Any:
        return reply(params) if name == operation else original(self, name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", calling)


# --- stack selection and configuration errors: one line on stderr, exit status 2 ---------------------------


def one_line_error(result: Any) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return str(lines[0])


def test_no_stack_selected_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMGPIPE_OUTPUTS", raising=False)
    monkeypatch.delenv("IMGPIPE_ENV", raising=False)
    result = CliRunner().invoke(main, ["dlq", "stats"])
    assert result.exit_code == 2
    assert "--outputs FILE or --env NAME" in one_line_error(result)


def test_unknown_environment_names_the_known_ones() -> None:
    result = CliRunner().invoke(main, ["--env", "qa", "alarms"])
    assert result.exit_code == 2
    assert "unknown environment 'qa'" in one_line_error(result)
    assert "dev, prod, staging" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("{not json", "is not JSON"),
        ("{}", "has no outputs"),
        ('{"bucket_name": {"value": "b"}}', "lacks the outputs: queue_url, dlq_url"),
    ],
)
def test_bad_outputs_file(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(main, ["--outputs", str(path), "metadata", "get", "x.jpg"])
    assert result.exit_code == 2
    assert message in one_line_error(result)


def full_outputs(**extra: Any) -> dict[str, Any]:
    names = ("bucket_name", "queue_url", "dlq_url", "metadata_table_name", "alarm_topic_arn", "function_name")
    values = {name: {"value": f"https://sqs.eu-west-1.amazonaws.com/1/{name}"} for name in names}
    prefixes = {"source_prefix": {"value": "uploads/"}, "destination_prefix": {"value": "processed/"}}
    return values | prefixes | extra


def test_missing_credentials_for_a_deployed_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(full_outputs(aws_region={"value": REGION})))
    result = CliRunner().invoke(main, ["--outputs", str(path), "dlq", "stats"])
    assert result.exit_code == 2
    assert "no AWS credentials" in one_line_error(result)


# `metadata get` queries through the function's adapter, whose AwsCallError wraps the botocore error.
@pytest.mark.parametrize("command", [["dlq", "stats"], ["metadata", "get", "a.jpg"]])
def test_unreachable_endpoint(tmp_path: Path, aws_credentials: None, command: list[str]) -> None:
    path = tmp_path / "outputs.json"
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    path.write_text(json.dumps(full_outputs(endpoint_url={"value": "http://127.0.0.1:9"})))
    result = CliRunner().invoke(main, ["--outputs", str(path), *command])
    assert result.exit_code == 2
    assert "cannot reach http://127.0.0.1:9" in one_line_error(result)


def test_missing_resource_is_a_configuration_error(env: Env) -> None:
    env.sqs.delete_queue(QueueUrl=env.values["dlq_url"])
    result = env.cli("dlq", "stats")
    assert result.exit_code == 2
    assert "missing resource" in one_line_error(result)


def test_a_missing_table_is_a_configuration_error(env: Env) -> None:
    env.dynamodb.delete_table(TableName=env.values["metadata_table_name"])
    result = env.cli("metadata", "get", "a.jpg")
    assert result.exit_code == 2
    assert one_line_error(result) == (
        "error: missing resource (Query): Requested resource not found"
        " (do the outputs match the deployed stack?)"
    )


# --- dlq ------------------------------------------------------------------------------------------


def test_dlq_stats_counts_dead_letters(env: Env) -> None:
    env.dead_letter(s3_event("uploads/a.jpg"))
    env.dead_letter("not json at all")
    stats = env.cli_json("dlq", "stats", "--json")
    assert stats["dlq"]["visible"] == 2
    assert stats["queue"]["visible"] == 0
    assert stats["oldest_age_from"] == "sample"
    assert stats["oldest_age_seconds"] >= 0


def test_dlq_peek_shows_keys_and_recorded_reason_without_consuming(env: Env) -> None:
    env.record("uploads/a.jpg", "FAILED", "2026-11-22T05:00:00.000Z", reason="s3:GetObject throttled")
    env.dead_letter(s3_event("uploads/a.jpg", env.values["bucket_name"]))
    env.dead_letter("poison")
    result = env.cli("dlq", "peek", "--json")
    assert result.exit_code == 0, result.output
    messages = sorted(json.loads(result.stdout), key=lambda m: m["kind"])
    assert [m["kind"] for m in messages] == ["poison", "s3"]
    assert messages[1]["keys"] == ["uploads/a.jpg"]
    assert messages[1]["records"] == [
        {"key": "uploads/a.jpg", "sk": "v#v1", "status": "FAILED", "reason": "s3:GetObject throttled"}
    ]
    assert env.depth("dlq_url") == 2  # still there, and visible again


def test_dlq_redrive_dry_run_moves_nothing(env: Env) -> None:
    env.dead_letter(s3_event("uploads/a.jpg"))
    result = env.cli("dlq", "redrive", "--dry-run")
    assert result.exit_code == 0
    assert "1 message(s) would move" in result.stdout
    assert (env.depth("dlq_url"), env.depth("queue_url")) == (1, 0)


def test_dlq_redrive_moves_message_by_message_where_move_tasks_are_unsupported(env: Env) -> None:
    for name in ("a", "b", "c"):
        env.dead_letter(s3_event(f"uploads/{name}.jpg"))
    partial = env.cli("dlq", "redrive", "--max", "1")
    assert partial.exit_code == 0, partial.output
    assert "1 moved, 0 failed, of 1" in partial.stdout
    assert (env.depth("dlq_url"), env.depth("queue_url")) == (2, 1)
    rest = env.cli("dlq", "redrive", "--json")
    assert rest.exit_code == 0, rest.output
    summary = json.loads(rest.stdout)
    assert summary["mode"] == "message-by-message"
    assert (summary["moved"], summary["failed"]) == (2, 0)
    assert (env.depth("dlq_url"), env.depth("queue_url")) == (0, 3)


def test_dlq_peek_shows_the_record_of_the_message_own_version(env: Env) -> None:
    bucket = env.values["bucket_name"]
    # GIVEN version v1 of a.jpg failed and was dead-lettered, while a later version v2 was processed
    env.record("uploads/a.jpg", "FAILED", "2026-11-22T05:00:00.000Z", reason="s3:GetObject throttled")
    env.record("uploads/a.jpg", "PROCESSED", "2026-11-22T06:00:00.000Z", version="v2")
    # AND an unversioned b.jpg, recorded by its ETag
    env.record("uploads/b.jpg", "FAILED", "2026-11-22T05:00:00.000Z", reason="throttled", sk="e#abc123")
    env.dead_letter(s3_event("uploads/a.jpg", bucket, version="v1"))
    env.dead_letter(s3_event("uploads/a.jpg", bucket, version="v3"))  # never recorded
    env.dead_letter(s3_event("uploads/b.jpg", bucket, version=None, etag='"abc123"'))
    # WHEN an operator peeks
    result = env.cli("dlq", "peek", "--json")
    # THEN each message shows the record of its own version, or none
    assert result.exit_code == 0, result.output
    recorded = sorted((r for m in json.loads(result.stdout) for r in m["records"]), key=lambda r: r["sk"])
    assert recorded == [
        {"key": "uploads/b.jpg", "sk": "e#abc123", "status": "FAILED", "reason": "throttled"},
        {"key": "uploads/a.jpg", "sk": "v#v1", "status": "FAILED", "reason": "s3:GetObject throttled"},
        {"key": "uploads/a.jpg", "sk": "v#v3", "status": None, "reason": None},
    ]
    # AND the table says so rather than showing v2's PROCESSED
    table = env.cli("dlq", "peek")
    assert table.exit_code == 0, table.output
    assert table.stdout.count("no record for this version") == 1
    assert "PROCESSED" not in table.stdout


def test_dlq_redrive_counts_failed_deletions_as_not_moved(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a dead letter, and a DLQ that refuses to delete it once it has been sent to the main queue
    message_id = env.dead_letter(s3_event("uploads/a.jpg"))
    failure = {"SenderFault": False, "Code": "InternalError", "Message": "try again"}
    answer(
        monkeypatch,
        "DeleteMessageBatch",
        lambda params: {"Successful": [], "Failed": [{"Id": e["Id"], **failure} for e in params["Entries"]]},
    )
    # WHEN an operator redrives
    result = env.cli("dlq", "redrive")
    # THEN the message is not counted as moved, the failure is reported, and the exit status is 1
    assert result.exit_code == 1
    assert result.stdout == (
        "redrive (message-by-message): 0 moved, 1 failed, of 1 (1 sent but not deleted from the DLQ)\n"
    )
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {message_id}: sent to the main queue but not deleted from the DLQ (InternalError: try again)"
    )
    assert env.depth("queue_url") == 1


@pytest.mark.parametrize(
    "listed",
    [
        [],
        # only an older task, finished before this redrive asked for its own
        [{"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 5, "StartedTimestamp": LONG_AGO_MS}],
    ],
)
def test_dlq_redrive_reports_a_move_task_it_cannot_find_as_unknown(
    env: Env, monkeypatch: pytest.MonkeyPatch, listed: list[dict[str, Any]]
) -> None:
    # GIVEN a service that starts a move task, but does not list it afterwards
    env.dead_letter(s3_event("uploads/a.jpg"))
    answer(monkeypatch, "StartMessageMoveTask", lambda params: {"TaskHandle": "task-1"})
    answer(monkeypatch, "ListMessageMoveTasks", lambda params: {"Results": listed})
    # WHEN an operator redrives
    result = env.cli("dlq", "redrive", "--json")
    # THEN the task's outcome is unknown, not COMPLETED, and the exit status is 1
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert (summary["mode"], summary["task_status"], summary["moved"]) == ("move-task", "UNKNOWN", 0)
    assert result.stderr.strip().splitlines()[-1] == (
        "error: move task task-1 not found by ListMessageMoveTasks: its outcome is unknown"
        " (see `imgpipe dlq stats`)"
    )


def test_dlq_redrive_follows_its_move_task_until_completed(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a move task listed RUNNING with its handle, then COMPLETED (finished tasks are listed without one)
    env.dead_letter(s3_event("uploads/a.jpg"))
    env.dead_letter(s3_event("uploads/b.jpg"))
    monkeypatch.setattr(dlq_ops, "MOVE_TASK_POLL_SECONDS", 0)
    started = int(time.time() * 1000)
    listings = iter(
        [
            [{"TaskHandle": "task-1", "Status": "RUNNING", "ApproximateNumberOfMessagesMoved": 1}],
            [{"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 2}],
        ]
    )
    answer(monkeypatch, "StartMessageMoveTask", lambda params: {"TaskHandle": "task-1"})
    answer(
        monkeypatch,
        "ListMessageMoveTasks",
        lambda params: {"Results": [task | {"StartedTimestamp": started} for task in next(listings)]},
    )
    # WHEN an operator redrives THEN the task is followed to its end
    result = env.cli("dlq", "redrive")
    assert result.exit_code == 0, result.output
    assert result.stdout == "redrive (move-task): 2 moved, 0 failed, of 2; task task-1 COMPLETED\n"


# --- metadata ----------------------------------------------------------------------------------------------


@pytest.fixture
def records(env: Env) -> Env:
    env.record("uploads/1.jpg", "PROCESSED", "2026-11-22T05:00:01.000Z")
    env.record("uploads/2.jpg", "REJECTED", "2026-11-22T05:00:02.000Z", reason="not an image")
    env.record("uploads/3.jpg", "PROCESSED", "2026-11-22T05:00:03.000Z")
    env.record("uploads/4.jpg", "FAILED", "2026-11-22T05:00:04.000Z", reason="throttled")
    env.record("uploads/5.jpg", "PROCESSED", "2026-11-22T06:00:00.000Z")
    return env


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every AWS operation the commands make, to prove that queries never scan."""
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation: str, params: Any) -> Any:
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


def test_metadata_get_prints_the_latest_record_without_internals(records: Env) -> None:
    records.record("uploads/1.jpg", "PROCESSED", "2026-11-22T07:00:00.000Z", version="v2")
    record = records.cli_json("metadata", "get", "uploads/1.jpg", "--json")
    assert (record["key"], record["sk"], record["processed_at"]) == (
        "uploads/1.jpg",
        "v#v2",
        "2026-11-22T07:00:00.000Z",
    )
    assert record["source"] == {"format": "JPEG", "width": 640, "height": 480}
    assert "claim_token" not in record


def test_metadata_get_accepts_a_key_without_the_uploads_prefix(records: Env) -> None:
    result = records.cli("metadata", "get", "2.jpg")
    assert result.exit_code == 0
    assert "not an image" in result.stdout


def test_metadata_get_unknown_key_fails_with_one_line(records: Env) -> None:
    result = records.cli("metadata", "get", "uploads/nope.jpg")
    assert result.exit_code == 1
    assert one_line_error(result) == "error: no record for uploads/nope.jpg"


def test_metadata_query_by_status_newest_first_through_the_index(records: Env, api_calls: list[str]) -> None:
    result = records.cli("metadata", "query", "--status", "PROCESSED", "--json")
    assert result.exit_code == 0, result.output
    assert [r["key"] for r in json.loads(result.stdout)] == [
        "uploads/5.jpg",
        "uploads/3.jpg",
        "uploads/1.jpg",
    ]
    assert "Query" in api_calls
    assert "Scan" not in api_calls


def test_metadata_query_merges_statuses_in_time_order_within_the_range(
    records: Env, api_calls: list[str]
) -> None:
    result = records.cli(
        "metadata", "query", "--since", "2026-11-22T05:00:02Z", "--until", "2026-11-22T05:30:00Z",
        "--oldest-first", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [(r["key"], r["status"]) for r in json.loads(result.stdout)]
    assert rows == [
        ("uploads/2.jpg", "REJECTED"),
        ("uploads/3.jpg", "PROCESSED"),
        ("uploads/4.jpg", "FAILED"),
    ]
    assert "Scan" not in api_calls


def test_metadata_query_limit_and_csv(records: Env) -> None:
    result = records.cli("metadata", "query", "--limit", "2", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "processed_at,status,key,variants,source,duration_ms,reason"
    assert [line.split(",")[2] for line in lines[1:]] == ["uploads/5.jpg", "uploads/4.jpg"]


def test_metadata_query_rejects_a_bad_time() -> None:
    result = CliRunner().invoke(
        main, ["--outputs", "x.json", "metadata", "query", "--since", "yesterday-ish"]
    )
    assert result.exit_code == 2
    assert "not a time" in result.stderr


def test_metadata_get_shows_the_final_record_past_a_stale_claim(records: Env) -> None:
    # GIVEN 1.jpg processed (v1), then a newer version v2 whose function died holding its claim
    records.claim("uploads/1.jpg", "v2", claimed_at="2026-11-22T05:09:00.000Z", lease_until=LEASE_RAN_OUT)
    # WHEN an operator gets the record
    record = records.cli_json("metadata", "get", "uploads/1.jpg", "--json")
    # THEN the final record is shown, and the stranded claim is reported as stale
    assert (record["sk"], record["status"], record["processed_at"]) == (
        "v#v1",
        "PROCESSED",
        "2026-11-22T05:00:01.000Z",
    )
    assert record["stale_claims"] == [
        {
            "sk": "v#v2",
            "status": "IN_PROGRESS",
            "stale": True,
            "claimed_at": "2026-11-22T05:09:00.000Z",
            "lease_until": "2026-11-22T05:10:00.000Z",
        }
    ]
    # AND the table says so too
    table = records.cli("metadata", "get", "uploads/1.jpg")
    assert table.exit_code == 0, table.output
    assert (
        "stale claim v#v2 (claimed 2026-11-22T05:09:00.000Z): "
        "IN_PROGRESS (stale: lease ran out at 2026-11-22T05:10:00.000Z)"
    ) in table.stdout


def test_metadata_get_shows_a_lone_stale_claim_as_stale(env: Env) -> None:
    # GIVEN an upload whose only item is a claim its function died holding
    env.claim("uploads/new.jpg", "v1", claimed_at="2026-11-22T05:09:00.000Z", lease_until=LEASE_RAN_OUT)
    # WHEN an operator gets the record
    result = env.cli("metadata", "get", "new.jpg", "--json")
    # THEN it is the claim, marked stale, with the contract fields present and no claim token
    assert result.exit_code == 0, result.output
    bucket = env.values["bucket_name"]
    assert json.loads(result.stdout) == {
        "bucket": bucket,
        "key": "uploads/new.jpg",
        "status": "IN_PROGRESS",
        "reason": None,
        "source": None,
        "variants": None,
        "processed_at": None,
        "duration_ms": None,
        "pk": f"{bucket}/uploads/new.jpg",
        "sk": "v#v1",
        "attempts": 1,
        "stale": True,
        "claimed_at": "2026-11-22T05:09:00.000Z",
        "lease_until": "2026-11-22T05:10:00.000Z",
        "stale_claims": [],
    }
    table = env.cli("metadata", "get", "new.jpg")
    assert "IN_PROGRESS (stale: lease ran out at 2026-11-22T05:10:00.000Z)" in table.stdout


def test_metadata_get_a_live_claim_is_newest_and_not_stale(records: Env) -> None:
    # GIVEN a newer version v2 of 1.jpg being worked on now
    lease = int(time.time()) + 3600
    records.claim("uploads/1.jpg", "v2", claimed_at="2026-11-22T05:09:00.000Z", lease_until=lease)
    # WHEN an operator gets the record THEN it is the live claim
    record = records.cli_json("metadata", "get", "uploads/1.jpg", "--json")
    until = datetime.fromtimestamp(lease, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert (record["sk"], record["status"], record["stale"], record["lease_until"]) == (
        "v#v2",
        "IN_PROGRESS",
        False,
        until,
    )
    assert record["stale_claims"] == []


def test_metadata_query_refuses_in_progress_with_the_reason(records: Env, api_calls: list[str]) -> None:
    # WHEN an operator asks the index for claims, which it does not hold
    result = records.cli("metadata", "query", "--status", "in_progress")
    # THEN the command refuses with the reason, without asking DynamoDB
    assert result.exit_code == 2
    assert one_line_error(result) == (
        "error: Invalid value for '--status': IN_PROGRESS claims are not indexed (by_status holds final"
        " records only): use `imgpipe metadata get KEY` for one upload's claim"
        " (see 'imgpipe metadata query --help')"
    )
    assert "Query" not in api_calls


def test_metadata_query_never_lists_stem_items(records: Env) -> None:
    # GIVEN a per-variant-stem ownership item that happens to carry a status and processed_at
    bucket = records.values["bucket_name"]
    item = {
        "pk": {"S": f"stem#{bucket}/processed/1"},
        "sk": {"S": "stem"},
        "status": {"S": "PROCESSED"},
        "processed_at": {"S": "2026-11-22T07:00:00.000Z"},
    }
    records.dynamodb.put_item(TableName=records.values["metadata_table_name"], Item=item)
    # WHEN an operator queries THEN only source records are listed
    result = records.cli("metadata", "query", "--status", "PROCESSED", "--json")
    assert result.exit_code == 0, result.output
    listed = [r["key"] for r in json.loads(result.stdout)]
    assert listed == ["uploads/5.jpg", "uploads/3.jpg", "uploads/1.jpg"]


# --- reprocess, alarms, presign ------------------------------------------------------------


def test_reprocess_enqueues_the_current_version_of_each_upload(env: Env) -> None:
    bucket = env.values["bucket_name"]
    versions = {}
    for key in ("uploads/2026/a b.jpg", "uploads/2026/c.jpg", "uploads/other/d.jpg"):
        versions[key] = env.s3.put_object(Bucket=bucket, Key=key, Body=b"x")["VersionId"]
    # moto delivered the uploads' own notifications: start from an empty queue.
    env.drain("queue_url")
    dry = env.cli("reprocess", "--prefix", "2026/", "--dry-run")
    assert dry.exit_code == 0
    assert "2 upload(s) under uploads/2026/ would be re-enqueued" in dry.stdout
    assert env.depth("queue_url") == 0
    result = env.cli("reprocess", "--prefix", "uploads/2026/", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sent"] == 2
    messages = env.sqs.receive_message(QueueUrl=env.values["queue_url"], MaxNumberOfMessages=10)["Messages"]
    objects = [json.loads(m["Body"])["Records"][0]["s3"]["object"] for m in messages]
    assert sorted((o["key"], o["versionId"]) for o in objects) == [
        ("uploads/2026/a+b.jpg", versions["uploads/2026/a b.jpg"]),
        ("uploads/2026/c.jpg", versions["uploads/2026/c.jpg"]),
    ]


def test_reprocess_skips_and_counts_archived_uploads(env: Env) -> None:
    # GIVEN uploads in every storage class; GLACIER and DEEP_ARCHIVE ones cannot be read without a restore
    bucket = env.values["bucket_name"]
    for storage in ("STANDARD", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"):
        env.s3.put_object(Bucket=bucket, Key=f"uploads/old/{storage}.jpg", Body=b"x", StorageClass=storage)
    env.drain("queue_url")
    # WHEN an operator reprocesses them (dry run first)
    dry = env.cli("reprocess", "--prefix", "old/", "--dry-run")
    assert dry.exit_code == 0, dry.output
    *keys, summary = dry.stdout.splitlines()
    assert sorted(keys) == ["uploads/old/GLACIER_IR.jpg", "uploads/old/STANDARD.jpg"]
    assert summary == "dry run: 2 upload(s) under uploads/old/ would be re-enqueued, 2 skipped (archived)"
    result = env.cli("reprocess", "--prefix", "old/", "--json")
    # THEN only the readable ones are sent; the archived ones are counted, never enqueued
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "found": 4,
        "sent": 2,
        "failed": 0,
        "skipped_archived": 2,
        "errors": [],
    }
    messages = env.sqs.receive_message(QueueUrl=env.values["queue_url"], MaxNumberOfMessages=10)["Messages"]
    sent = sorted(json.loads(m["Body"])["Records"][0]["s3"]["object"]["key"] for m in messages)
    assert sent == ["uploads/old/GLACIER_IR.jpg", "uploads/old/STANDARD.jpg"]
    # AND the human summary counts them too
    human = env.cli("reprocess", "--prefix", "old/")
    assert human.stdout == "reprocess: 2 of 4 upload(s) re-enqueued, 0 failed, 2 skipped (archived)\n"


def test_alarms_all_ok_exits_zero_and_lists_the_terraform_alarms(env: Env) -> None:
    listed = env.cli_json("alarms", "--json")
    assert sorted(a["name"] for a in listed) == sorted(env.values["alarm_names"])
    assert {a["state"] for a in listed} == {"OK"}


def test_alarms_not_ok_exits_one_with_the_reason(env: Env) -> None:
    name = env.values["alarm_names"][0]
    env.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: 3 > 0")
    result = env.cli("alarms")
    assert result.exit_code == 1
    assert "ALARM" in result.stdout
    assert "Threshold Crossed" in result.stdout


# --- presign: a SigV4 POST policy, checked by recomputing its signature ----------------------------------

PRESIGN_KEY_ID = "AKIAPRESIGNTEST00001"
PRESIGN_SECRET = "presign-test-secret-key"  # only the recomputed signature below knows it too
SIGNED_AT = datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture
def signer(env: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    """The stack, credentials the test knows the secret of, and botocore's clock stopped at SIGNED_AT."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", PRESIGN_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", PRESIGN_SECRET)
    # The policy's expiration and the signature's date are read from two calls of this clock: stopped, the
    # expiration is exactly x-amz-date + expiry.
    monkeypatch.setattr(botocore.signers, "get_current_datetime", lambda *_a, **_k: SIGNED_AT)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_a, **_k: SIGNED_AT)
    return env


def sigv4_post_signature(policy: str, date: str, region: str, secret: str = PRESIGN_SECRET) -> str:
    """SigV4 for a browser POST: the signing key of date/region/s3 signs the base64 policy itself."""
    key = f"AWS4{secret}".encode()
    for scope in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, scope.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def canonical(conditions: list[Any]) -> list[str]:
    """Conditions as a sorted list: a policy's meaning does not depend on their order."""
    return sorted(json.dumps(condition, sort_keys=True) for condition in conditions)


def signed_fields(bucket: str, key: str, content_type: dict[str, str] | None = None) -> dict[str, str]:
    """The fields (policy and signature excepted) that botocore adds, for the test's key id at SIGNED_AT."""
    return {
        "key": key,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": f"{PRESIGN_KEY_ID}/20260301/{REGION}/s3/aws4_request",
        "x-amz-date": "20260301T120000Z",
        **(content_type or {}),
    }


def test_presign_signs_a_sigv4_post_policy_for_one_image_of_bounded_size(signer: Env) -> None:
    # GIVEN the stack and no object at uploads/2026/cat.jpg
    bucket = signer.values["bucket_name"]
    # WHEN an operator presigns that upload for 600 seconds
    signed = signer.cli_json("presign", "2026/cat.jpg", "--expires", "600", "--json")
    # THEN it is a POST to the bucket's regional virtual-hosted endpoint, for exactly that key
    fields = signed.pop("fields")
    assert signed == {
        "method": "POST",
        "url": f"https://{bucket}.s3.{REGION}.amazonaws.com/",
        "bucket": bucket,
        "key": "uploads/2026/cat.jpg",
        "expires_in": 600,
        "max_bytes": DEFAULT_MAX_INPUT_BYTES,
        "content_type": None,
    }
    # AND the policy allows 1 byte to the function's limit, any image/ type, that bucket and key only
    expected = signed_fields(bucket, "uploads/2026/cat.jpg")
    policy = policy_of(fields)
    assert policy["expiration"] == "2026-03-01T12:10:00Z"
    assert canonical(policy["conditions"]) == canonical(
        [
            ["content-length-range", 1, DEFAULT_MAX_INPUT_BYTES],
            ["starts-with", "$Content-Type", "image/"],
            {"bucket": bucket},
            *({name: value} for name, value in expected.items()),
        ]
    )
    # AND the fields carry that policy, signed with SigV4 by the operator's key for the stack's region
    assert {k: v for k, v in fields.items() if k not in ("policy", "x-amz-signature")} == expected
    assert fields["x-amz-signature"] == sigv4_post_signature(fields["policy"], "20260301", REGION)


def test_presign_with_a_content_type_and_max_bytes_signs_exactly_those(signer: Env) -> None:
    # GIVEN the stack
    bucket = signer.values["bucket_name"]
    # WHEN an operator presigns a PNG of at most 1000 bytes
    signed = signer.cli_json(
        "presign", "logo.png", "--content-type", "image/png", "--max-bytes", "1000", "--json"
    )
    # THEN the policy names that one type and that limit, and the fields send the type
    assert (signed["max_bytes"], signed["content_type"], signed["expires_in"]) == (1000, "image/png", 900)
    expected = signed_fields(bucket, "uploads/logo.png", {"Content-Type": "image/png"})
    policy = policy_of(signed["fields"])
    assert policy["expiration"] == "2026-03-01T12:15:00Z"
    assert canonical(policy["conditions"]) == canonical(
        [["content-length-range", 1, 1000], {"bucket": bucket}, *({k: v} for k, v in expected.items())]
    )
    fields = signed["fields"]
    assert {k: v for k, v in fields.items() if k not in ("policy", "x-amz-signature")} == expected
    assert fields["x-amz-signature"] == sigv4_post_signature(fields["policy"], "20260301", REGION)


def test_presign_prints_a_curl_command_with_the_signed_fields_and_the_file_last(signer: Env) -> None:
    # GIVEN the stack
    bucket = signer.values["bucket_name"]
    # WHEN an operator presigns a key whose name has a space and a `;` (curl's -F syntax), without --json
    result = signer.cli("presign", "2026/my cat;1.jpg")
    # THEN stdout is one shell line: curl, each field literally (--form-string), the file, the URL
    assert result.exit_code == 0, result.output
    words = shlex.split(result.stdout)
    assert words[0] == "curl"
    assert words[-3:] == ["-F", 'file=@"2026/my cat;1.jpg"', f"https://{bucket}.s3.{REGION}.amazonaws.com/"]
    options, values = words[1:-3:2], words[2:-3:2]
    assert set(options) == {"--form-string"}
    fields = dict(value.split("=", 1) for value in values)
    expected = signed_fields(bucket, "uploads/2026/my cat;1.jpg", {"Content-Type": "image/jpeg"})
    assert {k: v for k, v in fields.items() if k not in ("policy", "x-amz-signature")} == expected
    assert ["starts-with", "$Content-Type", "image/"] in policy_of(fields)["conditions"]
    assert fields["x-amz-signature"] == sigv4_post_signature(fields["policy"], "20260301", REGION)


def test_presign_refuses_a_key_that_exists(signer: Env) -> None:
    # GIVEN an object at uploads/2026/cat.jpg
    bucket = signer.values["bucket_name"]
    signer.s3.put_object(Bucket=bucket, Key="uploads/2026/cat.jpg", Body=b"first")
    # WHEN an operator presigns an upload to it
    result = signer.cli("presign", "2026/cat.jpg", "--json")
    # THEN nothing is signed: exit 1, one line saying it exists
    assert result.exit_code == 1
    assert one_line_error(result) == (
        f"error: s3://{bucket}/uploads/2026/cat.jpg exists: "
        "a presigned upload never overwrites one (choose another key)"
    )
    assert result.stdout == ""


def test_presign_accepts_a_key_whose_object_was_deleted(signer: Env) -> None:
    # GIVEN a key whose current version is a delete marker (the bucket is versioned)
    bucket = signer.values["bucket_name"]
    signer.s3.put_object(Bucket=bucket, Key="uploads/gone.jpg", Body=b"old")
    signer.s3.delete_object(Bucket=bucket, Key="uploads/gone.jpg")
    # WHEN an operator presigns an upload to it
    result = signer.cli("presign", "gone.jpg", "--json")
    # THEN it is signed: the upload adds a version and overwrites no current object
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["key"] == "uploads/gone.jpg"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--content-type", "text/html"], "'text/html' is not an image type (image/SUBTYPE, e.g. image/"),
        (["--content-type", "image/"], "'image/' is not an image type"),
        (["--content-type", "image/png; x=1"], "'image/png; x=1' is not an image type"),
        (["--max-bytes", "52428801"], "52428801 is not in the range 1<=x<=52428800"),
        (["--expires", str(7 * 24 * 3600 + 1)], "not in the range 1<=x<=604800"),
    ],
)
def test_presign_usage_errors(signer: Env, args: list[str], message: str) -> None:
    # GIVEN the stack  WHEN an option asks for more than an image upload of bounded size and lifetime
    result = signer.cli("presign", "cat.jpg", *args)
    # THEN a usage error: exit 2, one line, nothing signed
    assert result.exit_code == 2
    assert message in one_line_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("2026/", "'2026/' names a prefix, not an object"),
        ("", "'' names a prefix, not an object"),
        ("2026/notes", "cannot tell the image type of '2026/notes' for the curl line: pass --content-type"),
    ],
)
def test_presign_usage_errors_of_the_path(signer: Env, path: str, message: str) -> None:
    result = signer.cli("presign", path)
    assert result.exit_code == 2
    assert message in one_line_error(result)


@pytest.mark.parametrize(
    ("region", "endpoint", "url"),
    [
        # The regional host in us-east-1 too (botocore's default there is the global s3.amazonaws.com).
        ("us-east-1", None, "https://imgpipe-x-images.s3.us-east-1.amazonaws.com/"),
        ("eu-central-1", None, "https://imgpipe-x-images.s3.eu-central-1.amazonaws.com/"),
        ("eu-west-1", "http://localhost:4566", "http://localhost:4566/imgpipe-x-images"),
    ],
)
def test_presign_signs_for_the_stack_region_and_endpoint(
    aws_credentials: None, region: str, endpoint: str | None, url: str
) -> None:
    # GIVEN a stack in that region, against the emulator when it has an endpoint URL
    extra = {"aws_region": {"value": region}, "bucket_name": {"value": "imgpipe-x-images"}}
    if endpoint:
        extra["endpoint_url"] = {"value": endpoint}
    stack = open_stack(parse_outputs(full_outputs(**extra), "test outputs"))
    # WHEN its signing client presigns a POST
    post = presign_ops.signing_client(stack).generate_presigned_post("imgpipe-x-images", "uploads/a.jpg")
    # THEN the URL is that region's (or the emulator's, path style) and the credential is scoped to the region
    assert post["url"] == url
    assert post["fields"]["x-amz-credential"].endswith(f"/{region}/s3/aws4_request")
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_env_reads_terraform_output_in_the_environment_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_credentials: None
) -> None:
    # GIVEN environments/prod and a terraform on PATH whose `output -json` describes the deployed stack
    (tmp_path / "environments" / "prod").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    outputs = full_outputs(
        bucket_name={"value": "imgpipe-prod-images-0a1b2c3d"}, aws_region={"value": REGION}
    )
    terraform = bin_dir / "terraform"
    terraform.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(outputs)}\nEOF\n")
    terraform.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.chdir(tmp_path)
    with mock_aws():  # presign looks the key up in the bucket
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="imgpipe-prod-images-0a1b2c3d", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        # WHEN an operator presigns an upload against it
        result = CliRunner().invoke(main, ["--env", "prod", "presign", "a.jpg", "--json"])
    # THEN the upload is for that bucket
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bucket"] == "imgpipe-prod-images-0a1b2c3d"


@pytest.mark.parametrize(
    "body",
    [
        '{"Records": [{"s3": null}]}',
        '{"Records": [{"s3": {"bucket": "b", "object": "k"}}]}',
        '{"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": 5}}}]}',
        '{"Records": [7]}',
    ],
)
def test_dlq_peek_shows_malformed_s3_shaped_bodies_as_poison(env: Env, body: str) -> None:
    # GIVEN a dead letter shaped like a notification but malformed (the function dead-letters these as poison)
    env.dead_letter(body)
    # WHEN an operator peeks THEN it is listed as poison instead of the command failing
    result = env.cli("dlq", "peek", "--json")
    assert result.exit_code == 0, result.output
    (message,) = json.loads(result.stdout)
    assert (message["kind"], message["keys"], message["body"]) == ("poison", [], body)
    # AND `dlq stats`, which samples the same messages for their age, works too
    stats = env.cli("dlq", "stats", "--json")
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["dlq"]["visible"] == 1
