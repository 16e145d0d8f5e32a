"""A corpus of hostile inputs, generated at test time (nothing binary is committed).

Every case is deterministic: same bytes on every run. Each one carries the status the pipeline must record for
it and, for REJECTED, a pattern the one-line reason must match. The table is the contract of
tests/hostile/test_hostile_inputs.py and of docs/security.md.

Groups:
- truncated / corrupt: a small valid image in every accepted input format, cut or damaged;
- bomb: headers claiming a huge canvas over a tiny payload, PNG text / ICC chunks that inflate huge, and
  valid files within the limits that would cost a whole invocation (tests/hostile/bombs.py): a JPEG marker
  flood, JPEG/MPO scan bombs, and memory bombs in every format that can hold one (why JPEG and BMP cannot:
  bombs.py);
- dimensions: zero, huge, and absurd aspect ratios;
- not-an-image: text, PDF, ZIP, random bytes, zero bytes, and images in formats we do not accept;
- metadata: megabytes of EXIF / ICC / XMP around a valid image.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from PIL import Image

from image_processor.config import decode_memory_budget
from image_processor.engine import DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_JPEG_SCANS, heif
from image_processor.engine.ico import MAX_SIDE as ICO_MAX_SIDE
from image_processor.engine.jpeg import MAX_SEGMENTS
from tests.hostile import bombs
from tests.hostile.bombs import mp_entries, png_chunk, zeros_deflated

PROCESSED = "PROCESSED"
REJECTED = "REJECTED"

# The engine's reasons (image_processor.engine.render) start with one of these; each case names the one
# it expects.
R_NOT_IMAGE = r"^not an image: no decoder recognises this file$"
R_EMPTY = r"^not an image: the file is empty$"
R_CORRUPT = r"^truncated or corrupt image data: \S"
R_OVER_LIMIT = r"^image too large: \d+x\d+ = [\d.]+ MP exceeds the 50\.0 MP limit$"
R_TOO_LARGE = r"^image too large: \S"
R_ENCODE = r"^cannot encode variant \w+ as \w+: \S"
R_UNSUPPORTED = r"^unsupported format: [A-Z0-9]+$"
R_MARKERS = rf"^too many JPEG markers: over {MAX_SEGMENTS} segments$"
R_SCANS = rf"^too many JPEG scans: {bombs.SCAN_BOMB_SCANS} exceeds the limit of {DEFAULT_MAX_JPEG_SCANS}$"

# The engine runs the corpus with the limits of the dev function (environments/dev: 1024 MB), the smallest
# deployed: its memory budget is what the memory bombs must exceed.
DEV_FUNCTION_MEMORY_MB = 1024
DEV_MEMORY_BUDGET = decode_memory_budget(DEV_FUNCTION_MEMORY_MB, DEFAULT_MAX_INPUT_BYTES)
R_ICO_EMPTY = r"^not an image: ICO directory lists no frame$"
R_ICO_CUT = r"^not an image: ICO frame is cut short$"
R_ICO_FRAME = rf"^ICO frame declares -?\d+x-?\d+: an icon frame is at most {ICO_MAX_SIDE}x{ICO_MAX_SIDE}$"
R_MEMORY = rf"^image needs ~\d+ MiB to decode, over the {round(DEV_MEMORY_BUDGET / (1 << 20))} MiB budget$"


@dataclass(frozen=True)
class HostileCase:
    name: str
    group: str
    build: Callable[[], bytes]
    expected: str  # PROCESSED or REJECTED
    reason: str | None  # regex the REJECTED reason must match; None for PROCESSED
    why: str
    known_issue: str | None = None  # a contract the engine does not meet yet (the test is a strict xfail)

    @property
    def data(self) -> bytes:
        return _build(self.name)


_EXTENSIONS = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "tiff": "tif", "bmp": "bmp"}


def extension_for(case: HostileCase) -> str:
    """A plausible file extension: hostile files arrive with innocent names (non-images as .jpg)."""
    prefix = case.name.split("_", 1)[0]
    return {**_EXTENSIONS, "mpo": "jpg", "avif": "avif", "heif": "heic", "ico": "ico"}.get(prefix, "jpg")


# ---------------------------------------------------------------------------------------------- base images


def _noise(width: int, height: int, seed: int = 7, mode: str = "RGB") -> Image.Image:
    """Noise compresses badly, so that truncating the file really cuts into the pixel data."""
    rng = random.Random(seed)
    channels = len(mode)
    return Image.frombytes(mode, (width, height), rng.randbytes(width * height * channels))


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


@cache
def valid(fmt: str) -> bytes:
    """A small valid file in the given format (96x64 noise)."""
    image = _noise(96, 64)
    if fmt == "JPEG":
        return _save(image, "JPEG", quality=90)
    if fmt == "PNG":
        return _save(image, "PNG")
    if fmt == "GIF":
        return _save(image.convert("P"), "GIF")
    if fmt == "WEBP":
        return _save(image, "WEBP", quality=90)
    if fmt == "TIFF":
        return _save(image, "TIFF")
    if fmt == "BMP":
        return _save(image, "BMP")
    if fmt == "MPO":
        return _save(image, "MPO", save_all=True, append_images=[_noise(96, 64, seed=8)], quality=90)
    if fmt == "AVIF":
        return _save(image, "AVIF", quality=70)
    if fmt == "HEIF":
        heif.register()  # pillow-heif's encoder comes with the engine's opener
        return _save(image, "HEIF", quality=70)
    if fmt == "ICO":
        return _save(image, "ICO", sizes=[(32, 32), (64, 64)])
    raise ValueError(fmt)


def good_image() -> bytes:
    """The one good image of a mixed batch: a 320x240 JPEG with a gradient (compresses realistically)."""
    image = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
    return _save(image, "JPEG", quality=85)


# ---------------------------------------------------------------------------------------------- PNG helpers


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(
    width: int,
    height: int,
    idat: bytes,
    *,
    color_type: int = 2,
    extra_before: bytes = b"",
    extra_after: bytes = b"",
) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", ihdr)
        + extra_before
        + png_chunk(b"IDAT", idat)
        + extra_after
        + png_chunk(b"IEND", b"")
    )


def _png_tiny_image_with(extra_before: bytes = b"", extra_after: bytes = b"") -> bytes:
    """A valid 8x8 grey PNG with extra chunks around its IDAT."""
    idat = zlib.compress(b"".join(b"\0" + bytes(range(8)) for _ in range(8)))
    return _png(8, 8, idat, color_type=0, extra_before=extra_before, extra_after=extra_after)


def _ztxt(keyword: bytes, inflated_size: int) -> bytes:
    return png_chunk(b"zTXt", keyword + b"\0\0" + zlib.compress(b"A" * inflated_size, 9))


def _itxt_compressed(keyword: bytes, inflated_size: int) -> bytes:
    body = keyword + b"\0" + b"\1\0" + b"en\0" + b"\0" + zlib.compress(b"A" * inflated_size, 9)
    return png_chunk(b"iTXt", body)


# ---------------------------------------------------------------------------------------------- builders

MIB = 1 << 20


def _truncate(fmt: str, keep: int | float) -> Callable[[], bytes]:
    def build() -> bytes:
        data = valid(fmt)
        n = keep if isinstance(keep, int) else int(len(data) * keep)
        return data[:n]

    return build


def _corrupt(fmt: str, start: int, length: int) -> Callable[[], bytes]:
    """Keep the signature, overwrite the header fields after it with 0xFF."""

    def build() -> bytes:
        data = bytearray(valid(fmt))
        data[start : start + length] = b"\xff" * length
        return bytes(data)

    return build


def _png_bad_crc() -> bytes:
    data = bytearray(valid("PNG"))
    data[29] ^= 0xFF  # last byte of the IHDR CRC
    return bytes(data)


def _jpeg_garbage_scan() -> bytes:
    """Valid JPEG markers, random entropy-coded data."""
    data = bytearray(valid("JPEG"))
    sos = data.find(b"\xff\xda")
    rng = random.Random(3)
    body_start = sos + 2 + struct.unpack(">H", data[sos + 2 : sos + 4])[0]
    garbage = bytes(b if b != 0xFF else 0x00 for b in rng.randbytes(len(data) - body_start - 2))
    return bytes(data[:body_start]) + garbage + b"\xff\xd9"


def _jpeg_no_sof() -> bytes:
    """SOI, a comment, EOI: a JPEG with no frame at all."""
    return b"\xff\xd8" + b"\xff\xfe" + struct.pack(">H", 6) + b"hey!" + b"\xff\xd9"


def _gif_bad_lzw() -> bytes:
    """A GIF whose LZW minimum code size is 12 (the maximum allowed is 8)."""
    data = bytearray(valid("GIF"))
    descriptor = data.find(b"\x2c", 13 + 3 * 256)  # image descriptor after the global colour table
    data[descriptor + 10] = 12
    return bytes(data)


def _mpo_bad_index() -> bytes:
    """An MPO whose MP index (APP2 "MPF") puts the second frame 2 GiB past the end of the file."""
    data = bytearray(valid("MPO"))
    endian, entries = mp_entries(data)
    second = entries + 16
    struct.pack_into(endian + "II", data, second + 4, 0x7FFFFFF0, 0x7FFFFFF0)
    return bytes(data)


def _png_huge(width: int, height: int, *, real_rows: int = 4) -> bytes:
    """IHDR claims width x height; the zlib stream holds a few rows."""
    row = b"\0" + b"\0" * min(width * 3, 1 << 16)
    return _png(width, height, zlib.compress(row * real_rows, 9))


def _png_zlib_bomb_within_pillow() -> bytes:
    """8000x8000 (64 MP: over our 50 MP limit, under Pillow's 89 MP warning): a real 192 MB zlib bomb."""
    width = height = 8000
    return _png(width, height, zeros_deflated((width * 3 + 1) * height))


def _jpeg_huge() -> bytes:
    """A valid JPEG whose SOF0 claims 65500x65500."""
    data = bytearray(valid("JPEG"))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 65500, 65500)
    return bytes(data)


