"""Variants are always those of the current version; one stem belongs to one source; dying invocations end.

Events arrive late, twice and out of order: an older version's event, an event for a deleted upload, and a
second source whose variant keys collide with the first's must all write nothing and say why in the record.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

import image_processor.processor as processor_module
from image_processor.engine import RenderInterrupted
from image_processor.processor import Outcome, Processor
from tests.fixtures_images import photo_jpeg
from tests.integration.function_pipeline import Pipeline


@pytest.fixture
def versioned(make_pipeline: Any) -> Pipeline:
    pipeline: Pipeline = make_pipeline(versioned=True)
    return pipeline


def record_of(pipeline: Pipeline, upload: dict[str, Any]) -> dict[str, Any]:
    found = {r["sk"]: r for r in pipeline.records.records_for(pipeline.bucket, upload["key"])}
    return found[f"v#{upload['version_id']}"]


def sources_of_variants(pipeline: Pipeline) -> set[tuple[str, str]]:
    """(source-key, source-version-id) named by every variant's metadata."""
    return {
        (head["Metadata"]["source-key"], head["Metadata"].get("source-version-id", "-"))
        for head in pipeline.objects().values()
    }


def test_a_late_event_for_an_older_version_writes_nothing(versioned: Pipeline) -> None:
    # GIVEN v1 then v2 of one upload, and v2's event processed first
    v1 = versioned.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    v2 = versioned.upload("uploads/cat.jpg", photo_jpeg((640, 480)))
    assert versioned.deliver(v2) == {"batchItemFailures": []}
    # WHEN v1's event arrives last (a retry, a slow poller, a redrive)
    assert versioned.deliver(v1) == {"batchItemFailures": []}
    # THEN v1 is recorded with the reason and every variant is still v2's
    record = record_of(versioned, v1)
    assert (record["status"], record["reason"], record["variants"]) == (
        "REJECTED",
        f"superseded: version {v1['version_id']} is no longer current ({v2['version_id']} is); "
        "the current version has its own record",
        [],
    )
    assert record_of(versioned, v2)["status"] == "PROCESSED"
    assert sources_of_variants(versioned) == {("uploads/cat.jpg", v2["version_id"])}
    assert len(versioned.objects()) == 5


def test_an_event_for_a_deleted_upload_publishes_nothing(versioned: Pipeline) -> None:
    # GIVEN an upload deleted (a delete marker) before its event is processed
    cat = versioned.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    versioned.s3.delete_object(Bucket=versioned.bucket, Key=cat["key"])
    # WHEN its event arrives THEN it is recorded REJECTED and no variant is written
    assert versioned.deliver(cat) == {"batchItemFailures": []}
    record = record_of(versioned, cat)
    assert (record["status"], record["reason"]) == ("REJECTED", processor_module.SOURCE_GONE_REASON)
    assert versioned.objects() == {}


def test_a_version_uploaded_while_another_writes_waits_and_ends_current(versioned: Pipeline) -> None:
    # GIVEN v1 being processed, and v2 uploaded and delivered while v1 holds the stem (during its download)
    v1 = versioned.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    second = Processor(versioned.handler.settings, versioned.handler.processor.store, versioned.records)
    during: list[Any] = []

    def v2_arrives(**_: Any) -> None:
        if not during:
            v2 = versioned.upload("uploads/cat.jpg", photo_jpeg((640, 480)))
            during.append((v2, second.process_message(versioned.body(v2))))

    versioned.s3.meta.events.register("before-call.s3.GetObject", v2_arrives)
    # WHEN v1 finishes
    assert versioned.deliver(v1) == {"batchItemFailures": []}
    versioned.s3.meta.events.unregister("before-call.s3.GetObject", v2_arrives)
    # THEN v2's delivery was sent back to wait, not written alongside
    ((v2, result),) = during
    assert [(item.outcome, item.reason) for item in result.objects] == [
        (Outcome.RETRY, "variant keys processed/cat_* are being written by another delivery")
    ]
    assert sources_of_variants(versioned) == {("uploads/cat.jpg", v1["version_id"])}
    # AND when v2 comes back it writes, and the variants are the current version's
    assert versioned.deliver(v2, receive_count=2) == {"batchItemFailures": []}
    assert sources_of_variants(versioned) == {("uploads/cat.jpg", v2["version_id"])}
    statuses = (record_of(versioned, v1)["status"], record_of(versioned, v2)["status"])
    assert statuses == ("PROCESSED", "PROCESSED")


