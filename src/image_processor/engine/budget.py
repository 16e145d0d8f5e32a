"""How much memory a render will need, estimated from the header alone (`decode.decode_for` checks it).

A pixel limit alone says little: 49 MP is 49 MB as grey, 196 MB as RGBA, and the WebP encoder needs several
times the image it encodes. The estimate is the highest of what the engine holds at four points:

1. decode: the decoded image (at its DCT-scaled size for JPEG) plus the decoder's own buffers;
2. normalisation: the decode plus the converted image (a palette image converted to RGBA holds both);
3. variants: the working image, its upright copy, every resized image (the resize chain keeps them), the
   temporaries of one resize and of the costliest encoder, and the encoded variants;
4. hand-over: `render_isolated`'s parent receives the variants while the child still holds its copy (the
   child's pixels are freed by then: its RSS falls back to about the variants, measured).

The per-pixel factors are in-memory sizes (Pillow stores RGB, LA and every 32-bit mode in 4 bytes a pixel)
and encoder working sets measured on photos (the calibration: docs/benchmarks.md, "Hostile inputs"). Noise
needs more than a photo in some encoders (WebP up to 2.5x): the estimate is for real pictures;
`render_isolated`'s address-space limit stops the rest.
"""

import math
from collections.abc import Sequence

from image_processor.engine.geometry import Geometry
from image_processor.engine.jpeg import JpegLayout

_STORED = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}  # every other mode: 4
_CHANNELS = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3}
_ALPHA = frozenset({"LA", "RGBA"})
# Beyond the image itself, per decoded pixel: TIFF reads a strip (possibly the whole image, packed) before
# unpacking it; the WebP and AVIF decoders fill canvases of their own and a copy of the frame, libheif its
# YCbCr planes, the RGB(A) image it converts them to and pillow-heif's copy of it (measured: 4.8 bytes a pixel
# for an 8 MP RGB HEIC, 6.9 for RGBA).
_DECODER = {"WEBP": 14.0, "AVIF": 10.0, "HEIF": 8.0}
# The conversions that hold temporaries besides the decode and the result: 16-bit grey goes through two
# 32-bit images, 32-bit int and float through two more (grey.to_grey8).
_WIDE_TEMPORARIES = 8
# Per output pixel, beyond the image it encodes (measured on 8-48 MP photos, method 4 / speed 8).
_ENCODER = {"jpeg": 0.0, "png": 0.0, "webp": 6.0, "avif": 28.0}
# With alpha: lossy WebP compresses the alpha plane with its lossless coder.
_ENCODER_ALPHA = {"jpeg": 0.0, "png": 0.0, "webp": 20.0, "avif": 28.0}
# Encoded bytes per output pixel, the upper end for photos.
_OUTPUT = {"jpeg": 0.4, "webp": 0.3, "avif": 0.2}
_PNG_OUTPUT_PER_CHANNEL = 0.6  # of the raw bytes


def stored_bytes(mode: str) -> int:
    """Bytes a pixel of `mode` takes in Pillow's memory."""
    return _STORED.get(mode, 4)


def estimate_peak(
    *,
    fmt: str,
    mode: str,
    size: tuple[int, int],
    full_size: tuple[int, int],
    working_mode: str,
    converts_profile: bool,
    jpeg: JpegLayout | None,
    orientation_swaps: bool | None,
    geometries: Sequence[Geometry],
    formats: Sequence[str],
) -> int:
    """Bytes at the render's highest point. `size` is what will be decoded (after `draft`), `full_size` the
    frame as stored, `working_mode` the mode after normalisation, `orientation_swaps` None when no EXIF
    orientation is applied; `geometries` and `formats` per variant."""
    pixels = size[0] * size[1]
    decoded = pixels * stored_bytes(mode)
    decoding = decoded + _decoder_bytes(fmt, mode, size, full_size, jpeg)
    work_bpp = stored_bytes(working_mode)
    work = pixels * work_bpp
    if working_mode == mode:
        normalising = decoded
    else:
        wide = mode.startswith("I") or mode == "F"
        normalising = decoded + work + (pixels * _WIDE_TEMPORARIES if wide else 0)
    if converts_profile:
        normalising = max(normalising, decoded + 2 * work)

    base = size if not orientation_swaps else (size[1], size[0])
    sizes = {(g.size, g.region) for g in geometries if not (g.full_frame and g.size == base)}
    resized = sum(w * h for (w, h), _ in sizes) * work_bpp
    upright = 0 if orientation_swaps is None else work
    resize_temp = work if working_mode in _ALPHA and sizes else 0
    encoders = max(
        (_encoder_bytes(fmt_i, working_mode, g.size) for fmt_i, g in zip(formats, geometries, strict=True)),
        default=0,
    )
    outputs = sum(_output_bytes(f, working_mode, g.size) for f, g in zip(formats, geometries, strict=True))
    variants = work + upright + resized + resize_temp + encoders + outputs
    return max(decoding, normalising, variants, 2 * outputs)


def _decoder_bytes(
    fmt: str, mode: str, size: tuple[int, int], full_size: tuple[int, int], jpeg: JpegLayout | None
) -> int:
    if jpeg is not None and jpeg.buffered and jpeg.sampling:
        # One 64-coefficient block of 2-byte coefficients per 8x8 block of each component, at full size even
        # when DCT scaling decodes less.
        h_max = max(h for h, _ in jpeg.sampling)
        v_max = max(v for _, v in jpeg.sampling)
        width, height = full_size
        return sum(
            math.ceil(math.ceil(width * h / h_max) / 8) * math.ceil(math.ceil(height * v / v_max) / 8) * 128
            for h, v in jpeg.sampling
        )
    if fmt == "TIFF":
        return full_size[0] * full_size[1] * _packed_bytes(mode)
    return int(size[0] * size[1] * _DECODER.get(fmt, 0.0))


def _encoder_bytes(fmt: str, mode: str, size: tuple[int, int]) -> int:
    pixels = size[0] * size[1]
    if fmt == "jpeg":
        # JPEG has no alpha: `encode.flatten` composites onto a new image through the alpha channel.
        return pixels * (stored_bytes(mode[:-1]) + 1) if mode in _ALPHA else 0
    converted = 4 if mode in ("L", "LA") and fmt in ("webp", "avif") else 0  # Pillow converts to RGB(A)
    table = _ENCODER_ALPHA if mode in _ALPHA else _ENCODER
    return int(pixels * (converted + table.get(fmt, 0.0)))


def _output_bytes(fmt: str, mode: str, size: tuple[int, int]) -> int:
    pixels = size[0] * size[1]
    if fmt == "png":
        return int(pixels * _packed_bytes(mode) * _PNG_OUTPUT_PER_CHANNEL)
    return int(pixels * _OUTPUT.get(fmt, 1.0))


def _packed_bytes(mode: str) -> int:
    # Bytes a pixel takes in a file: the channels at their depth, without Pillow's padding to 4.
    if mode.startswith("I;16"):
        return 2
    return 4 if mode in ("I", "F") else _CHANNELS.get(mode, 4)
