"""A PNG's chunk list, read without decoding: is there metadata after the pixels?

Pillow reads the chunks before the first IDAT at open and the rest only when it decodes, so its getexif()
decodes the whole image first, in case an eXIf or text chunk (EXIF as "Raw profile type exif", XMP) follows
the pixels. When none follows, the EXIF read before the pixels is all there is.
"""

_METADATA = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt"})
_SIGNATURE_LENGTH = 8


def metadata_after_pixels(data: bytes) -> bool:
    """Whether an eXIf, tEXt, zTXt or iTXt chunk comes after the first IDAT (or the chunk list is broken
    before IEND, so that only a decode can tell)."""
    pos, end = _SIGNATURE_LENGTH, len(data)
    seen_pixels = False
    while pos + 8 <= end:
        kind = data[pos + 4 : pos + 8]
        if kind == b"IEND":
            return False
        if kind == b"IDAT":
            seen_pixels = True
        elif seen_pixels and kind in _METADATA:
            return True
        pos += 12 + int.from_bytes(data[pos : pos + 4], "big")  # length, type, data, CRC
    return True
