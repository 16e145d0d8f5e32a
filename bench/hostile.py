"""What the worst hostile uploads cost the function (`make bench`, after bench/bench.py).

Each row renders one input with `render_isolated` and the dev function's limits (1024 MB: the budget
`Settings.from_environ` derives from AWS_LAMBDA_FUNCTION_MEMORY_SIZE), in a fresh interpreter of its own, and
reports the wall time, the CPU seconds and the peak RSS of the render's child (`wait4`'s rusage, through
RUSAGE_CHILDREN). The child's peak RSS includes the pages it shares with its parent (the interpreter, the
libraries, the source bytes), so `child_growth_mb` subtracts the parent's RSS at the fork;
`parent_peak_rss_mb` is the parent's own peak, the received variants included.

Rows, for each bomb of tests/hostile/bombs.py:
- `header`:   the limits as deployed: what an upload costs when the header checks stop it;
- `backstop`: the header check that stops it switched off (the segment cap and the scan limit lifted, the
              memory estimate patched out in the worker), so that the child's kernel limits must: what an
              upload the header checks miss can cost at most;
plus, for scale, two uploads that are not hostile, 8000x6000 JPEGs rotated by EXIF (a full upright copy):
- `photo_48mp_rotated`: the first photo of the bench corpus (BENCH_CORPUS, default ../shared/corpus/photos),
  upscaled (skipped without a corpus);
- `noisy_48mp_rotated`: bench/bench.py's generated photo recipe (noise over gradients), which has far more
  fine detail than a camera photo and is the costliest to encode.

Inputs are built once into build/bench/hostile-inputs/ and read by each row's interpreter, whose RSS is then
what a function's is: the runtime and the source bytes. Usage: python bench/hostile.py [--only NAME].
Output: build/bench/results.json (key `hostile`, merged into what bench/bench.py wrote) and
build/bench/hostile.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from image_processor.config import Settings  # noqa: E402
from image_processor.engine import (  # noqa: E402
    ImageRejected,
    Limits,
    RenderInterrupted,
    load_variants,
    render_isolated,
)
from tests.hostile import bombs  # noqa: E402

OUT = Path(os.environ.get("BENCH_OUT", REPO / "build" / "bench"))
DEV_MEMORY_MB = 1024  # environments/dev/terraform.tfvars
WALL_SECONDS = 120.0  # no deadline in practice: the CPU and memory limits are what is measured


SIZE_48MP = (8000, 6000)


def _rotated_jpeg(image: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    out = BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _corpus_photo() -> Path | None:
    configured = os.environ.get("BENCH_CORPUS")
    folder = Path(configured) if configured else (REPO / ".." / "shared" / "corpus" / "photos").resolve()
    photos = sorted(folder.glob("*.jp*g")) if folder.is_dir() else []
    return photos[0] if photos else None


def photo_48mp() -> bytes | None:
    photo = _corpus_photo()
    if photo is None:
        return None
    with Image.open(photo) as image:
        return _rotated_jpeg(image.convert("RGB").resize(SIZE_48MP, Image.Resampling.BICUBIC))


def noisy_48mp() -> bytes:
    noise = Image.effect_noise(SIZE_48MP, 40)
    channels = [
        Image.blend(Image.linear_gradient("L").resize(SIZE_48MP), noise, 0.3),
        Image.blend(Image.radial_gradient("L").resize(SIZE_48MP), noise, 0.3),
        Image.blend(Image.linear_gradient("L").rotate(90).resize(SIZE_48MP), noise, 0.3),
    ]
    return _rotated_jpeg(Image.merge("RGB", channels))


BOMBS: dict[str, Callable[[], bytes]] = {
    # 49 MiB of empty comments: the costliest marker flood within the 50 MiB byte limit
    "jpeg_marker_flood_49mib": lambda: bombs.jpeg_marker_flood((49 << 20) // 4),
    "jpeg_scan_bomb": bombs.jpeg_scan_bomb,
    "png_memory_bomb_49mp_rgba": bombs.png_rgba_memory_bomb,
    "tiff_memory_bomb_49mp_rgba": bombs.tiff_rgba_memory_bomb,
    "gif_memory_bomb_49mp_transparent": bombs.gif_transparent_memory_bomb,
    "webp_memory_bomb_49mp_rgba": bombs.webp_rgba_memory_bomb,
    "avif_memory_bomb_49mp_rgba": bombs.avif_rgba_memory_bomb,
    "heif_memory_bomb_49mp_rgba": bombs.heif_rgba_memory_bomb,
}
UPLOADS: dict[str, Callable[[], bytes | None]] = {
    "photo_48mp_rotated": photo_48mp,
    "noisy_48mp_rotated": noisy_48mp,
}
ROWS = [
    *((name, mode) for name in BOMBS for mode in ("header", "backstop")),
    *((name, "header") for name in UPLOADS),
]
INPUTS = OUT / "hostile-inputs"


def dev_limits() -> Limits:
    environ = {"METADATA_TABLE": "imgpipe-bench", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(DEV_MEMORY_MB)}
    return Settings.from_environ(environ).limits


def _status_mb(field: str) -> float:
    # /proc, not getrusage(RUSAGE_SELF): Linux carries ru_maxrss across exec, from whoever started us.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024


def build_inputs(names: set[str]) -> None:
    INPUTS.mkdir(parents=True, exist_ok=True)
    for name, build in {**BOMBS, **UPLOADS}.items():
        path = INPUTS / name
        if name in names and not path.exists():
            data = build()
            if data is not None:
                path.write_bytes(data)


def worker(name: str, mode: str) -> dict[str, Any]:
    data = (INPUTS / name).read_bytes()
    limits = dev_limits()
    if mode == "backstop":
        from image_processor.engine import decode, jpeg  # noqa: PLC0415 - only this mode patches them

        limits = dataclasses.replace(limits, max_jpeg_scans=10**9)
        jpeg.MAX_SEGMENTS = 10**9
        decode.check_memory = lambda needed, limits: None  # type: ignore[assignment]
    specs = load_variants("default")
    warm = BytesIO()
    Image.new("RGB", (16, 16)).save(warm, "PNG")
    render_isolated(warm.getvalue(), specs, limits, wall_seconds=None)  # imports and plugins, once
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    parent_rss = _status_mb("VmRSS")
    started = time.perf_counter()
    try:
        rendered = render_isolated(data, specs, limits, wall_seconds=WALL_SECONDS)
        status, reason = "PROCESSED", f"{len(rendered.variants)} variants"
    except (ImageRejected, RenderInterrupted) as exc:
        status, reason = type(exc).__name__, str(exc)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "input": name,
        "mode": mode,
        "bytes": len(data),
        "status": status,
        "reason": reason,
        "wall_s": round(wall, 2),
        "child_cpu_s": round(cpu, 2),
        "child_peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        # The child's RSS counts the parent's pages only once it touches them: a small child shows ~0 growth.
        "child_growth_mb": round(max(0.0, after.ru_maxrss / 1024 - parent_rss), 1),
        "parent_rss_mb": round(parent_rss, 1),
        "parent_peak_rss_mb": round(_status_mb("VmHWM"), 1),
    }


def run_row(name: str, mode: str) -> dict[str, Any]:
    if not (INPUTS / name).exists():
        return {"input": name, "mode": mode, "error": "no input (no photo corpus)"}
    cmd = [sys.executable, __file__, "--worker", name, mode]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"input": name, "mode": mode, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def markdown(rows: list[dict[str, Any]]) -> str:
    columns = ("input", "checks", "bytes", "outcome", "wall s", "child CPU s", "child peak RSS MB")
    columns += ("growth MB",)
    lines = ["| " + " | ".join(columns) + " |", "|---|---|---:|---|---:|---:|---:|---:|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| `{row['input']}` | {row['mode']} | | error: {row['error']} | | | | |")
            continue
        lines.append(
            f"| `{row['input']}` | {row['mode']} | {row['bytes']:,} | {row['status']}: {row['reason']} | "
            f"{row['wall_s']:.2f} | {row['child_cpu_s']:.2f} | {row['child_peak_rss_mb']:.0f} | "
            f"{row['child_growth_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", nargs=2, metavar=("INPUT", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--only", help="rows of this input only")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    chosen = [(name, mode) for name, mode in ROWS if not args.only or name == args.only]
    build_inputs({name for name, _ in chosen})
    rows = []
    for name, mode in chosen:
        row = run_row(name, mode)
        rows.append(row)
        shown = row.get("error") or f"{row['status']} {row['wall_s']} s, {row['child_peak_rss_mb']} MB"
        print(f"{name:<34} {mode:<9} {shown}", file=sys.stderr, flush=True)
    limits = dev_limits()
    hostile = {
        "command": " ".join(["python", "bench/hostile.py", *sys.argv[1:]]),
        "function_memory_mb": DEV_MEMORY_MB,
        "limits": dataclasses.asdict(limits),
        "preset": "default",
        "rows": rows,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    results_path = OUT / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["hostile"] = hostile
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(rows)
    (OUT / "hostile.md").write_text(table)
    print(table)
    print(f"wrote {results_path} (key hostile) and {OUT / 'hostile.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
