"""`imgpipe local run`: upload a directory to `uploads/`, wait until the pipeline has drained, report.

Drained means: the main queue is empty with nothing in flight, and every upload either has a final record
(PROCESSED / REJECTED / FAILED) or sits in the DLQ. An upload that reaches none of them is LOST; the pipeline
promises there are none.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgpipe.ops import dlq, metadata
from imgpipe.ops.formatting import plain
from imgpipe.stack import Stack

POLL_SECONDS = 0.5


def visibility_timeout(stack: Stack) -> int:
    """The main queue's visibility timeout, as Terraform set it."""
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.queue_url, AttributeNames=["VisibilityTimeout"]
    )["Attributes"]
    return int(attributes["VisibilityTimeout"])


def settle_seconds(stack: Stack) -> float:
    """How long an empty queue must stay empty before unaccounted uploads count as lost: a message can be
    between a receive and its DLQ move for up to one visibility timeout; twice that leaves room."""
    return 2.0 * visibility_timeout(stack)


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    version_id: str | None


def upload_tree(
    stack: Stack, images: Path, on_upload: Callable[[Upload], None] | None = None
) -> list[Upload]:
    """Every file under `images` (dotfiles skipped) to `uploads/<relative path>`, in sorted order."""
    s3 = stack.client("s3")
    uploads = []
    for path in sorted(p for p in images.rglob("*") if p.is_file() and not p.name.startswith(".")):
        key = stack.source_prefix + path.relative_to(images).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = s3.put_object(
            Bucket=stack.bucket, Key=key, Body=path.read_bytes(), ContentType=content_type
        )
        upload = Upload(key=key, path=path, version_id=response.get("VersionId"))
        uploads.append(upload)
        if on_upload:
            on_upload(upload)
    return uploads


def _final_record(stack: Stack, upload: Upload) -> dict[str, Any] | None:
    records = metadata.records_for(stack, upload.key)
    mine = [r for r in records if upload.version_id and r.get("sk") == f"v#{upload.version_id}"] or records
    record = metadata.latest(mine)
    return record if record and record.get("status") in metadata.FINAL_STATUSES else None


def _dead_lettered_keys(stack: Stack) -> set[str]:
    depth = dlq.depth(stack, stack.dlq_url)
    if depth.visible + depth.in_flight == 0:
        return set()
    return {
        key
        for message in dlq.peek(stack, max_messages=depth.visible, with_records=False)
        for key in message.keys
    }


def wait_drained(
    stack: Stack,
    uploads: list[Upload],
    *,
    timeout: float,
    settle: float,
    on_final: Callable[[int], None] | None = None,
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Poll until drained or `timeout`; returns the final records by key and the keys found in the DLQ.

    `settle`: how long the queue must stay empty with uploads still unaccounted for before they count as lost
    (a message can be between a receive and a DLQ move for up to one visibility timeout).
    """
    records: dict[str, dict[str, Any]] = {}
    dead: set[str] = set()
    deadline = time.monotonic() + timeout
    empty_since: float | None = None
    while time.monotonic() < deadline:
        for upload in uploads:
            if upload.key not in records and (record := _final_record(stack, upload)) is not None:
                records[upload.key] = record
                if on_final:
                    on_final(1)
        queue = dlq.depth(stack, stack.queue_url)
        if queue.visible + queue.in_flight + queue.delayed == 0:
            pending = {u.key for u in uploads} - set(records)
            if pending:
                found = _dead_lettered_keys(stack) & pending
                if found - dead and on_final:
                    on_final(len(found - dead))
                dead |= found
            if not pending - dead:
                return records, dead
            empty_since = empty_since or time.monotonic()
            if time.monotonic() - empty_since > settle:
                break
        else:
            empty_since = None
        time.sleep(POLL_SECONDS)
    return records, dead


def build_report(
    uploads: list[Upload], records: dict[str, dict[str, Any]], dead: set[str], elapsed: float
) -> dict[str, Any]:
    """The `imgpipe local run` report (docs/architecture.md), plus per item what a contact sheet needs."""
    items = []
    for upload in uploads:
        record = records.get(upload.key)
        if record is not None:
            status, reason = record["status"], record.get("reason")
        elif upload.key in dead:
            status, reason = "FAILED", "in the dead-letter queue without a final record"
        else:
            status, reason = "LOST", "no record and not in the dead-letter queue"
        record = record or {}
        items.append(
            {
                "key": upload.key,
                "status": status,
                "reason": reason,
                "variants": record.get("variants") or [],
                "source": record.get("source"),
                "processed_at": record.get("processed_at"),
                "duration_ms": record.get("duration_ms"),
                "dead_lettered": upload.key in dead,
            }
        )
    count = {
        s: sum(1 for i in items if i["status"] == s) for s in ("PROCESSED", "REJECTED", "FAILED", "LOST")
    }
    return {
        "inputs": len(uploads),
        "processed": count["PROCESSED"],
        "rejected": count["REJECTED"],
        "dead_lettered": sum(1 for i in items if i["status"] == "FAILED" or i["dead_lettered"]),
        "lost": count["LOST"],
        "elapsed_seconds": round(elapsed, 2),
        "items": items,
    }


def run_images(
    stack: Stack,
    images: Path,
    *,
    timeout: float,
    settle: float,
    on_total: Callable[[int], None] | None = None,
    on_final: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Upload, wait, report, on a running stack (local or not)."""
    began = time.monotonic()
    uploads = upload_tree(stack, images)
    if on_total:
        on_total(len(uploads))
    records, dead = wait_drained(stack, uploads, timeout=timeout, settle=settle, on_final=on_final)
    plain_records = {key: plain(record) for key, record in records.items()}
    return build_report(uploads, plain_records, dead, time.monotonic() - began)