def _gif_huge() -> bytes:
    """Logical screen and image descriptor both 65535x65535, LZW data of a few bytes."""
    data = bytearray(valid("GIF"))
    struct.pack_into("<HH", data, 6, 65535, 65535)
    descriptor = data.find(b"\x2c", 13 + 3 * 256)
    struct.pack_into("<HH", data, descriptor + 5, 65535, 65535)
    return bytes(data)


def _bmp_huge() -> bytes:
    """BITMAPINFOHEADER with 60000x60000 at 24 bpp over 1 KiB of pixels."""
    width = height = 60000
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    pixels = b"\0" * 1024
    header = b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return header + info + pixels


def _tiff_huge(width: int = 100_000, height: int = 100_000, compression: int = 8) -> bytes:
    """A little-endian TIFF whose one strip claims width x height, with a tiny deflate stream."""
    strip = zlib.compress(b"\0" * 4096, 9) if compression == 8 else b"\0" * 64
    entries = [
        (256, 4, 1, width),  # ImageWidth LONG
        (257, 4, 1, height),  # ImageLength LONG
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, compression),  # Compression
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, 0),  # StripOffsets, patched below
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, len(strip)),  # StripByteCounts
    ]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    strip_offset = ifd_offset + ifd_size
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, given in entries:
        value = strip_offset if tag == 273 else given
        packed = struct.pack("<HHI", tag, typ, count)
        packed += struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
        ifd += packed
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", ifd_offset) + ifd + strip


