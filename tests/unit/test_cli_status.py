"""`imgpipe status`: the stack's health on one screen, through click's runner on the small moto stack of
tests/unit/test_cli_ops.py (its `env` fixture and `Env` helpers). Exit status 0 healthy, 1 DLQ not empty or an
alarm not OK, 2 configuration error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from image_processor.adapters.metadata import MetadataTable
from image_processor.records import RecordKey, Status, final_record, iso_utc
from imgpipe.cli import main
from tests.unit import test_cli_ops
from tests.unit.test_cli_ops import REGION, Env, one_line_error, s3_event

# test_cli_ops's fixtures under the names the tests ask for: pytest finds fixtures in a module's namespace.
env = test_cli_ops.env
api_calls = test_cli_ops.api_calls

DASHBOARD_URL = (
    f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}#dashboards:name=imgpipe-test"
)
NO_RECORDS = {"PROCESSED": 0, "REJECTED": 0, "FAILED": 0, "DELETED": 0}


@pytest.fixture
def stack(env: Env) -> Env:
    """The stack of test_cli_ops, its outputs with the `dashboard_url` the environments now have."""
    outputs = json.loads(env.outputs_file.read_text())
    outputs["dashboard_url"] = {"value": DASHBOARD_URL}
    env.outputs_file.write_text(json.dumps(outputs))
    env.values["dashboard_url"] = DASHBOARD_URL
    return env


def status_json(stack: Env) -> tuple[int, dict[str, Any]]:
    result = stack.cli("status", "--json")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def write_record(stack: Env, key: str, status: str, processed_at: datetime) -> None:
    """A final record exactly as the function writes it (records.final_record through MetadataTable)."""
    bucket = stack.values["bucket_name"]
    record = final_record(
        key=RecordKey.for_object(bucket, key, version_id="v1", etag=None),
        bucket=bucket,
        object_key=key,
        # A DELETED record is built as a PROCESSED one and differs only in its `status` (set below).
        status=Status.PROCESSED if status == "DELETED" else Status(status),
        reason=None if status == "PROCESSED" else "a reason",
        source={
            "format": "JPEG",
            "width": 640,
            "height": 480,
            "bytes": 1000,
            "etag": None,
            "version_id": "v1",
        },
        variants=[],
        destination_bucket=bucket,
        processed_at=processed_at,
        duration_ms=12,
        attempts=1,
        variants_signature="sig",
        event_time=None,
        expires_at=None,
    )
    record["status"] = status
    table = MetadataTable(boto3.client("dynamodb", region_name=REGION), stack.values["metadata_table_name"])
    table.put_unclaimed(record, now=int(processed_at.timestamp()))


# --- healthy ---------------------------------------------------------------------------------------------


def test_status_of_a_healthy_stack_exits_zero_with_the_exact_json(stack: Env) -> None:
    # GIVEN an idle stack: empty queues, every alarm OK, no records, no queue-age datapoint
    # WHEN an operator asks for its status as JSON
    code, document = status_json(stack)
    # THEN it is healthy, exit status 0, and the document is exactly this
    assert code == 0
    assert document == {
        "healthy": True,
        "problems": [],
        "queue": {
            "name": "imgpipe-test-uploads",
            "visible": 0,
            "in_flight": 0,
            "oldest_message_age_seconds": None,
        },
        "dlq": {"name": "imgpipe-test-uploads-dlq", "visible": 0, "in_flight": 0},
        "alarms": {"total": 2, "not_ok": []},
        "records_last_24h": NO_RECORDS,
        "last_record": None,
        "dashboard_url": DASHBOARD_URL,
    }


def test_status_human_output_is_one_table_and_says_healthy(stack: Env) -> None:
    # GIVEN the idle stack WHEN shown to a person
    result = stack.cli("status")
    # THEN one table of the checks, "unknown" for the missing age, the URL, and the verdict last
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[0] == "imgpipe status"
    assert "imgpipe-test-uploads: 0 visible, 0 in flight, oldest message unknown" in result.stdout
    assert "imgpipe-test-uploads-dlq: 0 visible, 0 in flight" in result.stdout
    assert "2, all OK" in result.stdout
    assert "PROCESSED 0, REJECTED 0, FAILED 0, DELETED 0" in result.stdout
    assert DASHBOARD_URL in result.stdout
    assert lines[-1] == "healthy"


def test_status_without_a_dashboard_output_reports_null(env: Env) -> None:
    # GIVEN outputs of a stack applied before the dashboard existed (no `dashboard_url`)
    # WHEN asked THEN the URL is null and that alone is no problem
    code, document = status_json(env)
    assert (code, document["dashboard_url"], document["healthy"]) == (0, None, True)


def test_status_reads_the_oldest_message_age_from_cloudwatch_over_the_last_5_minutes(stack: Env) -> None:
    # GIVEN datapoints of the main queue's ApproximateAgeOfOldestMessage: 42 s and 17 s in the last five
    # minutes, 999 s ten minutes ago, and 500 s for another queue
    now = datetime.now(UTC)
    points = [
        ("imgpipe-test-uploads", now - timedelta(minutes=2), 42.0),
        ("imgpipe-test-uploads", now - timedelta(minutes=1), 17.0),
        ("imgpipe-test-uploads", now - timedelta(minutes=10), 999.0),
        ("imgpipe-test-uploads-dlq", now - timedelta(minutes=1), 500.0),
    ]
    for queue, moment, value in points:
        stack.cloudwatch.put_metric_data(
            Namespace="AWS/SQS",
            MetricData=[
                {
                    "MetricName": "ApproximateAgeOfOldestMessage",
                    "Dimensions": [{"Name": "QueueName", "Value": queue}],
                    "Timestamp": moment,
                    "Value": value,
                    "Unit": "Seconds",
                }
            ],
        )
    # WHEN asked THEN the age is the maximum of the main queue's last five minutes; a healthy stack still
    code, document = status_json(stack)
    assert (code, document["queue"]["oldest_message_age_seconds"]) == (0, 42)


def test_status_counts_messages_of_the_main_queue_without_calling_it_unhealthy(stack: Env) -> None:
    # GIVEN two uploads waiting in the main queue, one of them received (in flight)
    for key in ("uploads/a.jpg", "uploads/b.jpg"):
        stack.sqs.send_message(QueueUrl=stack.values["queue_url"], MessageBody=s3_event(key))
    stack.sqs.receive_message(QueueUrl=stack.values["queue_url"], MaxNumberOfMessages=1, VisibilityTimeout=60)
    # WHEN asked THEN they are counted, and a busy queue alone is healthy (its age alarm decides when not)
    code, document = status_json(stack)
    assert code == 0
    assert document["queue"] == {
        "name": "imgpipe-test-uploads",
        "visible": 1,
        "in_flight": 1,
        "oldest_message_age_seconds": None,
    }


# --- unhealthy: exit status 1 ----------------------------------------------------------------------------


def test_status_with_a_message_in_the_dlq_exits_one(stack: Env) -> None:
    # GIVEN a dead letter
    stack.dead_letter(s3_event("uploads/a.jpg"))
    # WHEN asked
    code, document = status_json(stack)
    # THEN exit status 1, the DLQ counted and named as the problem
    assert code == 1
    assert document["healthy"] is False
    assert document["problems"] == ["the DLQ imgpipe-test-uploads-dlq holds 1 message(s)"]
    assert document["dlq"] == {"name": "imgpipe-test-uploads-dlq", "visible": 1, "in_flight": 0}


def test_status_counts_a_dead_letter_being_looked_at_as_held(stack: Env) -> None:
    # GIVEN a dead letter received by someone (in flight: it comes back to the DLQ if not deleted)
    stack.dead_letter(s3_event("uploads/a.jpg"))
    stack.sqs.receive_message(QueueUrl=stack.values["dlq_url"], VisibilityTimeout=60)
    # WHEN asked THEN still unhealthy
    code, document = status_json(stack)
    assert (code, document["dlq"]["in_flight"], document["problems"]) == (
        1,
        1,
        ["the DLQ imgpipe-test-uploads-dlq holds 1 message(s)"],
    )


def test_status_with_an_alarm_in_alarm_exits_one_and_lists_it(stack: Env) -> None:
    # GIVEN one of the stack's two alarms in ALARM
    name = "imgpipe-test-image-processor-errors"
    reason = "Threshold Crossed: 3 > 0"
    stack.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=reason)
    # WHEN asked as JSON
    code, document = status_json(stack)
    # THEN exit status 1, only that alarm listed, with its state and reason
    assert code == 1
    assert document["problems"] == [f"alarm {name} is ALARM"]
    assert document["alarms"]["total"] == 2
    assert [(a["name"], a["state"], a["reason"]) for a in document["alarms"]["not_ok"]] == [
        (name, "ALARM", reason)
    ]
    # AND a person sees it in the table and in the verdict
    human = stack.cli("status")
    assert human.exit_code == 1
    assert f"{name}: ALARM ({reason})" in human.stdout
    assert f"UNHEALTHY: alarm {name} is ALARM" in human.stdout


def test_status_shows_alarm_reasons_literally(stack: Env) -> None:
    # GIVEN an alarm whose reason has brackets, one of them what rich markup would take for a closing tag
    name = "imgpipe-test-uploads-dlq-messages-visible"
    reason = "Threshold Crossed: 1 datapoint [3.0 (22/11/26 05:00:00)] from [/aws/sqs]"
    stack.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=reason)
    # WHEN shown to a person THEN the reason is printed as it is (no markup error, nothing swallowed)
    result = stack.cli("status")
    assert result.exit_code == 1, result.output
    assert "[3.0 (22/11/26 05:00:00)] from [/aws/sqs]" in result.stdout


# --- records of the last 24 h --------------------------------------------------------------------------


def test_status_counts_records_per_status_over_the_last_24_hours(stack: Env, api_calls: list[str]) -> None:
    # GIVEN records as the function writes them: within the last 24 h 3 PROCESSED, 2 REJECTED, 1 FAILED and
    # 1 DELETED, the newest a REJECTED one 10 minutes ago; older ones; and a stem item carrying a status
    now = datetime.now(UTC)
    hours = timedelta(hours=1)
    recent = [
        ("uploads/p1.jpg", "PROCESSED", now - 1 * hours),
        ("uploads/p2.jpg", "PROCESSED", now - 5 * hours),
        ("uploads/p3.jpg", "PROCESSED", now - 23 * hours),
        ("uploads/r1.jpg", "REJECTED", now - timedelta(minutes=10)),
        ("uploads/r2.jpg", "REJECTED", now - 2 * hours),
        ("uploads/f1.jpg", "FAILED", now - 3 * hours),
        ("uploads/d1.jpg", "DELETED", now - 4 * hours),
    ]
    older = [
        ("uploads/p0.jpg", "PROCESSED", now - 25 * hours),
        ("uploads/f0.jpg", "FAILED", now - 72 * hours),
    ]
    for key, status, moment in recent + older:
        write_record(stack, key, status, moment)
    stem = {
        "pk": {"S": f"stem#{stack.values['bucket_name']}/processed/x"},
        "sk": {"S": "owner"},
        "status": {"S": "PROCESSED"},
        "processed_at": {"S": iso_utc(now)},
    }
    stack.dynamodb.put_item(TableName=stack.values["metadata_table_name"], Item=stem)
    # WHEN asked
    api_calls.clear()
    code, document = status_json(stack)
    # THEN each status's count is exact, the last record is the newest source record, and records alone
    # (FAILED ones included: the alarms and the DLQ say whether they need a human) leave the stack healthy
    assert code == 0
    assert document["records_last_24h"] == {"PROCESSED": 3, "REJECTED": 2, "FAILED": 1, "DELETED": 1}
    assert document["last_record"] == {
        "processed_at": iso_utc(now - timedelta(minutes=10)),
        "status": "REJECTED",
        "key": "uploads/r1.jpg",
    }
    # AND only the index was read, no Scan: per status one counting Query and one newest-first Query, plus
    # one for PROCESSED, whose newest item is the stem item
    assert api_calls.count("Query") == 4 + 4 + 1
    assert "Scan" not in api_calls


def test_status_last_record_may_be_older_than_the_window(stack: Env) -> None:
    # GIVEN nothing processed for three days
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    write_record(stack, "uploads/old.jpg", "PROCESSED", three_days_ago)
    # WHEN asked THEN nothing counted, and the last record says when the pipeline last did anything
    code, document = status_json(stack)
    assert code == 0
    assert document["records_last_24h"] == NO_RECORDS
    assert document["last_record"] == {
        "processed_at": iso_utc(three_days_ago),
        "status": "PROCESSED",
        "key": "uploads/old.jpg",
    }


# --- configuration errors: one line, exit status 2 -----------------------------------------------------


def test_status_with_missing_outputs_exits_two_with_one_line(tmp_path: Path) -> None:
    # GIVEN an outputs file without the queues
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"bucket_name": {"value": "b"}, "metadata_table_name": {"value": "t"}}))
    # WHEN asked
    result = CliRunner().invoke(main, ["--outputs", str(path), "status", "--json"])
    # THEN exit status 2 and one line naming what is missing, nothing on stdout
    assert result.exit_code == 2
    assert one_line_error(result) == (
        f"error: outputs file {path} lacks the outputs: queue_url, dlq_url, alarm_topic_arn, function_name"
    )
    assert result.stdout == ""


def test_status_of_a_deleted_dlq_is_a_configuration_error(stack: Env) -> None:
    # GIVEN outputs naming a DLQ that no longer exists WHEN asked THEN exit status 2, one line
    stack.sqs.delete_queue(QueueUrl=stack.values["dlq_url"])
    result = stack.cli("status")
    assert result.exit_code == 2
    assert "missing resource" in one_line_error(result)


def test_status_help_documents_the_json_keys() -> None:
    result = CliRunner().invoke(main, ["status", "--help"])
    assert result.exit_code == 0
    for key in (
        "healthy",
        "problems",
        "queue",
        "oldest_message_age_seconds",
        "dlq",
        "alarms",
        "not_ok",
        "records_last_24h",
        "last_record",
        "dashboard_url",
    ):
        assert key in result.output
