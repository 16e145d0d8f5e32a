"""Metadata records: the `by_status` index answers status + time range without a scan; JSON conversions.

The function only writes records; operators read them with `imgpipe metadata` (`imgpipe.ops.metadata`), so
the query is tested here through that code, on records the real processor wrote.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import boto3

from image_processor.processor import Processor
from image_processor.records import RecordKey, from_item, iso_utc, to_item
from imgpipe.ops import metadata
from imgpipe.stack import Outputs, Stack
from tests.fixtures_images import not_an_image, photo_jpeg
from tests.integration.function_faults import CallCounter
from tests.integration.function_pipeline import Pipeline

T0 = datetime(2026, 11, 22, 5, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def process_at(pipeline: Pipeline, clock: Clock, when: datetime, upload: dict[str, Any]) -> None:
    clock.now = when
    processor = Processor(
        pipeline.handler.settings, pipeline.handler.processor.store, pipeline.records, clock=clock
    )
    processor.process_message(pipeline.body(upload))


def test_query_by_status_returns_final_records_in_time_order(pipeline: Pipeline) -> None:
    # GIVEN objects processed at known times, out of key order, and one rejected, and one claim in progress
    clock = Clock()
    for minutes, name in ((30, "c"), (10, "a"), (20, "b")):
        upload = pipeline.upload(f"uploads/{name}.jpg", photo_jpeg((64, 48)))
        process_at(pipeline, clock, T0 + timedelta(minutes=minutes), upload)
    bad = pipeline.upload("uploads/bad.jpg", not_an_image())
    process_at(pipeline, clock, T0 + timedelta(minutes=15), bad)
    claimed = pipeline.upload("uploads/pending.jpg", photo_jpeg((64, 48)))
    pipeline.records.claim(
        RecordKey.for_object(pipeline.bucket, claimed["key"], None, claimed["etag"]),
        bucket=pipeline.bucket,
        object_key=claimed["key"],
        token="t",
        now=0,
        lease_until=10**10,
        claimed_at=iso_utc(T0),
        signature="x",
        expires_at=None,
    )
    calls = CallCounter(pipeline.dynamodb)

    stack = Stack(
        Outputs({"metadata_table_name": pipeline.table, "bucket_name": pipeline.bucket}, source="test"),
        session=boto3.session.Session(region_name=pipeline.dynamodb.meta.region_name),
        endpoint_url=None,
    )
    stack._clients["dynamodb"] = pipeline.dynamodb  # counted by CallCounter

    def keys(*statuses: str, **kwargs: Any) -> list[str]:
        found = metadata.query(
            stack, statuses=statuses, newest_first=kwargs.pop("newest_first", False), **kwargs
        )
        return [record["key"] for record in found]

    # WHEN querying by status THEN records come in processed_at order
    assert keys("PROCESSED") == ["uploads/a.jpg", "uploads/b.jpg", "uploads/c.jpg"]
    assert keys("PROCESSED", newest_first=True) == ["uploads/c.jpg", "uploads/b.jpg", "uploads/a.jpg"]
    assert keys("REJECTED") == ["uploads/bad.jpg"]
    assert keys("PROCESSED", "REJECTED") == [
        "uploads/a.jpg",
        "uploads/bad.jpg",
        "uploads/b.jpg",
        "uploads/c.jpg",
    ]
    # AND time ranges and limits apply
    assert keys("PROCESSED", since=T0 + timedelta(minutes=15)) == ["uploads/b.jpg", "uploads/c.jpg"]
    assert keys("PROCESSED", until=T0 + timedelta(minutes=20)) == ["uploads/a.jpg", "uploads/b.jpg"]
    assert keys("PROCESSED", since=T0 + timedelta(minutes=15), until=T0 + timedelta(minutes=25)) == [
        "uploads/b.jpg"
    ]
    assert keys("PROCESSED", limit=2) == ["uploads/a.jpg", "uploads/b.jpg"]
    # AND the index is sparse: a claim in progress has no processed_at, so it is in no status query
    assert keys("IN_PROGRESS") == []
    # AND no scan was needed
    assert calls["Scan"] == 0
    assert calls["Query"] == 11  # one page of the index per status asked for: 9 queries, one of them for two


def test_processed_at_is_fixed_width_utc() -> None:
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)) == "2026-01-02T03:04:05.006Z"
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"
    later_elsewhere = datetime(2026, 1, 2, 7, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert iso_utc(later_elsewhere) == "2026-01-02T05:04:05.000Z"


def test_record_keys() -> None:
    assert RecordKey.for_object("b", "uploads/x.jpg", "v1", "e1") == RecordKey("b/uploads/x.jpg", "v#v1")
    assert RecordKey.for_object("b", "uploads/x.jpg", None, "e1") == RecordKey("b/uploads/x.jpg", "e#e1")
    assert RecordKey.for_object("b", "uploads/x.jpg", None, None) == RecordKey("b/uploads/x.jpg", "e#unknown")


def test_items_round_trip_to_plain_json() -> None:
    record = {
        "pk": "b/k",
        "status": "PROCESSED",
        "reason": None,
        "source": {"format": "JPEG", "width": 10, "height": 5, "bytes": 100, "etag": "e", "version_id": None},
        "variants": [{"name": "n", "key": "processed/k_n.jpg", "width": 3, "height": 2, "bytes": 7}],
        "duration_ms": 12,
    }
    item = to_item(record)
    assert item["duration_ms"] == {"N": "12"}
    assert item["reason"] == {"NULL": True}
    back = from_item(item)
    assert back == record
    assert type(back["duration_ms"]) is int
    json.dumps(back)  # no Decimal left anywhere
    assert from_item({"ratio": {"N": "1.5"}}) == {"ratio": 1.5}
    assert to_item({"f": 0.1})["f"] == {"N": "0.1"}
    assert from_item(to_item({"d": Decimal("2")})) == {"d": 2}
