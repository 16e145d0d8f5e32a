"""Input limits, checked before any work: bytes before download, pixels from the header before decode."""

from dataclasses import dataclass

from image_processor.engine.errors import ImageRejected

# 50 MP covers every current phone and DSLR; ~150 MB as RGB, safe in a 1 GB function (docs/architecture.md).
DEFAULT_MAX_INPUT_PIXELS = 50_000_000
DEFAULT_MAX_INPUT_BYTES = 52_428_800  # 50 MiB

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_input_pixels: int = DEFAULT_MAX_INPUT_PIXELS
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES

    def __post_init__(self) -> None:
        if self.max_input_pixels < 1:
            raise ValueError("max_input_pixels must be >= 1")
        if self.max_input_bytes < 1:
            raise ValueError("max_input_bytes must be >= 1")


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


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} MP" if pixels >= 100_000 else f"{pixels} pixels"
