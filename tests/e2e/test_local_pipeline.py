"""GIVEN the applied stack WHEN good, bad and duplicate uploads arrive THEN every upload ends as recorded,
variants are rendered once, nothing is lost; and the metadata queries find them in order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from image_processor.events import S3ObjectRef, notification_body
from imgpipe.local.run import run_images
from imgpipe.local.twin import LocalFunction, LocalStack
from tests.e2e.helpers import queue_settings, run_cli, wait_for
from tests.fixtures_images import (
    UPRIGHT_SIZE,
    iphone_heic,
    not_an_image,
    oriented_jpeg,
    photo_jpeg,
    rgba_png,
    truncated_jpeg,
)

DEFAULT_SUFFIXES = ["compressed.jpg", "converted.png", "converted.webp", "low_quality.jpg", "thumbnail.jpg"]


@pytest.fixture(scope="module")
def function(applied_stack: LocalStack) -> Iterator[LocalFunction]:
    with LocalFunction(applied_stack.stack, function_log=None) as function:
        yield function


@pytest.fixture(scope="module")
def local(applied_stack: LocalStack, function: LocalFunction) -> LocalStack:
    return applied_stack


def deleted(function: LocalFunction) -> int:
    """Messages the local mapping has acknowledged so far."""
    return function.mapping.stats.deleted if function.mapping else 0


OURS = (
    "uploads/2026/cat.jpg",
    "uploads/rotated.jpg",
    "uploads/IMG_0001.heic",
    "uploads/logo.png",
    "uploads/notes.jpg",
    "uploads/cut.jpg",
)


def ours(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of this module's uploads (other modules share the applied stack)."""
    return [row for row in rows if row["key"] in OURS]