def _webp_huge() -> bytes:
    """A lossy WebP whose VP8 frame header claims 16383x16383 (the format's maximum)."""
    data = bytearray(valid("WEBP"))
    start_code = data.find(b"\x9d\x01\x2a")
    struct.pack_into("<HH", data, start_code + 3, 16383, 16383)
    return bytes(data)


def _avif_huge() -> bytes:
    """An AVIF whose 'ispe' (image spatial extents) property claims 60000x60000."""
    data = bytearray(valid("AVIF"))
    ispe = data.find(b"ispe")
    struct.pack_into(">II", data, ispe + 8, 60000, 60000)  # after the box type: version/flags, width, height
    return bytes(data)


_REAL_BOMB_SIZES = {
    "JPEG": "~600 KiB",
    "GIF": "~38 KiB",
    "TIFF": "~74 KiB deflate",
    "WEBP": "~134 KiB",
    "AVIF": "under 1 KiB",
}
_REAL_BOMB_PARAMS: dict[str, dict[str, object]] = {
    "JPEG": {},
    "GIF": {},
    "TIFF": {"compression": "tiff_deflate"},
    "WEBP": {"method": 0, "quality": 1},
    "AVIF": {"speed": 10, "quality": 10},
}


def _real_bomb(fmt: str) -> Callable[[], bytes]:
    def build() -> bytes:
        return _save(Image.new("L", (7200, 7200)), fmt, **_REAL_BOMB_PARAMS[fmt])

    return build


