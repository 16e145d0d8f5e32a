"""Metadata records: one object's latest record, and status/time-range queries through the `by_status` index.

Never a scan: `get` queries the base table by partition key, `query` queries GSI `by_status`
(hash `status`, range `processed_at`); see docs/architecture.md.

A claim (IN_PROGRESS) is shown with `stale` and `lease_until`/`claimed_at` (ISO-8601): a claim whose lease ran
out is worked on by nobody (its function died, or handed it back for a retry), so it is reported as stale
instead of hiding the final record.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from image_processor.adapters.metadata import MetadataTable
from image_processor.records import (
    INTERNAL_FIELDS,
    STATUS_INDEX,
    STEM_PARTITION_PREFIX,
    Status,
    from_item,
    iso_utc,
)
from imgpipe.ops.times import lower_bound, upper_bound
from imgpipe.stack import Stack

# In the function's order (records.Status), the statuses the `by_status` index holds.
FINAL_STATUSES = tuple(str(status) for status in Status if status is not Status.IN_PROGRESS)
STATUSES = (*FINAL_STATUSES, str(Status.IN_PROGRESS))
# What `metadata get --json` always carries (None where a claim has no result yet).
CONTRACT_FIELDS = ("bucket", "key", "status", "reason", "source", "variants", "processed_at", "duration_ms")


def _view(item: dict[str, Any]) -> dict[str, Any]:
    """The operator's view of a record decoded by the function's own `records.from_item`."""
    lease, claimed_at = item.get("lease_until"), item.get("claimed_at")
    # The processor's claim bookkeeping is not part of the operator's view of a record ...
    for name in INTERNAL_FIELDS:
        item.pop(name, None)
    if item.get("status") == "IN_PROGRESS":
        # ... except whether the claim's function is still alive: the condition the function itself uses to
        # take a claim over (lease_until < now, epoch seconds).
        alive_until = lease if isinstance(lease, int) else None
        item["stale"] = alive_until is not None and alive_until < time.time()
        item["claimed_at"] = claimed_at
        item["lease_until"] = (
            None if alive_until is None else iso_utc(datetime.fromtimestamp(alive_until, UTC))
        )
    return item


def records_for(stack: Stack, key: str, bucket: str | None = None) -> list[dict[str, Any]]:
    """Every record (one per version/etag) of `bucket/key`, oldest first; claims carry `stale`. The function's
    own query: on failure, `describe_error` reports the botocore error behind the adapter's `AwsCallError`."""
    table = MetadataTable(stack.client("dynamodb"), stack.table)
    return [_view(item) for item in table.records_for(bucket or stack.bucket, key)]


def latest(records: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest record: a live claim (being worked on now), else the newest final record, else the newest
    stale claim. A stale claim is never newest: nobody works on it, and the last final result still stands."""

    def rank(record: dict[str, Any]) -> tuple[int, str]:
        if record.get("status") != "IN_PROGRESS":
            return 1, str(record.get("processed_at") or "")
        return (0 if record.get("stale") else 2), str(record.get("claimed_at") or "")

    return max(records, key=rank, default=None)


def get(stack: Stack, key: str) -> dict[str, Any] | None:
    """The latest record of an upload (`key` with or without the `uploads/` prefix), the contract fields
    always present, and `stale_claims`: the key's other claims whose lease ran out, newest first."""
    records = records_for(stack, key)
    if not records and stack.source_key(key) != key:
        records = records_for(stack, stack.source_key(key))
    shown = latest(records)
    if shown is None:
        return None
    stale = [r for r in records if r is not shown and r.get("stale")]
    stale.sort(key=lambda r: str(r.get("claimed_at") or ""), reverse=True)
    claim_fields = ("sk", "status", "stale", "claimed_at", "lease_until")
    return (
        dict.fromkeys(CONTRACT_FIELDS)
        | shown
        | {"stale_claims": [{name: r.get(name) for name in claim_fields} for r in stale]}
    )


def status_text(record: dict[str, Any]) -> str:
    """The status as an operator reads it: a claim says whether its function is alive."""
    status = str(record.get("status"))
    if status != "IN_PROGRESS" or not record.get("lease_until"):
        return status
    if record.get("stale"):
        return f"{status} (stale: lease ran out at {record['lease_until']})"
    return f"{status} (lease until {record['lease_until']})"


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


def status_index_pages(stack: Stack, **params: Any) -> Iterable[dict[str, Any]]:
    """The pages of a Query of the `by_status` index (`params`: the key condition and what else it takes)."""
    paginator = stack.client("dynamodb").get_paginator("query")
    return paginator.paginate(TableName=stack.table, IndexName=STATUS_INDEX, **params)


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
    pages = status_index_pages(
        stack,
        KeyConditionExpression=condition,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ScanIndexForward=not newest_first,
        PaginationConfig=pagination,
    )
    # Lazy: the merge above stops pulling pages once it has `limit` records.
    for page in pages:
        for raw in page.get("Items", []):
            item = _view(from_item(raw))
            if not str(item.get("pk", "")).startswith(STEM_PARTITION_PREFIX):
                yield item


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