@pytest.fixture(scope="module")
def report(local: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    images = tmp_path_factory.mktemp("images")
    (images / "2026").mkdir()
    (images / "2026" / "cat.jpg").write_bytes(photo_jpeg((800, 600)))
    (images / "rotated.jpg").write_bytes(oriented_jpeg(6))
    (images / "IMG_0001.heic").write_bytes(iphone_heic())
    (images / "logo.png").write_bytes(rgba_png())
    (images / "notes.jpg").write_bytes(not_an_image())
    (images / "cut.jpg").write_bytes(truncated_jpeg())
    return run_images(local.stack, images, timeout=60, settle=2 * queue_settings(local.stack)[0])


def cli(local: LocalStack, *args: str) -> Any:
    assert local.outputs_path is not None
    return run_cli("--outputs", str(local.outputs_path), *args)


def variant_versions(local: LocalStack, prefix: str) -> dict[str, int]:
    """How many times each variant key was written (the bucket is versioned)."""
    listing = local.stack.client("s3").list_object_versions(Bucket=local.stack.bucket, Prefix=prefix)
    counts: dict[str, int] = {}
    for version in listing.get("Versions", []):
        counts[version["Key"]] = counts.get(version["Key"], 0) + 1
    return counts


def test_every_upload_ends_as_recorded_and_none_is_lost(report: dict[str, Any]) -> None:
    statuses = {item["key"]: item["status"] for item in report["items"]}
    assert statuses == {
        "uploads/2026/cat.jpg": "PROCESSED",
        "uploads/rotated.jpg": "PROCESSED",
        "uploads/IMG_0001.heic": "PROCESSED",
        "uploads/logo.png": "PROCESSED",
        "uploads/notes.jpg": "REJECTED",
        "uploads/cut.jpg": "REJECTED",
    }
    counts = [report[n] for n in ("inputs", "processed", "rejected", "dead_lettered", "lost")]
    assert counts == [6, 4, 2, 0, 0]
    rejected = {item["key"]: item["reason"] for item in report["items"] if item["status"] == "REJECTED"}
    assert all(reason for reason in rejected.values())


def test_variants_are_written_under_processed_once_each(local: LocalStack, report: dict[str, Any]) -> None:
    cat = next(item for item in report["items"] if item["key"] == "uploads/2026/cat.jpg")
    assert sorted(v["key"] for v in cat["variants"]) == [f"processed/2026/cat_{s}" for s in DEFAULT_SUFFIXES]
    assert variant_versions(local, "processed/2026/cat_") == {
        f"processed/2026/cat_{s}": 1 for s in DEFAULT_SUFFIXES
    }
    rotated = next(item for item in report["items"] if item["key"] == "uploads/rotated.jpg")
    thumbnail = next(v for v in rotated["variants"] if v["name"] == "thumbnail")
    # EXIF orientation 6 applied: the stored (sideways) pixels are turned back upright.
    assert (thumbnail["width"], thumbnail["height"]) == UPRIGHT_SIZE
    # The iPhone-style HEIC too (its own rotation, applied once), and no variant carries its GPS.
    heic = next(item for item in report["items"] if item["key"] == "uploads/IMG_0001.heic")
    assert [(v["width"], v["height"]) for v in heic["variants"] if v["name"] == "thumbnail"] == [UPRIGHT_SIZE]
    s3 = local.stack.client("s3")
    for variant in heic["variants"]:
        body = s3.get_object(Bucket=local.stack.bucket, Key=variant["key"])["Body"].read()
        assert b"GPS" not in body and b"Exif" not in body, variant["key"]


def test_a_duplicate_delivery_renders_nothing_and_writes_no_second_record(
    local: LocalStack, function: LocalFunction, report: dict[str, Any]
) -> None:
    stack = local.stack
    record = cli(local, "metadata", "get", "uploads/2026/cat.jpg", "--json")
    assert record.exit_code == 0, record.output
    original = json.loads(record.stdout)
    # WHEN the very same S3 notification is delivered again (at-least-once delivery)
    source = original["source"]
    body = notification_body(
        [
            S3ObjectRef(
                stack.bucket,
                "uploads/2026/cat.jpg",
                size=source["bytes"],
                etag=source["etag"],
                version_id=source["version_id"],
            )
        ],
        region=stack.region,
    )
    sqs = stack.client("sqs")
    before = deleted(function)
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody=body)
    wait_for(lambda: deleted(function) > before, 20, "the duplicate")

    def drained() -> bool:
        attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])["Attributes"]
        return (
            attributes["ApproximateNumberOfMessages"]
            == attributes["ApproximateNumberOfMessagesNotVisible"]
            == "0"
        )

    wait_for(drained, 20, "the queue to drain")
    # THEN the record is the same one, and no variant was written twice
    again = json.loads(cli(local, "metadata", "get", "uploads/2026/cat.jpg", "--json").stdout)
    assert (again["sk"], again["processed_at"]) == (original["sk"], original["processed_at"])
    records = stack.client("dynamodb").query(
        TableName=stack.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"{stack.bucket}/uploads/2026/cat.jpg"}},
    )
    assert records["Count"] == 1
    assert set(variant_versions(local, "processed/2026/cat_").values()) == {1}


def test_metadata_query_returns_the_records_in_order(local: LocalStack, report: dict[str, Any]) -> None:
    result = cli(local, "metadata", "query", "--status", "PROCESSED", "--oldest-first", "--json")
    assert result.exit_code == 0, result.output
    rows = ours(json.loads(result.stdout))
    assert sorted(r["key"] for r in rows) == [
        "uploads/2026/cat.jpg",
        "uploads/IMG_0001.heic",
        "uploads/logo.png",
        "uploads/rotated.jpg",
    ]
    times = [r["processed_at"] for r in rows]
    assert times == sorted(times)
    rejected = ours(json.loads(cli(local, "metadata", "query", "--status", "REJECTED", "--json").stdout))
    assert sorted(r["key"] for r in rejected) == ["uploads/cut.jpg", "uploads/notes.jpg"]
    assert all(r["reason"] for r in rejected)
    everything = json.loads(cli(local, "metadata", "query", "--json").stdout)
    newest = json.loads(cli(local, "metadata", "query", "--limit", "1", "--json").stdout)
    assert newest[0]["processed_at"] == max(r["processed_at"] for r in everything)
    future = json.loads(cli(local, "metadata", "query", "--since", "2999-01-01", "--json").stdout)
    assert future == []


