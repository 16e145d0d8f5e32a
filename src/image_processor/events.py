"""The one codec of S3 event notifications as they travel on the queues.

- `parse_body` (strict, the function's): an SQS body -> object references, the S3 test event, or a
  `PoisonMessage`, which the caller reports failed so that it ends in the DLQ for a human to see;
- `describe_body` (tolerant, the operators'): what a body in the DLQ refers to, whatever it holds;
- `notification_body`: a body shaped like S3's own, for `imgpipe reprocess`, the tests and the soak.

The body of each SQS record is what S3 sent to the queue: an event notification with one or more `Records`, or
the `s3:TestEvent` S3 sends when a notification configuration is saved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from image_processor.records import RecordKey

_CREATED_PREFIXES = ("ObjectCreated:", "s3:ObjectCreated:")
# A delete (a delete marker in a versioned bucket, or a version removed for good): its variants go too.
_REMOVED_PREFIXES = ("ObjectRemoved:", "s3:ObjectRemoved:")
_TEST_EVENT = "s3:TestEvent"


class PoisonMessage(Exception):
    """The body is not an S3 event notification nor the test event; `reason` says what is wrong."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class S3ObjectRef:
    """One object an `ObjectCreated:*` or `ObjectRemoved:*` record points at; `key` is decoded."""

    bucket: str
    key: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    event_name: str = "ObjectCreated:Put"
    event_time: str | None = None
    sequencer: str | None = None  # orders the events of one key; names a delete in an unversioned bucket

    @property
    def removed(self) -> bool:
        return self.event_name.startswith(_REMOVED_PREFIXES)

    @property
    def record_key(self) -> RecordKey:
        """The metadata record this event is recorded under (a removal has its own)."""
        if self.removed:
            return RecordKey.for_removal(self.bucket, self.key, self.version_id, self.sequencer)
        return RecordKey.for_object(self.bucket, self.key, self.version_id, self.etag)


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
        sequencer=_optional_text(obj.get("sequencer")),
    )


def _skip_reason(ref: S3ObjectRef, source_prefix: str, destination_prefix: str) -> str | None:
    if not ref.event_name.startswith(_CREATED_PREFIXES + _REMOVED_PREFIXES):
        return f"not an ObjectCreated or ObjectRemoved event ({ref.event_name})"
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


def describe_body(body: str) -> tuple[str, list[S3ObjectRef]]:
    """(`s3` | `test` | `poison`, objects named): the operator's view of any body, never raising.

    Bodies in the DLQ are often the malformed ones: every level may be any JSON type.
    """
    try:
        data: Any = json.loads(body)
    except (TypeError, ValueError):
        return "poison", []
    if isinstance(data, dict) and data.get("Event") == _TEST_EVENT:
        return "test", []
    records = data.get("Records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        return "poison", []
    refs = []
    for record in records:
        s3 = _field(record, "s3")
        bucket = _field(_field(s3, "bucket"), "name")
        obj = _field(s3, "object")
        key = _field(obj, "key")
        if isinstance(bucket, str) and bucket and isinstance(key, str) and key:
            size = _field(obj, "size")
            event_name = _field(record, "eventName")
            refs.append(
                S3ObjectRef(
                    bucket=bucket,
                    key=unquote_plus(key),
                    size=size if isinstance(size, int) and not isinstance(size, bool) else None,
                    etag=_optional_text(_field(obj, "eTag")),
                    version_id=_optional_text(_field(obj, "versionId"), none_values=("null",)),
                    event_name=event_name if isinstance(event_name, str) else "",
                    event_time=_optional_text(_field(record, "eventTime")),
                    sequencer=_optional_text(_field(obj, "sequencer")),
                )
            )
    return ("s3", refs) if refs else ("poison", [])


def notification_body(
    refs: Iterable[S3ObjectRef],
    *,
    region: str,
    principal: str = "imgpipe",
    encode_slash: bool = False,
) -> str:
    """One S3-shaped record per reference (`eventName`, `eventTime` from it, else now), keys URL-encoded as
    S3 encodes them (space -> '+'); `encode_slash` also encodes '/' as moto does."""
    records = []
    for ref in refs:
        obj: dict[str, Any] = {
            "key": quote_plus(ref.key, safe="" if encode_slash else "/"),
            "sequencer": ref.sequencer or "0",
        }
        if ref.size is not None:
            obj["size"] = ref.size
        if ref.etag:
            obj["eTag"] = ref.etag.strip('"')
        if ref.version_id and ref.version_id != "null":
            obj["versionId"] = ref.version_id
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        records.append(
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": ref.event_time or now,
                "eventName": ref.event_name,
                "userIdentity": {"principalId": principal},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": principal,
                    "bucket": {"name": ref.bucket, "arn": f"arn:aws:s3:::{ref.bucket}"},
                    "object": obj,
                },
            }
        )
    return json.dumps({"Records": records})


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None
