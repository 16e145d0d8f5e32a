"""Builders for what Lambda hands the function: S3 notification bodies inside SQS records inside an event."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote_plus

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:imgpipe-test-queue"


def s3_body(
    bucket: str,
    *objects: dict[str, Any],
    event_name: str = "ObjectCreated:Put",
    slash_encoded: bool = True,
) -> str:
    """An S3 notification with one record per object (`{"key", "size", "etag", "version_id"?}`).

    Keys are encoded the way S3 does (`quote_plus`, space -> '+'); with `slash_encoded` also '/' -> '%2F', the
    way moto does, so both spellings are exercised.
    """
    records = []
    for obj in objects:
        s3_object: dict[str, Any] = {
            "key": quote_plus(obj["key"], safe="" if slash_encoded else "/"),
            "sequencer": "0062E99A88DC407460",
        }
        if obj.get("size") is not None:
            s3_object["size"] = obj["size"]
        if obj.get("etag"):
            s3_object["eTag"] = obj["etag"]
        if obj.get("version_id"):
            s3_object["versionId"] = obj["version_id"]
        records.append(
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-22T05:00:00.000Z",
                "eventName": obj.get("event_name", event_name),
                "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": s3_object},
            }
        )
    return json.dumps({"Records": records})


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