def test_operator_commands_against_the_local_stack(local: LocalStack, report: dict[str, Any]) -> None:
    stats = cli(local, "dlq", "stats", "--json")
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["dlq"]["visible"] == 0
    alarms = cli(local, "alarms", "--json")
    assert alarms.exit_code == 0, alarms.output
    assert len(json.loads(alarms.stdout)) == len(local.outputs["alarm_names"]["value"]) == 5
    # A presigned POST works against the emulator and the upload goes through the pipeline. (The emulator
    # checks neither the signature nor the policy: tests/unit/test_cli_ops.py checks what is signed.)
    presigned = cli(local, "presign", "presigned/dog.jpg", "--json")
    assert presigned.exit_code == 0, presigned.output
    signed = json.loads(presigned.stdout)
    assert (signed["method"], signed["key"]) == ("POST", "uploads/presigned/dog.jpg")
    # requests sends the form fields first and the file last, as S3 requires.
    response = requests.post(
        signed["url"],
        data={**signed["fields"], "Content-Type": "image/jpeg"},
        files={"file": ("dog.jpg", photo_jpeg((320, 240)), "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 204, response.text

    def final_status() -> str | None:
        result = cli(local, "metadata", "get", "presigned/dog.jpg", "--json")
        status = json.loads(result.stdout)["status"] if result.exit_code == 0 else None
        return status if status != "IN_PROGRESS" else None

    assert wait_for(final_status, 20, "the presigned upload's record") == "PROCESSED"


def test_deleting_an_upload_removes_its_variants(local: LocalStack, report: dict[str, Any]) -> None:
    # GIVEN a processed upload on the applied stack (the versioned bucket of the s3 module)
    s3 = local.stack.client("s3")
    s3.put_object(Bucket=local.stack.bucket, Key="uploads/deleted/cat.jpg", Body=photo_jpeg((320, 240)))

    def status() -> str | None:
        result = cli(local, "metadata", "get", "deleted/cat.jpg", "--json")
        found = json.loads(result.stdout)["status"] if result.exit_code == 0 else None
        return found if found in ("PROCESSED", "DELETED") else None

    def variants() -> list[str]:
        listing = s3.list_objects_v2(Bucket=local.stack.bucket, Prefix="processed/deleted/cat_")
        return sorted(item["Key"] for item in listing.get("Contents", []))

    assert wait_for(status, 20, "the upload's record") == "PROCESSED"
    assert variants() == [f"processed/deleted/cat_{suffix}" for suffix in DEFAULT_SUFFIXES]
    # WHEN it is deleted (a delete marker)
    s3.delete_object(Bucket=local.stack.bucket, Key="uploads/deleted/cat.jpg")
    # THEN `imgpipe metadata get` shows DELETED and the variants are gone
    assert wait_for(lambda: status() == "DELETED", 20, "the DELETED record")
    assert variants() == []


def test_reprocess_with_unchanged_variants_renders_nothing(
    local: LocalStack, function: LocalFunction, report: dict[str, Any]
) -> None:
    before = json.loads(cli(local, "metadata", "get", "uploads/2026/cat.jpg", "--json").stdout)
    acknowledged = deleted(function)
    result = cli(local, "reprocess", "--prefix", "2026/", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sent"] == 1
    wait_for(lambda: deleted(function) > acknowledged, 20, "the re-enqueued message")
    # Same version, same variants signature: the processor acknowledges it without rendering or a new record.
    after = json.loads(cli(local, "metadata", "get", "uploads/2026/cat.jpg", "--json").stdout)
    assert (after["sk"], after["processed_at"]) == (before["sk"], before["processed_at"])
    assert set(variant_versions(local, "processed/2026/cat_").values()) == {1}