def _png_dims(width: int, height: int) -> bytes:
    """A real grey PNG of the given size (rows of zeros), for the absurd aspect ratios."""
    comp = zlib.compressobj(9)
    row = b"\0" + b"\0" * width
    chunks = [comp.compress(row) for _ in range(height)]
    chunks.append(comp.flush())
    return _png(width, height, b"".join(chunks), color_type=0)


def _text() -> bytes:
    return b"This is not an image.\nIt is a plain text file with a .jpg name.\n" * 20


def _pdf() -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photo.jpg", valid("JPEG"))
        archive.writestr("readme.txt", "not an image")
    return buf.getvalue()


def _random(n: int = 64 * 1024) -> bytes:
    return random.Random(11).randbytes(n)


def _html() -> bytes:
    return b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>\n"


def _svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<rect width="100" height="100" fill="red"/></svg>\n'
    )


def _eps() -> bytes:
    """A PostScript file: Pillow would hand it to Ghostscript. It must never get that far."""
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n(/etc/passwd) (r) file pop\nshowpage\n%%EOF\n"
    )


def _psd_like() -> bytes:
    """A PSD header (Pillow reads PSD) over nothing."""
    return b"8BPS" + struct.pack(">H6sHIIHH", 1, b"\0" * 6, 3, 64, 64, 8, 3) + b"\0" * 64


def _pcx() -> bytes:
    return _save(_noise(32, 32), "PCX")


def _jpeg_huge_icc() -> bytes:
    """A valid JPEG carrying an 8 MiB garbage ICC profile (split by Pillow over 128 APP2 segments)."""
    return _save(_noise(96, 64), "JPEG", quality=90, icc_profile=_random(8 * MIB))


def _jpeg_huge_icc_rgb_header() -> bytes:
    """The same, but the junk claims to be an RGB profile (bytes 16-19 'RGB ', 36-39 'acsp')."""
    icc = bytearray(_random(8 * MIB))
    icc[16:20], icc[36:40] = b"RGB ", b"acsp"
    return _save(_noise(96, 64), "JPEG", quality=90, icc_profile=bytes(icc))


def _jpeg_many_app1() -> bytes:
    """A valid JPEG with 64 APP1 segments of 64 KiB (4 MiB of EXIF-looking junk and XMP)."""
    data = valid("JPEG")
    segment_body = b"Exif\0\0" + _random(65000)
    xmp_body = b"http://ns.adobe.com/xap/1.0/\0" + b"<x:xmpmeta>" + b"A" * 65000
    segments = b"".join(
        b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
        for body in ([segment_body] * 32 + [xmp_body[:65533]] * 32)
    )
    return data[:2] + segments + data[2:]


def _jpeg_exif_garbage_ifd() -> bytes:
    """A valid JPEG whose EXIF claims a million IFD entries and an orientation of 99."""
    exif = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 0xFFFF)
    exif += struct.pack("<HHII", 0x0112, 3, 1, 99) * 16
    exif += struct.pack("<HHII", 0x8769, 4, 1, 0xFFFFFF00)  # ExifIFD pointer past the end
    return _save(_noise(96, 64), "JPEG", quality=90, exif=exif)


def _png_huge_exif() -> bytes:
    """A valid PNG with a 6 MiB eXIf chunk of junk."""
    return _png_tiny_image_with(extra_before=png_chunk(b"eXIf", b"II*\0" + _random(6 * MIB)))


def _png_iccp_bomb() -> bytes:
    """An iCCP chunk whose profile inflates to 64 MiB (Pillow caps at MAX_TEXT_CHUNK = 1 MiB)."""
    body = b"evil\0\0" + zeros_deflated(64 * MIB)
    return _png_tiny_image_with(extra_before=png_chunk(b"iCCP", body))


def _webp_huge_metadata() -> bytes:
    """A valid WebP with a 6 MiB EXIF chunk and a 6 MiB ICC chunk."""
    return _save(
        _noise(96, 64),
        "WEBP",
        quality=90,
        exif=b"Exif\0\0II*\0" + _random(6 * MIB),
        icc_profile=_random(6 * MIB),
    )


def _gif_many_frames() -> bytes:
    """A 64x64 GIF with 3000 one-pixel frames (work per frame, if anything walks them)."""
    first = _noise(64, 64).convert("P")
    frames = [Image.new("P", (64, 64), i % 256) for i in range(3000)]
    return _save(first, "GIF", save_all=True, append_images=frames, duration=1, optimize=False)


