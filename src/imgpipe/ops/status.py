"""The stack's health on one screen: queue and DLQ depth, age of the oldest message, alarms not OK, the last
24 hours of metadata records by status, the last record written, and the dashboard's URL.

Unhealthy (exit status 1 in the CLI) means something needs a human now: the DLQ holds messages, or an alarm is
not OK (INSUFFICIENT_DATA and an alarm missing from CloudWatch included, as `imgpipe alarms` counts them).
Records are counted through the `by_status` index (Query, Select=COUNT), never a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from image_processor.records import STATUS_INDEX, STEM_PARTITION_PREFIX
from imgpipe.ops.alarms import AlarmState, list_alarms
from imgpipe.ops.dlq import QueueDepth, depth, oldest_age_points, queue_name
from imgpipe.ops.metadata import status_index_pages
from imgpipe.ops.times import lower_bound
from imgpipe.stack import Stack

# The final statuses the `by_status` index holds (claims have no processed_at, so they are not in it).
COUNTED_STATUSES = ("PROCESSED", "REJECTED", "FAILED", "DELETED")
RECORDS_WINDOW = timedelta(hours=24)
# SQS publishes ApproximateAgeOfOldestMessage once a minute; five minutes tolerate a late datapoint.
AGE_WINDOW = timedelta(minutes=5)
# Stem ownership items share the table; they are no source record, whatever attributes they carry.
_NOT_A_SOURCE = "NOT begins_with(#pk, :stem)"


@dataclass(frozen=True)
class QueueStatus(QueueDepth):
    name: str


@dataclass(frozen=True)
class LastRecord:
    processed_at: str
    status: str
    key: str


@dataclass(frozen=True)
class StackStatus:
    queue: QueueStatus
    oldest_message_age_seconds: int | None  # None: CloudWatch has no datapoint (idle queue, or an emulator)
    dlq: QueueStatus
    alarms: list[AlarmState]
    records_last_24h: dict[str, int]
    last_record: LastRecord | None
    dashboard_url: str | None

    @property
    def alarms_not_ok(self) -> list[AlarmState]:
        return [alarm for alarm in self.alarms if alarm.state != "OK"]

    @property
    def problems(self) -> list[str]:
        """What makes the stack unhealthy, one line each; empty when healthy."""
        found = []
        held = self.dlq.visible + self.dlq.in_flight
        if held:
            found.append(f"the DLQ {self.dlq.name} holds {held} message(s)")
        found += [f"alarm {alarm.name} is {alarm.state}" for alarm in self.alarms_not_ok]
        return found

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The `imgpipe status --json` document (keys documented in the command and docs/operations.md)."""
        return {
            "healthy": self.healthy,
            "problems": self.problems,
            "queue": {
                "name": self.queue.name,
                "visible": self.queue.visible,
                "in_flight": self.queue.in_flight,
                "oldest_message_age_seconds": self.oldest_message_age_seconds,
            },
            "dlq": {"name": self.dlq.name, "visible": self.dlq.visible, "in_flight": self.dlq.in_flight},
            "alarms": {
                "total": len(self.alarms),
                "not_ok": [
                    {"name": a.name, "state": a.state, "reason": a.reason, "updated": a.updated}
                    for a in self.alarms_not_ok
                ],
            },
            "records_last_24h": dict(self.records_last_24h),
            "last_record": None
            if self.last_record is None
            else {
                "processed_at": self.last_record.processed_at,
                "status": self.last_record.status,
                "key": self.last_record.key,
            },
            "dashboard_url": self.dashboard_url,
        }


def queue_status(stack: Stack, url: str) -> QueueStatus:
    return QueueStatus(**vars(depth(stack, url)), name=queue_name(url))


def collect(stack: Stack, now: datetime | None = None) -> StackStatus:
    now = now or datetime.now(UTC)
    dashboard_url = stack.outputs.get("dashboard_url")
    return StackStatus(
        queue=queue_status(stack, stack.queue_url),
        oldest_message_age_seconds=oldest_message_age(stack, now),
        dlq=queue_status(stack, stack.dlq_url),
        alarms=list_alarms(stack),
        records_last_24h={s: count_records(stack, s, since=now - RECORDS_WINDOW) for s in COUNTED_STATUSES},
        last_record=last_record(stack),
        dashboard_url=str(dashboard_url) if dashboard_url else None,
    )


def oldest_message_age(stack: Stack, now: datetime) -> int | None:
    """The main queue's ApproximateAgeOfOldestMessage, maximum over the last five minutes, in seconds."""
    points = [float(point["Maximum"]) for point in oldest_age_points(stack, stack.queue_url, AGE_WINDOW, now)]
    return round(max(points)) if points else None


def count_records(stack: Stack, status: str, *, since: datetime) -> int:
    """Source records of `status` whose `processed_at` is at or after `since`."""
    pages = status_index_pages(
        stack,
        Select="COUNT",
        KeyConditionExpression="#s = :s AND #t >= :since",
        FilterExpression=_NOT_A_SOURCE,
        ExpressionAttributeNames={"#s": "status", "#t": "processed_at", "#pk": "pk"},
        ExpressionAttributeValues={
            ":s": {"S": status},
            ":since": {"S": lower_bound(since)},
            ":stem": {"S": STEM_PARTITION_PREFIX},
        },
    )
    return sum(int(page.get("Count", 0)) for page in pages)


def last_record(stack: Stack) -> LastRecord | None:
    """The record with the newest `processed_at` of any counted status: the newest of each, compared."""
    newest = [record for status in COUNTED_STATUSES if (record := _newest(stack, status)) is not None]
    return max(newest, key=lambda record: record.processed_at, default=None)


def _newest(stack: Stack, status: str) -> LastRecord | None:
    params: dict[str, Any] = {
        "TableName": stack.table,
        "IndexName": STATUS_INDEX,
        "KeyConditionExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "status", "#pk": "pk", "#t": "processed_at", "#k": "key"},
        "ExpressionAttributeValues": {":s": {"S": status}},
        "ProjectionExpression": "#pk, #t, #k",
        "ScanIndexForward": False,
        "Limit": 1,
    }
    dynamodb = stack.client("dynamodb")
    # Limit applies before any filter, so a stem item is skipped here rather than filtered: one Query per
    # status unless the newest item is one (which the function never indexes).
    while True:
        response = dynamodb.query(**params)
        for item in response.get("Items", []):
            if not item["pk"]["S"].startswith(STEM_PARTITION_PREFIX):
                return LastRecord(
                    processed_at=item["processed_at"]["S"],
                    status=status,
                    key=item.get("key", {}).get("S", ""),
                )
        if "LastEvaluatedKey" not in response:
            return None
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
