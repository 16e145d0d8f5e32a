"""Open, check, decode once (with JPEG DCT scaling) and normalise the colour mode.

The decode stays as stored: `resize.resized` applies the EXIF orientation, after the first resize when it can
(rotating the 1920 px output instead of a 16 MP decode).

Everything here may raise whatever Pillow raises on bad input; `render` turns those into `ImageRejected`.
"""

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageFile, UnidentifiedImageError

from image_processor.engine.errors import ImageRejected
from image_processor.engine.geometry import Geometry, geometry
from image_processor.engine.limits import Limits, check_pixels
from image_processor.engine.specs import VariantSpec

# The formats the engine opens (Pillow plugin IDs, tried in this order). Anything else Pillow could read is
# refused by name: EPS/PS would run Ghostscript on untrusted PostScript (docs/security.md, finding 1), and
# the exotic rest (ICO, PCX, PSD, ...) is attack surface no upload needs.
# MPO has no opener of its own: the JPEG one returns an MPO image when the file carries an MP index.
INPUT_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "AVIF")
# Real display profiles (sRGB, Display P3, Adobe RGB) are a few KB. A larger one is converted away rather than
# copied into every variant (docs/security.md, finding 2).
MAX_EMBEDDED_ICC = 64 * 1024
_ORIENTATION = 0x0112
_SWAPS_AXES = frozenset({5, 6, 7, 8})
# Modes that Pillow resizes and every encoder accepts as they are.
_KEEP = frozenset({"L", "LA", "RGB", "RGBA"})
_SIMPLE = {"1": "L", "La": "LA", "RGBa": "RGBA", "RGBX": "RGB", "YCbCr": "RGB", "HSV": "RGB", "PA": "RGBA"}


@dataclass
class Source:
    """An opened (not yet decoded) image and what its header says."""

    image: ImageFile.ImageFile
    format: str
    orientation: int
    size: tuple[int, int]  # upright, i.e. after the EXIF orientation is applied


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
    width, height = source.size
    geometries = [geometry(spec, width, height) for spec in specs]
    needed = None
    if geometries:
        scaled = [g.scaled_source(width, height) for g in geometries]
        needed = (max(w for w, _ in scaled), max(h for _, h in scaled))
    image, icc = decode_scaled(source, needed)
    image.info = {}  # EXIF, XMP, comments, text chunks: stripped here, once, for every output
    return Decoded(source, image, icc, geometries)


def open_source(data: bytes, limits: Limits) -> Source:
    """Parse the header only: format, size, orientation. Rejects over-limit images before any decode."""
    try:
        image = Image.open(BytesIO(data), formats=INPUT_FORMATS)
    except UnidentifiedImageError:
        raise ImageRejected(_unidentified(data)) from None
    # A format's own open() may accept garbage that still has no size; no pixels means nothing to render.
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRejected(f"not an image: {image.format} header declares {width}x{height}")
    check_pixels(width, height, limits)
    try:
        orientation = int(image.getexif().get(_ORIENTATION, 1))
    except (TypeError, ValueError):
        orientation = (
            1  # a malformed EXIF block is metadata we drop anyway, not a reason to reject the pixels
        )
    size = (height, width) if orientation in _SWAPS_AXES else (width, height)
    return Source(image, image.format or "UNKNOWN", orientation, size)


def decode_scaled(source: Source, needed: tuple[float, float] | None) -> tuple[Image.Image, bytes | None]:
    """Decode the first frame once, as stored, in L/LA/RGB/RGBA; returns it with the ICC profile to embed.

    `needed` is the upright size the largest output needs from the whole frame; for JPEG, `draft` lets libjpeg
    decode at 1/2, 1/4 or 1/8 scale (DCT scaling) when that still covers it (in stored axes: swapped for
    orientations 5-8). The EXIF orientation is applied later, by `resize.resized`.
    """
    image = source.image
    width, height = source.size
    if needed is not None and needed[0] < width and needed[1] < height:
        need_w, need_h = math.ceil(needed[0]), math.ceil(needed[1])
        if source.orientation in _SWAPS_AXES:
            need_w, need_h = need_h, need_w
        image.draft(image.mode, (need_w, need_h))
    image.load()
    return _normalise(image)


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


def _normalise(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    converted, icc = _normalise_mode(image)
    return _colour_profile(converted, icc)


def _colour_profile(image: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """The profile to embed: only one lcms can parse, for the image's colour space, and small; a large valid
    RGB profile is applied (pixels converted to sRGB) instead of being copied into every variant."""
    expected = b"GRAY" if image.mode in ("L", "LA") else b"RGB "
    if not icc or icc[16:20] != expected:
        return image, None
    from PIL import ImageCms  # noqa: PLC0415 - lazy, see _cmyk_to_rgb

    try:
        profile = ImageCms.ImageCmsProfile(BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image, None  # not a profile at all: bytes that must not ride along into the outputs
    if len(icc) <= MAX_EMBEDDED_ICC:
        return image, icc
    if image.mode not in ("RGB", "RGBA"):
        return image, None
    try:
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, profile, srgb, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image, None
    return (converted if converted is not None else image), None


def _normalise_mode(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    icc: bytes | None = image.info.get("icc_profile") or None
    mode = image.mode
    if mode == "CMYK":
        # Print separations: convert through their own profile when they carry one; outputs are then sRGB.
        return _cmyk_to_rgb(image, icc), None
    if mode in _KEEP:
        if "transparency" in image.info and mode in ("L", "RGB"):
            return _with_transparency(image), icc
        out = image
    elif mode == "P":
        out = image.convert("RGBA" if image.has_transparency_data else "RGB")
    elif mode in _SIMPLE:
        out = image.convert(_SIMPLE[mode])
    elif mode.startswith("I") or mode == "F":
        # 16/32-bit grey: Pillow's convert("L") clips at 255 instead of scaling; map 0..65535 to 0..255.
        out = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    else:
        raise ImageRejected(f"unsupported colour mode: {mode}")
    return out, icc


def _with_transparency(image: Image.Image) -> Image.Image:
    # A tRNS colour key on grey/RGB. 16-bit sources keep a 16-bit key after Pillow reduced the pixels to 8.
    key = image.info["transparency"]
    if isinstance(key, tuple):
        key = tuple(v >> 8 if max(key) > 255 else v for v in key)
    elif isinstance(key, int) and key > 255:
        key = key >> 8
    image.info["transparency"] = key
    return image.convert("LA" if image.mode == "L" else "RGBA")


def _cmyk_to_rgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        # Lazy: lcms is only needed for the rare CMYK upload, and importing it costs cold-start time.
        from PIL import ImageCms  # noqa: PLC0415

        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a broken embedded profile: fall back to the naive conversion below
        if converted is not None:
            return converted
    return image.convert("RGB")
