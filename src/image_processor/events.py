"""SQS message body -> S3 object references, the S3 test event, or a poison message.

The body of each SQS record is what S3 sent to the queue: an event notification with one or more `Records`, or
the `s3:TestEvent` S3 sends when a notification configuration is saved. Anything else is a `PoisonMessage`:
the caller reports it failed so that it ends in the DLQ for a human to see; nothing is dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

_CREATED_PREFIXES = ("ObjectCreated:", "s3:ObjectCreated:")
_TEST_EVENT = "s3:TestEvent"


class PoisonMessage(Exception):
    """The body is not an S3 event notification nor the test event; `reason` says what is wrong."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class S3ObjectRef:
    """One object an `ObjectCreated:*` record points at; `key` is decoded."""

    bucket: str
    key: str
    size: int | None
    etag: str | None
    version_id: str | None
    event_name: str
    event_time: str | None


@dataclass(frozen=True)
class SkippedRecord:
    """A well-formed record the function acknowledges without work, and why (logged by the caller)."""

    bucket: str
    key: str
    event_name: str
    reason: str


@dataclass(frozen=True)
class TestEvent:
    """S3's `s3:TestEvent`: proof the notification works; acknowledged, nothing to do."""

    __test__ = False  # not a pytest test class, whatever the name suggests

    bucket: str | None


@dataclass(frozen=True)
class Notification:
    objects: tuple[S3ObjectRef, ...]
    skipped: tuple[SkippedRecord, ...]


def parse_body(body: str, *, source_prefix: str, destination_prefix: str) -> TestEvent | Notification:
    """Parse one SQS record body; raise `PoisonMessage` if it is not something S3 sends."""
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        raise PoisonMessage("body is not JSON") from None
    if not isinstance(document, dict):
        raise PoisonMessage("body is not a JSON object")
    if document.get("Event") == _TEST_EVENT:
        bucket = document.get("Bucket")
        return TestEvent(bucket=bucket if isinstance(bucket, str) else None)
    records = document.get("Records")
    if not isinstance(records, list) or not records:
        raise PoisonMessage("body is neither an S3 event notification (no Records) nor s3:TestEvent")

    objects: list[S3ObjectRef] = []
    skipped: list[SkippedRecord] = []
    for index, record in enumerate(records):
        ref = _parse_record(record, index)
        reason = _skip_reason(ref, source_prefix, destination_prefix)
        if reason is None:
            objects.append(ref)
        else:
            skipped.append(SkippedRecord(ref.bucket, ref.key, ref.event_name, reason))
    return Notification(objects=tuple(objects), skipped=tuple(skipped))


def _parse_record(record: Any, index: int) -> S3ObjectRef:
    where = f"Records[{index}]"
    if not isinstance(record, dict):
        raise PoisonMessage(f"{where} is not an object")
    if record.get("eventSource") != "aws:s3":
        raise PoisonMessage(f"{where}.eventSource is {record.get('eventSource')!r}, not 'aws:s3'")
    event_name = record.get("eventName")
    if not isinstance(event_name, str) or not event_name:
        raise PoisonMessage(f"{where}.eventName is missing")
    s3 = record.get("s3")
    bucket = s3.get("bucket") if isinstance(s3, dict) else None
    obj = s3.get("object") if isinstance(s3, dict) else None
    bucket_name = bucket.get("name") if isinstance(bucket, dict) else None
    raw_key = obj.get("key") if isinstance(obj, dict) else None
    if not isinstance(bucket_name, str) or not bucket_name:
        raise PoisonMessage(f"{where}.s3.bucket.name is missing")
    if not isinstance(obj, dict) or not isinstance(raw_key, str) or not raw_key:
        raise PoisonMessage(f"{where}.s3.object.key is missing")
    size = obj.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise PoisonMessage(f"{where}.s3.object.size is not a non-negative integer")
    event_time = record.get("eventTime")
    return S3ObjectRef(
        bucket=bucket_name,
        # S3 URL-encodes keys in notifications, spaces as '+'. unquote_plus also undoes moto's '%2F' for '/'.
        key=unquote_plus(raw_key),
        size=size,
        etag=_optional_text(obj.get("eTag")),
        # Unversioned buckets send no versionId (or, from some emitters, "null"): both mean "no version".
        version_id=_optional_text(obj.get("versionId"), none_values=("null",)),
        event_name=event_name,
        event_time=event_time if isinstance(event_time, str) else None,
    )


def _skip_reason(ref: S3ObjectRef, source_prefix: str, destination_prefix: str) -> str | None:
    if not ref.event_name.startswith(_CREATED_PREFIXES):
        return f"not an ObjectCreated event ({ref.event_name})"
    # Checked before the source prefix so the loop guard holds even if the prefixes were misconfigured.
    if ref.key.startswith(destination_prefix):
        return f"under DESTINATION_PREFIX {destination_prefix!r} (loop guard)"
    if not ref.key.startswith(source_prefix):
        return f"outside SOURCE_PREFIX {source_prefix!r}"
    if ref.key.endswith("/"):
        return "folder placeholder (key ends with '/')"
    return None


def _optional_text(value: Any, none_values: tuple[str, ...] = ()) -> str | None:
    if not isinstance(value, str) or not value or value in none_values:
        return None
    return value.strip('"')
