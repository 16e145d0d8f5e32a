"""Metadata records: one object's latest record, and status/time-range queries through the `by_status` index.

Never a scan: `get` queries the base table by partition key, `query` queries GSI `by_status`
(hash `status`, range `processed_at`); see docs/architecture.md.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from image_processor.records import INTERNAL_FIELDS, STATUS_INDEX
from imgpipe.ops.times import lower_bound, upper_bound
from imgpipe.stack import Stack

FINAL_STATUSES = ("PROCESSED", "REJECTED", "FAILED")
STATUSES = (*FINAL_STATUSES, "IN_PROGRESS")

_deserializer = TypeDeserializer()


def _item(raw: dict[str, Any]) -> dict[str, Any]:
    item = {k: _deserializer.deserialize(v) for k, v in raw.items()}
    # The processor's claim bookkeeping is not part of the operator's view of a record.
    for name in INTERNAL_FIELDS:
        item.pop(name, None)
    return item


def records_for(stack: Stack, key: str, bucket: str | None = None) -> list[dict[str, Any]]:
    """Every record (one per version/etag) of `bucket/key`."""
    pages = (
        stack.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=stack.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{bucket or stack.bucket}/{key}"}},
            ConsistentRead=True,
        )
    )
    return [_item(raw) for page in pages for raw in page.get("Items", [])]


def latest(records: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest record: an unfinished claim counts as newest (it is the one being worked on)."""
    ordered = sorted(records, key=lambda r: (r.get("processed_at") is None, str(r.get("processed_at") or "")))
    return ordered[-1] if ordered else None


def get(stack: Stack, key: str) -> dict[str, Any] | None:
    """The latest record of an upload; `key` may be given with or without the `uploads/` prefix."""
    found = latest(records_for(stack, key))
    if found is None and stack.source_key(key) != key:
        found = latest(records_for(stack, stack.source_key(key)))
    return found


def query(
    stack: Stack,
    *,
    statuses: Iterable[str] = FINAL_STATUSES,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    newest_first: bool = True,
) -> list[dict[str, Any]]:
    """Records by status and `processed_at` range, merged across statuses in time order, at most `limit`."""
    streams = [
        _query_status(stack, s, since=since, until=until, limit=limit, newest_first=newest_first)
        for s in statuses
    ]
    merged = heapq.merge(*streams, key=lambda r: str(r.get("processed_at", "")), reverse=newest_first)
    out: list[dict[str, Any]] = []
    for record in merged:
        if limit is not None and len(out) >= limit:
            break
        out.append(record)
    return out


def _query_status(
    stack: Stack,
    status: str,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    newest_first: bool,
) -> Iterator[dict[str, Any]]:
    names = {"#s": "status", "#t": "processed_at"}
    values: dict[str, Any] = {":s": {"S": status}}
    condition = "#s = :s"
    if since and until:
        condition += " AND #t BETWEEN :a AND :b"
        values |= {":a": {"S": lower_bound(since)}, ":b": {"S": upper_bound(until)}}
    elif since:
        condition += " AND #t >= :a"
        values[":a"] = {"S": lower_bound(since)}
    elif until:
        condition += " AND #t <= :b"
        values[":b"] = {"S": upper_bound(until)}
    else:
        names.pop("#t")
    pagination = {"PageSize": min(limit, 500)} if limit else {}
    pages = (
        stack.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=stack.table,
            IndexName=STATUS_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ScanIndexForward=not newest_first,
            PaginationConfig=pagination,
        )
    )
    # Lazy: the merge above stops pulling pages once it has `limit` records.
    for page in pages:
        for raw in page.get("Items", []):
            yield _item(raw)


def summary_row(record: dict[str, Any]) -> dict[str, Any]:
    """The columns of a listing."""
    source = record.get("source") or {}
    return {
        "processed_at": record.get("processed_at"),
        "status": record.get("status"),
        "key": record.get("key"),
        "variants": len(record.get("variants") or []),
        "source": f"{source['format']} {source.get('width')}x{source.get('height')}"
        if source.get("format")
        else "",
        "duration_ms": record.get("duration_ms"),
        "reason": record.get("reason"),
    }


SUMMARY_COLUMNS = ("processed_at", "status", "key", "variants", "source", "duration_ms", "reason")
