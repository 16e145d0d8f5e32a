"""Dead-letter queue: stats, peek (with each message's source keys and recorded reason), redrive.

Redrive prefers SQS's own `StartMessageMoveTask` (back to the source queue). Where the service does not offer
it (moto, some emulators) or a `--max` is asked for, it moves message by message, always sending to the main
queue before deleting from the DLQ, so a crash can duplicate a message (harmless: processing is idempotent)
but never lose one.

A move task is followed through `ListMessageMoveTasks`; one that cannot be found there is reported as UNKNOWN,
never assumed COMPLETED.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from image_processor.events import S3ObjectRef, describe_body
from imgpipe.ops import metadata
from imgpipe.stack import Stack

# How long peek/redrive hide a received message from other consumers while they look at it.
PEEK_VISIBILITY_SECONDS = 30
MOVE_TASK_UNSUPPORTED = {
    "InvalidAction",
    "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation",
}
MOVE_TASK_POLL_SECONDS = 2.0
# A finished task is listed without its handle, so it is recognised by its start time; this much slack allows
# for the operator's clock being ahead of SQS's.
MOVE_TASK_CLOCK_SKEW_MS = 60_000


@dataclass(frozen=True)
class QueueDepth:
    visible: int
    in_flight: int
    delayed: int


@dataclass(frozen=True)
class DlqStats:
    dlq_url: str
    dlq: QueueDepth
    queue: QueueDepth
    oldest_age_seconds: float | None
    oldest_age_from: str | None  # "cloudwatch" (ApproximateAgeOfOldestMessage) or "sample" (peeked messages)


@dataclass(frozen=True)
class DlqMessage:
    message_id: str
    sent_at: str
    age_seconds: float
    receive_count: int
    kind: str  # s3 | test | poison
    keys: list[str]
    # Per key: key, sk, status, reason of the record of the message's own version (status None if none).
    records: list[dict[str, Any]]
    body: str


@dataclass
class RedriveResult:
    mode: str  # move-task | message-by-message | dry-run
    candidates: int
    moved: int = 0
    failed: int = 0  # includes not_deleted: those are still in the DLQ
    not_deleted: int = 0  # sent to the main queue, but their DLQ deletion failed
    task_handle: str | None = None
    task_status: str | None = None  # RUNNING | COMPLETED | CANCELLED | FAILED | UNKNOWN (not found)
    errors: list[str] = field(default_factory=list)


def queue_name(url: str) -> str:
    """The queue's name, the last segment of its URL (the QueueName dimension of the SQS metrics)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def depth(stack: Stack, url: str) -> QueueDepth:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = stack.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    visible, in_flight, delayed = (int(attributes.get(n, 0)) for n in names)
    return QueueDepth(visible=visible, in_flight=in_flight, delayed=delayed)


def stats(stack: Stack) -> DlqStats:
    dlq = depth(stack, stack.dlq_url)
    age = _cloudwatch_oldest_age(stack)
    source: str | None = "cloudwatch"
    if age is None and dlq.visible:
        sampled = peek(stack, max_messages=10, with_records=False)
        age, source = (max(m.age_seconds for m in sampled), "sample") if sampled else (None, None)
    elif age is None:
        source = None
    return DlqStats(
        dlq_url=stack.dlq_url,
        dlq=dlq,
        queue=depth(stack, stack.queue_url),
        oldest_age_seconds=age,
        oldest_age_from=source,
    )


def oldest_age_points(stack: Stack, url: str, window: timedelta, now: datetime) -> list[dict[str, Any]]:
    """SQS's own ApproximateAgeOfOldestMessage of the queue at `url`, per minute over `window`, oldest first
    (AWS publishes it every minute; emulators have none)."""
    response = stack.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": queue_name(url)}],
        StartTime=now - window,
        EndTime=now,
        Period=60,
        Statistics=["Maximum"],
    )
    return sorted(response.get("Datapoints", []), key=lambda point: point["Timestamp"])


def _cloudwatch_oldest_age(stack: Stack) -> float | None:
    """The DLQ's latest datapoint of the last 15 minutes, when there is one."""
    try:
        points = oldest_age_points(stack, stack.dlq_url, timedelta(minutes=15), datetime.now(UTC))
    except ClientError:
        return None
    return float(points[-1]["Maximum"]) if points else None


