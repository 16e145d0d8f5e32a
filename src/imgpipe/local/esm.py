"""A local SQS event source mapping that behaves like Lambda's.

Each poller long-polls the queue, gathers a batch (up to the batch size, or until the batching window closes),
invokes the handler with a real SQS event and a Lambda-like context, and then:
- deletes the records not listed in `batchItemFailures`;
- deletes nothing when the handler raised (Powertools' `BatchProcessingError` when every record failed),
  when it ran past its deadline (Lambda would have killed it), or when the response names an unknown message;
- leaves failed records to the queue's visibility timeout, so SQS's `maxReceiveCount` moves them to the DLQ.

Pollers are threads. The real handler keeps per-execution-environment state at module level (Powertools'
BatchProcessor and Metrics), and Lambda never runs two invocations in one environment at once, so invocations
of a shared handler are serialized by default: pollers receive and delete concurrently, invocations take
turns.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from imgpipe.local.lambda_event import LambdaContext, sqs_record

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]
# Lambda long-polls for 20 s; locally a short poll keeps shutdown prompt and costs nothing.
POLL_WAIT_SECONDS = 1
SQS_MAX_BATCH = 10


@dataclass(frozen=True)
class MappingConfig:
    queue_url: str
    queue_arn: str
    region: str
    function_name: str
    function_arn: str
    memory_mb: int
    timeout_seconds: float
    batch_size: int
    batching_window_seconds: float
    pollers: int = 2
    serialize_invocations: bool = True


@dataclass
class MappingStats:
    invocations: int = 0
    records: int = 0
    deleted: int = 0
    item_failures: int = 0
    batch_failures: int = 0
    timeouts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class EventSourceMapping:
    def __init__(
        self,
        sqs: Any,
        config: MappingConfig,
        handler: Handler,
        on_thread_start: Callable[[], None] | None = None,
    ) -> None:
        self._sqs = sqs
        self.config = config
        self._handler = handler
        self._on_thread_start = on_thread_start
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._invoke_lock: AbstractContextManager[Any] = (
            threading.Lock() if config.serialize_invocations else nullcontext()
        )
        self.stats = MappingStats()

    def start(self) -> None:
        for number in range(self.config.pollers):
            thread = threading.Thread(target=self._run, name=f"esm-poller-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def revive(self) -> int:
        """Replace pollers that died (a fault-injection harness may kill one), as Lambda's managed pollers are
        replaced; returns how many were restarted. Safe to call from a supervising thread."""
        restarted = 0
        for index, thread in enumerate(list(self._threads)):
            if thread.is_alive() or self._stop.is_set():
                continue
            replacement = threading.Thread(target=self._run, name=f"{thread.name}-restarted", daemon=True)
            replacement.start()
            self._threads[index] = replacement
            restarted += 1
        return restarted

    def stop(self, timeout: float = 30.0) -> None:
        """Stop polling; a batch being processed finishes first (as Lambda lets an invocation finish)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _run(self) -> None:
        if self._on_thread_start:
            self._on_thread_start()
        while not self._stop.is_set():
            try:
                batch = self._gather()
                if batch:
                    self._invoke(batch)
            except Exception:  # a poller must survive anything: log it and keep polling, like Lambda's
                logger.exception("local event source mapping: poll failed")
                self._stop.wait(1)

    def _gather(self) -> list[dict[str, Any]]:
        """Receive until the batch is full or the batching window (opened by the first message) closes."""
        batch: list[dict[str, Any]] = []
        window_ends: float | None = None
        while not self._stop.is_set() and len(batch) < self.config.batch_size:
            wait = POLL_WAIT_SECONDS
            if window_ends is not None:
                remaining = window_ends - time.monotonic()
                if remaining <= 0:
                    break
                wait = min(wait, math.ceil(remaining))
            response = self._sqs.receive_message(
                QueueUrl=self.config.queue_url,
                MaxNumberOfMessages=min(SQS_MAX_BATCH, self.config.batch_size - len(batch)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            batch += messages
            if batch and window_ends is None:
                window_ends = time.monotonic() + self.config.batching_window_seconds
            if batch and self.config.batching_window_seconds <= 0:
                break  # no window: Lambda invokes with whatever the first successful receive returned
        return batch

    def _invoke(self, batch: list[dict[str, Any]]) -> None:
        config = self.config
        event = {"Records": [sqs_record(m, config.queue_arn, config.region) for m in batch]}
        with self._invoke_lock:
            context = LambdaContext(
                function_name=config.function_name,
                invoked_function_arn=config.function_arn,
                memory_limit_in_mb=config.memory_mb,
                timeout_seconds=config.timeout_seconds,
            )
            try:
                response = self._handler(event, context)
            except Exception as exc:
                logger.warning("invocation failed, whole batch retried: %s: %s", type(exc).__name__, exc)
                self.stats.add(invocations=1, records=len(batch), batch_failures=1)
                return
        self.stats.add(invocations=1, records=len(batch))
        if context.timed_out:
            logger.warning(
                "invocation exceeded the %.0fs function timeout: batch retried", config.timeout_seconds
            )
            self.stats.add(timeouts=1, batch_failures=1)
            return
        failed = _failed_ids(response, {m["MessageId"] for m in batch})
        if failed is None:
            logger.warning("invalid batchItemFailures in the response: whole batch retried")
            self.stats.add(batch_failures=1)
            return
        done = [m for m in batch if m["MessageId"] not in failed]
        self.stats.add(item_failures=len(failed))
        for start in range(0, len(done), SQS_MAX_BATCH):
            chunk = done[start : start + SQS_MAX_BATCH]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            result = self._sqs.delete_message_batch(QueueUrl=config.queue_url, Entries=entries)
            self.stats.add(deleted=len(result.get("Successful", [])))


def _failed_ids(response: Any, batch_ids: set[str]) -> set[str] | None:
    """The failed message ids, or None when Lambda would call the response invalid (whole batch failed)."""
    if response is None:
        return set()
    if not isinstance(response, dict):
        return set()  # Lambda ignores a non-JSON-object response of a mapping with ReportBatchItemFailures
    failures = response.get("batchItemFailures") or []
    ids = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in batch_ids:
            return None
        ids.add(identifier)
    return ids
