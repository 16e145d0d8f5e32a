"""The Lambda handler end to end under moto: batch responses, objects written, metadata records."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

import image_processor.processor as processor_module
from image_processor.config import ConfigError
from image_processor.processor import Processor
from tests.fixtures_images import not_an_image, photo_jpeg, truncated_jpeg
from tests.function_events import s3_test_event_body, sqs_record
from tests.integration.function_faults import CallCounter, ServiceError
from tests.integration.function_pipeline import Pipeline

DEFAULT_VARIANTS = {
    # suffix.extension -> (variant name, content type)
    "compressed.jpg": ("compressed", "image/jpeg"),
    "low_quality.jpg": ("low_quality", "image/jpeg"),
    "converted.webp": ("webp", "image/webp"),
    "converted.png": ("png", "image/png"),
    "thumbnail.jpg": ("thumbnail", "image/jpeg"),
}


def expected_keys(stem: str) -> set[str]:
    return {f"processed/{stem}_{suffix}" for suffix in DEFAULT_VARIANTS}


def test_mixed_batch_gives_exactly_the_expected_failures_objects_and_records(pipeline: Pipeline) -> None:
    # GIVEN a batch: a good image, a bad image, the S3 test event, an encoded key, and an object whose
    # GetObject is throttled (SlowDown, HTTP 503) at the client boundary
    good = pipeline.upload("uploads/2026/cat.jpg", photo_jpeg())
    bad = pipeline.upload("uploads/notes.jpg", not_an_image())
    encoded = pipeline.upload("uploads/summer holiday/été+1.jpg", photo_jpeg((640, 480)))
    flaky = pipeline.upload("uploads/flaky.jpg", photo_jpeg((320, 240)))
    ServiceError(pipeline.s3, "GetObject", "SlowDown", 503, when=lambda params: params["Key"] == flaky["key"])
    records = {
        "good": sqs_record(pipeline.body(good), message_id="m-good"),
        "bad": sqs_record(pipeline.body(bad), message_id="m-bad"),
        "test": sqs_record(s3_test_event_body(pipeline.bucket), message_id="m-test"),
        "encoded": sqs_record(pipeline.body(encoded, slash_encoded=False), message_id="m-encoded"),
        "flaky": sqs_record(pipeline.body(flaky), message_id="m-flaky"),
    }

    # WHEN the handler runs
    response = pipeline.invoke(*records.values())

    # THEN only the throttled record is reported for retry
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-flaky"}]}

    # AND exactly the variants of the two good images exist, with type, cache policy and source pointer
    objects = pipeline.objects()
    expected = {
        f"processed/{stem}_{suffix}": (source, content_type, pointer_key)
        for stem, source, pointer_key in (
            ("2026/cat", good, "uploads/2026/cat.jpg"),
            # S3 metadata is ASCII: the key is percent-encoded there ('/' kept)
            ("summer holiday/été+1", encoded, "uploads/summer%20holiday/%C3%A9t%C3%A9%2B1.jpg"),
        )
        for suffix, (_name, content_type) in DEFAULT_VARIANTS.items()
    }
    assert set(objects) == set(expected)
    for key, head in objects.items():
        source, content_type, pointer_key = expected[key]
        assert head["ContentType"] == content_type
        assert head["CacheControl"] == "public, max-age=86400"
        assert head["Metadata"] == {
            "source-bucket": pipeline.bucket,
            "source-key": pointer_key,
            "source-etag": source["etag"],
        }
        assert unquote(pointer_key) == source["key"]

    # AND the records say what happened
    cat = pipeline.record(good["key"])
    assert cat is not None
    assert cat["status"] == "PROCESSED"
    assert cat["reason"] is None
    assert cat["pk"] == f"{pipeline.bucket}/uploads/2026/cat.jpg"
    assert cat["sk"] == f"e#{good['etag']}"
    assert cat["source"] == {
        "format": "JPEG",
        "width": 800,
        "height": 600,
        "bytes": good["size"],
        "etag": good["etag"],
        "version_id": None,
    }
    assert [(v["name"], v["key"], v["format"]) for v in cat["variants"]] == [
        ("compressed", "processed/2026/cat_compressed.jpg", "jpeg"),
        ("low_quality", "processed/2026/cat_low_quality.jpg", "jpeg"),
        ("webp", "processed/2026/cat_converted.webp", "webp"),
        ("png", "processed/2026/cat_converted.png", "png"),
        ("thumbnail", "processed/2026/cat_thumbnail.jpg", "jpeg"),
    ]
    for variant in cat["variants"]:
        assert variant["bytes"] == objects[variant["key"]]["ContentLength"]
    assert [(v["width"], v["height"]) for v in cat["variants"]] == [(800, 600)] * 4 + [(150, 113)]
    assert cat["attempts"] == 1
    assert cat["processed_at"].endswith("Z")
    assert isinstance(cat["duration_ms"], int)
    assert not {"claim_token", "lease_until"} & set(cat)

    rejected = pipeline.record(bad["key"])
    assert rejected is not None
    assert rejected["status"] == "REJECTED"
    assert rejected["reason"] == "not an image: no decoder recognises this file"
    assert rejected["variants"] == []
    assert rejected["source"]["bytes"] == bad["size"]

    accented = pipeline.record(encoded["key"])
    assert accented is not None
    assert accented["status"] == "PROCESSED"
    assert accented["key"] == "uploads/summer holiday/été+1.jpg"

    # AND the throttled object is not final: its claim was released so the retry can take it at once
    pending = pipeline.record(flaky["key"])
    assert pending is not None
    assert pending["status"] == "IN_PROGRESS"
    assert "processed_at" not in pending
    assert isinstance(pending["lease_until"], int)  # numbers come back as plain ints, not Decimal
    assert pending["lease_until"] < time.time()


def test_the_retry_of_a_transient_failure_processes_the_object(pipeline: Pipeline) -> None:
    # GIVEN a first delivery that was throttled
    flaky = pipeline.upload("uploads/flaky.jpg", photo_jpeg((320, 240)))
    fault = ServiceError(pipeline.s3, "GetObject", "SlowDown", 503, times=1)
    assert pipeline.retried(sqs_record(pipeline.body(flaky), message_id="m1")) == {"m1"}
    assert fault.calls == 1
    # WHEN SQS delivers it again
    response = pipeline.invoke(sqs_record(pipeline.body(flaky), message_id="m1", receive_count=2))
    # THEN it is processed and the record counts both claims
    assert response == {"batchItemFailures": []}
    record = pipeline.record(flaky["key"])
    assert record is not None
    assert (record["status"], record["attempts"]) == ("PROCESSED", 2)
    assert set(pipeline.objects()) == expected_keys("flaky")


def test_a_transient_failure_on_the_last_receive_records_failed(pipeline: Pipeline) -> None:
    # GIVEN MAX_RECEIVE_COUNT=3 and a GetObject that keeps timing out
    flaky = pipeline.upload("uploads/flaky.jpg", photo_jpeg((320, 240)))
    ServiceError(pipeline.s3, "GetObject", "RequestTimeout", 400)
    # WHEN the third receive fails too
    retried = pipeline.retried(sqs_record(pipeline.body(flaky), message_id="m1", receive_count=3))
    # THEN it is still reported failed (SQS moves it to the DLQ) AND the record says FAILED and why
    assert retried == {"m1"}
    record = pipeline.record(flaky["key"])
    assert record is not None
    assert record["status"] == "FAILED"
    assert record["reason"] == (
        "s3:GetObject failed: RequestTimeout (HTTP 400) (receive 3 of 3; message dead-lettered)"
    )
    assert record["variants"] == []
    assert record["processed_at"].endswith("Z")
    assert pipeline.objects() == {}


def test_a_redriven_failed_object_is_processed(pipeline: Pipeline) -> None:
    # GIVEN a FAILED record (the message went to the DLQ)
    flaky = pipeline.upload("uploads/flaky.jpg", photo_jpeg((320, 240)))
    fault = ServiceError(pipeline.s3, "GetObject", "InternalError", 500)
    pipeline.retried(sqs_record(pipeline.body(flaky), receive_count=3))
    fault.remove()
    # WHEN an operator redrives it (receive count starts again)
    response = pipeline.deliver(flaky)
    # THEN the FAILED record is replaced by PROCESSED
    assert response == {"batchItemFailures": []}
    record = pipeline.record(flaky["key"])
    assert record is not None
    assert (record["status"], record["reason"]) == ("PROCESSED", None)


def test_a_poison_body_is_reported_failed_and_the_rest_succeeds(pipeline: Pipeline) -> None:
    good = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    response = pipeline.invoke(
        sqs_record('{"hello": "world"}', message_id="m-poison"),
        sqs_record(pipeline.body(good), message_id="m-good"),
    )
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-poison"}]}
    assert pipeline.record(good["key"])["status"] == "PROCESSED"  # type: ignore[index]


def test_when_every_record_fails_the_whole_batch_raises(pipeline: Pipeline) -> None:
    # GIVEN a batch where every record fails (poison, throttled)
    flaky = pipeline.upload("uploads/flaky.jpg", photo_jpeg((320, 240)))
    ServiceError(pipeline.s3, "GetObject", "SlowDown", 503)
    # WHEN it runs THEN Powertools raises BatchProcessingError: the invocation fails, SQS retries the batch
    with pytest.raises(BatchProcessingError) as caught:
        pipeline.invoke(
            sqs_record("not json", message_id="m1"), sqs_record(pipeline.body(flaky), message_id="m2")
        )
    assert len(caught.value.child_exceptions) == 2


def test_skipped_records_and_the_test_event_are_acknowledged_without_work(pipeline: Pipeline) -> None:
    calls = CallCounter(pipeline.s3)
    outside = {"key": "elsewhere/cat.jpg", "size": 10, "etag": "abc"}
    output = {"key": "processed/cat_thumbnail.jpg", "size": 10, "etag": "abc"}
    restored = {"key": "uploads/cat.jpg", "event_name": "ObjectRestore:Completed"}
    response = pipeline.invoke(
        sqs_record(s3_test_event_body(pipeline.bucket)),
        sqs_record(pipeline.body(outside, output, restored)),
    )
    assert response == {"batchItemFailures": []}
    assert calls.counts == {}
    assert pipeline.dynamodb.scan(TableName=pipeline.table)["Count"] == 0


def test_several_objects_in_one_message_fail_together_and_finished_ones_are_skipped_on_retry(
    pipeline: Pipeline,
) -> None:
    # GIVEN one SQS message announcing two objects, the second throttled once
    first = pipeline.upload("uploads/a.jpg", photo_jpeg((320, 240)))
    second = pipeline.upload("uploads/b.jpg", photo_jpeg((320, 240)))
    ServiceError(pipeline.s3, "GetObject", "SlowDown", 503, times=1, when=lambda p: p["Key"] == second["key"])
    body = pipeline.body(first, second)
    # WHEN it is delivered THEN the whole message is reported failed, though the first object is done
    assert pipeline.retried(sqs_record(body, message_id="m1")) == {"m1"}
    assert pipeline.record(first["key"])["status"] == "PROCESSED"  # type: ignore[index]
    # WHEN it is retried THEN the second is processed and the first is not rendered or written again
    puts = CallCounter(pipeline.s3)
    assert pipeline.invoke(sqs_record(body, message_id="m1", receive_count=2)) == {"batchItemFailures": []}
    assert pipeline.record(second["key"])["status"] == "PROCESSED"  # type: ignore[index]
    assert {key for op, key in puts.keys if op == "PutObject"} == expected_keys("b")


def test_the_size_in_the_event_rejects_before_download(make_pipeline: Any) -> None:
    pipeline = make_pipeline(MAX_INPUT_BYTES="1000")
    big = pipeline.upload("uploads/big.jpg", photo_jpeg((320, 240)))
    calls = CallCounter(pipeline.s3)
    assert pipeline.deliver(big) == {"batchItemFailures": []}
    assert calls["GetObject"] == 0
    record = pipeline.record(big["key"])
    assert record["status"] == "REJECTED"
    assert record["reason"].startswith("file too large: ")


def test_the_size_in_the_response_rejects_when_the_event_has_none(make_pipeline: Any) -> None:
    pipeline = make_pipeline(MAX_INPUT_BYTES="1000")
    big = pipeline.upload("uploads/big.jpg", photo_jpeg((320, 240)))
    assert pipeline.deliver({**big, "size": None}) == {"batchItemFailures": []}
    assert pipeline.record(big["key"])["reason"].startswith("file too large: ")


def test_a_truncated_image_is_rejected(pipeline: Pipeline) -> None:
    broken = pipeline.upload("uploads/broken.jpg", truncated_jpeg())
    assert pipeline.deliver(broken) == {"batchItemFailures": []}
    record = pipeline.record(broken["key"])
    assert record["status"] == "REJECTED"
    assert record["reason"]
    assert pipeline.objects() == {}


def test_a_source_deleted_before_processing_is_rejected(pipeline: Pipeline) -> None:
    gone = pipeline.upload("uploads/gone.jpg", photo_jpeg((320, 240)))
    pipeline.s3.delete_object(Bucket=pipeline.bucket, Key=gone["key"])
    assert pipeline.deliver(gone) == {"batchItemFailures": []}
    record = pipeline.record(gone["key"])
    assert (record["status"], record["reason"]) == (
        "REJECTED",
        "source object no longer exists (deleted after the upload event)",
    )


def test_an_overwritten_source_is_rejected_for_the_old_etag_and_processed_for_the_new(
    pipeline: Pipeline,
) -> None:
    # GIVEN an upload overwritten before its event was processed (unversioned bucket)
    old = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    new = pipeline.upload("uploads/cat.jpg", photo_jpeg((640, 480)))
    # WHEN both events arrive
    assert pipeline.deliver(old, new) == {"batchItemFailures": []}
    # THEN the old ETag's record says it was replaced, and the new one is processed from the new bytes
    records = {r["sk"]: r for r in pipeline.records.records_for(pipeline.bucket, "uploads/cat.jpg")}
    assert records[f"e#{old['etag']}"]["status"] == "REJECTED"
    assert "overwritten" in records[f"e#{old['etag']}"]["reason"]
    assert records[f"e#{new['etag']}"]["status"] == "PROCESSED"
    assert records[f"e#{new['etag']}"]["source"]["width"] == 640


def test_a_versioned_bucket_keys_records_and_pointers_by_version(make_pipeline: Any) -> None:
    pipeline = make_pipeline(versioned=True)
    first = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    assert first["version_id"]
    # WHEN the version's event arrives
    assert pipeline.deliver(first) == {"batchItemFailures": []}
    # THEN that version's bytes were rendered (GetObject by VersionId) and the record is keyed by it
    record = pipeline.records.records_for(pipeline.bucket, "uploads/cat.jpg")[0]
    assert record["sk"] == f"v#{first['version_id']}"
    assert record["source"]["width"] == 320
    assert record["source"]["version_id"] == first["version_id"]
    head = pipeline.objects()["processed/cat_thumbnail.jpg"]
    assert head["Metadata"]["source-version-id"] == first["version_id"]
    assert "source-etag" not in head["Metadata"]
    # AND a second version gets a record of its own (test_versions.py covers events out of order)
    second = pipeline.upload("uploads/cat.jpg", photo_jpeg((640, 480)))
    assert pipeline.deliver(second) == {"batchItemFailures": []}
    found = pipeline.records.records_for(pipeline.bucket, "uploads/cat.jpg")
    records = {record["sk"]: record["source"]["width"] for record in found}
    assert records == {f"v#{first['version_id']}": 320, f"v#{second['version_id']}": 640}


def test_variants_go_to_the_destination_bucket_when_set(aws: Any, make_pipeline: Any) -> None:
    destination = aws.bucket("imgpipe-test-variants")
    pipeline = make_pipeline(DESTINATION_BUCKET=destination, VARIANTS="half", CACHE_CONTROL="no-cache")
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    assert pipeline.deliver(cat) == {"batchItemFailures": []}
    assert pipeline.objects() == {}
    written = pipeline.objects(bucket=destination)
    assert list(written) == ["processed/cat_half.jpg"]
    assert written["processed/cat_half.jpg"]["CacheControl"] == "no-cache"
    record = pipeline.record(cat["key"])
    assert record["destination_bucket"] == destination
    assert [(v["width"], v["height"]) for v in record["variants"]] == [(160, 120)]


def test_a_ttl_sets_expires_at(make_pipeline: Any) -> None:
    pipeline = make_pipeline(METADATA_TTL_DAYS="7")
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    pipeline.deliver(cat)
    record = pipeline.record(cat["key"])
    assert isinstance(record["expires_at"], int)
    assert 6 * 86_400 < record["expires_at"] - _epoch(record["processed_at"]) <= 7 * 86_400


def test_unknown_errors_are_retried_and_end_failed_never_rejected(pipeline: Pipeline) -> None:
    # AccessDenied is a deployment problem, not a bad image: retried, and FAILED on the last receive
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    ServiceError(pipeline.s3, "PutObject", "AccessDenied", 403)
    assert pipeline.retried(sqs_record(pipeline.body(cat), message_id="m1")) == {"m1"}
    assert pipeline.record(cat["key"])["status"] == "IN_PROGRESS"  # type: ignore[index]
    pipeline.retried(sqs_record(pipeline.body(cat), message_id="m1", receive_count=3))
    record = pipeline.record(cat["key"])
    assert record["status"] == "FAILED"
    assert record["reason"].startswith("s3:PutObject failed: AccessDenied (HTTP 403)")


def test_a_throttled_claim_on_the_last_receive_still_records_failed(pipeline: Pipeline) -> None:
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    ServiceError(pipeline.dynamodb, "UpdateItem", "ProvisionedThroughputExceededException", 400)
    assert pipeline.retried(sqs_record(pipeline.body(cat), message_id="m1", receive_count=3)) == {"m1"}
    record = pipeline.record(cat["key"])
    assert record["status"] == "FAILED"
    assert record["reason"].startswith("dynamodb:UpdateItem failed: ProvisionedThroughputExceededException")
    assert record["attempts"] == 0


def test_metrics_are_emitted_as_emf(pipeline: Pipeline, capsys: pytest.CaptureFixture[str]) -> None:
    good = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    bad = pipeline.upload("uploads/bad.jpg", not_an_image())
    capsys.readouterr()
    pipeline.deliver(good, bad)
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    values: dict[str, list[float]] = {}
    for blob in blobs:
        for definition in blob["_aws"]["CloudWatchMetrics"]:
            assert definition["Namespace"] == "imgpipe-test"
            for metric in definition["Metrics"]:
                value = blob[metric["Name"]]
                values.setdefault(metric["Name"], []).extend(value if isinstance(value, list) else [value])
    written = sum(v["bytes"] for v in pipeline.record(good["key"])["variants"])  # type: ignore[index]
    assert values["ImagesProcessed"] == [1.0]
    assert values["ImagesRejected"] == [1.0]
    assert values["BytesWritten"] == [written]
    assert values["SourceMegapixels"] == [pytest.approx(0.0768)]
    assert len(values["ProcessingTime"]) == 1
    assert values["ColdStart"] == [1.0]


def test_a_bad_variable_fails_the_cold_start_naming_it(make_pipeline: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        make_pipeline(MAX_RECEIVE_COUNT="many")
    assert str(caught.value) == "MAX_RECEIVE_COUNT: 'many' is not an integer"


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def test_each_object_is_traced_as_get_decode_encode_put(pipeline: Pipeline) -> None:
    # GIVEN a processor whose span factory records the subsegments it opens (the handler passes X-Ray's)
    opened: list[str] = []

    @contextmanager
    def span(name: str) -> Iterator[None]:
        opened.append(name)
        yield

    processor = Processor(
        pipeline.handler.settings, pipeline.handler.processor.store, pipeline.records, span=span
    )
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    # WHEN an object is processed THEN get, render and put each have their subsegment, in that order (the
    # render runs in a child process of its own, which sends no trace)
    processor.process_message(pipeline.body(cat))
    assert opened == ["s3_get_object", "render", "s3_put_variants"]


def test_an_unexpected_exception_is_retried_then_recorded_failed(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a bug: the engine raises something other than ImageRejected
    def broken_render(*_: Any, **__: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(processor_module, "render_isolated", broken_render)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    # WHEN it is delivered THEN it is retried (never acknowledged as done or as a bad image)
    assert pipeline.retried(sqs_record(pipeline.body(cat), message_id="m1")) == {"m1"}
    assert pipeline.record(cat["key"])["status"] == "IN_PROGRESS"  # type: ignore[index]
    # AND on the last receive it is recorded FAILED, naming the exception class only
    assert pipeline.retried(sqs_record(pipeline.body(cat), message_id="m1", receive_count=3)) == {"m1"}
    record = pipeline.record(cat["key"])
    assert (record["status"], record["reason"]) == (  # type: ignore[index]
        "FAILED",
        "unexpected error: RuntimeError (receive 3 of 3; message dead-lettered)",
    )
