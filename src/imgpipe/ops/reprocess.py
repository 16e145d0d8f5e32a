"""Re-enqueue existing uploads (after a preset change): S3-notification-shaped messages, paced.

Idempotent by construction: the processor skips an object whose final record carries the current variants
signature, and re-renders (overwriting the same variant keys) when the signature differs.
Each message names the object's current version, so the record it updates is the upload's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from imgpipe.ops.messages import ObjectRef, notification_body
from imgpipe.stack import Stack


def find_uploads(stack: Stack, prefix: str, since: datetime | None = None) -> list[ObjectRef]:
    """Current versions under the prefix (modified at or after `since`), oldest first."""
    found = [(modified, ref) for modified, ref in _current_versions(stack, stack.source_key(prefix))]
    return [
        ref for modified, ref in sorted(found, key=lambda pair: pair[0]) if since is None or modified >= since
    ]


def _current_versions(stack: Stack, prefix: str) -> Iterator[tuple[datetime, ObjectRef]]:
    s3 = stack.client("s3")
    # list_object_versions gives version ids in the same call; it also works on unversioned buckets ("null").
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=stack.bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if not version.get("IsLatest") or version["Key"].endswith("/"):
                continue
            yield (
                version["LastModified"],
                ObjectRef(
                    bucket=stack.bucket,
                    key=version["Key"],
                    version_id=version.get("VersionId"),
                    etag=version.get("ETag"),
                    size=version.get("Size"),
                ),
            )


def enqueue(
    stack: Stack,
    refs: list[ObjectRef],
    per_second: float = 50.0,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Send one message per object in batches of 10, at most `per_second` messages a second."""
    sqs = stack.client("sqs")
    sent = failed = 0
    errors: list[str] = []
    for start in range(0, len(refs), 10):
        began = time.monotonic()
        chunk = refs[start : start + 10]
        entries = [
            {"Id": str(i), "MessageBody": notification_body(r, stack.region)} for i, r in enumerate(chunk)
        ]
        response = sqs.send_message_batch(QueueUrl=stack.queue_url, Entries=entries)
        sent += len(response.get("Successful", []))
        for failure in response.get("Failed", []):
            failed += 1
            errors.append(f"{chunk[int(failure['Id'])].key}: {failure.get('Message', 'failed')}")
        if on_progress:
            on_progress(len(chunk))
        # Pacing keeps a backfill from starving fresh uploads of the function's concurrency.
        pause = len(chunk) / per_second - (time.monotonic() - began)
        if pause > 0 and start + 10 < len(refs):
            time.sleep(pause)
    return {"found": len(refs), "sent": sent, "failed": failed, "errors": errors}
