"""Deleting an upload deletes its variants and records DELETED; nothing brings them back."""

from __future__ import annotations

from typing import Any

import image_processor.processor as processor_module
from tests.fixtures_images import photo_jpeg
from tests.integration.function_pipeline import Pipeline

VARIANT_KEYS = [
    "processed/cat_compressed.jpg",
    "processed/cat_low_quality.jpg",
    "processed/cat_converted.webp",
    "processed/cat_converted.png",
    "processed/cat_thumbnail.jpg",
]


def removal(pipeline: Pipeline, key: str, *, version_id: str | None = None) -> dict[str, Any]:
    """DeleteObject (a delete marker when versioned); the removal event's fields."""
    response = pipeline.s3.delete_object(
        Bucket=pipeline.bucket, Key=key, **({"VersionId": version_id} if version_id else {})
    )
    event = "ObjectRemoved:Delete" if version_id else "ObjectRemoved:DeleteMarkerCreated"
    return {"key": key, "version_id": response.get("VersionId"), "event_name": event}


def records(pipeline: Pipeline, key: str) -> dict[str, dict[str, Any]]:
    return {r["sk"]: r for r in pipeline.records.records_for(pipeline.bucket, key)}


def test_deleting_an_upload_deletes_its_variants_and_records_deleted(make_pipeline: Any) -> None:
    # GIVEN a processed upload in the versioned bucket
    pipeline: Pipeline = make_pipeline(versioned=True)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    assert pipeline.deliver(cat) == {"batchItemFailures": []}
    assert sorted(pipeline.objects()) == sorted(VARIANT_KEYS)
    # WHEN it is deleted and the removal event arrives
    gone = removal(pipeline, cat["key"])
    assert pipeline.deliver(gone) == {"batchItemFailures": []}
    # THEN its variants are gone and the newest record says DELETED, naming them
    assert pipeline.objects() == {}
    record = records(pipeline, cat["key"])[f"d#{gone['version_id']}"]
    assert (record["status"], record["reason"], record["variants"], sorted(record["deleted_keys"])) == (
        "DELETED",
        None,
        [],
        sorted(VARIANT_KEYS),
    )
    assert pipeline.records.records_for(pipeline.bucket, cat["key"])[-1]["status"] == "DELETED"
    # AND a late create event for the deleted version does not bring them back
    assert pipeline.deliver(cat, receive_count=2) == {"batchItemFailures": []}
    assert pipeline.objects() == {}
    # AND the removal delivered again deletes nothing more (a duplicate)
    deletes: list[str] = []
    pipeline.s3.meta.events.register("before-call.s3.DeleteObject", lambda **kw: deletes.append("x"))
    assert pipeline.deliver(gone, receive_count=2) == {"batchItemFailures": []}
    assert deletes == []


def test_a_late_create_event_after_the_delete_writes_nothing(make_pipeline: Any) -> None:
    # GIVEN an upload deleted before its create event was processed
    pipeline: Pipeline = make_pipeline(versioned=True)
    cat = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    gone = removal(pipeline, cat["key"])
    assert pipeline.deliver(gone) == {"batchItemFailures": []}
    # WHEN the create event comes last THEN it is REJECTED and nothing is published
    assert pipeline.deliver(cat) == {"batchItemFailures": []}
    record = records(pipeline, cat["key"])[f"v#{cat['version_id']}"]
    assert (record["status"], record["reason"]) == ("REJECTED", processor_module.SOURCE_GONE_REASON)
    assert pipeline.objects() == {}


def test_removing_an_old_version_while_a_newer_is_current_deletes_nothing(make_pipeline: Any) -> None:
    # GIVEN two versions, the second processed (and current)
    pipeline: Pipeline = make_pipeline(versioned=True)
    old = pipeline.upload("uploads/cat.jpg", photo_jpeg((320, 240)))
    new = pipeline.upload("uploads/cat.jpg", photo_jpeg((640, 480)))
    assert pipeline.deliver(new) == {"batchItemFailures": []}
    # WHEN the old version is removed for good
    result = pipeline.handler.processor.process_message(
        pipeline.body(removal(pipeline, old["key"], version_id=old["version_id"]))
    )
    # THEN nothing is deleted nor recorded, and the variants are still the current version's
    assert [(item.outcome, item.reason) for item in result.objects] == [
        (processor_module.Outcome.IGNORED, "a version of this upload is still current: its variants stay")
    ]
    assert sorted(pipeline.objects()) == sorted(VARIANT_KEYS)
    assert set(records(pipeline, old["key"])) == {f"v#{new['version_id']}"}


def test_a_deleted_owner_frees_its_stem(pipeline: Pipeline) -> None:
    # GIVEN uploads/dog.jpg owning processed/dog_*, then deleted (unversioned bucket)
    jpg = pipeline.upload("uploads/dog.jpg", photo_jpeg((320, 240)))
    assert pipeline.deliver(jpg) == {"batchItemFailures": []}
    assert pipeline.deliver(removal(pipeline, jpg["key"])) == {"batchItemFailures": []}
    deleted = pipeline.records.records_for(pipeline.bucket, jpg["key"])[-1]
    assert (deleted["sk"], deleted["status"], len(deleted["deleted_keys"])) == (
        "d#s0062E99A88DC407460",
        "DELETED",
        5,
    )
    # WHEN another source with the same stem arrives THEN it owns the stem now and renders
    png = pipeline.upload("uploads/dog.png", photo_jpeg((64, 48)))
    assert pipeline.deliver(png) == {"batchItemFailures": []}
    assert pipeline.record(png["key"])["status"] == "PROCESSED"  # type: ignore[index]
    heads = pipeline.objects()
    assert {head["Metadata"]["source-key"] for head in heads.values()} == {"uploads/dog.png"}


def test_deleting_a_source_that_never_owned_its_stem_deletes_nothing(pipeline: Pipeline) -> None:
    # GIVEN dog.jpg owns processed/dog_*, and dog.png was refused
    jpg = pipeline.upload("uploads/dog.jpg", photo_jpeg((320, 240)))
    png = pipeline.upload("uploads/dog.png", photo_jpeg((64, 48)))
    assert pipeline.deliver(jpg) == {"batchItemFailures": []}
    assert pipeline.deliver(png) == {"batchItemFailures": []}
    # WHEN dog.png is deleted THEN dog.jpg's variants stay, and the record says why
    assert pipeline.deliver(removal(pipeline, png["key"])) == {"batchItemFailures": []}
    assert len(pipeline.objects()) == 5
    record = pipeline.records.records_for(pipeline.bucket, png["key"])[-1]
    assert (record["status"], record["reason"], record["deleted_keys"]) == (
        "DELETED",
        "its variant keys belong to uploads/dog.jpg: none deleted",
        [],
    )
