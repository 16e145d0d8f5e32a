"""events.parse_body: S3 notifications, the test event, encoded keys, skip rules, the loop guard, poison."""

from __future__ import annotations

import json
from typing import Any

import pytest

from image_processor.events import (
    Notification,
    PoisonMessage,
    S3ObjectRef,
    SkippedRecord,
    TestEvent,
    parse_body,
)

PREFIXES = {"source_prefix": "uploads/", "destination_prefix": "processed/"}


def s3_record(
    key: str,
    *,
    event_name: str = "ObjectCreated:Put",
    bucket: str = "photos-bucket",
    size: int | None = 1234,
    etag: str | None = "0123456789abcdef0123456789abcdef",
    version_id: str | None = None,
) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": key, "sequencer": "0062E99A88DC407460"}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag
    if version_id is not None:
        obj["versionId"] = version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-11-22T05:00:00.000Z",
        "eventName": event_name,
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": obj},
    }


def body(*records: dict[str, Any]) -> str:
    return json.dumps({"Records": list(records)})


def parse(text: str) -> TestEvent | Notification:
    return parse_body(text, **PREFIXES)


def notification(text: str) -> Notification:
    parsed = parse(text)
    assert isinstance(parsed, Notification)
    return parsed


def test_one_created_object_becomes_one_reference() -> None:
    parsed = notification(body(s3_record("uploads/2026/cat.jpg", version_id="v1")))
    assert parsed.objects == (
        S3ObjectRef(
            bucket="photos-bucket",
            key="uploads/2026/cat.jpg",
            size=1234,
            etag="0123456789abcdef0123456789abcdef",
            version_id="v1",
            event_name="ObjectCreated:Put",
            event_time="2026-11-22T05:00:00.000Z",
            sequencer="0062E99A88DC407460",
        ),
    )
    assert parsed.skipped == ()
    assert parsed.objects[0].removed is False


@pytest.mark.parametrize("event_name", ["ObjectRemoved:Delete", "ObjectRemoved:DeleteMarkerCreated"])
def test_a_removal_becomes_a_removed_reference(event_name: str) -> None:
    parsed = notification(body(s3_record("uploads/cat.jpg", event_name=event_name, size=None, etag=None)))
    assert [(ref.key, ref.event_name, ref.removed) for ref in parsed.objects] == [
        ("uploads/cat.jpg", event_name, True)
    ]
    assert parsed.skipped == ()


def test_several_records_in_one_body_are_all_returned_in_order() -> None:
    parsed = notification(
        body(
            s3_record("uploads/a.jpg"),
            s3_record("uploads/b.png", event_name="ObjectCreated:CompleteMultipartUpload"),
            s3_record("uploads/c.webp", event_name="ObjectCreated:Copy"),
        )
    )
    assert [ref.key for ref in parsed.objects] == ["uploads/a.jpg", "uploads/b.png", "uploads/c.webp"]


def test_the_s3_test_event_is_recognised() -> None:
    text = json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": "2026-11-22T05:00:00.000Z",
            "Bucket": "photos-bucket",
            "RequestId": "5582815E1AEA5ADF",
            "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
        }
    )
    assert parse(text) == TestEvent(bucket="photos-bucket")


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("uploads/summer+holiday/beach+1.jpg", "uploads/summer holiday/beach 1.jpg"),  # '+' is a space
        ("uploads/a%2Bb.jpg", "uploads/a+b.jpg"),  # a literal '+' arrives as %2B
        ("uploads%2F2026%2Fcat.jpg", "uploads/2026/cat.jpg"),  # moto encodes '/' as %2F (real S3 does not)
        ("uploads/%C3%A9t%C3%A9.jpg", "uploads/été.jpg"),  # UTF-8, percent-encoded
        ("uploads/100%25.jpg", "uploads/100%.jpg"),
    ],
)
def test_keys_are_url_decoded(raw: str, decoded: str) -> None:
    parsed = notification(body(s3_record(raw)))
    assert [ref.key for ref in parsed.objects] == [decoded]


@pytest.mark.parametrize(
    "event_name",
    ["ObjectRestore:Completed", "LifecycleExpiration:Delete", "ObjectTagging:Put"],
)
def test_events_other_than_object_created_or_removed_are_skipped(event_name: str) -> None:
    parsed = notification(body(s3_record("uploads/cat.jpg", event_name=event_name, size=None)))
    assert parsed.objects == ()
    assert parsed.skipped == (
        SkippedRecord(
            "photos-bucket",
            "uploads/cat.jpg",
            event_name,
            f"not an ObjectCreated or ObjectRemoved event ({event_name})",
        ),
    )


