"""Open, check, decode once (with JPEG DCT scaling) and normalise the colour mode.

Every limit is checked from the header before anything decodes: pixels, JPEG scans, then the memory the
render will need (engine/budget.py). The decode stays as stored: `resize.resized` applies the EXIF
orientation, after the first resize when it can (rotating the 1920 px output instead of a 16 MP decode).

Everything here may raise whatever Pillow raises on bad input; `render` turns those into `ImageRejected`.
"""

import dataclasses
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

from image_processor.engine import heif, ico
from image_processor.engine.budget import estimate_peak
from image_processor.engine.colour import converts_profile, normalise, working_mode
from image_processor.engine.encode import output_format
from image_processor.engine.errors import ImageRejected
from image_processor.engine.geometry import Geometry, geometry
from image_processor.engine.jpeg import MAX_SEGMENTS, JpegLayout, layout
from image_processor.engine.limits import Limits, check_memory, check_pixels, check_scans
from image_processor.engine.png import metadata_after_pixels
from image_processor.engine.specs import VariantSpec

# The formats the engine opens (Pillow plugin IDs, tried in this order). Anything else Pillow could read is
# refused by name: EPS/PS would run Ghostscript on untrusted PostScript (docs/security.md, finding 1), and
# the exotic rest (PCX, PSD, ...) is attack surface no upload needs.
# MPO has no opener of its own: the JPEG one returns an MPO image when the file carries an MP index.
# HEIF (pillow-heif, engine/heif.py) before AVIF: both accept the generic `mif1` brand, and only the HEIF
# opener hands a file it cannot decode on to the next (a SyntaxError).
INPUT_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF", "AVIF", "ICO")
_ORIENTATION = 0x0112
_SWAPS_AXES = frozenset({5, 6, 7, 8})
_ORIENTED = frozenset(range(2, 9))  # as resize.TRANSPOSES: 1 is upright, other values are ignored
# What an orientation read later can change in the estimate: an upright copy (3), and swapped axes too (6).
_WORST_ORIENTATIONS = (3, 6)


@dataclass
class Source:
    """An opened image and what its header says; once decoded, `image` is the normalised decode."""

    image: Image.Image
    format: str
    orientation: int
    size: tuple[int, int]  # upright, i.e. after the EXIF orientation is applied
    jpeg: JpegLayout | None = None  # JPEG and MPO: the scans and sampling of the first frame
    # A PNG with metadata after its pixels, where Pillow decodes the image to find the EXIF: `orientation`
    # is not read yet (decode_for reads it once the memory check has passed).
    orientation_pending: bool = False


@dataclass
class Decoded:
    source: Source
    # As stored (not yet upright), L/LA/RGB/RGBA, no `info` left (nothing may reach an encoder).
    image: Image.Image
    icc: bytes | None  # the ICC profile to embed in outputs, if any
    geometries: list[Geometry]  # one per spec, in the upright source's coordinates

    @property
    def orientation(self) -> int:
        """The EXIF orientation still to apply to `image` (`resize.resized` does)."""
        return self.source.orientation


def decode_for(data: bytes, specs: Sequence[VariantSpec], limits: Limits) -> Decoded:
    """Open, check the limits, and decode once at the smallest size that still serves every spec."""
    source = open_source(data, limits)
    if source.orientation_pending:
        for orientation in _WORST_ORIENTATIONS:
            assumed = _oriented(source, orientation)
            check_memory(_estimate(assumed, specs, _geometries(assumed, specs)), limits)
        source = _oriented(source, _orientation(source.image))  # PNG: Pillow decodes it here
    geometries = _geometries(source, specs)
    draft(source, _needed(geometries, source.size))
    check_memory(_estimate(source, specs, geometries), limits)
    source.image.load()
    image, icc = normalise(source.image)
    if image is source.image:
        image = image._new(image.im)  # the same pixels, without the file object behind them
    # The opened file keeps what made its pixels: the decode as stored once converted (up to 200 MB), the
    # WebP and AVIF decoders' canvases and frame copy (~8 bytes a pixel). Nothing needs them any more.
    source.image.close()
    source.image = image
    image.info = {}  # EXIF, XMP, comments, text chunks: stripped here, once, for every output
    return Decoded(source, image, icc, geometries)