def _receive(stack: Stack, url: str, count: int, visibility: int) -> list[dict[str, Any]]:
    response = stack.client("sqs").receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max(1, min(10, count)),
        VisibilityTimeout=visibility,
        WaitTimeSeconds=1,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    return list(response.get("Messages", []))


def peek(stack: Stack, max_messages: int = 10, with_records: bool = True) -> list[DlqMessage]:
    """Look at up to `max_messages` DLQ messages without consuming them (made visible again afterwards)."""
    seen: dict[str, dict[str, Any]] = {}
    handles: list[str] = []
    while len(seen) < max_messages:
        batch = [m for m in _receive(stack, stack.dlq_url, max_messages - len(seen), PEEK_VISIBILITY_SECONDS)]
        fresh = [m for m in batch if m["MessageId"] not in seen]
        handles += [m["ReceiptHandle"] for m in batch]
        if not fresh:
            break
        for message in fresh:
            seen[message["MessageId"]] = message
    _make_visible(stack, stack.dlq_url, handles)
    now = time.time()
    return [_describe(stack, m, now, with_records) for m in list(seen.values())[:max_messages]]


def _make_visible(stack: Stack, url: str, handles: list[str]) -> None:
    """Make peeked messages visible again at once rather than after the peek visibility timeout."""
    for start in range(0, len(handles), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
            for i, h in enumerate(handles[start : start + 10])
        ]
        stack.client("sqs").change_message_visibility_batch(QueueUrl=url, Entries=entries)


