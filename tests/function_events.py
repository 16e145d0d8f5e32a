"""What Lambda hands the function, for every test that invokes it: S3 notification bodies inside SQS records
inside an event, and a context with a deadline."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from image_processor.events import S3ObjectRef, notification_body

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:imgpipe-test-queue"


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
    return notification_body(refs, region=REGION, encode_slash=slash_encoded)


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


def sqs_record(
    body: str,
    *,
    message_id: str | None = None,
    receive_count: int = 1,
    receipt_handle: str | None = None,
    queue_arn: str = QUEUE_ARN,
) -> dict[str, Any]:
    """One record of a Lambda SQS event, as the event source mapping builds it."""
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": receipt_handle or f"handle-{uuid.uuid4().hex}",
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
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def received_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event the mapping invokes the function with for messages a ReceiveMessage call returned (asked
    for their `ApproximateReceiveCount`)."""
    return sqs_event(
        *(
            sqs_record(
                message["Body"],
                message_id=message["MessageId"],
                receive_count=int(message["Attributes"]["ApproximateReceiveCount"]),
                receipt_handle=message["ReceiptHandle"],
                queue_arn=queue_arn,
            )
            for message in messages
        )
    )


@dataclass
class FakeLambdaContext:
    """What Powertools (Logger, Metrics cold start) and the handler (remaining time) read from the context."""

    function_name: str = "imgpipe-test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:imgpipe-test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/imgpipe-test-function"
    log_stream_name: str = "2026/01/01/[$LATEST]test"
    timeout_seconds: float = 60.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
