"""`render`: bytes in, every variant out, from a single decode. Any bad input becomes `ImageRejected`."""

import struct
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from PIL import Image, UnidentifiedImageError

from image_processor.engine.decode import Decoded, decode_for, opener_formats
from image_processor.engine.encode import CONTENT_TYPES, EXTENSIONS, encode, output_format
from image_processor.engine.errors import ImageRejected
from image_processor.engine.limits import Limits, check_pixels, check_size
from image_processor.engine.resize import resized
from image_processor.engine.specs import VariantSpec

# What Pillow raises on bad input, at open, at load or at save. Anything else is a bug in this code and is
# left to propagate: the handler fails the message (retry, DLQ) rather than record a wrong permanent REJECTED.
# MemoryError too: within the pixel limit it means the function has too little memory, which an operator
# must see (DLQ), not a property of the image to record for ever.
_PILLOW_ERRORS = (OSError, ValueError, TypeError, SyntaxError, EOFError, struct.error, IndexError, KeyError,
                  ZeroDivisionError)  # fmt: skip


@dataclass(frozen=True)
class SourceInfo:
    format: str  # as Pillow names it: JPEG, MPO, PNG, GIF, WEBP, TIFF, ...
    width: int  # upright (EXIF orientation applied), as viewers show it
    height: int
    bytes: int


@dataclass(frozen=True)
class RenderedVariant:
    name: str
    suffix: str
    format: str  # jpeg | png | webp | avif
    extension: str
    content_type: str
    width: int
    height: int
    body: bytes


@dataclass(frozen=True)
class Rendered:
    source: SourceInfo
    variants: list[RenderedVariant]


# A named timing span (the handler passes X-Ray subsegments); the engine itself knows nothing of tracing.
Span = Callable[[str], AbstractContextManager[Any]]


def _no_span(_name: str) -> AbstractContextManager[Any]:
    return nullcontext()


def render(
    data: bytes, specs: Sequence[VariantSpec], limits: Limits | None = None, span: Span = _no_span
) -> Rendered:
    """Decode `data` once and render every spec; any bad input raises `ImageRejected` (one-line reason).

    `span("decode")` and `span("resize_encode")` wrap the two phases, for tracing.
    One render at a time per process (Lambda, the CLI): `warnings.catch_warnings` is process-wide state.
    """
    limits = limits or Limits()
    check_size(len(data), limits)
    if not data:
        raise ImageRejected("not an image: the file is empty")
    _align_pillow_guard(limits)
    with warnings.catch_warnings():
        # Pillow only warns between 1x and 2x its pixel limit; a warning here means "over our limit": reject.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _render(data, specs, limits, span)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_large(data, limits, exc) from None
        except UnidentifiedImageError:
            raise ImageRejected("not an image: no decoder recognises this file") from None
        except _PILLOW_ERRORS as exc:
            raise ImageRejected(f"truncated or corrupt image data: {_describe(exc)}") from None


def _render(data: bytes, specs: Sequence[VariantSpec], limits: Limits, span: Span) -> Rendered:
    with span("decode"):
        decoded = decode_for(data, specs, limits)
    with span("resize_encode"):
        return _variants(decoded, specs, len(data))


def _variants(decoded: Decoded, specs: Sequence[VariantSpec], n_bytes: int) -> Rendered:
    results: dict[int, RenderedVariant] = {}
    for i, image in resized(decoded.image, decoded.geometries, decoded.orientation):
        spec = specs[i]
        fmt = output_format(spec.format, decoded.source.format, decoded.image.mode)
        try:
            body = encode(image, fmt, spec.quality, spec.options, decoded.icc)
        except _PILLOW_ERRORS as exc:
            raise ImageRejected(f"cannot encode variant {spec.name} as {fmt}: {_describe(exc)}") from None
        results[i] = RenderedVariant(
            name=spec.name,
            suffix=spec.suffix,
            format=fmt,
            extension=EXTENSIONS[fmt],
            content_type=CONTENT_TYPES[fmt],
            width=image.width,
            height=image.height,
            body=body,
        )
    width, height = decoded.source.size
    info = SourceInfo(format=decoded.source.format, width=width, height=height, bytes=n_bytes)
    return Rendered(source=info, variants=[results[i] for i in range(len(specs))])


def _align_pillow_guard(limits: Limits) -> None:
    # Pillow's own guard (Image.MAX_IMAGE_PIXELS, process-wide) must never refuse what our limit allows, or a
    # configured MAX_INPUT_PIXELS above ~89 MP would be silently capped. Only ever raised, never lowered or
    # disabled, so the guard still protects formats that check sub-images during load.
    current = Image.MAX_IMAGE_PIXELS
    if current is not None and current < limits.max_input_pixels:
        Image.MAX_IMAGE_PIXELS = limits.max_input_pixels


def _too_large(data: bytes, limits: Limits, exc: BaseException) -> ImageRejected:
    """Pillow refused to even open it; read the dimensions the header claims to say how large it was."""
    size = _header_size(data)
    if size is not None:
        try:
            check_pixels(*size, limits)
        except ImageRejected as rejected:
            return rejected
    return ImageRejected(f"image too large: {_describe(exc)}")


def _header_size(data: bytes) -> tuple[int, int] | None:
    # The format plugins' factories parse the header without Pillow's decompression-bomb check.
    Image.init()
    for fmt in opener_formats(data):
        factory, accept = Image.OPEN[fmt]
        try:
            if accept is None or accept(data[:16]) is True:
                return factory(BytesIO(data), "").size
        except (*_PILLOW_ERRORS, Image.DecompressionBombError):
            continue
    return None


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
