"""Capacity and cost on paper (`make capacity`): docs/capacity.md and docs/capacity.png.

Inputs: the engine benchmark's per-image CPU time (`build/bench/results.json`, rows of method `engine`,
presets `default` and `web`), the repository's own code (variant counts, the metadata record's size) and the
environments' tfvars. Everything else is a stated assumption, a parameter of this script, never a measurement
it did not make.

Model (per image, per memory size M and architecture):
- CPU share: Lambda allocates CPU in proportion to memory; 1769 MB = 1 vCPU. The engine renders on one thread
  (the benchmark's wall time is >= its CPU time), so the share that matters is min(M / 1769, 1).
- compute_ms = engine CPU ms x host_factor x arch_factor / min(M / 1769, 1)
  host_factor: Lambda vCPU vs the benchmark machine (assumption, default 1.0);
  arch_factor: 1.0 for x86_64, `--arm64-factor` for arm64 (assumption, default 1.0; arm64 is cheaper as long
  as the factor stays below the price ratio 1.25).
- io_ms = S3 GET first byte + source bytes / bandwidth + per variant (PUT latency) + output bytes /
  bandwidth + 2 DynamoDB writes (assumed latencies and bandwidth, parameters below).
- billed GB-s = M / 1024 x (compute_ms + io_ms) / 1000; one request per batch of `batch_size` images.
- Other services per image: SQS requests, S3 GET + one PUT per variant, DynamoDB write request units (claim +
  final record + its copy in the `by_status` index), CloudWatch Logs ingestion.

Usage: python bench/capacity.py [--bench FILE] [--arm64-factor X] [--host-factor X] [--out docs]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from soak import RESULT_KEYS  # noqa: E402  (bench/ is on sys.path when run as a script)

from image_processor.engine import DEFAULT_MAX_INPUT_PIXELS, load_variants  # noqa: E402
from image_processor.records import RecordKey, SourceDoc, Status, VariantDoc, final_record, to_item  # noqa: E402

PRESETS = ("default", "web")
ARCHES = ("x86_64", "arm64")
MEMORY_SIZES_MB = (512, 1024, 1536, 1769, 2048, 3008)
FULL_VCPU_MB = 1769
TIMEOUT_SAFETY = 3  # the timeout covers this many times the slowest batch (the host factor is a guess)
BENCH_FILE = REPO / "build" / "bench" / "results.json"
SOAK_FILE = REPO / "build" / "soak" / "results.json"


@dataclass(frozen=True)
class Prices:
    """us-east-1, USD. Lambda figures as given in the issue brief; the others from the AWS pricing pages."""

    as_of: str = "2026-11-22"
    region: str = "us-east-1"
    lambda_gb_s: dict[str, float] = field(
        default_factory=lambda: {"x86_64": 0.0000166667, "arm64": 0.0000133334}
    )  # first pricing tier (the first 6 billion GB-s a month on x86, 7.5 billion on arm64)
    lambda_request: float = 0.20 / 1e6
    sqs_request: float = 0.40 / 1e6  # standard queue, per 64 KB request chunk, after the free million
    s3_put: float = 0.005 / 1000  # S3 Standard PUT/COPY/POST/LIST
    s3_get: float = 0.0004 / 1000  # S3 Standard GET/SELECT
    dynamodb_wru: float = 0.625 / 1e6  # on-demand write request unit (after the Nov 2024 reduction)
    logs_gb: float = 0.50  # CloudWatch Logs standard ingestion


@dataclass(frozen=True)
class Assumptions:
    """Not measured here: parameters, stated in the note."""

    arm64_factor: float = 1.0  # arm64 compute time / x86_64 compute time for this engine
    host_factor: float = 1.0  # a Lambda vCPU vs one core of the benchmark machine
    s3_get_first_byte_ms: float = 30.0
    s3_put_ms: float = 40.0  # per variant, the processor writes them one after another
    s3_bandwidth_mb_s: float = 60.0
    dynamodb_write_ms: float = 8.0
    dynamodb_writes: int = 2  # claim (UpdateItem) + final record (PutItem)
    log_kb_per_image: float = 2.0  # Powertools JSON lines + the EMF metrics blob, per image
    batch_size: int = 10
    sqs_requests_per_image: float = 1.0 + 2.0 / 10  # S3's SendMessage + receive and delete per batch of 10
    cold_start_every_images: int = 1000  # one billed INIT per this many images (steady load)
    utilisation: float = 0.7  # plan concurrency so that pollers run at most this busy


# --- inputs -------------------------------------------------------------------------------------------------


class CapacityError(Exception):
    """A missing or unusable input: one line for the user."""


@dataclass(frozen=True)
class ImageRun:
    image: str
    megapixels: float
    cpu_ms: float
    wall_ms: float
    output_bytes: int
    source_bytes: int
    peak_rss_mb: float
    work_rss_mb: float


def load_bench(path: Path) -> tuple[dict[str, list[ImageRun]], dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CapacityError(f"{path} not found: run `make bench` first") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CapacityError(f"cannot read {path}: {exc}") from None
    folder = Path(str(data.get("corpus", {}).get("folder", "")))
    runs: dict[str, list[ImageRun]] = {preset: [] for preset in PRESETS}
    for row in data.get("rows", []):
        if row.get("method") != "engine" or row.get("preset") not in runs:
            continue
        source = folder / str(row["image"])
        runs[row["preset"]].append(
            ImageRun(
                image=str(row["image"]),
                megapixels=float(row["megapixels"]),
                cpu_ms=float(row["ms"]),
                wall_ms=float(row.get("wall_ms", row["ms"])),
                output_bytes=int(row.get("output_bytes", 0)),
                source_bytes=source.stat().st_size if source.is_file() else int(row["megapixels"] * 450_000),
                peak_rss_mb=float(row.get("peak_rss_mb", 0.0)),
                work_rss_mb=float(row.get("work_rss_mb", 0.0)),
            )
        )
    missing = [preset for preset, rows in runs.items() if not rows]
    if missing:
        raise CapacityError(
            f"{path} has no `engine` rows for preset(s) {', '.join(missing)}: run `make bench` first"
        )
    return runs, data


def record_item_bytes(preset: str) -> int:
    """Size of the final metadata record as DynamoDB counts it, for a typical key, built by the real code."""
    specs = load_variants(preset)
    key = "uploads/2026/11/22/IMG_20261122_101530.jpg"
    variants = [
        VariantDoc(
            name=spec.name,
            key=f"processed/2026/11/22/IMG_20261122_101530_{spec.suffix}.{spec.format}",
            format=spec.format.upper(),
            content_type=f"image/{spec.format}",
            width=4032,
            height=3024,
            bytes=1_234_567,
        )
        for spec in specs
    ]
    record = final_record(
        key=RecordKey.for_object("imgpipe-prod-images", key, "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", None),
        bucket="imgpipe-prod-images",
        object_key=key,
        status=Status.PROCESSED,
        reason=None,
        source=SourceDoc(
            format="JPEG", width=4032, height=3024, bytes=3_456_789, etag=None, version_id="3HL4kqtJlcpX"
        ),
        variants=variants,
        destination_bucket="imgpipe-prod-images",
        processed_at=datetime(2026, 11, 22, 10, 15, 31, tzinfo=UTC),
        duration_ms=1234,
        attempts=1,
        variants_signature="0" * 64,
        event_time="2026-11-22T10:15:30.123Z",
        expires_at=None,
    )
    return sum(len(name.encode()) + _attribute_bytes(value) for name, value in to_item(record).items())


def _attribute_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's item size rules: strings by UTF-8 length, numbers ~1 byte per 2 digits + 1, documents
    3 bytes + 1 per element."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return math.ceil(len(str(inner).lstrip("-").replace(".", "")) / 2) + 1
    if kind in ("NULL", "BOOL"):
        return 1
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _attribute_bytes(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _attribute_bytes(v) for v in inner)
    return len(json.dumps(inner))


# --- the model ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    preset: str
    arch: str
    memory_mb: int
    p50_ms: float  # function time per image, median over the corpus
    p95_ms: float
    gb_s: float  # per image (mean)
    lambda_per_million: float
    other_per_million: float

    @property
    def total_per_million(self) -> float:
        return self.lambda_per_million + self.other_per_million


def function_ms(run: ImageRun, memory_mb: int, arch: str, variants: int, a: Assumptions) -> float:
    share = min(memory_mb / FULL_VCPU_MB, 1.0)
    arch_factor = a.arm64_factor if arch == "arm64" else 1.0
    compute = run.cpu_ms * a.host_factor * arch_factor / share
    bandwidth = a.s3_bandwidth_mb_s * 1e6 / 1000  # bytes per ms
    io = (
        a.s3_get_first_byte_ms
        + run.source_bytes / bandwidth
        + variants * a.s3_put_ms
        + run.output_bytes / bandwidth
        + a.dynamodb_writes * a.dynamodb_write_ms
    )
    return compute + io


def other_costs(preset: str, prices: Prices, a: Assumptions) -> dict[str, float]:
    """Per million images, USD, by service (independent of memory and architecture)."""
    variants = len(load_variants(preset))
    item_kb = math.ceil(record_item_bytes(preset) / 1024)
    # claim (small item: 1 WRU) + final record + the same item written to the by_status index (projection ALL)
    wru = 1 + item_kb + item_kb
    return {
        "S3 PUT (variants)": variants * prices.s3_put * 1e6,
        "S3 GET (source)": prices.s3_get * 1e6,
        "SQS requests": a.sqs_requests_per_image * prices.sqs_request * 1e6,
        "DynamoDB writes": wru * prices.dynamodb_wru * 1e6,
        "CloudWatch Logs": a.log_kb_per_image / 1024 / 1024 * prices.logs_gb * 1e6,
    }


def estimate(
    runs: list[ImageRun],
    preset: str,
    arch: str,
    memory_mb: int,
    prices: Prices,
    a: Assumptions,
    cold_ms: float,
) -> Estimate:
    variants = len(load_variants(preset))
    times = [function_ms(run, memory_mb, arch, variants, a) for run in runs]
    mean_ms = statistics.fmean(times) + cold_ms / a.cold_start_every_images
    gb_s = memory_mb / 1024 * mean_ms / 1000
    lambda_cost = (gb_s * prices.lambda_gb_s[arch] + prices.lambda_request / a.batch_size) * 1e6
    return Estimate(
        preset=preset,
        arch=arch,
        memory_mb=memory_mb,
        p50_ms=statistics.median(times),
        p95_ms=_percentile(times, 0.95),
        gb_s=gb_s,
        lambda_per_million=lambda_cost,
        other_per_million=sum(other_costs(preset, prices, a).values()),
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def memory_floor_mb(runs: list[ImageRun]) -> tuple[float, float]:
    """Working memory per megapixel (the benchmark's largest ratio) and the estimate for the largest input."""
    per_mp = max(run.work_rss_mb / run.megapixels for run in runs if run.megapixels > 0)
    baseline = max(run.peak_rss_mb - run.work_rss_mb for run in runs)
    # + boto3 clients and Powertools in the real function (~60 MB over the benchmark's bare interpreter)
    return per_mp, baseline + 60 + per_mp * DEFAULT_MAX_INPUT_PIXELS / 1e6


# --- the note -----------------------------------------------------------------------------------------------


def _tfvars(env: str) -> dict[str, Any]:
    """An environment's terraform.tfvars values (what the note compares with its recommendations)."""
    try:
        import hcl2  # noqa: PLC0415

        with (REPO / "environments" / env / "terraform.tfvars").open(encoding="utf-8") as handle:
            return dict(hcl2.load(handle))
    except Exception:  # the note still renders without the environments
        return {}


def plot(estimates: list[Estimate], path: Path, floor_mb: float) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (cost_axis, time_axis) = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"x86_64": "-", "arm64": "--"}
    colours = {"default": "tab:blue", "web": "tab:orange"}
    for preset in PRESETS:
        for arch in ARCHES:
            rows = sorted(
                (e for e in estimates if e.preset == preset and e.arch == arch), key=lambda e: e.memory_mb
            )
            memory = [e.memory_mb for e in rows]
            label = f"{preset} · {arch}"
            cost_axis.plot(
                memory,
                [e.lambda_per_million for e in rows],
                styles[arch],
                color=colours[preset],
                marker="o",
                label=label,
            )
            time_axis.plot(
                memory, [e.p50_ms for e in rows], styles[arch], color=colours[preset], marker="o", label=label
            )
    for axis in (cost_axis, time_axis):
        axis.axvspan(min(MEMORY_SIZES_MB) - 100, floor_mb, color="tab:red", alpha=0.08, linewidth=0)
        axis.text(
            floor_mb,
            0,
            " < memory floor\n   for 50 MP ",
            color="tab:red",
            fontsize=7,
            ha="right",
            va="bottom",
        )
        axis.axvline(FULL_VCPU_MB, color="grey", linewidth=0.8, linestyle=":")
        axis.text(FULL_VCPU_MB, axis.get_ylim()[1] * 0.97, " 1 vCPU", color="grey", va="top", fontsize=8)
        axis.set_xlabel("function memory (MB)")
        axis.set_xticks(list(MEMORY_SIZES_MB))
        axis.tick_params(axis="x", labelrotation=45)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    cost_axis.set_ylabel("Lambda USD per 1M images (compute + requests)")
    cost_axis.set_title("Lambda cost per million images")
    time_axis.set_ylabel("ms per image (median over the corpus)")
    time_axis.set_title("p50 function time per image")
    cost_axis.set_ylim(bottom=0)
    time_axis.set_ylim(bottom=0)
    figure.suptitle("imgpipe capacity model (us-east-1 prices; arm64 speed = assumption)", fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


@dataclass(frozen=True)
class Recommendation:
    environment: str
    memory_mb: int
    architecture: str
    timeout_seconds: int
    batch_size: int
    batching_window_seconds: int
    maximum_concurrency: int
    reserved_concurrency: int
    max_receive_count: int
    why: str


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


def recommend(
    runs: dict[str, list[ImageRun]], current: dict[str, dict[str, Any]], a: Assumptions, floor_mb: float
) -> list[Recommendation]:
    """Per environment: memory at the 1-vCPU knee (dev: the cheapest size that holds the largest input),
    a timeout that fits a whole batch at p95 twice and a 50 MP image twice, no batching window."""
    per_mp_ms = max(run.cpu_ms / run.megapixels for preset in PRESETS for run in runs[preset])
    largest_mp = DEFAULT_MAX_INPUT_PIXELS / 1e6
    result = []
    for env, memory, arch, batch, conc, receives in (
        ("dev", max(1024, _round_up(floor_mb, 64)), "arm64", 5, 2, 3),
        ("staging", FULL_VCPU_MB, "arm64", 10, 5, 5),
        ("prod", FULL_VCPU_MB, "x86_64", 10, int(current.get("prod", {}).get("maximum_concurrency", 50)), 5),
    ):
        share = min(memory / FULL_VCPU_MB, 1.0)
        arch_factor = a.arm64_factor if arch == "arm64" else 1.0
        worst_batch_ms = (
            max(
                _percentile([function_ms(r, memory, arch, len(load_variants(p)), a) for r in runs[p]], 0.95)
                for p in PRESETS
            )
            * batch
        )
        largest_ms = per_mp_ms * largest_mp * a.host_factor * arch_factor / share
        timeout = min(900, max(30, _round_up(TIMEOUT_SAFETY * max(worst_batch_ms, largest_ms) / 1000, 10)))
        why = {
            "dev": "cheapest memory that still holds a 50 MP input; arm64 here first, to measure its real "
            "speed",
            "staging": "prod's shape at 1 vCPU; arm64 to confirm the speed factor on real traffic",
            "prod": "1 vCPU: the fastest a single-threaded render gets, at the lowest cost per image for "
            "that "
            "latency; x86_64 until staging confirms arm64 is < 1.25x slower",
        }[env]
        result.append(Recommendation(env, memory, arch, timeout, batch, 0, conc, -1, receives, why))
    return result


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _share(part: object, whole: object) -> str:
    return f"{part / whole:.0%}" if isinstance(part, int) and isinstance(whole, int) and whole else "?"


def _per_delivery(detail: dict[str, Any]) -> str:
    calls = sum(detail.get("function_calls", {}).values())
    deliveries = detail.get("mapping", {}).get("records") or 0
    return f"{calls / deliveries:.1f}" if deliveries else "?"


def _soak_section(path: Path) -> list[str]:
    try:
        soak = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return ["No soak results yet (`make soak` writes build/soak/results.json).", ""]
    detail = soak.get("detail", {})
    faults = detail.get("faults", {})
    lines = [
        f"From `{path.relative_to(REPO) if path.is_relative_to(REPO) else path}` "
        f"({detail.get('seconds_total', '?')} s on the local stack, dev settings, "
        f"{detail.get('timings', {}).get('pollers', '?')} pollers, local function timeout "
        f"{detail.get('timings', {}).get('function_timeout_seconds', '?')} s):",
        "",
        "| figure | value |",
        "|---|---:|",
    ]
    for key in RESULT_KEYS:
        lines.append(f"| `{key}` | {soak.get(key)} |")
    injected = ", ".join(f"{k} {v}" for k, v in faults.get("injected", {}).items())
    config = detail.get("config", {})
    timings = detail.get("timings", {})
    lines += [
        "",
        f"Command: `make soak` (`python bench/soak.py`: seed {config.get('seed')}, "
        f"{config.get('window') or 'all'} uploads out at a time, {config.get('bad_fraction', 0):.0%} bad "
        "inputs). "
        f"Faults injected: {faults.get('total_injected', '?')} ({injected}) at "
        f"{faults.get('rate', 0):.0%} of their fault points: every S3 GetObject/PutObject and DynamoDB call "
        "of the "
        "function, every invocation (deadline, poller kill), every first delivery (duplicate); "
        f"{detail.get('aws_calls_faulted_fraction', 0):.1%} of the function's AWS calls failed. Poller "
        "restarts "
        f"{detail.get('poller_restarts', '?')}; redrive rounds {len(detail.get('redrive_rounds', []))} "
        "(`imgpipe.ops.dlq.redrive`, faults still on); checks "
        f"{'passed' if soak.get('passed') else 'FAILED'}.",
        "",
        "- Duplicates are counted from the function's own calls: a variant PutObject after its object's "
        "final "
        f"record, a second final record, or a second item per object. Variant rewrites "
        f"*before* the final record (a retry after a failed PutObject) were "
        f"{detail.get('duplicates', {}).get('variant_rewrites_before_final_record', '?')}: by design.",
        f"- Dead-lettered before the redrive: {soak.get('dead_lettered_before_redrive')} uploads "
        f"({_share(soak.get('dead_lettered_before_redrive'), soak.get('uploads'))}). The function made "
        f"{_per_delivery(detail)} AWS calls per delivery, each failing {faults.get('rate', 0):.0%} of the "
        f"time, and dev's `max_receive_count` = {timings.get('max_receive_count', '?')} gives up after that "
        "many failed deliveries; the redrive brings every one of them back.",
        "- Latency is upload -> final record, including retries after the (scaled) "
        f"{timings.get('visibility_timeout_seconds', '?')} s "
        "visibility timeout and, for the dead-lettered uploads, the time until the redrive: hence the p95. "
        "The "
        "function's own time for the attempt that finished an object was p50 "
        f"{detail.get('processing_p50_ms', '?')} ms, p95 {detail.get('processing_p95_ms', '?')} ms (small "
        "images).",
        "- Local figures measure correctness under faults, not AWS speed: the emulator, the pollers and the "
        "function share one Python process on a shared 2-core machine.",
        "",
    ]
    return lines


def render_note(
    runs: dict[str, list[ImageRun]],
    bench: dict[str, Any],
    estimates: list[Estimate],
    prices: Prices,
    a: Assumptions,
    soak_path: Path,
    cold_ms: float,
) -> str:
    current = {env: _tfvars(env) for env in ("dev", "staging", "prod")}
    per_mp, floor_mb = memory_floor_mb([run for preset in PRESETS for run in runs[preset]])
    recommendations = recommend(runs, current, a, floor_mb)
    machine = bench.get("machine", {})
    wall_ratio = min(r.wall_ms / r.cpu_ms for preset in PRESETS for r in runs[preset] if r.cpu_ms > 0)
    price_ratio = prices.lambda_gb_s["x86_64"] / prices.lambda_gb_s["arm64"]
    out: list[str] = [
        "# Capacity and cost",
        "",
        "<!-- generated by `make capacity` (bench/capacity.py); edit the script, not this file -->",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from `build/bench/results.json` "
        f"(`{bench.get('command', 'bench/bench.py')}`, {machine.get('cpu', '?')}, Pillow "
        f"{machine.get('pillow', '?')}), the repository's presets and record code, and the environments' "
        "tfvars. Figures are per image; every assumption below is a parameter of `bench/capacity.py`.",
        "",
        "## What one image costs in CPU (measured)",
        "",
        "| preset | variants | images | median MP | engine CPU ms (median) | ms per MP (max) | record size |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for preset in PRESETS:
        rows = runs[preset]
        out.append(
            f"| `{preset}` | {len(load_variants(preset))} | {len(rows)} | "
            f"{statistics.median(r.megapixels for r in rows):.1f} | "
            f"{statistics.median(r.cpu_ms for r in rows):.0f} | "
            f"{max(r.cpu_ms / r.megapixels for r in rows):.0f} | {record_item_bytes(preset)} B |"
        )
    out += [
        "",
        "`engine CPU ms` is the benchmark's process CPU time for decode + every variant + encode of one "
        "camera "
        f"photo (the minimum of its repeats). Its wall time is at least {wall_ratio:.2f}x its CPU time in "
        "every "
        "row: the engine works on one core.",
        "",
        "## Model, prices and assumptions",
        "",
        f"- **CPU share**: Lambda gives CPU in proportion to memory, {FULL_VCPU_MB} MB = 1 vCPU. The render "
        "is "
        f"single-threaded, so its speed is `min(M / {FULL_VCPU_MB}, 1)` of a vCPU: below {FULL_VCPU_MB} MB "
        "the "
        "compute time grows as 1/M (and its GB-s stay flat), above it nothing gets faster and GB-s grow "
        "with M.",
        f"- **Host factor** (a Lambda vCPU vs one core of the benchmark machine): {a.host_factor} — "
        "assumption.",
        f"- **arm64 speed factor** (arm64 time / x86_64 time): {a.arm64_factor} — assumption, not measured "
        f"(no Graviton here). arm64 costs 1/{price_ratio:.2f} of x86_64 per GB-s, so it is cheaper as long "
        "as "
        f"it is less than {price_ratio:.2f}x slower. `python bench/capacity.py --arm64-factor 1.2` redoes "
        "it.",
        f"- **I/O per image** (assumptions): S3 GET first byte {a.s3_get_first_byte_ms:.0f} ms, "
        f"{a.s3_bandwidth_mb_s:.0f} MB/s to and from S3, {a.s3_put_ms:.0f} ms per variant PUT (the processor "
        f"writes them one after another), {a.dynamodb_writes} DynamoDB writes of {a.dynamodb_write_ms:.0f} "
        "ms.",
        f"- **Cold starts**: the handler's import takes {cold_ms:.0f} ms (benchmark); INIT is billed; "
        "counted as "
        f"one per {a.cold_start_every_images} images (steady load).",
        f"- **Batching**: {a.batch_size} images per invocation (one Lambda request per batch).",
        f"- **Prices**, {prices.region}, as of {prices.as_of} (re-check before budgeting): Lambda "
        f"x86_64 ${prices.lambda_gb_s['x86_64']:.10f}/GB-s, arm64 ${prices.lambda_gb_s['arm64']:.10f}/GB-s, "
        f"${prices.lambda_request * 1e6:.2f} per 1M requests; SQS standard ${prices.sqs_request * 1e6:.2f} "
        "per 1M "
        f"requests; S3 Standard PUT ${prices.s3_put * 1000:.4f} and GET ${prices.s3_get * 1000:.4f} per "
        "1,000; "
        f"DynamoDB on-demand ${prices.dynamodb_wru * 1e6:.3f} per 1M write request units; CloudWatch Logs "
        f"${prices.logs_gb:.2f}/GB ingested. Free tiers are ignored.",
        "",
        "## Cost per million images and function time",
        "",
        "![cost and latency against memory](capacity.png)",
        "",
        "| preset | arch | memory MB | p50 ms/image | p95 ms/image | GB-s/image | Lambda $/1M | all "
        "services $/1M |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in estimates:
        out.append(
            f"| `{e.preset}` | {e.arch} | {e.memory_mb} | {e.p50_ms:,.0f} | {e.p95_ms:,.0f} | {e.gb_s:.3f} | "
            f"{_money(e.lambda_per_million)} | {_money(e.total_per_million)} |"
        )
    out += [
        "",
        "What the other services cost per million images (independent of memory and architecture):",
        "",
    ]
    out += ["| service | " + " | ".join(f"`{p}`" for p in PRESETS) + " |", "|---|" + "---:|" * len(PRESETS)]
    breakdown = {preset: other_costs(preset, prices, a) for preset in PRESETS}
    for service in breakdown[PRESETS[0]]:
        out.append(f"| {service} | " + " | ".join(_money(breakdown[p][service]) for p in PRESETS) + " |")
    out += [
        "",
        "S3 PUTs of the variants cost about as much as the function itself: a preset with fewer variants is "
        "the "
        "biggest saving after memory. KMS is left out: the bucket uses an S3 Bucket Key and SQS reuses data "
        "keys, "
        "so KMS requests per image are far below one.",
        "",
        "## Memory floor",
        "",
        f"The benchmark's working memory is at most {per_mp:.1f} MB per megapixel; the largest input allowed "
        f"(`MAX_INPUT_PIXELS` = {DEFAULT_MAX_INPUT_PIXELS / 1e6:.0f} MP) then needs about **{floor_mb:,.0f} "
        "MB** "
        "(the interpreter and ~60 MB of SDK clients included). Below that, a large photo is not rejected but "
        "kills "
        "the function (out of memory), and its batch goes round to the DLQ. 512 MB is therefore not an "
        "option "
        "with the default limit.",
        "",
    ]
    out += _littles_law(runs, recommendations, current, a)
    out += _limits(runs, prices)
    out += ["## Recommended settings", ""]
    out += [
        "| tfvar | " + " | ".join(r.environment for r in recommendations) + " |",
        "|---|" + "---:|" * len(recommendations),
    ]
    for name, attribute in (
        ("function_memory_mb", "memory_mb"),
        ("function_architecture", "architecture"),
        ("function_timeout_seconds", "timeout_seconds"),
        ("batch_size", "batch_size"),
        ("batching_window_seconds", "batching_window_seconds"),
        ("maximum_concurrency", "maximum_concurrency"),
        ("reserved_concurrency", "reserved_concurrency"),
        ("max_receive_count", "max_receive_count"),
    ):
        cells = []
        for r in recommendations:
            value = getattr(r, attribute)
            now = current.get(r.environment, {}).get(name)
            cells.append(
                f"`{value}`" + (f" (now `{now}`)" if now is not None and str(now) != str(value) else "")
            )
        out.append(f"| `{name}` | " + " | ".join(cells) + " |")
    out += [""] + [f"- **{r.environment}**: {r.why}." for r in recommendations]
    out += [
        "- **timeout**: twice the longer of a full batch at p95 and one 50 MP image at that memory; the "
        "queue's "
        "visibility timeout follows as 6x. A timeout is not fatal anyway: finished objects keep their "
        "records, "
        "so the retry of a timed-out batch only does what is left (the soak's `deadline` faults show it).",
        "- **batching window 0**: the window only saves Lambda requests, $0.20 per million invocations, "
        "against "
        "a per-image cost in dollars per million; it costs up to its length in latency.",
        "- **reserved concurrency -1**: `maximum_concurrency` already caps the queue's share; reserving "
        "would "
        "take that many from the account pool for good. Reserve (>= maximum_concurrency) only if other "
        "functions in the account can starve this one.",
        "",
        "## Soak under faults",
        "",
    ]
    out += _soak_section(soak_path)
    return "\n".join(out).rstrip() + "\n"


def _littles_law(
    runs: dict[str, list[ImageRun]],
    recommendations: list[Recommendation],
    current: dict[str, dict[str, Any]],
    a: Assumptions,
) -> list[str]:
    out = [
        "## Concurrency and queue depth for an upload rate (Little's law)",
        "",
        "In steady state the images being worked on = arrival rate x time per image, so the concurrency "
        "needed "
        f"is `rate x mean time / {a.utilisation}` (pollers at most {a.utilisation:.0%} busy). Beyond "
        "`maximum_concurrency / mean time` images per second the queue grows by the difference every "
        "second, and "
        "a burst of B uploads drains in `B x mean time / maximum_concurrency` seconds.",
        "",
        "Messages in flight (received, not yet deleted) are `rate x batch x mean time`: a message is deleted "
        "when its whole batch is done, so an image also waits on average `(batch - 1) / 2 x mean time` "
        "behind "
        "the others of its invocation. Without a batching window batches fill only under load: here "
        f"`batch` = min({a.batch_size}, max(1, rate x mean time)). Columns at 1769 MB x86_64:",
        "",
        "| upload rate (images/s) | "
        + " | ".join(f"`{p}` concurrency | `{p}` messages in flight" for p in PRESETS)
        + " |",
        "|---:|" + "---:|---:|" * len(PRESETS),
    ]
    mean_s = {
        p: statistics.fmean(function_ms(r, FULL_VCPU_MB, "x86_64", len(load_variants(p)), a) for r in runs[p])
        / 1000
        for p in PRESETS
    }

    def concurrency(rate: float, preset: str) -> str:
        needed = math.ceil(rate * mean_s[preset] / a.utilisation)
        return f"{needed:,}" + (" (over the 1,000 limits)" if needed > 1000 else "")

    def batch(rate: float, preset: str) -> float:
        # with no batching window, a poller takes what is there: batches fill only under load
        return min(a.batch_size, max(1.0, rate * mean_s[preset]))

    for rate in (1, 10, 50, 100, 500, 1000):
        out.append(
            f"| {rate} | "
            + " | ".join(
                f"{concurrency(rate, p)} | {math.ceil(rate * batch(rate, p) * mean_s[p]):,}" for p in PRESETS
            )
            + " |"
        )
    out += [
        "",
        "What each environment sustains with the recommended settings (`maximum_concurrency / mean time`), "
        "and "
        "how long a burst of 10,000 uploads takes to drain:",
        "",
        "| environment | preset | mean s/image | sustained images/s | 10,000-upload burst drains in |",
        "|---|---|---:|---:|---:|",
    ]
    for r in recommendations:
        for p in PRESETS:
            mean = (
                statistics.fmean(
                    function_ms(x, r.memory_mb, r.architecture, len(load_variants(p)), a) for x in runs[p]
                )
                / 1000
            )
            rate = r.maximum_concurrency / mean
            out.append(
                f"| {r.environment} | `{p}` | {mean:.2f} | {rate:,.1f} | {10_000 / rate / 60:,.1f} min |"
            )
    out.append("")
    return out


def _limits(runs: dict[str, list[ImageRun]], prices: Prices) -> list[str]:
    rows = []
    for p in PRESETS:
        variants = len(load_variants(p))
        index_wru = math.ceil(record_item_bytes(p) / 1024)
        rows.append((p, variants, 3500 / variants, 5500, 1000 / index_wru, index_wru))
    cells = {p: (v, put, get, gsi, wru) for p, v, put, get, gsi, wru in rows}
    first = {
        p: min(("S3 PUT per prefix", cells[p][1]), ("by_status index", cells[p][3]), key=lambda t: t[1])
        for p in PRESETS
    }
    return [
        "## Where the limits are",
        "",
        "| limit | value | images/s it allows | knob |",
        "|---|---|---|---|",
        "| S3 PUT per partitioned prefix | >= 3,500/s (S3 splits hot prefixes by itself, over minutes; "
        "meanwhile "
        "`SlowDown` 503) | "
        + ", ".join(f"`{p}` {cells[p][1]:,.0f} ({cells[p][0]} PUTs each)" for p in PRESETS)
        + " | `maximum_concurrency`; variants land under the upload's own path, so uploads spread over "
        "prefixes spread the PUTs |",
        "| S3 GET per partitioned prefix | >= 5,500/s | 5,500 (one GET each) | as above |",
        "| SQS standard queue | nearly unlimited; ~120,000 messages in flight | — | — |",
        "| SQS event source scaling | starts at 5 concurrent batches, adds up to 300 a minute, at most 1,000 "
        "concurrent batches per mapping (the Lambda guide; older pages said 1,250) | 1,000 / time per batch "
        "| `maximum_concurrency` (2-1,000) caps it without throttling |",
        "| Lambda concurrency | 1,000 per account and region by default (a quota; new accounts may start "
        "lower), shared by every function; each function scales by 1,000 environments per 10 s | "
        "1,000 / time per image | `maximum_concurrency`; `reserved_concurrency` guarantees (and caps) a "
        "share "
        "— keep it >= maximum_concurrency or the pollers get throttled |",
        "| DynamoDB partition | 1,000 WCU/s and 3,000 RCU/s per partition; the base table's key is "
        "`<bucket>/<key>`, spread well | — | — |",
        "| DynamoDB `by_status` index | hash key `status`: every PROCESSED record lands on one index "
        "partition "
        "key, whose sort key (`processed_at`) only grows, so splitting for heat does not help: ~1,000 WCU/s. "
        "A throttled index write fails the table write | "
        + ", ".join(f"`{p}` {cells[p][3]:,.0f} ({cells[p][4]} WCU per record)" for p in PRESETS)
        + " | `maximum_concurrency`; beyond it, shard the index key (`PROCESSED#0..n`) or project fewer "
        "attributes |",
        "| Function memory | 1769 MB = 1 vCPU; the render uses one | — | `function_memory_mb` |",
        "",
        "The first limit met as the upload rate grows: "
        + "; ".join(f"`{p}` — the {first[p][0]} at about {first[p][1]:,.0f} images/s" for p in PRESETS)
        + ". Until then, concurrency (`maximum_concurrency`, then the account's Lambda quota) is the "
        "limit, and it is a setting.",
        "",
        "What the modules' knobs do:",
        "",
        "- `maximum_concurrency` (event source mapping): the ceiling on concurrent batches from this queue, "
        "so on "
        "S3 PUT/GET rates, DynamoDB writes and the share of the account's Lambda concurrency. Backlog waits "
        "in "
        "the queue instead of being throttled.",
        "- `batch_size` (+ `batching_window_seconds`): images per invocation. Fewer Lambda and SQS requests "
        "(cents per million), longer invocations (the timeout must cover a batch), and a timed-out batch "
        "is retried whole (cheaply: finished objects are skipped by their records).",
        "- `reserved_concurrency`: a guaranteed and capped share of the account pool; with SQS it must be >= "
        "`maximum_concurrency`.",
        "- `function_memory_mb`: CPU share up to 1769 MB (latency), and the largest image that fits.",
        "- `function_timeout_seconds`: the queue's visibility timeout is 6x it; `max_receive_count` receives "
        "later a message goes to the DLQ, so the time to the DLQ is about `max_receive_count x 6 x timeout`.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/capacity.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=BENCH_FILE)
    parser.add_argument("--soak", type=Path, default=SOAK_FILE)
    parser.add_argument("--arm64-factor", type=float, default=Assumptions.arm64_factor)
    parser.add_argument("--host-factor", type=float, default=Assumptions.host_factor)
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args(argv)
    try:
        runs, bench = load_bench(args.bench)
    except CapacityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    prices = Prices()
    assumptions = Assumptions(arm64_factor=args.arm64_factor, host_factor=args.host_factor)
    cold_ms = float(bench.get("cold_start", {}).get("median_ms", 0.0))
    estimates = [
        estimate(runs[preset], preset, arch, memory, prices, assumptions, cold_ms)
        for preset in PRESETS
        for arch in ARCHES
        for memory in MEMORY_SIZES_MB
    ]
    png = args.out / "capacity.png"
    plot(estimates, png, memory_floor_mb([run for preset in PRESETS for run in runs[preset]])[1])
    note = render_note(runs, bench, estimates, prices, assumptions, args.soak, cold_ms)
    (args.out / "capacity.md").write_text(note, encoding="utf-8")
    print(f"wrote {args.out / 'capacity.md'} and {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