def _tiff_ifd_loop() -> bytes:
    """A valid single-strip TIFF whose next-IFD pointer points at itself (an endless page chain)."""
    data = bytearray(_save(_noise(16, 16), "TIFF"))
    ifd_offset = struct.unpack_from("<I", data, 4)[0]
    count = struct.unpack_from("<H", data, ifd_offset)[0]
    struct.pack_into("<I", data, ifd_offset + 2 + 12 * count, ifd_offset)
    return bytes(data)


def _tiff_unsupported_compression() -> bytes:
    """A TIFF claiming compression scheme 12345 (not a scheme anybody implements)."""
    return _tiff_huge(width=16, height=16, compression=12345)


# ---------------------------------------------------------------------------------------------- the table

_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP", "MPO", "AVIF", "HEIF", "ICO")
# Where each format's header fields start after its signature (for the corrupt-header cases).
_HEADER_FIELDS = {
    "JPEG": (2, 24),
    "PNG": (16, 13),
    "GIF": (6, 7),
    "WEBP": (12, 24),
    "TIFF": (4, 4),
    "BMP": (14, 16),
    "MPO": (2, 24),
    "AVIF": (8, 24),
    "HEIF": (8, 24),
    "ICO": (4, 18),
}
# Expected reasons for (first 12 bytes, cut in half, header fields overwritten). Pillow's open() recognises
# some formats from 12 bytes and then fails reading (corrupt), others not at all (not an image); the GIF's
# overwritten logical screen reads as 65535x65535 (over the limit).
_FORMAT_REASONS = {
    "JPEG": (R_CORRUPT, R_CORRUPT, R_NOT_IMAGE),
    "PNG": (R_NOT_IMAGE, R_CORRUPT, R_NOT_IMAGE),
    "GIF": (R_NOT_IMAGE, R_CORRUPT, R_OVER_LIMIT),
    "WEBP": (R_NOT_IMAGE, R_CORRUPT, R_NOT_IMAGE),
    "TIFF": (R_NOT_IMAGE, R_CORRUPT, R_NOT_IMAGE),
    "BMP": (R_NOT_IMAGE, R_CORRUPT, R_CORRUPT),
    "MPO": (R_CORRUPT, R_CORRUPT, R_NOT_IMAGE),
    "AVIF": (R_NOT_IMAGE, R_NOT_IMAGE, R_NOT_IMAGE),
    "HEIF": (R_NOT_IMAGE, R_CORRUPT, R_NOT_IMAGE),
    "ICO": (R_ICO_EMPTY, R_CORRUPT, R_ICO_CUT),
}


