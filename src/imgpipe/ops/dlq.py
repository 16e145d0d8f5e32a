"""Dead-letter queue: stats, peek (with each message's source keys and recorded reason), redrive.

Redrive prefers SQS's own `StartMessageMoveTask` (back to the source queue). Where the service does not offer
it (moto, some emulators) or a `--max` is asked for, it moves message by message, always sending to the main
queue before deleting from the DLQ, so a crash can duplicate a message (harmless: processing is idempotent)
but never lose one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from imgpipe.ops import metadata
from imgpipe.ops.messages import describe_body
from imgpipe.stack import Stack

# How long peek/redrive hide a received message from other consumers while they look at it.
PEEK_VISIBILITY_SECONDS = 30
MOVE_TASK_UNSUPPORTED = {
    "InvalidAction",
    "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation",
}


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
    records: list[dict[str, Any]]  # per key: key, status, reason (as recorded; status None if no record)
    body: str


@dataclass
class RedriveResult:
    mode: str  # move-task | message-by-message | dry-run
    candidates: int
    moved: int = 0
    failed: int = 0
    task_handle: str | None = None
    errors: list[str] = field(default_factory=list)


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


def _cloudwatch_oldest_age(stack: Stack) -> float | None:
    """SQS's own metric, when there is one (AWS publishes it every minute; emulators have none)."""
    now = datetime.now(UTC)
    try:
        response = stack.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/SQS",
            MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": stack.dlq_url.rstrip("/").rsplit("/", 1)[-1]}],
            StartTime=now - timedelta(minutes=15),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )
    except ClientError:
        return None
    points = sorted(response.get("Datapoints", []), key=lambda p: p["Timestamp"])
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
    _release(stack, stack.dlq_url, handles)
    now = time.time()
    return [_describe(stack, m, now, with_records) for m in list(seen.values())[:max_messages]]


def _release(stack: Stack, url: str, handles: list[str]) -> None:
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
    records = []
    if with_records:
        for ref in refs:
            record = metadata.latest(metadata.records_for(stack, ref.key, ref.bucket)) or {}
            records.append({"key": ref.key, "status": record.get("status"), "reason": record.get("reason")})
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
        handle = _start_move_task(stack)
        if handle is not None:
            return _follow_move_task(stack, handle, candidates, on_progress)
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
    candidates: int,
    on_progress: Callable[[int], None] | None,
    timeout: float = 900,
) -> RedriveResult:
    """Report the service-side task's progress until it ends (it moves at most 500 messages a second)."""
    result = RedriveResult(mode="move-task", candidates=candidates, task_handle=handle)
    source = stack.queue_arn(stack.dlq_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = stack.client("sqs").list_message_move_tasks(SourceArn=source, MaxResults=1).get("Results", [])
        task = tasks[0] if tasks else {}
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        if on_progress and moved > result.moved:
            on_progress(moved - result.moved)
        result.moved = max(result.moved, moved)
        status = task.get("Status", "COMPLETED")
        if status in {"COMPLETED", "CANCELLED", "FAILED"}:
            if status != "COMPLETED":
                result.errors.append(f"move task {status.lower()}: {task.get('FailureReason', '')}".strip())
                result.failed = max(0, candidates - result.moved)
            return result
        time.sleep(2)
    result.errors.append("move task still running; follow it with `imgpipe dlq stats`")
    return result


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
            sqs.delete_message_batch(QueueUrl=stack.dlq_url, Entries=done)
        result.moved += len(done)
        if on_progress:
            on_progress(len(batch))
    return result


def _attributes_for_resend(message: dict[str, Any]) -> dict[str, Any]:
    attributes = message.get("MessageAttributes") or {}
    if not attributes:
        return {}
    return {"MessageAttributes": attributes}
