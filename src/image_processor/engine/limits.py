"""Input limits, checked before any work: bytes before download, pixels, JPEG scans and memory from the header
before decode, CPU seconds and address space around the whole render (`engine.isolate`)."""

from dataclasses import dataclass

from image_processor.engine.errors import ImageRejected

# 50 MP covers every current phone and DSLR. What it costs in memory depends on the mode and the variants,
# which is what `decode_memory_budget` bounds (engine/budget.py estimates it from the header).
DEFAULT_MAX_INPUT_PIXELS = 50_000_000
DEFAULT_MAX_INPUT_BYTES = 52_428_800  # 50 MiB
# Camera and encoder progressive JPEGs have 6-20 scans; libjpeg-turbo treats 100+ as a sign of a scan bomb
# (its djpeg -maxscans and TJPARAM_SCANLIMIT): each scan is a full pass over the coefficients, so a repeated
# tiny scan costs libjpeg tens of ms per 50 bytes.
DEFAULT_MAX_JPEG_SCANS = 100
# Outside Lambda (CLI, tests) nothing says how much memory there is: a budget no image within the default
# pixel limit comes near (the costliest 50 MP render is estimated at ~1.9 GiB), so it changes nothing there.
DEFAULT_DECODE_MEMORY_BUDGET = 4 * 1024 * 1024 * 1024
# A 50 MP upload rendered to the default preset costs 8-14 CPU s on the machines of docs/benchmarks.md.
DEFAULT_MAX_RENDER_CPU_SECONDS = 20

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_input_pixels: int = DEFAULT_MAX_INPUT_PIXELS
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    max_jpeg_scans: int = DEFAULT_MAX_JPEG_SCANS
    # Bytes one render may use beyond what the process held before it (the estimate and RLIMIT_AS).
    decode_memory_budget: int = DEFAULT_DECODE_MEMORY_BUDGET
    # CPU seconds of one render in `render_isolated` (RLIMIT_CPU of its child).
    max_render_cpu_seconds: int = DEFAULT_MAX_RENDER_CPU_SECONDS

    def __post_init__(self) -> None:
        for name in (
            "max_input_pixels",
            "max_input_bytes",
            "max_jpeg_scans",
            "decode_memory_budget",
            "max_render_cpu_seconds",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")


def check_size(n_bytes: int, limits: Limits) -> None:
    """Reject an object by its size alone (call it with the S3 event's size, before downloading)."""
    if n_bytes > limits.max_input_bytes:
        limit = limits.max_input_bytes / _MIB
        raise ImageRejected(f"file too large: {n_bytes / _MIB:.1f} MiB exceeds the {limit:.1f} MiB limit")


def check_pixels(width: int, height: int, limits: Limits) -> None:
    """Reject an image by the dimensions its header claims, before a single pixel is decoded."""
    pixels = width * height
    if pixels > limits.max_input_pixels:
        raise ImageRejected(
            f"image too large: {width}x{height} = {_megapixels(pixels)} exceeds the "
            f"{_megapixels(limits.max_input_pixels)} limit"
        )


def check_scans(scans: int, limits: Limits) -> None:
    """Reject a JPEG by the number of scans (SOS markers) before libjpeg decodes any of them."""
    if scans > limits.max_jpeg_scans:
        raise ImageRejected(f"too many JPEG scans: {scans} exceeds the limit of {limits.max_jpeg_scans}")


def check_memory(needed: int, limits: Limits) -> None:
    """Reject an image whose estimated peak (engine/budget.py) is over the memory budget."""
    if needed > limits.decode_memory_budget:
        raise ImageRejected(
            f"image needs ~{mebibytes(needed)} MiB to decode, over the "
            f"{mebibytes(limits.decode_memory_budget)} MiB budget"
        )


def mebibytes(n_bytes: int) -> int:
    return round(n_bytes / _MIB)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} MP" if pixels >= 100_000 else f"{pixels} pixels"