def _describe(stack: Stack, message: dict[str, Any], now: float, with_records: bool) -> DlqMessage:
    attributes = message.get("Attributes", {})
    sent = int(attributes.get("SentTimestamp", now * 1000)) / 1000
    kind, refs = describe_body(message.get("Body", ""))
    records = [_record_of_version(stack, ref) for ref in refs] if with_records else []
    return DlqMessage(
        message_id=message["MessageId"],
        sent_at=datetime.fromtimestamp(sent, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        age_seconds=round(max(0.0, now - sent), 1),
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        kind=kind,
        keys=[ref.key for ref in refs],
        records=records,
        body=message.get("Body", "")[:500],
    )


def _record_of_version(stack: Stack, ref: S3ObjectRef) -> dict[str, Any]:
    """The record of the message's own version: another version's record says nothing about this message."""
    sk = ref.record_key.sk  # exactly as the function derives it from the same event
    mine = [r for r in metadata.records_for(stack, ref.key, ref.bucket) if r.get("sk") == sk]
    record = mine[0] if mine else {}
    return {"key": ref.key, "sk": sk, "status": record.get("status"), "reason": record.get("reason")}


def redrive(
    stack: Stack,
    max_messages: int | None = None,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> RedriveResult:
    """Move DLQ messages back to the main queue (all of them, or at most `max_messages`)."""
    available = depth(stack, stack.dlq_url).visible
    candidates = available if max_messages is None else min(available, max_messages)
    if on_total:
        on_total(candidates)
    if dry_run or candidates == 0:
        return RedriveResult(mode="dry-run" if dry_run else "message-by-message", candidates=candidates)
    if max_messages is None:
        requested_ms = int(time.time() * 1000)
        handle = _start_move_task(stack)
        if handle is not None:
            return _follow_move_task(
                stack, handle, requested_ms=requested_ms, candidates=candidates, on_progress=on_progress
            )
    return _move_one_by_one(stack, candidates, on_progress)


def _start_move_task(stack: Stack) -> str | None:
    """The service-side move, or None when the service does not support it."""
    # One attempt only: an emulator without the action answers 500, and retrying that only wastes time.
    sqs = stack.session.client(
        "sqs", endpoint_url=stack.endpoint_url, config=Config(retries={"max_attempts": 1, "mode": "standard"})
    )
    try:
        response = sqs.start_message_move_task(SourceArn=stack.queue_arn(stack.dlq_url))
    except NotImplementedError:  # moto in-process (mock_aws)
        return None
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code in MOVE_TASK_UNSUPPORTED or status >= 500:  # emulators answer 500/501 for unknown actions
            return None
        raise
    return str(response.get("TaskHandle", ""))


def _follow_move_task(
    stack: Stack,
    handle: str,
    *,
    requested_ms: int,
    candidates: int,
    on_progress: Callable[[int], None] | None,
    timeout: float = 900,
) -> RedriveResult:
    """Report the service-side task's progress until it ends (it moves at most 500 messages a second)."""
    result = RedriveResult(mode="move-task", candidates=candidates, task_handle=handle)
    source = stack.queue_arn(stack.dlq_url)
    started_ms = requested_ms - MOVE_TASK_CLOCK_SKEW_MS
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = stack.client("sqs").list_message_move_tasks(SourceArn=source, MaxResults=10)
        tasks = listed.get("Results", [])
        task = _our_task(tasks, handle, started_ms)
        if task is None:
            result.task_status = "UNKNOWN"
            result.errors.append(
                f"move task {handle} not found by ListMessageMoveTasks: its outcome is unknown"
                " (see `imgpipe dlq stats`)"
            )
            return result
        if task.get("TaskHandle") == handle:
            started_ms = int(task.get("StartedTimestamp", started_ms))  # recognises it once it has finished
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        if on_progress and moved > result.moved:
            on_progress(moved - result.moved)
        result.moved = max(result.moved, moved)
        result.task_status = str(task.get("Status", "UNKNOWN"))
        if result.task_status in {"COMPLETED", "CANCELLED", "FAILED"}:
            if result.task_status != "COMPLETED":
                reason = task.get("FailureReason", "")
                result.errors.append(f"move task {result.task_status.lower()}: {reason}".strip(": "))
                result.failed = max(0, candidates - result.moved)
            return result
        time.sleep(MOVE_TASK_POLL_SECONDS)
    result.errors.append("move task still running; follow it with `imgpipe dlq stats`")
    return result


def _our_task(tasks: list[dict[str, Any]], handle: str, started_ms: int) -> dict[str, Any] | None:
    """Our task among the queue's latest (newest first): by handle while RUNNING (only running tasks carry
    one), else the newest finished task started since ours was requested (one active task per queue)."""
    for task in tasks:
        if task.get("TaskHandle") == handle:
            return task
    for task in tasks:
        if not task.get("TaskHandle") and int(task.get("StartedTimestamp", 0)) >= started_ms:
            return task
    return None


def _move_one_by_one(
    stack: Stack, candidates: int, on_progress: Callable[[int], None] | None
) -> RedriveResult:
    sqs = stack.client("sqs")
    result = RedriveResult(mode="message-by-message", candidates=candidates)
    empty_receives = 0
    while result.moved + result.failed < candidates and empty_receives < 3:
        batch = _receive(
            stack, stack.dlq_url, candidates - result.moved - result.failed, PEEK_VISIBILITY_SECONDS
        )
        if not batch:
            empty_receives += 1
            continue
        entries = [
            {"Id": str(i), "MessageBody": m["Body"], **_attributes_for_resend(m)} for i, m in enumerate(batch)
        ]
        sent = sqs.send_message_batch(QueueUrl=stack.queue_url, Entries=entries)
        sent_ids = {entry["Id"] for entry in sent.get("Successful", [])}
        for failure in sent.get("Failed", []):
            result.failed += 1
            result.errors.append(
                f"{batch[int(failure['Id'])]['MessageId']}: {failure.get('Message', 'failed')}"
            )
        # Delete only what reached the main queue; the rest becomes visible again in the DLQ.
        done = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(batch)
            if str(i) in sent_ids
        ]
        if done:
            deleted = sqs.delete_message_batch(QueueUrl=stack.dlq_url, Entries=done)
            for failure in deleted.get("Failed", []):
                # Now in both queues: processed once from the main queue, redriven again later (idempotent).
                result.not_deleted += 1
                result.errors.append(
                    f"{batch[int(failure['Id'])]['MessageId']}: sent to the main queue but not deleted from"
                    f" the DLQ ({failure.get('Code', 'failed')}: {failure.get('Message', '')})"
                )
            result.failed += len(deleted.get("Failed", []))
            result.moved += len(done) - len(deleted.get("Failed", []))
        if on_progress:
            on_progress(len(batch))
    return result


def _attributes_for_resend(message: dict[str, Any]) -> dict[str, Any]:
    attributes = message.get("MessageAttributes") or {}
    if not attributes:
        return {}
    return {"MessageAttributes": attributes}
