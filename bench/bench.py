"""Engine benchmark (`make bench`): naive Pillow vs the engine vs single-threaded libvips vs the floor.

For every image x preset (`default`, `web`) it runs, each in a fresh subprocess (so that peak RSS is the
row's own, and no row warms caches for another):

- naive:          what the seed handlers do: open and fully decode once per variant, `exif_transpose`,
                  `thumbnail`/`resize`, `save` with Pillow's default encoder settings;
- engine_naive:   the engine (decode once, draft, resize chain) with naive's encoder settings;
- engine:         the engine with its own defaults (PNG compress_level 1, WebP method 4, JPEG q85);
- pyvips:         libvips via pyvips, VIPS_CONCURRENCY=1, decode once (shrink-on-load), same sizes and
                  encoder settings as `engine`, metadata stripped (skipped when pyvips is not importable);
- floor:          one decode (drafted, as the engine does) plus the encoders alone on the final pixels,
                  prepared beforehand: what any implementation with these encoders must spend.

`ms` is process CPU time (user + sys, all threads), the minimum of BENCH_REPEAT runs after one warm-up.
CPU time, because this runs on shared machines where other jobs stretch wall-clock time at random; for
single-threaded work it equals wall-clock time on an idle machine, and it charges libvips for any helper
thread it might still start. Wall-clock times (minimum and median) are kept in the JSON.
Peak RSS is the subprocess's `ru_maxrss` (interpreter and libraries included); `work_rss_mb` subtracts the
RSS measured just before the first run. Results: build/bench/results.json and build/bench/results.md.

Usage: python bench/bench.py [--repeat N] [--limit N] [--presets default,web]
       python bench/bench.py --encoders | --filters | --quality   (the studies in docs/benchmarks.md)
Environment: BENCH_CORPUS (a folder of images; default ../shared/corpus/photos beside the repo, else
generated photos), BENCH_REPEAT (default 3), BENCH_WEBP_METHOD (what-if: another WebP method for the
engine, pyvips and the floor; naive keeps Pillow's default), BENCH_OUT (default build/bench).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from PIL import Image, ImageOps, features  # noqa: E402

from image_processor.engine import VariantSpec, heif, load_variants, render  # noqa: E402
from image_processor.engine.decode import decode_for  # noqa: E402
from image_processor.engine.encode import (  # noqa: E402
    DEFAULT_QUALITY,
    ENCODER_DEFAULTS,
    encode,
    flatten,
    output_format,
)
from image_processor.engine.limits import Limits  # noqa: E402
from image_processor.engine.resize import TRANSPOSES, resized  # noqa: E402

METHODS = ("naive", "engine_naive", "engine", "pyvips", "floor")
PRESETS = ("default", "web")
OUT = Path(os.environ.get("BENCH_OUT", REPO / "build" / "bench"))
# Every format the engine opens (decode.INPUT_FORMATS), by the names files carry.
IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".tif",
    ".tiff",
    ".gif",
    ".avif",
    ".mpo",
    ".heic",
    ".heif",
    ".ico",
}
# Pillow's own defaults, i.e. what `im.save(fmt)` does when the seed code passes nothing but `quality`.
PILLOW_QUALITY = {"jpeg": 75, "webp": 80, "avif": 75}
PILLOW_OPTIONS: dict[str, dict[str, Any]] = {"jpeg": {}, "png": {"compress_level": 6}, "webp": {"method": 4}}


# The naive rows open HEIC with plain Pillow, which needs the opener registered (the engine does it itself).
heif.register()


# --------------------------------------------------------------------------------------------- the rows
def naive(data: bytes, specs: Sequence[VariantSpec]) -> int:
    """One full decode per variant, Pillow defaults: the seeds' handler loop."""
    total = 0
    for spec in specs:
        image = ImageOps.exif_transpose(Image.open(BytesIO(data)))  # not in place: a full decode + copy
        source_format = Image.open(BytesIO(data)).format or ""
        if spec.scale is not None:
            image = image.resize((round(image.width * spec.scale), round(image.height * spec.scale)))
        elif spec.width or spec.height:
            image.thumbnail((spec.width or 1_000_000, spec.height or 1_000_000))
        fmt = output_format(spec.format, source_format, image.mode)
        if fmt == "jpeg" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        params = {} if spec.quality is None else {"quality": spec.quality}
        out = BytesIO()
        image.save(out, format=fmt.upper(), **params)
        total += out.tell()
    return total


