"""Small files that would cost the function a whole invocation: scan bombs and memory bombs.

- A marker flood is a JPEG of a million empty comment segments: harmless to libjpeg, but Pillow parses a
  JPEG's header in Python (1.1 s of CPU for these 4 MB, 13 s for 50 MiB), as would the scan count.
- A scan bomb is a valid progressive JPEG whose last scan (a 59-byte refinement pass over the whole image)
  is repeated: each repeat costs libjpeg a full pass over 36 MP of coefficients (~25 ms), 2500 repeats about a
  minute of CPU, in 288 KB.
- A memory bomb is a valid image within the 50 MP pixel limit whose render needs more than the dev function's
  memory (1024 MB): 49 MP with alpha is 196 MB of pixels and several times that in the WebP encoder of the
  `default` preset. Each compresses to almost nothing (one colour), so it also fits any byte limit.

A memory bomb needs alpha, or nothing within the pixel limit exceeds the dev budget (docs/security.md):
- JPEG/MPO have no alpha: the costliest 49 MP JPEG (CMYK, 4:4:4, progressive, rotated by EXIF) is estimated
  at ~790 MiB, inside the dev function's 814 MiB. Their bomb is the scan count.
- BMP: Pillow reads alpha only from uncompressed 32-bit BMPs, 4 bytes a pixel on disk, so at most ~13 MP
  within the 50 MiB byte limit (~370 MiB to render); RLE-compressed BMPs are palette images without
  transparency, rendered as RGB: a 49 MP RLE8 BMP is estimated at ~600 MiB.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from image_processor.engine import heif

BOMB_SIDE = 7000  # 49 MP: inside the 50 MP limit
SCAN_BOMB_SIDE = 6000
SCAN_REPEATS = 2500
# The default libjpeg progressive script has 6 scans for one component.
SCAN_BOMB_SCANS = 6 + SCAN_REPEATS


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def zeros_deflated(n: int, level: int = 9) -> bytes:
    """zlib stream of n zero bytes, built in 1 MiB steps (never holds n bytes)."""
    comp = zlib.compressobj(level)
    step = b"\0" * (1 << 20)
    out = []
    left = n
    while left > 0:
        take = min(left, len(step))
        out.append(comp.compress(step[:take]))
        left -= take
    out.append(comp.flush())
    return b"".join(out)


def _repeat_last_scan(jpeg: bytes, end: int, repeats: int) -> bytes:
    """`jpeg` with the last scan before offset `end` (its EOI) repeated `repeats` times."""
    last = jpeg.rfind(b"\xff\xda", 0, end)
    return jpeg[:end] + jpeg[last:end] * repeats + jpeg[end:]


def jpeg_scan_bomb() -> bytes:
    """A 6000x6000 progressive grey JPEG with its last scan repeated 2500 times (288 KB)."""
    data = _save(Image.new("L", (SCAN_BOMB_SIDE, SCAN_BOMB_SIDE), 128), "JPEG", progressive=True)
    return _repeat_last_scan(data, data.rfind(b"\xff\xd9"), SCAN_REPEATS)


def mpo_scan_bomb() -> bytes:
    """The same first frame in an MPO (a 64x64 second frame), its MP index moved to the second frame's new
    offset: a valid MPO."""
    data = _save(
        Image.new("L", (SCAN_BOMB_SIDE, SCAN_BOMB_SIDE), 128),
        "MPO",
        save_all=True,
        append_images=[Image.new("L", (64, 64))],
        progressive=True,
    )
    first_end = data.find(b"\xff\xd9")
    bomb = bytearray(_repeat_last_scan(data, first_end, SCAN_REPEATS))
    inserted = len(bomb) - len(data)
    endian, entries = mp_entries(bomb)
    offset_at = entries + 16 + 8  # the second image's offset
    (offset,) = struct.unpack_from(endian + "I", bomb, offset_at)
    struct.pack_into(endian + "I", bomb, offset_at, offset + inserted)
    return bytes(bomb)


def mp_entries(data: bytes | bytearray) -> tuple[str, int]:
    """The byte order of an MPO's MP index (APP2 "MPF") and where in `data` its MPEntry list starts: 16 bytes
    per image (attributes, size, offset, dependents)."""
    base = data.find(b"MPF\0") + 4  # offsets in the MP index are relative to its TIFF header
    endian = "<" if data[base : base + 2] == b"II" else ">"
    ifd = base + struct.unpack_from(endian + "I", data, base + 4)[0]
    (count,) = struct.unpack_from(endian + "H", data, ifd)
    for i in range(count):
        tag, _type, _n, value = struct.unpack_from(endian + "HHII", data, ifd + 2 + 12 * i)
        if tag == 0xB002:  # MPEntry
            return endian, base + value
    raise AssertionError("no MPEntry tag in the generated MPO")


def jpeg_marker_flood(segments: int = 1 << 20) -> bytes:
    """A valid 64x64 JPEG with `segments` empty COM segments (4 bytes each) before its frame."""
    data = _save(Image.new("L", (64, 64)), "JPEG")
    return data[:2] + b"\xff\xfe\x00\x02" * segments + data[2:]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_rgba_memory_bomb(side: int = BOMB_SIDE) -> bytes:
    """A valid, fully transparent RGBA PNG, 7000x7000 unless told (~190 KB)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)  # 8-bit RGBA
    idat = zeros_deflated((side * 4 + 1) * side)  # filter byte 0, then zero pixels, on every row
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def tiff_rgba_memory_bomb() -> bytes:
    """A valid 7000x7000 RGBA TIFF (unassociated alpha), one deflate strip of zeros (~190 KB)."""
    side = BOMB_SIDE
    strip = zeros_deflated(side * side * 4)
    entries = [
        (256, 4, 1, side),  # ImageWidth
        (257, 4, 1, side),  # ImageLength
        (258, 3, 4, None),  # BitsPerSample 8,8,8,8: four SHORTs, stored after the IFD
        (259, 3, 1, 8),  # Compression: deflate
        (262, 3, 1, 2),  # Photometric: RGB
        (273, 4, 1, None),  # StripOffsets
        (277, 3, 1, 4),  # SamplesPerPixel
        (278, 4, 1, side),  # RowsPerStrip
        (279, 4, 1, len(strip)),  # StripByteCounts
        (284, 3, 1, 1),  # PlanarConfiguration: contiguous
        (338, 3, 1, 2),  # ExtraSamples: unassociated alpha
    ]
    ifd_offset = 8
    bits_offset = ifd_offset + 2 + 12 * len(entries) + 4
    strip_offset = bits_offset + 8
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, given in entries:
        value = {258: bits_offset, 273: strip_offset}.get(tag, given)
        assert value is not None
        packed = struct.pack("<HH", value, 0) if typ == 3 and count == 1 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, typ, count) + packed
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", ifd_offset) + ifd + struct.pack("<4H", 8, 8, 8, 8) + strip


