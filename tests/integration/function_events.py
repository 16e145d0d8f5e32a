"""Builders for what Lambda hands the function: S3 notification bodies inside SQS records inside an event."""

from __future__ import annotations

import json
import uuid
from typing import Any

from image_processor.events import S3ObjectRef, notification_body

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:imgpipe-test-queue"


def s3_body(
    bucket: str,
    *objects: dict[str, Any],
    event_name: str = "ObjectCreated:Put",
    slash_encoded: bool = True,
) -> str:
    """An S3 notification, one record per object (`{"key", "size", "etag", "version_id"?, "event_name"?}`).

    Keys are encoded the way S3 does (space -> '+'); with `slash_encoded` also '/' -> '%2F', the way moto
    does, so both spellings are exercised.
    """
    refs = [
        S3ObjectRef(
            bucket,
            obj["key"],
            size=obj.get("size"),
            etag=obj.get("etag"),
            version_id=obj.get("version_id"),
            event_name=obj.get("event_name", event_name),
            event_time="2026-11-22T05:00:00.000Z",
            sequencer="0062E99A88DC407460",
        )
        for obj in objects
    ]
    return notification_body(refs, region="us-east-1", encode_slash=slash_encoded)


def s3_test_event_body(bucket: str) -> str:
    return json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": "2026-11-22T05:00:00.000Z",
            "Bucket": bucket,
            "RequestId": "5582815E1AEA5ADF",
            "HostId": "test",
        }
    )


def sqs_record(body: str, *, message_id: str | None = None, receive_count: int = 1) -> dict[str, Any]:
    """One record of a Lambda SQS event, as the event source mapping builds it."""
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": f"handle-{uuid.uuid4().hex}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1763787600000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1763787600001",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def failed_ids(response: dict[str, Any]) -> set[str]:
    return {item["itemIdentifier"] for item in response["batchItemFailures"]}
