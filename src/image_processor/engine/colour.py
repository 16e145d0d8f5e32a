"""Colour modes and profiles: every decode becomes L, LA, RGB or RGBA, with at most a small valid ICC profile.

`working_mode` says from the header what `normalise` will make, for the memory estimate (engine/budget.py).
"""

from io import BytesIO

from PIL import Image

from image_processor.engine.errors import ImageRejected
from image_processor.engine.grey import to_grey8

# Real display profiles (sRGB, Display P3, Adobe RGB) are a few KB. A larger one is converted away rather than
# copied into every variant (docs/security.md, finding 2).
MAX_EMBEDDED_ICC = 64 * 1024
# Modes that Pillow resizes and every encoder accepts as they are.
KEEP = frozenset({"L", "LA", "RGB", "RGBA"})
_SIMPLE = {"1": "L", "La": "LA", "RGBa": "RGBA", "RGBX": "RGB", "YCbCr": "RGB", "HSV": "RGB", "PA": "RGBA"}


def normalise(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    """`image` (loaded) in its working mode, with the ICC profile to embed in the outputs, if any."""
    converted, icc = _normalise_mode(image)
    return _colour_profile(converted, icc)


def converts_profile(image: Image.Image) -> bool:
    """Whether `normalise` will convert the pixels to sRGB through an embedded profile too large to copy."""
    icc = image.info.get("icc_profile") or b""
    return len(icc) > MAX_EMBEDDED_ICC and working_mode(image) in ("RGB", "RGBA")


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


def working_mode(image: Image.Image) -> str:
    """The mode `normalise` turns `image` into, known from the header (the rest of the engine and every
    encoder take L, LA, RGB and RGBA); an unsupported mode is returned as it is."""
    mode = image.mode
    if mode == "CMYK":
        return "RGB"
    if mode in ("L", "RGB") and "transparency" in image.info:
        return "LA" if mode == "L" else "RGBA"
    if mode == "P":
        return "RGBA" if image.has_transparency_data else "RGB"
    if mode.startswith("I") or mode == "F":
        return "L"
    return _SIMPLE.get(mode, mode)


def _normalise_mode(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    icc: bytes | None = image.info.get("icc_profile") or None
    mode, target = image.mode, working_mode(image)
    if target not in KEEP:
        raise ImageRejected(f"unsupported colour mode: {mode}")
    if mode == "CMYK":
        # Print separations: convert through their own profile when they carry one; outputs are then sRGB.
        return _cmyk_to_rgb(image, icc), None
    if target == mode:
        return image, icc
    if mode in ("L", "RGB"):
        return _with_transparency(image), icc
    if mode.startswith("I") or mode == "F":
        return to_grey8(image), icc
    return image.convert(target), icc


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