def gif_transparent_memory_bomb() -> bytes:
    """A valid 7000x7000 GIF whose one colour is transparent (~37 KB): RGBA to render."""
    return _save(Image.new("P", (BOMB_SIDE, BOMB_SIDE), 0), "GIF", transparency=0)


def webp_rgba_memory_bomb() -> bytes:
    """A valid, fully transparent 7000x7000 lossless WebP (34 bytes)."""
    image = Image.new("RGBA", (BOMB_SIDE, BOMB_SIDE), (0, 0, 0, 0))
    return _save(image, "WEBP", lossless=True, method=0, quality=0)


def avif_rgba_memory_bomb() -> bytes:
    """A valid, fully transparent 7000x7000 AVIF (~2 KB)."""
    image = Image.new("RGBA", (BOMB_SIDE, BOMB_SIDE), (0, 0, 0, 0))
    return _save(image, "AVIF", speed=10, quality=10)


def heif_rgba_memory_bomb() -> bytes:
    """A transparent 96x64 HEIC whose 'ispe' (the size every reader takes from the container) says 7000x7000:
    the header is all the engine reads before refusing it, and encoding a real 49 MP HEIC takes a minute."""
    heif.register()  # the engine's opener registration also registers pillow-heif's encoder
    data = bytearray(_save(Image.new("RGBA", (96, 64), (0, 0, 0, 0)), "HEIF", quality=10))
    return patch_ispe(data, BOMB_SIDE, BOMB_SIDE)


def patch_ispe(data: bytearray, width: int, height: int) -> bytes:
    """Every 'ispe' box (HEIF/AVIF image spatial extents) claims width x height."""
    at = data.find(b"ispe")
    while at != -1:
        struct.pack_into(
            ">II", data, at + 8, width, height
        )  # after the box type: version/flags, then the size
        at = data.find(b"ispe", at + 1)
    return bytes(data)


def ico_with_frame(frame: bytes, listed: int = 32) -> bytes:
    """An ICO whose one directory entry says `listed` x `listed` and points at `frame` (a PNG or a DIB)."""
    entry = struct.pack("<BBBBHHII", listed % 256, listed % 256, 0, 0, 1, 32, len(frame), 22)
    return b"\x00\x00\x01\x00\x01\x00" + entry + frame


def ico_dib_frame_bomb() -> bytes:
    """An ICO listing 256x256 whose DIB frame header says 30000x30000 (60000 rows: colours, then the mask)."""
    dib = struct.pack("<IiiHHIIiiII", 40, 30_000, 60_000, 1, 32, 0, 0, 0, 0, 0, 0)
    return ico_with_frame(dib, listed=256)
