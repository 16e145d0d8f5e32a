"""Bad input: every hostile file becomes REJECTED with a one-line reason, in bounded time and memory, and
never fails the batch it arrived in.

The corpus (tests/hostile/corpus.py) is generated at test time. The engine part runs in a separate process
that forks one child per file (tests/hostile/runner.py), so that each file's peak memory is measured on its
own; the handler part sends the whole corpus plus one good image through `lambda_handler` as one SQS batch
in moto.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import EpsImagePlugin

from image_processor.adapters import MetadataTable
from image_processor.config import FUNCTION_MEMORY_VARIABLE
from image_processor.engine import ImageRejected, load_variants, render
from image_processor.engine.decode import INPUT_FORMATS
from tests.function_env import cold_started
from tests.function_events import received_event
from tests.hostile.corpus import (
    CASES,
    DEV_FUNCTION_MEMORY_MB,
    PROCESSED,
    R_MEMORY,
    R_SCANS,
    REJECTED,
    HostileCase,
    extension_for,
    good_image,
)
from tests.hostile.corpus import case as corpus_case

pytestmark = [
    pytest.mark.xdist_group("hostile"),
    # jpeg_exif_hostile_ifd: Pillow warns while it skips the broken EXIF, which is the point of the case
    pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning"),
]

RUNNER = Path(__file__).with_name("runner.py")
MAX_SECONDS = 5.0  # per file, engine alone (the slowest legitimate case here takes well under 1 s)
MAX_VARIANT_BYTES = 1 << 20  # every PROCESSED input here is at most 1 MP; a variant of it is far below 1 MiB
MAX_PEAK_MB = 300.0  # per file, the whole process's peak resident set (includes ~60 MB of Python + Pillow)


def _file_name(case: HostileCase) -> str:
    return f"{case.name}.{extension_for(case)}"


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        (directory / _file_name(case)).write_bytes(case.data)
    return directory


@pytest.fixture(scope="module")
def engine_results(corpus_dir: Path) -> dict[str, dict[str, object]]:
    completed = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            str(corpus_dir),
            "--timeout",
            "30",
            "--memory-mb",
            str(DEV_FUNCTION_MEMORY_MB),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = {}
    for line in completed.stdout.splitlines():
        result = json.loads(line)
        results[str(result["name"]).rsplit(".", 1)[0]] = result
    return results


def test_corpus_covers_every_accepted_format_and_every_kind_of_bad_input() -> None:
    names = {case.name for case in CASES}
    for fmt in {fmt.lower() for fmt in INPUT_FORMATS} | {"mpo"}:
        assert {f"{fmt}_header_only", f"{fmt}_truncated_half", f"{fmt}_corrupt_header"} <= names
    groups = {case.group for case in CASES}
    assert groups == {
        "truncated",
        "corrupt",
        "bomb",
        "dimensions",
        "not-an-image",
        "foreign-format",
        "metadata",
    }
    bombs = {case.name.split("_", 1)[0] for case in CASES if case.group == "bomb"}
    assert {"png", "gif", "tiff", "bmp", "jpeg", "webp", "avif", "heif", "ico"} <= bombs
    # every format that can hold a scan or memory bomb within the limits has one (bombs.py: why not BMP)
    scan_bombs = {case.name.split("_", 1)[0] for case in CASES if case.reason == R_SCANS}
    memory_bombs = {case.name.split("_", 1)[0] for case in CASES if case.reason == R_MEMORY}
    assert (scan_bombs, memory_bombs) == ({"jpeg", "mpo"}, {"png", "tiff", "gif", "webp", "avif", "heif"})
    for case in CASES:
        assert case.expected in (PROCESSED, REJECTED)
        assert (case.reason is None) == (case.expected == PROCESSED), case.name


def _params() -> list[Any]:
    return [
        pytest.param(c, id=c.name, marks=pytest.mark.xfail(strict=True, reason=c.known_issue))
        if c.known_issue
        else pytest.param(c, id=c.name)
        for c in CASES
    ]


@pytest.mark.parametrize("case", _params())
def test_engine_turns_hostile_input_into_a_rejection_in_bounded_time_and_memory(
    case: HostileCase, engine_results: dict[str, dict[str, object]]
) -> None:
    # GIVEN a hostile file WHEN the engine renders it with the default preset
    result = engine_results[case.name]
    # THEN it is rejected with a one-line reason (or, if Pillow decodes it fine, processed), never a crash
    assert result["status"] == case.expected, f"{case.name} ({case.why}): {result}"
    if case.expected == REJECTED:
        reason = str(result["reason"])
        assert reason.strip() and "\n" not in reason and len(reason) <= 300, reason
        assert case.reason is not None
        assert re.search(case.reason, reason, re.IGNORECASE), (
            f"{case.name}: reason {reason!r} !~ {case.reason}"
        )
        assert "Traceback" not in reason and "<_io." not in reason, (
            f"{case.name}: reason leaks internals: {reason}"
        )
    # AND in bounded time and memory, with outputs that carry no more than the pixels (inputs are tiny)
    for name, fmt, width, height, size in result.get("variants", []):  # type: ignore[attr-defined]
        assert size <= MAX_VARIANT_BYTES, f"{case.name}: {name} ({fmt} {width}x{height}) is {size:,} bytes"
    assert float(result["seconds"]) < MAX_SECONDS, result  # type: ignore[arg-type]
    assert float(result["peak_mb"]) < MAX_PEAK_MB, result  # type: ignore[arg-type]


def test_postscript_never_reaches_ghostscript(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow renders EPS by running Ghostscript on it: untrusted PostScript must never get that far.

    The Lambda runtime has no Ghostscript, but `imgpipe render` runs the same engine on a workstation
    that may.
    """
    # GIVEN a "Ghostscript" that leaves a mark when it runs
    ran = tmp_path / "ghostscript-ran"
    fake_gs = tmp_path / "gs"
    fake_gs.write_text(f"#!/bin/sh\ntouch '{ran}'\nexit 1\n")
    fake_gs.chmod(0o755)
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", str(fake_gs))
    # WHEN the engine is given a PostScript file
    with pytest.raises(ImageRejected) as rejected:
        render(corpus_case("eps").data, load_variants("default"))
    # THEN it is rejected without Ghostscript ever running
    assert not ran.exists(), f"Ghostscript ran on an uploaded file (reason: {rejected.value.reason})"


