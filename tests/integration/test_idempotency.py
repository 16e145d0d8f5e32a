"""At-least-once delivery, exactly-once effect: redeliveries, races, live leases, preset changes."""

from __future__ import annotations

import time
from typing import Any

import pytest

import image_processor.processor as processor_module
from image_processor.engine import render_isolated
from image_processor.processor import Outcome, Processor
from image_processor.records import RecordKey
from tests.fixtures_images import photo_jpeg
from tests.function_events import sqs_record
from tests.integration.function_faults import CallCounter
from tests.integration.function_pipeline import Pipeline


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts engine renders (by source size), whatever delivery triggers them."""
    calls: list[str] = []

    def counting_render(data: bytes, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(len(data)))
        return render_isolated(data, *args, **kwargs)

    monkeypatch.setattr(processor_module, "render_isolated", counting_render)
    return calls


def snapshot(pipeline: Pipeline) -> dict[str, tuple[Any, str]]:
    return {key: (head["LastModified"], head["ETag"]) for key, head in pipeline.objects().items()}


def test_a_redelivered_message_changes_nothing(pipeline: Pipeline, renders: list[str]) -> None:
    # GIVEN a message that was processed
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    message = sqs_record(pipeline.body(cat), message_id="m1")
    assert pipeline.invoke(message) == {"batchItemFailures": []}
    objects_before, record_before = snapshot(pipeline), pipeline.record(cat["key"])
    time.sleep(1.1)  # S3 LastModified has one-second resolution: a rewrite would show
    calls = CallCounter(pipeline.s3)
    # WHEN SQS delivers the same message again
    again = sqs_record(pipeline.body(cat), message_id="m1", receive_count=2)
    assert pipeline.invoke(again) == {"batchItemFailures": []}
    # THEN nothing is read, rendered or written, and the record is unchanged
    assert calls["GetObject"] == 0
    assert calls["PutObject"] == 0
    assert len(renders) == 1
    assert snapshot(pipeline) == objects_before
    assert pipeline.record(cat["key"]) == record_before
    assert len(pipeline.records.records_for(pipeline.bucket, cat["key"])) == 1


def test_the_same_event_twice_in_one_batch_renders_once(pipeline: Pipeline, renders: list[str]) -> None:
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    calls = CallCounter(pipeline.s3)
    response = pipeline.invoke(sqs_record(pipeline.body(cat)), sqs_record(pipeline.body(cat)))
    assert response == {"batchItemFailures": []}
    assert len(renders) == 1
    assert calls["PutObject"] == 5


def test_two_racing_deliveries_render_once(pipeline: Pipeline, renders: list[str]) -> None:
    # GIVEN delivery A of an object is between its claim and its writes
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    body = pipeline.body(cat)
    racing: list[Any] = []

    def second_delivery(**_: Any) -> None:
        if not racing:  # WHEN delivery B of the same object runs meanwhile (another function instance)
            racing.append(pipeline.handler.processor.process_message(body))

    pipeline.s3.meta.events.register("before-call.s3.GetObject", second_delivery)
    assert pipeline.invoke(sqs_record(body, message_id="m-a")) == {"batchItemFailures": []}
    pipeline.s3.meta.events.unregister("before-call.s3.GetObject", second_delivery)

    # THEN B found A's live claim and asks to be retried, without rendering
    [result_b] = racing[0].objects
    assert result_b.outcome is Outcome.RETRY
    assert result_b.reason.startswith("claimed by another delivery (lease until ")
    assert len(renders) == 1
    # AND when B is retried it finds A's final record and does nothing
    calls = CallCounter(pipeline.s3)
    assert pipeline.invoke(sqs_record(body, message_id="m-b", receive_count=2)) == {"batchItemFailures": []}
    assert (calls["GetObject"], calls["PutObject"], len(renders)) == (0, 0, 1)
    record = pipeline.record(cat["key"])
    assert (record["status"], record["attempts"]) == ("PROCESSED", 1)  # type: ignore[index]


def test_a_live_claim_makes_the_record_a_batch_item_failure(pipeline: Pipeline, renders: list[str]) -> None:
    # GIVEN another delivery holds a live claim on one object
    held = pipeline.upload("uploads/held.jpg", photo_jpeg((320, 240)))
    free = pipeline.upload("uploads/free.jpg", photo_jpeg((320, 240)))
    pipeline.claim(held, token="other", lease_seconds=600)
    # WHEN a batch with it and another object runs
    response = pipeline.invoke(
        sqs_record(pipeline.body(held), message_id="m-held"),
        sqs_record(pipeline.body(free), message_id="m-free"),
    )
    # THEN only the held object is retried, and it was not rendered
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-held"}]}
    assert len(renders) == 1
    assert pipeline.record(held["key"])["status"] == "IN_PROGRESS"  # type: ignore[index]


def test_an_expired_claim_is_taken_over(pipeline: Pipeline) -> None:
    # GIVEN a claim whose function died (its lease ran out)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    pipeline.claim(cat, token="other", lease_seconds=-5)
    # WHEN the message comes back THEN it is processed, and the record counts both claims
    assert pipeline.deliver(cat, receive_count=2) == {"batchItemFailures": []}
    record = pipeline.record(cat["key"])
    assert (record["status"], record["attempts"]) == ("PROCESSED", 2)  # type: ignore[index]


def while_writing_variants(
    pipeline: Pipeline,
    upload: dict[str, Any],
    update: str,
    values: dict[str, Any],
    names: dict[str, str] | None = None,
) -> None:
    """Another delivery changes the upload's record (UpdateExpression `update`) while this one writes its
    variants: a hook before each PutObject."""
    key = RecordKey.for_object(pipeline.bucket, upload["key"], None, upload["etag"])

    def change(**_: Any) -> None:
        pipeline.dynamodb.update_item(
            TableName=pipeline.table,
            Key=key.as_item_key(),
            UpdateExpression=update,
            ExpressionAttributeValues=values,
            **({"ExpressionAttributeNames": names} if names else {}),
        )

    pipeline.s3.meta.events.register("before-call.s3.PutObject", change)


def test_a_claim_lost_while_working_is_retried_not_recorded(pipeline: Pipeline) -> None:
    # GIVEN another delivery takes the claim over while this one writes variants
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    while_writing_variants(pipeline, cat, "SET claim_token = :other", {":other": {"S": "other"}})
    # WHEN it finishes THEN its final write is refused and the message is retried
    assert pipeline.retried(sqs_record(pipeline.body(cat), message_id="m1")) == {"m1"}
    record = pipeline.record(cat["key"])
    assert (record["status"], record["claim_token"]) == ("IN_PROGRESS", "other")  # type: ignore[index]


def test_a_preset_change_re_renders_once(make_pipeline: Any, renders: list[str]) -> None:
    # GIVEN an object processed with the default preset
    first = make_pipeline()
    cat = first.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    first.deliver(cat)
    signature_before = first.record(cat["key"])["variants_signature"]
    # WHEN the function is redeployed with VARIANTS=half and the event is replayed (imgpipe reprocess)
    second = make_pipeline(bucket=first.bucket, table=first.table, VARIANTS="half")
    assert second.deliver(cat) == {"batchItemFailures": []}
    # THEN it is rendered again with the new variants, in the same record
    record = second.record(cat["key"])
    assert record["status"] == "PROCESSED"
    assert [v["key"] for v in record["variants"]] == ["processed/cat_half.jpg"]
    assert record["variants_signature"] != signature_before
    assert record["attempts"] == 2
    # AND replaying once more does nothing
    second.deliver(cat)
    assert len(renders) == 2


class ClaimSentTwice:
    """The claim's UpdateItem is applied but its response is lost (a read timeout), so the SDK sends the same
    request again: that retry is refused by the claim it made itself."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def claim(self, key: RecordKey, **kwargs: Any) -> Any:
        self.table.claim(key, **kwargs)
        return self.table.claim(key, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


def test_a_claim_whose_retried_request_finds_itself_is_kept(pipeline: Pipeline, renders: list[str]) -> None:
    # GIVEN a claim request that was applied, then sent again by the SDK after its response was lost
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    processor = Processor(
        pipeline.handler.settings, pipeline.handler.processor.store, ClaimSentTwice(pipeline.records)
    )
    # WHEN the object is processed
    result = processor.process_message(pipeline.body(cat))
    # THEN the processor knows the claim is its own: it renders and records at once, not "claimed by another
    # delivery" (which would wait out its own lease and, on the last receive, dead-letter with no record)
    assert [item.outcome for item in result.objects] == [Outcome.PROCESSED]
    assert len(renders) == 1
    record = pipeline.record(cat["key"])
    assert (record["status"], record["attempts"]) == ("PROCESSED", 1)  # type: ignore[index]
    assert not {"claim_token", "lease_until"} & set(record)  # type: ignore[arg-type]


class FinishSentTwice:
    """The final PutItem is applied but its response is lost, so the SDK sends the same request again."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def finish(self, key: RecordKey, token: str, record: Any) -> None:
        self.table.finish(key, token, record)
        self.table.finish(key, token, record)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


def test_a_final_write_whose_retried_request_finds_itself_is_done(pipeline: Pipeline) -> None:
    # GIVEN a final write that was applied, then sent again by the SDK after its response was lost
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    processor = Processor(
        pipeline.handler.settings, pipeline.handler.processor.store, FinishSentTwice(pipeline.records)
    )
    # WHEN the object is processed THEN it is done (acknowledged), not "claim lost to another delivery"
    result = processor.process_message(pipeline.body(cat))
    assert [(item.outcome, item.variants_written) for item in result.objects] == [(Outcome.PROCESSED, 5)]
    assert pipeline.record(cat["key"])["status"] == "PROCESSED"  # type: ignore[index]


def test_a_final_write_refused_for_another_record_is_still_retried(pipeline: Pipeline) -> None:
    # GIVEN another delivery took the claim over and wrote its own final record while this one worked
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    while_writing_variants(
        pipeline,
        cat,
        "SET #s = :done, claim_token = :other",
        {":done": {"S": "PROCESSED"}, ":other": {"S": "other"}},
        names={"#s": "status"},
    )
    # WHEN this delivery's final write is refused THEN it is retried, not taken for its own write
    assert pipeline.retried(sqs_record(pipeline.body(cat), message_id="m1")) == {"m1"}


# An object begun past the invocation's deadline (the batch before it overran) once got the 15-minute default
# lease, and its redeliveries found a live claim until they were dead-lettered: the soak's lost upload. Now it
# is not begun at all (no claim, `[]`).
@pytest.mark.parametrize(
    ("remaining_ms", "leases"), [(0, []), (1_000, [2]), (10_500, [22]), (70_000, [100]), (None, [930])]
)
def test_a_claim_outlives_its_invocation_by_a_margin_no_longer_than_the_invocation(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, remaining_ms: int | None, leases: list[int]
) -> None:
    # GIVEN the claims the processor makes, recorded
    made: list[int] = []
    claim = pipeline.records.claim

    def recording_claim(key: RecordKey, **kwargs: Any) -> Any:
        made.append(kwargs["lease_until"] - kwargs["now"])
        return claim(key, **kwargs)

    monkeypatch.setattr(pipeline.records, "claim", recording_claim)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((64, 48)))
    # WHEN an object is processed with this much of the invocation left
    pipeline.handler.processor.process_message(pipeline.body(cat), remaining_ms=remaining_ms)
    # THEN the lease is the remaining time plus min(30 s, the remaining time): short invocations, short leases
    assert made == leases
