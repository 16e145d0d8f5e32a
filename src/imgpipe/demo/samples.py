"""The demo's built-in sample set, made at run time (nothing binary is committed): the cases a real upload
folder has — orientations, alpha, CMYK, animation, a 12 MP photo, nested folders, awkward names — and a few
broken files that must be rejected with a reason, never retried or lost."""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

PHOTO_12MP = (4000, 3000)


@dataclass(frozen=True)
class Sample:
    name: str  # relative path under the sample directory (and under uploads/)
    expected: str  # PROCESSED | REJECTED
    what: str
    make: Callable[[], bytes]


def _scene(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A landscape-ish picture (sky gradient, sun, hills) so variants are easy to judge by eye."""
    width, height = size
    sky = Image.linear_gradient("L").resize((1, height)).resize(size)
    image = Image.merge(
        "RGB", (sky.point(lambda v: 40 + v // 3), sky.point(lambda v: 90 + v // 3), Image.new("L", size, 230))
    )
    draw = ImageDraw.Draw(image)
    radius = height // 8
    cx, cy = width * (0.25 + 0.1 * seed), height * 0.3
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(255, 200, 60))
    for layer, colour in enumerate(((60, 120, 60), (40, 90, 40), (30, 70, 30))):
        base = height * (0.6 + 0.12 * layer)
        points = [
            (x, base - height * 0.08 * math.sin((x / width) * math.pi * (2 + layer) + seed))
            for x in range(0, width + 1, max(1, width // 64))
        ]
        draw.polygon([(0, height), *points, (width, height)], fill=colour)
    return image


def _labelled(size: tuple[int, int], text: str) -> Image.Image:
    image = _scene(size)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], size[1] // 6), fill=(20, 20, 20))
    draw.text((8, 4), text, fill=(255, 255, 255), font_size=max(12, size[1] // 10))
    return image


def _jpeg(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, **params)
    return out.getvalue()


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _oriented(orientation: int) -> bytes:
    """An upright picture stored the way a camera held sideways stores it, plus the EXIF tag that fixes it."""
    upright = _labelled((480, 320), f"EXIF {orientation}")
    stored = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _jpeg(upright.transpose(stored), exif=exif.tobytes())


def _alpha_png() -> bytes:
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, 360, 360), fill=(220, 40, 90, 255))
    draw.ellipse((140, 140, 260, 260), fill=(255, 255, 255, 0))
    return _save(image, "PNG")


def _cmyk_jpeg() -> bytes:
    return _jpeg(_labelled((500, 340), "CMYK").convert("CMYK"))


def _animated_gif() -> bytes:
    frames = []
    for step in range(6):
        frame = Image.new("RGB", (200, 120), (30, 30, 60))
        ImageDraw.Draw(frame).ellipse((10 + step * 28, 35, 60 + step * 28, 85), fill=(250, 200, 0))
        frames.append(frame.convert("P", palette=Image.Palette.ADAPTIVE))
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)


def _photo_12mp() -> bytes:
    # Slight blur and grain make it compress like a camera photo rather than like flat vector art.
    image = _scene(PHOTO_12MP, seed=1).filter(ImageFilter.GaussianBlur(2))
    grain = Image.effect_noise(PHOTO_12MP, 12).convert("RGB")
    return _jpeg(Image.blend(image, grain, 0.06), subsampling=2)


def _grey_webp() -> bytes:
    return _save(_labelled((360, 240), "WebP grey").convert("L").convert("RGB"), "WEBP", quality=80)


def _iphone_heic() -> bytes:
    """What an iPhone uploads: HEIC stored sideways with its own rotation (`irot`, from EXIF orientation 6)
    and GPS in its EXIF."""
    from image_processor.engine import heif  # noqa: PLC0415 - pillow-heif's encoder, only for this sample

    heif.register()
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)})
    stored = _labelled((480, 320), "iPhone HEIC").transpose(Image.Transpose.ROTATE_90)
    return _save(stored, "HEIF", quality=80, exif=exif.tobytes())


def _truncated_jpeg() -> bytes:
    whole = _jpeg(_scene((640, 480)))
    return whole[: len(whole) // 3]


def _bomb_png() -> bytes:
    """A valid PNG header claiming 60000 x 60000 pixels (3.6 GP): must be rejected before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "landscape.jpg", "PROCESSED", "plain JPEG photo", lambda: _jpeg(_labelled((1200, 800), "landscape"))
    ),
    Sample(
        "orientation/rotated_90.jpg",
        "PROCESSED",
        "EXIF orientation 6 (camera held upright)",
        lambda: _oriented(6),
    ),
    Sample(
        "orientation/rotated_180.jpg", "PROCESSED", "EXIF orientation 3 (upside down)", lambda: _oriented(3)
    ),
    Sample("orientation/rotated_270.jpg", "PROCESSED", "EXIF orientation 8", lambda: _oriented(8)),
    Sample("alpha/logo.png", "PROCESSED", "RGBA PNG with transparency", _alpha_png),
    Sample("print/cmyk.jpg", "PROCESSED", "CMYK JPEG", _cmyk_jpeg),
    Sample("animated/ball.gif", "PROCESSED", "animated GIF (6 frames)", _animated_gif),
    Sample(
        "2026/trip/photo 12mp+raw.jpg",
        "PROCESSED",
        "12 MP camera-sized JPEG, space and + in the name",
        _photo_12mp,
    ),
    Sample("misc/grey.webp", "PROCESSED", "greyscale WebP", _grey_webp),
    Sample("phone/IMG_0001.HEIC", "PROCESSED", "iPhone HEIC: its own rotation, GPS stripped", _iphone_heic),
    Sample("broken/truncated.jpg", "REJECTED", "JPEG cut off after a third", _truncated_jpeg),
    Sample(
        "broken/notes.jpg", "REJECTED", "a text file named .jpg", lambda: b"meeting notes, not a picture\n"
    ),
    Sample("broken/empty.png", "REJECTED", "zero bytes", lambda: b""),
    Sample("broken/bomb.png", "REJECTED", "decompression bomb header (60000 x 60000)", _bomb_png),
)


def write_samples(directory: Path) -> list[Sample]:
    """Write every sample under `directory`; returns them (with what each is expected to end as)."""
    for sample in SAMPLES:
        path = directory / sample.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sample.make())
    return list(SAMPLES)
