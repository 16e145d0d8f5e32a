"""Generated test images (bytes), so that tests never depend on files outside the repository.

Shared by the engine, CLI and handler tests. Every function is deterministic and fast (tiny images).
"""

import struct
import zlib
from io import BytesIO

from PIL import Image

# The upright picture every orientation fixture shows: four distinct quadrants, wider than tall, so a wrong
# rotation or flip moves a colour to another corner (and a missing 90-degree turn changes the aspect).
UPRIGHT_SIZE = (64, 32)
QUADRANTS = {
    "top_left": (255, 0, 0),
    "top_right": (0, 255, 0),
    "bottom_left": (0, 0, 255),
    "bottom_right": (255, 255, 0),
}
# What a given EXIF orientation makes a viewer do, and so the inverse a camera stored the pixels with.
_STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # the viewer turns it by 270 (clockwise 90) back
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
GPS_LATITUDE = (52.0, 22.0, 1.5)


def upright_image() -> Image.Image:
    width, height = UPRIGHT_SIZE
    image = Image.new("RGB", UPRIGHT_SIZE)
    half_w, half_h = width // 2, height // 2
    image.paste(QUADRANTS["top_left"], (0, 0, half_w, half_h))
    image.paste(QUADRANTS["top_right"], (half_w, 0, width, half_h))
    image.paste(QUADRANTS["bottom_left"], (0, half_h, half_w, height))
    image.paste(QUADRANTS["bottom_right"], (half_w, half_h, width, height))
    return image


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def oriented_jpeg(orientation: int) -> bytes:
    """A JPEG whose pixels are stored rotated/flipped and whose EXIF orientation says how to undo it."""
    method = _STORED_AS[orientation]
    stored = upright_image() if method is None else upright_image().transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _save(stored, "JPEG", quality=95, exif=exif)


def photo_jpeg(size: tuple[int, int] = (800, 600), quality: int = 90) -> bytes:
    """A smooth gradient 'photo' (compresses like one); big enough to exercise draft()."""
    width, height = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    blue = Image.radial_gradient("L").resize((width, height))
    return _save(Image.merge("RGB", (red, green, blue)), "JPEG", quality=quality)