# ------------------------------------------------------------------------------------- through the handler


def _receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return messages
        messages += batch


def test_one_batch_of_every_hostile_file_and_a_good_image_never_fails(
    aws: Any, function_env: Any, lambda_context: Any
) -> None:
    # GIVEN the stack: a versioned bucket whose uploads/ notify a queue, and the metadata table
    bucket = aws.bucket(versioned=True)
    queue = aws.queue()
    aws.notify(bucket, queue)
    table = aws.table()
    s3, sqs = aws.client("s3"), aws.client("sqs")
    # AND every hostile file plus one good image uploaded (one S3 event, one SQS message each)
    uploads = {f"uploads/hostile/{_file_name(case)}": case for case in CASES}
    for key, case in uploads.items():
        s3.put_object(Bucket=bucket, Key=key, Body=case.data)
    s3.put_object(Bucket=bucket, Key="uploads/good.jpg", Body=good_image())
    event = received_event(_receive_all(sqs, queue.url), queue.arn)
    assert len(event["Records"]) == len(uploads) + 2  # + the s3:TestEvent S3 sent when notifications were set

    # WHEN the function, as deployed in dev (Lambda tells it its memory), receives them as one batch
    environment = {**function_env(table), FUNCTION_MEMORY_VARIABLE: str(DEV_FUNCTION_MEMORY_MB)}
    with cold_started(environment) as function:
        started = time.perf_counter()
        response = function.lambda_handler(event, lambda_context)
        elapsed = time.perf_counter() - started

    # THEN the batch does not fail: no item is reported for a retry
    assert response == {"batchItemFailures": []}
    # AND every file got the status its row of the table says, hostile ones with the engine's reason
    records = MetadataTable(aws.client("dynamodb"), table)
    good = records.records_for(bucket, "uploads/good.jpg")
    assert [r["status"] for r in good] == ["PROCESSED"]
    assert len(good[0]["variants"]) == 5
    wrong = {}
    for key, case in uploads.items():
        found = records.records_for(bucket, key)
        statuses = [r["status"] for r in found]
        reason = found[0].get("reason") if found else None
        ok = statuses == [case.expected] and (
            case.expected == PROCESSED or (reason is not None and re.search(str(case.reason), reason))
        )
        if not ok:
            wrong[case.name] = (statuses, reason)
    assert wrong == {}
    processed = [k for k, c in uploads.items() if c.expected == PROCESSED]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="processed/hostile/").get("Contents", [])
    assert len(listed) == 5 * len(processed)  # rejected files leave no variant behind
    assert elapsed < 60, elapsed


def test_an_object_over_the_byte_limit_is_rejected_without_being_downloaded(
    aws: Any, function_env: Any, lambda_context: Any
) -> None:
    # GIVEN a function limited to 1 MiB and a 3 MiB upload (a valid JPEG padded with a huge comment)
    bucket, queue, table = aws.bucket(), aws.queue(), aws.table()
    aws.notify(bucket, queue)
    s3, sqs = aws.client("s3"), aws.client("sqs")
    s3.put_object(Bucket=bucket, Key="uploads/huge.jpg", Body=good_image() + b"\0" * (3 << 20))
    event = received_event(_receive_all(sqs, queue.url), queue.arn)
    downloads: list[str] = []
    saved = boto3.DEFAULT_SESSION
    boto3.setup_default_session(region_name=aws.region)
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register(
        "before-call.s3.GetObject", lambda params, **_: downloads.append(params["url_path"])
    )
    try:
        # WHEN the function receives it
        with cold_started(function_env(table, MAX_INPUT_BYTES=str(1 << 20))) as function:
            response = function.lambda_handler(event, lambda_context)
    finally:
        boto3.DEFAULT_SESSION = saved
    # THEN it is REJECTED from the size in the event, and never downloaded
    assert response == {"batchItemFailures": []}
    [record] = MetadataTable(aws.client("dynamodb"), table).records_for(bucket, "uploads/huge.jpg")
    assert (record["status"], record["reason"]) == (
        "REJECTED",
        "file too large: 3.0 MiB exceeds the 1.0 MiB limit",
    )
    assert downloads == []
