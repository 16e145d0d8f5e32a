"""Output formats, encoder defaults (chosen by measurement, see docs/benchmarks.md) and encoding."""

from collections.abc import Mapping
from io import BytesIO
from typing import Any

from PIL import Image

EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif"}
DEFAULT_QUALITY = {"jpeg": 85, "webp": 80, "avif": 70}
# Measured on 8-16 MP photos (docs/benchmarks.md): PNG compress_level 6 (Pillow's default) costs ~6x level 1
# for ~10 % smaller files; WebP method 6 costs 1.5-3x method 4 for ~2 %. A spec's `options` override these.
ENCODER_DEFAULTS: dict[str, dict[str, Any]] = {
    "jpeg": {},
    "png": {"compress_level": 1},
    "webp": {"method": 4},
    "avif": {"speed": 8},
}
# Source formats that map to themselves under `format: original`; MPO is a JPEG with extra frames.
_ORIGINAL = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "GIF": "png"}
_WHITE: dict[str, int | tuple[int, int, int]] = {"L": 255, "RGB": (255, 255, 255)}


def output_format(requested: str, source_format: str, mode: str) -> str:
    """`original` keeps JPEG/PNG/WebP/AVIF; GIF becomes PNG (lossless, keeps transparency, no 256-colour
    quantisation); anything else Pillow reads but browsers do not show (TIFF, BMP, PSD, ...) becomes PNG when
    it has alpha, else JPEG."""
    if requested != "original":
        return requested
    if source_format in _ORIGINAL:
        return _ORIGINAL[source_format]
    return "png" if mode in ("LA", "RGBA") else "jpeg"


def flatten(image: Image.Image) -> Image.Image:
    """Alpha composited onto white: what JPEG needs (it has no alpha channel)."""
    if image.mode not in ("LA", "RGBA"):
        return image
    base_mode = image.mode[:-1]
    background = Image.new(base_mode, image.size, _WHITE[base_mode])
    background.paste(image, mask=image.getchannel("A"))
    return background


def encode(
    image: Image.Image, fmt: str, quality: int | None, options: Mapping[str, Any], icc: bytes | None
) -> bytes:
    """Encode with no metadata at all except the ICC profile (colour, not provenance)."""
    params: dict[str, Any] = dict(ENCODER_DEFAULTS[fmt])
    if fmt in DEFAULT_QUALITY:
        params["quality"] = quality if quality is not None else DEFAULT_QUALITY[fmt]
    params.update(options)
    if icc and _icc_fits(icc, image.mode):
        params["icc_profile"] = icc
    if fmt == "jpeg":
        image = flatten(image)
    out = BytesIO()
    image.save(out, format=fmt.upper(), **params)
    return out.getvalue()


def _icc_fits(icc: bytes, mode: str) -> bool:
    # Bytes 16-19 of an ICC header name its colour space; a profile for another space would be wrong.
    space = icc[16:20]
    return space == (b"GRAY" if mode.startswith("L") else b"RGB ")
