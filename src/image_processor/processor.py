"""One SQS message -> its S3 objects; one object: claim -> get -> render -> put -> final record.

Exactly-once effect under at-least-once delivery (docs/function.md): every object is claimed with a
conditional write before any work, so a redelivered message finds the final record and does nothing, and a
racing delivery finds a live claim and is retried later. The processor never imports boto3 (it talks to the
`ObjectStore` and `RecordStore` protocols of image_processor.adapters) nor Powertools (the handler observes
its results).
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from image_processor.adapters import AwsCallError, ConditionFailed, ObjectStore, RecordStore, source_pointer
from image_processor.adapters.errors import ErrorKind, SourceChanged, SourceGone
from image_processor.config import Settings
from image_processor.engine import ImageRejected, Rendered, Span, check_size, render, variant_key
from image_processor.events import Notification, S3ObjectRef, SkippedRecord, TestEvent, parse_body
from image_processor.records import (
    FINAL_STATUSES,
    RecordKey,
    SourceDoc,
    Status,
    VariantDoc,
    final_record,
    iso_utc,
)

logger = logging.getLogger(__name__)

# Without a Lambda context (tests, local runs) assume the longest function timeout Lambda allows.
_DEFAULT_REMAINING_MS = 900_000
# A claim outlives the invocation that made it by a margin, so it cannot expire while its holder works:
# this many seconds, or the invocation's own length if shorter (a 1 s local timeout keeps a short lease,
# so a killed invocation's objects are free by the next receive instead of blocked for 30 s).
_LEASE_MARGIN_SECONDS = 30
SOURCE_GONE_REASON = "source object no longer exists (deleted after the upload event)"
SOURCE_CHANGED_REASON = (
    "source object was overwritten before it was processed; the newer upload has its own record"
)


class Outcome(StrEnum):
    PROCESSED = "PROCESSED"  # every variant written, record PROCESSED
    REJECTED = "REJECTED"  # bad input, record REJECTED, acknowledged
    DUPLICATE = "DUPLICATE"  # a final record with the same variants exists: nothing done, acknowledged
    RETRY = "RETRY"  # transient failure (or another delivery holds the claim): reported failed, retried
    FAILED = "FAILED"  # transient failure on the last receive: record FAILED, reported failed -> DLQ


_RETRIED = frozenset({Outcome.RETRY, Outcome.FAILED})


@dataclass(frozen=True)
class ObjectResult:
    bucket: str
    key: str
    outcome: Outcome
    reason: str | None = None
    duration_ms: int = 0
    bytes_written: int = 0
    variants_written: int = 0
    source_megapixels: float | None = None


class RetryMessage(Exception):
    """Raised for an SQS record so it is reported in `batchItemFailures` (then retried or dead-lettered)."""

    def __init__(self, failures: list[ObjectResult]) -> None:
        self.failures = failures
        summary = "; ".join(f"{result.key}: {result.reason}" for result in failures)
        super().__init__(f"{len(failures)} object(s) to retry: {summary}")


@dataclass(frozen=True)
class MessageResult:
    objects: list[ObjectResult] = field(default_factory=list)
    skipped: tuple[SkippedRecord, ...] = ()
    test_event: bool = False

    def raise_for_retry(self) -> None:
        """Objects already finished are skipped on the retry thanks to their records."""
        failures = [result for result in self.objects if result.outcome in _RETRIED]
        if failures:
            raise RetryMessage(failures)


@contextmanager
def _no_span(_name: str) -> Iterator[None]:
    yield


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Processor:
    def __init__(
        self,
        settings: Settings,
        store: ObjectStore,
        records: RecordStore,
        *,
        span: Span = _no_span,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.records = records
        self._span = span
        self._clock = clock
        self._signature = settings.variants_signature
        self._limits = settings.limits

    def process_message(
        self, body: str, *, receive_count: int = 1, remaining_ms: int | None = None
    ) -> MessageResult:
        """Every object of one SQS record body. Raises `PoisonMessage` for a body S3 did not send."""
        parsed = parse_body(
            body,
            source_prefix=self.settings.source_prefix,
            destination_prefix=self.settings.destination_prefix,
        )
        if isinstance(parsed, TestEvent):
            logger.info("s3:TestEvent acknowledged", extra={"bucket": parsed.bucket})
            return MessageResult(test_event=True)
        assert isinstance(parsed, Notification)
        for skipped in parsed.skipped:
            logger.info(
                "record skipped",
                extra={
                    "bucket": skipped.bucket,
                    "key": skipped.key,
                    "event": skipped.event_name,
                    "why": skipped.reason,
                },
            )
        results = [
            self.process_object(ref, receive_count=receive_count, remaining_ms=remaining_ms)
            for ref in parsed.objects
        ]
        return MessageResult(objects=results, skipped=parsed.skipped)

    def process_object(
        self, ref: S3ObjectRef, *, receive_count: int = 1, remaining_ms: int | None = None
    ) -> ObjectResult:
        attempt = _Attempt(
            ref=ref,
            record_key=RecordKey.for_object(ref.bucket, ref.key, ref.version_id, ref.etag),
            token=uuid.uuid4().hex,
            receive_count=receive_count,
        )
        now = self._clock()
        # 0 ms left is an invocation already past its deadline: the shortest lease, not the default one.
        remaining = _DEFAULT_REMAINING_MS if remaining_ms is None else max(0, remaining_ms)
        remaining_seconds = max(1, math.ceil(remaining / 1000))
        lease_seconds = remaining_seconds + min(_LEASE_MARGIN_SECONDS, remaining_seconds)
        try:
            attempt.attempts = self.records.claim(
                attempt.record_key,
                bucket=ref.bucket,
                object_key=ref.key,
                token=attempt.token,
                now=int(now.timestamp()),
                lease_until=int(now.timestamp()) + lease_seconds,
                claimed_at=iso_utc(now),
                signature=self._signature,
                expires_at=self._expires_at(now),
            )
        except ConditionFailed as refused:
            existing = refused.item or {}
            if existing.get("status") != Status.IN_PROGRESS or existing.get("claim_token") != attempt.token:
                return self._refused(attempt, refused)
            # Our own claim: the UpdateItem was applied, its response was lost (a timeout) and the SDK's retry
            # of the same request found the claim. It is ours: carry on instead of waiting out our own lease.
            attempts = existing.get("attempts")
            attempt.attempts = attempts if isinstance(attempts, int) else 1
        except Exception as exc:  # AwsCallError, or anything unforeseen: retried, never dropped
            return self._retry_or_fail(attempt, exc)
        attempt.claimed = True

        status, reason = Status.PROCESSED, None
        rendered: Rendered | None = None
        variants: list[VariantDoc] = []
        try:
            rendered, variants = self._produce(ref)
        except ImageRejected as exc:
            status, reason = Status.REJECTED, exc.reason
        except SourceGone:
            status, reason = Status.REJECTED, SOURCE_GONE_REASON
        except SourceChanged:
            status, reason = Status.REJECTED, SOURCE_CHANGED_REASON
        except Exception as exc:  # every other failure is retried, then dead-lettered: never dropped
            return self._retry_or_fail(attempt, exc)

        record = self._record(attempt, status, reason, rendered, variants)
        try:
            self.records.finish(attempt.record_key, attempt.token, record)
        except ConditionFailed as refused:
            if refused.item != record:
                # Our lease ran out and another delivery claimed the object: it owns the record now.
                # Retry (and find its result then).
                reason = "claim lost to another delivery"
                return ObjectResult(ref.bucket, ref.key, Outcome.RETRY, reason, attempt.elapsed_ms())
            # Else the refused item is our own final record: the PutItem was applied, its response was lost
            # and the SDK's retry of the same request found it. Done.
        except Exception as exc:
            return self._retry_or_fail(attempt, exc)

        written = sum(variant["bytes"] for variant in variants)
        result = ObjectResult(
            ref.bucket,
            ref.key,
            Outcome(status.value),
            reason,
            record["duration_ms"],
            bytes_written=written,
            variants_written=len(variants),
            source_megapixels=(rendered.source.width * rendered.source.height / 1e6) if rendered else None,
        )
        logger.info(
            "object %s",
            status.value.lower(),
            extra={
                "bucket": ref.bucket,
                "key": ref.key,
                "status": status.value,
                "reason": reason,
                "duration_ms": result.duration_ms,
                "variants": len(variants),
                "bytes_written": written,
            },
        )
        return result

    def _produce(self, ref: S3ObjectRef) -> tuple[Rendered, list[VariantDoc]]:
        """Get, render, put. Raises ImageRejected, SourceGone, SourceChanged (permanent) or anything else."""
        settings = self.settings
        if ref.size is not None:
            check_size(ref.size, self._limits)  # before download, from the event
        with self._span("s3_get_object"):
            download = self.store.open_source(ref.bucket, ref.key, version_id=ref.version_id, etag=ref.etag)
            try:
                check_size(download.size, self._limits)  # the event may lack a size; the response never does
                data = download.read()
            finally:
                download.close()
        with self._span("render"):
            rendered = render(data, settings.variants, self._limits, span=self._span)
        destination = settings.destination_bucket or ref.bucket
        pointer = source_pointer(
            ref.bucket, ref.key, ref.version_id or download.version_id, ref.etag or download.etag
        )
        variants: list[VariantDoc] = []
        with self._span("s3_put_variants"):
            for variant in rendered.variants:
                key = variant_key(
                    ref.key,
                    source_prefix=settings.source_prefix,
                    destination_prefix=settings.destination_prefix,
                    suffix=variant.suffix,
                    extension=variant.extension,
                )
                self.store.put_variant(
                    destination,
                    key,
                    variant.body,
                    content_type=variant.content_type,
                    cache_control=settings.cache_control,
                    metadata=pointer,
                )
                variants.append(
                    VariantDoc(
                        name=variant.name,
                        key=key,
                        format=variant.format,
                        content_type=variant.content_type,
                        width=variant.width,
                        height=variant.height,
                        bytes=len(variant.body),
                    )
                )
        return rendered, variants

    def _refused(self, attempt: _Attempt, refused: ConditionFailed) -> ObjectResult:
        ref = attempt.ref
        # A refused condition means the item exists, and DynamoDB returns it with the refusal
        # (ReturnValuesOnConditionCheckFailure=ALL_OLD), so no read is needed (nor granted).
        existing = refused.item
        status = existing.get("status") if existing else None
        if existing and status in FINAL_STATUSES and existing.get("variants_signature") == self._signature:
            logger.info(
                "duplicate delivery: already recorded",
                extra={"bucket": ref.bucket, "key": ref.key, "status": status},
            )
            return ObjectResult(ref.bucket, ref.key, Outcome.DUPLICATE, f"already {status}")
        # A live claim: another delivery of the same object is working on it. Retry later; by then the record
        # is final (-> DUPLICATE) or the lease has run out (-> claim again).
        lease_until = existing.get("lease_until") if existing else None
        until = (
            iso_utc(datetime.fromtimestamp(lease_until, UTC)) if isinstance(lease_until, int) else "unknown"
        )
        reason = f"claimed by another delivery (lease until {until})"
        logger.info("object in flight elsewhere", extra={"bucket": ref.bucket, "key": ref.key, "why": reason})
        return ObjectResult(ref.bucket, ref.key, Outcome.RETRY, reason, attempt.elapsed_ms())

    def _retry_or_fail(self, attempt: _Attempt, exc: Exception) -> ObjectResult:
        ref = attempt.ref
        reason = str(exc) if isinstance(exc, AwsCallError) else f"unexpected error: {type(exc).__name__}"
        extra = {
            "bucket": ref.bucket,
            "key": ref.key,
            "reason": reason,
            "receive_count": attempt.receive_count,
        }
        if isinstance(exc, AwsCallError) and exc.kind is ErrorKind.TRANSIENT:
            logger.warning("transient failure", extra=extra)
        else:
            # Not a known transient error (a bug, AccessDenied, ...): retried and dead-lettered all the same,
            # but logged loudly, with the traceback.
            logger.error("unexpected failure", extra=extra, exc_info=exc)
        now = self._clock()
        if attempt.receive_count < self.settings.max_receive_count:
            if attempt.claimed:
                self._release(attempt.record_key, attempt.token, now)
            return ObjectResult(ref.bucket, ref.key, Outcome.RETRY, reason, attempt.elapsed_ms())

        # Last receive: SQS moves the message to the DLQ after this; leave a FAILED record saying why.
        limit = self.settings.max_receive_count
        reason = f"{reason} (receive {attempt.receive_count} of {limit}; message dead-lettered)"
        record = self._record(attempt, Status.FAILED, reason, None, [])
        try:
            if attempt.claimed:
                self.records.finish(attempt.record_key, attempt.token, record)
            else:
                self.records.put_unclaimed(record, int(now.timestamp()))
        except (AwsCallError, ConditionFailed) as write_error:
            # The message still reaches the DLQ, so nothing is lost; the record just cannot say so.
            logger.error("could not record FAILED", extra={**extra, "error": str(write_error)})
        return ObjectResult(ref.bucket, ref.key, Outcome.FAILED, reason, record["duration_ms"])

    def _release(self, record_key: RecordKey, token: str, now: datetime) -> None:
        try:
            self.records.release(record_key, token, int(now.timestamp()))
        except (AwsCallError, ConditionFailed) as exc:
            # Not fatal: the lease runs out by itself before the visibility timeout ends; the retry can claim.
            logger.warning("could not release claim", extra={"key": record_key.pk, "error": str(exc)})

    def _record(
        self,
        attempt: _Attempt,
        status: Status,
        reason: str | None,
        rendered: Rendered | None,
        variants: list[VariantDoc],
    ) -> dict[str, Any]:
        ref = attempt.ref
        now = self._clock()
        info = rendered.source if rendered else None
        source = SourceDoc(
            format=info.format if info else None,
            width=info.width if info else None,
            height=info.height if info else None,
            bytes=info.bytes if info else ref.size,
            etag=ref.etag,
            version_id=ref.version_id,
        )
        return final_record(
            key=attempt.record_key,
            bucket=ref.bucket,
            object_key=ref.key,
            status=status,
            reason=reason,
            source=source,
            variants=variants,
            destination_bucket=self.settings.destination_bucket or ref.bucket,
            processed_at=now,
            duration_ms=attempt.elapsed_ms(),
            attempts=attempt.attempts,
            variants_signature=self._signature,
            event_time=ref.event_time,
            expires_at=self._expires_at(now),
        )

    def _expires_at(self, now: datetime) -> int | None:
        days = self.settings.metadata_ttl_days
        return int(now.timestamp()) + days * 86_400 if days > 0 else None


@dataclass
class _Attempt:
    """One try at one object: what the failure paths need to release the claim or record FAILED."""

    ref: S3ObjectRef
    record_key: RecordKey
    token: str
    receive_count: int
    attempts: int = 0  # claims made on this record, this one included (0: the claim itself failed)
    claimed: bool = False
    started: float = field(default_factory=time.monotonic)

    def elapsed_ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)
