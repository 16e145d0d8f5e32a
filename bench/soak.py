"""Fault and load soak on the local stack: `make soak` (N = 2000), `tests/e2e/test_soak_short.py` (N ~ 100).

N uploads (small generated images, ~5 % bad inputs) go through the local stack with the dev environment's
settings and several concurrent pollers, while `bench/faults.py` injects faults at the function's AWS client
boundary (S3 get/put 5xx and throttling, DynamoDB throttling, a handler that runs past its deadline, duplicate
deliveries, a poller killed mid-batch) at a configurable rate. When the queue has drained, the DLQ is redriven
with the operator library (`imgpipe.ops.dlq.redrive`, what `imgpipe dlq redrive` runs) until it stays empty.

Then it checks, from the table, the bucket and the calls the function's clients really made:
- lost = uploads without a PROCESSED/REJECTED record at the end (must be 0), and every bad input REJECTED,
  every good one PROCESSED with all its variants in the bucket;
- duplicates = variant PutObject calls after the object's final record + extra final-record writes + extra
  records per object (must be 0);
- throughput and upload -> final record latency.

Writes `build/soak/results.json` (keys: uploads, processed, rejected, dead_lettered_before_redrive, lost,
duplicates, throughput_images_per_s, latency_p50_ms, latency_p95_ms, fault_rate; details under `detail`) and
prints a table. Exit status 0 when every check passed, 1 otherwise, 2 on a usage error.

Local timing: every production timeout is scaled so that the function timeout becomes `--function-timeout`
seconds (visibility timeout = 6x that), so a trip to the DLQ takes seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faults import ALL_KINDS, DEFAULT_RATE, CallLedger, FaultInjector, PollerSupervisor

from imgpipe.local.run import visibility_timeout
from imgpipe.local.twin import LocalFunction, LocalStack
from imgpipe.ops import dlq
from imgpipe.stack import Stack, StackError

HANDLER_MODULE = "image_processor.handler"
RESULT_KEYS = (
    "uploads",
    "processed",
    "rejected",
    "dead_lettered_before_redrive",
    "lost",
    "duplicates",
    "throughput_images_per_s",
    "latency_p50_ms",
    "latency_p95_ms",
    "fault_rate",
)
DEFAULT_OUTPUT = Path("build/soak/results.json")
IDLE_CHECKS = 2  # consecutive empty looks at the queue that count as drained
# Every look at a queue's depth costs moto time proportional to the queue's length: look once a second.
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class SoakConfig:
    uploads: int = 2000
    bad_fraction: float = 0.05
    fault_rate: float = DEFAULT_RATE
    redrive_fault_rate: float | None = None  # during the redrive rounds; None: the same as `fault_rate`
    fault_kinds: tuple[str, ...] = ALL_KINDS
    seed: int = 20261122
    pollers: int = 4
    preset: str | None = None  # None: dev's `variants`
    function_timeout: int = 1  # the local twin's function_timeout_seconds (its visibility timeout is 6x)
    upload_rate: float | None = None  # uploads per second at most; None: no pacing but the window
    window: int | None = 150  # uploads out at a time (closed loop); None: one burst
    max_redrive_rounds: int = 12
    # The whole run, uploads to last redrive. A delivery that finishes makes ~12 AWS calls, each failing 10 %
    # of the time, so ~28 % of uploads reach the DLQ once; on a shared 2-vCPU machine 840 s ended in round 1.
    timeout_seconds: float = 1800.0
    overrides: dict[str, Any] = field(default_factory=dict)  # Terraform variables of dev to override
    output: Path | None = DEFAULT_OUTPUT
    work_dir: Path = Path("build/soak")


@dataclass
class _Observed:
    """What a run saw, filled in as it goes: the report is worked out from this, not from the stack."""

    began_wall: float
    first_drain: float = 0.0
    dead_depth: int = 0
    dead_keys: Counter[str] = field(default_factory=Counter)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    drained: bool = False
    # why the run stopped: dlq_empty (done), or out of `time` or of redrive `rounds` with work still left
    stopped_by: str = ""
    elapsed: float = 0.0
    # the last look, taken with the faults off
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    variant_keys: set[str] = field(default_factory=set)
    dlq_left: int = 0
    queue_left: int = 0
    poller_restarts: int = 0
    mapping_stats: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Upload:
    key: str
    data: bytes
    expect: str  # PROCESSED | REJECTED
    kind: str


# --- the corpus ---------------------------------------------------------------------------------------------


def _good_images(rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    """Small distinct images in the formats people upload; the corpus reuses them under many keys."""
    images = []
    for number in range(count):
        width, height = rng.choice([(96, 64), (160, 120), (240, 160), (320, 240), (200, 300)])
        base = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
        overlay = Image.linear_gradient("L").resize((width, height)).rotate(rng.choice([0, 90, 180]))
        image = Image.merge("RGB", (overlay, base.getchannel(1), base.getchannel(2)))
        out = io.BytesIO()
        fmt = ("JPEG", "JPEG", "JPEG", "PNG", "WEBP")[number % 5]
        if fmt == "PNG":
            image.putalpha(overlay)
        image.save(out, format=fmt, **({"quality": 85} if fmt != "PNG" else {}))
        images.append(({"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt], out.getvalue()))
    return images


def _bad_inputs(good_jpeg: bytes) -> list[tuple[str, str, bytes]]:
    """(kind, extension, bytes) of inputs the function must reject, not retry."""
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # 144 MP, a few kB: over the 50 MP limit
    return [
        ("truncated_jpeg", "jpg", good_jpeg[: len(good_jpeg) // 2]),
        ("not_an_image", "jpg", b"this is not an image\n" * 20),
        ("zero_bytes", "png", b""),
        ("random_bytes", "webp", random.Random(1).randbytes(2048)),
        ("pixel_bomb", "png", bomb.getvalue()),
        ("corrupt_header", "png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ]


def make_corpus(count: int, bad_fraction: float, seed: int, source_prefix: str) -> list[Upload]:
    rng = random.Random(seed)
    good = _good_images(rng, 24)
    bad = _bad_inputs(next(data for ext, data in good if ext == "jpg"))
    bad_count = round(count * bad_fraction)
    bad_slots = set(rng.sample(range(count), bad_count)) if bad_count else set()
    uploads = []
    for number in range(count):
        if number in bad_slots:
            kind, ext, data = bad[number % len(bad)]
            uploads.append(Upload(f"{source_prefix}soak/{number:05d}-{kind}.{ext}", data, "REJECTED", kind))
        else:
            ext, data = good[number % len(good)]
            uploads.append(Upload(f"{source_prefix}soak/{number:05d}.{ext}", data, "PROCESSED", ext))
    return uploads


# --- driving the stack -------------------------------------------------------------------------------------


class Uploader(threading.Thread):
    """Puts the corpus into `uploads/` and notes when each upload landed.

    Closed loop: at most `window` uploads are out at a time (uploaded, no final record yet), like a steady
    client load at the pipeline's own pace; `rate` (uploads/s) paces them further. A window that does not move
    for `stall_seconds` (an upload whose FAILED record could not be written sits in the DLQ unrecorded) lets
    the next upload go anyway.
    """

    def __init__(
        self,
        stack: Stack,
        uploads: list[Upload],
        *,
        bucket_pk: Callable[[str], str],
        settled: Callable[[], set[str]],
        window: int | None,
        rate: float | None,
        stall_seconds: float,
    ) -> None:
        super().__init__(name="soak-uploader", daemon=True)
        self.stack, self.uploads = stack, uploads
        self.bucket_pk, self.settled = bucket_pk, settled
        self.window, self.rate, self.stall_seconds = window, rate, stall_seconds
        self.landed: dict[str, float] = {}
        self.versions: dict[str, str | None] = {}
        self.stalls = 0
        self.error: BaseException | None = None

    def _wait_for_room(self, sent: list[str]) -> None:
        if not self.window:
            return
        last_progress, last_settled = time.monotonic(), -1
        while True:
            settled = self.settled()
            out = sum(1 for key in sent if self.bucket_pk(key) not in settled)
            if out < self.window:
                return
            if len(settled) != last_settled:
                last_progress, last_settled = time.monotonic(), len(settled)
            elif time.monotonic() - last_progress > self.stall_seconds:
                self.stalls += 1
                return
            time.sleep(0.05)

    def run(self) -> None:
        s3 = self.stack.client("s3")
        began = time.monotonic()
        sent: list[str] = []
        try:
            for number, upload in enumerate(self.uploads):
                if self.rate:
                    time.sleep(max(0.0, began + number / self.rate - time.monotonic()))
                self._wait_for_room(sent)
                response = s3.put_object(Bucket=self.stack.bucket, Key=upload.key, Body=upload.data)
                self.landed[upload.key] = time.time()
                self.versions[upload.key] = response.get("VersionId")
                sent.append(upload.key)
                if len(sent) > 4 * (self.window or 1):
                    settled = self.settled()
                    sent = [key for key in sent if self.bucket_pk(key) not in settled]
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def _queue_busy(stack: Stack) -> int:
    depth = dlq.depth(stack, stack.queue_url)
    return depth.visible + depth.in_flight + depth.delayed


def wait_drained(stack: Stack, uploader: Uploader, deadline: float) -> bool:
    """Until the uploads are in and the main queue has stayed empty (nothing visible, nothing in flight)."""
    idle = 0
    while time.monotonic() < deadline:
        if uploader.error is not None:
            raise RuntimeError(f"upload failed: {uploader.error}") from uploader.error
        if not uploader.is_alive() and _queue_busy(stack) == 0:
            idle += 1
            if idle >= IDLE_CHECKS:
                return True
        else:
            idle = 0
        time.sleep(POLL_SECONDS)
    return False


def dlq_keys(stack: Stack, visible: int) -> Counter[str]:
    """Source keys of the DLQ messages (a key can be there more than once: a duplicate delivery)."""
    if visible == 0:
        return Counter()
    return Counter(
        key for message in dlq.peek(stack, max_messages=visible, with_records=False) for key in message.keys
    )


def scan_records(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    """Every item of the metadata table by partition key (checking the whole table: a scan is right here)."""
    by_pk: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for page in stack.client("dynamodb").get_paginator("scan").paginate(TableName=stack.table):
        for item in page.get("Items", []):
            by_pk[item["pk"]["S"]].append(
                {
                    "status": item.get("status", {}).get("S"),
                    "reason": item.get("reason", {}).get("S"),
                    "variants": [v["M"]["key"]["S"] for v in item.get("variants", {}).get("L", [])],
                    "duration_ms": int(item.get("duration_ms", {}).get("N", "0")),
                    # what a lost upload's diagnosis needs: whose claim, until when, how many tries
                    "sk": item.get("sk", {}).get("S"),
                    "lease_until": int(item.get("lease_until", {}).get("N", "0")) or None,
                    "attempts": int(item.get("attempts", {}).get("N", "0")),
                    "abandoned": int(item.get("abandoned", {}).get("N", "0")),
                    "released": item.get("released", {}).get("BOOL", False),
                }
            )
    return by_pk


def bucket_keys(stack: Stack, prefix: str) -> set[str]:
    keys: set[str] = set()
    for page in (
        stack.client("s3").get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix=prefix)
    ):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@contextmanager
def _quiet_emulator() -> Iterator[None]:
    """moto answers StartMessageMoveTask (which the redrive tries first) with a 500 and werkzeug prints the
    traceback at ERROR; the redrive then moves message by message, as documented. Keep the output readable."""
    werkzeug = logging.getLogger("werkzeug")
    saved = werkzeug.level
    werkzeug.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        werkzeug.setLevel(saved)


def _stop_reason(drained: bool, dlq_depth: int, deadline: float, rounds: int, max_rounds: int) -> str:
    """Why the redrive loop stops now ("" to go on): `dlq_empty` (done), or out of `time` or of redrive
    `rounds` with work left (wait_drained gives up only at the deadline)."""
    if drained and dlq_depth == 0:
        return "dlq_empty"
    if not drained or time.monotonic() >= deadline:
        return "time"
    return "rounds" if rounds >= max_rounds else ""


def run_soak(config: SoakConfig, log: Any = print) -> dict[str, Any]:
    # Terraform variables of the local twin: the local function timeout, the preset, and any overrides.
    variables: dict[str, Any] = {"function_timeout_seconds": config.function_timeout, **config.overrides}
    if config.preset is not None:
        variables["variants"] = config.preset
    config.work_dir.mkdir(parents=True, exist_ok=True)
    function_log = config.work_dir / "function.log"
    function_log.unlink(missing_ok=True)

    ledger = CallLedger()
    injector: FaultInjector | None = None
    local: LocalStack

    def wrap(handler: Any) -> Any:
        """Called by the local stack right after the cold start: hooks on the function's own clients."""
        nonlocal injector
        module = sys.modules[HANDLER_MODULE]
        s3, dynamodb = module.processor.store.client, module.processor.records.client
        ledger.attach(s3, dynamodb)
        stack = local.stack  # the outputs exist by now
        injector = FaultInjector(
            rate=config.fault_rate,
            seed=config.seed,
            kinds=frozenset(config.fault_kinds),
            sqs=stack.session.client("sqs", endpoint_url=stack.endpoint_url),
            queue_url=stack.queue_url,
        )
        injector.attach(s3, dynamodb)
        return injector.wrap(handler)

    local = LocalStack(outputs_path=config.work_dir / "outputs.json", variables=variables)
    report: dict[str, Any] = {}
    with local, _quiet_emulator():
        stack = local.stack
        corpus = make_corpus(config.uploads, config.bad_fraction, config.seed, stack.source_prefix)
        function = LocalFunction(stack, pollers=config.pollers, wrap_handler=wrap, function_log=function_log)
        function.__enter__()
        assert injector is not None
        assert function.mapping is not None
        mapping = function.mapping
        visibility = visibility_timeout(stack)
        max_receive_count = int(json.loads(stack.client("sqs").get_queue_attributes(
            QueueUrl=stack.queue_url, AttributeNames=["RedrivePolicy"]
        )["Attributes"]["RedrivePolicy"])["maxReceiveCount"])  # fmt: skip
        supervisor = PollerSupervisor(mapping).start()
        seen, began = _Observed(began_wall=time.time()), time.monotonic()
        deadline = began + config.timeout_seconds
        uploader = Uploader(
            stack,
            corpus,
            bucket_pk=lambda key: f"{stack.bucket}/{key}",
            settled=lambda: ledger.settled,
            window=config.window,
            rate=config.upload_rate,
            stall_seconds=max_receive_count * visibility + 5,
        )
        uploader.start()
        log(
            f"soak: {len(corpus)} uploads ({config.window or 'burst'} out at a time), "
            f"fault rate {config.fault_rate:.0%}, {config.pollers} pollers, "
            f"local function timeout {mapping.config.timeout_seconds}s (visibility {visibility}s)"
        )
        seen.drained = wait_drained(stack, uploader, deadline)
        seen.first_drain = time.monotonic() - began
        seen.dead_depth = dlq.depth(stack, stack.dlq_url).visible
        seen.dead_keys = dlq_keys(stack, seen.dead_depth)
        log(
            f"soak: drained in {seen.first_drain:.0f}s; {seen.dead_depth} message(s) in the DLQ "
            f"({len(seen.dead_keys)} distinct uploads)"
        )
        if config.redrive_fault_rate is not None:
            injector.rate = config.redrive_fault_rate
        rounds = seen.rounds
        while True:
            depth = dlq.depth(stack, stack.dlq_url).visible
            seen.stopped_by = _stop_reason(
                seen.drained, depth, deadline, len(rounds), config.max_redrive_rounds
            )
            if seen.stopped_by:
                break
            timeouts_before = mapping.stats.timeouts
            result = dlq.redrive(stack)
            seen.drained = wait_drained(stack, uploader, deadline)
            rounds.append(
                {
                    "dlq_before": depth,
                    "mode": result.mode,
                    "moved": result.moved,
                    "failed": result.failed,
                    "dlq_after": dlq.depth(stack, stack.dlq_url).visible,
                    # invocations that outlived the function timeout in this round: their messages go round
                    # again, and on a busy machine some reach the DLQ again with no fault injected
                    "timeouts": mapping.stats.timeouts - timeouts_before,
                    "at_seconds": round(time.monotonic() - began, 1),
                }
            )
            log(
                f"soak: redrive round {len(rounds)}: moved {result.moved} ({result.mode}), "
                f"{rounds[-1]['dlq_after']} back in the DLQ"
            )
        seen.elapsed = time.monotonic() - began
        if seen.stopped_by != "dlq_empty":
            log(f"soak: stopped by {seen.stopped_by} after {seen.elapsed:.0f}s, with work left")
        supervisor.stop()
        # Stop faults before looking, then look at what is there.
        injector.enabled = False
        seen.records = scan_records(stack)
        seen.variant_keys = bucket_keys(stack, stack.destination_prefix)
        final_depth = dlq.depth(stack, stack.dlq_url)
        seen.dlq_left = final_depth.visible + final_depth.in_flight
        seen.queue_left = _queue_busy(stack)
        seen.poller_restarts = supervisor.restarts
        seen.mapping_stats = {
            name: getattr(mapping.stats, name)
            for name in ("invocations", "records", "deleted", "item_failures", "batch_failures", "timeouts")
        }
        seen.timings = {
            "function_timeout_seconds": mapping.config.timeout_seconds,
            "visibility_timeout_seconds": visibility,
            "max_receive_count": max_receive_count,
            "batch_size": mapping.config.batch_size,
            "pollers": config.pollers,
        }
        report = _report(config, corpus, uploader, ledger, injector, stack.bucket, seen)
        function.__exit__()
    if config.output is not None:
        config.output.parent.mkdir(parents=True, exist_ok=True)
        config.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _report(
    config: SoakConfig,
    corpus: list[Upload],
    uploader: Uploader,
    ledger: CallLedger,
    injector: FaultInjector,
    bucket: str,
    seen: _Observed,
) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    lost: list[str] = []
    misclassified: list[str] = []
    missing_variants: list[str] = []
    extra_records = 0
    latencies: list[float] = []
    finished: list[float] = []
    processing: list[float] = []
    for upload in corpus:
        pk = f"{bucket}/{upload.key}"
        items = seen.records.get(pk, [])
        extra_records += max(0, len(items) - 1)
        final = [item for item in items if item["status"] in ("PROCESSED", "REJECTED")]
        if not final:
            lost.append(upload.key)
            continue
        status = final[0]["status"]
        statuses[status] += 1
        processing.append(final[0].get("duration_ms", 0))
        if status != upload.expect:
            misclassified.append(f"{upload.key}: {status} ({final[0].get('reason')})")
        if status == "PROCESSED" and not set(final[0]["variants"]) <= seen.variant_keys:
            missing_variants.append(upload.key)
        done = ledger.finished_at(pk)
        if done is not None and upload.key in uploader.landed:
            latencies.append((done - uploader.landed[upload.key]) * 1000)
            finished.append(done)
    duplicates = ledger.duplicates()
    duplicate_count = (
        duplicates["renders_after_final_record"] + duplicates["extra_final_records"] + extra_records
    )
    span = (max(finished) - seen.began_wall) if finished else seen.elapsed
    processed, rejected = statuses["PROCESSED"], statuses["REJECTED"]
    faults = injector.summary()
    aws_calls = sum(
        faults["opportunities"].get(k, 0) for k in ("s3_get_5xx", "s3_put_5xx", "dynamodb_throttle")
    )
    aws_faults = sum(
        faults["injected"].get(k, 0)
        for k in ("s3_get_5xx", "s3_get_throttle", "s3_put_5xx", "s3_put_throttle", "dynamodb_throttle")
    )
    checks = {
        "nothing_lost": not lost,
        "no_duplicates": duplicate_count == 0,
        "bad_inputs_rejected_good_processed": not misclassified,
        "variants_in_bucket": not missing_variants,
        "dlq_empty_after_redrive": seen.dlq_left == 0,
        "queue_drained": seen.drained and seen.queue_left == 0,
        "every_fault_kind_injected": config.fault_rate == 0
        or all(faults["injected"].get(kind, 0) > 0 for kind in config.fault_kinds),
    }
    return {
        "uploads": len(corpus),
        "processed": processed,
        "rejected": rejected,
        "dead_lettered_before_redrive": len(seen.dead_keys),
        "lost": len(lost),
        "duplicates": duplicate_count,
        "throughput_images_per_s": round((processed + rejected) / span, 2) if span > 0 else 0.0,
        "latency_p50_ms": round(percentile(latencies, 0.50)),
        "latency_p95_ms": round(percentile(latencies, 0.95)),
        "fault_rate": config.fault_rate,
        "passed": all(checks.values()),
        "checks": checks,
        "detail": {
            "bad_inputs": sum(1 for u in corpus if u.expect == "REJECTED"),
            "dead_lettered_messages_before_redrive": seen.dead_depth,
            "redrive_rounds": seen.rounds,
            "stopped_by": seen.stopped_by,
            "seconds_to_first_drain": round(seen.first_drain, 1),
            # finished before the first redrive, over the time to the first drain: the pipeline's own pace
            "throughput_before_redrive_images_per_s": round(
                sum(1 for t in finished if t <= seen.began_wall + seen.first_drain) / seen.first_drain, 2
            )
            if seen.first_drain > 0
            else 0.0,
            "seconds_total": round(seen.elapsed, 1),
            "latency_p99_ms": round(percentile(latencies, 0.99)),
            "latency_max_ms": round(max(latencies, default=0.0)),
            "latency_mean_ms": round(statistics.fmean(latencies)) if latencies else 0,
            # the function's own time for the attempt that finished each object (record `duration_ms`)
            "processing_p50_ms": round(percentile(processing, 0.50)),
            "processing_p95_ms": round(percentile(processing, 0.95)),
            "faults": faults,
            "aws_calls_faulted_fraction": round(aws_faults / aws_calls, 4) if aws_calls else 0.0,
            "poller_restarts": seen.poller_restarts,
            "uploader_window_stalls": uploader.stalls,
            "duplicates": {**duplicates, "extra_records_in_table": extra_records},
            "function_calls": dict(sorted(ledger.calls.items())),
            "mapping": seen.mapping_stats,
            "timings": seen.timings,
            "lost_keys": lost[:20],
            # every record a lost upload has (none, a stranded claim, a FAILED one); was it dead-lettered
            "lost_detail": {
                key: {
                    "records": [
                        {k: v for k, v in item.items() if k != "variants"}
                        for item in seen.records.get(f"{bucket}/{key}", [])
                    ],
                    "dead_lettered_before_redrive": key in seen.dead_keys,
                }
                for key in lost[:20]
            },
            "misclassified": misclassified[:20],
            "missing_variants": missing_variants[:20],
            "config": {
                "uploads": config.uploads,
                "bad_fraction": config.bad_fraction,
                "seed": config.seed,
                "fault_kinds": list(config.fault_kinds),
                "preset": config.preset,
                "upload_rate": config.upload_rate,
                "window": config.window,
                "redrive_fault_rate": config.redrive_fault_rate,
                "overrides": config.overrides,
            },
        },
    }