def test_keys_outside_the_source_prefix_are_skipped() -> None:
    parsed = notification(body(s3_record("other/cat.jpg"), s3_record("uploadsX/cat.jpg")))
    assert parsed.objects == ()
    assert [skip.reason for skip in parsed.skipped] == ["outside SOURCE_PREFIX 'uploads/'"] * 2


def test_keys_under_the_destination_prefix_are_skipped_by_the_loop_guard() -> None:
    # GIVEN a destination inside the source prefix (the misconfiguration config.py refuses)
    text = body(s3_record("uploads/processed/cat_thumbnail.jpg"))
    parsed = parse_body(text, source_prefix="uploads/", destination_prefix="uploads/processed/")
    # THEN the variant is never processed again
    assert isinstance(parsed, Notification)
    assert parsed.objects == ()
    assert parsed.skipped[0].reason == "under DESTINATION_PREFIX 'uploads/processed/' (loop guard)"
    # AND with the default prefixes an output event is skipped too
    assert notification(body(s3_record("processed/cat_thumbnail.jpg"))).objects == ()


def test_folder_placeholders_are_skipped() -> None:
    parsed = notification(body(s3_record("uploads/2026/", size=0)))
    assert parsed.objects == ()
    assert parsed.skipped[0].reason == "folder placeholder (key ends with '/')"


def test_kept_and_skipped_records_in_one_body() -> None:
    parsed = notification(
        body(
            s3_record("uploads/a.jpg"),
            s3_record("processed/a_thumbnail.jpg"),
            s3_record("uploads/b.jpg", event_name="ObjectRestore:Completed"),
        )
    )
    assert [ref.key for ref in parsed.objects] == ["uploads/a.jpg"]
    assert [skip.key for skip in parsed.skipped] == ["processed/a_thumbnail.jpg", "uploads/b.jpg"]


def test_optional_fields_may_be_absent() -> None:
    parsed = notification(body(s3_record("uploads/a.jpg", size=None, etag=None)))
    assert (parsed.objects[0].size, parsed.objects[0].etag, parsed.objects[0].version_id) == (
        None,
        None,
        None,
    )


def test_a_null_version_id_means_unversioned() -> None:
    parsed = notification(body(s3_record("uploads/a.jpg", version_id="null")))
    assert parsed.objects[0].version_id is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json at all", "body is not JSON"),
        ("", "body is not JSON"),
        ("[1, 2]", "body is not a JSON object"),
        ('{"hello": "world"}', "body is neither an S3 event notification (no Records) nor s3:TestEvent"),
        ('{"Records": []}', "body is neither an S3 event notification (no Records) nor s3:TestEvent"),
        ('{"Records": "x"}', "body is neither an S3 event notification (no Records) nor s3:TestEvent"),
        ('{"Records": [42]}', "Records[0] is not an object"),
        ('{"Records": [{"eventSource": "aws:sqs"}]}', "Records[0].eventSource is 'aws:sqs', not 'aws:s3'"),
        ('{"Records": [{"eventSource": "aws:s3", "s3": {}}]}', "Records[0].eventName is missing"),
        (
            '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {}}]}',
            "Records[0].s3.bucket.name is missing",
        ),
    ],
)
def test_bodies_s3_never_sends_are_poison(text: str, reason: str) -> None:
    with pytest.raises(PoisonMessage) as caught:
        parse(text)
    assert caught.value.reason == reason


def test_an_sns_envelope_is_poison_not_unwrapped() -> None:
    envelope = json.dumps({"Type": "Notification", "Message": body(s3_record("uploads/a.jpg"))})
    with pytest.raises(PoisonMessage):
        parse(envelope)


def test_one_malformed_record_poisons_the_whole_body() -> None:
    bad = s3_record("uploads/b.jpg")
    del bad["s3"]["object"]["key"]
    with pytest.raises(PoisonMessage) as caught:
        parse(body(s3_record("uploads/a.jpg"), bad))
    assert caught.value.reason == "Records[1].s3.object.key is missing"


@pytest.mark.parametrize("size", [-1, "12", 1.5, True])
def test_a_malformed_size_is_poison(size: object) -> None:
    record = s3_record("uploads/a.jpg")
    record["s3"]["object"]["size"] = size
    with pytest.raises(PoisonMessage) as caught:
        parse(body(record))
    assert caught.value.reason == "Records[0].s3.object.size is not a non-negative integer"
