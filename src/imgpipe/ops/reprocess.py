"""Re-enqueue existing uploads (after a preset change): S3-notification-shaped messages, paced.

Idempotent by construction: the processor skips an object whose final record carries the current variants
signature, and re-renders (overwriting the same variant keys) when the signature differs.
Each message names the object's current version, so the record it updates is the upload's own.
Archived objects are skipped and counted: GetObject refuses them until restored, so a message would only
retry until it is dead-lettered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from image_processor.events import S3ObjectRef, notification_body
from imgpipe.stack import Stack

# GLACIER (Flexible Retrieval) and DEEP_ARCHIVE need a restore before GetObject; GLACIER_IR is readable
# at once. INTELLIGENT_TIERING's opt-in Archive/Deep Archive Access tiers cannot be seen in a listing
# (ListObjectsV2 and ListObjectVersions say INTELLIGENT_TIERING; only HeadObject's ArchiveStatus tells), so
# those are sent, and the function records them FAILED or dead-letters them. A restored copy is readable
# but skipped all the same: only OptionalObjectAttributes=RestoreStatus would say so (moto does not answer
# it); copying the restored object over itself into a readable class makes a new version, which S3's own
# notification sends anyway.
ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})


@dataclass(frozen=True)
class Uploads:
    refs: list[S3ObjectRef]  # to send, oldest first
    archived: list[str]  # keys skipped: archived storage class


def find_uploads(stack: Stack, prefix: str, since: datetime | None = None) -> Uploads:
    """Current versions under the prefix (modified at or after `since`), oldest first, archived ones apart."""
    found = sorted(_current_versions(stack, stack.source_key(prefix)), key=lambda entry: entry[0])
    chosen = [(ref, storage) for modified, ref, storage in found if since is None or modified >= since]
    return Uploads(
        refs=[ref for ref, storage in chosen if storage not in ARCHIVED_STORAGE_CLASSES],
        archived=[ref.key for ref, storage in chosen if storage in ARCHIVED_STORAGE_CLASSES],
    )


def _current_versions(stack: Stack, prefix: str) -> Iterator[tuple[datetime, S3ObjectRef, str]]:
    s3 = stack.client("s3")
    # list_object_versions gives version ids in the same call; it also works on unversioned buckets ("null").
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=stack.bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if not version.get("IsLatest") or version["Key"].endswith("/"):
                continue
            yield (
                version["LastModified"],
                S3ObjectRef(
                    bucket=stack.bucket,
                    key=version["Key"],
                    version_id=version.get("VersionId"),
                    etag=version.get("ETag"),
                    size=version.get("Size"),
                ),
                str(version.get("StorageClass") or "STANDARD"),
            )


def enqueue(
    stack: Stack,
    uploads: Uploads,
    per_second: float = 50.0,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Send one message per readable object in batches of 10, at most `per_second` messages a second."""
    sqs = stack.client("sqs")
    refs = uploads.refs
    sent = failed = 0
    errors: list[str] = []
    for start in range(0, len(refs), 10):
        began = time.monotonic()
        chunk = refs[start : start + 10]
        entries = [
            {
                "Id": str(i),
                "MessageBody": notification_body([r], region=stack.region, principal="imgpipe-reprocess"),
            }
            for i, r in enumerate(chunk)
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
    return {
        "found": len(refs) + len(uploads.archived),
        "sent": sent,
        "failed": failed,
        "skipped_archived": len(uploads.archived),
        "errors": errors,
    }