def with_pillow_defaults(specs: Sequence[VariantSpec]) -> tuple[VariantSpec, ...]:
    """The same variants, with the encoder settings naive gets from Pillow's defaults."""
    out = []
    for spec in specs:
        fmt = spec.format if spec.format != "original" else "jpeg"
        quality = spec.quality if spec.quality is not None else PILLOW_QUALITY.get(fmt)
        out.append(dataclasses.replace(spec, quality=quality, options=PILLOW_OPTIONS.get(fmt, {})))
    return tuple(out)


def engine(data: bytes, specs: Sequence[VariantSpec]) -> int:
    return sum(len(v.body) for v in render(data, specs).variants)


def prepare_floor(data: bytes, specs: Sequence[VariantSpec]) -> Callable[[], int]:
    """Final pixels of every variant, made once outside the timing; the timed part decodes once (drafted, as
    the engine does) and runs the encoders on those pixels."""
    decoded = decode_for(data, specs, Limits())
    finals = []
    for i, image in resized(decoded.image, decoded.geometries, decoded.orientation):
        spec = specs[i]
        fmt = output_format(spec.format, decoded.source.format, decoded.image.mode)
        # JPEG variants are flattened here too: the floor is the encoder alone.
        finals.append(((flatten(image) if fmt == "jpeg" else image).copy(), fmt, spec))

    def run() -> int:
        decode_for(data, specs, Limits())
        return sum(
            len(encode(image, fmt, spec.quality, spec.options, decoded.icc)) for image, fmt, spec in finals
        )

    return run


def prepare_pyvips(data: bytes, specs: Sequence[VariantSpec]) -> Callable[[], int]:
    import pyvips  # noqa: PLC0415 - optional, and VIPS_CONCURRENCY must be set before it loads

    pyvips.cache_set_max(0)  # no operation cache: every repetition does the work again

    decoded = decode_for(data, specs, Limits())  # for the geometry only (same sizes as the engine)
    source, geometries = decoded.source, decoded.geometries
    width, height = source.size
    largest = max(geometries, key=lambda g: g.size[0] * g.size[1])

    def save(image: Any, fmt: str, spec: VariantSpec) -> int:
        quality = spec.quality if spec.quality is not None else DEFAULT_QUALITY.get(fmt)
        options = {**ENCODER_DEFAULTS[fmt], **spec.options}
        if fmt == "jpeg":
            if image.hasalpha():
                image = image.flatten(background=255)
            return len(image.jpegsave_buffer(Q=quality, keep="icc"))
        if fmt == "webp":
            return len(image.webpsave_buffer(Q=quality, effort=options.get("method", 4), keep="icc"))
        if fmt == "png":
            # filter="all": adaptive row filters as Pillow's encoder does; libvips' default (none) is faster
            # but its files are ~40 % larger, which would not be the same output.
            level = options.get("compress_level", 1)
            return len(image.pngsave_buffer(compression=level, filter="all", keep="icc"))
        raise ValueError(fmt)

    def run() -> int:
        if largest.size[0] < width and largest.size[1] < height:
            # shrink-on-load (JPEG DCT scaling) to the largest output, like the engine's draft
            base = pyvips.Image.thumbnail_buffer(data, largest.size[0], height=largest.size[1], size="down")
        else:
            base = pyvips.Image.new_from_buffer(data, "").autorot()
        base = base.copy_memory()  # decode once, reuse for every variant
        made: dict[tuple[int, int], Any] = {(base.width, base.height): base}
        total = 0
        for spec, geom in sorted(
            zip(specs, geometries, strict=True), key=lambda p: -p[1].size[0] * p[1].size[1]
        ):
            image = made.get(geom.size)
            if image is None:
                # the smallest already-made image that covers it, as the engine does
                src = min((im for s, im in made.items() if s[0] >= geom.size[0]), key=lambda im: im.width)
                image = src.thumbnail_image(geom.size[0], height=geom.size[1], size="down").copy_memory()
                made[geom.size] = image
            total += save(image, output_format(spec.format, source.format, "RGB"), spec)
        return total

    return run