def print_table(report: dict[str, Any]) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title="imgpipe soak", header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in RESULT_KEYS:
        value = report[key]
        table.add_row(key, f"{value:.0%}" if key == "fault_rate" else str(value))
    detail = report["detail"]
    table.add_row("faults injected", str(detail["faults"]["total_injected"]))
    table.add_row("poller restarts", str(detail["poller_restarts"]))
    table.add_row("redrive rounds", str(len(detail["redrive_rounds"])))
    table.add_row("seconds", str(detail["seconds_total"]))
    table.add_row("stopped by", detail["stopped_by"])
    verdict = "[green]passed[/green]" if report["passed"] else "[red]FAILED[/red]"
    table.add_row("checks", verdict)
    console = Console()
    console.print(table)
    failed = [name for name, ok in report["checks"].items() if not ok]
    if failed:
        console.print(f"[red]failed checks:[/red] {', '.join(failed)}")


def _parse(argv: list[str] | None) -> SoakConfig:
    parser = argparse.ArgumentParser(prog="bench/soak.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--uploads", type=int, default=2000)
    parser.add_argument("--bad-fraction", type=float, default=0.05)
    parser.add_argument("--fault-rate", type=float, default=DEFAULT_RATE)
    parser.add_argument(
        "--redrive-fault-rate", type=float, default=None, help="fault rate while redriving (default: same)"
    )
    parser.add_argument("--faults", default=",".join(ALL_KINDS), help="comma-separated fault kinds")
    parser.add_argument("--seed", type=int, default=SoakConfig.seed)
    parser.add_argument("--pollers", type=int, default=4)
    parser.add_argument("--preset", default=None, help="VARIANTS for the function (default: the env's)")
    parser.add_argument(
        "--function-timeout",
        type=int,
        default=SoakConfig.function_timeout,
        help="the local twin's function timeout, whole seconds",
    )
    parser.add_argument("--upload-rate", type=float, default=None, help="uploads per second at most")
    parser.add_argument(
        "--window", type=int, default=SoakConfig.window, help="uploads out at a time; 0: one burst"
    )
    parser.add_argument(
        "--timeout", type=float, default=SoakConfig.timeout_seconds, help="give up after this many seconds"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Terraform variable of dev for the local twin (e.g. max_receive_count=3)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set needs NAME=VALUE, got {item!r}")
        overrides[name] = value
    kinds = tuple(k for k in args.faults.split(",") if k)
    unknown = set(kinds) - set(ALL_KINDS)
    if unknown:
        parser.error(f"unknown fault kinds: {', '.join(sorted(unknown))}")
    if args.uploads < 1 or not 0 <= args.fault_rate <= 1 or not 0 <= args.bad_fraction <= 1:
        parser.error("--uploads must be >= 1, --fault-rate and --bad-fraction in [0, 1]")
    # Options named after a field of SoakConfig go straight across to it; these are read otherwise.
    given = {"fault_kinds": kinds, "window": args.window or None, "timeout_seconds": args.timeout}
    same = {f.name: getattr(args, f.name) for f in fields(SoakConfig) if f.name in vars(args)}
    return SoakConfig(**(same | given), overrides=overrides)


def main(argv: list[str] | None = None) -> int:
    config = _parse(argv)
    try:
        report = run_soak(config)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_table(report)
    if config.output is not None:
        print(f"wrote {config.output}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
