"""What an SQS body on the pipeline's queues refers to; S3-notification-shaped bodies for reprocess."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None


def describe_body(body: str) -> tuple[str, list[ObjectRef]]:
    """(`s3` | `test` | `poison`, objects named): the operator's view, tolerant of anything."""
    try:
        data: Any = json.loads(body)
    except (json.JSONDecodeError, TypeError):
        return "poison", []
    if isinstance(data, dict) and data.get("Event") == "s3:TestEvent":
        return "test", []
    records = data.get("Records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        return "poison", []
    refs = []
    for record in records:
        # Bodies in the DLQ are often the malformed ones: every level may be any JSON type.
        s3 = _field(record, "s3")
        bucket = _field(_field(s3, "bucket"), "name")
        obj = _field(s3, "object")
        key = _field(obj, "key")
        if isinstance(bucket, str) and bucket and isinstance(key, str) and key:
            refs.append(
                ObjectRef(
                    bucket=bucket,
                    key=unquote_plus(key),
                    version_id=_text(_field(obj, "versionId")),
                    etag=_text(_field(obj, "eTag")),
                    size=size if isinstance(size := _field(obj, "size"), int) else None,
                )
            )
    return ("s3", refs) if refs else ("poison", [])


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def notification_body(ref: ObjectRef, region: str, principal: str = "imgpipe-reprocess") -> str:
    """One `ObjectCreated:Put` record shaped like S3's own (key URL-encoded as S3 does), for `reprocess`."""
    obj: dict[str, Any] = {"key": quote_plus(ref.key, safe="/"), "sequencer": "0"}
    if ref.size is not None:
        obj["size"] = ref.size
    if ref.etag:
        obj["eTag"] = ref.etag.strip('"')
    if ref.version_id and ref.version_id != "null":
        obj["versionId"] = ref.version_id
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": principal},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": principal,
            "bucket": {"name": ref.bucket, "arn": f"arn:aws:s3:::{ref.bucket}"},
            "object": obj,
        },
    }
    return json.dumps({"Records": [record]})