def make_runner(method: str, data: bytes, specs: Sequence[VariantSpec]) -> Callable[[], int]:
    if method == "naive":
        return lambda: naive(data, specs)
    if method == "engine_naive":
        naive_specs = with_pillow_defaults(specs)
        return lambda: engine(data, naive_specs)
    if method == "engine":
        return lambda: engine(data, specs)
    if method == "floor":
        return prepare_floor(data, specs)
    if method == "pyvips":
        return prepare_pyvips(data, specs)
    raise ValueError(method)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker(method: str, preset: str, path: str, repeat: int) -> dict[str, Any]:
    if "BENCH_WEBP_METHOD" in os.environ:
        # What-if runs (docs/benchmarks.md): the engine, pyvips and the floor with another WebP method.
        ENCODER_DEFAULTS["webp"]["method"] = int(os.environ["BENCH_WEBP_METHOD"])
    data = Path(path).read_bytes()
    specs = load_variants(preset)
    runner = make_runner(method, data, specs)
    base_rss = _rss_mb()
    output_bytes = runner()  # warm-up: first-call initialisation of codecs is not what we measure
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        runner()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "ms": round(min(cpu), 1),
        "wall_ms": round(min(wall), 1),
        "wall_ms_median": round(statistics.median(wall), 1),
        "cpu_runs_ms": [round(c, 1) for c in cpu],
        "peak_rss_mb": round(peak, 1),
        "work_rss_mb": round(max(0.0, peak - base_rss), 1),
        "output_bytes": output_bytes,
    }


# ----------------------------------------------------------------------------- encoder and filter choices
def _psnr(a: Image.Image, b: Image.Image) -> float:
    from PIL import ImageChops, ImageStat  # noqa: PLC0415

    mse = sum(ImageStat.Stat(ImageChops.difference(a, b)).sum2) / (3 * a.width * a.height)
    return 10 * math.log10(255 * 255 / mse) if mse else 99.0


def _cpu_ms(action: Callable[[], object], repeat: int = 3) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.process_time()
        action()
        best = min(best, (time.process_time() - start) * 1000)
    return best


def _encode_kib(image: Image.Image, fmt: str, **params: Any) -> tuple[float, float, bytes]:
    out = BytesIO()
    ms = _cpu_ms(lambda: (out.seek(0), out.truncate(), image.save(out, fmt, **params)))
    return ms, out.tell() / 1024, out.getvalue()


def _resize_ms(image: Image.Image, size: tuple[int, int], flt: Image.Resampling) -> tuple[float, Image.Image]:
    return _cpu_ms(lambda: image.resize(size, flt, reducing_gap=3.0)), image.resize(
        size, flt, reducing_gap=3.0
    )


def _study_one(path: Path) -> dict[str, tuple[float, float, float]]:
    """cpu ms, KiB, PSNR (dB, against a Lanczos resize of the full-resolution decode) per setting."""
    lanczos, bicubic = Image.Resampling.LANCZOS, Image.Resampling.BICUBIC
    full = ImageOps.exif_transpose(Image.open(path)).convert("RGB")

    def target(width: int) -> tuple[int, int]:
        return width, round(full.height * width / full.width)

    # As the engine does: DCT scaling to the aspect-fitted size of the largest output (stored axes).
    drafted = Image.open(path)
    need = target(1920)
    drafted.draft("RGB", need if drafted.size[0] >= drafted.size[1] else (need[1], need[0]))
    drafted = ImageOps.exif_transpose(drafted).convert("RGB")

    references = {w: full.resize(target(w), lanczos) for w in (1920, 1280, 640)}
    out: dict[str, tuple[float, float, float]] = {}
    image = drafted.resize(target(1920), lanczos)
    for method in (0, 2, 3, 4, 6):
        ms, kib, body = _encode_kib(image, "WEBP", quality=80, method=method)
        out[f"webp q80 method {method}"] = (ms, kib, _psnr(image, Image.open(BytesIO(body)).convert("RGB")))
    for level in (1, 3, 6, 9):
        ms, kib, _ = _encode_kib(image, "PNG", compress_level=level)
        out[f"png compress_level {level}"] = (ms, kib, math.inf)
    for name, flt in (("lanczos", lanczos), ("bicubic", bicubic)):
        for width in (1920, 1280, 640):
            ms, resized_image = _resize_ms(drafted, target(width), flt)
            out[f"resize {name}, decode -> {width}"] = (ms, 0.0, _psnr(references[width], resized_image))
    previous = image
    for width in (1280, 640):
        ms, previous = _resize_ms(previous, target(width), lanczos)
        out[f"resize lanczos, previous size -> {width}"] = (ms, 0.0, _psnr(references[width], previous))
    return out