def gps_jpeg() -> bytes:
    """A JPEG carrying GPS coordinates in EXIF and in XMP, plus a comment: none of it may survive."""
    exif = Image.Exif()
    exif[0x010F] = "ACME Camera"  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: (4.0, 53.0, 2.0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>52,22.025N</exif:GPSLatitude></x:xmpmeta>'
    return _save(upright_image(), "JPEG", quality=95, exif=exif, xmp=xmp, comment=b"secret place")


def cmyk_profile(lab: tuple[float, float, float] = (46.0, -52.0, 48.0)) -> bytes:
    """A minimal valid ICC v2 CMYK output profile whose A2B0 maps any CMYK without black ink to one Lab
    colour (green by default). Converting white (0, 0, 0, 0) through it gives green; the naive CMYK->RGB
    formula gives white, so a test can tell whether the embedded profile was used."""
    # lut16Type Lab encoding (ICC v2): L* 0..100 -> 0..0xFF00, a*/b* -128..127.996 -> 0..0xFFFF.
    entry = (round(lab[0] * 0xFF00 / 100), round((lab[1] + 128) * 256), round((lab[2] + 128) * 256))
    grid = 2
    lut = b"mft2" + bytes(4) + bytes([4, 3, grid, 0])
    lut += b"".join(struct.pack(">i", v) for v in (65536, 0, 0, 0, 65536, 0, 0, 0, 65536))
    lut += struct.pack(">HH", 2, 2)
    lut += struct.pack(">HH", 0, 65535) * 4  # input curves: identity
    # The CLUT, in C-M-Y-K order with K varying fastest: no black ink gives `lab`, full black ink gives black.
    black = (0, 0x8000, 0x8000)
    lut += (struct.pack(">HHH", *entry) + struct.pack(">HHH", *black)) * grid**3
    lut += struct.pack(">HH", 0, 65535) * 3  # output curves: identity
    wtpt = b"XYZ " + bytes(4) + struct.pack(">iii", 63190, 65536, 54061)  # D50
    text = b"test CMYK\x00"
    desc = (
        b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(4) + bytes(4) + bytes(3) + bytes(67)
    )
    tags = [(b"desc", desc), (b"wtpt", wtpt), (b"A2B0", lut)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        padded = data + bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"prtrCMYKLab "
    header += struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + bytes(4) + struct.pack(">I", 0)
    header += bytes(8) + bytes(8) + struct.pack(">I", 0) + struct.pack(">iii", 63190, 65536, 54061)
    header += bytes(4) + bytes(16) + bytes(28)
    assert len(header) == 128
    return header + table + body


def cmyk_jpeg(*, with_icc: bool, cmyk: tuple[int, int, int, int] = (0, 0, 0, 0)) -> bytes:
    """A flat CMYK JPEG (white by default), optionally with `cmyk_profile()` embedded."""
    image = Image.new("CMYK", (32, 24), cmyk)
    return _save(image, "JPEG", quality=95, **({"icc_profile": cmyk_profile()} if with_icc else {}))


def palette_png_with_transparency() -> bytes:
    """P mode, index 0 transparent (tRNS): left half transparent, right half opaque red."""
    image = Image.new("P", (32, 16), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * (254 * 3))
    image.paste(1, (16, 0, 32, 16))
    return _save(image, "PNG", transparency=0)


def grey16_png() -> bytes:
    """A 16-bit greyscale PNG: left half 0x8000 (mid grey), right half 0xFFFF (white)."""
    image = Image.new("I;16", (32, 16), 0x8000)
    image.paste(0xFFFF, (16, 0, 32, 16))
    return _save(image, "PNG")


def rgba_png() -> bytes:
    """RGBA: left half fully transparent black, right half opaque blue."""
    image = Image.new("RGBA", (32, 16), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (16, 0, 32, 16))
    return _save(image, "PNG")


def la_png() -> bytes:
    """Grey + alpha: left half transparent, right half opaque dark grey (64)."""
    image = Image.new("LA", (32, 16), (0, 0))
    image.paste((64, 255), (16, 0, 32, 16))
    return _save(image, "PNG")


def grey_jpeg() -> bytes:
    return _save(Image.new("L", (40, 30), 100), "JPEG", quality=95)


def animated_gif() -> bytes:
    """Three frames: red, green, blue. Only the first (red) may be rendered."""
    frames = [Image.new("RGB", (24, 24), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def mpo() -> bytes:
    """A two-frame MPO (what many cameras write): red primary image, blue second image."""
    frames = [Image.new("RGB", (48, 32), (255, 0, 0)), Image.new("RGB", (48, 32), (0, 0, 255))]
    return _save(frames[0], "MPO", save_all=True, append_images=frames[1:], quality=95)


def jpeg_with_icc(icc: bytes) -> bytes:
    """A small RGB JPEG carrying `icc` as its ICC profile (Pillow embeds whatever bytes it is given)."""
    return _save(Image.new("RGB", (24, 16), (10, 200, 30)), "JPEG", quality=95, icc_profile=icc)


def srgb_profile(padding: int = 0) -> bytes:
    """A valid sRGB ICC profile, optionally padded (and its header size updated) to `padding` more bytes."""
    from PIL import ImageCms  # noqa: PLC0415 - only the profile fixtures need lcms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return struct.pack(">I", len(profile) + padding) + profile[4:] + bytes(padding)


def junk_rgb_icc(size: int = 200_000) -> bytes:
    """Bytes whose 128-byte header claims an RGB display profile, followed by junk: not a profile."""
    header = struct.pack(">I", size) + b"junk" + bytes(8) + b"mntrRGB XYZ " + bytes(104)
    return header + bytes((i * 7) % 251 for i in range(size - len(header)))


def eps() -> bytes:
    """PostScript: Pillow would hand it to Ghostscript if the engine opened it."""
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n%%EOF\n"


def pcx() -> bytes:
    """A format Pillow reads and the engine refuses by name."""
    return _save(Image.new("RGB", (16, 16), (0, 0, 255)), "PCX")


def ico(sizes: tuple[int, ...] = (16, 32, 48)) -> bytes:
    """A favicon with a frame per size, each of the upright picture scaled to it."""
    largest = max(sizes)
    image = upright_image().resize((largest, largest))
    return _save(image, "ICO", sizes=[(side, side) for side in sizes])


def iphone_heic(icc: bytes | None = None) -> bytes:
    """An iPhone-style HEIC: pixels stored sideways with EXIF orientation 6, which pillow-heif's encoder
    writes as the file's own rotation (`irot`), as iPhones do; and GPS coordinates in the EXIF."""
    from image_processor.engine import heif  # noqa: PLC0415 - registers pillow-heif's encoder too

    heif.register()
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: (4.0, 53.0, 2.0)})
    stored = upright_image().transpose(_STORED_AS[6])
    return _save(stored, "HEIF", quality=95, exif=exif.tobytes(), **({"icc_profile": icc} if icc else {}))


def heif_sequence_with_primary(primary: int, colours: tuple[tuple[int, int, int], ...]) -> bytes:
    """A HEIF image collection, one flat colour per image, whose primary image is `colours[primary]`."""
    from image_processor.engine import heif  # noqa: PLC0415

    heif.register()
    first, *rest = (Image.new("RGB", (32, 32), colour) for colour in colours)
    return _save(first, "HEIF", save_all=True, append_images=rest, primary_index=primary, quality=95)


def truncated_jpeg() -> bytes:
    data = photo_jpeg((400, 300))
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_header_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A few hundred bytes whose header claims `width` x `height` RGB pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def not_an_image() -> bytes:
    return b"%PDF-1.7? no: just some text that is not an image at all\n" * 4


def zero_bytes() -> bytes:
    return b""
