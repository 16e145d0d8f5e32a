"""ICO sources (favicons): the frame Pillow will decode, checked before Pillow opens the file.

Pillow's ICO plugin decodes the largest frame inside `Image.open`, before any limit of ours could run, and
the size it reports is the directory's (at most 256x256). The frame itself is a PNG or a DIB with a header of
its own that may declare anything: a 1 KB icon whose PNG frame says 20000x20000 would be decoded at open.
So every frame's own header is read here first, and the file refused unless each is what ICO allows: at most
256x256. Within that bound a frame costs at most 256 KB decoded; no other limit is needed.
"""

import struct

from image_processor.engine.errors import ImageRejected

MAGIC = b"\x00\x00\x01\x00"
MAX_SIDE = 256
_PNG = b"\x89PNG\r\n\x1a\n"
_ENTRY = struct.Struct("<BBBBHHII")  # width, height, colours, reserved, planes, bpp, bytes, offset


def is_ico(data: bytes) -> bool:
    return data[:4] == MAGIC


def check_frames(data: bytes) -> None:
    """Raise ImageRejected unless every frame declares at most 256x256 itself (whichever Pillow picks)."""
    count = int.from_bytes(data[4:6], "little")
    offsets = [_ENTRY.unpack_from(data, 6 + 16 * i)[7] for i in range(count) if 6 + 16 * (i + 1) <= len(data)]
    if not offsets:
        raise ImageRejected("not an image: ICO directory lists no frame")
    for offset in offsets:
        width, height = _frame_size(data, offset)
        if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
            raise ImageRejected(
                f"ICO frame declares {width}x{height}: an icon frame is at most {MAX_SIDE}x{MAX_SIDE}"
            )


def _frame_size(data: bytes, offset: int) -> tuple[int, int]:
    frame = data[offset : offset + 26]
    if frame[:8] == _PNG:
        if len(frame) < 24 or frame[12:16] != b"IHDR":
            raise ImageRejected("not an image: ICO frame is a PNG without its header")
        width, height = struct.unpack(">II", frame[16:24])
        return width, height
    if len(frame) >= 12 and int.from_bytes(frame[:4], "little") == 12:  # BITMAPCOREHEADER
        width, height = struct.unpack("<HH", frame[4:8])
    elif len(frame) >= 12:  # BITMAPINFOHEADER and later: signed, negative height is top-down
        width, height = struct.unpack("<ii", frame[4:12])
    else:
        raise ImageRejected("not an image: ICO frame is cut short")
    return width, abs(height) // 2  # a DIB frame stores its colour rows and then its AND mask