def open_source(data: bytes, limits: Limits) -> Source:
    """Parse the header only: format, size, orientation. Rejects over-limit images before any decode."""
    jpeg = layout(data) if data[:3] == b"\xff\xd8\xff" else None  # JPEG's magic, as Pillow's plugin checks
    if jpeg is not None and not jpeg.complete:
        # Before Pillow's header parser, which walks the segments in Python.
        raise ImageRejected(f"too many JPEG markers: over {MAX_SEGMENTS} segments")
    if ico.is_ico(data):
        ico.check_frames(data)  # before Pillow, whose ICO plugin decodes at open
    try:
        image = Image.open(BytesIO(data), formats=opener_formats(data))
    except UnidentifiedImageError:
        raise ImageRejected(_unidentified(data)) from None
    # A format's own open() may accept garbage that still has no size; no pixels means nothing to render.
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRejected(f"not an image: {image.format} header declares {width}x{height}")
    check_pixels(width, height, limits)
    if image.format not in ("JPEG", "MPO"):
        jpeg = None
    elif jpeg is not None:
        check_scans(jpeg.scans, limits)
    source = Source(image, image.format or "UNKNOWN", 1, (width, height), jpeg)
    if image.format == "PNG":
        if metadata_after_pixels(data):
            return dataclasses.replace(source, orientation_pending=True)
        # Nothing after the pixels: the EXIF read at open is all there is. PNG's own getexif() would decode.
        return _oriented(source, _orientation(image, Image.Image.getexif))
    return _oriented(source, _orientation(image))


def opener_formats(data: bytes) -> tuple[str, ...]:
    """INPUT_FORMATS whose opener is there for `data`: the HEIF opener is registered by the first HEIF."""
    heif.prepare(data)
    if heif.registered():
        return INPUT_FORMATS
    return tuple(fmt for fmt in INPUT_FORMATS if fmt != heif.PLUGIN_ID)


def draft(source: Source, needed: tuple[float, float] | None) -> None:
    """Set up the decode without decoding: `needed` is the upright size the largest output needs from the
    whole frame; for JPEG, `draft` lets libjpeg decode at 1/2, 1/4 or 1/8 scale (DCT scaling) when that still
    covers it (in stored axes: swapped for orientations 5-8). `source.image.size` is then what load() makes.
    """
    image = source.image
    width, height = source.size
    if needed is not None and needed[0] < width and needed[1] < height:
        need_w, need_h = math.ceil(needed[0]), math.ceil(needed[1])
        if source.orientation in _SWAPS_AXES:
            need_w, need_h = need_h, need_w
        image.draft(image.mode, (need_w, need_h))


def _orientation(image: Image.Image, getexif: Callable[[Image.Image], Image.Exif] | None = None) -> int:
    try:
        exif = image.getexif() if getexif is None else getexif(image)
        return int(exif.get(_ORIENTATION, 1))
    except (TypeError, ValueError):
        return 1  # a malformed EXIF block is metadata we drop anyway, not a reason to reject the pixels


def _oriented(source: Source, orientation: int) -> Source:
    width, height = source.image.size  # as stored: nothing is drafted yet
    size = (height, width) if orientation in _SWAPS_AXES else (width, height)
    return dataclasses.replace(source, orientation=orientation, size=size, orientation_pending=False)


def _geometries(source: Source, specs: Sequence[VariantSpec]) -> list[Geometry]:
    return [geometry(spec, *source.size) for spec in specs]


def _needed(geometries: Sequence[Geometry], size: tuple[int, int]) -> tuple[float, float] | None:
    """The upright size of the whole frame that serves every geometry without upscaling."""
    if not geometries:
        return None
    scaled = [g.scaled_source(*size) for g in geometries]
    return max(w for w, _ in scaled), max(h for _, h in scaled)


def _estimate(source: Source, specs: Sequence[VariantSpec], geometries: Sequence[Geometry]) -> int:
    image = source.image
    target = working_mode(image)
    stored = source.size[::-1] if source.orientation in _SWAPS_AXES else source.size
    return estimate_peak(
        fmt=source.format,
        mode=image.mode,
        size=image.size,
        full_size=(stored[0], stored[1]),
        working_mode=target,
        converts_profile=converts_profile(image),
        jpeg=source.jpeg,
        orientation_swaps=(source.orientation in _SWAPS_AXES) if source.orientation in _ORIENTED else None,
        geometries=geometries,
        formats=[output_format(spec.format, source.format, target) for spec in specs],
    )


def _unidentified(data: bytes) -> str:
    """Name a format Pillow knows but the engine refuses; only the plugins' magic-byte checks run."""
    Image.init()
    for fmt, (_, accept) in Image.OPEN.items():
        if fmt in INPUT_FORMATS or accept is None:
            continue
        try:
            recognised = accept(data[:16]) is True
        except (SyntaxError, IndexError, TypeError, ValueError, struct.error):
            recognised = (
                False  # too short for that format's magic bytes (Pillow's own open ignores these too)
            )
        if recognised:
            return f"unsupported format: {fmt}"
    return "not an image: no decoder recognises this file"
