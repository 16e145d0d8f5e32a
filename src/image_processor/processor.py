"""One SQS message -> its S3 objects; one object: claim -> get -> render -> put -> final record.

Exactly-once effect under at-least-once delivery (docs/function.md): every object is claimed with a
conditional write before any work, so a redelivered message finds the final record and does nothing, and a
racing delivery finds a live claim and is retried later. The processor never imports boto3 (it talks to the
adapters `S3Store` and `MetadataTable`, which hold the clients) nor Powertools (the handler observes
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

from image_processor.adapters import (
    AwsCallError,
    ConditionFailed,
    MetadataTable,
    S3Store,
    source_pointer,
)
from image_processor.adapters.errors import SourceChanged, SourceGone
from image_processor.config import Settings
from image_processor.engine import (
    ImageRejected,
    Rendered,
    RenderInterrupted,
    Span,
    check_size,
    render_isolated,
    variant_key,
)
from image_processor.engine.keys import variant_stem
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
# Time kept back from rendering for writing the variants and the record: a tenth of the invocation, within
# these bounds. An object is not started with less than twice that left (it goes back to the queue unclaimed).
_MIN_RESERVE_MS = 100
_MAX_RESERVE_MS = 3_000
# An object whose render was stopped at the invocation's deadline this many times, each time after having at
# least half an invocation, is recorded REJECTED instead of being retried again. (Stopped with less, the time
# went to its batch neighbours: not counted. Killed outright, the cause is unknown: a kill of any call, an
# out-of-memory parent; SQS's maxReceiveCount bounds those.)
MAX_INTERRUPTED = 2
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
    DELETED = "DELETED"  # the upload was deleted: its variants deleted, record DELETED
    IGNORED = "IGNORED"  # a removal while a version is still current: nothing to do, no record, acknowledged


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


class _Rejected(Exception):
    """The event is for bytes that must not be published (superseded, deleted, another source's stem)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class _StemTaken(_Rejected):
    def __init__(self, stem: str, owner: str) -> None:
        self.owner = owner
        super().__init__(
            f"variant keys {stem}_* belong to {owner}; rename this upload (one stem, one source)"
        )


class _Busy(Exception):
    """Someone else is writing the same variant keys right now: retried later, like a transient error."""


@dataclass(frozen=True)
class Deadline:
    """When the invocation ends (monotonic clock), and the part kept for the writes after a render."""

    ends: float
    reserve_ms: int
    invocation_ms: int

    @classmethod
    def after(cls, remaining_ms: int | None, invocation_ms: int | None = None) -> Deadline:
        # 0 ms left is an invocation already past its deadline: the shortest lease, not the default one.
        remaining = _DEFAULT_REMAINING_MS if remaining_ms is None else max(0, remaining_ms)
        total = max(remaining, invocation_ms or 0)
        reserve = min(_MAX_RESERVE_MS, max(_MIN_RESERVE_MS, total // 10))
        return cls(time.monotonic() + remaining / 1000, reserve, total)

    def remaining_ms(self) -> int:
        return max(0, int((self.ends - time.monotonic()) * 1000))


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
        store: S3Store,
        records: MetadataTable,
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
        self,
        body: str,
        *,
        receive_count: int = 1,
        remaining_ms: int | None = None,
        invocation_ms: int | None = None,
    ) -> MessageResult:
        """Every object of one SQS record body. Raises `PoisonMessage` for a body S3 did not send.

        `remaining_ms` is the time left in the invocation now; `invocation_ms` its whole length, if known.
        """
        deadline = Deadline.after(remaining_ms, invocation_ms)
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
            self.process_object(ref, receive_count=receive_count, deadline=deadline) for ref in parsed.objects
        ]
        return MessageResult(objects=results, skipped=parsed.skipped)

    def process_object(self, ref: S3ObjectRef, *, receive_count: int, deadline: Deadline) -> ObjectResult:
        """One object of a message, in the time its invocation has left (`deadline`, one per message)."""
        attempt = _Attempt(
            ref=ref,
            record_key=ref.record_key,
            token=uuid.uuid4().hex,
            receive_count=receive_count,
            deadline=deadline,
        )
        remaining = deadline.remaining_ms()
        if remaining < 2 * deadline.reserve_ms:
            # Started now it would be killed half-way: handed back unclaimed, for a later invocation.
            late = f"not started: {remaining} ms left in the invocation"
            return ObjectResult(ref.bucket, ref.key, Outcome.RETRY, late)
        if ref.removed and (ignored := self._removal_without_effect(attempt)):
            return ignored
        if (not_granted := self._claim(attempt, remaining)) is not None:
            return not_granted
        attempt.claimed = True

        status: Status = Status.PROCESSED
        reason: str | None = None
        rendered: Rendered | None = None
        variants: list[VariantDoc] = []
        try:
            if attempt.interrupted >= MAX_INTERRUPTED:
                raise _Rejected(
                    f"too slow to render: stopped at the invocation's deadline {attempt.interrupted} times; "
                    "not retried"
                )
            if ref.removed:
                status, reason = Status.DELETED, self._remove(attempt)
            else:
                rendered, variants = self._produce(attempt)
        except ImageRejected as exc:
            status, reason = Status.REJECTED, exc.reason
        except _Rejected as exc:
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

    def _claim(self, attempt: _Attempt, remaining: int) -> ObjectResult | None:
        """Claim the record for this attempt; the result to return instead when it is not granted."""
        ref = attempt.ref
        now = self._clock()
        remaining_seconds = max(1, math.ceil(remaining / 1000))
        attempt.lease_seconds = remaining_seconds + min(_LEASE_MARGIN_SECONDS, remaining_seconds)
        try:
            claim = self.records.claim(
                attempt.record_key,
                bucket=ref.bucket,
                object_key=ref.key,
                token=attempt.token,
                now=int(now.timestamp()),
                lease_until=int(now.timestamp()) + attempt.lease_seconds,
                claimed_at=iso_utc(now),
                signature=self._signature,
                expires_at=self._expires_at(now),
            )
            attempt.attempts, attempt.interrupted = claim.attempts, claim.interrupted
        except ConditionFailed as refused:
            existing = refused.item or {}
            if existing.get("status") != Status.IN_PROGRESS or existing.get("claim_token") != attempt.token:
                return self._refused(attempt, refused)
            # Our own claim: the UpdateItem was applied, its response was lost (a timeout) and the SDK's retry
            # of the same request found the claim. It is ours: carry on instead of waiting out our own lease.
            attempts, interrupted = existing.get("attempts"), existing.get("interrupted")
            attempt.attempts = attempts if isinstance(attempts, int) else 1
            attempt.interrupted = interrupted if isinstance(interrupted, int) else 0
        except Exception as exc:  # AwsCallError, or anything unforeseen: retried, never dropped
            return self._retry_or_fail(attempt, exc)
        return None

    def _removal_without_effect(self, attempt: _Attempt) -> ObjectResult | None:
        """A removal while a version is still current (an old version removed, or the key uploaded again
        since): what is published stays, nothing is claimed or recorded. None when the removal has work."""
        ref = attempt.ref
        try:
            current = self.store.current_version(ref.bucket, ref.key)
        except Exception as exc:  # retried like any failure before the claim
            return self._retry_or_fail(attempt, exc)
        if current is None:
            return None
        why = "a version of this upload is still current: its variants stay"
        logger.info("removal ignored", extra={"bucket": ref.bucket, "key": ref.key, "why": why})
        return ObjectResult(ref.bucket, ref.key, Outcome.IGNORED, why)

    def _produce(self, attempt: _Attempt) -> tuple[Rendered, list[VariantDoc]]:
        """Lock the stem, check the version is current, get, render, put; unlock.

        Raises ImageRejected, _Rejected, SourceGone, SourceChanged (permanent), _Busy, RenderInterrupted or
        anything else (retried).
        """
        ref = attempt.ref
        if ref.size is not None:
            check_size(ref.size, self._limits)  # before download, from the event
        with self._stem_locked(attempt) as stem:
            # Under the stem's lock, so the variants are those of whatever version is current when they are
            # written: a late event for an older version (or a deleted upload) writes nothing.
            self._check_current(ref)
            rendered, variants = self._render_and_put(attempt, stem.destination)
            stem.written = [variant["key"] for variant in variants]
            return rendered, variants

    def _remove(self, attempt: _Attempt) -> str | None:
        """The upload is deleted: delete the variants written for it; returns the record's reason, if any."""
        ref = attempt.ref
        try:
            with self._stem_locked(attempt) as stem:
                if self.store.current_version(ref.bucket, ref.key) is not None:
                    raise _Rejected("uploaded again before the removal was processed: nothing deleted")
                for key in stem.variant_keys:
                    self.store.delete_variant(stem.destination, key)
                    attempt.deleted_keys.append(key)
                stem.disown = True  # the stem is free for any source again
        except _StemTaken as taken:
            return f"its variant keys belong to {taken.owner}: none deleted"
        return None

    @contextmanager
    def _stem_locked(self, attempt: _Attempt) -> Iterator[_Stem]:
        """Hold the write lock of the source's destination stem (its variant keys); raises _StemTaken when
        another source owns it, _Busy while another delivery holds it."""
        ref, settings = attempt.ref, self.settings
        destination = settings.destination_bucket or ref.bucket
        name = variant_stem(ref.key, settings.source_prefix, settings.destination_prefix)
        key = RecordKey.for_stem(destination, name)
        now = int(self._clock().timestamp())
        try:
            item = self.records.lock_stem(
                key, owner=ref.key, token=attempt.token, now=now, lease_until=now + attempt.lease_seconds
            )
        except ConditionFailed as refused:
            owner = (refused.item or {}).get("owner")
            if isinstance(owner, str) and owner != ref.key:
                raise _StemTaken(name, owner) from None
            raise _Busy(f"variant keys {name}_* are being written by another delivery") from None
        stem = _Stem(destination, name, list(item.get("variant_keys") or []))
        try:
            yield stem
        finally:
            try:
                self.records.unlock_stem(key, attempt.token, variant_keys=stem.written, disown=stem.disown)
            except (AwsCallError, ConditionFailed) as exc:
                # Not fatal: the lock's lease runs out by itself, like a claim's.
                logger.warning("could not unlock stem", extra={"stem": name, "error": str(exc)})

    def _check_current(self, ref: S3ObjectRef) -> None:
        current = self.store.current_version(ref.bucket, ref.key)
        if current is None:
            raise SourceGone("s3:HeadObject", "404", None)
        if ref.version_id and current.version_id != ref.version_id:
            raise _Rejected(
                f"superseded: version {ref.version_id} is no longer current ({current.version_id} is); "
                "the current version has its own record"
            )
        if not ref.version_id and ref.etag and current.etag != ref.etag:
            raise SourceChanged("s3:HeadObject", "ETagChanged", None)

    def _render_and_put(self, attempt: _Attempt, destination: str) -> tuple[Rendered, list[VariantDoc]]:
        ref, settings = attempt.ref, self.settings
        with self._span("s3_get_object"):
            download = self.store.open_source(ref.bucket, ref.key, version_id=ref.version_id, etag=ref.etag)
            try:
                check_size(download.size, self._limits)  # the event may lack a size; the response never does
                data = download.read()
            finally:
                download.close()
        attempt.render_wall_ms = attempt.deadline.remaining_ms() - attempt.deadline.reserve_ms
        with self._span("render"):
            rendered = render_isolated(
                data, settings.variants, self._limits, wall_seconds=max(0, attempt.render_wall_ms) / 1000
            )
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
        same_specs = existing.get("variants_signature") == self._signature if existing else False
        if existing and (status == Status.DELETED or (status in FINAL_STATUSES and same_specs)):
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
        # A failed AWS call has outlasted the SDK's own retries, whatever its code (throttling, AccessDenied):
        # SQS retries it like the rest, and its code in the reason says which it was.
        known = isinstance(exc, AwsCallError | _Busy | RenderInterrupted)
        reason = str(exc) if known else f"unexpected error: {type(exc).__name__}"
        extra = {
            "bucket": ref.bucket,
            "key": ref.key,
            "reason": reason,
            "receive_count": attempt.receive_count,
        }
        if known:
            logger.warning("transient failure", extra=extra)
        else:
            # A bug: retried and dead-lettered all the same, but logged loudly, with the traceback.
            logger.error("unexpected failure", extra=extra, exc_info=exc)
        now = self._clock()
        fair_share = attempt.render_wall_ms * 2 >= attempt.deadline.invocation_ms
        interrupted = isinstance(exc, RenderInterrupted) and fair_share
        attempt.interrupted += int(interrupted)
        if attempt.receive_count < self.settings.max_receive_count:
            if attempt.claimed:
                self._release(attempt.record_key, attempt.token, now, interrupted=interrupted)
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

    def _release(self, record_key: RecordKey, token: str, now: datetime, *, interrupted: bool) -> None:
        try:
            self.records.release(record_key, token, int(now.timestamp()), interrupted=interrupted)
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
            interrupted=attempt.interrupted,
            deleted_keys=attempt.deleted_keys if status is Status.DELETED else None,
            variants_signature=self._signature,
            event_time=ref.event_time,
            expires_at=self._expires_at(now),
        )

    def _expires_at(self, now: datetime) -> int | None:
        days = self.settings.metadata_ttl_days
        return int(now.timestamp()) + days * 86_400 if days > 0 else None


@dataclass
class _Stem:
    """A destination stem held locked: what was written under it before, and what to leave on unlock."""

    destination: str  # bucket
    name: str  # processed/2026/cat
    variant_keys: list[str]  # as the last writer left them
    written: list[str] | None = None  # set by a writer: remembered for a later delete
    disown: bool = False  # set by a removal: the stem is free again


@dataclass
class _Attempt:
    """One try at one object: what the failure paths need to release the claim or record FAILED."""

    ref: S3ObjectRef
    record_key: RecordKey
    token: str  # of the claim, and of the stem lock
    receive_count: int
    deadline: Deadline
    lease_seconds: int = 1
    attempts: int = 0  # claims made on this record, this one included (0: the claim itself failed)
    interrupted: int = 0  # renders of it stopped at the deadline, this one included once it is
    render_wall_ms: int = 0  # the time the render was given
    deleted_keys: list[str] = field(default_factory=list)  # a removal's variants deleted so far
    claimed: bool = False
    started: float = field(default_factory=time.monotonic)

    def elapsed_ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)