def _cases() -> list[HostileCase]:
    cases: list[HostileCase] = []
    for fmt in _FORMATS:
        low = fmt.lower()
        header_only, truncated, corrupt = _FORMAT_REASONS[fmt]
        cases.append(
            HostileCase(
                f"{low}_header_only",
                "truncated",
                _truncate(fmt, 12),
                REJECTED,
                header_only,
                f"the first 12 bytes of a {fmt}: signature, no image",
            )
        )
        cases.append(
            HostileCase(
                f"{low}_truncated_half",
                "truncated",
                _truncate(fmt, 0.5),
                REJECTED,
                truncated,
                f"a {fmt} cut in the middle of its pixel data",
            )
        )
        start, length = _HEADER_FIELDS[fmt]
        cases.append(
            HostileCase(
                f"{low}_corrupt_header",
                "corrupt",
                _corrupt(fmt, start, length),
                REJECTED,
                corrupt,
                f"a {fmt} whose {length} header bytes after the signature are 0xFF",
            )
        )
    cases += [
        HostileCase("png_bad_crc", "corrupt", _png_bad_crc, REJECTED, R_NOT_IMAGE, "IHDR CRC does not match"),
        HostileCase(
            "jpeg_garbage_scan",
            "corrupt",
            _jpeg_garbage_scan,
            PROCESSED,
            None,
            "valid markers around random entropy-coded data: libjpeg decodes noise, a valid image",
        ),
        HostileCase(
            "jpeg_no_frame", "corrupt", _jpeg_no_sof, REJECTED, R_NOT_IMAGE, "SOI, COM, EOI: no frame"
        ),
        HostileCase("gif_bad_lzw", "corrupt", _gif_bad_lzw, REJECTED, R_CORRUPT, "LZW minimum code size 12"),
        HostileCase(
            "mpo_bad_index",
            "corrupt",
            _mpo_bad_index,
            PROCESSED,
            None,
            "MP index puts frame 2 at 2 GiB past the end: only frame 1 (intact) is rendered",
        ),
        HostileCase(
            "tiff_unknown_compression",
            "corrupt",
            _tiff_unsupported_compression,
            REJECTED,
            R_NOT_IMAGE,
            "TIFF compression scheme 12345",
        ),
        HostileCase(
            "tiff_ifd_loop",
            "corrupt",
            _tiff_ifd_loop,
            PROCESSED,
            None,
            "valid first page whose next-IFD pointer loops to itself: pages are never walked",
        ),
        # --- decompression bombs: headers that lie over a tiny payload ...
        HostileCase(
            "png_bomb_100k",
            "bomb",
            lambda: _png_huge(100_000, 100_000),
            REJECTED,
            R_OVER_LIMIT,
            "IHDR 100000x100000 (10 GP) over a 1 KiB zlib stream",
        ),
        HostileCase("jpeg_bomb", "bomb", _jpeg_huge, REJECTED, R_OVER_LIMIT, "SOF0 claims 65500x65500"),
        HostileCase("gif_bomb", "bomb", _gif_huge, REJECTED, R_OVER_LIMIT, "screen and frame 65535x65535"),
        HostileCase("bmp_bomb", "bomb", _bmp_huge, REJECTED, R_OVER_LIMIT, "BMP 60000x60000x24 over 1 KiB"),
        HostileCase(
            "tiff_bomb", "bomb", _tiff_huge, REJECTED, R_OVER_LIMIT, "TIFF 100000x100000 deflate strip"
        ),
        HostileCase(
            "webp_bomb",
            "bomb",
            _webp_huge,
            REJECTED,
            R_TOO_LARGE,
            "VP8 frame header claims 16383x16383 (268 MP: Pillow's own guard refuses it first)",
        ),
        HostileCase(
            "avif_bomb",
            "bomb",
            _avif_huge,
            REJECTED,
            R_NOT_IMAGE,
            "AVIF 'ispe' claims 60000x60000 over a 96x64 stream: libavif refuses the file",
        ),
        HostileCase(
            "heif_bomb",
            "bomb",
            lambda: bombs.patch_ispe(bytearray(valid("HEIF")), 60000, 60000),
            REJECTED,
            R_OVER_LIMIT,
            "HEIC 'ispe' claims 60000x60000 over a 96x64 stream: refused from the container, undecoded",
        ),
        HostileCase(
            "ico_png_frame_bomb",
            "bomb",
            lambda: bombs.ico_with_frame(_png_huge(20_000, 20_000)),
            REJECTED,
            R_ICO_FRAME,
            "ICO listing 32x32 whose PNG frame's IHDR says 20000x20000 (Pillow would decode it at open)",
        ),
        HostileCase(
            "ico_dib_frame_bomb",
            "bomb",
            bombs.ico_dib_frame_bomb,
            REJECTED,
            R_ICO_FRAME,
            "ICO listing 256x256 whose DIB frame header says 30000x30000",
        ),
        # ... real, valid files of 51.8-64 MP that compress to almost nothing: over our 50 MP limit but under
        # Pillow's 89 MP warning, so only the engine's own limit stops them (before any pixel is decoded)
        HostileCase(
            "png_bomb_64mp_real",
            "bomb",
            _png_zlib_bomb_within_pillow,
            REJECTED,
            R_OVER_LIMIT,
            "8000x8000 zlib bomb: 190 KiB inflating to 192 MB",
        ),
        *(
            HostileCase(
                f"{fmt.lower()}_bomb_52mp_real",
                "bomb",
                _real_bomb(fmt),
                REJECTED,
                R_OVER_LIMIT,
                f"a valid black 7200x7200 {fmt} ({_REAL_BOMB_SIZES[fmt]})",
            )
            for fmt in ("JPEG", "GIF", "TIFF", "WEBP", "AVIF")
        ),
        # ... valid files within every limit but the ones the engine checks from the header before decoding:
        # the JPEG marker walk (segments, then scans: a minute of libjpeg CPU in 288 KB) and the memory
        # estimate (~1.4 GiB to render 49 MP with alpha to the default preset, in a 1 GiB function)
        HostileCase(
            "jpeg_marker_flood",
            "bomb",
            bombs.jpeg_marker_flood,
            REJECTED,
            R_MARKERS,
            "a 64x64 JPEG behind a million empty comments (4 MB): 1.1 s of Pillow's Python header parser",
        ),
        HostileCase(
            "jpeg_scan_bomb",
            "bomb",
            bombs.jpeg_scan_bomb,
            REJECTED,
            R_SCANS,
            "6000x6000 progressive JPEG, its last scan repeated 2500 times (288 KB, ~60 s of libjpeg CPU)",
        ),
        HostileCase(
            "mpo_scan_bomb",
            "bomb",
            bombs.mpo_scan_bomb,
            REJECTED,
            R_SCANS,
            "the same scan bomb as the first frame of a valid MPO",
        ),
        HostileCase(
            "png_memory_bomb_49mp_rgba",
            "bomb",
            bombs.png_rgba_memory_bomb,
            REJECTED,
            R_MEMORY,
            "a valid transparent 7000x7000 RGBA PNG (190 KB): 196 MB of pixels, ~1.4 GiB to render",
        ),
        HostileCase(
            "tiff_memory_bomb_49mp_rgba",
            "bomb",
            bombs.tiff_rgba_memory_bomb,
            REJECTED,
            R_MEMORY,
            "a valid 7000x7000 RGBA TIFF, one deflate strip (190 KB)",
        ),
        HostileCase(
            "gif_memory_bomb_49mp_transparent",
            "bomb",
            bombs.gif_transparent_memory_bomb,
            REJECTED,
            R_MEMORY,
            "a valid 7000x7000 GIF whose one colour is transparent (37 KB): rendered as RGBA",
        ),
        HostileCase(
            "webp_memory_bomb_49mp_rgba",
            "bomb",
            bombs.webp_rgba_memory_bomb,
            REJECTED,
            R_MEMORY,
            "a valid transparent 7000x7000 lossless WebP (34 bytes)",
        ),
        HostileCase(
            "avif_memory_bomb_49mp_rgba",
            "bomb",
            bombs.avif_rgba_memory_bomb,
            REJECTED,
            R_MEMORY,
            "a valid transparent 7000x7000 AVIF (2 KB)",
        ),
        HostileCase(
            "heif_memory_bomb_49mp_rgba",
            "bomb",
            bombs.heif_rgba_memory_bomb,
            REJECTED,
            R_MEMORY,
            "a transparent HEIC whose container says 7000x7000 (656 bytes): refused before libheif decodes",
        ),
        # ... and PNG chunks that inflate huge (Pillow: MAX_TEXT_CHUNK 1 MiB each, MAX_TEXT_MEMORY 64 MiB)
        HostileCase(
            "png_ztxt_bomb",
            "bomb",
            lambda: _png_tiny_image_with(extra_before=_ztxt(b"Comment", 64 * MIB)),
            REJECTED,
            R_CORRUPT,
            "zTXt chunk inflating to 64 MiB, before IDAT",
        ),
        HostileCase(
            "png_ztxt_bomb_after_idat",
            "bomb",
            lambda: _png_tiny_image_with(extra_after=_ztxt(b"Comment", 64 * MIB)),
            PROCESSED,
            None,
            "zTXt inflating to 64 MiB after IDAT: pixels complete, inflation stops at 1 MiB, "
            "the chunk is dropped with the metadata",
        ),
        HostileCase(
            "png_itxt_bomb",
            "bomb",
            lambda: _png_tiny_image_with(extra_before=_itxt_compressed(b"Comment", 64 * MIB)),
            REJECTED,
            R_CORRUPT,
            "compressed iTXt chunk inflating to 64 MiB",
        ),
        HostileCase(
            "png_text_memory_bomb",
            "bomb",
            lambda: _png_tiny_image_with(
                extra_before=b"".join(_ztxt(b"k%d" % i, MIB - 64) for i in range(70))
            ),
            REJECTED,
            R_CORRUPT,
            "70 zTXt chunks of ~1 MiB each: over MAX_TEXT_MEMORY (64 MiB)",
        ),
        HostileCase(
            "png_iccp_bomb", "bomb", _png_iccp_bomb, REJECTED, R_CORRUPT, "iCCP profile inflating to 64 MiB"
        ),
        HostileCase(
            "gif_3000_frames",
            "bomb",
            _gif_many_frames,
            PROCESSED,
            None,
            "3000 frames: only the first is decoded",
        ),
        # --- absurd dimensions
        HostileCase(
            "png_zero_width", "dimensions", lambda: _png_huge(0, 64), REJECTED, R_NOT_IMAGE, "IHDR 0x64"
        ),
        HostileCase(
            "png_zero_height", "dimensions", lambda: _png_huge(64, 0), REJECTED, R_NOT_IMAGE, "IHDR 64x0"
        ),
        HostileCase(
            "png_65535_square",
            "dimensions",
            lambda: _png_huge(65535, 65535),
            REJECTED,
            R_OVER_LIMIT,
            "IHDR 65535x65535 (4.3 GP)",
        ),
        HostileCase(
            "png_1x1000000",
            "dimensions",
            lambda: _png_dims(1, 1_000_000),
            REJECTED,
            R_ENCODE,
            "a real 1x1000000 PNG (1 MP): JPEG cannot hold a side over 65500 px",
        ),
        HostileCase(
            "png_1000000x1",
            "dimensions",
            lambda: _png_dims(1_000_000, 1),
            REJECTED,
            R_ENCODE,
            "a real 1000000x1 PNG (1 MP): JPEG cannot hold a side over 65500 px",
        ),
        # --- not an image
        HostileCase("empty", "not-an-image", lambda: b"", REJECTED, R_EMPTY, "zero bytes"),
        HostileCase("one_byte", "not-an-image", lambda: b"\xff", REJECTED, R_NOT_IMAGE, "a single 0xFF"),
        HostileCase("text", "not-an-image", _text, REJECTED, R_NOT_IMAGE, "plain text named .jpg"),
        HostileCase("pdf", "not-an-image", _pdf, REJECTED, R_NOT_IMAGE, "a PDF"),
        HostileCase("zip", "not-an-image", _zip, REJECTED, R_NOT_IMAGE, "a ZIP holding a JPEG"),
        HostileCase("random", "not-an-image", _random, REJECTED, R_NOT_IMAGE, "64 KiB of random bytes"),
        HostileCase("html", "not-an-image", _html, REJECTED, R_NOT_IMAGE, "HTML with a script"),
        HostileCase("svg", "not-an-image", _svg, REJECTED, R_NOT_IMAGE, "SVG (Pillow does not read it)"),
        # --- formats Pillow reads that are not camera or web formats
        HostileCase(
            "eps",
            "foreign-format",
            _eps,
            REJECTED,
            R_UNSUPPORTED,
            "PostScript: Pillow would hand it to Ghostscript (see the Ghostscript test)",
        ),
        HostileCase(
            "psd_header", "foreign-format", _psd_like, REJECTED, R_UNSUPPORTED, "a PSD header over nothing"
        ),
        HostileCase("pcx", "foreign-format", _pcx, REJECTED, R_UNSUPPORTED, "a valid PCX, likewise"),
        # --- huge metadata around valid pixels: the metadata is dropped, the pixels rendered
        HostileCase(
            "jpeg_icc_8mib",
            "metadata",
            _jpeg_huge_icc,
            PROCESSED,
            None,
            "8 MiB garbage ICC profile over 128 APP2 segments",
        ),
        HostileCase(
            "jpeg_icc_junk_rgb_8mib",
            "metadata",
            _jpeg_huge_icc_rgb_header,
            PROCESSED,
            None,
            "8 MiB of junk whose header claims an RGB ICC profile: not parsed by lcms, so not copied",
        ),
        HostileCase(
            "jpeg_app1_4mib",
            "metadata",
            _jpeg_many_app1,
            PROCESSED,
            None,
            "64 APP1 segments of 64 KiB (EXIF junk and XMP)",
        ),
        HostileCase(
            "jpeg_exif_hostile_ifd",
            "metadata",
            _jpeg_exif_garbage_ifd,
            PROCESSED,
            None,
            "EXIF claiming 65535 entries, orientation 99, Exif IFD pointer past the end",
        ),
        HostileCase("png_exif_6mib", "metadata", _png_huge_exif, PROCESSED, None, "6 MiB eXIf chunk of junk"),
        HostileCase(
            "webp_metadata_12mib",
            "metadata",
            _webp_huge_metadata,
            PROCESSED,
            None,
            "6 MiB EXIF + 6 MiB ICC chunks",
        ),
    ]
    return cases


CASES: tuple[HostileCase, ...] = tuple(_cases())
_BY_NAME = {case.name: case for case in CASES}
assert len(_BY_NAME) == len(CASES), "duplicate case names"


@cache
def _build(name: str) -> bytes:
    return _BY_NAME[name].build()


def case(name: str) -> HostileCase:
    return _BY_NAME[name]
