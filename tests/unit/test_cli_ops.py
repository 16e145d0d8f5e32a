"""Operator commands (`dlq`, `metadata`, `reprocess`, `alarms`, `presign`) through click's runner, on a small
stack of the outputs' shape in moto's in-process mock (fast; tests/e2e runs them on the applied Terraform).
Exit codes as docs/architecture.md fixes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest
from click.testing import CliRunner
from moto import mock_aws

from imgpipe.cli import main
from imgpipe.ops.messages import ObjectRef, notification_body
from tests.conftest import AwsFactory

REGION = "eu-west-1"


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
        return CliRunner().invoke(main, ["--outputs", str(self.outputs_file), *args])

    def record(
        self, key: str, status: str, processed_at: str, reason: str | None = None, version: str = "v1"
    ) -> None:
        bucket = self.values["bucket_name"]
        item: dict[str, Any] = {
            "pk": {"S": f"{bucket}/{key}"},
            "sk": {"S": f"v#{version}"},
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

    def dead_letter(self, body: str) -> None:
        self.sqs.send_message(QueueUrl=self.values["dlq_url"], MessageBody=body)

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


def s3_event(key: str, bucket: str = "b") -> str:
    return notification_body(ObjectRef(bucket=bucket, key=key, version_id="v1"), REGION)


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


def test_unreachable_endpoint(tmp_path: Path, aws_credentials: None) -> None:
    path = tmp_path / "outputs.json"
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    path.write_text(json.dumps(full_outputs(endpoint_url={"value": "http://127.0.0.1:9"})))
    result = CliRunner().invoke(main, ["--outputs", str(path), "dlq", "stats"])
    assert result.exit_code == 2
    assert "cannot reach http://127.0.0.1:9" in one_line_error(result)


def test_missing_resource_is_a_configuration_error(env: Env) -> None:
    env.sqs.delete_queue(QueueUrl=env.values["dlq_url"])
    result = env.cli("dlq", "stats")
    assert result.exit_code == 2
    assert "missing resource" in one_line_error(result)


# --- dlq ------------------------------------------------------------------------------------------


def test_dlq_stats_counts_dead_letters(env: Env) -> None:
    env.dead_letter(s3_event("uploads/a.jpg"))
    env.dead_letter("not json at all")
    result = env.cli("dlq", "stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
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
        {"key": "uploads/a.jpg", "status": "FAILED", "reason": "s3:GetObject throttled"}
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
    result = records.cli("metadata", "get", "uploads/1.jpg", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
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


# --- reprocess, alarms, presign ------------------------------------------------------------


def test_reprocess_enqueues_the_current_version_of_each_upload(env: Env) -> None:
    bucket = env.values["bucket_name"]
    versions = {}
    for key in ("uploads/2026/a b.jpg", "uploads/2026/c.jpg", "uploads/other/d.jpg"):
        versions[key] = env.s3.put_object(Bucket=bucket, Key=key, Body=b"x")["VersionId"]
    # moto delivered the uploads' own notifications: start from an empty queue.
    while messages := env.sqs.receive_message(QueueUrl=env.values["queue_url"], MaxNumberOfMessages=10).get(
        "Messages"
    ):
        for message in messages:
            env.sqs.delete_message(QueueUrl=env.values["queue_url"], ReceiptHandle=message["ReceiptHandle"])
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


def test_alarms_all_ok_exits_zero_and_lists_the_terraform_alarms(env: Env) -> None:
    result = env.cli("alarms", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert sorted(a["name"] for a in listed) == sorted(env.values["alarm_names"])
    assert {a["state"] for a in listed} == {"OK"}


def test_alarms_not_ok_exits_one_with_the_reason(env: Env) -> None:
    name = env.values["alarm_names"][0]
    env.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed: 3 > 0")
    result = env.cli("alarms")
    assert result.exit_code == 1
    assert "ALARM" in result.stdout
    assert "Threshold Crossed" in result.stdout


def test_presign_gives_a_put_url_for_the_upload_key(env: Env) -> None:
    result = env.cli("presign", "2026/cat.jpg", "--expires", "600", "--json")
    assert result.exit_code == 0, result.output
    signed = json.loads(result.stdout)
    assert (signed["method"], signed["key"], signed["expires_in"]) == ("PUT", "uploads/2026/cat.jpg", 600)
    assert env.values["bucket_name"] in signed["url"]
    assert "uploads/2026/cat.jpg" in signed["url"]
    plain = env.cli("presign", "cat.jpg")
    assert plain.stdout.strip().startswith("https://")


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
    # WHEN an operator presigns an upload against it
    result = CliRunner().invoke(main, ["--env", "prod", "presign", "a.jpg", "--json"])
    # THEN the URL is for that bucket
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
