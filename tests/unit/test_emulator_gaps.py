"""The local emulator's S3 deletions in a versioned bucket: events shaped as S3 sends them, and never an HTTP
500 (moto's own event builder raised on a delete marker, and so did deleting a key with a marker once
versioning was suspended, which `terraform destroy` does before it empties the bucket)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from imgpipe.local.emulator import Emulator

BUCKET = "emulator-gaps-bucket"
KEY = "uploads/a.jpg"


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[Any, Any, str]]:
    with Emulator() as emulator:
        options = {
            "endpoint_url": emulator.endpoint_url,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        s3, sqs = boto3.client("s3", **options), boto3.client("sqs", **options)
        queue_url = sqs.create_queue(QueueName="emulator-gaps")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_notification_configuration(
            Bucket=BUCKET,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}
                ]
            },
        )
        yield s3, sqs, queue_url


def _events(sqs: Any, queue_url: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            for record in json.loads(message["Body"]).get("Records", []):  # not s3:TestEvent
                events.append((record["eventName"], record["s3"]["object"]))
    return events


def test_a_delete_marker_sends_delete_marker_created_with_the_markers_version(
    clients: tuple[Any, Any, str],
) -> None:
    s3, sqs, queue_url = clients
    put = s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    deleted = s3.delete_object(Bucket=BUCKET, Key=KEY)
    assert deleted["DeleteMarker"] is True

    events = _events(sqs, queue_url)

    assert [name for name, _ in events] == ["ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated"]
    assert events[0][1]["versionId"] == put["VersionId"]
    removed = events[1][1]
    assert set(removed) == {"key", "versionId", "sequencer"}  # no size, no eTag, as S3 sends it
    assert (removed["key"], removed["versionId"]) == ("uploads%2Fa.jpg", deleted["VersionId"])


def test_every_version_under_markers_can_be_deleted(clients: tuple[Any, Any, str]) -> None:
    # GIVEN a key whose latest entries are two delete markers over one object (what `terraform destroy` of a
    # force_destroy bucket then empties version by version)
    s3, sqs, queue_url = clients
    s3.put_object(Bucket=BUCKET, Key="uploads/b.jpg", Body=b"y")
    s3.delete_object(Bucket=BUCKET, Key="uploads/b.jpg")
    s3.delete_object(Bucket=BUCKET, Key="uploads/b.jpg")
    listing = s3.list_object_versions(Bucket=BUCKET, Prefix="uploads/b.jpg")
    versions = listing.get("Versions", []) + listing.get("DeleteMarkers", [])
    assert len(versions) == 3
    _events(sqs, queue_url)

    # WHEN each is deleted by version id THEN every request succeeds and the key is gone
    for version in versions:
        response = s3.delete_object(Bucket=BUCKET, Key=version["Key"], VersionId=version["VersionId"])
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "Versions" not in s3.list_object_versions(Bucket=BUCKET, Prefix="uploads/b.jpg")
    assert [name for name, obj in _events(sqs, queue_url)] == ["ObjectRemoved:Delete"]


def test_a_key_with_a_delete_marker_can_be_deleted_after_versioning_is_suspended(
    clients: tuple[Any, Any, str],
) -> None:
    # GIVEN a key with a delete marker in a bucket whose versioning is then suspended (terraform destroy)
    s3, _, _ = clients
    bucket = "emulator-gaps-suspended"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="processed/c.jpg", Body=b"z")
    s3.delete_object(Bucket=bucket, Key="processed/c.jpg")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    listing = s3.list_object_versions(Bucket=bucket)
    # WHEN its versions are deleted, as the provider empties a force_destroy bucket
    response = s3.delete_objects(
        Bucket=bucket,
        Delete={
            "Objects": [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in listing.get("Versions", []) + listing.get("DeleteMarkers", [])
            ]
        },
    )
    # THEN the request succeeds and the bucket is empty, so it can be deleted
    assert "Errors" not in response
    after = s3.list_object_versions(Bucket=bucket)
    assert ("Versions" in after, "DeleteMarkers" in after) == (False, False)
    s3.delete_bucket(Bucket=bucket)
