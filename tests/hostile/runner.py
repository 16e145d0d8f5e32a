"""Run the engine on every file of a directory, one forked child per file, and print one JSON line per file.

    python tests/hostile/runner.py DIR [--preset default] [--timeout 30] [--memory-mb 1024]

`--memory-mb` gives the engine the memory budget of a function of that size (what Lambda's
AWS_LAMBDA_FUNCTION_MEMORY_SIZE gives the deployed one); without it, the engine's default budget.

Why a separate process, and a fork per file: Pillow allocates pixel memory with malloc, which `tracemalloc`
does not see, so the only honest peak is the process's maximum resident set size. `ru_maxrss` is a high-water
mark, so each input gets a fresh child forked from a parent that has already imported Pillow and the engine;
the parent reads the child's peak from `wait4`. The child's peak includes what it inherited (the parent's
resident set at fork time, reported as `baseline_mb`), so the bound the tests assert is absolute and
conservative.

Each line: {"name", "status": PROCESSED|REJECTED|CRASH|TIMEOUT|KILLED, "reason", "error", "seconds",
"peak_mb", "baseline_mb", "variants"}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import select
import signal
import sys
import time
from io import BytesIO
from pathlib import Path

from PIL import Image

from image_processor.config import decode_memory_budget
from image_processor.engine import DEFAULT_MAX_INPUT_BYTES, ImageRejected, Limits, load_variants, render


def _render_one(data: bytes, preset: str, limits: Limits) -> dict[str, object]:
    specs = load_variants(preset)
    started = time.perf_counter()
    try:
        rendered = render(data, specs, limits)
    except ImageRejected as rejected:
        return {"status": "REJECTED", "reason": rejected.reason, "seconds": time.perf_counter() - started}
    except BaseException as error:  # the contract says this never happens: report it, do not hide it
        return {
            "status": "CRASH",
            "error": f"{type(error).__name__}: {error}"[:500],
            "seconds": time.perf_counter() - started,
        }
    return {
        "status": "PROCESSED",
        "seconds": time.perf_counter() - started,
        "source": [rendered.source.format, rendered.source.width, rendered.source.height],
        "variants": [[v.name, v.format, v.width, v.height, len(v.body)] for v in rendered.variants],
    }


def _run_child(path: Path, preset: str, limits: Limits, timeout: float) -> dict[str, object]:
    data = path.read_bytes()
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            result = _render_one(data, preset, limits)
            payload = json.dumps(result).encode()
        except BaseException as error:  # pragma: no cover - last resort, keeps the parent informed
            payload = json.dumps({"status": "CRASH", "error": repr(error)[:500]}).encode()
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            ready, _, _ = select.select([pipe], [], [], left)
            if ready:
                chunk = pipe.read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    result: dict[str, object]
    if timed_out:
        result = {"status": "TIMEOUT", "seconds": timeout}
    elif chunks:
        result = json.loads(b"".join(chunks))
    else:
        result = {"status": "KILLED", "error": f"child exited with wait status {status}"}
    result["name"] = path.name
    result["peak_mb"] = round(usage.ru_maxrss / 1024, 1)
    result["baseline_mb"] = round(baseline_kb / 1024, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--memory-mb", type=int, default=None)
    args = parser.parse_args(argv)
    limits = Limits()
    if args.memory_mb is not None:
        limits = Limits(decode_memory_budget=decode_memory_budget(args.memory_mb, DEFAULT_MAX_INPUT_BYTES))
    # Warm up before forking (Pillow's plugin registry, encoders) so that no child pays for them.
    Image.init()
    warm = BytesIO()
    Image.new("RGB", (16, 16), "red").save(warm, "PNG")
    _render_one(warm.getvalue(), args.preset, limits)

    for path in sorted(p for p in args.directory.iterdir() if p.is_file()):
        print(json.dumps(_run_child(path, args.preset, limits, args.timeout)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
