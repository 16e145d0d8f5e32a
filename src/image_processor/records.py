"""The metadata record: its keys, its fields, and conversion between DynamoDB items and plain JSON dicts.

One item per source object version (docs/function.md has the full table):
- `pk` = `<bucket>/<key>`, `sk` = `v#<versionId>` when the event has one, else `e#<etag>`;
- `status` IN_PROGRESS (the claim; internal) | PROCESSED | REJECTED | FAILED | DELETED (the record of a
  removal event, `sk` = `d#<versionId>` or `d#s<sequencer>`);
- `processed_at` (ISO-8601 UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`) only on final records, so the GSI `by_status`
  (hash `status`, range `processed_at`) holds final records only and answers "status S between T1 and T2".

Records are plain JSON dicts (ints, strings, lists, dicts, None) everywhere outside the DynamoDB adapter;
numbers are ints on purpose, so DynamoDB's Decimal never leaks and `json.dumps` always works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypedDict

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

STATUS_INDEX = "by_status"
PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"
# Claim bookkeeping: meaningful only while IN_PROGRESS, removed by the final write, hidden from operators.
INTERNAL_FIELDS = frozenset({"claim_token", "lease_until", "claimed_at"})
# Items that are not source records: one per destination stem, naming the source that owns its variant keys
# (`owner`) and holding the lock taken while variants are written. A bucket name cannot contain '#'.
STEM_PARTITION_PREFIX = "stem#"


class Status(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    PROCESSED = "PROCESSED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    DELETED = "DELETED"


FINAL_STATUSES = frozenset({Status.PROCESSED, Status.REJECTED, Status.FAILED, Status.DELETED})


class SourceDoc(TypedDict):
    """What is known of the source; format/width/height are None when it was rejected before decoding."""

    format: str | None
    width: int | None
    height: int | None
    bytes: int | None
    etag: str | None
    version_id: str | None


class VariantDoc(TypedDict):
    name: str
    key: str
    format: str
    content_type: str
    width: int
    height: int
    bytes: int


@dataclass(frozen=True)
class RecordKey:
    pk: str
    sk: str

    @classmethod
    def for_object(cls, bucket: str, key: str, version_id: str | None, etag: str | None) -> RecordKey:
        # A version id names the bytes exactly; without versioning the ETag is the best identity S3 gives.
        sort = f"v#{version_id}" if version_id else f"e#{etag or 'unknown'}"
        return cls(pk=f"{bucket}/{key}", sk=sort)

    @classmethod
    def for_removal(cls, bucket: str, key: str, version_id: str | None, sequencer: str | None) -> RecordKey:
        # Its own sort key: removing version V for good sends V's id, which must not meet V's creation record.
        # Unversioned deletes carry no ETag; the sequencer tells two deletes of one key apart.
        sort = f"d#{version_id}" if version_id else f"d#s{sequencer or 'unknown'}"
        return cls(pk=f"{bucket}/{key}", sk=sort)

    @classmethod
    def for_stem(cls, bucket: str, stem: str) -> RecordKey:
        return cls(pk=f"{STEM_PARTITION_PREFIX}{bucket}/{stem}", sk="owner")

    def as_item_key(self) -> dict[str, dict[str, str]]:
        return {PARTITION_KEY: {"S": self.pk}, SORT_KEY: {"S": self.sk}}


def iso_utc(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC with milliseconds and `Z`: string order is time order (the GSI range key)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def final_record(
    *,
    key: RecordKey,
    bucket: str,
    object_key: str,
    status: Status,
    reason: str | None,
    source: SourceDoc,
    variants: list[VariantDoc],
    destination_bucket: str | None,
    processed_at: datetime,
    duration_ms: int,
    attempts: int,
    interrupted: int = 0,
    deleted_keys: list[str] | None = None,
    variants_signature: str,
    event_time: str | None,
    expires_at: int | None,
) -> dict[str, Any]:
    """The item a final write puts (it replaces the claim, so the claim fields disappear)."""
    record: dict[str, Any] = {
        PARTITION_KEY: key.pk,
        SORT_KEY: key.sk,
        "bucket": bucket,
        "key": object_key,
        "status": str(status),
        "reason": reason,
        "source": dict(source),
        "variants": [dict(variant) for variant in variants],
        "destination_bucket": destination_bucket,
        "processed_at": iso_utc(processed_at),
        "duration_ms": duration_ms,
        "attempts": attempts,
        "variants_signature": variants_signature,
        "event_time": event_time,
    }
    if deleted_keys is not None:
        record["deleted_keys"] = deleted_keys  # DELETED only: the variant keys this removal deleted
    if interrupted:
        record["interrupted"] = (
            interrupted  # renders stopped at the deadline (a FAILED retry keeps the count)
        )
    if expires_at is not None:
        record[TTL_ATTRIBUTE] = expires_at
    return record


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(record: Mapping[str, Any]) -> dict[str, Any]:
    """Plain record -> DynamoDB attribute map (ints go through Decimal, which TypeSerializer requires)."""
    return {name: _serializer.serialize(_to_dynamo(value)) for name, value in record.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute map -> plain record (Decimal -> int, or float if it has a fraction)."""
    return {name: _to_plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Never produced by this package; accepted for callers, via str so 0.1 stays 0.1.
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {name: _to_dynamo(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(item) for item in value]
    return value


def _to_plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {name: _to_plain(item) for name, item in value.items()}
    if isinstance(value, list | set | frozenset):
        return [_to_plain(item) for item in value]
    return value
