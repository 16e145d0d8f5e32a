"""The function under moto, as the integration tests drive it: `Pipeline`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from image_processor.adapters.metadata import MetadataTable
from image_processor.records import RecordKey
from tests.function_events import s3_body, sqs_event, sqs_record


@dataclass
class Pipeline:
    """The handler module after a cold start, its clients, and helpers to drive and inspect it."""

    handler: ModuleType
    bucket: str
    table: str
    context: Any
    s3: Any = field(init=False)
    dynamodb: Any = field(init=False)
    records: MetadataTable = field(init=False)

    def __post_init__(self) -> None:
        # The handler's own clients: faults injected on them hit the code under test.
        self.s3 = self.handler.processor.store.client
        self.dynamodb = self.handler.processor.records.client
        self.records = self.handler.processor.records

    def upload(self, key: str, data: bytes, bucket: str | None = None) -> dict[str, Any]:
        """PutObject; returns the event fields of the upload (`key`, `size`, `etag`, `version_id`)."""
        response = self.s3.put_object(Bucket=bucket or self.bucket, Key=key, Body=data)
        return {
            "key": key,
            "size": len(data),
            "etag": response["ETag"].strip('"'),
            "version_id": response.get("VersionId"),
        }

    def body(self, *uploads: dict[str, Any], **kwargs: Any) -> str:
        return s3_body(self.bucket, *uploads, **kwargs)

    def invoke(self, *records: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.handler.lambda_handler(sqs_event(*records), self.context)
        return response

    def retried(self, *records: dict[str, Any]) -> set[str]:
        """Invoke; return the ids SQS will retry: the `batchItemFailures`, or every id when the handler
        raised `BatchProcessingError` because every record failed (Lambda then retries the whole batch)."""
        try:
            response = self.invoke(*records)
        except BatchProcessingError:
            return {record["messageId"] for record in records}
        return {item["itemIdentifier"] for item in response["batchItemFailures"]}

    def deliver(self, *uploads: dict[str, Any], receive_count: int = 1) -> dict[str, Any]:
        """One SQS record per upload, one invocation."""
        return self.invoke(
            *(sqs_record(self.body(upload), receive_count=receive_count) for upload in uploads)
        )

    def claim(self, upload: dict[str, Any], *, token: str, lease_seconds: int) -> None:
        """Another delivery's claim on `upload`, taken directly through the adapter (a lease already over when
        `lease_seconds` is negative: an invocation that died)."""
        now = int(time.time())
        self.records.claim(
            RecordKey.for_object(self.bucket, upload["key"], upload["version_id"], upload["etag"]),
            bucket=self.bucket,
            object_key=upload["key"],
            token=token,
            now=now,
            lease_until=now + lease_seconds,
            claimed_at="2026-11-22T05:00:00.000Z",
            signature=self.handler.settings.variants_signature,
            expires_at=None,
        )

    def record(self, key: str, bucket: str | None = None) -> dict[str, Any] | None:
        found = self.records.records_for(bucket or self.bucket, key)
        assert len(found) <= 1, found
        return found[0] if found else None

    def objects(self, prefix: str = "processed/", bucket: str | None = None) -> dict[str, dict[str, Any]]:
        """HeadObject of every key under `prefix`."""
        listing = self.s3.list_objects_v2(Bucket=bucket or self.bucket, Prefix=prefix)
        return {
            item["Key"]: self.s3.head_object(Bucket=bucket or self.bucket, Key=item["Key"])
            for item in listing.get("Contents", [])
        }