def test_a_stem_belongs_to_its_first_source(pipeline: Pipeline) -> None:
    # GIVEN two uploads that map to the same variant keys (processed/dog_*)
    jpg = pipeline.upload("uploads/dog.jpg", photo_jpeg((320, 240)))
    png = pipeline.upload("uploads/dog.png", photo_jpeg((640, 480)))
    # WHEN both are delivered, the JPEG first
    assert pipeline.deliver(jpg) == {"batchItemFailures": []}
    assert pipeline.deliver(png) == {"batchItemFailures": []}
    # THEN the second is REJECTED naming the owner, and every variant is the first's
    record = pipeline.record(png["key"])
    assert (record["status"], record["reason"]) == (  # type: ignore[index]
        "REJECTED",
        "variant keys processed/dog_* belong to uploads/dog.jpg; rename this upload (one stem, one source)",
    )
    assert sources_of_variants(pipeline) == {("uploads/dog.jpg", "-")}
    # AND the owner's own overwrite still renders
    again = pipeline.upload("uploads/dog.jpg", photo_jpeg((64, 48)))
    assert pipeline.deliver(again) == {"batchItemFailures": []}
    assert {head["ContentLength"] for head in pipeline.objects().values()} != set()
    assert pipeline.records.records_for(pipeline.bucket, "uploads/dog.jpg")[-1]["status"] == "PROCESSED"


def interrupted(*_: Any, **__: Any) -> Any:
    raise RenderInterrupted("render stopped at its wall deadline of 47.0 s")


def test_an_object_whose_render_ran_out_of_time_twice_is_rejected_not_retried(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an upload whose render is stopped at the deadline, with most of its invocation each time
    slow = pipeline.upload("uploads/slow.jpg", photo_jpeg((320, 240)))
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return interrupted(*args, **kwargs)

    monkeypatch.setattr(processor_module, "render_isolated", counted)
    processor = pipeline.handler.processor
    for receive in (1, 2):
        result = processor.process_message(
            pipeline.body(slow), receive_count=receive, remaining_ms=50_000, invocation_ms=60_000
        )
        assert [item.outcome for item in result.objects] == [Outcome.RETRY]
    # WHEN it is delivered a third time
    assert pipeline.deliver(slow, receive_count=3) == {"batchItemFailures": []}
    # THEN it is recorded REJECTED with the reason, without a third render, and nothing is written
    record = pipeline.record(slow["key"])
    assert (record["status"], record["reason"], record["attempts"], record["interrupted"]) == (  # type: ignore[index]
        "REJECTED",
        "too slow to render: stopped at the invocation's deadline 2 times; not retried",
        3,
        2,
    )
    assert len(calls) == 2
    assert pipeline.objects() == {}


def test_a_killed_invocation_is_not_held_against_the_image(pipeline: Pipeline) -> None:
    # GIVEN two claims whose invocations died (a kill of any call: the cause is unknown)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    pipeline.claim(cat, token="first", lease_seconds=-5)
    pipeline.claim(cat, token="second", lease_seconds=-5)
    # WHEN it comes back THEN it is processed, and no interruption is counted
    assert pipeline.deliver(cat, receive_count=3) == {"batchItemFailures": []}
    record = pipeline.record(cat["key"])
    assert (record["status"], record["attempts"], "interrupted" in record) == ("PROCESSED", 3, False)  # type: ignore[index,operator]


def test_a_render_stopped_early_in_its_invocation_is_not_counted(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a render stopped with a small part of the invocation (its batch neighbours used the time)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    monkeypatch.setattr(processor_module, "render_isolated", interrupted)
    processor = pipeline.handler.processor
    result = processor.process_message(pipeline.body(cat), remaining_ms=10_000, invocation_ms=60_000)
    assert [(item.outcome, item.reason) for item in result.objects] == [
        (Outcome.RETRY, "render stopped at its wall deadline of 47.0 s")
    ]
    # THEN the claim is released at once and nothing is counted
    claim = pipeline.record(cat["key"])
    assert (claim["status"], claim["lease_until"] < time.time(), "interrupted" in claim) == (  # type: ignore[index,operator]
        "IN_PROGRESS",
        True,
        False,
    )


def test_a_render_stopped_after_most_of_its_invocation_is_counted(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    monkeypatch.setattr(processor_module, "render_isolated", interrupted)
    pipeline.handler.processor.process_message(pipeline.body(cat), remaining_ms=50_000, invocation_ms=60_000)
    # THEN the claim is released for the retry, with the interruption counted
    claim = pipeline.record(cat["key"])
    assert (claim["status"], claim["lease_until"] < time.time(), claim["interrupted"]) == (  # type: ignore[index]
        "IN_PROGRESS",
        True,
        1,
    )


def test_an_object_is_not_started_without_time_to_finish(pipeline: Pipeline) -> None:
    # GIVEN an invocation with 150 ms left of 10 s (the reserve for the writes is a tenth: 1 s)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    result = pipeline.handler.processor.process_message(
        pipeline.body(cat), remaining_ms=150, invocation_ms=10_000
    )
    # THEN the object goes back to the queue unclaimed
    (item,) = result.objects
    assert item.outcome is Outcome.RETRY
    assert re.fullmatch(r"not started: 1[0-5]\d ms left in the invocation", item.reason or "")
    assert pipeline.record(cat["key"]) is None