def encoder_study(files: list[Path]) -> list[dict[str, Any]]:
    """The measurements behind the engine's defaults, on 1920 px wide versions of the corpus photos: WebP
    method, PNG compress level, resampling filter, and reusing a resized copy for the next size."""
    per_image = [_study_one(path) for path in files]
    rows = []
    for setting in per_image[0]:
        values = [one[setting] for one in per_image]
        rows.append(
            {
                "setting": setting,
                "cpu_ms": round(statistics.mean(v[0] for v in values), 1),
                "kib": round(statistics.mean(v[1] for v in values), 1),
                "psnr_db": None
                if values[0][2] == math.inf
                else round(statistics.mean(v[2] for v in values), 2),
            }
        )
    return rows


def _previous_engine(data: bytes, specs: Sequence[VariantSpec]) -> list[Image.Image]:
    """The engine's resizing before bicubic's first step and the deferred rotation: draft, rotate the whole
    decode, then a Lanczos chain (reducing_gap 3). For the quality study's before/after comparison."""
    decoded = decode_for(data, specs, Limits())
    image = decoded.image  # as stored: rotate all of it first, as the engine did
    if decoded.orientation in TRANSPOSES:
        image = image.transpose(TRANSPOSES[decoded.orientation])
    sizes = sorted({g.size for g in decoded.geometries}, key=lambda s: -s[0] * s[1])
    made: dict[tuple[int, int], Image.Image] = {}
    previous = image
    for size in sizes:
        made[size] = (
            previous
            if previous.size == size
            else previous.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        previous = made[size]
    return [made[g.size] for g in decoded.geometries]


def quality_study(files: list[Path]) -> list[dict[str, Any]]:
    """`web` preset, per image and output: PSNR (dB) of the decoded output against a Lanczos resize of the
    full-resolution upright decode, and bytes, for the engine as it is and as it was (Lanczos chain)."""
    specs = load_variants("web")
    rows = []
    for path in files:
        data = path.read_bytes()
        full = ImageOps.exif_transpose(Image.open(BytesIO(data))).convert("RGB")
        decoded = decode_for(data, specs, Limits())
        now = {v.name: v for v in render(data, specs).variants}
        before = _previous_engine(data, specs)
        for spec, geom, old in zip(specs, decoded.geometries, before, strict=True):
            reference = full.resize(geom.size, Image.Resampling.LANCZOS)
            old_body = encode(old, spec.format, spec.quality, spec.options, decoded.icc)
            new = now[spec.name]
            assert (new.width, new.height) == geom.size and new.format == spec.format
            rows.append(
                {
                    "image": path.name,
                    "variant": spec.name,
                    "size": list(geom.size),
                    "psnr_before_db": round(
                        _psnr(reference, Image.open(BytesIO(old_body)).convert("RGB")), 2
                    ),
                    "psnr_after_db": round(_psnr(reference, Image.open(BytesIO(new.body)).convert("RGB")), 2),
                    "bytes_before": len(old_body),
                    "bytes_after": len(new.body),
                }
            )
    return rows


# The filter study's chains: (filter of the decode -> largest output step, filter of the later steps, gap).
_CHAINS = {
    "Lanczos, reducing_gap 3 (engine before)": ("LANCZOS", "LANCZOS", 3.0),
    "Lanczos, reducing_gap 2": ("LANCZOS", "LANCZOS", 2.0),
    "bicubic first step, Lanczos after (engine, without its 1.2x minimum)": ("BICUBIC", "LANCZOS", 3.0),
    "Lanczos first step, bicubic after": ("LANCZOS", "BICUBIC", 3.0),
    "bicubic, reducing_gap 3": ("BICUBIC", "BICUBIC", 3.0),
    "bicubic, reducing_gap 2 (as Pillow's thumbnail)": ("BICUBIC", "BICUBIC", 2.0),
    "Hamming, reducing_gap 2": ("HAMMING", "HAMMING", 2.0),
    "bilinear, reducing_gap 2": ("BILINEAR", "BILINEAR", 2.0),
}
_WEB_SIZES = ("w1920", "w1280", "w640", "thumbnail")


def _chain(
    base: Image.Image, sizes: list[tuple[int, int]], chain: tuple[str, str, float]
) -> list[Image.Image]:
    first, rest, gap = chain
    out, previous = [], base
    for n, size in enumerate(sizes):
        if previous.size != size:
            previous = previous.resize(size, Image.Resampling[first if n == 0 else rest], reducing_gap=gap)
        out.append(previous)
    return out


def filter_study(files: list[Path]) -> list[dict[str, Any]]:
    """The `web` preset's four sizes, each resized from the previous one, starting from the engine's drafted
    upright decode, per chain: CPU ms of the four resizes, and PSNR (dB) of the WebP q80 and JPEG q85 outputs
    against a Lanczos resize of the full-resolution decode, with their bytes; means over the images."""
    specs = load_variants("web")
    acc: dict[str, dict[str, list[float]]] = {name: {} for name in _CHAINS}
    for path in files:
        data = path.read_bytes()
        full = ImageOps.exif_transpose(Image.open(BytesIO(data))).convert("RGB")
        decoded = decode_for(data, specs, Limits())
        base = decoded.image
        if decoded.orientation in TRANSPOSES:
            base = base.transpose(TRANSPOSES[decoded.orientation])
        sizes = sorted({g.size for g in decoded.geometries}, key=lambda s: -s[0] * s[1])
        references = [full.resize(size, Image.Resampling.LANCZOS) for size in sizes]
        for name, chain in _CHAINS.items():
            values = acc[name]
            values.setdefault("resize_ms", []).append(_cpu_ms(functools.partial(_chain, base, sizes, chain)))
            kib = {"webp": 0.0, "jpeg": 0.0}
            for label, ref, image in zip(_WEB_SIZES, references, _chain(base, sizes, chain), strict=True):
                for fmt in ("webp", "jpeg"):
                    body = encode(image, fmt, None, {}, None)
                    kib[fmt] += len(body) / 1024
                    psnr = _psnr(ref, Image.open(BytesIO(body)).convert("RGB"))
                    values.setdefault(f"{fmt}_psnr_{label}", []).append(psnr)
            for fmt, total in kib.items():
                values.setdefault(f"{fmt}_kib", []).append(total)
    return [
        {"chain": name, **{k: round(statistics.mean(v), 2) for k, v in values.items()}}
        for name, values in acc.items()
    ]


# ----------------------------------------------------------------------------------------- orchestration
def corpus() -> tuple[Path, list[Path], str]:
    configured = os.environ.get("BENCH_CORPUS")
    folder = Path(configured) if configured else (REPO / ".." / "shared" / "corpus" / "photos").resolve()
    if folder.is_dir():
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if files:
            return folder, files, "corpus"
    if configured:
        sys.exit(f"error: BENCH_CORPUS={configured} holds no images")
    return generate_photos(OUT / "generated"), sorted((OUT / "generated").glob("*.jpg")), "generated"


def generate_photos(folder: Path) -> Path:
    """Camera-like 12 MP JPEGs (noise over gradients, compresses like a photo); one rotated by EXIF."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, (size, orientation) in enumerate((((4032, 3024), 1), ((4000, 3000), 6), ((4608, 3456), 1))):
        path = folder / f"generated_{i}.jpg"
        if path.exists():
            continue
        noise = Image.effect_noise(size, 40)
        red = Image.blend(Image.linear_gradient("L").resize(size), noise, 0.3)
        green = Image.blend(Image.radial_gradient("L").resize(size), noise, 0.3)
        blue = Image.blend(Image.linear_gradient("L").rotate(90).resize(size), noise, 0.3)
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.merge("RGB", (red, green, blue)).save(path, quality=92, exif=exif)
    return folder


def have_pyvips() -> bool:
    env = {**os.environ, "VIPS_CONCURRENCY": "1"}
    probe = subprocess.run([sys.executable, "-c", "import pyvips"], env=env, capture_output=True, check=False)
    return probe.returncode == 0


def run_row(method: str, preset: str, path: Path, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, __file__, "--worker", method, preset, str(path), "--repeat", str(repeat)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def cold_start(samples: int = 7) -> dict[str, Any]:
    """Import time of the handler module in fresh interpreters (interpreter start-up itself excluded)."""
    env = {
        **os.environ,
        "METADATA_TABLE": "bench-table",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "imgpipe",
        "POWERTOOLS_METRICS_NAMESPACE": "imgpipe",
        "PYTHONPATH": str(REPO / "src"),
        # What the Lambda runtime sets: libraries take their in-Lambda import paths (the X-Ray SDK, for one,
        # skips building its own sampling client when it finds LAMBDA_TASK_ROOT).
        "LAMBDA_TASK_ROOT": str(REPO / "src"),
        "AWS_LAMBDA_FUNCTION_NAME": "imgpipe-bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    }
    probe = (
        "import time; t, c = time.perf_counter(), time.process_time(); import {m}; "
        "print((time.process_time() - c) * 1000, (time.perf_counter() - t) * 1000)"
    )
    # The handler is the contract; the engine alone is the fallback while the handler cannot be imported.
    for module in ("image_processor.handler", "image_processor.engine"):
        cpu, wall = [], []
        for _ in range(samples):
            done = subprocess.run(
                [sys.executable, "-c", probe.format(m=module)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                break
            c, w = (float(x) for x in done.stdout.split())
            cpu.append(round(c, 1))
            wall.append(round(w, 1))
        if len(cpu) == samples:
            return {
                "module": module,
                "median_ms": round(statistics.median(cpu), 1),
                "median_wall_ms": round(statistics.median(wall), 1),
                "samples_cpu_ms": cpu,
                "samples_wall_ms": wall,
            }
    return {"module": None, "median_ms": None, "median_wall_ms": None}


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    info: dict[str, Any] = {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pillow": Image.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "libwebp": features.version("webp"),
        "zlib": features.version("zlib"),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg()[0],
    }
    try:
        env = {**os.environ, "VIPS_CONCURRENCY": "1"}
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import pyvips; print(pyvips.version(0), pyvips.version(1), pyvips.version(2))",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        info["libvips"] = ".".join(done.stdout.split())
    except (subprocess.CalledProcessError, OSError):
        info["libvips"] = None
    return info


def median_or_none(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by: dict[tuple[str, str], dict[str, float]] = {}
    for row in rows:
        if "ms" in row:
            by.setdefault((row["image"], row["preset"]), {})[row["method"]] = row["ms"]

    def ratios(preset: str, top: str, bottom: str) -> list[float]:
        return [t[top] / t[bottom] for (_, p), t in by.items() if p == preset and top in t and bottom in t]

    summary: dict[str, Any] = {}
    for preset in PRESETS:
        summary[f"median_speedup_{preset}"] = median_or_none(ratios(preset, "naive", "engine"))
        summary[f"median_speedup_{preset}_same_encoders"] = median_or_none(
            ratios(preset, "naive", "engine_naive")
        )
        summary[f"engine_over_floor_{preset}"] = median_or_none(ratios(preset, "engine", "floor"))
        summary[f"engine_over_pyvips_{preset}"] = median_or_none(ratios(preset, "engine", "pyvips"))
    return summary


def print_table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """Print a rich table and return the same as Markdown (for docs/benchmarks.md)."""
    from rich.console import Console  # noqa: PLC0415 - not needed by worker subprocesses
    from rich.table import Table  # noqa: PLC0415

    base: dict[tuple[str, str, str], float] = {}
    for row in rows:
        if "ms" in row:
            base[(row["image"], row["preset"], row["method"])] = row["ms"]
    header = [
        "image",
        "MP",
        "preset",
        "method",
        "ms",
        "naive/x",
        "x/floor",
        "peak RSS MB",
        "work RSS MB",
        "output KiB",
    ]
    table = Table(*header, title="imgpipe engine benchmark")
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        key = (row["image"], row["preset"])
        if "ms" not in row:
            cells = [
                row["image"],
                f"{row['megapixels']:.1f}",
                row["preset"],
                row["method"],
                "error",
                "",
                "",
                "",
                "",
                "",
            ]
        else:
            naive_ms = base.get((*key, "naive"))
            floor_ms = base.get((*key, "floor"))
            cells = [
                row["image"],
                f"{row['megapixels']:.1f}",
                row["preset"],
                row["method"],
                f"{row['ms']:.0f}",
                f"{naive_ms / row['ms']:.2f}" if naive_ms else "",
                f"{row['ms'] / floor_ms:.2f}" if floor_ms else "",
                f"{row['peak_rss_mb']:.0f}",
                f"{row['work_rss_mb']:.0f}",
                f"{row['output_bytes'] / 1024:.0f}",
            ]
        table.add_row(*cells)
        md.append("| " + " | ".join(cells) + " |")
    console = Console(width=140)
    console.print(table)
    lines = [f"- `{k}`: {v}" for k, v in summary.items()]
    console.print("\n".join(lines))
    return "\n".join(md) + "\n\nSummary:\n\n" + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", nargs=3, metavar=("METHOD", "PRESET", "IMAGE"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "3")))
    parser.add_argument("--limit", type=int, default=0, help="only the first N images")
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--encoders", action="store_true", help="only the encoder/filter study (~1 min)")
    parser.add_argument("--quality", action="store_true", help="only the web preset's quality study (~1 min)")
    parser.add_argument("--filters", action="store_true", help="only the resize filter study (~2 min)")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, repeat=args.repeat)))
        return
    if args.filters:
        _, files, _ = corpus()
        chains = filter_study(files[: args.limit or None])
        for row in chains:
            cells = [f"{row[f'{fmt}_psnr_{size}']:.2f}" for fmt in ("webp", "jpeg") for size in _WEB_SIZES]
            print(
                f"| {row['chain']} | {row['resize_ms']:.0f} | "
                + " | ".join(cells)
                + f" | {row['webp_kib']:.0f} | {row['jpeg_kib']:.0f} |"
            )
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "filters.json").write_text(json.dumps(chains, indent=2) + "\n")
        return
    if args.quality:
        _, files, _ = corpus()
        quality = quality_study(files[: args.limit or None])
        for variant in dict.fromkeys(row["variant"] for row in quality):
            mine = [row for row in quality if row["variant"] == variant]
            deltas = [row["psnr_after_db"] - row["psnr_before_db"] for row in mine]
            before = statistics.mean(row["psnr_before_db"] for row in mine)
            after = statistics.mean(row["psnr_after_db"] for row in mine)
            kib = [sum(row[k] for row in mine) / 1024 / len(mine) for k in ("bytes_before", "bytes_after")]
            print(
                f"| {variant} | {before:.2f} | {after:.2f} | {statistics.mean(deltas):+.2f} | "
                f"{min(deltas):+.2f} | {kib[0]:.0f} | {kib[1]:.0f} |"
            )
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "quality.json").write_text(json.dumps(quality, indent=2) + "\n")
        return
    if args.encoders:
        _, files, _ = corpus()
        study = encoder_study(files[: args.limit or 4])
        for row in study:
            print(f"| {row['setting']} | {row['cpu_ms']:.0f} | {row['kib']:.0f} | {row['psnr_db'] or ''} |")
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "encoders.json").write_text(json.dumps(study, indent=2) + "\n")
        return

    started = time.time()
    folder, files, kind = corpus()
    if args.limit:
        files = files[: args.limit]
    methods = [m for m in METHODS if m != "pyvips" or have_pyvips()]
    if "pyvips" not in methods:
        print("note: pyvips is not importable; its rows are skipped", file=sys.stderr)
    rows: list[dict[str, Any]] = []
    for path in files:
        with Image.open(path) as probe:
            megapixels = probe.width * probe.height / 1e6
        for preset in args.presets.split(","):
            for method in methods:
                result = run_row(method, preset, path, args.repeat)
                row = {
                    "image": path.name,
                    "megapixels": round(megapixels, 2),
                    "preset": preset,
                    "method": method,
                }
                rows.append({**row, **result})
                shown = f"{result['ms']:.0f} ms" if "ms" in result else result["error"]
                print(f"{path.name:<40} {preset:<8} {method:<13} {shown}", file=sys.stderr, flush=True)
    summary = summarise(rows)
    imported = cold_start()
    summary["cold_start_import_ms"] = imported["median_ms"]
    summary["cold_start_import_wall_ms"] = imported["median_wall_ms"]
    summary["cold_start_module"] = imported["module"]
    markdown = print_table(rows, summary)
    results = {
        "command": " ".join(["python", "bench/bench.py", *sys.argv[1:]]),
        "webp_method": int(os.environ.get("BENCH_WEBP_METHOD", ENCODER_DEFAULTS["webp"]["method"])),
        "corpus": {"folder": str(folder), "kind": kind, "images": [p.name for p in files]},
        "repeat": args.repeat,
        "timing": "ms: minimum process CPU time of `repeat` runs after a warm-up, one subprocess per row",
        "machine": machine(),
        "duration_s": round(time.time() - started, 1),
        "cold_start": imported,
        "rows": rows,
        "summary": summary,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (OUT / "results.md").write_text(markdown)
    print(f"wrote {OUT / 'results.json'} and results.md in {results['duration_s']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
